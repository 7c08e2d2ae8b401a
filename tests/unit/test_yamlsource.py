from __future__ import annotations

from billingcore.catalog.yamlsource import MAX_FILE_BYTES, REJECTED, PlainFloat, read_text
from billingcore.errors import Diagnostic, Location


def _read(text: str) -> tuple[object, list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    return read_text("t.yaml", text, diagnostics).data, diagnostics


def test_plain_scalars_follow_a_strict_core_schema() -> None:
    data, diags = _read('a: 1\nb: "1"\nc: true\nd: ~\ne: 2020-01-01\nf: 1.50\n')
    assert diags == []
    assert data == {"a": 1, "b": "1", "c": True, "d": None, "e": "2020-01-01", "f": "1.50"}
    assert isinstance(data["f"], PlainFloat)  # type: ignore[index]


def test_every_node_keeps_its_location() -> None:
    data, _ = _read("plans:\n  - id: team\n    rank: 2\n")
    item = data["plans"][0]  # type: ignore[index]
    assert data.value_locs["plans"] == Location("t.yaml", 2, 3)  # type: ignore[attr-defined]
    assert item.key_locs["rank"] == Location("t.yaml", 3, 5)
    assert item.value_locs["rank"] == Location("t.yaml", 3, 11)


def test_alias_bomb_is_refused_before_expansion() -> None:
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n"
    data, diags = _read(bomb)
    assert {d.code for d in diags} == {"anchor", "alias"}
    assert data["c"] == [REJECTED, REJECTED]  # type: ignore[index]


def test_oversized_text_is_refused_without_parsing() -> None:
    data, diags = _read("a: " + "x" * MAX_FILE_BYTES)
    assert data is None
    assert [d.code for d in diags] == ["file-too-large"]
    assert diags[0].location == Location("t.yaml", 1, 1)

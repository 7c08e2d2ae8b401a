from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from billingcore.catalog import yamlsource
from billingcore.catalog.yamlsource import (
    GENERIC_SYNTAX_HINT,
    MAX_FILE_BYTES,
    REJECTED,
    TOO_LARGE_HINT,
    PlainFloat,
    read_file,
    read_text,
)
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


def test_oversized_text_hint_says_what_to_do() -> None:
    _, diags = _read("a: " + "x" * MAX_FILE_BYTES)
    assert diags[0].hint == TOO_LARGE_HINT
    assert "1 MiB" in diags[0].hint


SYNTAX_CASES = [
    pytest.param(
        'a: 1\nprices: {monthly: "13.00"\n',
        (2, 9),
        "close the `{` opened at line 2 with `}`, and separate the pairs inside it with commas",
        id="unclosed-flow-mapping",
    ),
    pytest.param(
        'a:\n  prices: {monthly: "13.00"\n  kind: site\n',
        (3, 3),
        "close the `{` opened at line 2 with `}`, and separate the pairs inside it with commas",
        id="flow-mapping-left-open-mid-file",
    ),
    pytest.param(
        "applies_to: [seat, traffic\n",
        (1, 13),
        "close the `[` opened at line 1 with `]`, and separate the items inside it with commas",
        id="unclosed-flow-sequence",
    ),
    pytest.param(
        'a: "abc\nb: 1\n',
        (1, 4),
        'close the `"` opened at line 1 with a matching `"`',
        id="unclosed-quote",
    ),
    pytest.param(
        "a:\n\tb: 1\n",
        (2, 1),
        "indent with spaces: YAML does not allow tabs for indentation",
        id="tab",
    ),
    pytest.param(
        "a: 1\nb\nc: 2\n",
        (2, 1),
        "`b` has no colon: write it as `b: value`, or indent it as part of the line above",
        id="missing-colon",
    ),
    pytest.param(
        "a: 1\nb:2\nc: 3\n",
        (2, 1),
        "put a space after the colon: `b: 2`",
        id="no-space-after-colon",
    ),
    pytest.param(
        "name: Team: pro\n",
        (1, 7),
        'quote a value that contains `: `, e.g. `name: "Team: pro"`',
        id="colon-in-value",
    ),
    pytest.param(
        "a: b\n  c: d\n",
        (2, 3),
        "check the indentation: this line is indented deeper than the key above it, as if it were part of its value",
        id="key-under-a-value",
    ),
    pytest.param(
        "a:\n  b: 1\n c: 2\n",
        (3, 2),
        "check the indentation: this line must line up with the keys above it "
        "(the mapping at line 1 has its keys in column 1)",
        id="misaligned-key",
    ),
    pytest.param(
        "a: @x\n",
        (1, 4),
        'a YAML value cannot start with "@"; put the value in quotes',
        id="reserved-character",
    ),
    pytest.param(
        'a: "x" y\n',
        (1, 8),
        "text follows a closing quote: put the whole value inside the quotes",
        id="text-after-quote",
    ),
]


@pytest.mark.parametrize("parser", ["libyaml", "pure-python"])
@pytest.mark.parametrize(("text", "where", "hint"), SYNTAX_CASES)
def test_syntax_error_hint_follows_the_problem(
    monkeypatch: pytest.MonkeyPatch, parser: str, text: str, where: tuple[int, int], hint: str
) -> None:
    # The hint reads PyYAML's problem text, which libyaml and the pure-Python parser word differently.
    if parser == "pure-python":
        monkeypatch.setattr(yamlsource, "_Parser", yaml.SafeLoader)
    data, diags = _read(text)
    assert data is None
    assert [(d.code, d.location, d.hint) for d in diags] == [("yaml-syntax", Location("t.yaml", *where), hint)]


def test_an_unrecognised_syntax_problem_gets_the_generic_hint() -> None:
    exc = yaml.MarkedYAMLError(problem="something libyaml has not said before")
    assert yamlsource._syntax_hint(exc, "a: 1\n") == GENERIC_SYNTAX_HINT


def test_a_file_that_is_not_utf8_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("catalog: demo\nname: café\n".encode("latin-1"))
    diagnostics: list[Diagnostic] = []
    doc = read_file(str(path), diagnostics)
    assert doc.data is None
    assert [(d.code, d.location, d.message, d.hint) for d in diagnostics] == [
        (
            "encoding",
            Location(str(path), 2, 10),
            "file is not UTF-8 text: byte 0xE9 cannot be read as UTF-8",
            "save it as UTF-8",
        )
    ]


def test_a_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    diagnostics: list[Diagnostic] = []
    doc = read_file(str(path), diagnostics)
    assert doc.data is None
    assert [(d.code, d.location, d.message, d.hint) for d in diagnostics] == [
        (
            "unreadable",
            Location(str(path), 1, 1),
            "cannot read file: No such file or directory",
            "check the path, and that the file exists and may be read",
        )
    ]


# Issue 9: what once raised out of the reader (a ReaderError, a RecursionError) is a located error.


def test_a_control_character_is_a_located_error_not_a_reader_traceback() -> None:
    data, diags = _read("catalog: demo\nname: Te\x01am\n")
    assert data is None
    assert [(d.code, d.location, d.message, d.hint) for d in diags] == [
        (
            "control-character",
            Location("t.yaml", 2, 9),
            "control character U+0001 is not allowed in YAML",
            "delete it (most editors do not show it; text pasted from a PDF or a spreadsheet often carries one)",
        )
    ]


def test_every_control_character_is_reported_up_to_a_limit() -> None:
    _, diags = _read("a: \x1b[31m\nb: \x7f\nc: ok\x9f\n")
    assert [(d.location.line, d.location.col, d.message) for d in diags if d.location] == [
        (1, 4, "control character U+001B is not allowed in YAML"),
        (2, 4, "control character U+007F is not allowed in YAML"),
        (3, 6, "control character U+009F is not allowed in YAML"),
    ]
    _, diags = _read("a: " + "\x00" * 30 + "\n")
    assert [d.location.col for d in diags if d.location] == list(range(4, 4 + yamlsource.MAX_REPORTED))
    assert diags[-1].message == "control character U+0000 is not allowed in YAML (and 10 more after it)"
    assert diags[0].hint == "this looks like a binary file: plan, rules and scenario files are UTF-8 text"


def test_a_lone_surrogate_from_a_host_string_is_a_located_error() -> None:
    _, diags = _read("a: x\ud800\n")
    assert [(d.code, d.location, d.message) for d in diags] == [
        ("control-character", Location("t.yaml", 1, 5), "character U+D800 is not allowed in YAML")
    ]


def test_nesting_deeper_than_the_limit_is_a_located_error_not_a_recursion_error() -> None:
    depth = yamlsource.MAX_DEPTH
    data, diags = _read("a: " + "[" * depth + "]" * depth + "\n")  # the top mapping is level 1
    assert [(d.code, d.location, d.message, d.hint) for d in diags] == [
        (
            "too-deep",
            Location("t.yaml", 1, 3 + depth),
            f"nested deeper than {depth} levels",
            "plan, rules and scenario files need a few levels; look for a `[` or `{` that is never closed",
        )
    ]
    assert data is None  # like a syntax error: nothing of the file is used
    _, diags = _read("a: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n")
    assert diags == []


def test_five_thousand_levels_are_one_located_error_not_a_recursion_error() -> None:
    # Once a RecursionError from about 990 levels on.
    data, diags = _read("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert [(d.code, d.location) for d in diags] == [("too-deep", Location("t.yaml", 1, 53))]
    assert data is None


def test_a_deep_block_nesting_is_located_at_the_first_level_too_deep() -> None:
    text = "".join(" " * i + "k:\n" for i in range(yamlsource.MAX_DEPTH + 5))
    _, diags = _read(text)
    deepest = yamlsource.MAX_DEPTH + 1  # line and column of the first mapping too deep
    assert [(d.code, d.location) for d in diags] == [("too-deep", Location("t.yaml", deepest, deepest))]


def test_deep_nesting_left_open_reports_both_the_depth_and_the_syntax_error() -> None:
    _, diags = _read("a: " + "[" * 200 + "\n")
    assert [d.code for d in diags] == ["too-deep", "yaml-syntax"]


def test_a_utf8_byte_order_mark_is_skipped_and_positions_stay_right(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\nb: yes\n")
    diagnostics: list[Diagnostic] = []
    doc = read_file(str(path), diagnostics)
    assert doc.text == "a: 1\nb: yes\n"
    assert [(d.code, d.location) for d in diagnostics] == [("yaml11-bool", Location(str(path), 2, 4))]


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        pytest.param("a: 1\n".encode("utf-16"), "UTF-16", id="utf-16"),
        pytest.param("a: 1\n".encode("utf-32"), "UTF-32", id="utf-32"),
    ],
)
def test_a_utf16_or_utf32_file_is_told_to_be_saved_as_utf8(tmp_path: Path, raw: bytes, name: str) -> None:
    path = tmp_path / "wide.yaml"
    path.write_bytes(raw)
    diagnostics: list[Diagnostic] = []
    read_file(str(path), diagnostics)
    assert [(d.code, d.location, d.message, d.hint) for d in diagnostics] == [
        (
            "encoding",
            Location(str(path), 1, 1),
            f"file is {name} text (it starts with a {name} byte order mark), not UTF-8",
            "save it as UTF-8",
        )
    ]


def test_check_prints_a_control_character_as_its_picture_under_the_caret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Once a yaml ReaderError traceback; an escape character printed raw would act on the terminal.
    from billingcore.cli import main

    monkeypatch.chdir(tmp_path)
    Path("plan.yaml").write_text("catalog: demo\nname: \x1b[2J\n")
    assert main(["check", "plan.yaml"]) == 1
    assert capsys.readouterr().err == (
        "plan.yaml:2:7: control character U+001B is not allowed in YAML [control-character]\n"
        "  1 | catalog: demo\n"
        "  2 | name: \u241b[2J\n"
        "    |       ^\n"
        f"  hint: {yamlsource._CONTROL_HINT}\n"
        "\n"
        "1 error\n"
    )

"""`billingcore check`, the product manager's command, on input a hostile or careless user sends: never a
traceback, never "ok" for nothing (issue 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from billingcore.catalog.loader import load_texts
from billingcore.cli import main
from billingcore.errors import Diagnostic, PlanError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("second", ["0001-01-01", "0001-01-02", "9999-12-31"])
@pytest.mark.parametrize("first_until", ["", ", valid_until: 0001-01-01", ", valid_until: 9999-12-31"])
def test_vat_rates_at_the_ends_of_the_calendar_never_crash_a_hint(second: str, first_until: str) -> None:
    # A VAT `valid_from` of 0001-01-01 once raised OverflowError while the vat-overlap hint computed the day
    # before it. Whether such a date is accepted is the date-range rule's business; a hint must never crash.
    vat = (
        "vat_rates:\n  DE:\n    name: Germany\n    eu: true\n    rates:\n"
        f'      - {{rate: "19", valid_from: 0001-01-01{first_until}}}\n'
        f'      - {{rate: "16", valid_from: {second}}}\n'
    )
    diagnostics = _diagnostics({"vat.yaml": vat})  # an OverflowError would fail the test here
    assert all(d.location and d.hint and d.code for d in diagnostics), diagnostics


def _diagnostics(texts: dict[str, str]) -> list[Diagnostic]:
    try:
        load_texts(texts)
    except PlanError as exc:
        return exc.diagnostics
    return []


def test_check_of_an_empty_directory_says_there_is_nothing_to_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Once "ok: 0 files, 0 catalogs, 0 rule sets, VAT table absent" and exit 0.
    monkeypatch.chdir(tmp_path)
    Path("empty").mkdir()
    Path("empty", "notes.txt").write_text("not a plan\n")
    assert main(["check", "empty"]) == 1
    assert capsys.readouterr().err == (
        "`empty` holds no plan or rules files (*.yaml, *.yml) [no-files]\n"
        "  hint: check the path; plan and rules files end in .yaml or .yml\n"
        "\n"
        "1 error\n"
    )


def test_check_names_each_empty_directory_among_full_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    empty = tmp_path / "plans"
    empty.mkdir()
    (empty / ".hidden").mkdir()
    (empty / ".hidden" / "x.yaml").write_text("catalog: x\n")  # hidden folders are never walked
    assert main(["check", "plans", "rules", str(empty)]) == 1
    first = capsys.readouterr().err.splitlines()[0]
    assert first == f"`{empty}` holds no plan or rules files (*.yaml, *.yml) [no-files]"

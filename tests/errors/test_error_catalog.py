"""Every file in tests/errors/cases/ is one error kind: its header says what to load and which
diagnostics (line:col: message) must come out, no more and no fewer. The same files are the
published error reference (docs/errors.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from billingcore.catalog.loader import load
from billingcore.cli import main
from billingcore.errors import PlanError

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((ROOT / "tests" / "errors" / "cases").glob("*.yaml"))


def _header(path: Path) -> tuple[list[str], list[str]]:
    load_line, expected = [], []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# load: "):
            load_line = line.removeprefix("# load: ").split()
        if line.startswith("# expect: "):
            expected.append(line.removeprefix("# expect: "))
    return load_line, expected


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_there_are_at_least_twenty_error_kinds() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_error_is_reported_at_its_line_and_column(case: Path) -> None:
    load_line, expected = _header(case)
    rel = os.path.relpath(case, ROOT)
    paths = [rel if p == "THIS" else p for p in load_line]
    assert expected, f"{case.name} has no '# expect:' line"
    with pytest.raises(PlanError) as info:
        load(paths)
    got = [f"{d.location.line}:{d.location.col}: {d.message}" for d in info.value.diagnostics if d.location]
    assert all(d.location and d.location.file == rel for d in info.value.diagnostics)
    assert got == expected


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_cli_prints_excerpt_caret_and_hint_without_traceback(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load_line, expected = _header(case)
    rel = os.path.relpath(case, ROOT)
    code = main(["check", *[rel if p == "THIS" else p for p in load_line]])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    first = expected[0]
    assert f"{rel}:{first}" in err
    line_no = first.split(":")[0]
    assert f"  {line_no} | " in err or f" {line_no} | " in err
    assert "^" in err
    assert "hint: " in err
    assert err.rstrip().endswith(f"{len(expected)} error{'s' if len(expected) != 1 else ''}")

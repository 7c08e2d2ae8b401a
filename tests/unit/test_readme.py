"""The Python examples of README.md and docs/accounts.md run and print what their comments say."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_readme_python_examples_print_what_they_claim(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    exec("from datetime import date\n" + "\n".join(blocks), {})
    assert capsys.readouterr().out.splitlines() == [
        "{<Period.MONTHLY: 'monthly'>: Decimal('29.00'), <Period.ANNUAL: 'annual'>: Decimal('264.00')}",
        "<Rounding.DOWN: 'down'>",
        "2020-01-10 annual 264.00",
        "2020-02-10 monthly 13.00",
        "[(datetime.date(2020, 3, 10), Decimal('13.00'))]",
    ]


def test_the_accounts_python_example_prints_what_it_claims(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    (block,) = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "accounts.md").read_text(), re.S)
    exec(block, {})
    assert capsys.readouterr().out.splitlines() == ["1960.00"]


def _shortest_paths() -> list[tuple[str, str]]:
    """(whose path, command) for every command of README.md's "Shortest paths", in order: each line of its
    ```sh blocks, without its comment."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Shortest paths\n", 1)[1].split("\n## ", 1)[0]
    found = []
    for who, body in re.findall(r"### ([^\n]+)\n(.*?)(?=\n### |\Z)", section, re.S):
        for block in re.findall(r"```sh\n(.*?)```", body, re.S):
            found += [(who, line.split("  #", 1)[0].strip()) for line in block.splitlines() if line.strip()]
    return found


def test_readme_has_a_shortest_path_for_each_user() -> None:
    users = {who.split(":")[0] for who, _ in _shortest_paths()}
    assert users == {"Product manager", "QA", "Host developer"}


def test_every_shortest_path_command_runs_as_written(tmp_path: Path) -> None:
    """In a copy of what the commands read (the repository's plans, rules, schemas, examples and scenarios),
    with the installed `billingcore` first on the PATH: each exits 0, in order (later ones read what earlier
    ones wrote)."""
    for folder in ("plans", "rules", "schema", "examples", "tests/scenarios", "tests/rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)  # rules/ and schema/ are links: copied as folders
    shutil.copy(ROOT / "pyproject.toml", tmp_path)  # the scenarios' repository (scenarios.repository_of)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    for who, command in _shortest_paths():
        done = subprocess.run(
            command, shell=True, cwd=tmp_path, env={**os.environ, "PATH": path}, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{who}: {command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    assert (tmp_path / "run-2021-05-15" / "documents.jsonl").read_text().count("\n") == 3

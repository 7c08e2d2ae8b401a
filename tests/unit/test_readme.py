"""The Python examples of README.md and docs/accounts.md run and print what their comments say."""

from __future__ import annotations

import re
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

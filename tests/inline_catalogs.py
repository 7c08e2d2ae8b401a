"""Tests that bill an inline catalog: the shipped rule sets (or the test-only ones of tests/rules, with the
shipped VAT table) and one plan file given as text."""

from __future__ import annotations

import functools
from pathlib import Path

from billingcore.catalog.loader import Library, load_texts
from billingcore.engine import Tariff, prepare

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_RULES = ROOT / "rules"
TEST_RULES = ROOT / "tests" / "rules"


@functools.cache
def rule_texts(folder: Path = SHIPPED_RULES) -> dict[str, str]:
    """The rule files of `folder` as texts, by the path the loader gives them, with a VAT table."""
    texts = {f"rules/{p.name}": p.read_text() for p in sorted(folder.glob("*.yaml"))}
    texts.setdefault("rules/vat.yaml", (SHIPPED_RULES / "vat.yaml").read_text())
    return texts


def inline_library(catalog: str, text: str, folder: Path = SHIPPED_RULES) -> Library:
    """A library of the rules in `folder` and the plan file `text` (its `catalog:` is `catalog`)."""
    return load_texts({**rule_texts(folder), f"plans/{catalog}.yaml": text})


def inline_tariff(catalog: str, text: str, folder: Path = SHIPPED_RULES) -> Tariff:
    """The tariff of that library's catalog."""
    return prepare(inline_library(catalog, text, folder), catalog)

"""The limits of issue 9 ("Hardening"), each reproducing the original failure first: the largest amounts and
quantities (docs/plans.md "Limits"), the supported dates (docs/scenarios.md "Supported dates") and the ranges
of rule values (docs/rules.md). Plan and rules files have their reproducers in tests/errors/cases; this file
holds what no plan file shows: events (as dicts, in files, built in Python), `until`, and billing at the
limits. Each diagnostic is checked whole: location, code, message and hint."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from billingcore.catalog.loader import load_texts
from billingcore.catalog.yamlsource import read_text
from billingcore.engine import Account, bill, prepare
from billingcore.errors import Diagnostic
from billingcore.events import BuyOneOff
from billingcore.money import fmt
from billingcore.timeline import structure_events

ROOT = Path(__file__).resolve().parents[2]


def _rules() -> dict[str, str]:
    return {f"rules/{name}": (ROOT / "rules" / name).read_text() for name in ("vat.yaml", "duda.yaml")}


def _events(text: str) -> tuple[list[object], list[tuple[str, str, str, str]]]:
    diagnostics: list[Diagnostic] = []
    doc = read_text("e.yaml", text, diagnostics)
    assert diagnostics == []
    events, problems = structure_events(doc.data, doc.root_loc)
    return events, [(str(d.location), d.code, d.message, d.hint) for d in problems]


# -- amounts and quantities ----------------------------------------------------------------------------------


def test_an_event_quantity_too_large_or_too_precise_is_a_located_error() -> None:
    # Accepted before: a 10-digit quantity times a 12-digit price left the 34 digits of the engine's arithmetic.
    events, problems = _events(
        "- {id: e1, date: 2020-01-10, type: buy_one_off, item: premium-image, quantity: 1000000000}\n"
        '- {id: e2, date: 2020-01-10, type: buy_one_off, item: premium-image, quantity: "2.50001"}\n'
        "- {id: e3, date: 2020-01-10, type: buy_one_off, item: premium-image, quantity: 999999999}\n"
    )
    assert [e.id for e in events] == ["e3"]  # type: ignore[attr-defined]
    assert problems == [
        (
            "e.yaml:1:80",
            "too-large",
            "quantity: a quantity has at most 9 digits before the decimal point, got 1000000000 (10 digits)",
            'check the quantity: billingcore bills quantities below 1000000000 (docs/plans.md, "Limits")',
        ),
        (
            "e.yaml:2:80",
            "too-many-decimals",
            "quantity: a quantity has at most 4 decimals, got 2.50001 (5 decimals)",
            'round it to 4 decimals, e.g. "2.5000"',
        ),
    ]


def test_an_event_dict_from_a_host_gets_the_same_limits() -> None:
    events, problems = structure_events(
        [{"id": "e1", "date": "2020-01-10", "type": "buy_one_off", "item": "x", "quantity": 10**40}], None
    )
    assert events == []
    assert [(d.location, d.code, d.message) for d in problems] == [
        (
            None,
            "too-large",
            "quantity: a quantity has at most 9 digits before the decimal point, got 10000000000000000000... "
            "(41 digits)",
        )
    ]


def test_the_largest_amount_times_the_largest_quantity_bills_exactly() -> None:
    # What the limits promise (docs/plans.md "Limits"), worked by hand: 999999999999.99 x 999999999.5
    # = 999999999499990000000.005, half up 999999999499990000000.01; VAT 19 % of it = 189999999904998100000.0019,
    # half up .00; gross 1189999999404988100000.01. Every digit is kept, under any decimal context.
    catalog = (
        "catalog: big\ncurrency: EUR\nrules: duda\nseller_country: DE\n"
        'one_offs:\n  - {id: gold, name: Gold, price: "999999999999.99"}\n'
    )
    tariff = prepare(load_texts({**_rules(), "plans/big.yaml": catalog}), "big")
    events = [BuyOneOff("e1", date(2021, 1, 10), "gold", Decimal("999999999.5"))]
    (doc,) = bill(tariff, Account("a", "big", "DE"), events, date(2021, 1, 10)).documents
    assert fmt(doc.lines[0].amount) == "999999999499990000000.01"
    assert fmt(doc.net) == "999999999499990000000.01"
    assert (fmt(doc.vat[0].base), fmt(doc.vat[0].amount)) == ("999999999499990000000.01", "189999999904998100000.00")
    assert fmt(doc.gross) == "1189999999404988100000.01"

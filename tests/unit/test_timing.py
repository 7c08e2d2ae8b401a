"""When terms are invoiced (timing.py, docs/rules.md "invoicing", "In arrears"): a plan billed in arrears
beside items billed in advance, and what a cancellation pulls forward: only the cut contract's charge
that was not due yet, never another contract's, never one already due."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from billingcore.catalog.model import Period
from billingcore.engine import Account, bill
from billingcore.events import AddItem, BuyPlan, Cancel
from inline_catalogs import inline_tariff

ROOT = Path(__file__).resolve().parents[2]
M = Period.MONTHLY
CATALOG = """
catalog: mixed
currency: EUR
rules: {rules}
seller_country: DE
plans:
  - {{id: base, name: Base, rank: 1, billed: in_arrears,
     versions: [{{available_from: 2020-01-01, prices: {{monthly: "30.00"}}}}]}}
products:
  - {{id: seat, name: Seat, kind: seat, prices: {{monthly: "12.00"}}}}
"""


def _documents(rules: str, events: list[Any], until: date) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    tariff = inline_tariff("mixed", CATALOG.format(rules=rules))
    result = bill(tariff, Account("a", "mixed", "DE"), events, until)
    return [
        (str(d.date), d.number, [(ln.item, str(ln.amount), str(ln.period_start)) for ln in d.lines])
        for d in result.documents
    ]


def test_a_leading_part_in_advance_is_invoiced_at_once_beside_a_plan_in_arrears_and_a_cut_pulls_only_its_own() -> None:
    # lago-calendar: the plan (in arrears) bought 03-01 runs March, invoiced 04-01 after it ends. The seat
    # (in advance, the rule set's way) bought 03-17 leads 03-17..03-31: 12.00 x 15/31 = 5.806 = 5.81, on an
    # interim invoice at once. Cancelled 03-20: 12 of its 15 days unused (change day unused): 5.81 x 12/15
    # = 4.648 = 4.65, a credit note at once. The plan's March charge is not the seat's: it stays for 04-01.
    events = [
        BuyPlan("e1", date(2021, 3, 1), "base", M),
        AddItem("e2", date(2021, 3, 17), "seat", "s1", M),
        Cancel("e3", date(2021, 3, 20), "seat:s1"),
    ]
    assert _documents("lago-calendar", events, date(2021, 4, 1)) == [
        ("2021-03-17", "a-interim-e2", [("seat:s1", "5.81", "2021-03-17")]),
        ("2021-03-20", "a-credit-e3", [("seat:s1", "-4.65", "2021-03-20")]),
        ("2021-04-01", "a-20210401-regular", [("plan", "30.00", "2021-03-01")]),
    ]


def test_a_cut_leaves_a_charge_already_due_for_the_billing_day() -> None:
    # lago (anniversary; the plan bought 03-01 fixes billing day 1). Seats in advance wait for the billing
    # day: s1 bought 03-10 (03-10..04-09, 12.00), cancelled 03-20: 21 of 31 days unused, 12.00 x 21/31 =
    # 8.129 = 8.13 credited at once; s2 bought and cancelled 03-25: its whole term credited, 12.00. Their
    # charges were due when bought (not after the cut): they stay for 04-01 with the plan's March (arrears,
    # waiting since 03-01: lines in the order their charges arose).
    events = [
        BuyPlan("e1", date(2021, 3, 1), "base", M),
        AddItem("e2", date(2021, 3, 10), "seat", "s1", M),
        Cancel("e3", date(2021, 3, 20), "seat:s1"),
        AddItem("e4", date(2021, 3, 25), "seat", "s2", M),
        Cancel("e5", date(2021, 3, 25), "seat:s2"),
    ]
    assert _documents("lago", events, date(2021, 4, 1)) == [
        ("2021-03-20", "a-credit-e3", [("seat:s1", "-8.13", "2021-03-20")]),
        ("2021-03-25", "a-credit-e5", [("seat:s2", "-12.00", "2021-03-25")]),
        ("2021-04-01", "a-20210401-regular",
         [("plan", "30.00", "2021-03-01"), ("seat:s1", "12.00", "2021-03-10"), ("seat:s2", "12.00", "2021-03-25")]),
    ]  # fmt: skip

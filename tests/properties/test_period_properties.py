"""Every billing period (docs/plans.md "Billing periods"), `every 1 month` to `every 24 months` and `every 1
day` to `every 366 days`, by the written rules: a contract's terms follow each other without a gap or an overlap, each
ends on its anchor day of the month (clamped), a cancellation on the purchase day credits everything
billed where the change day is unused (Lago, Kill Bill), and one on a term's last day credits nothing where
the change day counts as used (Duda)."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billingcore.catalog.model import period
from billingcore.documents import LineKind
from billingcore.engine import Account, bill
from billingcore.events import BuyPlan, Cancel
from billingcore.snapshot import dump_state, load_state
from inline_catalogs import SHIPPED_RULES, TEST_RULES, inline_tariff

ROOT = Path(__file__).resolve().parents[2]
RULE_SETS = ["duda", "lago", "killbill-30"]  # change day used / unused, actual days / 30-day months


def _tariff(rules: str, months: int) -> Any:
    catalog = (
        f"catalog: c\ncurrency: EUR\nrules: {rules}\nseller_country: DE\nplans:\n  - {{id: p, name: P, rank: 1, "
        f'versions: [{{available_from: 2000-01-01, prices: {{every {months} months: "{months * 10}.00"}}}}]}}\n'
    )
    return inline_tariff("c", catalog)


def _clamped(year: int, month: int, day: int) -> date:
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day, last))


def _anchor_plus(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    return _clamped(index // 12, index % 12 + 1, start.day)


@pytest.mark.parametrize("rules", RULE_SETS)
@given(months=st.integers(1, 24), start=st.dates(date(2019, 1, 1), date(2024, 12, 31)), terms=st.integers(1, 5))
def test_terms_of_every_period_follow_each_other_from_the_anchor(
    rules: str, months: int, start: date, terms: int
) -> None:
    until = _anchor_plus(start, months * (terms - 1))  # the day the last wanted term starts
    buy = BuyPlan("e1", start, "p", period(f"every {months} months"))
    result = bill(_tariff(rules, months), Account("a", "c", "DE"), [buy], until)
    lines = [ln for d in result.documents for ln in d.lines if ln.kind is LineKind.CHARGE]
    assert [ln.period_start for ln in lines] == [_anchor_plus(start, months * n) for n in range(terms)]
    for a, b in itertools.pairwise(lines):
        assert b.period_start == a.period_end + timedelta(days=1)  # no gap, no overlap
    assert lines[-1].period_end == _anchor_plus(start, months * terms) - timedelta(days=1)


@pytest.mark.parametrize("rules", ["lago", "killbill-30"])  # change_day: unused (under `used` that day is used)
@given(months=st.integers(1, 24), start=st.dates(date(2019, 1, 1), date(2024, 12, 31)))
def test_a_cancellation_on_the_purchase_day_credits_everything(rules: str, months: int, start: date) -> None:
    events = [BuyPlan("e1", start, "p", period(f"every {months} months")), Cancel("e2", start, "plan")]
    result = bill(_tariff(rules, months), Account("a", "c", "DE"), events, start)
    lines = [ln for d in result.documents for ln in d.lines]
    charged = sum(ln.amount for ln in lines if ln.kind is LineKind.CHARGE)
    credited = sum(ln.amount for ln in lines if ln.kind is LineKind.CREDIT)
    assert charged == months * 10
    assert credited == -charged


@given(months=st.integers(1, 24), start=st.dates(date(2019, 1, 1), date(2024, 12, 31)), term=st.integers(0, 3))
def test_under_duda_a_cancellation_on_a_terms_last_day_credits_nothing(months: int, start: date, term: int) -> None:
    last_day = _anchor_plus(start, months * (term + 1)) - timedelta(days=1)  # change_day: used
    events = [BuyPlan("e1", start, "p", period(f"every {months} months")), Cancel("e2", last_day, "plan")]
    result = bill(_tariff("duda", months), Account("a", "c", "DE"), events, last_day + timedelta(days=400))
    assert [ln for d in result.documents for ln in d.lines if ln.kind is LineKind.CREDIT] == []
    assert len([ln for d in result.documents for ln in d.lines if ln.kind is LineKind.CHARGE]) == term + 1


# Periods counted in days: `every 1 day` to `every 366 days` (weekly is `every 7 days`).
DAY_RULE_SETS = ["duda", "lago", "lago-fixed-30"]  # collected monthly / invoiced when due; actual / 30-day basis


def _day_tariff(rules: str, days: int) -> Any:
    catalog = (
        f"catalog: c\ncurrency: EUR\nrules: {rules}\nseller_country: DE\nplans:\n  - {{id: p, name: P, rank: 1, "
        f'versions: [{{available_from: 2000-01-01, prices: {{every {days} days: "{days}.00"}}}}]}}\n'
    )
    return inline_tariff("c", catalog, TEST_RULES if rules == "lago-fixed-30" else SHIPPED_RULES)


def _day_lines(rules: str, days: int, events: list[Any], until: date) -> list[Any]:
    result = bill(_day_tariff(rules, days), Account("a", "c", "DE"), events, until)
    return [ln for d in result.documents for ln in d.lines]


@pytest.mark.parametrize("rules", DAY_RULE_SETS)
@given(days=st.integers(1, 366), start=st.dates(date(2019, 1, 1), date(2024, 12, 31)), terms=st.integers(1, 5))
def test_terms_of_every_day_period_follow_each_other_by_days(rules: str, days: int, start: date, terms: int) -> None:
    until = start + timedelta(days=days * (terms - 1) + 31)  # a monthly billing day collects the last one
    lines = _day_lines(rules, days, [BuyPlan("e1", start, "p", period(f"every {days} days"))], until)
    charges = sorted((ln for ln in lines if ln.kind is LineKind.CHARGE), key=lambda ln: ln.period_start)
    assert len(charges) >= terms
    for n, ln in enumerate(charges):
        assert (ln.period_start, ln.period_end) == (start + timedelta(days * n), start + timedelta(days * (n + 1) - 1))
        assert ln.amount == days  # a whole term: its price


@pytest.mark.parametrize("rules", ["lago", "lago-fixed-30"])
@given(days=st.integers(1, 366), start=st.dates(date(2019, 1, 1), date(2024, 12, 31)), terms=st.integers(1, 4))
def test_when_due_each_term_is_invoiced_on_its_first_day(rules: str, days: int, start: date, terms: int) -> None:
    until = start + timedelta(days=days * (terms - 1))
    result = bill(
        _day_tariff(rules, days),
        Account("a", "c", "DE"),
        [BuyPlan("e1", start, "p", period(f"every {days} days"))],
        until,
    )
    assert [(d.date, d.kind.value, d.lines[0].period_start) for d in result.documents] == [
        (start + timedelta(days * n), "weekly", start + timedelta(days * n)) for n in range(terms)
    ]


@pytest.mark.parametrize("rules", ["lago", "lago-fixed-30"])  # change_day: unused
@given(days=st.integers(1, 366), start=st.dates(date(2019, 1, 1), date(2024, 12, 31)))
def test_a_day_period_cancelled_on_its_first_day_credits_everything(rules: str, days: int, start: date) -> None:
    lines = _day_lines(
        rules, days, [BuyPlan("e1", start, "p", period(f"every {days} days")), Cancel("e2", start, "plan")], start
    )
    assert sum(ln.amount for ln in lines if ln.kind is LineKind.CREDIT) == -days


# From 2 days: a daily term's last day is also the day it starts, when a cancellation replaces its renewal.
@given(days=st.integers(2, 366), start=st.dates(date(2019, 1, 1), date(2024, 12, 31)), term=st.integers(0, 3))
def test_under_duda_a_day_period_cancelled_on_its_last_day_credits_nothing(days: int, start: date, term: int) -> None:
    last_day = start + timedelta(days=days * (term + 1) - 1)  # change_day: used
    events = [BuyPlan("e1", start, "p", period(f"every {days} days")), Cancel("e2", last_day, "plan")]
    lines = _day_lines("duda", days, events, last_day + timedelta(days=400))
    assert [ln for ln in lines if ln.kind is LineKind.CREDIT] == []
    assert len([ln for ln in lines if ln.kind is LineKind.CHARGE]) == term + 1


@given(days=st.integers(2, 366), start=st.dates(date(2019, 1, 1), date(2024, 12, 31)), data=st.data())
def test_a_day_period_is_prorated_on_its_real_days_on_either_basis(days: int, start: date, data: Any) -> None:
    """fixed_30 is a convention for months: `days` unused of a term of `days` are days/days of its price,
    to the cent the same on both bases (docs/rules.md "Periods counted in days")."""
    used = data.draw(st.integers(1, days - 1))
    events = [BuyPlan("e1", start, "p", period(f"every {days} days")), Cancel("e2", start + timedelta(used), "plan")]
    credits = {
        rules: [
            ln.amount for ln in _day_lines(rules, days, events, start + timedelta(used)) if ln.kind is LineKind.CREDIT
        ]
        for rules in ("lago", "lago-fixed-30")
    }
    assert credits["lago"] == credits["lago-fixed-30"] == [-(Decimal(days - used))]  # price = days x 1.00


@pytest.mark.parametrize("rules", DAY_RULE_SETS)
@given(days=st.sampled_from([1, 7, 10, 14, 21, 30, 91]), start=st.dates(date(2019, 1, 1), date(2024, 12, 31)),
       data=st.data())  # fmt: skip
def test_a_day_period_resumed_from_a_saved_state_bills_what_one_run_bills(
    rules: str, days: int, start: date, data: Any
) -> None:
    """Weekly invoices (when due) and collected weekly terms (on the billing day) alike: a state saved on
    any day, through JSON, resumes to the documents and the state of one full run."""
    until = start + timedelta(days=data.draw(st.integers(0, 120), label="days billed"))
    events: list[Any] = [BuyPlan("e1", start, "p", period(f"every {days} days"))]
    if data.draw(st.booleans(), label="cancelled"):
        events.append(Cancel("e2", start + timedelta(days=data.draw(st.integers(0, (until - start).days))), "plan"))
    split = start + timedelta(days=data.draw(st.integers(0, (until - start).days), label="split"))
    tariff, account = _day_tariff(rules, days), Account("a", "c", "DE")
    full = bill(tariff, account, events, until)
    first = bill(tariff, account, [e for e in events if e.date <= split], split)
    saved = json.loads(json.dumps(dump_state(first.state)))
    second = bill(tariff, account, [e for e in events if e.date > split], until, load_state(saved))
    assert [*first.documents, *second.documents] == list(full.documents)
    assert dump_state(second.state) == dump_state(full.state)

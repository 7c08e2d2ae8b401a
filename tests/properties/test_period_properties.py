"""Every billing period of whole months (docs/plans.md "Billing periods"), `every 1 month` to `every 24
months`, by the written rules: a contract's terms follow each other without a gap or an overlap, each
ends on its anchor day of the month (clamped), a cancellation on the purchase day credits everything
billed where the change day is unused (Lago, Kill Bill), and one on a term's last day credits nothing where
the change day counts as used (Duda)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billingcore.catalog.model import period
from billingcore.documents import LineKind
from billingcore.engine import Account, bill
from billingcore.events import BuyPlan, Cancel
from inline_catalogs import inline_tariff

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

"""The billing calendar's invariants (docs/rules.md "billing_day", issue 10), over random purchase days,
periods, billing days and short-month rules, computed here from the written rules alone:

- the terms billed for one contract never overlap and leave no gap: the first starts on its purchase day,
  each next one the day after the last one ends;
- every whole term starts on an aligned date: under `calendar` the 1st of a calendar month, quarter or
  year; under `billing_day` one of the account's billing days (its day of the month, clamped to a short
  month's last day, or rolled to the next 1st under `next_month_first`);
- the leading part plus the whole terms cover exactly the days from the purchase to the end of the last
  billed term, which is the term `until` falls in (in advance, each is invoiced on its first day: an
  account whose first purchase was an item once never got a billing day), and the leading part costs
  price x its days / the days of the whole period it belongs to (rounded half up), a whole term the full
  price.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billingcore.catalog.model import Period
from billingcore.documents import LineKind
from billingcore.engine import Account, bill
from billingcore.events import AddItem, BuyPlan
from inline_catalogs import inline_tariff

ROOT = Path(__file__).resolve().parents[2]
MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}
PRICES = {"monthly": "30.00", "quarterly": "87.00", "semiannual": "170.00", "annual": "333.00"}
CATALOG = """
catalog: cal
currency: EUR
rules: {rules}
seller_country: DE
plans:
  - {{id: base, name: Base, rank: 1, versions: [{{available_from: 2000-01-01,
      prices: {{monthly: "30.00", quarterly: "87.00", semiannual: "170.00", annual: "333.00"}}}}]}}
products:
  - {{id: seat, name: Seat, kind: seat,
     prices: {{monthly: "30.00", quarterly: "87.00", semiannual: "170.00", annual: "333.00"}}}}
"""
# (rule set, where its file is, alignment, short months roll)
RULE_SETS = [
    ("killbill", ROOT / "rules", "billing_day", False),
    ("killbill-roll", ROOT / "tests" / "rules", "billing_day", True),
    ("lago-calendar", ROOT / "rules", "calendar", False),
]


TARIFFS = {name: inline_tariff("cal", CATALOG.format(rules=name), folder) for name, folder, _, _ in RULE_SETS}


def _last_day(year: int, month: int) -> int:
    return ((date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)).day


def billing_date(index: int, day: int, roll: bool) -> date:
    """The billing date of month `index` (year * 12 + month - 1) for billing day `day`, by the written rule."""
    year, month = divmod(index, 12)
    last = _last_day(year, month + 1)
    if day <= last:
        return date(year, month + 1, day)
    if roll:
        return date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return date(year, month + 1, last)


def aligned_dates(day: int, roll: bool, calendar: bool, months: int, start: date, end: date) -> list[date]:
    """Every aligned date for terms of `months` from two years before `start` to `end`."""
    first = start.year * 12 + start.month - 1 - 25  # a whole period before the first leading part
    found = []
    for index in range(first, end.year * 12 + end.month + 1):
        if calendar and index % months:
            continue
        found.append(billing_date(index, day, roll))
    return found


@st.composite
def timelines(draw: Any, alignment: str) -> tuple[int | None, list[Any], date]:
    start = draw(st.dates(date(2019, 1, 1), date(2025, 12, 31)))
    billing_day = draw(st.none() | st.integers(1, 31)) if alignment == "billing_day" else None
    period = draw(st.sampled_from(list(MONTHS)))
    # the first purchase is the plan or an item: either fixes the billing day (a review found an item did not)
    first_is_plan = draw(st.booleans())
    plan, item = BuyPlan("buy", start, "base", Period(period)), AddItem("buy", start, "seat", "s", Period(period))
    first = plan if first_is_plan else item
    events: list[Any] = [first]
    day = start
    for i in range(draw(st.integers(0, 3))):
        day += timedelta(days=draw(st.integers(0, 120)))
        events.append(AddItem(f"add{i}", day, "seat", f"s{i}", Period(draw(st.sampled_from(list(MONTHS))))))
    until = day + timedelta(days=draw(st.integers(0, 800)))
    return billing_day, events, until


@pytest.mark.parametrize(("rule_set", "alignment", "roll"), [(r, a, roll) for r, _, a, roll in RULE_SETS])
@given(data=st.data())
def test_aligned_terms_leave_no_gap_start_on_aligned_dates_and_prorate_the_leading_part(
    rule_set: str, alignment: str, roll: bool, data: Any
) -> None:
    billing_day, events, until = data.draw(timelines(alignment))
    account = Account("acct", "cal", "DE", billing_day=billing_day)
    result = bill(TARIFFS[rule_set], account, events, until)
    day = 1 if alignment == "calendar" else billing_day or events[0].date.day  # the first purchase fixes it
    lines: dict[str, list[Any]] = {}
    for doc in result.documents:
        for line in doc.lines:
            assert line.kind is LineKind.CHARGE  # nothing is cut: no credits
            lines.setdefault(line.item, []).append(line)
    bought = {"plan" if isinstance(e, BuyPlan) else f"seat:{e.item}": e for e in events}
    for key, event in bought.items():
        terms = sorted(lines.get(key, []), key=lambda ln: ln.period_start)
        # in advance, every term that started by `until` is invoiced on its first day, a billing day
        assert terms, key
        assert terms[-1].period_end >= until, (key, terms[-1].period_end, until)
        months = MONTHS[event.period.value]
        price = Decimal(PRICES[event.period.value])
        aligned = aligned_dates(day, roll, alignment == "calendar", months, event.date, until + timedelta(days=800))
        assert terms[0].period_start == event.date
        for previous, term in itertools.pairwise(terms):
            assert term.period_start == previous.period_end + timedelta(days=1)  # no gap, no overlap
        step = 1 if alignment == "calendar" else months  # aligned dates one term apart
        for term in terms:
            end = term.period_end + timedelta(days=1)
            assert end in aligned, (key, term.period_start, term.period_end)  # every term ends on an aligned date
            if term.period_start in aligned:  # a whole term: from one aligned date to the next, at full price
                assert end == aligned[aligned.index(term.period_start) + step]
                assert term.amount == price
            else:  # the leading part: only the first, priced by its days of the whole period ending at `end`
                assert term is terms[0]
                whole_start = aligned[aligned.index(end) - step]
                worth = Fraction(price) * Fraction((end - term.period_start).days, (end - whole_start).days)
                exact = Decimal(worth.numerator) / Decimal(worth.denominator)
                assert term.amount == exact.quantize(Decimal("0.01"), ROUND_HALF_UP), (key, term.period_start, end)

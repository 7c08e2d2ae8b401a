"""Components share the plan's terms (docs/plans.md "Components: how they bill"), checked against an
independent computation: whatever the plan's period and start day (29th-31st included) and the component's
period, a component booked on any later day first pays for the part up to the next of its term ends on the
plan's anchor (the component's period counted from the plan's start, clamped in short months), prorated by
real days, then renews on those ends."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billingcore.catalog.model import Period
from billingcore.documents import LineKind
from billingcore.engine import Account, bill
from billingcore.events import AddComponent, BuyPlan
from inline_catalogs import inline_tariff

MONTHS = {Period.MONTHLY: 1, Period.QUARTERLY: 3, Period.ANNUAL: 12}


def _tariff(rules: str, component_period: Period) -> Any:
    catalog = f"""
catalog: c
currency: EUR
rules: {rules}
seller_country: DE
plans:
  - {{id: p, name: P, rank: 1, versions: [{{available_from: 2000-01-01,
      prices: {{monthly: "10.00", quarterly: "30.00", annual: "120.00"}}}}]}}
components:
  - {{id: seats, name: Seats, type: quantity, unit_price: "7.00", unit: seat, period: {component_period.value}}}
"""
    return inline_tariff("c", catalog)


def _on_anchor(start: date, months: int) -> date:
    """`start` moved by `months` months onto its own day of the month, clamped (written out here)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))


@pytest.mark.parametrize("rules", ["billwerk", "chargebee"])
@given(
    start=st.dates(date(2019, 1, 1), date(2024, 12, 31)),
    plan_period=st.sampled_from(list(MONTHS)),
    component_period=st.sampled_from(list(MONTHS)),
    offset=st.integers(0, 800),
    quantity=st.integers(1, 9),
)
def test_a_component_booked_on_any_day_ends_its_terms_on_the_plans_anchor(
    rules: str, start: date, plan_period: Period, component_period: Period, offset: int, quantity: int
) -> None:
    day = start + timedelta(days=offset)
    events = [BuyPlan("p", start, "p", plan_period), AddComponent("c", day, "seats", Decimal(quantity))]
    m = MONTHS[component_period]
    ends = [_on_anchor(start, k * m) for k in range(40)]
    k = next(i for i, end in enumerate(ends) if end > day)  # the first term end after the booking day
    term_start, term_end = ends[k - 1], ends[k]
    until = ends[k + 1]
    result = bill(_tariff(rules, component_period), Account("a", "c", "DE"), events, until)
    lines = [ln for d in result.documents for ln in d.lines if ln.item == "component:seats"]
    price = Decimal(7 * quantity)
    if day == term_start:  # booked on one of the plan's anchor dates: whole terms at once
        expected_first = price
    else:
        days, whole = (term_end - day).days, (term_end - term_start).days
        expected_first = (price * days / whole).quantize(Decimal("0.01"), ROUND_HALF_UP)
    first = [ln for ln in lines if ln.cause == "c"]
    assert [(ln.period_start, ln.period_end, ln.amount) for ln in first] == [
        (day, term_end - timedelta(days=1), expected_first)
    ]
    renewals = [ln for ln in lines if ln.cause == "renewal" and ln.kind is LineKind.CHARGE]
    assert [(ln.period_start, ln.period_end, ln.amount) for ln in renewals][:1] == [
        (term_end, ends[k + 1] - timedelta(days=1), price)
    ]

"""Invariants of money rounding and anchor-based month arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from billingcore.dates import add_months, days_in_month
from billingcore.money import Rounding, percent_of, quantize

amounts = st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=6, allow_nan=False)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@given(amounts, st.sampled_from(list(Rounding)))
def test_quantize_moves_less_than_one_cent_and_is_idempotent(amount: Decimal, mode: Rounding) -> None:
    q = quantize(amount, "USD", mode)
    assert abs(q - amount) < Decimal("0.01")
    assert quantize(q, "USD", mode) == q
    assert q.as_tuple().exponent == -2


@given(amounts)
def test_down_never_rounds_away_from_zero(amount: Decimal) -> None:
    assert abs(quantize(amount, "EUR", Rounding.DOWN)) <= abs(amount)


rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)


@given(amounts, rates, st.sampled_from(list(Rounding)))
def test_percent_of_is_the_exact_share_rounded_once(amount: Decimal, rate: Decimal, mode: Rounding) -> None:
    exact = amount * rate / Decimal(100)  # the default context's 28 digits hold every product here
    assert percent_of(amount, rate, "EUR", mode) == quantize(exact, "EUR", mode)


@given(days, st.integers(min_value=0, max_value=600))
def test_add_months_agrees_with_relativedelta(start: date, months: int) -> None:
    # relativedelta is the reference here; the engine uses the table-based version for speed
    assert add_months(start, months) == start + relativedelta(months=months)


@given(
    st.integers(min_value=1, max_value=31),
    st.integers(min_value=1900, max_value=2200),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=0, max_value=400),
)
def test_anchor_day_never_drifts(anchor: int, year: int, month: int, months: int) -> None:
    start = date(year, month, min(anchor, days_in_month(year, month)))
    landed = add_months(start, months, anchor)
    assert landed.day == min(anchor, days_in_month(landed.year, landed.month))
    assert (landed.year * 12 + landed.month) - (year * 12 + month) == months

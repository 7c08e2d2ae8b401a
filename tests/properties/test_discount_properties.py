"""Discount scales and coupons (docs/plans.md "Discount scales and coupons"), by the invariants a customer
relies on: a discount never takes more than the amount it discounts (no line, no invoice turns negative
from it), a discounted line never costs more than it would without the coupon, and a credit for the unused
part of a term never gives back more than was billed for it after discount."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billingcore.catalog.model import Period
from billingcore.catalog.rules import CouponAndScale
from billingcore.documents import DocumentType, LineKind
from billingcore.engine import Account, bill
from billingcore.events import AddComponent, BuyPlan, Cancel, ChangeQuantity, RedeemCoupon
from inline_catalogs import inline_tariff
from properties.strategies import coupon_offs

START = date(2021, 1, 1)
UNTIL = date(2021, 7, 1)


def _tariff(rules: str, off: str, duration: str) -> Any:
    catalog = f"""
catalog: c
currency: EUR
rules: {rules}
seller_country: DE
plans:
  - {{id: p, name: P, rank: 1, versions: [{{available_from: 2000-01-01, prices: {{monthly: "29.90"}}}}]}}
components:
  - {{id: seats, name: Seats, type: quantity, unit_price: "7.30", unit: seat, discount_scale: s}}
discount_scales:
  - {{id: s, steps: [{{from_quantity: 3, percent: "5"}}, {{from_quantity: 8, percent: "12.5"}}]}}
coupons:
  - {{code: C, {off}, {duration}}}
"""
    return inline_tariff("c", catalog)


offs = coupon_offs
durations = st.sampled_from(["duration: once", "duration: forever", "duration: repeating, periods: 2"])
days = st.integers(0, (UNTIL - START).days - 1)


def _events(redeem: int | None, changes: list[tuple[int, int]], cancel: int | None) -> list[Any]:
    dated: list[tuple[int, int, Any]] = [(0, 0, BuyPlan("p", START, "p", Period.MONTHLY))]
    dated.append((0, 1, AddComponent("a", START, "seats", Decimal(2))))
    if redeem is not None:
        dated.append((redeem, -1, RedeemCoupon("r", START + timedelta(days=redeem), "C")))
    last, by_day = 2, dict(sorted(changes, reverse=True))  # at most one change a day
    for i, (offset, quantity) in enumerate(sorted(by_day.items())):
        if quantity != last:
            dated.append(
                (offset, 2, ChangeQuantity(f"q{i}", START + timedelta(days=offset), "seats", Decimal(quantity)))
            )
            last = quantity
    if cancel is not None:
        dated.append((cancel, 3, Cancel("x", START + timedelta(days=cancel), "plan")))
    dated.sort(key=lambda d: (d[0], d[1]))
    return [e for *_, e in dated]


@pytest.mark.parametrize("rules", ["billwerk", "chargebee", "duda"])  # replace; stack (the default) twice
@given(
    off=offs,
    duration=durations,
    redeem=days,
    changes=st.lists(st.tuples(days, st.integers(1, 12)), max_size=3),
    cancel=st.one_of(st.none(), days),
)
def test_a_discount_never_takes_more_than_the_amount_nor_credits_more_than_was_billed(
    rules: str, off: str, duration: str, redeem: int, changes: list[tuple[int, int]], cancel: int | None
) -> None:
    tariff, account = _tariff(rules, off, duration), Account("a", "c", "DE")
    events = [e for e in _events(redeem, changes, cancel) if cancel is None or e.date <= START + timedelta(cancel)]
    with_coupon = bill(tariff, account, events, UNTIL).documents
    without = bill(tariff, account, [e for e in events if not isinstance(e, RedeemCoupon)], UNTIL).documents
    lines = [ln for d in with_coupon for ln in d.lines]
    assert all(ln.amount >= 0 for ln in lines if ln.kind is not LineKind.CREDIT)
    if rules != "chargebee":  # credits on credit notes of their own: an invoice is what is owed, never below 0
        assert all(d.net >= 0 for d in with_coupon if d.type is DocumentType.INVOICE)
    # the coupon only ever lowers what a term costs: line by line, in the same order
    plain = [ln for d in without for ln in d.lines]
    charged = [(ln.item, ln.period_start, ln.cause, ln.amount) for ln in lines if ln.kind is LineKind.CHARGE]
    full = [(ln.item, ln.period_start, ln.cause, ln.amount) for ln in plain if ln.kind is LineKind.CHARGE]
    plain_amounts = {f[:3]: f[3] for f in full}  # (a 0.00 invoice a coupon made is skipped under billwerk)
    assert all(c[:3] in plain_amounts for c in charged)
    if tariff.rules.discounts.coupon_and_scale is not CouponAndScale.REPLACE:  # billwerk: a weak coupon may cost more
        assert all(c[3] <= plain_amounts[c[:3]] for c in charged)
    # credits never give back more than was billed for the contract
    billed: dict[str, Decimal] = defaultdict(Decimal)
    credited: dict[str, Decimal] = defaultdict(Decimal)
    for ln in lines:
        if ln.kind is LineKind.CREDIT:
            credited[ln.item] -= ln.amount
        else:
            billed[ln.item] += ln.amount
    assert all(credited[item] <= billed[item] for item in credited)

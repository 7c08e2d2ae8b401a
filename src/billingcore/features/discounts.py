"""Discounts: discount scales (billwerk's Rabattstaffel) and coupons, taken off a charge as it is made.

A discount is part of the price, not a line of its own: the line shows the discounted unit price and says
how it came about ("7 user x 12.00, coupon SPRING10 -10 % = 75.60 (discount scale not applied)"), and the
contract's `billed` is what was billed after discount, so a later credit for the unused part of the term
gives back at most what was paid (seed 003: with a coupon "wird der Grundpreis abzüglich des
entsprechenden Rabatts als Stückpreis ... angezeigt").

    discount scale   a quantity component's booked quantity reaches a step: its percent off
    coupon           redeemed by an event (redeem_coupon); percent or amount off what it applies to
                     (plans, products, components, one-offs; none named: everything), for the terms that
                     start on or after the redemption: the first one (once), those within N periods
                     (repeating) or all (forever)

Both together on one component: the rule `discounts.coupon_and_scale` says (billwerk: the coupon replaces
the scale). Several coupons: each in the order redeemed, off what the ones before left. A discount never
takes more than the line's amount: no line, and so no invoice, turns negative from a discount. Credits are
not discounted again: they are computed from what was billed, discount already taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar, NamedTuple

import attrs

from billingcore.catalog.fields import SourceRef, field, src_field
from billingcore.catalog.model import ComponentType, Coupon, CouponDuration, DiscountScale
from billingcore.catalog.rules import CouponAndScale
from billingcore.charges import Charge
from billingcore.codegen import record_codec, record_list
from billingcore.contracts import Contract, ContractKind
from billingcore.dates import add_months
from billingcore.documents import LineKind
from billingcore.features.base import Feature, Outcome, Part, View, put, refuse, unknown
from billingcore.money import HUNDRED, ZERO, add, div, fmt, mul, quantize, sub, unit_price
from billingcore.tariff import Tariff

_DISCOUNTED = frozenset({LineKind.CHARGE, LineKind.USAGE, LineKind.ONE_OFF})  # credits and 0.00 lines are not


@attrs.frozen
class RedeemCoupon:
    """Redeem a coupon code: it discounts what it applies to from this day on (terms that start on or after
    it). On the day of a purchase, list it before the purchase."""

    TYPE: ClassVar[str] = "redeem_coupon"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of redemption.")
    code: str = field("The coupon code.")
    src: SourceRef = src_field()


class Redemption(NamedTuple):
    code: str
    day: date  # redeemed on


Redemptions = tuple[Redemption, ...]  # in the order redeemed


def redeem_coupon(view: View, e: RedeemCoupon) -> Outcome:
    t = view.tariff
    coupon = t.coupons.get(e.code)
    if coupon is None:
        return Outcome(problem=unknown("coupon", e.code, t.coupons))
    if (coupon.redeem_from and e.date < coupon.redeem_from) or (coupon.redeem_until and e.date > coupon.redeem_until):
        since, until = coupon.redeem_from, coupon.redeem_until
        window = f"from {since} through {until}" if since and until else f"from {since} on" if since else f"to {until}"
        hint = "redeem it within that window, or change the window in the catalog (redeem_from, redeem_until)"
        return refuse(f"coupon `{coupon.code}` can be redeemed {window}, not on {e.date}", hint)
    redemptions: Redemptions = view.parts["discounts"]
    before = sum(1 for r in redemptions if r.code == coupon.code)
    if coupon.max_redemptions is not None and before >= coupon.max_redemptions:
        times = "once" if before == 1 else f"{before} times"
        return refuse(f"coupon `{coupon.code}` was redeemed {times} already, its limit", "it cannot be redeemed again")
    return put(part=(*redemptions, Redemption(coupon.code, e.date)))


# -- taking discounts off charges -------------------------------------------------------------------------
def discounted(view: View, charges: tuple[Charge, ...]) -> tuple[tuple[Charge, ...], tuple[Contract, ...]]:
    """`charges` less their discounts, and the contracts whose `billed` that lowered (a term's charges)."""
    t = view.tariff
    redemptions: Redemptions = view.parts["discounts"]
    if not redemptions and not t.scaled:
        return charges, ()
    out: list[Charge] = []
    changed: dict[str, Contract] = {}
    for charge in charges:
        if charge.kind not in _DISCOUNTED or not charge.amount:
            out.append(charge)
            continue
        contract = changed.get(charge.contract) or view.contracts.get(charge.contract)
        new = _discount(view, charge, contract, redemptions)
        if new is not charge and contract is not None and charge.kind is LineKind.CHARGE:
            changed[contract.key] = contract._replace(billed=sub(contract.billed, sub(charge.amount, new.amount)))
        out.append(new)
    return tuple(out), tuple(changed.values())


def _discount(view: View, charge: Charge, contract: Contract | None, redemptions: Redemptions) -> Charge:
    t = view.tariff
    product = contract.product if contract is not None else charge.contract  # a one-off: its item id
    start = charge.start or charge.due  # the first day it pays for (a one-off: the day bought)
    coupons = [t.coupons[r.code] for r in redemptions if _runs(t.coupons[r.code], r.day, start, contract, product)]
    scale = _scale(view, contract) if contract is not None and contract.kind is ContractKind.COMPONENT else None
    steps, note = _steps(t, charge, coupons, scale)
    if not steps:
        return charge
    amount, unit, said = charge.amount, charge.unit_price, []
    for what, percent, amount_off in steps:
        off = _off(t, amount, charge.quantity, percent, amount_off)
        capped = " (at most the line)" if amount_off is not None and off < mul(amount_off, charge.quantity) else ""
        amount = sub(amount, off)
        # the unit price after this discount (billwerk: "Grundpreis abzüglich des Rabatts als Stückpreis")
        if amount_off is not None:
            unit = max(ZERO, sub(unit, amount_off))
        else:
            unit = div(mul(unit, sub(HUNDRED, percent)), HUNDRED)
        said.append(f"{what} -{fmt(amount_off) + capped if amount_off is not None else fmt(percent) + ' %'}")
    # the line's unit price: amount / quantity when that is exact (1 x 29.31, 12 x 4.275, 90000 x 0.0016), else
    # the unit price less each discount (3 x 6.935 for 20.80: the amount was rounded once, the unit price not)
    exact = div(amount, charge.quantity) if charge.quantity else amount
    fine = unit_price(exact, t.catalog.currency, t.rules.invoicing.line_rounding)
    if mul(fine, charge.quantity) != amount:
        fine = unit_price(unit, t.catalog.currency, t.rules.invoicing.line_rounding)
    why = f"{fmt(charge.quantity)} x {fmt(charge.unit_price)}, {', '.join(said)} = {fmt(amount)}{note}"
    taken = sub(charge.amount, amount)  # what the discounts took: the document's `discounts` (a line's `discount`)
    return charge._replace(
        unit_price=fine, amount=amount, explanation=f"{why}; {charge.explanation}", discount=add(charge.discount, taken)
    )


def _steps(
    t: Tariff, charge: Charge, coupons: list[Coupon], scale: tuple[str, Decimal] | None
) -> tuple[list[tuple[str, Decimal, Decimal | None]], str]:
    """The discounts to take off `charge`, in order — (what, percent, or amount off per unit) — and what
    the line says of a discount left out: the scale first, then the coupons, unless the rule
    `discounts.coupon_and_scale` keeps only one of them."""
    note = ""
    steps: list[tuple[str, Decimal, Decimal | None]] = []
    if scale is not None:
        scale_id, percent = scale
        rule = t.rules.discounts.coupon_and_scale
        if coupons and rule is CouponAndScale.REPLACE:
            note = " (discount scale not applied)"
        elif coupons and rule is CouponAndScale.BETTER and _takes_more(t, charge, coupons, percent):
            note = " (better than the discount scale)"
        else:
            steps.append((f"discount scale {scale_id}", percent, None))
            if coupons and rule is CouponAndScale.BETTER:
                coupons, note = [], " (better than the coupon)"
    return steps + [(f"coupon {c.code}", c.percent_off or ZERO, c.amount_off) for c in coupons], note


def _off(t: Tariff, amount: Decimal, quantity: Decimal, percent: Decimal, amount_off: Decimal | None) -> Decimal:
    """What one discount takes off `amount`: never more than it (a line never turns negative). A negative
    usage line (volume usage "billed before": what an interim bill charged) gets a percent off too, so the
    period costs its discounted whole; an amount off takes nothing off it."""
    rounding, currency = t.rules.invoicing.line_rounding, t.catalog.currency
    if amount_off is not None:
        return min(quantize(mul(amount_off, quantity), currency, rounding), amount) if amount > ZERO else ZERO
    return quantize(div(mul(amount, percent), HUNDRED), currency, rounding)


def _takes_more(t: Tariff, charge: Charge, coupons: Sequence[Coupon], percent: Decimal) -> bool:
    """Whether the coupons take more off `charge` than the discount scale's `percent` would."""
    scale_off = _off(t, charge.amount, charge.quantity, percent, None)
    amount = charge.amount
    for c in coupons:
        amount = sub(amount, _off(t, amount, charge.quantity, c.percent_off or ZERO, c.amount_off))
    return sub(charge.amount, amount) >= scale_off


def _runs(coupon: Coupon, redeemed: date, start: date, contract: Contract | None, product: str) -> bool:
    """Whether `coupon`, redeemed on `redeemed`, discounts a charge for `product` paying from `start`: it
    names the product (or nothing), and the charge starts within its duration (counted in periods of the
    contract; a one-off: in months)."""
    if coupon.applies_to and product not in coupon.applies_to:
        return False
    if start < redeemed:
        return False
    if coupon.duration is CouponDuration.FOREVER:
        return True
    periods = coupon.periods if coupon.duration is CouponDuration.REPEATING and coupon.periods else 1
    if contract is not None and contract.period.days:
        return start < redeemed + timedelta(days=contract.period.days * periods)
    months = contract.period.months if contract is not None else 1
    return start < add_months(redeemed, months * periods)


def _scale(view: View, contract: Contract) -> tuple[str, Decimal] | None:
    """(scale id, percent) of the discount scale step a quantity component's booked quantity reached."""
    t = view.tariff
    component = t.components[contract.product]
    if component.discount_scale is None or component.type is not ComponentType.QUANTITY:
        return None
    booking = view.parts["components"].get(contract.product)
    if booking is None:  # pragma: no cover  (a running component always has its booking)
        return None
    scale: DiscountScale = t.discount_scales[component.discount_scale]
    reached = [s.percent for s in scale.steps if booking.quantity >= s.from_quantity]
    return (scale.id, reached[-1]) if reached and reached[-1] else None


# -- the saved state ------------------------------------------------------------------------------------------
_RECORD = record_codec(Redemption)


_REDEMPTIONS = record_list(_RECORD)


def _unknown(tariff: Tariff, redemptions: Redemptions, _: object) -> list[tuple[str, str]]:
    if not redemptions:
        return []
    return [
        (f"[{i}].code", f"coupon `{r.code}` is not in catalog `{tariff.catalog.catalog}`")
        for i, r in enumerate(redemptions)
        if r.code not in tariff.coupons
    ]


FEATURE = Feature(
    name="discounts",
    events={RedeemCoupon: redeem_coupon},
    part=Part("coupons", (), *_REDEMPTIONS, _unknown),
    discounts=discounted,
)

"""Price models: what a quantity of a component costs, as the lines an invoice shows.

    per_unit    quantity x unit_price                                       Lago standard, Stripe per_unit
    graduated   each tier's units at that tier's price, + the flat fee of each tier reached
                                                                            Lago graduated, Stripe tiers_mode graduated
    volume      every unit at the price of the tier the quantity falls in, + that tier's flat fee
                                                                            Lago volume, Stripe tiers_mode volume
    package     unit_price per started block of package_size units          Lago package, Stripe divide_by + round up

A tier's `up_to` is inclusive: tiers up to 5, up to 10, no limit are units 1-5, 6-10, 11 and more (Stripe's
example: 6 fonts graduated = 5 x 7.00 + 1 x 6.50 = 41.50, volume = 6 x 6.50 = 39.00). Each part is one
invoice line: its quantity, its unit price, its amount rounded once by invoicing.line_rounding, so a line
reads quantity x unit price = amount. The one exception is usage billed in pieces (an interim bill, then the
period's end: `priced_between`): there a piece costs what all units so far cost less what the earlier ones
did, so that the pieces add up to the whole period cent for cent; its explanation says so. A quantity of 0
costs nothing, flat fees included (Lago; Stripe bills the first tier's flat fee even then). Pure: no state, no
context but the arguments.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import NamedTuple

from billingcore.catalog.model import Component, PriceModel, PriceTier
from billingcore.money import ONE, ZERO, Rounding, add, div, fmt, mul, quantize, sub


class PricePart(NamedTuple):
    """One line of a priced quantity: `label` says which tier or package ("" for a plain per-unit price)."""

    label: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    explanation: str = ""  # how the amount came about: "974 x 0.013 = 12.66"


def priced(component: Component, quantity: Decimal, currency: str, rounding: Rounding) -> list[PricePart]:
    """The lines `quantity` units of `component` cost under its price model; none for 0 units."""
    if quantity <= ZERO:
        return []
    model = component.price_model
    if model is PriceModel.GRADUATED:
        return _graduated(component.tiers, quantity, currency, rounding)
    if model is PriceModel.VOLUME:
        return _volume(component.tiers, quantity, currency, rounding)
    price = component.unit_price or ZERO  # the catalog check requires it for per_unit and package
    if model is PriceModel.PACKAGE:
        size = component.package_size or ONE
        packages = _packages(quantity, size)
        label = f"{fmt(packages)} x {fmt(size)} {component.unit}"
        return [_part(label, packages, price, currency, rounding)]
    return [_part("", quantity, price, currency, rounding)]


def priced_between(
    component: Component, before: Decimal, quantity: Decimal, currency: str, rounding: Rounding
) -> list[PricePart]:
    """The lines for units `before`+1 to `quantity` of one period, when the first `before` were billed
    already (an interim invoice billed usage to date; the period goes on): the same total as pricing all
    `quantity` at once, less what was billed.

        per_unit    the new units at the unit price
        graduated   the new units in each tier they fall in; a tier's flat fee once, when first reached
        package     the packages started since (a started package was billed whole)
        volume      all units at the tier the quantity now falls in, less the amount billed before
                    (one line "billed before", which may make the usage cheaper: volume prices fall)"""
    if before <= ZERO:
        return priced(component, quantity, currency, rounding)
    if quantity <= before:
        return []
    model = component.price_model
    if model is PriceModel.GRADUATED:
        return _graduated(component.tiers, quantity, currency, rounding, before)
    if model is PriceModel.VOLUME:
        earlier = total(priced(component, before, currency, rounding))
        parts = priced(component, quantity, currency, rounding)
        minus = earlier.copy_negate()  # copy_negate: `-x` would round in the caller's decimal context
        why = f"{fmt(before)} {component.unit} billed before this period: {fmt(minus)}"
        return [*parts, PricePart(f"billed before: {fmt(before)} {component.unit}", ONE, minus, minus, why)]
    if model is PriceModel.PACKAGE:
        size = component.package_size or ONE
        packages = sub(_packages(quantity, size), _packages(before, size))
        label = f"{fmt(packages)} x {fmt(size)} {component.unit}"
        return [_part(label, packages, component.unit_price or ZERO, currency, rounding)] if packages else []
    return [_part("", sub(quantity, before), component.unit_price or ZERO, currency, rounding, before)]


def _packages(quantity: Decimal, size: Decimal) -> Decimal:
    """Packages of `size` units that `quantity` units start (a started one counts whole)."""
    return div(quantity, size).to_integral_value(rounding=ROUND_CEILING)


def total(parts: list[PricePart]) -> Decimal:
    amount = ZERO
    for part in parts:
        amount = add(amount, part.amount)  # money.add: never the caller's decimal context
    return amount


def _part(
    label: str, quantity: Decimal, price: Decimal, currency: str, rounding: Rounding, before: Decimal = ZERO
) -> PricePart:
    """`quantity` units at `price`. After `before` units billed at that price earlier in the period, the
    amount is what all of them cost less what the earlier ones did, each rounded once: so the pieces of a
    period add up to the whole, cent for cent (0.013 x 974 = 12.66, then x 1 more = 12.68 - 12.66 = 0.02)."""
    amount = quantize(mul(quantity, price), currency, rounding)
    if not before:
        return PricePart(label, quantity, price, amount, f"{fmt(quantity)} x {fmt(price)} = {fmt(amount)}")
    units = add(before, quantity)
    whole, earlier = quantize(mul(units, price), currency, rounding), quantize(mul(before, price), currency, rounding)
    amount = sub(whole, earlier)
    why = f"{fmt(units)} x {fmt(price)} = {fmt(whole)} less {fmt(before)} billed before ({fmt(earlier)})"
    why = f"{why} = {fmt(amount)}"
    return PricePart(label, quantity, price, amount, why)


def _bounds(tiers: tuple[PriceTier, ...]) -> list[tuple[Decimal, Decimal | None, PriceTier]]:
    """(units before the tier, its last unit or None, the tier), lowest first."""
    out: list[tuple[Decimal, Decimal | None, PriceTier]] = []
    below = ZERO
    for tier in tiers:
        out.append((below, tier.up_to, tier))
        below = tier.up_to if tier.up_to is not None else below
    return out


def _tier_label(below: Decimal, up_to: Decimal | None) -> str:
    if up_to is None:
        return f"over {fmt(below)}"
    return f"up to {fmt(up_to)}" if below == ZERO else f"over {fmt(below)} up to {fmt(up_to)}"


def _graduated(
    tiers: tuple[PriceTier, ...], quantity: Decimal, currency: str, rounding: Rounding, before: Decimal = ZERO
) -> list[PricePart]:
    parts = []
    for below, up_to, tier in _bounds(tiers):
        if quantity <= below:
            break
        if up_to is not None and up_to <= before:  # this tier was filled before
            continue
        start = max(below, before)
        units = sub(quantity if up_to is None else min(quantity, up_to), start)
        label = _tier_label(below, up_to)
        parts.append(_part(label, units, tier.unit_price, currency, rounding, sub(start, below)))
        if tier.flat_fee and before <= below:  # its flat fee once: when the tier is first reached
            parts.append(_part(f"{label}, flat fee", ONE, tier.flat_fee, currency, rounding))
    return parts


def _volume(tiers: tuple[PriceTier, ...], quantity: Decimal, currency: str, rounding: Rounding) -> list[PricePart]:
    below, up_to, tier = next(b for b in _bounds(tiers) if b[1] is None or quantity <= b[1])
    label = _tier_label(below, up_to)
    parts = [_part(f"all units, {label}", quantity, tier.unit_price, currency, rounding)]
    if tier.flat_fee:
        parts.append(_part(f"{label}, flat fee", ONE, tier.flat_fee, currency, rounding))
    return parts

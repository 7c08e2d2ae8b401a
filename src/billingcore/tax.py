"""VAT: the rate for a customer on a date, and a document's VAT per rate or per line.

Rates come from rules/vat.yaml by customer country and document date. B2B customers with a VAT ID in
another EU country than the seller's are reverse-charged (0 %, with the table's note).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs

from billingcore.catalog.rules import TaxRounding, TaxRules, VatTable
from billingcore.documents import Line, VatAmount
from billingcore.money import ZERO, percent_of


@attrs.frozen
class TaxPosition:
    """How one customer is taxed: by country rates, or reverse charge."""

    country: str
    reverse_charge: bool
    note: str = ""


def tax_position(vat: VatTable, rules: TaxRules, seller_country: str, country: str, vat_id: str | None) -> TaxPosition:
    seller, customer = vat.vat_rates.get(seller_country), vat.vat_rates.get(country)
    reverse = bool(
        rules.reverse_charge
        and vat_id
        and seller
        and customer
        and seller.eu
        and customer.eu
        and country != seller_country
    )
    return TaxPosition(country, reverse, vat.reverse_charge_note if reverse else "")


def rate_on(vat: VatTable, position: TaxPosition, day: date) -> Decimal | None:
    """The VAT rate in percent for this customer on `day` (0 under reverse charge); None when the
    table has no rate for that country and day."""
    if position.reverse_charge:
        return ZERO
    rate = vat.vat_rates[position.country].rate_on(day)
    return rate.rate if rate is not None else None


def vat_amounts(lines: Sequence[Line], currency: str, rules: TaxRules) -> tuple[tuple[VatAmount, ...], Decimal]:
    """VAT per rate and the VAT total. per_rate (EN 16931 BR-CO-17) rounds each rate's summed base;
    per_line rounds each line's VAT and sums them."""
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = line.vat_rate
        bases[rate] = bases[rate] + line.amount if rate in bases else line.amount
    mode = rules.rounding_mode
    per_line = rules.rounding is TaxRounding.PER_LINE
    if len(bases) == 1 and not per_line:  # one rate, the usual document: nothing to sort or add up
        ((rate, base),) = bases.items()
        amount = percent_of(base, rate, currency, mode)
        return (VatAmount(rate, base, amount),), amount
    if per_line:
        line_vat: dict[Decimal, Decimal] = dict.fromkeys(bases, ZERO)
        for line in lines:
            line_vat[line.vat_rate] += percent_of(line.amount, line.vat_rate, currency, mode)
    else:
        line_vat = {rate: percent_of(base, rate, currency, mode) for rate, base in bases.items()}
    out = tuple(VatAmount(rate, bases[rate], line_vat[rate]) for rate in sorted(bases))
    total = ZERO
    for v in out:
        total += v.amount
    return out, total

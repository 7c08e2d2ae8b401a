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
from billingcore.errors import Diagnostic
from billingcore.money import ZERO, add, percent_of


@attrs.frozen
class TaxPosition:
    """How one customer is taxed: by country rates, or reverse charge."""

    country: str
    reverse_charge: bool
    note: str = ""
    reverse_until: date | None = None  # a member that left (GB): reverse charge through this day only

    def reversed_on(self, day: date) -> bool:
        """Whether the reverse charge applies to a document dated `day`."""
        return self.reverse_charge and (self.reverse_until is None or day <= self.reverse_until)


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
    # Both countries must be members on the document's date: the earlier of their last days (rate_on, reversed_on)
    last_days = [c.eu_until for c in (seller, customer) if c is not None and c.eu_until is not None]
    until = min(last_days) if reverse and last_days else None
    return TaxPosition(country, reverse, vat.reverse_charge_note if reverse else "", until)


def no_rate(account: str, position: TaxPosition, day: date) -> Diagnostic:
    """The problem when the VAT table has no rate for the customer's country on `day`: never 0 % silently."""
    return Diagnostic(
        None,
        f"account {account}: no VAT rate for {position.country} on {day}",
        "extend the country's rates in rules/vat.yaml to cover this date",
        "no-vat-rate",
    )


def rate_on(vat: VatTable, position: TaxPosition, day: date) -> Decimal | None:
    """The VAT rate in percent for this customer on `day` (0 under reverse charge); None when the
    table has no rate for that country and day."""
    if position.reverse_charge and position.reversed_on(day):
        return ZERO
    rate = vat.vat_rates[position.country].rate_on(day)
    return rate.rate if rate is not None else None


def vat_at(lines: Sequence[Line], rate: Decimal, currency: str, rules: TaxRules) -> tuple[VatAmount, Decimal]:
    """VAT of a document whose lines all have `rate` (a document's lines share its date and customer):
    (its one VatAmount, the VAT total). per_rate (EN 16931 BR-CO-17) rounds the summed base once;
    per_line rounds each line's VAT and sums them. One rate per document: a document's lines share its
    date and customer; per-product rates (reduced rates) would group the lines by rate here."""
    rest = iter(lines)
    base = next(rest).amount
    per_line = rules.rounding is TaxRounding.PER_LINE
    mode = rules.rounding_mode
    # Sums in money's own context (money.add), never the caller's: see money.py.
    if per_line:
        total = percent_of(base, rate, currency, mode)
        for line in rest:
            base = add(base, line.amount)
            total = add(total, percent_of(line.amount, rate, currency, mode))
        return VatAmount(rate, base, total), total
    for line in rest:
        base = add(base, line.amount)
    amount = percent_of(base, rate, currency, mode)
    return VatAmount(rate, base, amount), amount

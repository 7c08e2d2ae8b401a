"""Changing a running contract, the one way every feature does it: the unused part of what was billed
is credited, and the changed contract starts a full term or runs to the old term end (by rule)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from billingcore.alignment import first_term
from billingcore.catalog.model import Period
from billingcore.catalog.rules import ChangeTerm
from billingcore.charges import Charge, invoice_group, prorated_charge, proration_credit
from billingcore.contracts import Contract, begins_on, new_contract
from billingcore.features.base import Problem, View


def price_for(prices: Mapping[Period, Decimal], period: Period, what: str, name: str) -> Decimal | Problem:
    """The price for `period`, or the problem (the message is only built when there is one)."""
    price = prices.get(period)
    return no_price(prices, period, what, name) if price is None else price


def no_price(prices: Mapping[Period, Decimal], period: Period, what: str, name: str) -> Problem:
    have = ", ".join(p.value for p in prices)
    return Problem(f"{what} `{name}` has no {period.value} price", f"choose a period it has: {have}")


def change(
    view: View,
    old: Contract,
    day: date,
    product: str,
    name: str,
    period: Period,
    price: Decimal,
    cause: str,
    key: str | None = None,
) -> tuple[Contract, list[Charge]]:
    """`old` changed on `day` to new terms: the changed contract (under `key`, default old.key) and its
    charges: the credit for the unused part of what was billed, then the charge for the new terms (a
    full term, or the rest of the old one under change_term: keep_end). A period change always starts
    a full term: a year cannot end on a monthly term's end."""
    t = view.tariff
    rules, currency = t.rules.proration, t.catalog.currency
    charges = []
    cut = old.term_end > day and not old.included  # on the renewal day nothing is left to credit
    if cut:
        credit = proration_credit(old, day, currency, rules, cause, t.labels.credit)
        if credit.amount:
            charges.append(credit)
    key = key or old.key
    if rules.change_term is ChangeTerm.KEEP_END and cut and period is old.period:
        # cut: `old` is not included, so neither is `new`
        new = old._replace(key=key, product=product, name=name, unit_price=price, bought=day, dont_renew=False)
        new = new._replace(previous_start=None, previous_billed=None, previous_billed_from=None)  # credited above
        charge = prorated_charge(new, day, currency, rules, cause, t.labels.rest_of_term)
        new = new._replace(billed=charge.amount, billed_from=charge.start or day)
    else:
        # a renewal-day change keeps the anchor (also on the first day of a term charged ahead: without lead
        # days that change would have come before the renewal)
        anchor = old.anchor_day if old.term_end == day or begins_on(old, day) else None
        new = new_contract(key, old.kind, product, name, period, day, price, old.item, anchor_day=anchor)
        new, charge = first_term(view, new, cause)
    group = invoice_group(new.period)
    return new, [*(c._replace(group=group) for c in charges), charge]  # credit and charge on one invoice

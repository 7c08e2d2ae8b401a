"""Invoicing: turn due charges into documents on a billing day, or at once for immediate items.

On a billing day every charge due by then is collected. With `split: by_period` monthly and annual
terms go to separate invoices (Duda: "bis zu zwei Belastungen"); included sites are listed at 0.00 on
the monthly invoice, or on the annual one when the day has no monthly charge. Included lines never
cause an invoice on their own. VAT is added per the rule set; zero-total invoices follow `zero_total`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs

from billingcore.catalog.rules import InvoiceSplit, RuleSet, ZeroTotal
from billingcore.charges import Charge
from billingcore.dates import ONE_DAY, iso
from billingcore.documents import Document, Line
from billingcore.money import ZERO, Rounding, fmt, quantize
from billingcore.tax import vat_amounts


@attrs.frozen
class Billing:
    """Everything invoicing needs that does not change per account."""

    currency: str
    rules: RuleSet

    zero: Decimal = attrs.field(init=False)  # 0 at the currency's scale ("0.00"), computed once
    included_note: str = attrs.field(init=False)  # the explanation on every included-site line

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "zero", quantize(ZERO, self.currency, Rounding.HALF_UP))
        object.__setattr__(self, "included_note", f"included in the plan: {fmt(self.zero)}")


def charge_line(charge: Charge, vat_rate: Decimal) -> Line:
    contract, description, kind, _, _, start, end, quantity, unit_price, amount, explanation = charge
    return Line(contract, description, kind, quantity, unit_price, amount, vat_rate, start, end - ONE_DAY, explanation)



def make_document(
    billing: Billing,
    kind: str,
    number: str,
    account: str,
    day: date,
    lines: Sequence[Line],
    notes: tuple[str, ...] = (),
    doc_type: str = "invoice",
) -> Document:
    """A document over `lines`. An invoice whose credits outweigh its charges is issued as a credit
    note: a negative invoice is not a document a customer or an accountant expects."""
    net = billing.zero
    for line in lines:
        net += line.amount
    vat, vat_total = vat_amounts(lines, billing.currency, billing.rules.tax)
    gross = net + vat_total
    if gross < ZERO:
        doc_type = "credit_note"
    return Document(doc_type, kind, number, account, day, billing.currency, tuple(lines), net, vat, gross, notes)


def issued(billing: Billing, docs: Sequence[Document]) -> list[Document]:
    """The documents that are issued: under `zero_total: skip` an invoice totalling 0.00 is not, whether
    it is a billing day's, an immediate or an interim one (Lago skips every zero-amount invoice)."""
    if billing.rules.invoicing.zero_total is not ZeroTotal.SKIP:
        return list(docs)
    return [doc for doc in docs if doc.gross != ZERO or doc.type != "invoice"]


def billing_day_documents(
    billing: Billing,
    account: str,
    day: date,
    due: Sequence[Charge],
    included: Sequence[Line],
    vat_rate: Decimal,
    notes: tuple[str, ...],
) -> list[Document]:
    """The invoices of one billing day, in a fixed order (monthly, annual / regular)."""
    groups: dict[str, list[Line]] = {}
    split = billing.rules.invoicing.split is InvoiceSplit.BY_PERIOD
    for charge in due:
        groups.setdefault(charge.group if split else "regular", []).append(charge_line(charge, vat_rate))
    if included:
        host = "monthly" if "monthly" in groups else "annual" if "annual" in groups else "regular"
        if host in groups:
            groups[host] = [*included, *groups[host]]
    docs = []
    for kind in ("monthly", "annual", "regular"):
        lines = groups.get(kind)
        if not lines:
            continue
        number = f"{account}-{iso(day).replace('-', '')}-{kind}"  # strftime is 5x slower
        docs.append(make_document(billing, kind, number, account, day, lines, notes))
    return docs

"""Invoicing: which charges go on which document. A billing day collects every charge due by then;
a change's credits and charges land on an interim document, a credit note or the next billing day
(proration.lands, credit_as); a one-off item gets an immediate invoice. The result is a `Draft` per
document; the adjustment pipeline (adjustments.py) turns drafts into issued documents.

On a billing day with `split: by_period` monthly and longer terms go to separate invoices (Duda: "bis zu
zwei Belastungen"; terms of weekly and day periods join the monthly invoice); included items are listed
at 0.00 on the monthly invoice, or on the annual one when the day has no monthly charge. Included
lines never cause an invoice on their own.

Document numbers are unique within an account by construction, also across a saved state and resume:

    <account>-<YYYYMMDD>-monthly | -annual | -regular   a billing day's invoices
    <account>-<YYYYMMDD>-weekly                         a day's invoice of weekly terms (weekly_terms: when_due)
    <account>-<YYYYMMDD>-renewal-credit                 a credit note of what a day's renewals changed
    <account>-interim-<event id>                        an event's interim invoice
    <account>-credit-<event id>                         an event's credit note
    <account>-immediate-<event id>                      an event's immediate invoice (one-off items)
    <account>-advance-<event id>                        a prepaid top-up's advance invoice
    <account>-refund-<event id>                         the credit note of a prepaid refund
    <account>-settlement-<event id>                     a settlement asked for (`settle`)
    <account>-<YYYYMMDD>-settlement-<credit account>    a settlement day's settlement invoice
    <account>-<YYYYMMDD>-request-<service>              a renewal's payment request (credit too low)

After `<account>-`, a day's document starts with eight digits and a hyphen, an event's with a word that
is not eight digits, and the event id comes last: no event id, whatever it looks like, can make a
number of another kind. An event issues at most one document of each kind, and event ids are unique
within an account for its whole life (`bill` refuses an id the saved state already billed); a day is
billed once (the state's as_of only moves forward), and only the plan's renewal, one a day, changes
other contracts. (Before issue 9 a one-off whose event id was `20200210-monthly` got the number of the
day's monthly invoice.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

import attrs

from billingcore.catalog.rules import CreditAs, InvoiceSplit, ProrationLands, RuleSet, WeeklyTerms, ZeroTotal
from billingcore.charges import Charge, InvoiceGroup
from billingcore.codegen import compile_code, maker
from billingcore.dates import ONE_DAY, iso
from billingcore.documents import Customer, Document, DocumentKind, DocumentType, Line, LineKind, Seller
from billingcore.money import ZERO, Rounding, add, fmt, quantize
from billingcore.tax import vat_at


@attrs.frozen
class Billing:
    """Everything invoicing needs that does not change per account."""

    currency: str
    rules: RuleSet

    zero: Decimal = attrs.field(init=False)  # 0 at the currency's scale ("0.00"), computed once
    included_note: str = attrs.field(init=False)  # the explanation on every included line
    split: bool = attrs.field(init=False)  # split: by_period
    weekly_when_due: bool = attrs.field(init=False)  # weekly_terms: when_due
    skip_zero: bool = attrs.field(init=False)  # zero_total: skip

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "zero", quantize(ZERO, self.currency, Rounding.HALF_UP))
        object.__setattr__(self, "included_note", f"included in the plan: {fmt(self.zero)}")
        object.__setattr__(self, "split", self.rules.invoicing.split is InvoiceSplit.BY_PERIOD)
        object.__setattr__(self, "weekly_when_due", self.rules.invoicing.weekly_terms is WeeklyTerms.WHEN_DUE)
        object.__setattr__(self, "skip_zero", self.rules.invoicing.zero_total is ZeroTotal.SKIP)


class Draft(NamedTuple):
    """A document before the adjustment pipeline: what it is and the charges on it, in order."""

    type: DocumentType
    kind: DocumentKind
    number: str
    date: date
    charges: Sequence[Charge]
    currency: str = ""  # "": the catalog's (a top-up of a credit account in another currency: its own)


# Enum members bound once: a class attribute of an enum costs ten times a global (docs/performance.md).
_MONTHLY, _ANNUAL, _REGULAR = DocumentKind.MONTHLY, DocumentKind.ANNUAL, DocumentKind.REGULAR
_INVOICE, _CREDIT_NOTE, _CREDIT = DocumentType.INVOICE, DocumentType.CREDIT_NOTE, LineKind.CREDIT
_KINDS = {InvoiceGroup.MONTHLY: _MONTHLY, InvoiceGroup.ANNUAL: _ANNUAL, InvoiceGroup.WEEKLY: _MONTHLY}
_WEEKLY = InvoiceGroup.WEEKLY
_SETTLEMENT = DocumentKind.SETTLEMENT
_ORDER = tuple((kind, kind.value) for kind in (_MONTHLY, _ANNUAL, _REGULAR))


def billing_day_drafts(
    billing: Billing, account: str, day: date, due: Sequence[Charge], included: Sequence[Charge]
) -> list[Draft]:
    """The invoices of one billing day, in a fixed order (monthly, annual / regular)."""
    groups: dict[DocumentKind, list[Charge]] = {}
    if billing.split:
        for charge in due:
            groups.setdefault(_KINDS[charge.group], []).append(charge)
    else:
        groups[_REGULAR] = list(due)
    if included:
        host = _MONTHLY if _MONTHLY in groups else _ANNUAL if _ANNUAL in groups else _REGULAR
        if host in groups:
            groups[host] = [*included, *groups[host]]
    number = f"{account}-{iso(day).replace('-', '')}-"  # strftime is 5x slower
    return [Draft(_INVOICE, kind, number + text, day, groups[kind]) for kind, text in _ORDER if kind in groups]


def weekly_drafts(account: str, day: date, pending: list[Charge]) -> tuple[list[Draft], list[Charge]]:
    """Under `weekly_terms: when_due`: the day's invoice of the weekly terms (and their credits) due by
    `day`, and the charges still pending."""
    due = [c for c in pending if c.group is _WEEKLY and c.due <= day]
    if not due:
        return [], pending
    rest = [c for c in pending if c.group is not _WEEKLY or c.due > day]
    number = f"{account}-{iso(day).replace('-', '')}-weekly"
    return [Draft(_INVOICE, DocumentKind.WEEKLY, number, day, due)], rest


def event_numbers(account: str, event: str) -> tuple[str, str]:
    """(interim invoice, credit note) numbers of an event's documents (the namespaces: above)."""
    return f"{account}-interim-{event}", f"{account}-credit-{event}"


def renewal_numbers(account: str, day: date) -> tuple[str, str]:
    """(invoice, credit note) numbers of what a day's renewals changed: only a credit note is issued."""
    number = f"{account}-{iso(day).replace('-', '')}-renewal"
    return number, f"{number}-credit"


def land(
    billing: Billing, numbers: tuple[str, str], day: date, changes: Sequence[Charge], at_renewal: bool = False
) -> tuple[list[Draft], list[Charge]]:
    """Where a change's credits and charges go: documents now, and charges for the next billing day.
    A credit note (credit_as: credit_note) is issued at once; otherwise credits net with the new
    charges, on the next billing day or on an interim invoice. What a renewal changed (`at_renewal`:
    a downgrade taking effect moves items between slots and contracts) is billed with the renewals on
    the billing day; only a credit note is issued at once."""
    proration = billing.rules.proration
    credits = [c for c in changes if c.kind is _CREDIT]
    debits = [c for c in changes if c.kind is not _CREDIT]
    drafts = []
    interim = proration.lands is ProrationLands.INTERIM_INVOICE and not at_renewal
    if credits and (proration.credit_as is CreditAs.CREDIT_NOTE or (not debits and interim)):
        # credits only: make_document would issue it as a credit note by its sign anyway (equivalent mutant)
        note = DocumentType.CREDIT_NOTE  # pragma: no mutate
        drafts.append(Draft(note, DocumentKind.INTERIM, numbers[1], day, credits))
        credits = []
    if not interim:
        return drafts, [*credits, *debits]
    if credits or debits:
        drafts.append(Draft(DocumentType.INVOICE, DocumentKind.INTERIM, numbers[0], day, [*credits, *debits]))
    return drafts, []


def immediate(account: str, event: str, day: date, charges: Sequence[Charge]) -> Draft:
    """The immediate invoice of an event's one-off items."""
    return Draft(DocumentType.INVOICE, DocumentKind.IMMEDIATE, f"{account}-immediate-{event}", day, charges)


# charge_line(charge, vat_rate): the document line of a charge. Generated from the field names of Charge
# and Line (one per line of every document: no unpacking, no NamedTuple frame). A line shows the last day
# it covers (inclusive), the charge keeps the exclusive end.
charge_line: Callable[[Charge, Decimal], Line] = compile_code(
    "charge_line",
    "def charge_line(c, vat_rate):\n"
    "    end = c[{end}]\n"
    "    return new(Line, ({fields},))\n".format(
        end=Charge._fields.index("end"),
        fields=", ".join(
            "vat_rate" if f == "vat_rate"
            else "None if end is None else end - ONE_DAY" if f == "period_end"
            else f"c[{Charge._fields.index('start' if f == 'period_start' else 'contract' if f == 'item' else f)}]"
            for f in Line._fields
        ),
    ),
    {"new": tuple.__new__, "Line": Line, "ONE_DAY": ONE_DAY},
)["charge_line"]


def make_document(
    billing: Billing,
    draft: Draft,
    account: str,
    lines: Sequence[Line],
    notes: tuple[str, ...],
    rate: Decimal,
    parties: tuple[Seller | None, Customer | None, timedelta] = (None, None, timedelta(0)),
    reverse_charge: bool = False,
) -> Document:
    """A document over `lines`, all at VAT `rate`. An invoice whose credits outweigh its charges is issued
    as a credit note: a negative invoice is not a document a customer or an accountant expects. `parties`:
    who it is from and to, and the payment terms that give an invoice its due date."""
    currency = draft.currency or billing.currency
    one_rate, vat_total = vat_at(lines, rate, currency, billing.rules.tax)
    zero = billing.zero if currency == billing.currency else quantize(ZERO, currency, Rounding.HALF_UP)
    net = add(zero, one_rate.base)  # the sum of the lines, at least at the currency's scale
    # money.add: the caller's decimal context never rounds a total. Without VAT (0 %, reverse charge) the
    # gross is the net as it is (the net already has the currency's scale), one sum fewer.
    gross = add(net, vat_total) if vat_total else net
    doc_type = _CREDIT_NOTE if gross < ZERO else draft.type
    kind, number, day, vat = draft.kind, draft.number, draft.date, (one_rate,)
    seller, customer, terms = parties
    due = day + terms if doc_type is _INVOICE else None  # a credit note is not paid: no due date
    document: Document = _document(
        doc_type, kind, number, account, day, currency, tuple(lines), net, vat, gross, notes, due, seller, customer,
        reverse_charge,
    )
    return document


# A document (hot: one or two per account and billing day), built from the field names (codegen.maker).
_document = maker(Document, *Document._fields)


def issued(billing: Billing, docs: list[Document]) -> list[Document]:
    """The documents that are issued: under `zero_total: skip` an invoice totalling 0.00 is not, whether
    it is a billing day's, an immediate or an interim one (Lago skips every zero-amount invoice); a
    settlement invoice always is (it totals 0 by design, and is the tax document of the services on it)."""
    if not billing.skip_zero:
        return docs
    return [doc for doc in docs if doc.gross != ZERO or doc.type is not _INVOICE or doc.kind is _SETTLEMENT]

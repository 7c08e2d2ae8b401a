"""What billing produces: documents (invoices, credit notes) with lines and VAT, and notices.

All plain frozen data; `to_json` gives the stable, documented field names host applications read
(docs/scenarios.md, "JSON output"). Money is serialised as strings with the currency's exact scale.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

import attrs

from billingcore.dates import iso
from billingcore.money import fmt


class LineKind(StrEnum):
    CHARGE = "charge"  # a term (or the rest of one) at the contract's price
    INCLUDED = "included"  # an item in one of the plan's included slots, at 0.00
    CREDIT = "credit"  # the unused part of a term that was cut short
    ONE_OFF = "one_off"  # an item invoiced at once
    USAGE = "usage"  # metered usage of a period, billed in arrears (its free units at 0.00)
    TOP_UP = "top_up"  # a prepaid top-up on its advance invoice (excl. VAT)
    CREDIT_DEDUCTION = "credit_deduction"  # a settlement invoice's services, paid from prepaid credit
    REFUND = "refund"  # the prepaid credit paid back


class DocumentType(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"  # only credits, or a negative total


class DocumentKind(StrEnum):
    MONTHLY = "monthly"  # a billing day's invoice of monthly terms (split: by_period)
    ANNUAL = "annual"  # a billing day's invoice of longer terms (split: by_period)
    REGULAR = "regular"  # a billing day's one invoice (split: single)
    WEEKLY = "weekly"  # terms of weekly and day periods, on the day they fall due (weekly_terms: when_due)
    IMMEDIATE = "immediate"  # a one-off item, invoiced on its own date
    INTERIM = "interim"  # a change invoiced on its own date (proration.lands: interim_invoice)
    ADVANCE = "advance"  # a prepaid top-up: amount + VAT, paid in advance (WEDOS "zálohová faktura")
    SETTLEMENT = "settlement"  # the services paid from prepaid credit, less the credit: total 0 (WEDOS)
    PAYMENT_REQUEST = "payment_request"  # a renewal the prepaid credit did not cover (WEDOS)
    REFUND = "refund"  # the prepaid credit paid back: a credit note of its amount and VAT


class Line(NamedTuple):
    """One line of a document. `explanation` says how the amount came about, in one line.
    A NamedTuple (immutable, about 3x faster to build than a frozen attrs class): lines are the most
    numerous objects of a bill run."""

    item: str  # contract key (`site:blog`) or one-off id
    description: str
    kind: LineKind
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    vat_rate: Decimal
    period_start: date | None
    period_end: date | None  # last day covered, inclusive
    explanation: str
    cause: str  # the event id that caused it, or `renewal` / `billing_day`


class VatAmount(NamedTuple):
    rate: Decimal
    base: Decimal
    amount: Decimal


class Document(NamedTuple):
    """An invoice or credit note. A NamedTuple like Line: every account gets one or two on each
    billing day."""

    type: DocumentType
    kind: DocumentKind
    number: str
    account: str
    date: date
    currency: str
    lines: tuple[Line, ...]
    net: Decimal
    vat: tuple[VatAmount, ...]
    gross: Decimal
    notes: tuple[str, ...] = ()


@attrs.frozen
class Notice:
    """Something the host should tell the customer or operator (e-mail, dashboard)."""

    date: date
    account: str
    code: str
    message: str


# The JSON shape holds plain strings, not enum members; `.value` is a property, a dict lookup is 3x faster.
_TEXT: dict[Any, str] = {m: m.value for kinds in (LineKind, DocumentType, DocumentKind) for m in kinds}


def line_json(line: Line) -> dict[str, Any]:
    item, description, kind, quantity, unit_price, amount, vat_rate, start, end, explanation, cause = line
    return {
        "item": item,
        "description": description,
        "kind": _TEXT[kind],
        "quantity": fmt(quantity),
        "unit_price": fmt(unit_price),
        "amount": fmt(amount),
        "vat_rate": fmt(vat_rate),
        "period_start": iso(start) if start else None,
        "period_end": iso(end) if end else None,
        "explanation": explanation,
        "cause": cause,
    }


def document_json(doc: Document) -> dict[str, Any]:
    """Runs for every document of a bill run, so it unpacks the tuples instead of reading fields."""
    doc_type, kind, number, account, day, currency, lines, net, vat, gross, notes = doc
    return {
        "type": _TEXT[doc_type],
        "kind": _TEXT[kind],
        "number": number,
        "account": account,
        "date": iso(day),
        "currency": currency,
        "lines": [line_json(line) for line in lines],
        "net": fmt(net),
        "vat": [{"rate": fmt(rate), "base": fmt(base), "amount": fmt(amount)} for rate, base, amount in vat],
        "gross": fmt(gross),
        "notes": list(notes),
    }


def notice_json(notice: Notice) -> dict[str, Any]:
    return {"date": notice.date.isoformat(), "account": notice.account, "code": notice.code, "message": notice.message}

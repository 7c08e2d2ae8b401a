"""What billing produces: documents (invoices, credit notes) with lines and VAT, and notices.

All plain frozen data; `to_json` gives the stable, documented field names host applications read
(docs/scenarios.md, "JSON output"). Money is serialised as strings with the currency's exact scale.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import attrs

from billingcore.money import fmt


class Line(NamedTuple):
    """One line of a document. `explanation` says how the amount came about, in one line.
    A NamedTuple (immutable, about 3x faster to build than a frozen attrs class): lines are the most
    numerous objects of a bill run."""

    item: str  # contract key (`site:blog`) or one-off id
    description: str
    kind: str  # charge | included | credit | one_off
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    vat_rate: Decimal
    period_start: date | None
    period_end: date | None  # last day covered, inclusive
    explanation: str


@attrs.frozen
class VatAmount:
    rate: Decimal
    base: Decimal
    amount: Decimal


@attrs.frozen
class Document:
    """An invoice or credit note. `kind`: monthly, annual, regular, immediate, interim."""

    type: str  # invoice | credit_note
    kind: str
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


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def line_json(line: Line) -> dict[str, Any]:
    return {
        "item": line.item,
        "description": line.description,
        "kind": line.kind,
        "quantity": fmt(line.quantity),
        "unit_price": fmt(line.unit_price),
        "amount": fmt(line.amount),
        "vat_rate": fmt(line.vat_rate),
        "period_start": _day(line.period_start),
        "period_end": _day(line.period_end),
        "explanation": line.explanation,
    }


def document_json(doc: Document) -> dict[str, Any]:
    return {
        "type": doc.type,
        "kind": doc.kind,
        "number": doc.number,
        "account": doc.account,
        "date": doc.date.isoformat(),
        "currency": doc.currency,
        "lines": [line_json(line) for line in doc.lines],
        "net": fmt(doc.net),
        "vat": [{"rate": fmt(v.rate), "base": fmt(v.base), "amount": fmt(v.amount)} for v in doc.vat],
        "gross": fmt(doc.gross),
        "notes": list(doc.notes),
    }


def notice_json(notice: Notice) -> dict[str, Any]:
    return {"date": notice.date.isoformat(), "account": notice.account, "code": notice.code, "message": notice.message}

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
from billingcore.money import CURRENCY_EXPONENTS, ZERO, Rounding, add, fmt, quantize, sub


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
    # what discount scales and coupons took off `amount` (already off it; 0 without a discount). Last, with a
    # default, so that a Line built without it still is one.
    discount: Decimal = Decimal("0")


class VatAmount(NamedTuple):
    rate: Decimal
    base: Decimal
    amount: Decimal


Day = date  # for a field after Document's own `date`, which hides the type in its body


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
    # Issue 14: the invoice fields a customer reads (docs/scenarios.md "JSON output"). Last, with defaults, so
    # that a Document built without them still is one.
    due_date: Day | None = None  # the date + payment terms (invoicing.payment_terms_days); None: a credit note
    seller: Seller | None = None  # the catalog's `seller:`, None when it names none
    customer: Customer | None = None  # the account billed: who the document is addressed to
    reverse_charge: bool = False  # its 0 % is the reverse charge (tax.TaxPosition.reversed_on its date)


class Address(NamedTuple):
    """A postal address as printed on a document: its lines (street, building), postcode, city, country."""

    lines: tuple[str, ...] = ()
    postcode: str | None = None
    city: str | None = None
    country: str = ""  # ISO 3166


class Seller(NamedTuple):
    """Who issues the documents: the catalog's `seller:` block (docs/plans.md "Seller")."""

    name: str | None
    address: Address
    vat_id: str | None = None
    email: str | None = None
    tax_number: str | None = None  # a national tax number (a German Steuernummer)
    iban: str | None = None
    bic: str | None = None
    legal_registration: str | None = None  # a commercial register entry (EN 16931 BT-30)


class Customer(NamedTuple):
    """Who a document is addressed to: the account's id, name, address (the account's country), VAT ID and
    e-mail (tariff.Account)."""

    id: str
    name: str | None
    address: Address
    vat_id: str | None = None
    email: str | None = None
    buyer_reference: str | None = None  # the customer's reference for its invoices (EN 16931 BT-10: a Leitweg-ID)


@attrs.frozen
class Notice:
    """Something the host should tell the customer or operator (e-mail, dashboard)."""

    date: date
    account: str
    code: str
    message: str


# The JSON shape holds plain strings, not enum members; `.value` is a property, a dict lookup is 3x faster.
_TEXT: dict[Any, str] = {m: m.value for kinds in (LineKind, DocumentType, DocumentKind) for m in kinds}


def line_json(line: Line, zero: str = "0.00") -> dict[str, Any]:
    """`zero`: how 0 is written in the document's currency, for a line without a discount."""
    item, description, kind, quantity, unit_price, amount, vat_rate, start, end, explanation, cause, discount = line
    return {
        "item": item,
        "description": description,
        "kind": _TEXT[kind],
        "quantity": fmt(quantity),
        "unit_price": fmt(unit_price),
        "amount": fmt(amount),
        "discount": fmt(discount) if discount else zero,
        "vat_rate": fmt(vat_rate),
        "period_start": iso(start) if start else None,
        "period_end": iso(end) if end else None,
        "explanation": explanation,
        "cause": cause,
    }


def document_json(doc: Document) -> dict[str, Any]:
    """Runs for every document of a bill run, so it unpacks the tuples instead of reading fields, and sums
    the lines only when a discount or a credit makes the subtotal differ from the net."""
    doc_type, kind, number, account, day, currency, lines, net, vat, gross, notes, due, seller, customer, rc = doc
    zero = _ZERO_TEXTS.get(currency) or fmt(sub(net, net))  # "0.00" ("0" for JPY); a net has the scale
    net_text, gross_text = fmt(net), fmt(gross)
    subtotal = net_text
    discounts = credits = zero
    for line in lines:
        if line[11] or line[2] in _CREDITS:  # a discount or a credit: sum them all
            subtotal, discounts, credits = _totals(lines, Decimal(zero))
            break
    return {
        "type": _TEXT[doc_type],
        "kind": _TEXT[kind],
        "number": number,
        "account": account,
        "date": iso(day),
        "currency": currency,
        "lines": [line_json(line, zero) for line in lines],
        "net": net_text,
        "vat": [{"rate": fmt(rate), "base": fmt(base), "amount": fmt(amount)} for rate, base, amount in vat],
        "gross": gross_text,
        "subtotal": subtotal,
        "discounts": discounts,
        "credits": credits,
        "amount_due": gross_text if doc_type is _INVOICE else zero,
        "due_date": iso(due) if due is not None and doc_type is _INVOICE else None,
        "seller": None if seller is None else seller_json(seller),
        "customer": None if customer is None else customer_json(customer),
        "reverse_charge": rc,
        "notes": list(notes),
    }


def _totals(lines: tuple[Line, ...], zero: Decimal) -> tuple[str, str, str]:
    """(subtotal, discounts, credits) of `lines` as money texts: the lines before discounts with the credit
    lines left out, what the discounts took, and the credits as a positive number."""
    before = discounts = credits = zero
    for line in lines:
        amount, discount = line[5], line[11]
        if line[2] in _CREDITS:
            credits = sub(credits, amount)
        else:
            before = add(before, add(amount, discount))
            discounts = add(discounts, discount)
    return fmt(before), fmt(discounts), fmt(credits)


_ZERO_TEXTS = {code: fmt(quantize(ZERO, code, Rounding.HALF_UP)) for code in CURRENCY_EXPONENTS}  # "0.00" ...


_CREDITS = frozenset({LineKind.CREDIT, LineKind.CREDIT_DEDUCTION})  # "credits" of the JSON, not its subtotal
_INVOICE = DocumentType.INVOICE


def address_json(address: Address) -> dict[str, Any]:
    lines, postcode, city, country = address
    return {"lines": list(lines), "postcode": postcode, "city": city, "country": country}


def seller_json(seller: Seller) -> dict[str, Any]:
    """A new dict each time (a few small dicts per document): a host that edits one document's JSON
    never changes another's."""
    name, address, vat_id, email, tax_number, iban, bic, registration = seller
    return {
        "name": name,
        "address": address_json(address),
        "vat_id": vat_id,
        "email": email,
        "tax_number": tax_number,
        "iban": iban,
        "bic": bic,
        "legal_registration": registration,
    }


def customer_json(customer: Customer) -> dict[str, Any]:
    account, name, (lines, postcode, city, country), vat_id, email, reference = customer  # per document: no calls
    address = {"lines": list(lines), "postcode": postcode, "city": city, "country": country}
    return {"id": account, "name": name, "address": address, "vat_id": vat_id, "email": email,
            "buyer_reference": reference}  # fmt: skip


def notice_json(notice: Notice) -> dict[str, Any]:
    return {"date": notice.date.isoformat(), "account": notice.account, "code": notice.code, "message": notice.message}

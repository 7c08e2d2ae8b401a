"""EN 16931 e-invoices: a document as ZUGFeRD / Factur-X Cross Industry Invoice (CII) XML, profile EN 16931.

`cii_xml(document)` takes a document's stable JSON (`billingcore.documents.document_json` plus the invoice
fields `seller`, `customer`, `due_date`, `amount_due`, `legal_number`) and returns XML that validates
against the Factur-X 1.0.07 EN 16931 XSD that drafthorse ships. It works in two steps:

- `invoice_terms(document)` reads the JSON into EN 16931's business terms (`Invoice`): pure, no drafthorse.
  A document lacking a term EN 16931 requires (the seller's name, country and VAT ID, the buyer's name, a
  due date when something is due, ...) is refused with one `EInvoiceError` listing every missing term,
  its BT number and its JSON key; a document whose numbers do not add up (a net that is not the sum of its
  lines) too, since its XML would break EN 16931's arithmetic rules.
- the terms are written with drafthorse, which validates the XML against its XSD.

Which terms are filled from which key, the sign handling of credit notes, and the VAT categories chosen:
docs/einvoice.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from billingcore.errors import DataPath, Diagnostic, InputError
from billingcore.money import ZERO, D, add, sub

GUIDELINE = "urn:cen.eu:en16931:2017"  # BT-24: the EN 16931 profile of Factur-X / ZUGFeRD ("COMFORT")
SCHEMA = "FACTUR-X_EN16931"  # drafthorse's name for the Factur-X 1.0.07 EN 16931 XSD it validates against
UNIT = "C62"  # BT-130: UN/ECE Recommendation 20 "one": billingcore's quantities are counts of a line's item
SEPA_CREDIT_TRANSFER = "58"  # BT-81, UNTDID 4461

TYPE_CODES = {"invoice": "380", "credit_note": "381"}  # BT-3, UNTDID 1001: commercial invoice, credit note

_COUNTRY = re.compile(r"[A-Z]{2}")  # ISO 3166-1 alpha-2 (BT-40, BT-55)
_CURRENCY = re.compile(r"[A-Z]{3}")  # ISO 4217 (BT-5)

# BT-121 exemption reason codes (the VATEX list) and texts for the categories other than S.
REVERSE_CHARGE = ("VATEX-EU-AE", "Reverse charge")
NOT_SUBJECT = ("VATEX-EU-O", "Not subject to VAT")

# The EU-27: reverse charge (category AE) applies between two of them only, as in billingcore.tax.
EU = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"}
    | {"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}
)


class EInvoiceError(InputError):
    """A document cannot be written as an EN 16931 e-invoice: every missing or contradictory business term,
    each located at its JSON key (`seller.vat_id`)."""


@attrs.frozen
class Party:
    """BG-4 seller or BG-7 buyer."""

    name: str  # BT-27 / BT-44
    lines: tuple[str, ...]  # BT-35, BT-36, BT-162 / BT-50, BT-51, BT-163
    postcode: str | None  # BT-38 / BT-53
    city: str | None  # BT-37 / BT-52
    country: str  # BT-40 / BT-55
    vat_id: str | None  # BT-31 / BT-48
    tax_number: str | None  # BT-32 (seller only)
    legal_registration: str | None  # BT-30 (seller only), e.g. a commercial register number
    email: str | None  # BT-34 / BT-49
    id: str | None  # BT-46 (buyer only: the account id)


@attrs.frozen
class InvoiceLine:
    """BG-25, with amounts as EN 16931 wants them: the net price never negative (BR-27), the sign of a
    credit line on its quantity and line amount."""

    id: str  # BT-126: 1, 2, ... in the document's order
    item: str  # BT-155: billingcore's contract key or one-off id
    name: str  # BT-153: the line's description
    note: str  # BT-127: how the amount came about (the explanation)
    quantity: Decimal  # BT-129, in UNIT
    price: Decimal  # BT-146
    amount: Decimal  # BT-131
    category: str  # BT-151
    rate: Decimal  # BT-152
    period: tuple[date, date] | None  # BG-26: BT-134, BT-135


@attrs.frozen
class VatBreakdown:
    """BG-23: one per VAT category and rate."""

    category: str  # BT-118
    rate: Decimal  # BT-119
    base: Decimal  # BT-116
    amount: Decimal  # BT-117
    reason: tuple[str, str] | None  # BT-121 code and BT-120 text, for categories other than S


@attrs.frozen
class Invoice:
    """The business terms of one e-invoice."""

    number: str  # BT-1
    type_code: str  # BT-3
    issue_date: date  # BT-2
    currency: str  # BT-5
    due_date: date | None  # BT-9
    notes: tuple[str, ...]  # BT-22
    buyer_reference: str | None  # BT-10
    seller: Party
    buyer: Party
    iban: str | None  # BT-84 (BG-16 with BT-81 = 58 only when set)
    bic: str | None  # BT-86
    lines: tuple[InvoiceLine, ...]
    vat: tuple[VatBreakdown, ...]
    line_total: Decimal  # BT-106
    tax_total: Decimal  # BT-110 (BT-109, the tax basis, equals BT-106: no document-level charges)
    grand_total: Decimal  # BT-112
    prepaid: Decimal  # BT-113
    due_amount: Decimal  # BT-115


def cii_xml(document: Mapping[str, Any]) -> bytes:
    """The document as CII XML (UTF-8, with an XML declaration), validated against the EN 16931 XSD."""
    return write_xml(invoice_terms(document))


def invoice_terms(document: Mapping[str, Any]) -> Invoice:
    """EN 16931's business terms of a document's JSON; EInvoiceError with every problem found."""
    reader = _Reader(document)
    invoice = reader.invoice()
    if reader.problems or invoice is None:
        raise EInvoiceError(reader.problems)
    return invoice


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not a Char of XML 1.0


class _Values:
    """Values at the keys of one document's JSON, collecting a Diagnostic for each missing or malformed one."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.doc = document
        self.label = str(document.get("legal_number") or document.get("number") or "(no number)")
        self.problems: list[Diagnostic] = []

    # -- problems

    def missing(self, key: str, term: str, rule: str) -> None:
        self.problems.append(
            Diagnostic(
                DataPath(key),
                f"document {self.label}: {term} is missing; EN 16931 requires it ({rule})",
                _HINTS.get(key.split(".")[0].split("[")[0], ""),
                "einvoice-missing",
            )
        )

    def invalid(self, key: str, message: str) -> None:
        self.problems.append(Diagnostic(DataPath(key), f"document {self.label}: {message}", "", "einvoice-invalid"))

    # -- values at a key

    def value(self, key: str) -> Any:
        """The value at a JSON path such as `seller.address.city` or `lines[2].amount`; None when absent."""
        node: Any = self.doc
        for name, index in _STEP.findall(key):
            if name:
                node = node.get(name) if isinstance(node, Mapping) else None
            else:
                node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
        return node

    def text(self, key: str, term: str = "", rule: str = "") -> str | None:
        """A non-blank string; a missing one is reported when `term` names it (a required term)."""
        value = self.value(key)
        if isinstance(value, str) and _NOT_XML.search(value):
            self.invalid(key, f"holds a character XML cannot carry: {value!r}")
            return None
        if isinstance(value, str) and value.strip():
            return value.strip()
        if value not in (None, "") and not isinstance(value, str):
            self.invalid(key, f"expected a string, got {value!r}")
        elif term:
            self.missing(key, term, rule)
        return None

    def code(self, key: str, term: str, rule: str, form: re.Pattern[str], example: str) -> str | None:
        """A required text from one of EN 16931's code lists (a country, a currency): its form is checked, as
        the XSD does not (a document with "Germany" in it is valid XML and no e-invoice)."""
        value = self.text(key, term, rule)
        if value is not None and not form.fullmatch(value):
            self.invalid(key, f"{term}: expected {example}, got {value!r}")
            return None
        return value

    def present(self, key: str) -> bool:
        value = self.value(key)
        return isinstance(value, str) and bool(value.strip())

    def money(self, key: str, term: str) -> Decimal:
        value = self.value(key)
        if value is None:
            self.missing(key, term, "BR-CO-10 to BR-CO-16: the totals are worked out from it")
        elif isinstance(value, str) and _is_decimal(value):
            return D(value)
        else:
            self.invalid(key, f'{term}: expected a decimal string like "13.00", got {value!r}')
        return ZERO

    def day(self, key: str, term: str = "", rule: str = "") -> date | None:
        value = self.value(key)
        if value is None:
            if term:
                self.missing(key, term, rule)
            return None
        try:
            if isinstance(value, str) and len(value) == 10:
                return date.fromisoformat(value)
        except ValueError:
            pass
        self.invalid(key, f"expected a date YYYY-MM-DD, got {value!r}")
        return None


class _Reader(_Values):
    """Reads one document's JSON into EN 16931's business terms."""

    def invoice(self) -> Invoice | None:
        doc_type = self.value("type")
        if not isinstance(doc_type, str) or doc_type not in TYPE_CODES:
            self.invalid("type", f'BT-3 Invoice type code: expected "invoice" or "credit_note", got {doc_type!r}')
            doc_type = None
        sign = -1 if doc_type == "credit_note" else 1  # a 381 credit note states what it credits as positive
        number = self.text("legal_number") or self.text("number", "BT-1 Invoice number", "BR-2")
        issued = self.day("date", "BT-2 Invoice issue date", "BR-3")
        currency = self.code("currency", "BT-5 Invoice currency code", "BR-5", _CURRENCY, "an ISO 4217 code: EUR")
        seller = self.party("seller", "BT-27 Seller name", "BR-6", "BT-40 Seller country code", "BR-9")
        buyer = self.party("customer", "BT-44 Buyer name", "BR-7", "BT-55 Buyer country code", "BR-11")
        notes = self.value("notes")
        if notes is not None and (not isinstance(notes, list) or not all(isinstance(n, str) for n in notes)):
            self.invalid("notes", f"BT-22 Invoice note: expected a list of strings, got {notes!r}")
        seller_country = seller.country if seller else None
        buyer_country = buyer.country if buyer else None
        buyer_vat_id = buyer.vat_id if buyer else None
        reverse = self.value("reverse_charge")  # the core's own answer, by date (GB before 2021)
        if reverse is not None and type(reverse) is not bool:
            self.invalid("reverse_charge", f"expected true or false, got {reverse!r}")

        def category(rate: Decimal) -> str:
            if type(reverse) is bool and rate == ZERO:
                return "AE" if reverse else "O"
            return _category(rate, seller_country, buyer_country, buyer_vat_id)

        lines = self.lines(sign, category)
        vat = self.vat(sign, category, lines)
        categories = {b.category for b in vat}
        # At 0 % the category (AE or O) depends on both countries: with one missing (reported above) only what
        # S requires can be told now.
        self.seller_tax_ids(categories if seller_country and buyer_country else categories & {"S"})
        if "O" in categories:  # BR-O-2: no VAT IDs beside "not subject to VAT" (the seller's tax number stays)
            seller = attrs.evolve(seller, vat_id=None) if seller else None
            buyer = attrs.evolve(buyer, vat_id=None) if buyer else None
        if "O" in categories and len(categories) > 1:
            self.invalid("vat", "mixes lines not subject to VAT with taxed ones, which EN 16931 forbids (BR-O-11)")

        line_total = _sum(line.amount for line in lines)
        tax_total = _sum(b.amount for b in vat)
        grand_total = add(line_total, tax_total)
        self.agrees("net", _signed(self.money("net", "net"), sign), line_total, "BT-106 the sum of the line amounts")
        self.agrees("gross", _signed(self.money("gross", "gross"), sign), grand_total, "BT-112 net + VAT")
        due_amount = grand_total  # a credit note's amount due is what it credits (BR-CO-16, nothing prepaid)
        if doc_type == "invoice" and self.value("amount_due") is not None:
            due_amount = self.money("amount_due", "BT-115 Amount due for payment")
        due_date = self.day("due_date")
        if doc_type == "invoice" and due_date is None and due_amount > ZERO:
            self.missing("due_date", "BT-9 Payment due date", "BR-CO-25: an amount is due")

        if number is None or issued is None or currency is None or seller is None or buyer is None:
            return None
        if doc_type is None:
            return None
        iban = self.text("seller.iban") if doc_type == "invoice" else None  # a credit note asks for no payment
        return Invoice(
            number=number,
            type_code=TYPE_CODES[doc_type],
            issue_date=issued,
            currency=currency,
            due_date=due_date if doc_type == "invoice" else None,
            notes=self.notes(),
            buyer_reference=self.text("customer.buyer_reference"),
            seller=seller,
            buyer=buyer,
            iban=iban,
            bic=self.text("seller.bic") if iban else None,
            lines=lines,
            vat=vat,
            line_total=line_total,
            tax_total=tax_total,
            grand_total=grand_total,
            prepaid=sub(grand_total, due_amount),
            due_amount=due_amount,
        )

    def party(self, key: str, name_term: str, name_rule: str, country_term: str, country_rule: str) -> Party | None:
        block = self.value(key)
        if block is not None and not isinstance(block, Mapping):
            self.invalid(key, f"expected a party (name, address, vat_id), got {block!r}")
        name = self.text(f"{key}.name", name_term, name_rule)
        country = self.code(f"{key}.address.country", country_term, country_rule, _COUNTRY, "an ISO 3166 code: DE")
        lines = self.value(f"{key}.address.lines") or []
        if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            self.invalid(f"{key}.address.lines", f"expected a list of strings, got {lines!r}")
            lines = []
        if name is None or country is None:
            return None
        return Party(
            name=name,
            lines=_three([line.strip() for line in lines if line.strip()]),
            postcode=self.text(f"{key}.address.postcode"),
            city=self.text(f"{key}.address.city"),
            country=country,
            vat_id=self.text(f"{key}.vat_id"),
            tax_number=self.text(f"{key}.tax_number") if key == "seller" else None,
            legal_registration=self.text(f"{key}.legal_registration") if key == "seller" else None,
            email=self.text(f"{key}.email"),
            id=self.text(f"{key}.id") if key == "customer" else None,
        )

    def seller_tax_ids(self, categories: set[str]) -> None:
        """The seller identifiers EN 16931 requires: a VAT ID where VAT is charged or reverse-charged (BR-S-2, a
        tax number does for S; BR-AE-2), and a VAT ID or legal registration to identify the seller by
        (BR-CO-26). Read even when the whole seller block is missing, so that one run lists every term to add."""
        vat_id = self.present("seller.vat_id") and "O" not in categories  # BR-O-2 leaves it out beside O
        if "AE" in categories and not vat_id:
            self.missing("seller.vat_id", "BT-31 Seller VAT identifier", "BR-AE-2: reverse charge")
        elif "S" in categories and not vat_id and not self.present("seller.tax_number"):
            self.missing(
                "seller.vat_id",
                "BT-31 Seller VAT identifier (or BT-32 Seller tax registration identifier, seller.tax_number)",
                "BR-S-2: VAT charged",
            )
        elif not vat_id and not self.present("seller.legal_registration"):
            if "O" in categories:
                term, key = "BT-30 Seller legal registration identifier", "seller.legal_registration"
                rule = "BR-CO-26: BR-O-2 leaves the VAT ID out beside VAT category O"
            else:
                term = "BT-31 Seller VAT identifier (or BT-30 Seller legal registration identifier, "
                term, key, rule = term + "seller.legal_registration)", "seller.vat_id", "BR-CO-26"
            self.missing(key, term, rule)

    def lines(self, sign: int, category: Any) -> tuple[InvoiceLine, ...]:
        raw = self.value("lines")
        if not isinstance(raw, list) or not raw:
            self.missing("lines", "BG-25 Invoice line", "BR-16: at least one line")
            return ()
        out = []
        for i in range(len(raw)):
            key = f"lines[{i}]"
            name = self.text(f"{key}.description", "BT-153 Item name", "BR-25")
            quantity = self.money(f"{key}.quantity", "BT-129 Invoiced quantity")
            price = self.money(f"{key}.unit_price", "BT-146 Item net price")
            amount = _signed(self.money(f"{key}.amount", "BT-131 Invoice line net amount"), sign)
            rate = self.money(f"{key}.vat_rate", "BT-152 Invoiced item VAT rate")
            start, end = self.day(f"{key}.period_start"), self.day(f"{key}.period_end")
            if start and end and end < start:
                self.invalid(f"{key}.period_end", f"the period ends ({end}) before it starts ({start}) (BR-30)")
            quantity = quantity.copy_abs()
            out.append(
                InvoiceLine(
                    id=str(i + 1),
                    item=self.text(f"{key}.item") or "",
                    name=name or "",
                    note=self.text(f"{key}.explanation") or "",
                    quantity=quantity.copy_negate() if amount < ZERO and quantity else quantity,
                    price=price.copy_abs(),
                    amount=amount,
                    category=category(rate),
                    rate=rate,
                    period=(start, end) if start and end else None,
                )
            )
        return tuple(out)

    def vat(self, sign: int, category: Any, lines: tuple[InvoiceLine, ...]) -> tuple[VatBreakdown, ...]:
        """BG-23 per rate: the document's VAT entries at one rate summed (a settlement has two at its rate,
        the services' and the credit's), each base checked against its lines (BR-S-8, BR-AE-8, BR-O-8)."""
        raw = self.value("vat")
        if not isinstance(raw, list) or not raw:
            self.missing("vat", "BG-23 VAT breakdown", "BR-CO-18: at least one")
            return ()
        bases: dict[Decimal, Decimal] = {}
        amounts: dict[Decimal, Decimal] = {}
        for i in range(len(raw)):
            rate = self.money(f"vat[{i}].rate", "BT-119 VAT category rate")
            base = _signed(self.money(f"vat[{i}].base", "BT-116 VAT category taxable amount"), sign)
            amount = _signed(self.money(f"vat[{i}].amount", "BT-117 VAT category tax amount"), sign)
            bases[rate] = add(bases.get(rate, ZERO), base)
            amounts[rate] = add(amounts.get(rate, ZERO), amount)
        out = []
        for rate in sorted(bases):
            of_lines = _sum(line.amount for line in lines if line.rate == rate)
            self.agrees("vat", bases[rate], of_lines, f"BT-116 the sum of the lines at {rate} %")
            cat = category(rate)
            reason = None
            if cat == "AE":
                reason = (REVERSE_CHARGE[0], self.reverse_charge_note() or REVERSE_CHARGE[1])
            elif cat == "O":
                reason = NOT_SUBJECT
            out.append(VatBreakdown(cat, rate, bases[rate], amounts[rate], reason))
        for line in lines:
            if line.rate not in bases:
                self.invalid(f"lines[{int(line.id) - 1}].vat_rate", f"no VAT entry at the line's rate {line.rate} %")
        return tuple(out)

    def notes(self) -> tuple[str, ...]:
        notes = self.value("notes") or []
        if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
            return ()  # reported by invoice()
        return tuple(n for n in notes if n.strip())

    def reverse_charge_note(self) -> str | None:
        return next((n for n in self.notes() if "reverse charge" in n.lower()), None)

    def agrees(self, key: str, stated: Decimal, worked_out: Decimal, what: str) -> None:
        if stated != worked_out:
            self.invalid(key, f"states {stated}, but {what} is {worked_out}: the e-invoice's totals would not add up")


_HINTS = {
    "seller": "the seller's details come from the catalog (its seller); a host writing the JSON itself adds the "
    "`seller` block (docs/einvoice.md)",
    "customer": "the customer's details come from the account; a host writing the JSON itself adds the `customer` "
    "block (docs/einvoice.md)",
    "due_date": "an invoice's due date is its date plus the payment terms (docs/einvoice.md)",
}


def _category(rate: Decimal, seller: str | None, buyer: str | None, buyer_vat_id: str | None) -> str:
    """BT-151/BT-118: S (standard) for a rate above 0; at 0 %, AE (reverse charge) for a business customer
    with a VAT ID in another EU country than the seller's, as billingcore.tax reverse-charges; otherwise O
    (not subject to VAT: a country without VAT, such as the US)."""
    if rate > ZERO:
        return "S"
    if buyer_vat_id and seller in EU and buyer in EU and seller != buyer:
        return "AE"
    return "O"


def _three(lines: list[str]) -> tuple[str, ...]:
    """CII has three address lines: a longer address keeps its first two and joins the rest into the third."""
    return tuple(lines) if len(lines) <= 3 else (lines[0], lines[1], ", ".join(lines[2:]))


def _is_decimal(text: str) -> bool:
    try:
        D(text)
    except ValueError:
        return False
    return True


def _signed(amount: Decimal, sign: int) -> Decimal:
    """`amount` for an invoice, its negation for a credit note; never "-0.00". copy_negate is exact whatever
    the caller's decimal context (unary minus would round to it)."""
    return amount if sign > 0 or not amount else amount.copy_negate()


def _sum(amounts: Any) -> Decimal:
    total = ZERO
    for amount in amounts:
        total = add(total, amount)
    return total


def write_xml(invoice: Invoice) -> bytes:
    """The terms written with drafthorse and validated against its EN 16931 XSD."""
    try:
        from drafthorse.models.accounting import ApplicableTradeTax
        from drafthorse.models.document import Document
        from drafthorse.models.note import IncludedNote
        from drafthorse.models.party import TaxRegistration
        from drafthorse.models.payment import PaymentMeans, PaymentTerms
        from drafthorse.models.tradelines import LineItem
        from lxml import etree
    except ImportError:
        raise EInvoiceError(
            [
                Diagnostic(
                    None,
                    "e-invoices need drafthorse, which is not installed",
                    "pip install 'billingcore[einvoice]'",
                    "einvoice-unavailable",
                )
            ]
        ) from None

    doc = Document()
    doc.context.guideline_parameter.id = GUIDELINE
    doc.header.id = invoice.number
    doc.header.type_code = invoice.type_code
    doc.header.issue_date_time = invoice.issue_date
    for text in invoice.notes:
        note = IncludedNote()
        note.content = text
        doc.header.notes.add(note)

    agreement = doc.trade.agreement
    if invoice.buyer_reference:
        agreement.buyer_reference = invoice.buyer_reference
    _party(agreement.seller, invoice.seller, TaxRegistration)
    _party(agreement.buyer, invoice.buyer, TaxRegistration)

    for line in invoice.lines:
        item = LineItem()
        item.document.line_id = line.id
        if line.note:
            note = IncludedNote()
            note.content = line.note
            item.document.notes.add(note)
        if line.item:
            item.product.seller_assigned_id = line.item
        item.product.name = line.name
        item.agreement.net.amount = line.price
        item.delivery.billed_quantity = (line.quantity, UNIT)
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = line.category
        if line.category != "O":  # BR-O-5: a line not subject to VAT has no rate
            item.settlement.trade_tax.rate_applicable_percent = line.rate
        if line.period:
            item.settlement.period.start, item.settlement.period.end = line.period
        item.settlement.monetary_summation.total_amount = line.amount
        doc.trade.items.add(item)

    settlement = doc.trade.settlement
    settlement.currency_code = invoice.currency
    if invoice.iban:
        means = PaymentMeans()
        means.type_code = SEPA_CREDIT_TRANSFER
        means.payee_account.iban = invoice.iban
        if invoice.bic:
            means.payee_institution.bic = invoice.bic
        settlement.payment_means.add(means)
    for breakdown in invoice.vat:
        tax = ApplicableTradeTax()
        tax.calculated_amount = breakdown.amount
        tax.type_code = "VAT"
        if breakdown.reason:
            tax.exemption_reason = breakdown.reason[1]
        tax.basis_amount = breakdown.base
        tax.category_code = breakdown.category
        if breakdown.reason:
            tax.exemption_reason_code = breakdown.reason[0]
        tax.rate_applicable_percent = breakdown.rate
        settlement.trade_tax.add(tax)
    if invoice.due_date:  # BT-9 sits in a payment terms element in CII
        terms = PaymentTerms()
        terms.due = invoice.due_date
        settlement.terms.add(terms)
    totals = settlement.monetary_summation
    totals.line_total = invoice.line_total
    totals.tax_basis_total = invoice.line_total
    totals.tax_total = (invoice.tax_total, invoice.currency)  # BT-110 names its currency, BT-5
    totals.grand_total = invoice.grand_total
    if invoice.prepaid:
        totals.prepaid_total = invoice.prepaid
    totals.due_amount = invoice.due_amount
    try:
        return bytes(doc.serialize(schema=SCHEMA))
    except etree.XMLSyntaxError as exc:  # a value the XSD refuses, such as an over-long identifier
        raise EInvoiceError(
            [Diagnostic(None, f"document {invoice.number}: the XML does not validate: {exc}", "", "einvoice-schema")]
        ) from None


def _party(target: Any, party: Party, registration: Any) -> None:
    if party.id:
        target.id = party.id
    target.name = party.name
    address = target.address
    if party.postcode:
        address.postcode = party.postcode
    for field, text in zip(("line_one", "line_two", "line_three"), party.lines):
        setattr(address, field, text)
    if party.city:
        address.city_name = party.city
    address.country_id = party.country
    if party.legal_registration:
        target.legal_organization.id = party.legal_registration
    if party.email:
        target.electronic_address.uri_ID = ("EM", party.email)
    if party.tax_number:
        target.tax_registrations.add(registration(id=("FC", party.tax_number)))
    if party.vat_id:
        target.tax_registrations.add(registration(id=("VA", party.vat_id)))


def file_name(document: Mapping[str, Any]) -> str:
    """`<number>.xml` (the legal number when bound), with characters a file name cannot hold (`/`) as `_`."""
    number = str(document.get("legal_number") or document.get("number") or "document")
    return re.sub(r"[^A-Za-z0-9._-]", "_", number) + ".xml"

"""Documents as one HTML page: every invoice and credit note of a run, to read in a browser or print.

`render_html` takes the documents' stable JSON (billingcore.document_json, `billingcore run --format json`) and
shows what they say: no amount is computed here, each one is a value of the JSON formatted for the locale
(billingcore.render.formatting). Keys that only newer documents carry (subtotal, discounts, credits, amount_due,
due_date, seller, customer, legal_number) are shown when present and left out when not. The page is
self-contained (inline CSS, nothing fetched) and prints one document a page. docs/rendering.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from billingcore.render.extra import MissingExtraError

try:
    from babel import Locale
    from jinja2 import Environment, PackageLoader, StrictUndefined
    from markupsafe import Markup
except ModuleNotFoundError as missing:  # the extra `render` is not installed: say so, not a bare ImportError
    raise MissingExtraError(missing.name or "jinja2") from None

from billingcore.render.formatting import country_name, day, money, parse_locale, period, quantity, rate

# Autoescape: descriptions, names and notes come from catalogs and hosts, and are shown as text, never markup.
_ENVIRONMENT = Environment(
    loader=PackageLoader("billingcore.render", "templates"),
    autoescape=True,
    undefined=StrictUndefined,  # a misspelt name in the template fails the tests instead of showing nothing
    keep_trailing_newline=True,
)

DOCUMENT_TITLES = {"invoice": "Invoice", "credit_note": "Credit note"}


def render_html(
    documents: Sequence[Mapping[str, Any]],
    locale: str | Locale = "en",
    *,
    title: str = "Documents",
    picture: str | None = None,
) -> str:
    """The page: `title`, then `picture` when given (markup made by billingcore itself, such as a timeline's
    SVG: inserted as it is, so never pass text from outside), then every document in order."""
    where = locale if isinstance(locale, Locale) else parse_locale(locale)
    return _ENVIRONMENT.get_template("documents.html.j2").render(
        title=title,
        lang=where.language,
        picture=None if picture is None else Markup(picture),
        documents=[document_view(doc, where) for doc in documents],
    )


def document_view(doc: Mapping[str, Any], locale: Locale) -> dict[str, Any]:
    """What the template shows of one document, every value already text for `locale`."""
    currency = doc["currency"]

    def cash(key: str) -> str:
        return money(doc[key], currency, locale)

    legal = doc.get("legal_number")
    totals: list[tuple[str, str, str] | None] = [
        _row(doc, "subtotal", "Subtotal", cash),
        _row(doc, "discounts", "Less discounts", cash),
    ]
    totals += [_row(doc, "credits", "Less credits", cash), ("Net", cash("net"), "net")]
    for vat in doc["vat"]:  # one row per rate, as the document lists them
        label = f"VAT {rate(vat['rate'], locale)} on {money(vat['base'], currency, locale)}"
        totals.append((label, money(vat["amount"], currency, locale), "vat"))
    totals += [("Total", cash("gross"), "gross"), _row(doc, "amount_due", "Amount due", cash, shown_when_zero=True)]
    return {
        "title": DOCUMENT_TITLES.get(doc["type"], doc["type"]),
        "kind": doc["kind"].replace("_", " "),
        "number": legal or doc["number"],
        "reference": doc["number"] if legal else None,  # the engine's number, beside the host's legal one
        "date": day(doc["date"], locale),
        "due_date": day(doc["due_date"], locale) if doc.get("due_date") else None,
        "currency": currency,
        "seller": _party(doc.get("seller"), locale),
        "customer": _party(doc.get("customer"), locale) or {"name": None, "lines": [], "facts": []},
        "account": doc["account"],
        "lines": [_line(line, currency, locale) for line in doc["lines"]],
        "totals": [row for row in totals if row is not None],
        "notes": list(doc.get("notes") or []),
    }


def _row(
    doc: Mapping[str, Any], key: str, label: str, cash: Any, shown_when_zero: bool = False
) -> tuple[str, str, str] | None:
    """A total the document may carry: shown when present, and (discounts, credits, a subtotal equal to the net)
    only when it tells the reader something."""
    value = doc.get(key)
    if value is None:
        return None
    if not shown_when_zero and (value == doc["net"] if key == "subtotal" else _is_zero(value)):
        return None
    return (label, cash(key), key)


def _is_zero(text: str) -> bool:
    return Decimal(text).is_zero()


def _line(line: Mapping[str, Any], currency: str, locale: Locale) -> dict[str, str]:
    return {
        "description": line["description"],
        "period": period(line.get("period_start"), line.get("period_end"), locale),
        "quantity": quantity(line["quantity"], locale),
        "unit_price": money(line["unit_price"], currency, locale),
        "amount": money(line["amount"], currency, locale),
        "vat_rate": rate(line["vat_rate"], locale),
        "explanation": line.get("explanation") or "",
    }


def _party(party: Mapping[str, Any] | None, locale: Locale) -> dict[str, Any] | None:
    """A seller or customer block: name, address lines, postcode and city, country, then the facts an invoice
    names (customer number, the customer's reference, VAT ID, tax number, commercial register, email, IBAN,
    BIC), each only when given."""
    if not party:
        return None
    address = party.get("address") or {}
    town = " ".join(p for p in (address.get("postcode"), address.get("city")) if p)
    lines = [*address.get("lines", []), town, country_name(address.get("country"), locale)]
    labels = [
        ("id", "Customer number"),
        ("buyer_reference", "Your reference"),
        ("vat_id", "VAT ID"),
        ("tax_number", "Tax number"),
        ("legal_registration", "Register"),
        ("email", "Email"),
        ("iban", "IBAN"),
        ("bic", "BIC"),
    ]
    facts = [(label, party[key]) for key, label in labels if party.get(key)]
    return {"name": party.get("name"), "lines": [line for line in lines if line], "facts": facts}

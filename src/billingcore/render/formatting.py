"""Money, dates, rates and quantities written the way a reader of one locale writes them (CLDR, through babel).

Every function takes the text of the documents' stable JSON ("1234.50", "2020-01-10", "19.00") and returns what
a page shows: a Czech customer reads "1 234,50 Kč", a German one "1.234,50 €", an American "$1,234.50". Nothing
is rounded or recomputed: a value is shown with every digit the document gives (a unit price of "0.0125" stays
0.0125), and the host's `decimal` context plays no part (babel's arithmetic runs in a context of its own here).

Which locale: the one asked for (`billingcore run --locale de_DE`), else the usual one of the account's country
(`locale_for_country`: CLDR's likely language there, "en" when the country is unknown). docs/rendering.md.
"""

from __future__ import annotations

import decimal
from datetime import date
from decimal import Decimal

from billingcore.errors import DataPath, Diagnostic, InputError
from billingcore.render.extra import MissingExtraError

try:
    from babel import Locale, UnknownLocaleError
    from babel.dates import format_date
    from babel.numbers import format_currency, format_decimal, format_percent
except ModuleNotFoundError as missing:  # the extra `render` is not installed: say so, not a bare ImportError
    raise MissingExtraError(missing.name or "babel") from None

# babel's number formatting quantizes under the current decimal context: ours keeps every digit and traps
# nothing but invalid operations, whatever context the caller set (a page must not depend on it).
_CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, traps=[decimal.InvalidOperation])

# The locale of a country nobody told us about: English, with babel's default ("en") number and date style.
FALLBACK_LOCALE = "en"


def parse_locale(code: str) -> Locale:
    """The locale named `code` ("de_DE", "cs-CZ", "en"); an InputError (`unknown-locale`) for a name CLDR lacks."""
    try:
        return Locale.parse(code.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        raise InputError(
            [
                Diagnostic(
                    DataPath("locale"),
                    f"unknown locale {code!r}",
                    "name a language and a country as CLDR does: de_DE, cs_CZ, en_US, fr_FR (or a language: de)",
                    "unknown-locale",
                )
            ]
        ) from None


def locale_for_country(country: str | None) -> Locale:
    """The locale most of a country's readers use: CLDR's likely language there with the country (DE -> de_DE,
    CZ -> cs_CZ, US -> en_US, CH -> de_CH, BE -> nl_BE); English ("en") for no country or one CLDR lacks."""
    if country and country.isascii() and country.isalpha() and len(country) == 2:
        try:
            return Locale.parse(f"und_{country.upper()}")
        except (ValueError, UnknownLocaleError):
            pass
    return Locale.parse(FALLBACK_LOCALE)


def _decimal(text: str, what: str) -> Decimal:
    """A value of the documents' JSON as a Decimal: from its string only (a float would already have lost cents)."""
    if isinstance(text, str):
        try:
            return Decimal(text)
        except decimal.InvalidOperation:
            pass
    raise InputError(
        [
            Diagnostic(
                DataPath(what),
                f'{what} must be a decimal string like "13.00", got {text!r}',
                "pass the document's JSON (billingcore.document_json) as it is",
                "not-a-decimal",
            )
        ]
    )


def money(amount: str, currency: str, locale: Locale) -> str:
    """An amount: "1234.50", "EUR" -> "1.234,50 €" in de_DE (babel's no-break spaces included); never rounded."""
    value = _decimal(amount, "amount")
    with decimal.localcontext(_CONTEXT):
        return format_currency(value, currency, locale=locale, decimal_quantization=False)


def quantity(text: str, locale: Locale) -> str:
    """A quantity: "1234.5" -> "1.234,5" in de_DE; "1" -> "1"."""
    value = _decimal(text, "quantity")
    with decimal.localcontext(_CONTEXT):
        return format_decimal(value, locale=locale, decimal_quantization=False)


def rate(text: str, locale: Locale) -> str:
    """A VAT rate in percent: "19.00" -> "19 %" in de_DE, "19%" in en_US, "7.5" -> "7,5 %"."""
    value = _decimal(text, "rate")
    with decimal.localcontext(_CONTEXT):
        return format_percent(value.scaleb(-2), locale=locale, decimal_quantization=False)


def day(text: str, locale: Locale) -> str:
    """A date: "2020-01-10" -> "10.01.2020" in de_DE, "10. 1. 2020" in cs_CZ, "Jan 10, 2020" in en_US (CLDR's medium
    date: the month is never mistaken for the day)."""
    try:
        parsed = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InputError(
            [Diagnostic(DataPath("date"), f"expected a date YYYY-MM-DD, got {text!r}", "", "not-a-date")]
        ) from None
    return format_date(parsed, "medium", locale=locale)


def period(start: str | None, end: str | None, locale: Locale) -> str:
    """A line's period, "10.01.2020 – 09.02.2020"; "" for a line without one (a one-off)."""
    if not start:
        return ""
    return f"{day(start, locale)} – {day(end, locale)}" if end else day(start, locale)


def country_name(code: str | None, locale: Locale) -> str:
    """A country: "DE" -> "Deutschland" in de_DE, "Germany" in en; the code itself when CLDR has no name for it."""
    if not code:
        return ""
    return str(locale.territories.get(code.upper(), code))

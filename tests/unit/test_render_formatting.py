"""Money, dates, rates and quantities per locale (billingcore.render.formatting), pinned to the exact characters
babel writes: a no-break space (U+00A0) before "Kč" and "€" and between Czech thousands, a narrow no-break space
(U+202F) between French thousands."""

from __future__ import annotations

import decimal

import pytest

from billingcore.errors import InputError
from billingcore.render.formatting import (
    country_name,
    day,
    locale_for_country,
    money,
    parse_locale,
    period,
    quantity,
    rate,
)

NBSP = "\u00a0"
NNBSP = "\u202f"

CS, DE, US = parse_locale("cs_CZ"), parse_locale("de_DE"), parse_locale("en_US")


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "shown"),
    [
        ("1234.50", "CZK", "cs_CZ", f"1{NBSP}234,50{NBSP}Kč"),
        ("1234.50", "EUR", "de_DE", f"1.234,50{NBSP}€"),
        ("1234.50", "USD", "en_US", "$1,234.50"),
        ("1234.50", "EUR", "fr_FR", f"1{NNBSP}234,50{NBSP}€"),
        ("1234.50", "USD", "de_DE", f"1.234,50{NBSP}$"),
        ("-13.00", "EUR", "de_DE", f"-13,00{NBSP}€"),
        ("-13.00", "USD", "en_US", "-$13.00"),
        ("0.00", "CZK", "cs_CZ", f"0,00{NBSP}Kč"),
        ("1234", "JPY", "en_US", "¥1,234"),
        ("999999999999.99", "EUR", "de_DE", f"999.999.999.999,99{NBSP}€"),
    ],
)
def test_money_is_written_as_the_locale_writes_it(amount: str, currency: str, locale: str, shown: str) -> None:
    assert money(amount, currency, parse_locale(locale)) == shown


def test_money_is_never_rounded_a_fine_unit_price_keeps_every_digit() -> None:
    # babel would round 0.0125 to the currency's 2 decimals (0,01 or 0,02): a page must show what the document says
    assert money("0.0125", "EUR", DE) == f"0,0125{NBSP}€"
    assert money("0.000600", "USD", US) == "$0.0006"  # zeros past the currency's decimals carry no value
    assert money("264.5", "USD", US) == "$264.50"  # and up to them a money string always has its digits


def test_the_callers_decimal_context_changes_nothing() -> None:
    with decimal.localcontext(prec=3, rounding=decimal.ROUND_FLOOR, traps=[decimal.Inexact, decimal.Rounded]):
        assert money("1234567.89", "EUR", DE) == f"1.234.567,89{NBSP}€"
        assert rate("7.25", DE) == f"7,25{NBSP}%"
        assert quantity("1234.5678", DE) == "1.234,5678"


@pytest.mark.parametrize(
    ("text", "locale", "shown"),
    [
        ("19.00", "de_DE", f"19{NBSP}%"),
        ("7.5", "de_DE", f"7,5{NBSP}%"),
        ("21", "cs_CZ", f"21{NBSP}%"),
        ("0", "en_US", "0%"),
        ("8.875", "en_US", "8.875%"),
    ],
)
def test_a_vat_rate_is_a_percentage(text: str, locale: str, shown: str) -> None:
    assert rate(text, parse_locale(locale)) == shown


def test_quantities() -> None:
    assert quantity("1", DE) == "1"
    assert quantity("1234.5", DE) == "1.234,5"
    assert quantity("1234.5", CS) == f"1{NBSP}234,5"
    assert quantity("1234.5", US) == "1,234.5"


@pytest.mark.parametrize(
    ("locale", "shown", "span"),
    [
        ("de_DE", "10.01.2020", "10.01.2020 – 09.02.2020"),
        ("cs_CZ", "10. 1. 2020", "10. 1. 2020 – 9. 2. 2020"),
        ("en_US", "Jan 10, 2020", "Jan 10, 2020 – Feb 9, 2020"),
    ],
)
def test_dates_and_periods(locale: str, shown: str, span: str) -> None:
    where = parse_locale(locale)
    assert day("2020-01-10", where) == shown
    assert period("2020-01-10", "2020-02-09", where) == span


def test_a_line_without_a_period_shows_none() -> None:
    assert period(None, None, DE) == ""
    assert period("2020-01-10", None, DE) == "10.01.2020"


def test_country_names_in_the_readers_language() -> None:
    assert country_name("DE", DE) == "Deutschland"
    assert country_name("DE", CS) == "Německo"
    assert country_name("CZ", US) == "Czechia"
    assert country_name("QQ", US) == "QQ"  # no name in CLDR: the code as it is
    assert country_name(None, US) == ""


@pytest.mark.parametrize(
    ("country", "locale"),
    [("DE", "de_DE"), ("CZ", "cs_CZ"), ("US", "en_US"), ("CH", "de_CH"), ("AT", "de_AT"), ("BE", "nl_BE"),
     ("sk", "sk_SK"), ("QQ", "en"), ("", "en"), (None, "en"), ("DEU", "en")],
)  # fmt: skip
def test_the_default_locale_is_the_countrys_likely_one_else_english(country: str | None, locale: str) -> None:
    assert str(locale_for_country(country)) == locale


def test_locale_names_with_a_hyphen_or_without_a_country() -> None:
    assert str(parse_locale("cs-CZ")) == "cs_CZ"
    assert str(parse_locale("de")) == "de"


@pytest.mark.parametrize("code", ["xx_YY", "en_XX", "", "de_DE; rm -rf"])
def test_an_unknown_locale_is_a_located_error(code: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_locale(code)
    (problem,) = caught.value.diagnostics
    assert (str(problem.location), problem.code, problem.message) == (
        "locale",
        "unknown-locale",
        f"unknown locale {code!r}",
    )
    assert "de_DE, cs_CZ, en_US" in problem.hint


def test_a_float_never_becomes_money() -> None:
    with pytest.raises(InputError) as caught:
        money(13.0, "EUR", DE)  # type: ignore[arg-type]
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.message) == (
        "not-a-decimal",
        'amount must be a decimal string like "13.00", got 13.0',
    )
    with pytest.raises(InputError, match="got 'abc'"):
        money("abc", "EUR", DE)


def test_a_malformed_date_is_refused() -> None:
    with pytest.raises(InputError, match="expected a date YYYY-MM-DD, got '2020-13-01'"):
        day("2020-13-01", DE)

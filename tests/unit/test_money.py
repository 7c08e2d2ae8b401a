from __future__ import annotations

from decimal import Decimal, localcontext

import pytest

from billingcore.money import D, Rounding, decimals_of, fmt, quantize


def test_money_comes_from_strings_only() -> None:
    assert D("13.00") == Decimal("13.00")
    assert str(D("13.00")) == "13.00"
    with pytest.raises(ValueError, match="not a decimal string"):
        D(13.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a decimal string"):
        D("1e3")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [(Rounding.DOWN, "8.80"), (Rounding.HALF_UP, "8.81"), (Rounding.HALF_EVEN, "8.81"), (Rounding.UP, "8.81")],
)
def test_duda_credit_13_times_21_over_31_rounds_by_the_named_mode(mode: Rounding, expected: str) -> None:
    assert str(quantize(D("13.00") * 21 / 31, "USD", mode)) == expected


def test_half_even_and_half_up_differ_on_a_tie() -> None:
    assert str(quantize(D("0.125"), "EUR", Rounding.HALF_UP)) == "0.13"
    assert str(quantize(D("0.125"), "EUR", Rounding.HALF_EVEN)) == "0.12"


def test_quantize_uses_the_currency_exponent() -> None:
    assert str(quantize(D("1234.5"), "JPY", Rounding.HALF_UP)) == "1235"
    assert str(quantize(D("1.2345"), "KWD", Rounding.DOWN)) == "1.234"


def test_quantize_ignores_the_ambient_decimal_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = "ROUND_FLOOR"
        assert str(quantize(D("123456.785"), "USD", Rounding.HALF_UP)) == "123456.79"


def test_decimals_of_counts_written_places_and_fmt_avoids_exponents() -> None:
    assert decimals_of(D("13.001")) == 3
    assert decimals_of(D("264")) == 0
    assert fmt(Decimal("0E-2")) == "0.00"


@pytest.mark.parametrize(
    ("value", "text"),
    [("0E-2", "0.00"), ("1E+2", "100"), ("1E-7", "0.0000001"), ("-8.80", "-8.80"), ("264.00", "264.00")],
)
def test_fmt_never_uses_exponents(value: str, text: str) -> None:
    assert fmt(Decimal(value)) == text


def test_percent_of_rounds_vat_once_with_the_named_mode() -> None:
    from billingcore.money import percent_of

    assert str(percent_of(D("13.00"), D("19"), "EUR", Rounding.HALF_UP)) == "2.47"  # exact
    assert str(percent_of(D("10.50"), D("21"), "CZK", Rounding.HALF_UP)) == "2.21"  # 2.205
    assert str(percent_of(D("10.50"), D("21"), "CZK", Rounding.HALF_EVEN)) == "2.20"
    assert str(percent_of(D("-26.00"), D("7.7"), "CHF", Rounding.HALF_UP)) == "-2.00"  # -2.002
    assert str(percent_of(D("1000"), D("10"), "JPY", Rounding.HALF_UP)) == "100"


def test_a_negative_amount_that_rounds_to_zero_is_plain_zero() -> None:
    assert str(quantize(D("-0.004"), "EUR", Rounding.HALF_UP)) == "0.00"
    assert str(quantize(D("-0.006"), "EUR", Rounding.HALF_UP)) == "-0.01"

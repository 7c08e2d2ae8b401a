"""Money: Decimal from strings only, ISO 4217 exponents, and explicit rounding at named boundaries.

Nothing here reads or changes the ambient decimal context: every quantize names its rounding mode,
and every operation runs in a local context so results do not depend on the caller's settings.
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0")
ONE = Decimal("1")
HUNDRED = Decimal("100")

# Enough precision for any bill run; independent of decimal.getcontext().
_CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, traps=[decimal.InvalidOperation])

# The largest values billingcore bills (docs/plans.md "Limits"), checked wherever a value is read (plan and
# rules files, events). They keep every amount exact in _CONTEXT's 34 digits: a price (12 digits before the
# point, at most 3 after) times a quantity (9 + 4) has at most 28 digits, a line at most 24 once rounded to
# the currency, and a document's sums, and its VAT (a rate has at most 3 + 4 digits), stay exact up to a
# thousand lines of the largest amounts. Without them a 29-digit price billed a net that was not the sum
# of its lines, and a 41-digit one raised InvalidOperation.
MAX_AMOUNT_DIGITS = 12  # digits before the decimal point of an amount: below 1000000000000
MAX_QUANTITY_DIGITS = 9  # of a quantity or a count: below 1000000000
MAX_DECIMALS = 4  # of a quantity or a percentage (an amount has its currency's decimals)

_DECIMAL_TEXT = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")

# ISO 4217 minor-unit exponents for the currencies a catalog may use. A currency missing here is a
# catalog error, so a typo like "UDS" cannot pass.
CURRENCY_EXPONENTS: dict[str, int] = {
    "AUD": 2, "BGN": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0, "CNY": 2, "CZK": 2, "DKK": 2,
    "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "ILS": 2, "INR": 2, "ISK": 0, "JPY": 0, "KRW": 0,
    "KWD": 3, "BHD": 3, "MXN": 2, "NOK": 2, "NZD": 2, "PLN": 2, "RON": 2, "SEK": 2, "SGD": 2,
    "TND": 3, "TRY": 2, "UAH": 2, "USD": 2, "ZAR": 2,
}  # fmt: skip


class Rounding(StrEnum):
    """Rounding modes a rule set may name; values are the words used in rules/*.yaml."""

    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    DOWN = "down"
    UP = "up"

    @property
    def decimal_mode(self) -> str:
        return _MODES[self]


_MODES = {
    Rounding.HALF_UP: decimal.ROUND_HALF_UP,
    Rounding.HALF_EVEN: decimal.ROUND_HALF_EVEN,
    Rounding.DOWN: decimal.ROUND_DOWN,
    Rounding.UP: decimal.ROUND_UP,
}

_QUANTS = {exp: Decimal(1).scaleb(-exp, _CONTEXT) for exp in range(7)}  # even if imported in an odd context


def D(text: str) -> Decimal:
    """The one money constructor: a decimal string like "13.00". Floats and ints are refused."""
    if not isinstance(text, str) or not _DECIMAL_TEXT.match(text):
        raise ValueError(f"not a decimal string: {text!r}")
    return Decimal(text)


def is_decimal_text(text: str) -> bool:
    return bool(_DECIMAL_TEXT.match(text))


def decimals_of(amount: Decimal) -> int:
    """Number of digits after the decimal point as written ("13.00" -> 2, "13" -> 0)."""
    exp = amount.as_tuple().exponent  # an int: money is finite (read only from decimal strings)
    return max(0, -int(exp))


def exponent(currency: str) -> int:
    return CURRENCY_EXPONENTS[currency]


def quantize(amount: Decimal, currency: str, rounding: Rounding) -> Decimal:
    """Round `amount` to the currency's minor unit with an explicit mode. A negative amount that rounds
    to zero is plain 0.00: "-0.00" on an invoice is a defect, not a credit."""
    rounded = amount.quantize(_QUANTS[CURRENCY_EXPONENTS[currency]], rounding=_MODES[rounding], context=_CONTEXT)
    return rounded if rounded else rounded.copy_abs()


UNIT_PRICE_DECIMALS = 6  # a unit price may be finer than the currency (0.0006 a call); its line is not


def unit_price(value: Decimal, currency: str, rounding: Rounding) -> Decimal:
    """A unit price worked out (a discounted one): to the currency's minor unit when that says it exactly
    (4.50), else to at most UNIT_PRICE_DECIMALS decimals without trailing zeros (4.275, 0.0016)."""
    fine = value.quantize(_QUANTS[UNIT_PRICE_DECIMALS], rounding=_MODES[rounding], context=_CONTEXT)
    coarse = fine.quantize(_QUANTS[CURRENCY_EXPONENTS[currency]], context=_CONTEXT)
    if coarse == fine:
        return coarse if coarse else coarse.copy_abs()
    return fine.normalize(_CONTEXT)


def percent_of(amount: Decimal, rate: Decimal, currency: str, rounding: Rounding) -> Decimal:
    """`rate` percent of `amount`, rounded once to the currency's minor unit (VAT on a base)."""
    exact = _CONTEXT.multiply(amount, rate).scaleb(-2, _CONTEXT)  # / 100, exactly
    rounded = exact.quantize(_QUANTS[CURRENCY_EXPONENTS[currency]], rounding=_MODES[rounding], context=_CONTEXT)
    return rounded if rounded else rounded.copy_abs()  # 0 % of a credit is 0.00, not -0.00


# Arithmetic on money, in the private context: `a + b` would round to the caller's precision and mode
# (with prec=4 a 264.00 invoice totalled 264.0). Bound methods, not wrappers: a sum runs for every line of
# every document, and a wrapper would add a Python frame to each (docs/performance.md).
add = _CONTEXT.add
sub = _CONTEXT.subtract
mul = _CONTEXT.multiply
div = _CONTEXT.divide


def fmt(amount: Decimal) -> str:
    """Plain decimal text, never scientific notation ("0.00", "100", not "0E-2", "1E+2")."""
    text = str(amount)  # 3x faster than format(); falls back only when str chose an exponent
    return text if "E" not in text else f"{amount:f}"

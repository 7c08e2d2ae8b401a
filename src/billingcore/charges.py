"""Charges: the amount each contract term costs, and proration of a term cut short.

A `Charge` is one pending line: a term that started (or a credit for one that was cut) and waits
for the billing day, or for an immediate/interim invoice. Amounts are quantized here, once per line,
with the rule set's rounding mode.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import attrs

from billingcore.catalog.rules import ChangeDay, DayBasis, ProrationRules
from billingcore.contracts import Contract
from billingcore.money import ONE, ZERO, div, fmt, mul, quantize


@attrs.frozen
class Charge:
    contract: str  # contract key
    description: str
    kind: str  # charge | credit
    group: str  # monthly | annual: which invoice of the billing day takes it
    due: date  # the day it becomes billable
    start: date
    end: date  # exclusive
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    explanation: str


def invoice_group(contract: Contract) -> str:
    return "monthly" if contract.period.months == 1 else "annual"


def term_charge(contract: Contract, due: date) -> Charge:
    """The charge for the contract's current term, due on `due`."""
    start, price, period = contract.term_start, contract.unit_price, contract.period.value
    return Charge(
        contract.key,
        f"{contract.name} ({period})",
        "charge",
        invoice_group(contract),
        due,
        start,
        contract.term_end,
        ONE,
        price,
        price,
        f"{period} term from {start}: {price}",
    )


def term_days(start: date, end: date, months: int, rules: ProrationRules) -> int:
    if rules.day_basis is DayBasis.FIXED_30:
        return 30 * months
    return (end - start).days


def unused_days(change: date, start: date, end: date, months: int, rules: ProrationRules) -> int:
    """Days of [start, end) after the change; the change day itself counts as used or unused by rule."""
    after = (end - change).days - (1 if rules.change_day is ChangeDay.USED else 0)
    return max(0, min(after, term_days(start, end, months, rules)))


def proration_credit(contract: Contract, change: date, currency: str, rules: ProrationRules) -> Charge:
    """Credit for the unused part of the current term, from the amount actually billed for it and
    never more than that amount minus earlier credits."""
    start, end = contract.term_start, contract.term_end
    days = term_days(start, end, contract.period.months, rules)
    unused = unused_days(change, start, end, contract.period.months, rules)
    billed = contract.unit_price
    raw = div(mul(billed, Decimal(unused)), Decimal(days))
    credit = min(quantize(raw, currency, rules.rounding), billed - contract.credited)
    credit = max(credit, ZERO)
    explanation = (
        f"{fmt(billed)} x {unused}/{days} days unused = {fmt(credit)}, rounded {rules.rounding.value.replace('_', ' ')}"
    )
    return Charge(
        contract.key,
        f"Credit: {contract.name} ({contract.period.value}), unused part",
        "credit",
        invoice_group(contract),
        change,
        change + timedelta(days=1) if rules.change_day is ChangeDay.USED else change,  # first unused day
        end,
        ONE,
        -credit,
        -credit,
        explanation,
    )

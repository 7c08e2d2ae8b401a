"""Charges: the amount each contract term costs, and proration of a term cut short.

A `Charge` is one pending line: a term that started (or a credit for one that was cut) and waits
for the billing day, or for an immediate/interim invoice. Amounts are quantized here, once per line,
with the rule set's rounding mode.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from billingcore.catalog.model import Period
from billingcore.catalog.rules import ChangeDay, DayBasis, ProrationRules
from billingcore.codegen import maker
from billingcore.contracts import Contract
from billingcore.dates import ONE_DAY, iso
from billingcore.documents import LineKind
from billingcore.money import ONE, ZERO, add, div, fmt, mul, quantize


class InvoiceGroup(StrEnum):
    """Which invoice of a billing day takes a charge under `invoicing.split: by_period`."""

    MONTHLY = "monthly"  # terms of one month
    ANNUAL = "annual"  # longer terms: quarterly, semiannual, annual, biennial
    WEEKLY = "weekly"  # terms counted in days: weekly, biweekly, every N days (invoicing.weekly_terms)


class Charge(NamedTuple):
    """One line waiting to be invoiced: a term that started, a credit for one that was cut, an included
    item's 0.00, a one-off. A NamedTuple, not a frozen attrs class: one is built per contract term on
    every billing day, and a tuple builds about 3x faster; it is just as immutable."""

    contract: str  # contract key, or the one-off item's id
    description: str
    kind: LineKind
    group: InvoiceGroup  # which invoice of the billing day takes it
    due: date  # the day it becomes billable
    start: date | None  # the days it pays for, [start, end); None for a one-off item
    end: date | None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    explanation: str
    cause: str  # the event id that caused it, or RENEWAL / BILLING_DAY: an amount traces back to its origin
    # What discount scales and coupons took off `amount` (features/discounts.py), for the document's
    # `discounts`. Last, with a default: a Charge built without it has none (a saved state omits it then).
    discount: Decimal = ZERO


RENEWAL = "renewal"  # the cause of a term that began because its contract renewed
BILLING_DAY = "billing_day"  # the cause of an included item's 0.00 line on a billing day

# Enum members read on hot paths, bound once: `InvoiceGroup.MONTHLY` goes through the enum metaclass
# and costs ten times a module global (docs/performance.md).
_MONTHLY, _ANNUAL, _WEEKLY = InvoiceGroup.MONTHLY, InvoiceGroup.ANNUAL, InvoiceGroup.WEEKLY

# A term's charge (hot: one per purchase and renewal): quantity 1 at the term's price.
_term = maker(
    Charge, "contract", "description", "group", "due", "start", "end", "unit_price", "amount", "explanation", "cause",
    kind=LineKind.CHARGE, quantity=ONE, discount=ZERO,
)  # fmt: skip
# An included item's 0.00 line on a billing day (hot: one per included item per billing day).
included_charge = maker(
    Charge, "contract", "description", "due", "start", "end", "unit_price", "amount", "explanation",
    kind=LineKind.INCLUDED, group=InvoiceGroup.MONTHLY, quantity=ONE, cause=BILLING_DAY, discount=ZERO,
)  # fmt: skip


Label = Callable[[str, str], str]  # a compiled catalog label: (contract label, period word) -> text


# The default labels (catalog.model.Labels), as functions of the contract's label and its period.
def CREDIT_LABEL(name: str, period: str) -> str:
    return f"Credit: {name} ({period}), unused part"


def REST_OF_TERM_LABEL(name: str, period: str) -> str:
    return f"{name} ({period}), rest of term"


def invoice_group(period: Period) -> InvoiceGroup:
    return _MONTHLY if period.months == 1 else _WEEKLY if period.days else _ANNUAL


def term_charge(contract: Contract, due: date, cause: str) -> Charge:
    """The charge for the contract's current term, due on `due`. (Runs for every term: `!s` skips
    format()'s spec parsing, and a Period is a StrEnum, so it formats as its YAML word.)"""
    start, price, period = contract.term_start, contract.unit_price, contract.period
    charge: Charge = _term(
        contract.key,
        f"{contract.name} ({period!s})",
        _MONTHLY if period.months == 1 else _WEEKLY if period.days else _ANNUAL,  # invoice_group, inlined
        due,
        start,
        contract.term_end,
        price,
        price,
        f"{period!s} term from {iso(start)}: {price!s}",
        cause,
    )
    return charge


def term_days(start: date, end: date, months: int, rules: ProrationRules) -> int:
    """The days a term counts for proration: its real days, or 30 a month on fixed_30. A period counted
    in days (`months` 0: weekly, every N days) has its real days on every basis: a week is 7 days."""
    if rules.day_basis is DayBasis.FIXED_30 and months:
        return 30 * months
    return (end - start).days


def covered_days(contract: Contract, rules: ProrationRules) -> int:
    """Days the amount billed for the current term paid for, counted as that amount was: the whole term
    on the rule's day basis (30 a month on fixed_30), or, for a term billed from a later day (a keep_end
    change), the real days from then to the term end (it was billed as price x those days / the term's)."""
    full = term_days(contract.term_start, contract.term_end, contract.period.months, rules)
    if contract.billed_from == contract.term_start:
        return full
    return max(1, min(full, (contract.term_end - contract.billed_from).days))


def unused_days(change: date, contract: Contract, rules: ProrationRules) -> int:
    """Paid days after the change; the change day itself counts as used or unused by rule.

    On the fixed 30-day basis the real remaining days are counted against 30 a month (Kill Bill:
    8 days left of January = 8/30), except that a term none of which was used is credited in full
    (a 29-day February left untouched is 30/30, not 29/30)."""
    after = (contract.term_end - change).days - (1 if rules.change_day is ChangeDay.USED else 0)
    covered = covered_days(contract, rules)
    if after >= (contract.term_end - contract.billed_from).days:
        return covered
    return max(0, min(after, covered))


def leading_days(contract: Contract, basis: DayBasis) -> tuple[int, int]:
    """A leading part's (days paid for, days of the whole period it belongs to): real days; on fixed_30
    against 30 a month, at most all of them (alignment.py)."""
    days = (contract.term_end - contract.billed_from).days
    if basis is DayBasis.FIXED_30 and contract.period.months:
        whole = 30 * contract.period.months
        return min(days, whole), whole
    return days, (contract.term_end - contract.term_start).days


def leading_amount(contract: Contract, rules: ProrationRules, currency: str) -> Decimal:
    """The price of a leading part: the contract's price x days paid for / days of the whole period."""
    days, whole = leading_days(contract, rules.day_basis)
    return quantize(div(mul(contract.unit_price, Decimal(days)), Decimal(whole)), currency, rules.rounding)


def leading_charge(contract: Contract, cause: str, rules: ProrationRules) -> Charge:
    """The charge for a leading part (its amount already in contract.billed), due the day it starts."""
    days, whole = leading_days(contract, rules.day_basis)
    price, amount, period = contract.unit_price, contract.billed, contract.period
    explanation = f"{fmt(price)} x {days}/{whole} days = {fmt(amount)}, {_rounded(rules)}"
    description = f"{contract.name} ({period!s})"
    start = contract.billed_from
    charge: Charge = _term(
        contract.key, description, invoice_group(period), start, start, contract.term_end, amount, amount, explanation,
        cause,
    )  # fmt: skip
    return charge


def proration_credit(
    contract: Contract, change: date, currency: str, rules: ProrationRules, cause: str, label: Label = CREDIT_LABEL
) -> Charge:
    """Credit for the unused part of the current term, from the amount actually billed for it, never
    more than that amount. (Every change replaces the contract, so a term is credited at most once.)

    A term charged ahead (renewal.lead_days) and changed before it begins: that term in full, it never
    began, plus the unused part of the term still running, as it would be credited without lead days; one
    line from the first unused day (docs/rules.md "renewal")."""
    first_unused = change + ONE_DAY if rules.change_day is ChangeDay.USED else change
    if contract.previous_start is not None and change <= contract.term_start:  # charged ahead, not begun
        credit, explanation = _not_begun(contract, change, currency, rules)
        first_unused = min(first_unused, contract.term_start)
    else:
        credit, explanation = _unused_part(contract, change, currency, rules)
    description = label(contract.name, contract.period.value)
    # copy_negate, not unary minus: `-credit` rounds to the caller's decimal context
    negated = credit.copy_negate()
    return _rest_of_term(contract, description, LineKind.CREDIT, change, first_unused, negated, explanation, cause)


def _unused_part(contract: Contract, change: date, currency: str, rules: ProrationRules) -> tuple[Decimal, str]:
    """(credit, explanation) for the days of the contract's current term after `change`."""
    days = covered_days(contract, rules)
    unused = unused_days(change, contract, rules)
    billed = contract.billed
    raw = div(mul(billed, Decimal(unused)), Decimal(days))
    credit = max(ZERO, min(quantize(raw, currency, rules.rounding), billed))
    return credit, f"{fmt(billed)} x {unused}/{days} days unused = {fmt(credit)}, {_rounded(rules)}"


def _not_begun(contract: Contract, change: date, currency: str, rules: ProrationRules) -> tuple[Decimal, str]:
    """(credit, explanation) for a term charged ahead and changed before it began, or on its first day (where,
    without lead days, the change would have replaced its renewal): all of it, and the unused part of the term
    it follows (each rounded on its own, as credited without lead days)."""
    billed, start = contract.billed, iso(contract.term_start)
    whole = f"{fmt(billed)} for the term from {start}, not begun"
    before, paid, paid_from = contract.previous_start, contract.previous_billed, contract.previous_billed_from
    # nothing of the term it follows to credit: the change is on the new term's first day, or that term was
    # billed 0.00 (a free term), or none is kept (a contract not renewed ahead)
    if change >= contract.term_start or before is None or not paid or paid_from is None:
        return billed, whole
    running = contract._replace(term_start=before, term_end=contract.term_start, billed=paid, billed_from=paid_from)
    part, why = _unused_part(running, change, currency, rules)
    credit = add(part, billed)
    return credit, f"{why}; {whole} = {fmt(credit)}"


def prorated_charge(
    contract: Contract,
    change: date,
    currency: str,
    rules: ProrationRules,
    cause: str,
    label: Label = REST_OF_TERM_LABEL,
) -> Charge:
    """The new terms' price for the rest of the current term (change_term: keep_end)."""
    start = change + ONE_DAY if rules.change_day is ChangeDay.USED else change
    days = term_days(contract.term_start, contract.term_end, contract.period.months, rules)
    # A change on the term's first day leaves the whole term: its full price, as a whole unused term is
    # credited in full (on fixed_30 a 28-day February is 30/30, not 28/30).
    remaining = days if start <= contract.term_start else max(0, min((contract.term_end - start).days, days))
    amount = quantize(div(mul(contract.unit_price, Decimal(remaining)), Decimal(days)), currency, rules.rounding)
    explanation = f"{fmt(contract.unit_price)} x {remaining}/{days} days remaining = {fmt(amount)}, {_rounded(rules)}"
    description = label(contract.name, contract.period.value)
    return _rest_of_term(contract, description, LineKind.CHARGE, change, start, amount, explanation, cause)


def _rest_of_term(
    contract: Contract, description: str, kind: LineKind, due: date, start: date, amount: Decimal, why: str, cause: str
) -> Charge:
    """A line for `contract` from `start` to its term end: a credit or the changed terms' price."""
    return Charge(
        contract=contract.key,
        description=description,
        kind=kind,
        group=invoice_group(contract.period),
        due=due,
        start=start,
        end=contract.term_end,
        quantity=ONE,
        unit_price=amount,
        amount=amount,
        explanation=why,
        cause=cause,
    )


def _rounded(rules: ProrationRules) -> str:
    return f"rounded {rules.rounding.value.replace('_', ' ')}"

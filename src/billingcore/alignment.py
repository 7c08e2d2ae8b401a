"""Term alignment (billing_day.alignment): where the terms of a new contract end.

Under `subscription` a contract's terms run on its own anniversaries from its purchase day, and
nothing here changes it. Under `billing_day` they end on the account's billing days (Kill Bill's
account alignment, Stripe's billing cycle anchor); under `calendar` on the first day of calendar
months, quarters, half-years, years and two-year periods (Lago and Chargebee calendar billing). A
contract bought between two such dates first gets a **leading part** up to the next one, prorated, then
whole periods:

    bought 2021-03-17, monthly 30.00, calendar:   leading 03-17..03-31   30.00 x 15/31 = 14.52
                                                  then    04-01..04-30   30.00, and so on

The contract then carries the whole period the leading part belongs to as its term (term_start
2021-03-01, term_end 2021-04-01) and the part it paid for as billed_from/billed (2021-03-17, 14.52),
exactly like a term changed under `change_term: keep_end`: a credit for it counts the days it paid for,
and its renewal is an ordinary one. Later term ends are computed from the anchor (`started`, the
nominal start of that whole period, and the billing day), never chained.

Weekly terms (and N weeks) under `calendar` end on the rule set's `week_day`; a week is always 7 days,
so their later terms follow each other by day arithmetic.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from billingcore.billing_day import first_on_or_after, fixed_day, nominal
from billingcore.catalog.rules import Alignment, Weekday
from billingcore.charges import Charge, leading_amount, leading_charge, term_charge
from billingcore.contracts import Contract
from billingcore.dates import FIRST_DAY, billing_date

_CALENDAR = Alignment.CALENDAR
_WEEKDAYS = list(Weekday)  # Monday first, as date.weekday() counts; FIRST_DAY (1900-01-01) is a Monday


def first_term(view: Any, contract: Contract, cause: str) -> tuple[Contract, Charge]:
    """`contract`, just made with a whole first term from its purchase day, aligned by rule; and the
    charge for that first term (the leading part's prorated amount when it has one), due that day."""
    if not view.tariff.aligned or contract.included:  # alignment: subscription, the usual case
        return contract, term_charge(contract, contract.term_start, cause)
    aligned = align(view, contract)
    if aligned.billed_from == aligned.term_start:  # bought on an aligned date: a whole first term
        return aligned, term_charge(aligned, aligned.term_start, cause)
    return aligned, leading_charge(aligned, cause, view.tariff.rules.proration)


def align(view: Any, contract: Contract) -> Contract:
    """The contract (with terms of its own, under alignment billing_day or calendar) with its first term
    ending on the account's next aligned date (see the module)."""
    t = view.tariff
    if contract.period.days:  # only whole weeks under calendar alignment (the catalog check refuses others)
        return _calendar_weeks(t, contract)
    alignment = t.rules.billing_day.alignment
    day, months = contract.term_start, contract.period.months
    anchor_day = view.billing_day or fixed_day(t.rules, view.account) or day.day  # the day fixes it: no lead
    roll = t.roll_short_months
    first = next_aligned(day, months, anchor_day, roll, alignment is _CALENDAR)  # month index of the end
    end = billing_date(nominal(first, anchor_day), 0, anchor_day, roll)
    if end == day:  # bought on an aligned date: whole terms from it
        start_index, term_start = first, day
        term_end = billing_date(nominal(first, anchor_day), months, anchor_day, roll)
    else:
        start_index = first - months
        term_start = billing_date(nominal(start_index, anchor_day), 0, anchor_day, roll)
        term_end = end
    # billed_from stays the purchase day: new_contract set it (so does `bought`)
    aligned = contract._replace(
        started=nominal(start_index, anchor_day), anchor_day=anchor_day, term_start=term_start, term_end=term_end
    )
    if term_start == day:
        return aligned
    return aligned._replace(billed=leading_amount(aligned, t.rules.proration, t.catalog.currency))


def _calendar_weeks(t: Any, contract: Contract) -> Contract:
    """A contract of whole weeks under calendar alignment: its terms end on the rule set's week_day
    (Lago calendar billing: weeks from Monday), N-week periods counted from that weekday's first date in
    1900, so that every account's biweekly terms start on the same weeks."""
    day, length = contract.term_start, contract.period.days
    first = FIRST_DAY + timedelta(days=_WEEKDAYS.index(t.rules.billing_day.week_day))
    term_start = day - timedelta(days=(day - first).days % length)
    if term_start == day:  # bought on a calendar week's first day: whole terms from it
        return contract
    aligned = contract._replace(started=term_start, term_start=term_start, term_end=term_start + timedelta(days=length))
    return aligned._replace(billed=leading_amount(aligned, t.rules.proration, t.catalog.currency))


def next_aligned(day: date, months: int, anchor_day: int, roll: bool, calendar: bool) -> int:
    """The month index of the first aligned date on or after `day`: a billing date; under calendar
    alignment also the start of a period of `months` counted from January."""
    index = first_on_or_after(day, anchor_day, roll)
    if calendar:
        index += -index % months  # quarters from January, years on January 1st, two years from even years
    return index

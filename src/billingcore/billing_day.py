"""The account's billing day: which event fixes it (billing_day.anchor, or the account's own billing
day), and the n-th billing date after the anchor, always computed from the anchor (dates.billing_date),
never chained from the last one.

A billing anchor is the nominal date of the first billing day's month: the billing day clamped into that
month (day 31 in February 2021: 2021-02-28), even when `short_month: next_month_first` rolls the real
billing date to 2021-03-01. billing_date() reads only its year and month.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from billingcore.catalog.rules import BillingDayAnchor, RuleSet, ShortMonth
from billingcore.dates import billing_date, on_day

_FIXED_DAY, _FIRST_OF_MONTH = BillingDayAnchor.FIXED_DAY, BillingDayAnchor.FIRST_OF_MONTH


def fixed_day(rules: RuleSet, account: Any) -> int | None:
    """The day of the month every billing day falls on when no event has to fix it: the account's own
    billing day (Kill Bill's account BCD), the rule set's fixed day, or the 1st; None when an event
    fixes it (the account start, the first plan purchase)."""
    own: int | None = account.billing_day
    if own is not None:
        return own
    anchor = rules.billing_day.anchor
    if anchor is _FIXED_DAY:
        return rules.billing_day.day
    return 1 if anchor is _FIRST_OF_MONTH else None


def anchored(rules: RuleSet, account: Any, day: date, plan_purchase: bool) -> tuple[date, int] | None:
    """(billing anchor, day of month) that an event on `day` fixes, or None when the rule set waits for
    another kind of event (Duda: a trial does not fix it, the first plan purchase does)."""
    fixed = fixed_day(rules, account)
    if fixed is not None:  # the first billing date on or after the day
        roll = rules.billing_day.short_month is ShortMonth.NEXT_MONTH_FIRST
        return nominal(first_on_or_after(day, fixed, roll), fixed), fixed
    anchor = rules.billing_day.anchor
    if anchor is BillingDayAnchor.ACCOUNT_START or (anchor is BillingDayAnchor.FIRST_PLAN_PURCHASE and plan_purchase):
        return day, day.day
    return None


def first_on_or_after(day: date, anchor_day: int, roll: bool) -> int:
    """The month index of the first billing date on or after `day` for billing day `anchor_day`: last
    month's, when it rolled to this month's 1st (day 31 after February under next_month_first), else
    this month's, or next month's when this month's is already past."""
    index = month_index(day)
    if roll and billing_date(nominal(index - 1, anchor_day), 0, anchor_day, True) >= day:
        return index - 1
    # this month's billing date, clamped or rolled to the next 1st, is on or after `day` exactly when its
    # clamped (nominal) date is: both are, unless the clamped one is before it
    return index if nominal(index, anchor_day) >= day else index + 1


def month_index(day: date) -> int:
    """Months since year 0: year * 12 + month - 1."""
    return day.year * 12 + day.month - 1


def nominal(index: int, anchor_day: int) -> date:
    """The billing day in month `index`, clamped into it: the nominal date billing_date() counts from."""
    return on_day(index // 12, index % 12 + 1, anchor_day)


def is_anchor(anchor: date, day: int) -> bool:
    """Whether a saved billing anchor is the nominal date of billing day `day` in its month."""
    return 1 <= day <= 31 and anchor == on_day(anchor.year, anchor.month, day)

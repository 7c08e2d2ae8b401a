"""The account's billing day: which event fixes it (billing_day.anchor), and the n-th billing date after
the anchor, always computed from the anchor (dates.billing_date), never chained from the last one."""

from __future__ import annotations

from datetime import date

from billingcore.catalog.rules import BillingDayAnchor, RuleSet
from billingcore.dates import add_months


def anchored(rules: RuleSet, day: date, plan_purchase: bool) -> tuple[date, int] | None:
    """(first billing date, day of month) that an event on `day` fixes, or None when the rule set
    waits for another kind of event (Duda: a trial does not fix it, the first plan purchase does)."""
    anchor = rules.billing_day.anchor
    if anchor is BillingDayAnchor.ACCOUNT_START or (anchor is BillingDayAnchor.FIRST_PLAN_PURCHASE and plan_purchase):
        return day, day.day
    if anchor is BillingDayAnchor.FIRST_OF_MONTH:
        return (day if day.day == 1 else add_months(day.replace(day=1), 1)), 1  # the next 1st
    return None

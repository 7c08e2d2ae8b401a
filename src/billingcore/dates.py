"""Calendar arithmetic for billing: anchor-based month steps with billing-day clamping.

A billing day is anchored once (say the 31st) and every later date is computed from the anchor, never
from the previous date: Jan 31 -> Feb 28/29 -> Mar 31 -> Apr 30. Chaining "date + 1 month" would
drift (31 -> 28 -> 28). Table lookups only: this runs per account per billing day, so no relativedelta.
"""

from __future__ import annotations

from datetime import date, timedelta

ONE_DAY = timedelta(days=1)  # inclusive period ends are the exclusive end minus this

# The dates billingcore bills (docs/scenarios.md "Supported dates"): plan and VAT dates, events, `until` and
# a saved state's dates. From 1900 (the VAT table's open-ended US rate starts then) to 2199: far enough from
# the year 9999 where `date` ends that no term arithmetic reaches it (a contract renewing past it raised
# "ValueError: year 10000"), and the agenda of a whole range stays small (one bill call from 1900 to 2199
# is about 3 600 billing days).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
# The latest date a contract's term or a waiting charge can reach: a renewal is charged at most 27 days
# (renewal.lead_days) before its term ends, on or before LAST_DAY, and starts a term of at most 24 months.
LAST_TERM_DAY = date(2202, 12, 31)
# The most months (so terms, or billing days) that fit in the supported dates up to LAST_TERM_DAY: a saved
# state's counts are at most this (a count beyond it once sent add_months past the year 9999).
MAX_MONTHS = (LAST_TERM_DAY.year - FIRST_DAY.year + 1) * 12
SUPPORTED_DATES = "1900-01-01 to 2199-12-31"
SUPPORTED_DATES_HINT = 'write a date from 1900-01-01 to 2199-12-31 (docs/scenarios.md, "Supported dates")'


def in_supported_range(day: date, last: date = LAST_DAY) -> bool:
    """Whether billingcore bills `day`: from FIRST_DAY to LAST_DAY, or to `last` (LAST_TERM_DAY for the
    dates of a contract's term or a waiting charge in a saved state)."""
    return FIRST_DAY <= day <= last
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


_ISO: dict[date, str] = {}


def iso(day: date) -> str:
    """`day.isoformat()`, remembered. Every line of every document shows its dates, isoformat goes
    through printf, and a bill run shows a few hundred distinct dates thousands of times over."""
    # A cache: a mutated key or bound only formats the date again (equivalent mutants).
    text = _ISO.get(day)  # pragma: no mutate
    if text is None:
        if len(_ISO) > 100_000:  # pragma: no mutate  (a host running for ages: start over, not grow)
            _ISO.clear()
        text = _ISO[day] = day.isoformat()
    return text


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    if month == 2 and is_leap(year):
        return 29
    return _DAYS[month - 1]


def on_day(year: int, month: int, anchor_day: int) -> date:
    """The anchor day in the given month, clamped to the month's last day."""
    dim = days_in_month(year, month)
    return date(year, month, anchor_day if anchor_day <= dim else dim)


def add_months(start: date, months: int, anchor_day: int | None = None) -> date:
    """`start` moved by `months` whole months, landing on `anchor_day` (default start.day), clamped."""
    idx = start.year * 12 + start.month - 1 + months
    day = start.day if anchor_day is None else anchor_day
    # every month has day 28: no clamping (the common case, so it skips the table); `< 28` would only
    # send day 28 through on_day, which gives the same date (an equivalent mutant)
    if day <= 28:  # pragma: no mutate
        return date(idx // 12, idx % 12 + 1, day)
    return on_day(idx // 12, idx % 12 + 1, day)


def billing_date(anchor: date, n: int, anchor_day: int, roll_to_next_month: bool = False) -> date:
    """The n-th billing date after `anchor` (n=0 is the anchor itself), computed from the anchor.

    With `roll_to_next_month`, an anchor day missing from a short month moves to the 1st of the next
    month instead of that month's last day.
    """
    idx = anchor.year * 12 + anchor.month - 1 + n
    year, month = idx // 12, idx % 12 + 1
    if roll_to_next_month and anchor_day > days_in_month(year, month):
        idx += 1
        return date(idx // 12, idx % 12 + 1, 1)
    return on_day(year, month, anchor_day)

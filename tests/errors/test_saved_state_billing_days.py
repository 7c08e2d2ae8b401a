"""A resumed state's billings_done must be exactly the billing days on or before its as_of (docs/scenarios.md,
"Saved state"): one fewer puts the next billing day on or before as_of, where the agenda never looks again;
one more skips a billing day. The refusal counts the billing days that do fall on or before as_of, under the
rule set's short_month rule, and names the last of them. Billing days are computed by hand in the comments."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest

from billingcore.catalog.loader import Library
from billingcore.catalog.model import Period
from billingcore.catalog.rules import ShortMonth
from billingcore.engine import Account, bill, prepare
from billingcore.errors import StateError
from billingcore.events import BuyPlan, ChangePlan, Event, PublishSite
from billingcore.snapshot import dump_state, load_state
from billingcore.tariff import Tariff

CHANGED = (
    "the state was changed after dump_state wrote it: restore the stored copy, or bill the account again "
    "from its events"
)
ACCOUNT = Account("a", "duda", "US")
# Billing anchor Jan 10 2020 (the plan purchase), billing day 10: Jan 10, Feb 10, Mar 10, ... (every month
# has a 10th, so neither short_month rule moves them).
EVENTS: list[Event] = [
    BuyPlan("p", date(2020, 1, 10), "team", Period.MONTHLY),
    PublishSite("s", date(2020, 1, 10), "home"),
    PublishSite("s2", date(2020, 1, 12), "blog", Period.MONTHLY),
    ChangePlan("c", date(2020, 1, 13), "basic", Period.MONTHLY),
]
# Billing anchor Jan 31 2020, billing day 31. Under next_month_first: Jan 31, Mar 1 (no Feb 31), Mar 31,
# May 1 (no Apr 31), ...; clamped (the default) they would be Jan 31, Feb 29, Mar 31, Apr 30, ...
ON_THE_31ST: list[Event] = [BuyPlan("p", date(2020, 1, 31), "team", Period.MONTHLY)]


def _rolling(library: Library) -> Tariff:
    """Duda under billing_day.short_month: next_month_first (as tests/unit/test_billing_day.py)."""
    tariff = prepare(library, "duda")
    rules = attrs.evolve(
        tariff.rules, billing_day=attrs.evolve(tariff.rules.billing_day, short_month=ShortMonth.NEXT_MONTH_FIRST)
    )
    return attrs.evolve(tariff, rules=rules, billing=attrs.evolve(tariff.billing, rules=rules))


def _saved(tariff: Tariff, events: list[Event], until: date) -> dict[str, Any]:
    return dump_state(bill(tariff, ACCOUNT, events, until).state)


def _refused(tariff: Tariff, saved: dict[str, Any], days: str, until: date) -> None:
    """Resuming `saved` is refused with exactly one problem at state.billings_done, saying `days`."""
    with pytest.raises(StateError) as info:
        bill(tariff, ACCOUNT, [], until, load_state(saved))
    problem = f"billings_done is {saved['billings_done']}, but {days} on or before its as_of ({saved['as_of']})"
    assert [(str(d.location), d.code, d.message, d.hint) for d in info.value.diagnostics] == [
        ("state.billings_done", "bad-state", f"saved state of account a: {problem}", CHANGED)
    ]


def _billings_done(tariff: Tariff, saved: dict[str, Any], until: date) -> int:
    return bill(tariff, ACCOUNT, [], until, load_state(saved)).state.billings_done


def test_a_next_billing_day_on_as_of_itself_is_refused(library: Library) -> None:
    # Billed through Feb 10, a billing day: Jan 10 and Feb 10 are done (2). With 1 the next billing day
    # would be Feb 10, the state's own as_of, which the agenda has already left behind.
    tariff = prepare(library, "duda")
    saved = _saved(tariff, EVENTS, date(2020, 2, 10))
    assert (saved["as_of"], saved["billings_done"]) == ("2020-02-10", 2)
    assert _billings_done(tariff, saved, date(2020, 3, 10)) == 3  # Mar 10 billed
    saved["billings_done"] = 1
    _refused(tariff, saved, "2 billing days (the last on 2020-02-10) fall", date(2020, 3, 10))


def test_off_by_one_when_the_next_billing_day_is_more_than_28_days_ahead(library: Library) -> None:
    # As of Jan 11, the day after the first billing day: Jan 10 done (1), the next is Feb 10, 30 days on
    # (January has 31 days), so the count is checked against the billing day before it, Jan 10.
    tariff = prepare(library, "duda")
    saved = _saved(tariff, EVENTS, date(2020, 1, 11))
    assert (saved["as_of"], saved["billings_done"]) == ("2020-01-11", 1)
    assert _billings_done(tariff, saved, date(2020, 2, 10)) == 2
    saved["billings_done"] = 0  # next would be Jan 10, before as_of
    _refused(tariff, saved, "1 billing day (the last on 2020-01-10) falls", date(2020, 2, 10))
    saved["billings_done"] = 2  # next would be Mar 10 (59 days on), and Feb 10 is not on or before Jan 11
    _refused(tariff, saved, "1 billing day (the last on 2020-01-10) falls", date(2020, 2, 10))


def test_off_by_one_when_the_next_billing_day_is_at_most_28_days_ahead(library: Library) -> None:
    # As of Feb 5: Jan 10 done (1), the next is Feb 10, 5 days on. One more would make the next Mar 10.
    tariff = prepare(library, "duda")
    saved = _saved(tariff, EVENTS, date(2020, 2, 5))
    assert (saved["as_of"], saved["billings_done"]) == ("2020-02-05", 1)
    assert _billings_done(tariff, saved, date(2020, 2, 10)) == 2
    saved["billings_done"] = 0
    _refused(tariff, saved, "1 billing day (the last on 2020-01-10) falls", date(2020, 2, 10))
    saved["billings_done"] = 2
    _refused(tariff, saved, "1 billing day (the last on 2020-01-10) falls", date(2020, 2, 10))


def test_one_too_many_when_the_next_billing_day_is_29_days_ahead_after_a_28_day_february(library: Library) -> None:
    # As of 2021-02-09: Jan 10 2020 through Jan 10 2021 are done (13). One more (14) makes the next billing
    # day Mar 10 2021, 29 days after Feb 9 (February 2021 has 28 days), while Feb 10 2021 is not on or
    # before as_of: the 29 days alone do not say the count is right.
    tariff = prepare(library, "duda")
    saved = _saved(tariff, EVENTS, date(2021, 2, 9))
    assert (saved["as_of"], saved["billings_done"]) == ("2021-02-09", 13)
    saved["billings_done"] = 14
    _refused(tariff, saved, "13 billing days (the last on 2021-01-10) fall", date(2021, 3, 10))


def test_a_count_of_one_when_no_billing_day_falls_on_or_before_as_of_is_refused(library: Library) -> None:
    # As of Jan 15 with the anchor moved to Jan 20 (day 20): no billing day is on or before Jan 15, so the
    # count must be 0; 1 would skip Jan 20 (the next would be Feb 20, 36 days on).
    tariff = prepare(library, "duda")
    saved = _saved(tariff, EVENTS, date(2020, 1, 15))
    saved.update(billing_anchor="2020-01-20", billing_day=20, billings_done=1)
    _refused(tariff, saved, "no billing day falls", date(2020, 3, 1))


def test_a_count_of_zero_with_the_first_billing_day_more_than_28_days_ahead_bills(library: Library) -> None:
    # As of Jan 15 with the anchor moved to Feb 20 (day 20): no billing day is on or before Jan 15, so 0 is
    # right, though the next (Feb 20) is 36 days on and its predecessor Jan 20 is after as_of.
    tariff = prepare(library, "duda")
    saved = _saved(tariff, EVENTS, date(2020, 1, 15))
    saved.update(billing_anchor="2020-02-20", billing_day=20, billings_done=0)
    assert _billings_done(tariff, saved, date(2020, 3, 1)) == 1  # Feb 20 billed


def test_under_next_month_first_the_rolled_billing_days_are_the_ones_counted(library: Library) -> None:
    # Anchor Jan 31 2020, next_month_first: Jan 31, Mar 1, Mar 31. As of Feb 29 only Jan 31 is done (1);
    # clamped, Feb 29 would be a billing day too.
    tariff = _rolling(library)
    saved = _saved(tariff, ON_THE_31ST, date(2020, 2, 29))
    assert (saved["as_of"], saved["billings_done"]) == ("2020-02-29", 1)
    assert _billings_done(tariff, saved, date(2020, 3, 1)) == 2  # Mar 1 billed
    # One more (2): the next would be Mar 31, 31 days on, and Mar 1 is after Feb 29.
    saved["billings_done"] = 2
    _refused(tariff, saved, "1 billing day (the last on 2020-01-31) falls", date(2020, 3, 1))
    # As of Mar 15: Jan 31 and Mar 1 are done (2), the last one rolled from Feb 31 to Mar 1.
    saved = _saved(tariff, ON_THE_31ST, date(2020, 3, 15))
    assert (saved["as_of"], saved["billings_done"]) == ("2020-03-15", 2)
    saved["billings_done"] = 1
    _refused(tariff, saved, "2 billing days (the last on 2020-03-01) fall", date(2020, 3, 31))


def test_a_rolled_state_whose_only_problem_is_elsewhere_is_not_said_to_miscount(library: Library) -> None:
    # As of Feb 29 under next_month_first: Jan 31 done (1), the next billing day Mar 1. Clamped it would be
    # Feb 29, on as_of: the count is right only because the rule set rolls. Its currency changed, and the
    # refusal names that alone.
    tariff = _rolling(library)
    saved = _saved(tariff, ON_THE_31ST, date(2020, 2, 29))
    saved["currency"] = "EUR"
    with pytest.raises(StateError) as info:
        bill(tariff, ACCOUNT, [], date(2020, 3, 1), load_state(saved))
    assert [(str(d.location), d.code, d.message) for d in info.value.diagnostics] == [
        ("state.currency", "wrong-currency", "the saved state of account a is in EUR, catalog `duda` bills in USD")
    ]

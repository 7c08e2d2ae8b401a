"""An account's own billing day (issue 10, docs/rules.md "billing_day"): refused when its rule set cannot
honour it, located at the account's `billing_day` in a file and at `account.billing_day` from the API, with
a hint; nothing is billed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from billingcore.catalog.model import Period
from billingcore.engine import Account, bill
from billingcore.errors import EventError
from billingcore.events import BuyPlan
from billingcore.scenarios import load_scenario, run_scenario
from inline_catalogs import inline_tariff

ROOT = Path(__file__).resolve().parents[2]
CASE = "tests/errors/events/billing-day-on-a-calendar.yaml"
CATALOG = """
catalog: cal
currency: EUR
rules: {rules}
seller_country: DE
plans:
  - {{id: base, name: Base, rank: 1, versions: [{{available_from: 2020-01-01, prices: {{monthly: "30.00"}}}}]}}
"""
CALENDAR_HINT = "leave billing_day out (or write 1), or bill the account under a rule set with alignment: billing_day"


def _tariff(rules: str) -> Any:
    return inline_tariff("cal", CATALOG.format(rules=rules))


def _refusal(rules: str, billing_day: Any) -> list[tuple[str, str, str, str]]:
    events = [BuyPlan("e1", date(2021, 3, 17), "base", Period.MONTHLY)]
    with pytest.raises(EventError) as info:
        bill(_tariff(rules), Account("acme", "cal", "DE", billing_day=billing_day), events, date(2021, 5, 1))
    return [(str(d.location), d.message, d.code, d.hint) for d in info.value.diagnostics]


def test_a_billing_day_a_calendar_rule_set_cannot_honour_is_refused_at_the_account_in_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    with pytest.raises(EventError) as info:
        run_scenario(load_scenario(CASE))
    assert [(str(d.location), d.message, d.code, d.hint) for d in info.value.diagnostics] == [
        (
            f"{CASE}:12:47",
            "account acme: billing_day 15 cannot be honoured: rule set `lago-calendar` bills on the 1st "
            "(alignment: calendar)",
            "bad-billing-day",
            CALENDAR_HINT,
        )
    ]


def test_from_the_api_the_refusal_names_account_billing_day() -> None:
    assert _refusal("lago-calendar", 15) == [
        (
            "account.billing_day",
            "account acme: billing_day 15 cannot be honoured: rule set `lago-calendar` bills on the 1st "
            "(alignment: calendar)",
            "bad-billing-day",
            CALENDAR_HINT,
        )
    ]
    assert _refusal("wedos", 15) == [
        (
            "account.billing_day",
            "account acme: billing_day 15 cannot be honoured: rule set `wedos` bills on the 1st "
            "(anchor: first_of_month)",
            "bad-billing-day",
            CALENDAR_HINT,
        )
    ]


@pytest.mark.parametrize("day", [0, 32, -1])
def test_a_billing_day_outside_1_to_31_is_refused(day: int) -> None:
    assert _refusal("killbill", day) == [
        (
            "account.billing_day",
            f"account acme: billing_day must be a day of the month from 1 to 31, got {day}",
            "bad-billing-day",
            "days 29-31 fall on a shorter month's last day or the next 1st, by short_month",
        )
    ]


def test_a_billing_day_that_is_not_a_whole_number_is_refused_as_the_wrong_type() -> None:
    assert _refusal("killbill", "15") == [
        ("account.billing_day", "expected a whole number, got the str '15'", "wrong-type", "give an int, 1 to 31")
    ]


def test_the_1st_is_honoured_under_a_calendar_rule_set_and_any_day_under_billing_day_alignment() -> None:
    events = [BuyPlan("e1", date(2021, 3, 17), "base", Period.MONTHLY)]
    on_the_1st = bill(_tariff("lago-calendar"), Account("a", "cal", "DE", billing_day=1), events, date(2021, 4, 1))
    assert [str(d.date) for d in on_the_1st.documents] == ["2021-03-17", "2021-04-01"]
    on_the_20th = bill(_tariff("killbill"), Account("a", "cal", "DE", billing_day=20), events, date(2021, 4, 20))
    # leading part 03-17..03-19 of the period 02-20..03-19 (28 days): 30.00 x 3/28 = 3.21, then from 03-20
    assert [(str(d.date), str(d.net)) for d in on_the_20th.documents] == [
        ("2021-03-17", "3.21"),
        ("2021-03-20", "30.00"),
        ("2021-04-20", "30.00"),
    ]


def test_an_account_keeps_the_billing_day_its_saved_state_bills_on() -> None:
    # Found by review: a different billing_day on resume was silently ignored (the state's day won).
    tariff = _tariff("killbill")
    events = [BuyPlan("e1", date(2021, 3, 17), "base", Period.MONTHLY)]
    first = bill(tariff, Account("acme", "cal", "DE", billing_day=20), events, date(2021, 3, 31))
    again = bill(tariff, Account("acme", "cal", "DE", billing_day=20), [], date(2021, 4, 20), first.state)
    assert [str(d.date) for d in again.documents] == ["2021-04-20"]
    with pytest.raises(EventError) as info:
        bill(tariff, Account("acme", "cal", "DE", billing_day=5), [], date(2021, 4, 20), first.state)
    assert [(str(d.location), d.message, d.code, d.hint) for d in info.value.diagnostics] == [
        (
            "account.billing_day",
            "account acme: billing_day 5, but its saved state bills on day 20",
            "bad-billing-day",
            "an account keeps the billing day it started with: give the state's day, or leave billing_day out",
        )
    ]

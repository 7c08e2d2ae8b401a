"""start_trial with a plan is refused when the trial could not run or convert: an unknown plan, a plan version
without a trial, a period the plan has no price for (on the start day, or on the end day when it converts), a
period without a plan, a second trial, a trial beside a plan. Every problem at once, each at its event with
its hint, and no document; a saved state whose trial the catalog cannot bill is refused at its path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from billingcore.catalog.model import Period
from billingcore.engine import Account, bill
from billingcore.errors import EventError, StateError
from billingcore.events import BuyPlan, StartTrial
from billingcore.scenarios import load_scenario, run_scenario
from billingcore.snapshot import dump_state, load_state
from inline_catalogs import inline_tariff

ROOT = Path(__file__).resolve().parents[2]
CASE = "tests/errors/events/trial-refusals.yaml"


def test_every_start_trial_that_cannot_run_is_reported_at_its_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    with pytest.raises(EventError) as info:
        run_scenario(load_scenario(CASE))
    got = [(str(d.location), d.message, d.code, d.hint) for d in info.value.diagnostics]
    assert got == [
        (
            f"{CASE}:21:5",
            "event e1 (start_trial on 2021-01-02): unknown plan `prro`",
            "bad-event",
            "did you mean `pro`?",
        ),
        (
            f"{CASE}:22:5",
            "event e2 (start_trial on 2021-01-03): plan `basic` has no trial on 2021-01-03",
            "bad-event",
            "plans with a trial on 2021-01-03: pro, team",
        ),
        (
            f"{CASE}:23:5",
            "event e3 (start_trial on 2021-01-04): plan `pro` has no annual price",
            "bad-event",
            "choose a period it has: monthly",
        ),
        (
            f"{CASE}:24:5",
            "event e4 (start_trial on 2021-01-05): a period without a plan: an open-ended trial converts to nothing",
            "bad-event",
            "name the plan the trial is of (`plan:`), or leave out `period`",
        ),
        (  # Team's version of 2021-02-01, in force on the end day (01-10 + 1 month), has no annual price
            f"{CASE}:25:5",
            "event e5 (start_trial on 2021-01-10): plan `team` has no annual price on 2021-02-10, when the trial "
            "converts to it",
            "bad-event",
            "give start_trial a period the plan has then: monthly",
        ),
        (  # e6: a 14-day trial of Pro from 01-11: its last day is 01-24
            f"{CASE}:27:5",
            "event e7 (start_trial on 2021-01-12): the trial e6 of plan `pro` runs until 2021-01-24",
            "bad-event",
            "a trial at a time: buy a plan to end it",
        ),
        (  # e8 bought Pro
            f"{CASE}:29:5",
            "event e9 (start_trial on 2021-01-14): the account already has a plan",
            "bad-event",
            "a trial comes before the plan; change_plan moves to another",
        ),
    ]


NO_TRIAL = """
catalog: trials
currency: EUR
rules: lago
seller_country: DE
plans:
  - id: pro
    name: Pro
    rank: 1
    versions: [{available_from: 2020-01-01, prices: {monthly: "29.00"}, trial: {days: 14}}]
"""


def test_a_plan_without_a_trial_in_the_catalog_refuses_it_with_how_to_give_one() -> None:
    text = NO_TRIAL.replace(", trial: {days: 14}", "")
    tariff = inline_tariff("trials", text)
    with pytest.raises(EventError) as info:
        bill(tariff, Account("a", "trials", "DE"), [StartTrial("t", date(2021, 3, 1), "pro")], date(2021, 3, 1))
    [problem] = info.value.diagnostics
    assert (problem.message, problem.hint) == (
        "event t (start_trial on 2021-03-01): plan `pro` has no trial on 2021-03-01",
        "give the plan version a length (`trial: {days: 14}`, docs/plans.md), or leave out `plan` for an open-ended "
        "trial",
    )


def test_a_saved_trial_the_catalog_can_no_longer_convert_is_refused_at_its_path() -> None:
    # The state saved during a 14-day trial of Pro (monthly); the catalog it resumes with has dropped Pro's
    # monthly price, and another has no Pro at all: each is named at state.trial.
    tariff = inline_tariff("trials", NO_TRIAL)
    account = Account("a", "trials", "DE")
    saved = dump_state(bill(tariff, account, [StartTrial("t", date(2021, 3, 1), "pro")], date(2021, 3, 5)).state)
    assert saved["trial"] == {"cause": "t", "plan": "pro", "period": "monthly", "ends": "2021-03-15"}
    annual = NO_TRIAL.replace('{monthly: "29.00"}', '{annual: "290.00"}')
    renamed = NO_TRIAL.replace("id: pro\n    name: Pro", "id: max\n    name: Max")
    found = []
    for text in (annual, renamed):
        changed = inline_tariff("trials", text)
        with pytest.raises(StateError) as info:
            bill(changed, account, [], date(2021, 4, 1), load_state(saved))
        found += [(str(d.location), d.message, d.code) for d in info.value.diagnostics]
    assert found == [
        (
            "state.trial.period",
            "saved state of account a: plan `pro` has no monthly price on 2021-03-15, when the trial converts",
            "bad-state",
        ),
        ("state.trial.plan", "saved state of account a: a trial of `pro`, not in catalog `trials`", "bad-state"),
    ]


def test_a_damaged_trial_in_a_saved_state_is_refused_at_its_fields() -> None:
    tariff = inline_tariff("trials", NO_TRIAL)
    saved = dump_state(
        bill(tariff, Account("a", "trials", "DE"), [StartTrial("t", date(2021, 3, 1), "pro")], date(2021, 3, 5)).state
    )
    saved["trial"] = {"cause": "t", "plan": "pro", "period": "fortnightly", "ends": "2021-3-15"}
    with pytest.raises(StateError) as info:
        load_state(saved)
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [
        ("state.trial.ends", 'saved state of account a: expected a date "YYYY-MM-DD", got the string "2021-3-15"'),
        (
            "state.trial.period",
            'saved state of account a: expected one of "daily", "weekly", "biweekly", "monthly", "quarterly", '
            '"semiannual", "annual", "biennial" or every N days / weeks / months / years, got the string "fortnightly"',
        ),
    ]


def test_a_trial_event_built_in_python_has_its_plan_and_period_types_checked() -> None:
    tariff = inline_tariff("trials", NO_TRIAL)
    wrong = StartTrial("t", date(2021, 3, 1), "pro", "monthly")  # type: ignore[arg-type]
    with pytest.raises(EventError) as info:
        bill(tariff, Account("a", "trials", "DE"), [wrong], date(2021, 3, 1))
    assert [(str(d.location), d.message, d.hint) for d in info.value.diagnostics] == [
        (
            "events[0].period",
            "event t (start_trial): period: expected a Period, got the str 'monthly'",
            "give Period.MONTHLY",
        )
    ]


NEW_PRICES = """
catalog: trials
currency: EUR
rules: lago
seller_country: DE
plans:
  - id: pro
    name: Pro
    rank: 1
    versions:
      - {available_from: 2020-01-01, prices: {monthly: "29.00", annual: "290.00"}, trial: {days: 14}}
      - {available_from: 2021-03-10, prices: {monthly: "29.00", quarterly: "80.00"}}
"""


def test_the_hint_for_a_period_gone_by_the_end_day_lists_every_period_the_plan_has_then() -> None:
    # A 14-day trial from Mar 1: its end day is Mar 1 + 14 = Mar 15. The version in force then (from Mar 10)
    # has monthly and quarterly, in that order, and no annual: the hint names both, ", " between them.
    tariff = inline_tariff("trials", NEW_PRICES)
    trial = StartTrial("t", date(2021, 3, 1), "pro", Period.ANNUAL)
    with pytest.raises(EventError) as info:
        bill(tariff, Account("a", "trials", "DE"), [trial], date(2021, 3, 1))
    assert [(d.message, d.hint) for d in info.value.diagnostics] == [
        (
            "event t (start_trial on 2021-03-01): plan `pro` has no annual price on 2021-03-15, when the trial "
            "converts to it",
            "give start_trial a period the plan has then: monthly, quarterly",
        )
    ]


def test_a_saved_trial_that_is_no_trial_record_is_refused_at_state_trial_itself() -> None:
    # What is wrong is the value under `trial` as a whole (not one of its fields): the path is state.trial,
    # nothing after it.
    tariff = inline_tariff("trials", NO_TRIAL)
    saved = dump_state(
        bill(tariff, Account("a", "trials", "DE"), [StartTrial("t", date(2021, 3, 1), "pro")], date(2021, 3, 5)).state
    )
    found = []
    for damaged in ("2021-03-15", {"cause": "t", "plan": "pro", "period": "monthly"}):
        with pytest.raises(StateError) as info:
            load_state({**saved, "trial": damaged})
        found += [(str(d.location), d.message) for d in info.value.diagnostics]
    assert found == [
        ("state.trial", 'saved state of account a: expected a mapping, got the string "2021-03-15"'),
        ("state.trial", 'saved state of account a: missing key "ends"'),
    ]


def test_a_saved_trial_beside_a_running_plan_is_refused_at_state_trial() -> None:
    # A state saved with Pro bought on Mar 1 (running), given a trial of Pro by hand: a purchase ends the
    # trial, so no state bill wrote has both. The trial as a whole is wrong: the path is state.trial.
    tariff = inline_tariff("trials", NO_TRIAL)
    account = Account("a", "trials", "DE")
    bought = [BuyPlan("p", date(2021, 3, 1), "pro", Period.MONTHLY)]
    saved = dump_state(bill(tariff, account, bought, date(2021, 3, 5)).state)
    saved["trial"] = {"cause": "t", "plan": "pro", "period": "monthly", "ends": "2021-03-15"}
    with pytest.raises(StateError) as info:
        bill(tariff, account, [], date(2021, 4, 1), load_state(saved))
    assert [(str(d.location), d.message, d.code) for d in info.value.diagnostics] == [
        (
            "state.trial",
            "saved state of account a: a trial of `pro` is running beside a plan, which a purchase would have ended",
            "bad-state",
        )
    ]

"""Trials with a length (features/trials.py): when a trial ends, what its conversion bills and under which
cause, what `stop` tells the host, when a plan bought during the trial starts (trial.purchase), the saved
state (format 4, and format 3 read as "no trial running"), and the engine's hook for a feature's own date.
Every amount and date is computed by hand in the comment above it; the plans cost whole amounts, and the
customer is in the US (0 % VAT), so the amounts are the prices."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

from billingcore.catalog.loader import load_texts
from billingcore.catalog.model import Period
from billingcore.catalog.rules import AtTrialEnd, TrialPurchase
from billingcore.charges import Charge, InvoiceGroup
from billingcore.documents import LineKind, Notice
from billingcore.engine import Account, Result, State, bill, make_tariff
from billingcore.errors import EventError, StateError
from billingcore.events import AddItem, BuyPlan, Cancel, ChangePlan, StartTrial
from billingcore.features import FEATURES
from billingcore.features.base import Feature, Outcome, Problem, TrialStarted, View
from billingcore.snapshot import dump_state, load_state

ROOT = Path(__file__).resolve().parents[2]
M, A = Period.MONTHLY, Period.ANNUAL
CATALOG = """
catalog: saas
currency: EUR
rules: duda
seller_country: DE
plans:
  - id: basic
    name: Basic
    rank: 1
    versions: [{available_from: 2020-01-01, prices: {monthly: "10.00", annual: "100.00"}, trial: {days: 14}}]
  - id: pro
    name: Pro
    rank: 2
    versions: [{available_from: 2020-01-01, prices: {monthly: "30.00"}, included: {seat: 1}, trial: {months: 1}}]
products:
  - {id: seat, name: Seat, kind: seat, prices: {monthly: "5.00"}}
"""
RULES = {f"rules/{n}": (ROOT / "rules" / n).read_text() for n in os.listdir(ROOT / "rules")}
LIBRARY = load_texts({**RULES, "plans/saas.yaml": CATALOG})
ACCOUNT = Account("a", "saas", "US")


def _bill(
    events: list[Any], until: date, rule_set: str = "duda", state: State | None = None, **trial: Any
) -> Result:
    """Bill the saas catalog under `rule_set` (duda: the first plan purchase fixes the billing day), with
    some of its trial rules changed."""
    rules = LIBRARY.rule_sets[rule_set]
    if trial:
        rules = attrs.evolve(rules, trial=attrs.evolve(rules.trial, **trial))
    tariff = make_tariff(LIBRARY.catalog("saas"), rules, LIBRARY.vat)  # type: ignore[arg-type]
    return bill(tariff, ACCOUNT, events, until, state)


def _lines(result: Result) -> list[tuple[str, str, str, str, str, str, str]]:
    return [
        (d.number, ln.item, ln.description, str(ln.amount), str(ln.period_start), str(ln.period_end), ln.cause)
        for d in result.documents
        for ln in d.lines
    ]


def _trial(result: Result) -> Any:
    return dump_state(result.state)["trial"]


@pytest.mark.parametrize(
    ("plan", "start", "ends"),
    [
        ("basic", date(2021, 3, 10), "2021-03-24"),  # 14 days: 03-10..03-23, the end day 03-24
        ("basic", date(2021, 12, 25), "2022-01-08"),  # across the year's end
        ("pro", date(2021, 1, 15), "2021-02-15"),  # a month: the same day of the next month
        ("pro", date(2021, 1, 31), "2021-02-28"),  # no Feb 31: clamped to the month's last day
        ("pro", date(2024, 1, 31), "2024-02-29"),  # a leap year's February
    ],
)
def test_a_trial_ends_its_length_after_its_start(plan: str, start: date, ends: str) -> None:
    period = "monthly"  # both plans' first price
    assert _trial(_bill([StartTrial("t", start, plan)], start)) == {
        "cause": "t",
        "plan": plan,
        "period": period,
        "ends": ends,
    }


def test_a_trial_that_ends_without_a_plan_converts_on_its_end_day_caused_by_the_start_trial_event() -> None:
    # Basic's 14 days from Mar 10: the end day is Mar 24. The conversion buys Basic monthly (its first price) on
    # Mar 24 as t1 would: Mar 24 - Apr 23, 10.00, cause t1. Under Duda rules it is the first plan purchase, so
    # the billing day is the 24th and the term is invoiced that day; it renews Apr 24.
    result = _bill([StartTrial("t1", date(2021, 3, 10), "basic")], date(2021, 4, 24))
    assert _lines(result) == [
        ("a-20210324-monthly", "plan", "Basic plan (monthly)", "10.00", "2021-03-24", "2021-04-23", "t1"),
        ("a-20210424-monthly", "plan", "Basic plan (monthly)", "10.00", "2021-04-24", "2021-05-23", "renewal"),
    ]
    assert (result.state.billing_anchor, result.state.billing_day) == (date(2021, 3, 24), 24)
    assert _trial(result) is None
    assert result.notices == ()


def test_the_day_before_the_end_day_the_trial_still_runs_and_nothing_is_billed() -> None:
    result = _bill([StartTrial("t1", date(2021, 3, 10), "basic")], date(2021, 3, 23))
    assert (result.documents, result.state.contracts) == ((), ())
    assert _trial(result)["ends"] == "2021-03-24"


def test_a_trial_converts_to_the_period_its_start_trial_named() -> None:
    # Basic annual from Mar 24, 2021: 100.00 for Mar 24, 2021 - Mar 23, 2022, on the annual invoice.
    result = _bill([StartTrial("t1", date(2021, 3, 10), "basic", A)], date(2021, 3, 24))
    assert _lines(result) == [
        ("a-20210324-annual", "plan", "Basic plan (annual)", "100.00", "2021-03-24", "2022-03-23", "t1"),
    ]


def test_items_added_during_the_trial_take_the_slots_of_the_plan_it_converts_to() -> None:
    # Pro (1 seat included) from Jan 15 for a month: the end day is Feb 15. alice and bob were added during the
    # trial: at the conversion alice takes the slot, bob pays 5.00 a month from Feb 15, cause t1 like the plan.
    events = [
        StartTrial("t1", date(2021, 1, 15), "pro"),
        AddItem("s1", date(2021, 1, 20), "seat", "alice"),
        AddItem("s2", date(2021, 1, 21), "seat", "bob"),
    ]
    assert _lines(_bill(events, date(2021, 2, 15))) == [
        ("a-20210215-monthly", "seat:alice", "Seat alice (included in plan)", "0.00", "2021-02-15", "2021-03-14",
         "billing_day"),
        ("a-20210215-monthly", "plan", "Pro plan (monthly)", "30.00", "2021-02-15", "2021-03-14", "t1"),
        ("a-20210215-monthly", "seat:bob", "Seat bob (monthly)", "5.00", "2021-02-15", "2021-03-14", "t1"),
    ]  # fmt: skip


def test_a_trial_that_stops_tells_the_host_and_leaves_the_account_without_a_plan() -> None:
    # trial.at_end: stop. Pro's month from Jan 31 ends on Feb 28 (clamped): its last day is Feb 27.
    result = _bill([StartTrial("t1", date(2021, 1, 31), "pro")], date(2021, 3, 31), at_end=AtTrialEnd.STOP)
    assert result.notices == (
        Notice(
            date(2021, 2, 28),
            "a",
            "trial_ended",
            "the trial of plan `pro` (start_trial t1) ended on 2021-02-27 without a plan bought: the account has no "
            "plan (trial.at_end: stop)",
        ),
    )
    assert (result.documents, result.state.contracts, _trial(result)) == ((), (), None)
    assert result.state.billing_anchor is None  # under Duda rules only a plan purchase fixes the billing day


def test_a_plan_bought_during_the_trial_ends_it_and_is_billed_from_its_purchase_day() -> None:
    # trial.purchase: ends_trial (the default). Pro bought on Mar 15 in Basic's trial (end day Mar 24): 30.00
    # for Mar 15 - Apr 14, billed on Mar 15 (the first purchase fixes the billing day); the trial is over, so
    # nothing converts to Basic on Mar 24.
    events = [StartTrial("t1", date(2021, 3, 10), "basic"), BuyPlan("b", date(2021, 3, 15), "pro", M)]
    assert _trial(_bill(events, date(2021, 3, 15))) is None
    result = _bill(events, date(2021, 4, 14))
    assert _lines(result) == [
        ("a-20210315-monthly", "plan", "Pro plan (monthly)", "30.00", "2021-03-15", "2021-04-14", "b"),
    ]
    assert [c.product for c in result.state.contracts] == ["pro"]


def test_a_plan_bought_during_the_trial_starts_on_its_end_day_under_after_trial() -> None:
    # trial.purchase: after_trial. Pro bought on Mar 15 in Basic's trial (end day Mar 24): its first term runs
    # Mar 24 - Apr 23, its charge is due Mar 24 and the plan counts as bought on Mar 24, which fixes the billing
    # day (Duda rules): 30.00 invoiced on Mar 24, cause b. Nothing converts to Basic.
    events = [StartTrial("t1", date(2021, 3, 10), "basic"), BuyPlan("b", date(2021, 3, 15), "pro", M)]
    early = _bill(events, date(2021, 3, 15), purchase=TrialPurchase.AFTER_TRIAL)
    [plan] = early.state.contracts
    assert (plan.product, plan.started, plan.bought, plan.term_start, plan.term_end) == (
        "pro", date(2021, 3, 24), date(2021, 3, 24), date(2021, 3, 24), date(2021, 4, 24)
    )  # fmt: skip
    assert (early.documents, early.state.billing_anchor, _trial(early)) == ((), date(2021, 3, 24), None)
    result = _bill(events, date(2021, 4, 24), purchase=TrialPurchase.AFTER_TRIAL)
    assert _lines(result) == [
        ("a-20210324-monthly", "plan", "Pro plan (monthly)", "30.00", "2021-03-24", "2021-04-23", "b"),
        ("a-20210424-monthly", "plan", "Pro plan (monthly)", "30.00", "2021-04-24", "2021-05-23", "renewal"),
    ]


@pytest.mark.parametrize("purchase", list(TrialPurchase))
def test_a_plan_bought_on_the_end_day_is_an_ordinary_purchase_before_the_conversion(purchase: TrialPurchase) -> None:
    # The day's events come before the trial's end: Pro bought on Mar 24 is billed from Mar 24 under either rule,
    # and Basic is not bought.
    events = [StartTrial("t1", date(2021, 3, 10), "basic"), BuyPlan("b", date(2021, 3, 24), "pro", M)]
    assert _lines(_bill(events, date(2021, 3, 24), purchase=purchase)) == [
        ("a-20210324-monthly", "plan", "Pro plan (monthly)", "30.00", "2021-03-24", "2021-04-23", "b"),
    ]


def test_an_open_ended_trial_is_as_before_it_never_ends_and_keeps_no_state() -> None:
    result = _bill([StartTrial("t", date(2021, 3, 10))], date(2022, 3, 10))
    assert (result.documents, result.notices, result.state.contracts, _trial(result)) == ((), (), (), None)


def test_a_trial_resumed_from_its_saved_state_converts_as_in_one_run() -> None:
    one_run = _bill([StartTrial("t1", date(2021, 3, 10), "basic")], date(2021, 4, 24))
    mid_trial = _bill([StartTrial("t1", date(2021, 3, 10), "basic")], date(2021, 3, 20)).state
    saved = json.loads(json.dumps(dump_state(mid_trial)))  # as a host keeps it
    assert saved["trial"] == {"cause": "t1", "plan": "basic", "period": "monthly", "ends": "2021-03-24"}
    resumed = _bill([], date(2021, 4, 24), state=load_state(saved))
    assert resumed.documents == one_run.documents
    assert dump_state(resumed.state) == dump_state(one_run.state)


def test_the_conversion_drops_a_downgrade_left_waiting_by_a_cancelled_plan() -> None:
    # Pro from Jan 10; on Jan 20 a downgrade to Basic waits for the term end (Duda: at_term_end); Pro is
    # cancelled on Jan 25, the downgrade still waiting in the state. A trial of Pro from Feb 1 (a month: the end
    # day Mar 1) converts to Pro monthly, Mar 1 - Mar 31, billed on the billing day Jan 10 fixed: Mar 10. It
    # renews on Apr 1 as Pro (billed Apr 10): the old downgrade is gone.
    events = [
        BuyPlan("p", date(2021, 1, 10), "pro", M),
        ChangePlan("down", date(2021, 1, 20), "basic", M),
        Cancel("c", date(2021, 1, 25), "plan"),
        StartTrial("t1", date(2021, 2, 1), "pro"),
    ]
    assert dump_state(_bill(events, date(2021, 2, 28)).state)["downgrade"] is not None
    result = _bill(events, date(2021, 4, 10))
    assert dump_state(result.state)["downgrade"] is None
    assert [line for line in _lines(result) if line[6] in ("t1", "renewal")] == [
        ("a-20210310-monthly", "plan", "Pro plan (monthly)", "30.00", "2021-03-01", "2021-03-31", "t1"),
        ("a-20210410-monthly", "plan", "Pro plan (monthly)", "30.00", "2021-04-01", "2021-04-30", "renewal"),
    ]


# -- the saved state's format ---------------------------------------------------------------------------


def test_a_format_3_state_loads_as_one_without_a_trial_running_and_bills_on() -> None:
    # A state billingcore wrote before trials had a length (format 3: no `trial`, `components`, `coupons`,
    # `accounts`; its event ids a list) is read as format 8 with no trial running and its ids dated on its own
    # date: the same State but for those dates, and resumed it bills as one run does.
    events = [BuyPlan("p", date(2021, 1, 10), "pro", M), AddItem("s", date(2021, 1, 12), "seat", "alice")]
    saved = dump_state(_bill(events, date(2021, 1, 31)).state)
    assert (saved["format"], saved["trial"], saved["components"], saved["coupons"]) == (8, None, [], [])
    lacked = ("trial", "components", "coupons", "accounts")
    old = {key: value for key, value in saved.items() if key not in lacked} | {"format": 3, "event_ids": ["p", "s"]}
    on_its_date = {"p": date(2021, 1, 31), "s": date(2021, 1, 31)}
    assert load_state(old) == load_state(saved)._replace(event_ids=on_its_date)
    resumed = _bill([], date(2021, 3, 10), state=load_state(old))
    assert resumed.documents == _bill(events, date(2021, 3, 10)).documents[1:]


def test_a_format_3_state_is_read_by_its_own_keys() -> None:
    # A `trial` key in a format 3 state is one dump_state of that format never wrote; a key format 3 had is
    # still missing when it is absent.
    saved = dump_state(_bill([BuyPlan("p", date(2021, 1, 10), "pro", M)], date(2021, 1, 31)).state)
    saved["event_ids"] = list(saved["event_ids"])  # as format 3 wrote them
    with pytest.raises(StateError) as info:
        load_state({**saved, "format": 3})
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [
        ("state", 'saved state of account a: unknown key "accounts"'),
        ("state", 'saved state of account a: unknown key "components"'),
        ("state", 'saved state of account a: unknown key "coupons"'),
        ("state", 'saved state of account a: unknown key "trial"'),
    ]
    gone = ("trial", "components", "coupons", "accounts", "items")
    old = {k: v for k, v in saved.items() if k not in gone} | {"format": 3}
    with pytest.raises(StateError) as info:
        load_state(old)
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [
        ("state", 'saved state of account a: missing key "items"')
    ]


# -- a feature's own date, as the engine applies it --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FeeDue:
    """An event of the `fees` feature's own: its date has come."""

    TYPE: ClassVar[str] = "fee_due"
    id: str
    date: date
    src: None = None


FEE_DAY = date(2021, 3, 5)


def _fees(problem: Problem | None = None) -> Feature:
    """A feature that charges a 5.00 setup fee on Mar 5 as a change (it lands by proration.lands) and tells the
    host about it with a notice; or, given a problem, refuses."""

    def fee(view: View, e: FeeDue) -> Outcome:
        if problem is not None:
            return Outcome(problem=problem)
        charge = Charge(
            "fee", "Setup fee", LineKind.ONE_OFF, InvoiceGroup.MONTHLY, e.date, None, None, Decimal(1),
            Decimal("5.00"), Decimal("5.00"), "setup fee: 5.00", e.id,
        )  # fmt: skip
        return Outcome(changes=(charge,), signals=(Notice(e.date, view.account.id, "fee", "a setup fee"),))

    def next_date(view: View) -> date | None:
        return FEE_DAY

    def on_date(view: View, day: date) -> FeeDue | None:
        return FeeDue("fee-1", day) if day == FEE_DAY else None

    return Feature(name="fees", next_date=next_date, on_date=on_date, own_events={FeeDue: fee})


def test_a_features_own_event_is_applied_like_an_event_its_id_naming_the_interim_document() -> None:
    # Lago lands a change on an interim invoice at once: dated Mar 5, numbered after the own event's id.
    catalog = LIBRARY.catalog("saas")
    tariff = make_tariff(catalog, LIBRARY.rule_sets["lago"], LIBRARY.vat, (*FEATURES, _fees()))  # type: ignore[arg-type]
    result = bill(tariff, ACCOUNT, [], date(2021, 3, 31))
    assert [(d.number, str(d.date), str(d.gross), d.lines[0].cause) for d in result.documents] == [
        ("a-interim-fee-1", "2021-03-05", "5.00", "fee-1")
    ]
    assert result.notices == (Notice(FEE_DAY, "a", "fee", "a setup fee"),)


def test_a_features_own_event_that_fails_is_an_error_at_its_id() -> None:
    catalog = LIBRARY.catalog("saas")
    fees = _fees(Problem("no fee today", "try tomorrow"))
    tariff = make_tariff(catalog, LIBRARY.rule_sets["lago"], LIBRARY.vat, (*FEATURES, fees))  # type: ignore[arg-type]
    with pytest.raises(EventError) as info:
        bill(tariff, ACCOUNT, [], date(2021, 3, 31))
    assert [(d.location, d.message, d.hint, d.code) for d in info.value.diagnostics] == [
        (None, "event fee-1 (fee_due on 2021-03-05): no fee today", "try tomorrow", "bad-event")
    ]


def test_a_reaction_to_the_start_of_a_trial_with_a_plan_bills_under_the_start_trial_event() -> None:
    # A feature outside the package bills a 5.00 trial fee when a trial starts, caused by the event that
    # started it (TrialStarted's cause). Under Lago rules the change lands at once: an interim invoice dated
    # Mar 10, numbered after t1, its line caused by t1 (0 % VAT for the US customer: 5.00 gross).
    def trial_fee(view: View, signal: TrialStarted) -> Outcome:
        charge = Charge(
            "trial_fee", "Trial fee", LineKind.ONE_OFF, InvoiceGroup.MONTHLY, signal.day, None, None, Decimal(1),
            Decimal("5.00"), Decimal("5.00"), "trial fee: 5.00", signal.cause,
        )  # fmt: skip
        return Outcome(changes=(charge,))

    fees = Feature(name="trial_fees", signals={TrialStarted: trial_fee})
    catalog = LIBRARY.catalog("saas")
    tariff = make_tariff(catalog, LIBRARY.rule_sets["lago"], LIBRARY.vat, (*FEATURES, fees))  # type: ignore[arg-type]
    result = bill(tariff, ACCOUNT, [StartTrial("t1", date(2021, 3, 10), "basic")], date(2021, 3, 10))
    assert [(d.number, str(d.date), str(d.gross), d.lines[0].cause) for d in result.documents] == [
        ("a-interim-t1", "2021-03-10", "5.00", "t1")
    ]


def test_own_events_never_come_from_a_host() -> None:
    # A host cannot bill a trial's end (or any feature's own event) by passing it: it is not an event class a
    # host may build (eventtypes accepts only the attrs event classes).
    from billingcore.features.trials import TrialEnds

    with pytest.raises(EventError) as info:
        _bill([TrialEnds("t1", date(2021, 3, 24))], date(2021, 3, 24))
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [
        ("events[0]", "expected an event, got a TrialEnds")
    ]


def test_billingcore_run_prints_a_stopped_trials_notice_after_the_documents(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from billingcore.cli import main

    monkeypatch.chdir(ROOT)
    assert main(["run", "tests/scenarios/trials/stop-notice.yaml"]) == 0
    assert capsys.readouterr().out.splitlines(keepends=True)[-2:] == [
        "\n",
        "2021-02-28  notice trial_ended: the trial of plan `pro` (start_trial t1) ended on 2021-02-27 without a plan "
        "bought: the account has no plan (trial.at_end: stop)\n",
    ]

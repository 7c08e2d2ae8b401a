"""Trials with a length over generated catalogs and accounts, under every shipped rule set (docs/rules.md
"trial"): a trial that converts bills exactly what buying its plan on the trial's end day bills, and a
saved state taken on any day (during the trial, on its end day, after it) resumes to the documents of one
full run, under each trial.at_end and trial.purchase rule, with or without a plan bought on some day.

The catalogs come from properties.strategies.catalogs, each plan version given a `trial:` length (days or
months, the extremes now and then); sites published during the trial wait for the plan's included slots."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billingcore.catalog.loader import load_texts
from billingcore.catalog.model import Period
from billingcore.catalog.rules import AtTrialEnd, TrialPurchase
from billingcore.documents import document_json
from billingcore.engine import Account, Result, Tariff, bill, make_tariff
from billingcore.events import BuyPlan, PublishSite, StartTrial
from billingcore.snapshot import dump_state, load_state
from properties.strategies import (
    CATALOG_ID,
    SHIPPED_RULE_SETS,
    CatalogSpec,
    accounts,
    add_months,
    catalogs,
    first_days,
    per_rule_set,
    rule_texts,
)

PER_RULE_SET = per_rule_set(everyday=15, deep_share=5)
every_rule_set = pytest.mark.parametrize("rule_set", SHIPPED_RULE_SETS)


@attrs.frozen
class TrialCase:
    spec: CatalogSpec
    yaml: str
    account: Account
    start: date
    plan: str
    period: Period | None  # None: the plan version's first price
    ends: date  # the trial's end day, computed here from its length (docs/rules.md "trial")
    sites: tuple[tuple[str, date], ...]  # published during the trial, without a period


@st.composite
def trial_cases(draw: Any, rule_set: str) -> TrialCase:
    start = draw(first_days())
    spec = draw(catalogs(around=start))
    unit = draw(st.sampled_from(["days", "months"]))
    longest = 366 if unit == "days" else 24
    length = draw(st.one_of(st.integers(1, 45 if unit == "days" else 3), st.just(longest)))
    # Every plan version gets the same trial; versions are rendered one `prices:` line each.
    yaml = re.sub(r"(?m)^(        prices: .*)$", rf"\1\n        trial: {{{unit}: {length}}}", spec.yaml(rule_set))
    plan = draw(st.sampled_from(spec.plans))
    period = draw(st.one_of(st.none(), st.sampled_from(plan.periods).map(Period)))
    ends = start + timedelta(days=length) if unit == "days" else add_months(start, length)
    days = st.integers(0, (ends - start).days - 1).map(lambda d: start + timedelta(days=d))
    published = sorted(draw(st.lists(days, max_size=3)))
    sites = tuple((f"s{i + 1}", day) for i, day in enumerate(published))
    return TrialCase(spec, yaml, draw(accounts(spec.seller_country)), start, plan.id, period, ends, sites)


def _tariff(case: TrialCase, rule_set: str, **trial: Any) -> Tariff:
    texts = rule_texts()
    library = load_texts(
        {"rules/vat.yaml": texts["rules/vat.yaml"], f"rules/{rule_set}.yaml": texts[f"rules/{rule_set}.yaml"],
         "plans/gen.yaml": case.yaml}
    )  # fmt: skip
    rules = library.rule_sets[rule_set]
    rules = attrs.evolve(rules, trial=attrs.evolve(rules.trial, **trial))
    return make_tariff(library.catalogs[CATALOG_ID], rules, library.vat)  # type: ignore[arg-type]


def _publishes(case: TrialCase) -> list[PublishSite]:
    return [PublishSite(f"p-{name}", day, name) for name, day in case.sites]


def _docs(result: Result) -> list[dict[str, Any]]:
    return [document_json(d) for d in result.documents]


@every_rule_set
@PER_RULE_SET
@given(st.data())
def test_a_converted_trial_bills_what_buying_its_plan_on_the_end_day_bills(rule_set: str, data: st.DataObject) -> None:
    """The conversion buys the trial's plan "as if the trial event had bought it on the end day": the same
    documents, lines, causes and numbers as an open-ended trial and a buy_plan with the start_trial's id on
    the end day, and the same contracts and charges waiting."""
    case = data.draw(trial_cases(rule_set), label="case")
    tariff = _tariff(case, rule_set, at_end=AtTrialEnd.CONVERT)
    until = case.ends + timedelta(days=data.draw(st.integers(0, 120), label="days after the end"))
    first = next(iter(case.spec.plan(case.plan).version_on(case.start).prices))
    converted = bill(
        tariff, case.account, [StartTrial("t1", case.start, case.plan, case.period), *_publishes(case)], until
    )
    bought = bill(
        tariff,
        case.account,
        [
            StartTrial("x", case.start),
            *_publishes(case),
            BuyPlan("t1", case.ends, case.plan, case.period or Period(first)),
        ],
        until,
    )
    assert _docs(converted) == _docs(bought)
    assert (converted.state.contracts, converted.state.pending) == (bought.state.contracts, bought.state.pending)
    assert dump_state(converted.state)["trial"] is None


@every_rule_set
@PER_RULE_SET
@given(st.data())
def test_resuming_a_trial_from_a_saved_state_equals_one_full_run(rule_set: str, data: st.DataObject) -> None:
    case = data.draw(trial_cases(rule_set), label="case")
    at_end = data.draw(st.sampled_from(list(AtTrialEnd)), label="at_end")
    purchase = data.draw(st.sampled_from(list(TrialPurchase)), label="purchase")
    tariff = _tariff(case, rule_set, at_end=at_end, purchase=purchase)
    until = case.ends + timedelta(days=data.draw(st.integers(0, 90), label="days after the end"))
    events: list[Any] = [StartTrial("t1", case.start, case.plan, case.period), *_publishes(case)]
    if data.draw(st.booleans(), label="a plan bought"):
        # During the trial, or (when it stops) after it; a converted trial already has its plan.
        last = case.ends - timedelta(days=1) if at_end is AtTrialEnd.CONVERT else until
        day = case.start + timedelta(days=data.draw(st.integers(0, (last - case.start).days), label="bought"))
        plan = data.draw(st.sampled_from(case.spec.plans), label="plan")
        period = Period(data.draw(st.sampled_from(plan.periods), label="period"))
        # Sites published without a period wait during the trial; a plan running takes them or refuses them.
        events = [e for e in events if e.date < day] + [BuyPlan("b", day, plan.id, period)]
    split = case.start + timedelta(days=data.draw(st.integers(0, (until - case.start).days), label="split"))
    full = bill(tariff, case.account, events, until)
    first = bill(tariff, case.account, [e for e in events if e.date <= split], split)
    saved = json.loads(json.dumps(dump_state(first.state)))  # the state survives JSON
    second = bill(tariff, case.account, [e for e in events if e.date > split], until, load_state(saved))
    assert _docs(first) + _docs(second) == _docs(full)
    assert first.notices + second.notices == full.notices
    assert dump_state(second.state) == dump_state(full.state)
    # A stopped trial tells the host, unless a plan bought by its end day (the day's events come first) ended it.
    ended_by_purchase = any(isinstance(e, BuyPlan) and e.date <= case.ends for e in events)
    stopped = at_end is AtTrialEnd.STOP and not ended_by_purchase
    assert [n.code for n in full.notices] == (["trial_ended"] if stopped else [])

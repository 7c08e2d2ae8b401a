"""Changes inside the renewal lead window (docs/rules.md "renewal", lead_days): a contract whose renewal was
charged ahead and that is cancelled or changed before its new term begins gets the new term credited in
full and the running term's unused part credited as without lead days. So an account whose contracts all
end bills in total (the sum of its documents' nets) exactly what it bills with lead_days 0, whatever day
in or out of the window each change falls on; and a run resumed from a state saved inside a window is one
run. Both rule sets that can renew ahead are checked: WEDOS's (credit notes, the 1st as billing day) and
Duda's with a lead of 10 (negative lines on the next billing day, the purchase day as billing day)."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billingcore.catalog.loader import load_texts
from billingcore.catalog.model import Period
from billingcore.dates import add_months
from billingcore.documents import document_json
from billingcore.engine import Account, Result, State, Tariff, bill, make_tariff
from billingcore.events import BuyPlan, Cancel, ChangePlan, Event, PublishSite
from billingcore.snapshot import dump_state, load_state

ROOT = Path(__file__).resolve().parents[2]
CATALOG = """
catalog: ahead
currency: CZK
rules: wedos
seller_country: CZ
plans:
  - {id: hosting, name: Hosting, rank: 1,
     versions: [{available_from: 2020-01-01, prices: {monthly: "100.00", annual: "1000.00"}}]}
  - {id: pro, name: Pro, rank: 2,
     versions: [{available_from: 2020-01-01, prices: {monthly: "200.00", annual: "2000.00"}}]}
products:
  - {id: site, name: Website, kind: site, prices: {monthly: "50.00", annual: "500.00"}}
"""
RULES = {f"rules/{n}": (ROOT / "rules" / n).read_text() for n in os.listdir(ROOT / "rules")}
LIBRARY = load_texts({**RULES, "plans/ahead.yaml": CATALOG})
START = date(2021, 3, 1)
PERIODS = (Period.MONTHLY, Period.ANNUAL)


def _tariff(rule_set: str, lead_days: int) -> Tariff:
    rules = LIBRARY.rule_sets[rule_set]
    rules = attrs.evolve(rules, renewal=attrs.evolve(rules.renewal, lead_days=lead_days))
    return make_tariff(LIBRARY.catalog("ahead"), rules, LIBRARY.vat)  # type: ignore[arg-type]


# (rule set, its lead, the same rule set with lead 0)
TARIFFS = {name: (_tariff(name, 10), _tariff(name, 0)) for name in ("wedos", "duda")}
ACCOUNT = Account("brno", "ahead", "CZ")


@st.composite
def near_a_term_end(draw: st.DrawFn, start: date, period: Period) -> date:
    """A day from 12 days before to the day of the end of one of the first terms of a contract started on
    `start`: most such days are inside the lead window (10 days), some on its first day or just before."""
    terms = draw(st.integers(1, 2 if period is Period.ANNUAL else 4))
    return add_months(start, terms * period.months, start.day) - timedelta(days=draw(st.integers(0, 12)))


@st.composite
def timelines(draw: st.DrawFn) -> list[Event]:
    """A plan (changed once, maybe) and a paid site, each cancelled on a day near one of its term ends."""
    bought = START + timedelta(days=draw(st.integers(0, 30)))
    plan_period, site_period = draw(st.sampled_from(PERIODS)), draw(st.sampled_from(PERIODS))
    events: list[Event] = [BuyPlan("buy", bought, "hosting", plan_period)]
    published = bought + timedelta(days=draw(st.integers(0, 20)))
    events.append(PublishSite("site", published, "s1", site_period))
    plan_start = bought
    if draw(st.booleans()):  # to pro (restart: a new term from the change day) inside or near a window
        changed = draw(near_a_term_end(bought, plan_period))
        plan_period = draw(st.sampled_from(PERIODS))
        events.append(ChangePlan("change", changed, "pro", plan_period))
        plan_start = changed
    events.append(Cancel("end-plan", draw(near_a_term_end(plan_start, plan_period)), "plan"))
    events.append(Cancel("end-site", draw(near_a_term_end(published, site_period)), "site:s1"))
    return sorted(events, key=lambda e: e.date)


def _net(result: Result) -> Decimal:
    return sum((d.net for d in result.documents), Decimal("0"))


def _credited_ahead(result: Result) -> bool:
    """Whether some credit covered a term not begun (its line runs past the change's own term)."""
    return any("not begun" in line.explanation for d in result.documents for line in d.lines)


@pytest.mark.parametrize("rule_set", sorted(TARIFFS))
@settings(max_examples=150, deadline=None)
@given(events=timelines())
def test_ending_everything_bills_what_lead_days_0_bills(rule_set: str, events: list[Event]) -> None:
    ahead, on_time = TARIFFS[rule_set]
    until = max(e.date for e in events) + timedelta(days=70)  # every charge and credit on a document by then
    with_lead, without = bill(ahead, ACCOUNT, events, until), bill(on_time, ACCOUNT, events, until)
    assert _net(with_lead) == _net(without)
    assert with_lead.state.pending == ()
    assert without.state.pending == ()


@pytest.mark.parametrize("rule_set", sorted(TARIFFS))
@settings(max_examples=60, deadline=None)
@given(events=timelines(), data=st.data())
def test_a_state_saved_inside_a_window_resumes_as_one_run(rule_set: str, events: list[Event], data: Any) -> None:
    ahead, _ = TARIFFS[rule_set]
    until = max(e.date for e in events) + timedelta(days=70)
    full = bill(ahead, ACCOUNT, events, until)
    split = data.draw(st.sampled_from(sorted({e.date - timedelta(days=1) for e in events[1:]})), label="split")
    first = bill(ahead, ACCOUNT, [e for e in events if e.date <= split], split)
    saved: State = load_state(json.loads(json.dumps(dump_state(first.state))))
    second = bill(ahead, ACCOUNT, [e for e in events if e.date > split], until, saved)
    assert [document_json(d) for d in first.documents + second.documents] == [document_json(d) for d in full.documents]
    assert dump_state(second.state) == dump_state(full.state)


def test_the_timelines_reach_the_window() -> None:
    """The properties above are not vacuous: a fixed timeline of the strategy's shape credits a term not
    begun under each rule set (a monthly plan bought Mar 1, renewed ahead Mar 22, cancelled Mar 25)."""
    events: list[Event] = [
        BuyPlan("buy", START, "hosting", Period.MONTHLY),
        PublishSite("site", START, "s1", Period.MONTHLY),
        Cancel("end-plan", date(2021, 3, 25), "plan"),
        Cancel("end-site", date(2021, 3, 25), "site:s1"),
    ]
    # 150.00 for March. wedos: the change day unused, half up: 100 x 7/31 = 22.58, 50 x 7/31 = 11.29 back;
    # duda: the change day used, down: 100 x 6/31 = 19.35, 50 x 6/31 = 9.67 back.
    expected = {"wedos": Decimal("116.13"), "duda": Decimal("120.98")}
    for rule_set, (ahead, on_time) in TARIFFS.items():
        until = date(2021, 6, 1)
        with_lead, without = bill(ahead, ACCOUNT, events, until), bill(on_time, ACCOUNT, events, until)
        assert _credited_ahead(with_lead), rule_set
        assert not _credited_ahead(without), rule_set
        assert _net(with_lead) == _net(without) == expected[rule_set], rule_set

"""The account plan (features/plans.py): which change is a downgrade, what becomes of a downgrade waiting
for the term end when the customer upgrades or when it takes effect, and what the plan's signals tell a
reacting feature. Amounts are computed by hand in the comments; the saved state is what the next bill
run starts from, so its values are pinned exactly."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from billingcore.catalog.loader import load, load_texts
from billingcore.catalog.model import Period
from billingcore.engine import Account, Result, bill, make_tariff, prepare
from billingcore.events import BuyPlan, ChangePlan, PublishSite, StartTrial
from billingcore.features import FEATURES
from billingcore.features.base import NOTHING, Feature, Outcome, TrialStarted, View
from billingcore.snapshot import dump_state

ROOT = Path(__file__).resolve().parents[2]
M = Period.MONTHLY
LIBRARY = load([ROOT / "plans" / "duda.yaml", ROOT / "rules"])
DUDA = prepare(LIBRARY, "duda")


def _duda(events: list[Any], until: date) -> Result:
    return bill(DUDA, Account("a", "duda", "US"), events, until)


def _lines(result: Result) -> list[tuple[str, str, str, str, str, str, str]]:
    return [
        (str(d.date), ln.item, ln.description, str(ln.amount), str(ln.period_start), str(ln.period_end), ln.cause)
        for d in result.documents
        for ln in d.lines
    ]


def test_a_reaction_learns_which_event_started_the_trial() -> None:
    # A feature outside the package may react to TrialStarted (e.g. to bill a trial fee caused by it): the
    # signal carries the day and the start_trial event's id, as every signal carries its cause
    # (docs/architecture.md: "A signal carries the cause").
    seen: list[tuple[date, str]] = []

    def note(view: View, signal: TrialStarted) -> Outcome:
        seen.append((signal.day, signal.cause))  # test only: a real reaction returns what it does
        return NOTHING

    watcher = Feature(name="watcher", signals={TrialStarted: note})
    catalog = LIBRARY.catalog("duda")
    tariff = make_tariff(catalog, LIBRARY.rules_for(catalog), LIBRARY.vat, (*FEATURES, watcher))  # type: ignore[arg-type]
    bill(tariff, Account("a", "duda", "US"), [StartTrial("t1", date(2020, 1, 3))], date(2020, 1, 3))
    assert seen == [(date(2020, 1, 3), "t1")]


TWINS = """
catalog: twins
currency: USD
rules: duda
seller_country: US
plans:
  - {id: shop, name: Shop, rank: 1, versions: [{available_from: 2020-01-01, prices: {monthly: "31.00"}}]}
  - {id: blog, name: Blog, rank: 1, versions: [{available_from: 2020-01-01, prices: {monthly: "62.00"}}]}
"""


def test_a_change_between_plans_of_equal_rank_and_period_is_applied_at_once() -> None:
    # Duda rules (downgrades wait for the term end; restart; change day used; rounding down; credits land
    # on the next billing day). Shop and Blog have the same rank: moving between them is no downgrade,
    # it applies on the day. Shop 31.00 runs Mar 1 - Mar 31; on Mar 11, Mar 12..31 = 20 of 31 days are
    # unused: 31.00 x 20/31 = 20.00 credited; Blog's full month from Mar 11: 62.00 for Mar 11 - Apr 10.
    # Both on the billing day Apr 1.
    rules = {f"rules/{n}": (ROOT / "rules" / n).read_text() for n in os.listdir(ROOT / "rules")}
    library = load_texts({**rules, "plans/twins.yaml": TWINS})
    events = [BuyPlan("p", date(2021, 3, 1), "shop", M), ChangePlan("ch", date(2021, 3, 11), "blog", M)]
    result = bill(prepare(library, "twins"), Account("a", "twins", "US"), events, date(2021, 4, 1))
    assert _lines(result)[1:] == [
        ("2021-04-01", "plan", "Credit: Shop plan (monthly), unused part", "-20.00", "2021-03-12", "2021-03-31", "ch"),
        ("2021-04-01", "plan", "Blog plan (monthly)", "62.00", "2021-03-11", "2021-04-10", "ch"),
    ]


# Duda: Team 29.00 a month from Jan 10 2020 (Jan 10 - Feb 9), home in its slot, blog paying 13.00 from
# Jan 12; on Jan 20 the customer asks to go down to Basic, which waits for Team's term end (Feb 10).
WAITING = [
    BuyPlan("p", date(2020, 1, 10), "team", M),
    PublishSite("h", date(2020, 1, 10), "home"),
    PublishSite("b", date(2020, 1, 12), "blog", M),
    ChangePlan("down", date(2020, 1, 20), "basic", M),
]


def test_an_upgrade_before_the_term_end_drops_the_downgrade_that_was_waiting() -> None:
    # On Jan 25 the customer upgrades Team to Agency instead: applied at once (restart), Agency runs from
    # Jan 25 (Jan 25 - Feb 24) and renews on Feb 25 as Agency, 74.00 for Feb 25 - Mar 24: the waiting
    # downgrade to Basic is gone, also from the saved state.
    events = [*WAITING, ChangePlan("up", date(2020, 1, 25), "agency", M)]
    assert dump_state(_duda(events, date(2020, 1, 25)).state)["downgrade"] is None
    march = [line for line in _lines(_duda(events, date(2020, 3, 10))) if line[0] == "2020-03-10"]
    assert [line for line in march if line[1] == "plan"] == [
        ("2020-03-10", "plan", "Agency plan (monthly)", "74.00", "2020-02-25", "2020-03-24", "renewal"),
    ]


def test_a_downgrade_that_took_effect_is_no_longer_waiting_and_the_plan_moves_last() -> None:
    # Feb 10: Team's term ends, Basic starts (19.00 for Feb 10 - Mar 9). The downgrade is done: the saved
    # state has none waiting. Like any changed contract, the plan moves after the contracts it did not
    # change (home, and blog, whose own term runs Jan 12 - Feb 11).
    state = dump_state(_duda(WAITING, date(2020, 2, 10)).state)
    assert state["downgrade"] is None
    assert [(c["key"], c["product"], c["term_start"]) for c in state["contracts"]] == [
        ("site:home", "site", "2020-01-10"),
        ("site:blog", "site", "2020-01-12"),
        ("plan", "basic", "2020-02-10"),
    ]

"""What a saved state keeps (docs/architecture.md, "What a state keeps"): what the account has, not everything
it had. Ended contracts that no charge waits for are forgotten at the end of their day, removed items with
them, and event ids older than `events.remember_ids_days`; so a churning account's state is as large after
twenty years as after one, and a resumed run still gives what one run gives."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from billingcore.catalog.loader import load
from billingcore.catalog.model import Period
from billingcore.contracts import ContractKind, forget_ended, new_contract
from billingcore.dates import add_months
from billingcore.engine import Account, bill, prepare
from billingcore.errors import EventError, PlanError
from billingcore.events import AddItem, BuyApp, BuyPlan, PublishSite, RemoveApp, RemoveItem
from billingcore.snapshot import dump_state, load_state
from inline_catalogs import inline_library

ROOT = Path(__file__).resolve().parents[2]
DUDA = prepare(load([ROOT / "plans" / "duda.yaml", ROOT / "rules"]), "duda")
SEATS = """
catalog: seats
name: Seats
currency: EUR
rules: duda
seller_country: DE
plans:
  - id: pro
    name: Pro
    rank: 1
    versions: [{available_from: 2020-01-01, prices: {monthly: "30.00"}, included: {seat: 2}}]
products:
  - {id: seat, name: Seat, kind: seat, prices: {monthly: "5.00"}}
"""
SAAS = prepare(inline_library("seats", SEATS), "seats")
M = Period.MONTHLY
START = date(2020, 1, 10)


def _contract(key: str, kind: ContractKind, ended: bool) -> Any:
    c = new_contract(key, kind, "p", key, M, START, __import__("decimal").Decimal("1.00"), None)
    return c._replace(ended=ended)


def test_forget_ended_drops_what_nothing_waits_for_and_keeps_the_plan() -> None:
    contracts = {
        "plan": _contract("plan", ContractKind.PLAN, True),
        "site:a": _contract("site:a", ContractKind.ITEM, True),
        "site:b": _contract("site:b", ContractKind.ITEM, True),
        "site:c": _contract("site:c", ContractKind.ITEM, False),
    }
    dropped, kept = forget_ended(contracts, {"site:b"})
    assert (dropped, kept, list(contracts)) == (("site:a",), True, ["plan", "site:b", "site:c"])
    dropped, kept = forget_ended(contracts, set())
    assert (dropped, kept, list(contracts)) == (("site:b",), False, ["plan", "site:c"])


def _churn(months: int) -> list[Any]:
    """A customer who tries an app every other month: bought on the 15th, removed the next day (its paid
    month runs out and it does not renew), bought again two months later."""
    events: list[Any] = [BuyPlan("plan", START, "basic", M), PublishSite("home", START, "home")]
    for m in range(0, months, 2):
        day = add_months(START, m) + timedelta(days=5)
        events += [
            BuyApp(f"b{m}", day, "home", "app-crm", M),
            RemoveApp(f"r{m}", day + timedelta(days=1), "home", "app-crm"),
        ]
    return events


def test_a_churning_account_keeps_a_state_of_the_same_size_after_twenty_years() -> None:
    account = Account("a", "duda", "US")
    sizes = []
    for months in (12, 240):
        result = bill(DUDA, account, _churn(months), add_months(START, months) - timedelta(days=1))
        state = dump_state(result.state)
        sizes.append(
            ([c["key"] for c in state["contracts"]], [i["name"] for i in state["items"]], len(state["event_ids"]))
        )
        apps = [line for d in result.documents for line in d.lines if line.item.startswith("app:")]
        assert len(apps) == months // 2  # each app billed once: a month, not renewed
    # the plan and the site; every app contract ended and was forgotten; the ids of the last 400 days' events:
    # after 12 months all 14 (plan, home, 6 app purchases and removals), after 240 the last 6 pairs' only
    assert sizes == [(["plan", "site:home"], ["home"], 14), (["plan", "site:home"], ["home"], 12)]


def test_a_state_resumed_every_month_gives_what_one_run_gives() -> None:
    account, events = Account("a", "duda", "US"), _churn(30)
    until = add_months(START, 30) - timedelta(days=1)
    whole = bill(DUDA, account, events, until)
    documents, state = [], None
    for m in range(1, 31):
        upto = add_months(START, m) - timedelta(days=1)
        todo = [e for e in events if (state is None or e.date > state.as_of) and e.date <= upto]
        result = bill(DUDA, account, todo, upto, None if state is None else load_state(dump_state(state)))
        documents += result.documents
        state = result.state
    assert documents == list(whole.documents)
    assert state is not None
    assert dump_state(state) == dump_state(whole.state)


def test_a_removed_item_is_forgotten_with_its_contract_and_its_name_is_free() -> None:
    account = Account("a", "seats", "DE")
    events = [
        BuyPlan("p", START, "pro", M),
        AddItem("s1", START, "seat", "alice"),
        AddItem("s2", START, "seat", "bob"),
        AddItem("s3", START, "seat", "carol", M),  # beyond the 2 included: a contract of its own
        RemoveItem("r", date(2020, 1, 20), "carol"),  # its paid term runs out on 02-09, not renewed
    ]
    before = dump_state(bill(SAAS, account, events, date(2020, 2, 8)).state)
    assert [(i["name"], i["active"], i["order"]) for i in before["items"]] == [
        ("alice", True, 1),
        ("bob", True, 2),
        ("carol", False, 3),
    ]
    after = dump_state(bill(SAAS, account, events, date(2020, 2, 12)).state)
    assert [i["name"] for i in after["items"]] == ["alice", "bob"]
    assert "seat:carol" not in [c["key"] for c in after["contracts"]]
    again = [*events, AddItem("s4", date(2020, 2, 15), "seat", "carol", M)]
    state = dump_state(bill(SAAS, account, again, date(2020, 2, 15)).state)
    assert [(i["name"], i["order"]) for i in state["items"]] == [("alice", 1), ("bob", 2), ("carol", 3)]


def test_event_ids_older_than_the_rule_are_forgotten_and_may_be_used_again() -> None:
    account = Account("a", "duda", "US")
    events = [BuyPlan("p", START, "basic", M), PublishSite("s", date(2020, 6, 1), "home")]
    saved = dump_state(bill(DUDA, account, events, date(2021, 2, 20)).state)
    # 400 days before 2021-02-20 is 2020-01-17: p (2020-01-10) is forgotten, s (2020-06-01) remembered
    assert saved["event_ids"] == {"s": "2020-06-01"}
    reused = [BuyApp("p", date(2021, 3, 1), "home", "app-crm", M)]
    state = bill(DUDA, account, reused, date(2021, 3, 1), load_state(saved)).state  # not refused
    assert dict(state.event_ids) == {"s": date(2020, 6, 1), "p": date(2021, 3, 1)}
    with pytest.raises(EventError) as info:
        bill(DUDA, account, [BuyApp("s", date(2021, 3, 1), "home", "app-crm", M)], date(2021, 3, 1), load_state(saved))
    assert "duplicate event id `s`: an event before the saved state had it" in str(info.value)


def test_remember_ids_days_comes_from_the_rule_set() -> None:
    library = load([ROOT / "plans" / "duda.yaml", ROOT / "rules"])
    rules = library.rule_sets["duda"]
    short = attrs.evolve(rules, events=attrs.evolve(rules.events, remember_ids_days=30))
    tariff = prepare(attrs.evolve(library, rule_sets={**library.rule_sets, "duda": short}), "duda")
    events = [BuyPlan("p", START, "basic", M), PublishSite("s", date(2020, 2, 1), "home")]
    saved = dump_state(bill(tariff, Account("a", "duda", "US"), events, date(2020, 2, 20)).state)
    assert saved["event_ids"] == {"s": "2020-02-01"}


@pytest.mark.parametrize("days", [0, 3661])
def test_remember_ids_days_out_of_range_is_a_located_error(tmp_path: Path, days: int) -> None:
    for f in (ROOT / "rules").glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text())
    text = (tmp_path / "duda.yaml").read_text() + f"events:\n  remember_ids_days: {days}\n"
    (tmp_path / "duda.yaml").write_text(text)
    with pytest.raises(PlanError) as info:
        load([ROOT / "plans" / "duda.yaml", tmp_path])
    (found,) = [d for d in info.value.diagnostics if d.message.startswith("remember_ids_days")]
    line = len(text.splitlines())
    assert (str(found.location), found.message) == (
        f"{tmp_path / 'duda.yaml'}:{line}:22",
        f"remember_ids_days must be from 1 to 3660, got {days}",
    )

"""Metered usage (docs/plans.md "Components"), by the invariants a host relies on: every unit recorded is
billed exactly once, whether a period is billed at its end only or also on interim bills, in one run or
across a save and resume; a period's free quota is netted at most once; a usage record sent again (same id,
same values) changes no document; and interim bills never change what a period costs under a graduated price
(pricing a period in pieces gives the same total as pricing it whole)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billingcore.catalog.model import Period
from billingcore.documents import LineKind
from billingcore.engine import Account, bill
from billingcore.events import AddComponent, BillUsage, BuyPlan, RecordUsage
from billingcore.snapshot import dump_state, load_state
from inline_catalogs import inline_tariff

RULE_SETS = ["billwerk", "chargebee", "lago", "lago-calendar", "duda"]
QUOTA = 1000
START = date(2021, 1, 10)
UNTIL = date(2021, 5, 10)  # four whole usage periods after START, each billed on its end day


def _tariff(rules: str, model: str) -> Any:
    prices = {
        "per_unit": 'unit_price: "0.01"',
        "graduated": 'price_model: graduated, tiers: [{up_to: 2000, unit_price: "0.02"}, {up_to: 5000, '
        'unit_price: "0.013", flat_fee: "1.00"}, {unit_price: "0.007"}]',
    }[model]
    catalog = (
        f"catalog: c\ncurrency: EUR\nrules: {rules}\nseller_country: DE\nplans:\n  - {{id: p, name: P, rank: 1, "
        f'versions: [{{available_from: 2000-01-01, prices: {{monthly: "10.00"}}, free_quota: {{calls: {QUOTA}}}}}]}}\n'
        f"components:\n  - {{id: calls, name: Calls, type: metered, unit: call, {prices}}}\n"
    )
    return inline_tariff("c", catalog)


usage_records = st.lists(
    st.tuples(st.integers(0, (UNTIL - START).days - 1), st.integers(0, 4000)), min_size=0, max_size=12
)
interim_days = st.lists(st.integers(1, (UNTIL - START).days - 1), max_size=4, unique=True)


def _events(records: list[tuple[int, int]], interims: list[int]) -> list[Any]:
    dated: list[tuple[int, int, Any]] = []
    for i, (offset, quantity) in enumerate(records):
        day = START + timedelta(days=offset)
        dated.append((offset, 0, RecordUsage(f"u{i}", day, "calls", Decimal(quantity))))
    for i, offset in enumerate(interims):
        dated.append((offset, 1, BillUsage(f"b{i}", START + timedelta(days=offset))))
    dated.sort(key=lambda x: (x[0], x[1]))
    return [BuyPlan("p", START, "p", Period.MONTHLY), AddComponent("c", START, "calls"), *(e for *_, e in dated)]


def _usage_lines(documents: Any) -> list[Any]:
    return [ln for d in documents for ln in d.lines if ln.kind is LineKind.USAGE]


@pytest.mark.parametrize("rules", RULE_SETS)
@given(records=usage_records, interims=interim_days)
def test_every_unit_recorded_is_billed_once_and_each_period_nets_its_quota_once(
    rules: str, records: list[tuple[int, int]], interims: list[int]
) -> None:
    calendar = rules == "lago-calendar"  # usage periods are calendar months there: the last one ends 06-01
    until = date(2021, 6, 1) if calendar else UNTIL
    result = bill(_tariff(rules, "per_unit"), Account("a", "c", "DE"), _events(records, interims), until)
    used: dict[date, int] = {}
    for offset, quantity in records:
        day = START + timedelta(days=offset)
        start = max(START, day.replace(day=1)) if calendar else _period_of(day)
        used[start] = used.get(start, 0) + quantity
    charged: dict[date, Decimal] = {}
    lines = _usage_lines(result.documents)
    for ln in lines:
        if ln.amount:  # a usage line starts in its period (a piece after an interim bill: the day after it)
            start = max(START, ln.period_start.replace(day=1)) if calendar else _period_of(ln.period_start)
            charged[start] = charged.get(start, Decimal(0)) + ln.quantity
    # the quota netted exactly once in each period: what is charged is what was used beyond it
    assert charged == {start: Decimal(n - QUOTA) for start, n in used.items() if n > QUOTA}
    assert sum(ln.amount for ln in lines) == sum(charged.values(), Decimal(0)) * Decimal("0.01")
    if "issue" in rules_zero_total(rules):  # every document issued: the free units show too, each once
        assert sum(ln.quantity for ln in lines) == sum(q for _, q in records)


def rules_zero_total(rules: str) -> str:
    return _tariff(rules, "per_unit").rules.invoicing.zero_total.value


def _period_of(day: date) -> date:
    month = day.month if day.day >= START.day else day.month - 1
    return date(day.year, month, START.day)


@given(records=usage_records, interims=interim_days)
def test_interim_bills_leave_a_graduated_period_costing_the_same(
    records: list[tuple[int, int]], interims: list[int]
) -> None:
    tariff, account = _tariff("billwerk", "graduated"), Account("a", "c", "DE")
    split = bill(tariff, account, _events(records, interims), UNTIL)
    whole = bill(tariff, account, _events(records, []), UNTIL)
    assert sum(ln.amount for ln in _usage_lines(split.documents)) == sum(
        ln.amount for ln in _usage_lines(whole.documents)
    )


@pytest.mark.parametrize("rules", ["billwerk", "lago"])
@given(records=usage_records, interims=interim_days, cut=st.integers(1, (UNTIL - START).days - 1))
def test_a_resumed_run_bills_usage_as_one_run(
    rules: str, records: list[tuple[int, int]], interims: list[int], cut: int
) -> None:
    tariff, account = _tariff(rules, "graduated"), Account("a", "c", "DE")
    events = _events(records, interims)
    day = START + timedelta(days=cut)
    first = bill(tariff, account, [e for e in events if e.date <= day], day)
    saved = load_state(json.loads(json.dumps(dump_state(first.state))))
    rest = bill(tariff, account, [e for e in events if e.date > day], UNTIL, saved)
    once = bill(tariff, account, events, UNTIL)
    assert first.documents + rest.documents == once.documents


@given(records=usage_records.filter(bool), data=st.data())
def test_a_usage_record_sent_again_changes_nothing(records: list[tuple[int, int]], data: st.DataObject) -> None:
    tariff, account = _tariff("billwerk", "graduated"), Account("a", "c", "DE")
    events = _events(records, [])
    usage = [i for i, e in enumerate(events) if isinstance(e, RecordUsage)]
    again = data.draw(st.lists(st.sampled_from(usage), min_size=1, unique=True))
    retried = sorted([*events, *(events[i] for i in again)], key=lambda e: e.date)  # stable: the retry after
    once, twice = bill(tariff, account, events, UNTIL), bill(tariff, account, retried, UNTIL)
    assert twice.documents == once.documents
    assert [n.code for n in twice.notices] == ["retry_ignored"] * len(again)
    # and sent again after a resume: still nothing
    day = max(events[i].date for i in again)
    first = bill(tariff, account, [e for e in events if e.date <= day], day)
    later = [events[i] for i in again] + [e for e in events if e.date > day]
    rest = bill(tariff, account, later, UNTIL, first.state)
    assert first.documents + rest.documents == once.documents

"""Resuming at any feature boundary gives one run's documents: split the timeline at every event day and
every billing day (the day before and the day itself), save the state as JSON, resume with the rest. A
plan change and the included-slot re-allocation it triggers (a signal between two features), a downgrade
waiting for its term end and the slots it frees, a renewal and the freed slot it takes: each of these is a
split point somewhere in these timelines."""

from __future__ import annotations

import json
from datetime import date, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billingcore.catalog.loader import Library
from billingcore.catalog.model import Period
from billingcore.documents import document_json
from billingcore.engine import Account, bill, prepare
from billingcore.events import BuyPlan, ChangePlan, PublishSite
from billingcore.snapshot import dump_state, load_state
from properties.strategies import SHIPPED_RULE_SETS, billing_cases
from properties.test_engine_properties import PER_RULE_SET, _bill, every_rule_set

ONE_DAY = timedelta(days=1)


@every_rule_set
@PER_RULE_SET
@given(st.data())
def test_resuming_at_every_event_and_billing_day_equals_one_full_run(rule_set: str, data: st.DataObject) -> None:
    case = data.draw(billing_cases(rule_set), label="case")
    full = _bill(case)
    expected = [document_json(d) for d in full.documents]
    days = {e.date for e in case.events} | {d.date for d in full.documents}
    splits = sorted({day - ONE_DAY for day in days} | days)
    for split in splits[:: max(1, len(splits) // 12)]:  # at most about a dozen resumes per timeline
        first = _bill(case, [e for e in case.events if e.date <= split], split)
        saved = json.loads(json.dumps(dump_state(first.state)))
        second = _bill(case, [e for e in case.events if e.date > split], case.until, load_state(saved))
        assert [document_json(d) for d in first.documents + second.documents] == expected, f"resumed after {split}"
        assert dump_state(second.state) == dump_state(full.state)


@pytest.mark.parametrize("rule_set", SHIPPED_RULE_SETS)
def test_a_split_between_a_plan_change_and_its_slot_reallocation_resumes_exactly(
    library: Library, rule_set: str
) -> None:
    """The named case: Basic -> Agency on Feb 5 re-allocates the paid site into a new slot (a signal from
    `plans` to `slots`); a run that stops on Feb 5 and resumes gives the same documents."""
    rules = library.rule_sets[rule_set]
    tariff = prepare(library, "duda")
    tariff = attrs.evolve(tariff, rules=rules, billing=attrs.evolve(tariff.billing, rules=rules))
    account = Account("a", "duda", "DE")
    events = [
        BuyPlan("p", date(2020, 1, 10), "basic", Period.MONTHLY),
        PublishSite("s1", date(2020, 1, 10), "home"),
        PublishSite("s2", date(2020, 1, 12), "blog", Period.MONTHLY),
        ChangePlan("c", date(2020, 2, 5), "agency", Period.MONTHLY),
    ]
    full = bill(tariff, account, events, date(2020, 4, 30))
    first = bill(tariff, account, events, date(2020, 2, 5))
    saved = load_state(json.loads(json.dumps(dump_state(first.state))))
    second = bill(tariff, account, [], date(2020, 4, 30), saved)
    got = [document_json(d) for d in first.documents + second.documents]
    assert got == [document_json(d) for d in full.documents]
    assert any(line.kind == "credit" and line.item == "site:blog" for d in full.documents for line in d.lines)

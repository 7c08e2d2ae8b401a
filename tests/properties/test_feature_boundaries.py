"""Resuming at any feature boundary gives one run's documents: split the timeline at every event day
and every billing day (the day before and the day itself), save the state as JSON, resume with the
rest. A plan change and the included-slot re-allocation it triggers (a signal between two features),
a downgrade waiting for its term end and the slots it frees, a renewal and the freed slot it takes:
each of these is a split point somewhere in these timelines."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from hypothesis import given

from billingcore.documents import document_json
from billingcore.engine import Tariff
from billingcore.snapshot import dump_state, load_state
from properties.strategies import duda_timelines
from properties.test_engine_properties import UNTIL, _bill, tariff  # noqa: F401 - the fixture: every shipped rule set

ONE_DAY = timedelta(days=1)


@given(duda_timelines())
def test_resuming_at_every_event_and_billing_day_equals_one_full_run(tariff: Tariff, events: list[Any]) -> None:  # noqa: F811
    full = _bill(tariff, events, UNTIL)
    expected = [document_json(d) for d in full.documents]
    days = {e.date for e in events} | {d.date for d in full.documents}
    splits = sorted({day - ONE_DAY for day in days} | days)
    for split in splits[:: max(1, len(splits) // 12)]:  # at most about a dozen resumes per timeline
        first = _bill(tariff, [e for e in events if e.date <= split], split)
        saved = json.loads(json.dumps(dump_state(first.state)))
        second = _bill(tariff, [e for e in events if e.date > split], UNTIL, load_state(saved))
        got = [document_json(d) for d in first.documents + second.documents]
        assert got == expected, f"resumed after {split}"
        assert dump_state(second.state) == dump_state(full.state)


def test_a_split_between_a_plan_change_and_its_slot_reallocation_resumes_exactly(tariff: Tariff) -> None:  # noqa: F811
    """The named case: Basic -> Agency on Feb 5 re-allocates the paid site into a new slot (a signal from
    `plans` to `slots`); a run that stops on Feb 5 and resumes gives the same documents."""
    from billingcore.catalog.model import Period
    from billingcore.events import BuyPlan, ChangePlan, PublishSite

    events = [
        BuyPlan("p", date(2020, 1, 10), "basic", Period.MONTHLY),
        PublishSite("s1", date(2020, 1, 10), "home"),
        PublishSite("s2", date(2020, 1, 12), "blog", Period.MONTHLY),
        ChangePlan("c", date(2020, 2, 5), "agency", Period.MONTHLY),
    ]
    full = _bill(tariff, events, date(2020, 4, 30))
    first = _bill(tariff, events, date(2020, 2, 5))
    second = _bill(tariff, [], date(2020, 4, 30), load_state(json.loads(json.dumps(dump_state(first.state)))))
    assert [document_json(d) for d in first.documents + second.documents] == [
        document_json(d) for d in full.documents
    ]

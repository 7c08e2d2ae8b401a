"""A contract renewed ahead (renewal.lead_days) keeps the term it follows until the new term begins
(contracts.renewed), so that a change before then credits both (charges.proration_credit; docs/rules.md
"renewal"). The saved state carries that term only while it is set; values dump_state would not write are
refused at their path."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest

from billingcore.catalog.model import Period
from billingcore.engine import Tariff, bill
from billingcore.errors import StateError
from billingcore.events import BuyPlan, Cancel, ChangePlan, Event
from billingcore.snapshot import dump_state, load_state
from properties.test_lead_window_properties import ACCOUNT, TARIFFS

WEDOS, _ = TARIFFS["wedos"]
DROP = object()  # a key left out
BOUGHT: list[Event] = [BuyPlan("buy", date(2021, 3, 1), "hosting", Period.MONTHLY)]


def _plan(until: date) -> dict[str, object]:
    contract = dump_state(bill(WEDOS, ACCOUNT, BOUGHT, until).state)["contracts"][0]
    assert isinstance(contract, dict)
    return contract


def test_a_term_renewed_ahead_carries_the_term_it_follows_in_the_saved_state() -> None:
    # Mar 1 - Mar 31 billed 100.00; renewal day Apr 1 - 10 = Mar 22: Apr 1 - Apr 30 charged then.
    before = _plan(date(2021, 3, 21))
    assert (before["term_start"], before["term_end"]) == ("2021-03-01", "2021-04-01")
    assert not {"previous_start", "previous_billed", "previous_billed_from"} & before.keys()  # as format 7 wrote
    ahead = _plan(date(2021, 3, 22))
    assert (ahead["term_start"], ahead["term_end"], ahead["billed"]) == ("2021-04-01", "2021-05-01", "100.00")
    assert (ahead["previous_start"], ahead["previous_billed"], ahead["previous_billed_from"]) == (
        "2021-03-01", "100.00", "2021-03-01"
    )  # fmt: skip


def test_a_cancel_resumed_from_a_state_saved_in_the_window_credits_both_terms() -> None:
    state = bill(WEDOS, ACCOUNT, BOUGHT, date(2021, 3, 24)).state
    saved = load_state(json.loads(json.dumps(dump_state(state))))
    result = bill(WEDOS, ACCOUNT, [Cancel("end", date(2021, 3, 25), "plan")], date(2021, 3, 25), saved)
    (note,) = result.documents
    (line,) = note.lines
    # 100.00 x 7/31 (Mar 25 - 31, the change day unused) = 22.58, half up; plus April, not begun: 100.00
    assert (str(line.amount), line.period_start, line.period_end) == ("-122.58", date(2021, 3, 25), date(2021, 4, 30))
    assert line.explanation == (
        "100.00 x 7/31 days unused = 22.58, rounded half up; 100.00 for the term from 2021-04-01, not begun = 122.58"
    )


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("previous_start", "2021-02-30", 'the string "2021-02-30" is not a calendar date'),
        ("previous_billed", 100, "expected text, got the number 100"),
        ("previous_billed_from", None, "expected text, got null"),
    ],
)
def test_a_previous_term_dump_state_would_not_write_is_refused_at_its_path(
    field: str, value: object, problem: str
) -> None:
    data = dump_state(bill(WEDOS, ACCOUNT, BOUGHT, date(2021, 3, 22)).state)
    data["contracts"][0][field] = value
    with pytest.raises(StateError) as info:
        load_state(json.loads(json.dumps(data)))
    (d,) = info.value.diagnostics
    assert str(d.location) == f"state.contracts[0].{field}"
    assert problem in d.message


def test_a_downgrade_taking_effect_ahead_keeps_the_term_it_follows() -> None:
    # duda with lead 10 (downgrades at_term_end, change day used, rounding down). Pro 200.00 from Mar 1;
    # hosting asked Mar 15 takes effect on the renewal day, Mar 22: April charged at 100.00. Cancelled Mar 25:
    # Pro's unused Mar 26 - 31, 200 x 6/31 = 38.709 -> 38.70, plus April not begun, 100.00: 138.70 credited.
    duda, on_time = TARIFFS["duda"]
    events: list[Event] = [
        BuyPlan("buy", date(2021, 3, 1), "pro", Period.MONTHLY),
        ChangePlan("down", date(2021, 3, 15), "hosting", Period.MONTHLY),
        Cancel("end", date(2021, 3, 25), "plan"),
    ]
    result = bill(duda, ACCOUNT, events, date(2021, 5, 1))
    credits = [ln for d in result.documents for ln in d.lines if ln.kind == "credit"]
    assert [(str(ln.amount), ln.period_start, ln.period_end) for ln in credits] == [
        ("-138.70", date(2021, 3, 26), date(2021, 4, 30))
    ]
    # what it bills in total: 200.00 + 100.00 - 138.70, as without lead days (200.00 - 38.70)
    for tariff in (duda, on_time):
        assert sum((d.net for d in bill(tariff, ACCOUNT, events, date(2021, 5, 1)).documents), Decimal(0)) == Decimal(
            "161.30"
        )


def test_a_change_on_the_first_day_of_a_term_charged_ahead_keeps_the_anchor() -> None:
    # Hosting bought Jan 31 (anchor 31): Jan 31 - Feb 27, renewed Feb 18 for Feb 28 - Mar 30. Changed to pro
    # on Feb 28, that term's first day: the whole term credited (100.00, nothing of January's left), and pro's
    # terms end on the 31st's clamped days as a change on the term end would without lead days.
    events: list[Event] = [
        BuyPlan("buy", date(2021, 1, 31), "hosting", Period.MONTHLY),
        ChangePlan("up", date(2021, 2, 28), "pro", Period.MONTHLY),
    ]
    result = bill(WEDOS, ACCOUNT, events, date(2021, 4, 1))  # the renewal of Mar 21 is on the Apr 1 invoice
    credits = [ln for d in result.documents for ln in d.lines if ln.kind == "credit"]
    assert [(str(ln.amount), ln.period_start, ln.period_end) for ln in credits] == [
        ("-100.00", date(2021, 2, 28), date(2021, 3, 30))
    ]
    assert credits[0].explanation == "100.00 for the term from 2021-02-28, not begun"  # nothing of January's
    pro = [
        (ln.period_start, ln.period_end) for d in result.documents for ln in d.lines if ln.description.startswith("Pro")
    ]
    assert pro == [(date(2021, 2, 28), date(2021, 3, 30)), (date(2021, 3, 31), date(2021, 4, 29))]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"previous_billed": DROP}, "one of the three left out"),
        ({"previous_billed_from": DROP, "previous_billed": DROP}, "two left out"),
        ({"previous_start": "2021-04-02"}, "the term it follows starting after the charged one"),
        ({"previous_billed_from": "2021-04-01"}, "billed from the charged term's first day"),
        ({"previous_start": DROP, "previous_billed_from": DROP}, "only previous_billed"),
        ({"previous_start": DROP, "previous_billed": DROP}, "only previous_billed_from"),
    ],
)
def test_a_previous_term_dump_state_would_not_write_is_refused(change: dict[str, object], why: str) -> None:
    contract = {**_plan(date(2021, 3, 22)), **change}
    contract = {k: v for k, v in contract.items() if v is not DROP}
    data = dump_state(bill(WEDOS, ACCOUNT, BOUGHT, date(2021, 3, 22)).state)
    data["contracts"] = [contract]
    with pytest.raises(StateError) as info:
        load_state(json.loads(json.dumps(data)))
    (d,) = info.value.diagnostics
    assert str(d.location) == "state.contracts[0]", why
    assert d.message == f"saved state of account brno: {TOGETHER}", why


TOGETHER = (
    "previous_start, previous_billed and previous_billed_from are written together, for the term a renewal charged "
    "ahead follows (previous_start <= previous_billed_from < term_start)"
)


def test_every_contract_with_a_broken_previous_term_is_reported_after_one_with_a_bad_field() -> None:
    data = dump_state(bill(WEDOS, ACCOUNT, BOUGHT, date(2021, 3, 22)).state)
    (plan,) = data["contracts"]
    bad_day = {**plan, "key": "plan-2", "started": "2021-02-30"}
    broken = {k: v for k, v in {**plan, "key": "plan-3"}.items() if k != "previous_billed"}
    data["contracts"] = [bad_day, broken]
    with pytest.raises(StateError) as info:
        load_state(json.loads(json.dumps(data)))
    assert [(str(d.location), d.message.split(": ", 1)[1]) for d in info.value.diagnostics] == [
        ("state.contracts[0].started", 'the string "2021-02-30" is not a calendar date'),
        ("state.contracts[1]", TOGETHER),
    ]


def _format_7(data: dict[str, Any]) -> dict[str, Any]:
    """`data` as billingcore wrote it before format 8: no previous_* fields."""
    contracts = [{k: v for k, v in c.items() if not k.startswith("previous_")} for c in data["contracts"]]
    return {**data, "format": 7, "contracts": contracts}


BIWEEKLY = attrs.evolve(
    WEDOS,
    plans={
        "hosting": attrs.evolve(
            WEDOS.plans["hosting"],
            versions=tuple(
                attrs.evolve(v, prices={Period.BIWEEKLY: Decimal("50.00")}) for v in WEDOS.plans["hosting"].versions
            ),
        )
    },
)


@pytest.mark.parametrize(
    ("tariff", "bought", "period", "saved", "expected"),
    [
        # Bought Jan 31 (anchor 31): terms Jan 31, Feb 28, Mar 31; the third charged on Mar 21. Saved Mar 25, it
        # follows Feb 28 - Mar 30 (Jan 31 + 1 month on the 31st, clamped), billed 100.00 from Feb 28.
        (WEDOS, date(2021, 1, 31), Period.MONTHLY, date(2021, 3, 25), (3, "2021-03-31", "2021-02-28")),
        # Every 14 days from Mar 1: Mar 1, 15, 29; the third charged Mar 19 (29 - 10). Saved Mar 20: it follows
        # Mar 15 - 28, billed 50.00 from Mar 15.
        (BIWEEKLY, date(2021, 3, 1), Period.BIWEEKLY, date(2021, 3, 20), (3, "2021-03-29", "2021-03-15")),
    ],
    ids=["a clamped anchor, third term", "a period of days, third term"],
)
def test_a_format_7_state_renewed_ahead_reads_the_term_before_by_the_contracts_own_terms(
    tariff: Tariff, bought: date, period: Period, saved: date, expected: tuple[int, str, str]
) -> None:
    data = dump_state(bill(tariff, ACCOUNT, [BuyPlan("buy", bought, "hosting", period)], saved).state)
    (plan,) = data["contracts"]
    assert (plan["terms"], plan["term_start"], plan["previous_start"]) == expected
    assert dump_state(load_state(json.loads(json.dumps(_format_7(data))))) == data


def test_a_renewal_ahead_of_a_term_billed_0_00_keeps_it_through_the_saved_state_and_credits_only_itself() -> None:
    # A term renewed ahead of one billed 0.00 (a free plan): "0.00" is written with the other two.
    state = bill(WEDOS, ACCOUNT, BOUGHT, date(2021, 3, 22)).state
    (plan,) = state.contracts
    zero = plan._replace(previous_billed=Decimal("0.00"))  # March free, April charged at 100.00
    saved = dump_state(state._replace(contracts=(zero,)))
    assert saved["contracts"][0]["previous_billed"] == "0.00"
    loaded = load_state(json.loads(json.dumps(saved)))
    assert dump_state(loaded) == saved
    # cancelled in the window: nothing of the free March to give back, April in full
    result = bill(WEDOS, ACCOUNT, [Cancel("end", date(2021, 3, 25), "plan")], date(2021, 3, 25), loaded)
    assert [(str(ln.amount), ln.explanation) for d in result.documents for ln in d.lines] == [
        ("-100.00", "100.00 for the term from 2021-04-01, not begun")
    ]


def test_a_format_7_state_saved_inside_a_window_reads_the_term_renewed_ahead_follows() -> None:  # the 2nd term
    # A state written before format 8 on Mar 24 (renewed Mar 22 for Apr 1 - 30): no previous_* fields. Read,
    # it gets Mar 1 - 31 billed 100.00 from Mar 1, so the cancel of Mar 25 credits 22.58 + 100.00, as one run.
    data = dump_state(bill(WEDOS, ACCOUNT, BOUGHT, date(2021, 3, 24)).state)
    (contract,) = data["contracts"]
    old = {k: v for k, v in contract.items() if not k.startswith("previous_")}
    state = load_state(json.loads(json.dumps({**data, "format": 7, "contracts": [old]})))
    assert dump_state(state) == data
    result = bill(WEDOS, ACCOUNT, [Cancel("end", date(2021, 3, 25), "plan")], date(2021, 3, 25), state)
    assert [str(ln.amount) for d in result.documents for ln in d.lines] == ["-122.58"]

"""Component events and coupon redemptions that cannot be applied (seed 003: a metered component's quantity
cannot be changed) are refused, every problem at once at its event with a hint, and nothing is billed; a
saved state whose components the catalog cannot bill is refused at its path."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from billingcore.catalog.model import Period
from billingcore.engine import Account, bill
from billingcore.errors import EventError, StateError
from billingcore.events import AddComponent, BuyPlan, RecordUsage
from billingcore.scenarios import load_scenario, run_scenario
from billingcore.snapshot import dump_state, load_state
from inline_catalogs import inline_tariff

ROOT = Path(__file__).resolve().parents[2]
CASE = "tests/errors/events/component-refusals.yaml"
COUPONS = "tests/errors/events/coupon-refusals.yaml"


def _refusals(case: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """The case's diagnostics (each a refused event: `bad-event`) as (location, message, hint)."""
    monkeypatch.chdir(ROOT)
    with pytest.raises(EventError) as info:
        run_scenario(load_scenario(case))
    assert {d.code for d in info.value.diagnostics} == {"bad-event"}
    return [(str(d.location), d.message, d.hint) for d in info.value.diagnostics]


def test_every_component_event_that_cannot_apply_is_reported_at_its_event(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _refusals(CASE, monkeypatch) == [
        (
            f"{CASE}:19:5",
            "event e1 (add_component on 2021-01-01): no plan to book a component on",
            "components are booked on the account's plan: buy_plan first",
        ),
        (
            f"{CASE}:21:5",
            "event e3 (add_component on 2021-01-02): unknown component `extra-usr`",
            "did you mean `extra-user`?",
        ),
        (
            f"{CASE}:22:5",
            "event e4 (add_component on 2021-01-02): quantity must be positive, got -1",
            "book at least one unit",
        ),
        (
            f"{CASE}:23:5",
            "event e5 (add_component on 2021-01-02): `extra-user` is counted in whole units (user), got 2.5",
            "give a whole number, or mark the component `fractional: true` in the catalog",
        ),
        (
            f"{CASE}:25:5",
            "event e7 (add_component on 2021-01-02): a metered component has no quantity to book",
            "leave quantity out: record_usage records use",
        ),
        (
            f"{CASE}:27:5",
            "event e8b (add_component on 2021-01-02): on/off component `support` is booked once, not 2 times",
            "omit quantity",
        ),
        (
            f"{CASE}:29:5",
            "event e9 (change_quantity on 2021-01-03): the quantity of metered component `api-calls` cannot be changed",
            "its usage is recorded (record_usage); book another metered component instead (add_component)",
        ),
        (
            f"{CASE}:30:5",
            "event e10 (record_usage on 2021-01-03): no metered component `traffic` booked to record usage for",
            "booked metered components: api-calls; add_component books one",
        ),
        (
            f"{CASE}:31:5",
            "event e11 (record_usage on 2021-01-03): usage must not be negative, got -5",
            "record the units used: 0 or more",
        ),
        (
            f"{CASE}:32:5",
            "event e12 (record_usage on 2021-01-03): `api-calls` is counted in whole units (call), got 1.5",
            "give a whole number, or mark the component `fractional: true` in the catalog",
        ),
        (
            f"{CASE}:33:5",
            "event e13 (change_quantity on 2021-01-04): quantity must be positive, got 0",
            "to stop the component, remove_component ends it",
        ),
        (
            f"{CASE}:34:5",
            "event e14 (change_quantity on 2021-01-04): on/off component `support` has no quantity",
            "remove_component switches it off",
        ),
        (
            f"{CASE}:35:5",
            "event e15 (record_usage on 2021-01-04): `extra-user` is a quantity component: it has no usage to record",
            "change_quantity changes it",
        ),
        (
            f"{CASE}:37:5",
            "event e16 (record_usage on 2021-01-05): event id `e16` repeats a record_usage with other values",
            "a retry repeats the record exactly (the first: id: e16, date: 2021-01-05, component: api-calls, "
            "quantity: 100); a new one needs its own id",
        ),
        (
            f"{CASE}:38:5",
            "event e17 (add_component on 2021-01-06): component `extra-user` is already booked",
            "change_quantity changes it",
        ),
        (
            f"{CASE}:39:5",
            "event e18 (change_quantity on 2021-01-06): component `extra-user` already has quantity 3",
            "give the new quantity",
        ),
    ]


def test_every_coupon_redemption_that_cannot_apply_is_reported_at_its_event(monkeypatch: pytest.MonkeyPatch) -> None:
    # the window before the limit: a redemption outside it is refused whether or not the limit is reached
    assert _refusals(COUPONS, monkeypatch) == [
        (
            f"{COUPONS}:28:5",
            "event e1 (redeem_coupon on 2020-12-31): coupon `SPRING10` can be redeemed from 2021-01-01 "
            "through 2021-06-30, not on 2020-12-31",
            "redeem it within that window, or change the window in the catalog (redeem_from, redeem_until)",
        ),
        (
            f"{COUPONS}:30:5",
            "event e3 (redeem_coupon on 2021-01-01): unknown coupon `SPRNG10`",
            "did you mean `SPRING10`?",
        ),
        (
            f"{COUPONS}:32:5",
            "event e5 (redeem_coupon on 2021-01-03): coupon `SPRING10` was redeemed once already, its limit",
            "it cannot be redeemed again",
        ),
        (
            f"{COUPONS}:35:5",
            "event e8 (redeem_coupon on 2021-01-06): coupon `TWICE` was redeemed 2 times already, its limit",
            "it cannot be redeemed again",
        ),
        (
            f"{COUPONS}:36:5",
            "event e9 (redeem_coupon on 2021-02-28): coupon `LATE` can be redeemed from 2021-03-01 on, "
            "not on 2021-02-28",
            "redeem it within that window, or change the window in the catalog (redeem_from, redeem_until)",
        ),
        (
            f"{COUPONS}:37:5",
            "event e10 (redeem_coupon on 2021-07-01): coupon `SPRING10` can be redeemed from 2021-01-01 "
            "through 2021-06-30, not on 2021-07-01",
            "redeem it within that window, or change the window in the catalog (redeem_from, redeem_until)",
        ),
    ]


CATALOG = """
catalog: c
currency: EUR
rules: billwerk
seller_country: DE
plans:
  - {id: p, name: P, rank: 1, versions: [{available_from: 2020-01-01, prices: {monthly: "10.00"}}]}
components:
  - {id: calls, name: Calls, type: metered, unit_price: "0.01", unit: call}
  - {id: seats, name: Seats, type: quantity, unit_price: "5.00", unit: seat}
"""
M = Period.MONTHLY


def _saved() -> dict[str, object]:
    events = [
        BuyPlan("p", date(2021, 1, 1), "p", M),
        AddComponent("c", date(2021, 1, 1), "calls"),
        RecordUsage("u", date(2021, 1, 5), "calls", 7),
    ]
    state = bill(inline_tariff("c", CATALOG), Account("a", "c", "DE"), events, date(2021, 1, 10)).state
    saved: dict[str, object] = json.loads(json.dumps(dump_state(state)))
    return saved


def test_a_saved_booking_is_written_as_it_is_read() -> None:
    saved = _saved()
    assert saved["components"] == [
        {
            "component": "calls",
            "quantity": "0",
            "used": "7",
            "billed": "0",
            "free_used": "0",
            "next_period": "0",
            "billed_to": None,
        }
    ]
    assert dump_state(load_state(saved)) == saved


def test_a_saved_booking_the_catalog_cannot_bill_is_refused_at_its_path() -> None:
    saved = _saved()
    other = CATALOG.replace("id: calls, name: Calls", "id: minutes, name: Minutes")
    with pytest.raises(StateError) as info:
        bill(inline_tariff("c", other), Account("a", "c", "DE"), [], date(2021, 2, 1), load_state(saved))
    got = [(str(d.location), d.message) for d in info.value.diagnostics]
    assert got == [
        ("state.components[0].component", "saved state of account a: `calls` is not a component of catalog `c`"),
        ("state.contracts[1].product", "saved state of account a: contract `component:calls` is for `calls`, not in "
         "catalog `c`"),
    ]  # fmt: skip


def test_a_saved_booking_with_a_bad_value_or_twice_is_refused_at_its_path() -> None:
    saved = _saved()
    booking = saved["components"][0]  # type: ignore[index]
    bad = {**saved, "components": [{**booking, "used": "-"}, booking]}
    with pytest.raises(StateError) as info:
        load_state(bad)
    got = [(str(d.location), d.message.split(": ", 1)[1]) for d in info.value.diagnostics]
    assert got[0][0] == "state.components[0].used"
    assert got[-1] == ("state.components[1].component", 'a second booking of "calls"')


def test_a_booking_without_its_contract_is_refused() -> None:
    saved = _saved()
    contracts = [c for c in saved["contracts"] if c["key"] != "component:calls"]  # type: ignore[union-attr, index]
    with pytest.raises(StateError) as info:
        bill(inline_tariff("c", CATALOG), Account("a", "c", "DE"), [], date(2021, 2, 1),
             load_state({**saved, "contracts": contracts}))  # fmt: skip
    assert [d.message for d in info.value.diagnostics] == [
        "saved state of account a: booking of `calls` without a running contract"
    ]


def test_saved_parts_of_components_and_coupons_that_are_not_what_was_written_are_refused_at_their_paths() -> None:
    saved = _saved()
    cases = [
        ({"components": {"calls": 1}}, ("state.components", "expected a list, got a mapping")),
        ({"coupons": "SPRING"}, ("state.coupons", 'expected a list, got the string "SPRING"')),
        ({"coupons": [{"code": "X", "day": "2021-13-01"}]}, ("state.coupons[0].day", "")),
    ]
    for change, (path, message) in cases:
        with pytest.raises(StateError) as info:
            load_state({**saved, **change})
        (found,) = [(str(d.location), d.message.split(": ", 1)[1]) for d in info.value.diagnostics]
        assert found[0] == path
        assert found[1].startswith(message)


def test_a_saved_coupon_the_catalog_does_not_have_is_refused_at_its_path() -> None:
    saved = {**_saved(), "coupons": [{"code": "GONE", "day": "2021-01-02"}]}
    with pytest.raises(StateError) as info:
        bill(inline_tariff("c", CATALOG), Account("a", "c", "DE"), [], date(2021, 2, 1), load_state(saved))
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [
        ("state.coupons[0].code", "saved state of account a: coupon `GONE` is not in catalog `c`")
    ]

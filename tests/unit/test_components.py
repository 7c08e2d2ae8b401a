"""Components and discounts at their edges, with exact values: refusals the error files do not reach, a
component ended by the generic cancel or by not renewing, a plan that ends taking its components along, a
quantity changed on the renewal day and credited later, the texts that explain usage lines, a coupon's
window on its first and last day, component terms that follow the plan under renewal lead days and rolled
billing days, and a percent coupon over a volume period billed in pieces."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from billingcore.catalog.model import Period
from billingcore.engine import Account, bill
from billingcore.errors import EventError
from billingcore.events import (
    AddComponent,
    BillUsage,
    BuyOneOff,
    BuyPlan,
    Cancel,
    ChangeQuantity,
    RecordUsage,
    RedeemCoupon,
    RemoveComponent,
    SetDontRenew,
)
from billingcore.snapshot import dump_state
from inline_catalogs import TEST_RULES, inline_tariff

M = Period.MONTHLY
D = Decimal
CATALOG = """
catalog: c
currency: EUR
rules: RULES
seller_country: DE
plans:
  - {id: p, name: P, rank: 1, versions: [{available_from: 2020-01-01, prices: {monthly: "10.00"},
      free_quota: {calls: 1000}}]}
components:
  - {id: seats, name: Seats, type: quantity, unit_price: "7.00", unit: seat}
  - {id: support, name: Support, type: on_off, unit_price: "20.00"}
  - {id: calls, name: Calls, type: metered, unit_price: "0.01", unit: call}
  - id: volume
    name: Volume
    type: metered
    unit: call
    price_model: volume
    tiers: [{up_to: 1000, unit_price: "0.02"}, {unit_price: "0.01"}]
coupons:
  - {code: HALF, percent_off: "50", duration: forever, redeem_from: 2021-03-01, redeem_until: 2021-03-31}
"""


def _bill(events: list[Any], until: date, rules: str = "billwerk", folder: Path | None = None) -> Any:
    text = CATALOG.replace("RULES", rules)
    tariff = inline_tariff("c", text, folder) if folder else inline_tariff("c", text)
    return bill(tariff, Account("a", "c", "DE"), events, until)


def _lines(result: Any) -> list[tuple[Any, ...]]:
    return [
        (d.number, ln.item, ln.description, str(ln.quantity), str(ln.amount))
        for d in result.documents
        for ln in d.lines
    ]


def _refused(events: list[Any]) -> list[tuple[str, str]]:
    with pytest.raises(EventError) as info:
        _bill(events, date(2021, 4, 1))
    return [(d.message.split("): ", 1)[1], d.hint) for d in info.value.diagnostics]


START = [BuyPlan("p", date(2021, 3, 1), "p", M)]


def test_what_cannot_be_done_to_a_component_is_refused_with_what_to_do() -> None:
    events = [
        *START,
        ChangeQuantity("q", date(2021, 3, 2), "seats", D(2)),
        RemoveComponent("r", date(2021, 3, 2), "seats"),
        BillUsage("b", date(2021, 3, 2)),
        AddComponent("c", date(2021, 3, 3), "calls"),
        AddComponent("c2", date(2021, 3, 3), "calls"),
        AddComponent("s", date(2021, 3, 3), "support"),
        RecordUsage("u", date(2021, 3, 4), "support", D(1)),
    ]
    # events built in Python have no file position: their diagnostics come in the order of their messages
    assert _refused(events) == [
        ("no metered component booked: no usage to bill", "add_component books one"),
        ("component `calls` is already booked", "record its usage (record_usage)"),
        ("component `seats` is not booked", "booked: none; add_component books it"),
        ("component `seats` is not booked", "booked: none"),
        ("`support` is an on_off component: it has no usage to record", "remove_component switches it off"),
    ]


def test_a_quantity_changed_on_the_renewal_day_is_what_a_later_credit_gives_back() -> None:
    # 3 seats (21.00) until 04-01, 5 seats (35.00) from the renewal; cancelled on 04-16 (billwerk: change day
    # unused): 15 of April's 30 days unused, 35.00 x 15/30 = 17.50 - from the new quantity, not the old one
    events = [
        *START,
        AddComponent("s", date(2021, 3, 1), "seats", D(3)),
        ChangeQuantity("q", date(2021, 4, 1), "seats", D(5)),
        Cancel("x", date(2021, 4, 16), "component:seats"),
    ]
    lines = _lines(_bill(events, date(2021, 4, 16)))
    assert ("a-20210401-regular", "component:seats", "Seats (monthly)", "5", "35.00") in lines
    assert lines[-1] == ("a-credit-x", "component:seats", "Credit: Seats (monthly), unused part", "1", "-17.50")
    assert [ln[0] for ln in lines].count("a-credit-x") == 1  # credited once: by the cancel, not again by components


def test_a_booking_is_saved_with_its_quantity_and_a_whole_first_term_says_so() -> None:
    result = _bill([*START, AddComponent("s", date(2021, 3, 1), "seats", D(3))], date(2021, 3, 1))
    assert dump_state(result.state)["components"] == [
        {"component": "seats", "quantity": "3", "used": "0", "billed": "0", "free_used": "0", "next_period": "0",
         "billed_to": None}
    ]  # fmt: skip
    (line,) = [ln for ln in result.documents[0].lines if ln.item == "component:seats"]
    assert line.explanation == "3 seat x 7.00 = 21.00, monthly term from 2021-03-01"


def test_a_metered_component_cancelled_bills_its_usage_at_once_and_takes_no_more() -> None:
    # the generic cancel: 1500 calls, 1000 free, 500 x 0.01 = 5.00 on the cancellation's interim invoice
    events = [
        *START,
        AddComponent("c", date(2021, 3, 1), "calls"),
        RecordUsage("u1", date(2021, 3, 5), "calls", D(1500)),
        Cancel("x", date(2021, 3, 10), "component:calls"),
    ]
    result = _bill(events, date(2021, 4, 1))
    assert [ln for ln in _lines(result) if ln[1] == "component:calls"] == [
        ("a-interim-x", "component:calls", "Calls, free units", "1000", "0.00"),
        ("a-interim-x", "component:calls", "Calls", "500", "5.00"),
    ]
    assert dump_state(result.state)["components"] == []
    with pytest.raises(EventError, match="no metered component `calls` booked"):
        _bill([*events, RecordUsage("u2", date(2021, 3, 11), "calls", D(1))], date(2021, 4, 1))


def test_a_metered_component_not_renewed_bills_its_last_period_on_the_billing_day() -> None:
    events = [
        *START,
        AddComponent("c", date(2021, 3, 1), "calls"),
        RecordUsage("u1", date(2021, 3, 5), "calls", D(1200)),
        SetDontRenew("n", date(2021, 3, 6), "component:calls"),
    ]
    lines = _lines(_bill(events, date(2021, 4, 1)))
    assert [ln for ln in lines if ln[1] == "component:calls"] == [
        ("a-20210401-regular", "component:calls", "Calls, free units", "1000", "0.00"),
        ("a-20210401-regular", "component:calls", "Calls", "200", "2.00"),
    ]


def test_a_plan_that_ends_ends_its_components() -> None:
    # cancelled mid-term: the seats credited (21.00 x 16/31 = 10.84, change day unused) and the usage so far
    # billed, at once (billwerk: a credit note and an interim invoice); nothing renews on 04-01
    events = [
        *START,
        AddComponent("s", date(2021, 3, 1), "seats", D(3)),
        AddComponent("c", date(2021, 3, 1), "calls"),
        RecordUsage("u1", date(2021, 3, 5), "calls", D(1100)),
        Cancel("x", date(2021, 3, 16), "plan"),
    ]
    result = _bill(events, date(2021, 4, 1))
    assert [ln for ln in _lines(result) if ln[0] in ("a-credit-x", "a-interim-x")] == [
        ("a-credit-x", "plan", "Credit: P plan (monthly), unused part", "1", "-5.16"),
        ("a-credit-x", "component:seats", "Credit: Seats (monthly), unused part", "1", "-10.84"),
        ("a-interim-x", "component:calls", "Calls, free units", "1000", "0.00"),
        ("a-interim-x", "component:calls", "Calls", "100", "1.00"),
    ]
    assert [d.number for d in result.documents] == ["a-20210301-regular", "a-credit-x", "a-interim-x"]
    # not renewed: the components end at the plan's term end, the last period's usage on that billing day
    ends = [*events[:4], SetDontRenew("n", date(2021, 3, 16), "plan")]
    last = _lines(_bill(ends, date(2021, 5, 1)))
    assert [ln for ln in last if ln[0] == "a-20210401-regular"] == [
        ("a-20210401-regular", "component:calls", "Calls, free units", "1000", "0.00"),
        ("a-20210401-regular", "component:calls", "Calls", "100", "1.00"),
    ]
    assert not [ln for ln in last if ln[0] == "a-20210501-regular"]


def test_a_usage_line_says_what_was_used_and_what_was_free() -> None:
    events = [
        *START,
        AddComponent("c", date(2021, 3, 1), "calls"),
        RecordUsage("u1", date(2021, 3, 5), "calls", D(1200)),
        BillUsage("b", date(2021, 3, 10)),
        RecordUsage("u2", date(2021, 3, 20), "calls", D(300)),
    ]
    result = _bill(events, date(2021, 4, 1))
    usage = [(d.number, ln.explanation) for d in result.documents for ln in d.lines if ln.item == "component:calls"]
    assert usage == [
        ("a-immediate-b", "usage 2021-03-01 to 2021-03-10: 1200 call, 1000 of the plan's 1000 free call netted"),
        ("a-immediate-b", "usage 2021-03-01 to 2021-03-10: 1200 call; 200 x 0.01 = 2.00"),
        ("a-20210401-regular", "usage 2021-03-11 to 2021-03-31: 1500 call; 500 x 0.01 = 5.00 less 200 billed before "
         "(2.00) = 3.00"),
    ]  # fmt: skip


def test_a_coupon_can_be_redeemed_on_the_first_and_the_last_day_of_its_window() -> None:
    for day in (date(2021, 3, 1), date(2021, 3, 31)):
        result = _bill([*START, RedeemCoupon("h", day, "HALF")], date(2021, 4, 1))
        assert [str(ln.amount) for ln in result.documents[-1].lines] == ["5.00"]  # the April term, half off


def test_a_percent_coupon_on_a_volume_period_billed_in_pieces_costs_the_discounted_whole() -> None:
    # volume: 800 calls by the interim bill (tier 1: 800 x 0.02 = 16.00, half off 8.00); 1800 by the end: all
    # at tier 2, 1800 x 0.01 = 18.00, less the 16.00 billed before = 2.00; half off each line: 9.00 - 8.00 =
    # 1.00. The period costs 8.00 + 1.00 = 9.00 = half of 18.00, as if billed whole
    events = [
        RedeemCoupon("h", date(2021, 3, 1), "HALF"),
        *START,
        AddComponent("v", date(2021, 3, 1), "volume"),
        RecordUsage("u1", date(2021, 3, 5), "volume", D(800)),
        BillUsage("b", date(2021, 3, 10)),
        RecordUsage("u2", date(2021, 3, 20), "volume", D(1000)),
    ]
    result = _bill(events, date(2021, 4, 1))
    volume = [(d.number, str(ln.amount)) for d in result.documents for ln in d.lines if ln.item == "component:volume"]
    assert volume == [("a-immediate-b", "8.00"), ("a-20210401-regular", "9.00"), ("a-20210401-regular", "-8.00")]


@pytest.mark.parametrize(("rules", "folder"), [("wedos", None), ("killbill-roll", TEST_RULES)])
def test_a_component_renews_with_the_plan_under_lead_days_and_rolled_billing_days(rules: str, folder: Any) -> None:
    # wedos renews 10 days before the term end; killbill-roll rolls billing day 31 to the next month's 1st
    start = date(2021, 1, 31)
    events = [BuyPlan("p", start, "p", M), AddComponent("s", start, "seats", D(2))]
    result = _bill(events, date(2021, 7, 1), rules, folder)
    periods: dict[str, list[tuple[Any, ...]]] = {"plan": [], "component:seats": []}
    for d in result.documents:
        for ln in d.lines:
            periods[ln.item].append((d.number, ln.period_start, ln.period_end))
    assert len(periods["plan"]) >= 5
    assert periods["component:seats"] == periods["plan"]


WEEKLY = """
catalog: w
currency: EUR
rules: lago
seller_country: DE
plans:
  - {id: p, name: P, rank: 1, versions: [{available_from: 2020-01-01, prices: {weekly: "10.00"}}]}
one_offs:
  - {id: image, name: Image, price: "4.00"}
components:
  - {id: seats, name: Seats, type: quantity, unit_price: "7.00", unit: seat}
coupons:
  - {code: WEEK, applies_to: [p], percent_off: "50", duration: once}
  - {code: IMAGES, applies_to: [image], percent_off: "25", duration: repeating, periods: 2}
"""


def test_coupon_windows_count_a_contracts_own_periods_and_one_offs_in_months() -> None:
    # once on a weekly plan: the first week (03-01..03-07) half off, the next full; a one-off coupon repeating
    # 2 periods counts months: images bought 03-10 and 04-30 are 25 % off, 05-01 is not
    tariff = inline_tariff("w", WEEKLY)
    events = [
        RedeemCoupon("w", date(2021, 3, 1), "WEEK"),
        RedeemCoupon("i", date(2021, 3, 1), "IMAGES"),
        BuyPlan("p", date(2021, 3, 1), "p", Period.WEEKLY),
        BuyOneOff("o1", date(2021, 3, 10), "image"),
        BuyOneOff("o2", date(2021, 4, 30), "image"),
        BuyOneOff("o3", date(2021, 5, 1), "image"),
    ]
    result = bill(tariff, Account("a", "w", "DE"), events, date(2021, 5, 1))
    lines = [(ln.item, ln.period_start, str(ln.amount)) for d in result.documents for ln in d.lines]
    assert lines[:2] == [("plan", date(2021, 3, 1), "5.00"), ("plan", date(2021, 3, 8), "10.00")]
    assert [amount for item, _, amount in lines if item == "image"] == ["3.00", "3.00", "4.00"]


def test_a_weekly_plan_leaves_a_monthly_component_its_own_terms() -> None:
    # a week does not end on a month's day: the component's terms run from its booking day
    tariff = inline_tariff("w", WEEKLY)
    events = [BuyPlan("p", date(2021, 3, 1), "p", Period.WEEKLY), AddComponent("s", date(2021, 3, 10), "seats", D(1))]
    result = bill(tariff, Account("a", "w", "DE"), events, date(2021, 5, 1))
    seats = [(ln.period_start, ln.period_end, str(ln.amount)) for d in result.documents for ln in d.lines
             if ln.item == "component:seats"]  # fmt: skip
    assert seats == [(date(2021, 3, 10), date(2021, 4, 9), "7.00"), (date(2021, 4, 10), date(2021, 5, 9), "7.00")]


def test_usage_of_a_period_that_started_before_the_redemption_is_not_discounted() -> None:
    # HALF redeemed 03-15: March's usage period began 03-01, before it; April's after it
    events = [
        *START,
        AddComponent("c", date(2021, 3, 1), "calls"),
        RecordUsage("u1", date(2021, 3, 5), "calls", D(1500)),
        RedeemCoupon("h", date(2021, 3, 15), "HALF"),
        RecordUsage("u2", date(2021, 4, 5), "calls", D(1500)),
    ]
    result = _bill(events, date(2021, 5, 1))
    calls = [(d.number, str(ln.amount)) for d in result.documents for ln in d.lines if ln.item == "component:calls"]
    assert calls == [
        ("a-20210401-regular", "0.00"),
        ("a-20210401-regular", "5.00"),
        ("a-20210501-regular", "0.00"),
        ("a-20210501-regular", "2.50"),
    ]


def test_a_component_booked_years_after_the_plan_ends_its_first_part_on_the_plans_anchor() -> None:
    events = [BuyPlan("p", date(2019, 1, 15), "p", M), AddComponent("s", date(2021, 6, 20), "seats", D(1))]
    result = _bill(events, date(2021, 7, 15))
    seats = [
        (ln.period_start, ln.period_end) for d in result.documents for ln in d.lines if ln.item == "component:seats"
    ]
    assert seats == [(date(2021, 6, 20), date(2021, 7, 14)), (date(2021, 7, 15), date(2021, 8, 14))]


def test_a_component_follows_a_plan_anchored_on_the_accounts_billing_day() -> None:
    # Kill Bill: the account's billing day 31 anchors the plan (bought 04-10: its leading part to 04-30, then
    # months ending on the 31st or the month's last day); a component booked in June ends its terms there too
    tariff = inline_tariff("c", CATALOG.replace("RULES", "killbill"))
    events = [BuyPlan("p", date(2021, 4, 10), "p", M), AddComponent("s", date(2021, 6, 20), "seats", D(1))]
    result = bill(tariff, Account("a", "c", "DE", billing_day=31), events, date(2021, 9, 1))
    periods: dict[str, list[Any]] = {"plan": [], "component:seats": []}
    for d in result.documents:
        for ln in d.lines:
            periods[ln.item].append(ln.period_end)
    ends = [date(2021, 6, 29), date(2021, 7, 30), date(2021, 8, 30), date(2021, 9, 29)]
    assert periods["component:seats"] == ends
    assert periods["plan"][-3:] == ends[1:]


def test_an_interim_bill_leaves_the_period_whole_so_a_prorated_quota_is_not_cut() -> None:
    # usage.partial_quota: prorated cuts the quota only of a partial period: bill_usage on 03-10 bills 1200
    # calls under the whole 1000 (not 1000 x 9/31)
    events = [
        *START,
        AddComponent("c", date(2021, 3, 1), "calls"),
        RecordUsage("u1", date(2021, 3, 5), "calls", D(1200)),
        BillUsage("b", date(2021, 3, 10)),
    ]
    result = _bill(events, date(2021, 3, 10), "billwerk-prorated-quota", TEST_RULES)
    assert [(ln.description, str(ln.quantity)) for ln in result.documents[-1].lines] == [
        ("Calls, free units", "1000"),
        ("Calls", "200"),
    ]

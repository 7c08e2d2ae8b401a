"""Items and subscriptions, as the saved state records them: a removed item is no longer in use (and
its name can be used again), a cleared don't-renew is a plain false, and a refusal lists the items in
use. The saved state is what the next bill run starts from, so its values are pinned exactly."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from billingcore.catalog.loader import load
from billingcore.catalog.model import Period
from billingcore.engine import Account, bill, prepare
from billingcore.errors import EventError
from billingcore.events import BuyPlan, ClearDontRenew, PublishSite, RemoveItem, SetDontRenew, StartTrial
from billingcore.snapshot import dump_state, load_state
from inline_catalogs import inline_library

ROOT = Path(__file__).resolve().parents[2]
TARIFF = prepare(load([ROOT / "plans" / "duda.yaml", ROOT / "rules"]), "duda")
M = Period.MONTHLY


def _inline(name: str, catalog: str) -> Any:
    """The shipped rules with an inline catalog `name` (a Library)."""
    return inline_library(name, catalog)


def _state(events: list[Any], until: date) -> dict[str, Any]:
    return dump_state(bill(TARIFF, Account("a", "duda", "US"), events, until).state)


def test_an_item_removed_in_the_trial_is_out_of_use_and_takes_no_slot() -> None:
    events = [
        StartTrial("t", date(2020, 1, 1)),
        PublishSite("s", date(2020, 1, 2), "blog"),
        RemoveItem("r", date(2020, 1, 3), "blog"),  # no contract yet: only the item is taken out of use
        BuyPlan("p", date(2020, 1, 10), "basic", M),
    ]
    state = _state(events, date(2020, 1, 10))
    assert state["items"] == [
        {
            "name": "blog",
            "product": "site",
            "key": "site:blog",
            "active": False,
            "order": 1,
            "includable": True,
            "removed": True,
        }
    ]
    assert [c["key"] for c in state["contracts"]] == ["plan"]


def test_a_removed_included_site_frees_its_slot_and_its_name_can_be_published_again() -> None:
    events = [
        BuyPlan("p", date(2020, 1, 10), "basic", M),
        PublishSite("s", date(2020, 1, 10), "blog"),
        RemoveItem("r", date(2020, 1, 12), "blog"),
    ]
    state = _state(events, date(2020, 1, 11))
    assert [(i["name"], i["active"], i["removed"]) for i in state["items"]] == [("blog", True, False)]
    state = _state(events, date(2020, 1, 12))
    # its contract ended the day it was removed and nothing waits for it: both are forgotten (issue 13)
    assert state["items"] == []
    assert [(c["key"], c["included"], c["ended"]) for c in state["contracts"]] == [("plan", False, False)]
    again = _state([*events, PublishSite("s2", date(2020, 1, 13), "blog")], date(2020, 1, 13))
    assert [(i["name"], i["active"]) for i in again["items"]] == [("blog", True)]
    assert [(c["key"], c["included"], c["ended"]) for c in again["contracts"]] == [
        ("plan", False, False),
        ("site:blog", True, False),
    ]


def test_clearing_dont_renew_saves_a_plain_false() -> None:
    events = [
        BuyPlan("p", date(2020, 1, 10), "basic", M),
        SetDontRenew("n", date(2020, 1, 11), "plan"),
        ClearDontRenew("c", date(2020, 1, 12), "plan"),
    ]
    (plan,) = _state(events, date(2020, 1, 12))["contracts"]
    assert plan["dont_renew"] is False


def test_removing_an_unknown_item_lists_the_items_in_use() -> None:
    events = [
        BuyPlan("p", date(2020, 1, 10), "agency", M),
        PublishSite("s1", date(2020, 1, 10), "shop"),
        PublishSite("s2", date(2020, 1, 10), "blog"),
        RemoveItem("r", date(2020, 1, 12), "news"),
    ]
    with pytest.raises(EventError) as caught:
        _state(events, date(2020, 1, 12))
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.message, diagnostic.hint) == (
        "event r (remove_item on 2020-01-12): no item `news` to remove",
        "items in use: blog, shop",
    )


SEATS = """
catalog: seats
currency: EUR
rules: duda
seller_country: DE
plans:
  - {id: team, name: Team, rank: 1,
     versions: [{available_from: 2020-01-01, prices: {monthly: "49.00"}, included: {seat: 1}}]}
products:
  - {id: seat, name: Seat, kind: seat, prices: {monthly: "12.00"}}
"""


def test_a_seat_is_not_a_site_and_cannot_be_unpublished() -> None:
    from billingcore.events import AddItem, UnpublishSite

    library = _inline("seats", SEATS)
    events = [
        BuyPlan("p", date(2021, 3, 1), "team", M),
        AddItem("a", date(2021, 3, 1), "seat", "alice"),
        UnpublishSite("x", date(2021, 3, 2), "alice"),
    ]
    with pytest.raises(EventError) as caught:
        bill(prepare(library, "seats"), Account("a", "seats", "DE"), events, date(2021, 3, 2))
    assert [(d.message, d.hint) for d in caught.value.diagnostics] == [
        ("event x (unpublish_site on 2021-03-02): site `alice` is not published",
         "only a published site can be taken offline"),
    ]  # fmt: skip


def test_a_converted_site_is_billed_after_the_contracts_running_before_it() -> None:
    # Like a new purchase, the converted contract goes last. Blog, annual 117.00 from Jan 10 2020 (366
    # days to Jan 9 2021), converted to monthly on the billing day Feb 10: Feb 11 - Jan 9 unused = 334
    # days, 117.00 x 334/366 = 106.77 credited (down); 13.00 for Feb 10 - Mar 9. On Mar 10 the plan,
    # shop and blog all renew: blog's line comes last, and every line of the change names its event.
    from billingcore.events import ConvertSite

    events = [
        BuyPlan("p", date(2020, 1, 10), "basic", M),
        PublishSite("h", date(2020, 1, 10), "home"),
        PublishSite("b", date(2020, 1, 10), "blog", Period.ANNUAL),
        PublishSite("s", date(2020, 1, 10), "shop", M),
        ConvertSite("c", date(2020, 2, 10), "blog", M),
    ]
    result = bill(TARIFF, Account("a", "duda", "US"), events, date(2020, 3, 10))
    assert [
        (str(doc.date), line.item, line.kind, str(line.amount), str(line.period_start), line.cause)
        for doc in result.documents[2:]
        for line in doc.lines
    ] == [
        ("2020-02-10", "site:home", "included", "0.00", "2020-02-10", "billing_day"),
        ("2020-02-10", "site:blog", "credit", "-106.77", "2020-02-11", "c"),
        ("2020-02-10", "site:blog", "charge", "13.00", "2020-02-10", "c"),
        ("2020-02-10", "plan", "charge", "19.00", "2020-02-10", "renewal"),
        ("2020-02-10", "site:shop", "charge", "13.00", "2020-02-10", "renewal"),
        ("2020-03-10", "site:home", "included", "0.00", "2020-03-10", "billing_day"),
        ("2020-03-10", "plan", "charge", "19.00", "2020-03-10", "renewal"),
        ("2020-03-10", "site:shop", "charge", "13.00", "2020-03-10", "renewal"),
        ("2020-03-10", "site:blog", "charge", "13.00", "2020-03-10", "renewal"),
    ]


LADDER = """
catalog: ladder
currency: EUR
rules: killbill
seller_country: DE
plans:
  - {id: big, name: Big, rank: 2,
     versions: [{available_from: 2020-01-01, prices: {monthly: "62.00"}, included: {seat: 3}}]}
  - {id: small, name: Small, rank: 1,
     versions: [{available_from: 2020-01-01, prices: {monthly: "31.00"}, included: {seat: 2}}]}
products:
  - {id: seat, name: Seat, kind: seat, prices: {monthly: "12.00"}}
  - {id: mailbox, name: Mailbox, kind: mailbox, prices: {monthly: "5.00"}}
"""


def test_a_downgrade_to_fewer_slots_takes_the_slot_of_the_seat_added_last() -> None:
    # Kill Bill rules: a downgrade applies at once. zed, amy and bob (added in that order) fill Big's 3
    # slots; Small has 2, so bob, added last, gets a contract of his own from Mar 11, aligned to the
    # account's billing day (the 1st, alignment: billing_day): Mar 11 - Mar 31, 12.00 x 21/31 = 8.13. The
    # names are not in alphabetical order: the order they were added decides, not the name. The mailbox
    # has no slot and keeps its contract.
    from billingcore.events import AddItem, ChangePlan

    library = _inline("ladder", LADDER)
    day = date(2021, 3, 1)
    events = [
        BuyPlan("p", day, "big", M),
        AddItem("a1", day, "seat", "zed"),
        AddItem("a2", day, "seat", "amy"),
        AddItem("a3", day, "seat", "bob"),
        AddItem("a4", day, "mailbox", "box", M),
        ChangePlan("down", date(2021, 3, 11), "small", M),
    ]
    result = bill(prepare(library, "ladder"), Account("a", "ladder", "US"), events, date(2021, 3, 11))
    state = dump_state(result.state)
    # billed_from: the first day the term's amount paid for (the change day after a keep_end change)
    assert [(c["key"], c["included"], c["ended"], c["billed_from"]) for c in state["contracts"]] == [
        ("seat:zed", True, False, "2021-03-01"),
        ("seat:amy", True, False, "2021-03-01"),
        ("mailbox:box", False, False, "2021-03-01"),
        ("plan", False, False, "2021-03-11"),  # changed contracts move after those not changed
        ("seat:bob", False, False, "2021-03-11"),
    ]
    # the interim invoice of the change: Big 62.00 x 21/31 unused = 42.00 credited, Small 31.00 x 21/31 =
    # 21.00 for the rest of the term (keep_end), bob's leading part 8.13
    interim = result.documents[-1]
    assert (interim.number, [(line.item, str(line.amount), line.cause) for line in interim.lines]) == (
        "a-interim-down",
        [("plan", "-42.00", "down"), ("plan", "21.00", "down"), ("seat:bob", "8.13", "down")],
    )


def test_an_unpublished_included_site_frees_its_slot_and_can_be_published_again() -> None:
    from billingcore.events import UnpublishSite

    events = [
        BuyPlan("p", date(2020, 1, 10), "basic", M),
        PublishSite("s", date(2020, 1, 10), "blog"),
        UnpublishSite("u", date(2020, 1, 12), "blog"),
    ]
    state = _state(events, date(2020, 1, 12))
    assert [(i["name"], i["active"]) for i in state["items"]] == [("blog", False)]
    assert [c["key"] for c in state["contracts"]] == ["plan"]  # the included site's contract ended: forgotten
    again = _state([*events, PublishSite("s2", date(2020, 1, 13), "blog")], date(2020, 1, 13))
    assert [(i["name"], i["active"]) for i in again["items"]] == [("blog", True)]
    assert [(c["key"], c["included"], c["ended"]) for c in again["contracts"]][1:] == [("site:blog", True, False)]


def test_a_paid_site_taken_offline_and_published_again_keeps_its_contract_and_its_dont_renew() -> None:
    # Duda: an unpublished site with a contract of its own keeps paying. Published again, it is in use
    # again on the same contract; a don't-renew set on that contract stays (publishing is not renewing;
    # add_item after remove_item, by contrast, renews again: tests/scenarios/items/remove-and-add-again).
    from billingcore.events import UnpublishSite

    events = [
        BuyPlan("p", date(2020, 1, 10), "basic", M),
        PublishSite("h", date(2020, 1, 10), "home"),
        PublishSite("b", date(2020, 1, 10), "blog", M),
        SetDontRenew("n", date(2020, 1, 11), "site:blog"),
        UnpublishSite("u", date(2020, 1, 12), "blog"),
        PublishSite("b2", date(2020, 1, 13), "blog", M),
    ]
    state = _state(events, date(2020, 1, 13))
    assert [(i["name"], i["active"]) for i in state["items"]] == [("home", True), ("blog", True)]
    assert [(c["key"], c["term_start"], c["dont_renew"]) for c in state["contracts"]][2:] == [
        ("site:blog", "2020-01-10", True)
    ]
    again = _state([*events[:3], *events[4:]], date(2020, 1, 13))  # without the don't-renew
    assert [(i["name"], i["active"]) for i in again["items"]] == [("home", True), ("blog", True)]
    assert [(c["key"], c["term_start"], c["dont_renew"]) for c in again["contracts"]][2:] == [
        ("site:blog", "2020-01-10", False)
    ]


def test_an_item_added_again_while_its_contract_runs_renews_again() -> None:
    from billingcore.events import AddItem

    events = [
        BuyPlan("p", date(2020, 1, 10), "basic", M),
        PublishSite("h", date(2020, 1, 10), "home"),
        AddItem("b", date(2020, 1, 10), "site", "blog", M),
        RemoveItem("r", date(2020, 1, 11), "blog"),  # its paid term runs out: don't renew
        AddItem("b2", date(2020, 1, 12), "site", "blog", M),
    ]
    (blog,) = _state(events, date(2020, 1, 12))["contracts"][2:]
    assert (blog["key"], blog["dont_renew"]) == ("site:blog", False)


def test_an_item_in_use_cannot_be_added_twice() -> None:
    from billingcore.events import AddItem

    site = [BuyPlan("p", date(2020, 1, 10), "agency", M), PublishSite("b", date(2020, 1, 10), "blog")]
    with pytest.raises(EventError) as caught:
        _state([*site, AddItem("x", date(2020, 1, 11), "site", "blog")], date(2020, 1, 11))
    assert [(d.message, d.hint) for d in caught.value.diagnostics] == [
        ("event x (add_item on 2020-01-11): site `blog` is already published", "give the new site another name")
    ]
    library = _inline("seats", SEATS)
    seat = [BuyPlan("p", date(2021, 3, 1), "team", M), AddItem("a", date(2021, 3, 1), "seat", "alice")]
    with pytest.raises(EventError) as caught:
        bill(
            prepare(library, "seats"),
            Account("a", "seats", "DE"),
            [*seat, AddItem("x", date(2021, 3, 2), "seat", "alice")],
            date(2021, 3, 2),
        )
    assert [(d.message, d.hint) for d in caught.value.diagnostics] == [
        ("event x (add_item on 2021-03-02): seat `alice` is already added", "give the new seat another name")
    ]


STEPS = """
catalog: steps
currency: EUR
rules: killbill
seller_country: DE
labels:
  credit: "Gutschrift: {name}"
plans:
  - {id: none, name: None, rank: 1, versions: [{available_from: 2020-01-01, prices: {monthly: "10.00"}}]}
  - {id: one, name: One, rank: 2,
     versions: [{available_from: 2020-01-01, prices: {monthly: "20.00"}, included: {seat: 1}}]}
  - {id: three, name: Three, rank: 3,
     versions: [{available_from: 2020-01-01, prices: {monthly: "40.00"}, included: {seat: 3}}]}
products:
  - {id: seat, name: Seat, kind: seat, prices: {monthly: "12.00"}}
  - {id: mailbox, name: Mailbox, kind: mailbox, prices: {monthly: "5.00"}}
"""


@pytest.mark.parametrize(
    ("plan", "moved", "rest"),
    [
        ("one", ["d"], "13.55"),  # one slot: the seat added first takes it; One 20.00 x 21/31 = 13.548
        ("three", ["d", "c", "b"], "27.10"),  # a, added last, keeps paying; Three 40.00 x 21/31 = 27.096
    ],
)
def test_an_upgrade_moves_paid_seats_into_the_new_free_slots_in_the_order_they_were_added(
    plan: str, moved: list[str], rest: str
) -> None:
    # Kill Bill rules: an upgrade applies at once, change day unused, half up, interim invoice. Every
    # contract runs Mar 1 - Mar 31; on Mar 11, 21 of 31 days are unused: a seat moving into a slot is
    # credited 12.00 x 21/31 = 8.129 -> 8.13, under the catalog's own credit label; the plan None's
    # 10.00 x 21/31 = 6.774 -> 6.77. The mailbox has no slot in any plan and keeps paying.
    from billingcore.events import AddItem, ChangePlan

    library = _inline("steps", STEPS)
    day = date(2021, 3, 1)
    events = [
        BuyPlan("p", day, "none", M),
        AddItem("m", day, "mailbox", "m", M),  # first: a product without slots is passed over, not a stop
        *(AddItem(name, day, "seat", name, M) for name in "dcba"),  # added in the reverse of name order
        ChangePlan("up", date(2021, 3, 11), plan, M),
    ]
    result = bill(prepare(library, "steps"), Account("x", "steps", "US"), events, date(2021, 3, 11))
    state = dump_state(result.state)
    assert [c["key"] for c in state["contracts"] if c["included"]] == [f"seat:{n}" for n in moved]
    assert [(line.item, line.description, str(line.amount)) for line in result.documents[-1].lines] == [
        ("plan", "Gutschrift: None plan", "-6.77"),
        *((f"seat:{n}", f"Gutschrift: Seat {n}", "-8.13") for n in moved),
        ("plan", f"{plan.title()} plan (monthly), rest of term", rest),
    ]


def _lines_and_contracts(tariff: Any, events: list[Any], until: date) -> tuple[list[Any], list[Any]]:
    result = bill(tariff, Account("a", tariff.catalog.catalog, "US"), events, until)
    lines = [(str(d.date), ln.item, ln.kind, str(ln.amount), str(ln.period_start), ln.cause) for d in result.documents
             for ln in d.lines]  # fmt: skip
    contracts = [(c["key"], c["included"]) for c in dump_state(result.state)["contracts"]]
    return lines, contracts


def test_at_the_end_of_the_trial_the_sites_waiting_take_the_slots_in_the_order_they_were_published() -> None:
    # Trial from Jan 1: zeta (Jan 2) and alpha (Jan 3) wait for a plan; `paid` (Jan 4) has a monthly
    # contract of its own from the start, and zeta a store (Jan 5). Basic (one slot) bought Jan 10: zeta,
    # published first, takes the slot (its store does not make it "under contract"); alpha gets a monthly
    # contract from Jan 10, caused by the purchase; `paid` keeps its own contract.
    from billingcore.events import AddStore

    events = [
        StartTrial("t", date(2020, 1, 1)),
        PublishSite("z", date(2020, 1, 2), "zeta"),
        PublishSite("a", date(2020, 1, 3), "alpha"),
        PublishSite("p", date(2020, 1, 4), "paid", M),
        AddStore("st", date(2020, 1, 5), "zeta", "store-standard", M),
        BuyPlan("buy", date(2020, 1, 10), "basic", M),
    ]
    lines, contracts = _lines_and_contracts(TARIFF, events, date(2020, 1, 10))
    assert lines == [
        ("2020-01-10", "site:zeta", "included", "0.00", "2020-01-10", "billing_day"),
        ("2020-01-10", "site:paid", "charge", "13.00", "2020-01-04", "p"),
        ("2020-01-10", "store:zeta", "charge", "9.00", "2020-01-05", "st"),
        ("2020-01-10", "plan", "charge", "19.00", "2020-01-10", "buy"),
        ("2020-01-10", "site:alpha", "charge", "13.00", "2020-01-10", "buy"),
    ]
    assert contracts == [
        ("site:paid", False),
        ("store:zeta", False),
        ("plan", False),
        ("site:zeta", True),
        ("site:alpha", False),
    ]


def test_a_plan_bought_again_after_a_cancellation_includes_the_sites_again() -> None:
    # Basic from Jan 10, home in its slot; cancelled Jan 20 (Jan 21 - Feb 9 unused: 19.00 x 20/31 = 12.25,
    # rounded down); bought again Feb 1: home takes the new plan's slot again.
    from billingcore.events import Cancel

    events = [
        BuyPlan("b1", date(2020, 1, 10), "basic", M),
        PublishSite("h", date(2020, 1, 10), "home"),
        Cancel("c", date(2020, 1, 20), "plan"),
        BuyPlan("b2", date(2020, 2, 1), "basic", M),
    ]
    lines, contracts = _lines_and_contracts(TARIFF, events, date(2020, 2, 10))
    assert lines[2:] == [
        ("2020-02-10", "site:home", "included", "0.00", "2020-02-10", "billing_day"),
        ("2020-02-10", "plan", "credit", "-12.25", "2020-01-21", "c"),
        ("2020-02-10", "plan", "charge", "19.00", "2020-02-01", "b2"),
    ]
    assert contracts == [("plan", False), ("site:home", True)]


def test_a_seat_waiting_for_a_plan_without_seats_gets_a_contract_of_its_own() -> None:
    from billingcore.events import AddItem

    tariff = prepare(_inline("steps", STEPS), "steps")
    events = [
        StartTrial("t", date(2021, 3, 1)),
        AddItem("s", date(2021, 3, 2), "seat", "sam"),
        BuyPlan("buy", date(2021, 3, 5), "none", M),
    ]
    assert _lines_and_contracts(tariff, events, date(2021, 3, 5))[1] == [("plan", False), ("seat:sam", False)]


# -- the order items were added in: the newest is the last (features/items.py, docs/performance.md "Many items") --


def _added_again() -> list[Any]:
    """In the trial: blog and shop published, blog removed (no contract yet: the item is kept, out of use) and
    published again; then news."""
    return [
        StartTrial("t", date(2021, 1, 1)),
        PublishSite("s1", date(2021, 1, 2), "blog"),
        PublishSite("s2", date(2021, 1, 3), "shop"),
        RemoveItem("r", date(2021, 1, 4), "blog"),
        PublishSite("s3", date(2021, 1, 5), "blog"),  # added again: the newest
        PublishSite("s4", date(2021, 1, 6), "news"),
    ]


def test_an_item_added_again_is_the_newest_and_the_next_comes_after_it() -> None:
    items = _state(_added_again(), date(2021, 1, 6))["items"]
    assert [(i["name"], i["order"]) for i in items] == [("shop", 2), ("blog", 3), ("news", 4)]


def test_a_state_listing_items_out_of_their_order_loads_them_in_order() -> None:
    """A state written before items were kept in order lists an item added again at its old place: loaded,
    the items are in their order, and the next item comes after the newest."""
    saved = _state(_added_again()[:-1], date(2021, 1, 5))
    assert [i["name"] for i in saved["items"]] == ["shop", "blog"]
    saved["items"].reverse()  # blog (order 3) before shop (2), as an older billingcore wrote it
    state = load_state(saved)
    assert [(i.name, i.order) for i in state.parts["items"].values()] == [("shop", 2), ("blog", 3)]
    later = bill(TARIFF, Account("a", "duda", "US"), [PublishSite("s4", date(2021, 1, 6), "news")],
                 date(2021, 1, 6), state=state)  # fmt: skip
    orders = [(i["name"], i["order"]) for i in dump_state(later.state)["items"]]
    assert orders == [("shop", 2), ("blog", 3), ("news", 4)]

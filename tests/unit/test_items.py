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
from billingcore.snapshot import dump_state

ROOT = Path(__file__).resolve().parents[2]
TARIFF = prepare(load([ROOT / "plans" / "duda.yaml", ROOT / "rules"]), "duda")
M = Period.MONTHLY


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
        {"name": "blog", "product": "site", "key": "site:blog", "active": False, "order": 1, "includable": True}
    ]
    assert [c["key"] for c in state["contracts"]] == ["plan"]


def test_a_removed_included_site_frees_its_slot_and_its_name_can_be_published_again() -> None:
    events = [
        BuyPlan("p", date(2020, 1, 10), "basic", M),
        PublishSite("s", date(2020, 1, 10), "blog"),
        RemoveItem("r", date(2020, 1, 12), "blog"),
    ]
    state = _state(events, date(2020, 1, 12))
    assert [(i["name"], i["active"]) for i in state["items"]] == [("blog", False)]
    assert [(c["key"], c["included"], c["ended"]) for c in state["contracts"]] == [
        ("plan", False, False),
        ("site:blog", True, True),
    ]
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

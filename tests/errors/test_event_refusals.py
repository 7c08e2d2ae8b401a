"""Every refusal of every feature's handlers, with its exact message and hint: the last event of each
timeline cannot be applied, and the diagnostic says why and what to do instead. (Mutation testing showed
that a changed message, hint or guard went unnoticed where no test named it.)"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest

from billingcore.catalog.loader import Library
from billingcore.catalog.model import Period
from billingcore.engine import Account, bill, prepare
from billingcore.errors import EventError
from billingcore.events import (
    AddItem,
    AddStore,
    BuyApp,
    BuyOneOff,
    BuyPlan,
    Cancel,
    ChangePlan,
    ClearDontRenew,
    ConvertSite,
    PublishSite,
    RemoveApp,
    RemoveItem,
    SetDontRenew,
    UnpublishSite,
    UpgradeApp,
    UpgradeStore,
)

M, A = Period.MONTHLY, Period.ANNUAL
d = date(2020, 1, 10)
P = BuyPlan("p", d, "team", M)  # Team: one included site

CASES = [
    pytest.param(
        [BuyPlan("x", d, "teem", M)],
        None,
        "unknown plan `teem`",
        "did you mean `team`?",
        id="buy_plan unknown",
    ),
    pytest.param(
        [P, BuyPlan("x", d, "basic", M)],
        None,
        "the account already has a plan",
        "to move to another plan or period, use change_plan",
        id="buy_plan twice",
    ),
    pytest.param(
        [BuyPlan("x", d, "team", Period.QUARTERLY)],
        None,
        "plan `team` has no quarterly price",
        "choose a period it has: monthly, annual",
        id="buy_plan no price",
    ),
    pytest.param(
        [ChangePlan("x", d, "team", M)],
        None,
        "the account has no plan to change",
        "buy one first with buy_plan",
        id="change_plan no plan",
    ),
    pytest.param(
        [P, ChangePlan("x", d, "agensy", M)],
        None,
        "unknown plan `agensy`",
        "did you mean `agency`?",
        id="change_plan unknown",
    ),
    pytest.param(
        [P, ChangePlan("x", d, "team", M)],
        None,
        "the account is already on plan `team` (monthly)",
        "change to another plan or period",
        id="change_plan same",
    ),
    pytest.param(
        [P, ChangePlan("x", d, "agency", Period.BIENNIAL)],
        None,
        "plan `agency` has no biennial price",
        "choose a period it has: monthly, annual",
        id="change_plan no price",
    ),
    pytest.param(
        [P, PublishSite("x", d, "blog", M, "store-standard")],
        None,
        "unknown site `store-standard`",
        "known: site, unlimited-site",
        id="publish not a site",
    ),
    pytest.param(
        [P, PublishSite("s", d, "blog", M), PublishSite("x", d, "blog", M)],
        None,
        "site `blog` is already published",
        "give the new site another name",
        id="publish twice",
    ),
    pytest.param(
        [P, PublishSite("s", d, "home"), PublishSite("x", d, "blog")],
        None,
        "no free included slot for site `blog`",
        "give it a contract of its own (period: monthly or annual), or free a slot first",
        id="publish no slot",
    ),
    pytest.param(
        [P, PublishSite("x", d, "old", M, "unlimited-site")],
        None,
        "product `unlimited-site` has no monthly price",
        "choose a period it has: annual",
        id="publish no price",
    ),
    pytest.param(
        [P, AddItem("x", d, "sight", "blog")],
        None,
        "unknown product `sight`",
        "did you mean `site`?",
        id="add_item unknown",
    ),
    pytest.param(
        [P, AddItem("x", d, "store-standard", "shop")],
        None,
        "`store-standard` is an add-on to `site`",
        "add it with its own event",
        id="add_item addon",
    ),
    pytest.param(
        [P, AddItem("s", d, "site", "blog", M), AddItem("x", d, "site", "blog", M)],
        None,
        "site `blog` is already published",
        "give the new site another name",
        id="add_item twice",
    ),
    pytest.param(
        [P, AddItem("s", d, "site", "home"), AddItem("x", d, "site", "blog")],
        None,
        "no free included slot for site `blog`",
        "give it a contract of its own (period: monthly or annual), or free a slot first",
        id="add_item no slot",
    ),
    pytest.param(
        [P, AddItem("x", d, "unlimited-site", "old", M)],
        None,
        "product `unlimited-site` has no monthly price",
        "choose a period it has: annual",
        id="add_item no price",
    ),
    pytest.param(
        [P, UnpublishSite("x", d, "blog")],
        None,
        "site `blog` is not published",
        "only a published site can be taken offline",
        id="unpublish not published",
    ),
    pytest.param(
        [P, PublishSite("s1", d, "shop", M), PublishSite("s2", d, "blog", M), BuyApp("x", d, "news", "app-crm", M)],
        None,
        "site `news` does not exist",
        "publish it first (sites: blog, shop)",
        id="buy_app missing site among several",
    ),
    pytest.param(
        [P, AddItem("s", d, "site", "home"), RemoveItem("x", d, "blog")],
        None,
        "no item `blog` to remove",
        "items in use: home",
        id="remove_item none",
    ),
    pytest.param(
        [P, ConvertSite("x", d, "blog", A)],
        None,
        "site `blog` has no contract to convert",
        "publish it first",
        id="convert none",
    ),
    pytest.param(
        [P, PublishSite("s", d, "blog", A), ConvertSite("x", d, "blog", A)],
        None,
        "site `blog` is already billed annual",
        "convert it to another period",
        id="convert same",
    ),
    pytest.param(
        [P, PublishSite("s", d, "old", A, "unlimited-site"), ConvertSite("x", d, "old", M)],
        None,
        "product `unlimited-site` has no monthly price",
        "choose a period it has: annual",
        id="convert no price",
    ),
    pytest.param(
        [P, AddStore("x", d, "shop", "store-standard", M)],
        None,
        "site `shop` does not exist",
        "publish it first (sites: none yet)",
        id="add_store missing site",
    ),
    pytest.param(
        [P, PublishSite("s", d, "shop", M), AddStore("x", d, "shop", "store-premium", M)],
        None,
        "unknown store `store-premium`",
        "known: store-advanced, store-standard, store-unlimited",
        id="add_store unknown",
    ),
    pytest.param(
        [
            P,
            PublishSite("s", d, "shop", M),
            AddStore("a", d, "shop", "store-standard", M),
            AddStore("x", d, "shop", "store-advanced", M),
        ],
        None,
        "site `shop` already has a store",
        "changing it is a store upgrade (upgrade_store)",
        id="add_store twice",
    ),
    pytest.param(
        [P, PublishSite("s", d, "shop", M), AddStore("x", d, "shop", "store-standard", Period.QUARTERLY)],
        None,
        "store `store-standard` has no quarterly price",
        "choose a period it has: monthly, annual",
        id="add_store no price",
    ),
    pytest.param(
        [P, BuyApp("x", d, "shop", "app-crm", M)],
        None,
        "site `shop` does not exist",
        "publish it first (sites: none yet)",
        id="buy_app missing site",
    ),
    pytest.param(
        [P, PublishSite("s", d, "shop", M), BuyApp("x", d, "shop", "app-cms", M)],
        None,
        "unknown app `app-cms`",
        "did you mean `app-crm`?",
        id="buy_app unknown",
    ),
    pytest.param(
        [P, PublishSite("s", d, "shop", M), BuyApp("a", d, "shop", "app-crm", M), BuyApp("x", d, "shop", "app-crm", M)],
        None,
        "app `app-crm` is already on site `shop`",
        "an app is bought once per site",
        id="buy_app twice",
    ),
    pytest.param(
        [P, PublishSite("s", d, "shop", M), UpgradeStore("x", d, "shop", "store-advanced")],
        None,
        "site `shop` has no store to upgrade",
        "add one first (add_store)",
        id="upgrade_store none",
    ),
    pytest.param(
        [
            P,
            PublishSite("s", d, "shop", M),
            AddStore("a", d, "shop", "store-standard", M),
            UpgradeStore("x", d, "shop", "store-gold"),
        ],
        None,
        "unknown store `store-gold`",
        "did you mean `store-unlimited`?",
        id="upgrade_store unknown",
    ),
    pytest.param(
        [
            P,
            PublishSite("s", d, "shop", M),
            AddStore("a", d, "shop", "store-standard", M),
            UpgradeStore("x", d, "shop", "store-standard"),
        ],
        None,
        "the store is already `store-standard`",
        "choose another store",
        id="upgrade_store same",
    ),
    pytest.param(
        [P, PublishSite("s", d, "shop", M), UpgradeApp("x", d, "shop", "app-crm", "app-crm-pro")],
        None,
        "app `app-crm` is not on site `shop`",
        "buy it first (buy_app)",
        id="upgrade_app none",
    ),
    pytest.param(
        [
            P,
            PublishSite("s", d, "shop", M),
            BuyApp("a", d, "shop", "app-crm", M),
            BuyApp("b", d, "shop", "app-crm-pro", M),
            UpgradeApp("x", d, "shop", "app-crm", "app-crm-pro"),
        ],
        None,
        "app `app-crm-pro` is already on site `shop`",
        "an app is bought once per site",
        id="upgrade_app target there",
    ),
    pytest.param(
        [
            P,
            PublishSite("s", d, "shop", M),
            BuyApp("a", d, "shop", "app-crm", M),
            UpgradeApp("x", d, "shop", "app-crm", "app-erp"),
        ],
        None,
        "unknown app `app-erp`",
        "did you mean `app-crm`?",
        id="upgrade_app unknown",
    ),
    pytest.param(
        [
            P,
            PublishSite("s", d, "shop", M),
            BuyApp("a", d, "shop", "app-crm", M),
            UpgradeApp("x", d, "shop", "app-crm", "app-crm"),
        ],
        None,
        "the app is already `app-crm`",
        "choose another app",
        id="upgrade_app same",
    ),
    pytest.param(
        [P, PublishSite("s", d, "shop", M), RemoveApp("x", d, "shop", "app-crm")],
        None,
        "app `app-crm` is not on site `shop`",
        "only an app on the site can be removed",
        id="remove_app none",
    ),
    pytest.param(
        [BuyOneOff("x", d, "premium-imag")],
        None,
        "unknown one-off item `premium-imag`",
        "did you mean `premium-image`?",
        id="one_off unknown",
    ),
    pytest.param(
        [BuyOneOff("x", d, "premium-image", 0)],
        None,
        "quantity must be positive, got 0",
        "give the number of units bought, e.g. 1",
        id="one_off quantity",
    ),
    pytest.param(
        [P, PublishSite("s", d, "blog", A), Cancel("x", d, "store:blog")],
        None,
        "no running contract `store:blog` to cancel",
        "running: plan, site:blog; an included site ends by unpublishing it",
        id="cancel unknown among two",
    ),
    pytest.param(
        [P, RemoveItem("x", d, "blog")],
        None,
        "no item `blog` to remove",
        "items in use: none",
        id="remove_item none at all",
    ),
    pytest.param(
        [P, Cancel("x", d, "site:blog")],
        None,
        "no running contract `site:blog` to cancel",
        "running: plan; an included site ends by unpublishing it",
        id="cancel unknown",
    ),
    pytest.param(
        [P, SetDontRenew("x", d, "store:shop")],
        None,
        "no running contract `store:shop`",
        "running: plan",
        id="set_dont_renew unknown",
    ),
    pytest.param(
        [ClearDontRenew("x", d, "plan")],
        None,
        "no running contract `plan`",
        "running: none",
        id="clear_dont_renew unknown",
    ),
    pytest.param(
        [
            P,
            PublishSite("s", d, "shop", M),
            AddStore("a", d, "shop", "store-advanced", M),
            UpgradeStore("x", d, "shop", "store-standard"),
        ],
        "wedos",
        "changing the store from `store-advanced` to `store-standard` is a downgrade, which rule set `wedos` forbids",
        "proration.downgrades: forbidden in the rule set; choose a higher tier, or cancel and buy anew",
        id="upgrade_store downgrade",
    ),
    pytest.param(
        [
            P,
            PublishSite("s", d, "shop", M),
            BuyApp("a", d, "shop", "app-crm-pro", M),
            UpgradeApp("x", d, "shop", "app-crm-pro", "app-crm"),
        ],
        "wedos",
        "changing the app from `app-crm-pro` to `app-crm` is a downgrade, which rule set `wedos` forbids",
        "proration.downgrades: forbidden in the rule set; choose a higher tier, or cancel and buy anew",
        id="upgrade_app downgrade",
    ),
]


@pytest.mark.parametrize(("events", "rule_set", "message", "hint"), CASES)
def test_the_refused_event_is_named_with_its_reason_and_a_hint(
    library: Library, events: list[Any], rule_set: str | None, message: str, hint: str
) -> None:
    tariff = prepare(library, "duda")
    if rule_set is not None:
        rules = library.rule_sets[rule_set]
        tariff = attrs.evolve(tariff, rules=rules, billing=attrs.evolve(tariff.billing, rules=rules))
    with pytest.raises(EventError) as info:
        bill(tariff, Account("a", "duda", "US"), events, date(2020, 3, 1))
    last = events[-1]
    assert [(d.code, d.message, d.hint, d.location) for d in info.value.diagnostics] == [
        ("bad-event", f"event x ({last.TYPE} on {last.date}): {message}", hint, None)
    ]

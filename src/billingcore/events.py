"""The event vocabulary: what a customer did, and when.

Events are frozen, dated and carry an id; loaded from YAML/JSON they also keep their source location
so an impossible action can be reported at file:line:col. `type` names the event in files:

    - {id: e1, date: 2020-01-10, type: buy_plan, plan: team, period: annual}
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from billingcore.catalog.fields import Quantity, SourceRef, field, src_field
from billingcore.catalog.model import Period


@attrs.frozen
class StartTrial:
    id: str = field("Event id, unique within the account.")
    date: date = field("Day the event happens.")
    src: SourceRef = src_field()


@attrs.frozen
class BuyPlan:
    """Buy the account plan; the first paid plan purchase fixes the billing day (Duda)."""

    id: str = field("Event id.")
    date: date = field("Day of purchase.")
    plan: str = field("Plan id from the catalog.")
    period: Period = field("Billing period of the plan contract.")
    src: SourceRef = src_field()


@attrs.frozen
class PublishSite:
    """Publish a site. With `period` it gets its own contract unless it fills a free included slot;
    without `period` it is published as included (during a trial it waits for the plan's slots)."""

    id: str = field("Event id.")
    date: date = field("Day the site goes live.")
    site: str = field("The customer's name for the site, e.g. blog.")
    period: Period | None = field("monthly or annual; omit to publish as included.", default=None)
    product: str = field("Site product id from the catalog.", default="site")
    src: SourceRef = src_field()


@attrs.frozen
class UnpublishSite:
    """Take a site offline. Its contract keeps renewing (Duda: unpublishing does not cancel)."""

    id: str = field("Event id.")
    date: date = field("Day the site goes offline.")
    site: str = field("Site name.")
    src: SourceRef = src_field()


@attrs.frozen
class ConvertSite:
    """Change a site's contract period (monthly -> annual); the unused part is credited."""

    id: str = field("Event id.")
    date: date = field("Day of the change.")
    site: str = field("Site name.")
    period: Period = field("The new period.")
    src: SourceRef = src_field()


@attrs.frozen
class ChangePlan:
    """Change the account plan or its period (Basic -> Team, monthly -> annual). Upgrades are prorated;
    downgrades follow the rule set (`proration.downgrades`). Included sites are re-allocated."""

    id: str = field("Event id.")
    date: date = field("Day of the change.")
    plan: str = field("The new plan id.")
    period: Period = field("The new billing period.")
    src: SourceRef = src_field()


@attrs.frozen
class UpgradeStore:
    """Change a site's store to another tier (standard -> advanced -> unlimited)."""

    id: str = field("Event id.")
    date: date = field("Day of the change.")
    site: str = field("Site name.")
    store: str = field("The new store product id.")
    src: SourceRef = src_field()


@attrs.frozen
class UpgradeApp:
    """Change an app on a site to another app (a higher tier of it)."""

    id: str = field("Event id.")
    date: date = field("Day of the change.")
    site: str = field("Site name.")
    app: str = field("The app on the site now.")
    to: str = field("The app to change to.")
    src: SourceRef = src_field()


@attrs.frozen
class Cancel:
    """End a contract now; the unused part of its term is credited (credit note or negative line)."""

    id: str = field("Event id.")
    date: date = field("Day of the cancellation.")
    contract: str = field("Contract key: plan, site:NAME, store:NAME or app:NAME:APP.")
    src: SourceRef = src_field()


@attrs.frozen
class AddStore:
    """Add a store to a site; only the store is charged when the site is included."""

    id: str = field("Event id.")
    date: date = field("Day of purchase.")
    site: str = field("Site name.")
    store: str = field("Store product id.")
    period: Period = field("Billing period of the store contract.")
    src: SourceRef = src_field()


@attrs.frozen
class BuyApp:
    """Buy an app for a site: an independent contract, billed even when the site is unpublished."""

    id: str = field("Event id.")
    date: date = field("Day of purchase.")
    site: str = field("Site name.")
    app: str = field("App product id.")
    period: Period = field("Billing period of the app contract.")
    src: SourceRef = src_field()


@attrs.frozen
class RemoveApp:
    """Remove an app: its contract does not renew (the paid term runs out)."""

    id: str = field("Event id.")
    date: date = field("Day of removal.")
    site: str = field("Site name.")
    app: str = field("App product id.")
    src: SourceRef = src_field()


@attrs.frozen
class BuyOneOff:
    """Buy a one-off item (premium image): invoiced immediately on its own date."""

    id: str = field("Event id.")
    date: date = field("Day of purchase.")
    item: str = field("One-off item id.")
    quantity: Quantity = field("Number of units.", default=1)
    src: SourceRef = src_field()


@attrs.frozen
class SetDontRenew:
    """Don't renew a contract: it ends at its current term end. `contract` is `plan`, `site:NAME`,
    `store:NAME` or `app:NAME:APP`."""

    id: str = field("Event id.")
    date: date = field("Day the customer asked.")
    contract: str = field("Contract key.")
    src: SourceRef = src_field()


@attrs.frozen
class ClearDontRenew:
    """Undo don't-renew while the contract is still running."""

    id: str = field("Event id.")
    date: date = field("Day the customer asked.")
    contract: str = field("Contract key.")
    src: SourceRef = src_field()


Event = (
    StartTrial
    | BuyPlan
    | ChangePlan
    | PublishSite
    | UnpublishSite
    | ConvertSite
    | AddStore
    | UpgradeStore
    | BuyApp
    | UpgradeApp
    | RemoveApp
    | BuyOneOff
    | Cancel
    | SetDontRenew
    | ClearDontRenew
)

EVENT_TYPES: dict[str, type[Any]] = {
    "start_trial": StartTrial,
    "buy_plan": BuyPlan,
    "change_plan": ChangePlan,
    "publish_site": PublishSite,
    "unpublish_site": UnpublishSite,
    "convert_site": ConvertSite,
    "add_store": AddStore,
    "upgrade_store": UpgradeStore,
    "buy_app": BuyApp,
    "upgrade_app": UpgradeApp,
    "remove_app": RemoveApp,
    "buy_one_off": BuyOneOff,
    "cancel": Cancel,
    "set_dont_renew": SetDontRenew,
    "clear_dont_renew": ClearDontRenew,
}
TYPE_NAMES: dict[type[Any], str] = {cls: name for name, cls in EVENT_TYPES.items()}


def type_name(event: Event) -> str:
    return TYPE_NAMES[type(event)]

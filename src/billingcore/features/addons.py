"""Add-ons: products attached to an item (`attaches_to` in the catalog) — Duda's stores and apps on a
site. A store is one per site (another tier replaces it: an upgrade); apps are one contract per app.
Add-ons are billed on their own terms, whether the item is published or in an included slot."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import attrs

from billingcore.alignment import first_term
from billingcore.catalog.fields import SourceRef, field, src_field
from billingcore.catalog.model import Period, Product
from billingcore.catalog.rules import ChangeTerm, Downgrades
from billingcore.contracts import Contract, ContractKind, new_contract, running
from billingcore.features.base import Feature, Outcome, Problem, View, put, refuse, started
from billingcore.features.changes import change, no_price, price_for
from billingcore.features.items import missing_item, product_of
from billingcore.features.plans import forbidden


@attrs.frozen
class AddStore:
    """Add a store to a site; only the store is charged when the site is included."""

    TYPE: ClassVar[str] = "add_store"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of purchase.")
    site: str = field("Site name.")
    store: str = field("Store product id.")
    period: Period = field("Billing period of the store contract.")
    src: SourceRef = src_field()


@attrs.frozen
class UpgradeStore:
    """Change a site's store to another tier (standard -> advanced -> unlimited)."""

    TYPE: ClassVar[str] = "upgrade_store"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of the change.")
    site: str = field("Site name.")
    store: str = field("The new store product id.")
    src: SourceRef = src_field()


@attrs.frozen
class BuyApp:
    """Buy an app for a site: an independent contract, billed even when the site is unpublished."""

    TYPE: ClassVar[str] = "buy_app"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of purchase.")
    site: str = field("Site name.")
    app: str = field("App product id.")
    period: Period = field("Billing period of the app contract.")
    src: SourceRef = src_field()


@attrs.frozen
class UpgradeApp:
    """Change an app on a site to another app (a higher tier of it)."""

    TYPE: ClassVar[str] = "upgrade_app"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of the change.")
    site: str = field("Site name.")
    app: str = field("The app on the site now.")
    to: str = field("The app to change to.")
    src: SourceRef = src_field()


@attrs.frozen
class RemoveApp:
    """Remove an app: its contract does not renew (the paid term runs out)."""

    TYPE: ClassVar[str] = "remove_app"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of removal.")
    site: str = field("Site name.")
    app: str = field("App product id.")
    src: SourceRef = src_field()


STORE, APP = "store", "app"  # the product kinds Duda's store and app events take
_ADDON = ContractKind.ADDON  # bound once: see charges.py


def store_key(site: str) -> str:
    return f"store:{site}"


def app_key(site: str, app: str) -> str:
    return f"app:{site}:{app}"


def addon_label(view: View, product: Product, item: str) -> str:
    """An add-on's line label, from the catalog (Duda: "Standard store on blog")."""
    return view.tariff.labels.addon(product.name, item)


def attach(view: View, key: str, product: Product, site: str, period: Period, day: date, cause: str) -> Outcome:
    """A new add-on contract on `site` (both already checked to exist)."""
    price = product.prices.get(period)
    if price is None:
        return Outcome(problem=no_price(product.prices, period, product.kind, product.id))
    label = view.tariff.labels.addon(product.name, site)  # addon_label, inlined: one per purchase
    return started(*first_term(view, new_contract(key, _ADDON, product.id, label, period, day, price, site), cause))


def add_store(view: View, e: AddStore) -> Outcome:
    missing = missing_item(view, e.site)
    if missing is not None:
        return Outcome(problem=missing)
    product = product_of(view, e.store, STORE)
    if isinstance(product, Problem):
        return Outcome(problem=product)
    if running(view.contracts, store_key(e.site)) is not None:
        return refuse(f"site `{e.site}` already has a store", "changing it is a store upgrade (upgrade_store)")
    outcome = attach(view, store_key(e.site), product, e.site, e.period, e.date, e.id)
    if outcome.problem is not None:
        return outcome
    item = view.parts["items"][e.site]
    site = running(view.contracts, item.key)
    restart = view.tariff.rules.proration.change_term is ChangeTerm.RESTART
    if restart and site is not None and not site.included and site.period is e.period and site.billed_from != e.date:
        # Duda: the site's contract now includes the store and renews one period after the purchase
        new, charges = change(view, site, e.date, site.product, site.name, site.period, site.unit_price, e.id)
        return outcome._replace(removed=(site.key,), contracts=(new, *outcome.contracts), changes=tuple(charges))
    return outcome


def buy_app(view: View, e: BuyApp) -> Outcome:
    missing = missing_item(view, e.site)
    if missing is not None:
        return Outcome(problem=missing)
    product = product_of(view, e.app, APP)
    if isinstance(product, Problem):
        return Outcome(problem=product)
    if running(view.contracts, app_key(e.site, e.app)) is not None:
        return refuse(f"app `{e.app}` is already on site `{e.site}`", "an app is bought once per site")
    return attach(view, app_key(e.site, e.app), product, e.site, e.period, e.date, e.id)


def upgrade_store(view: View, e: UpgradeStore) -> Outcome:
    old = running(view.contracts, store_key(e.site))
    if old is None:
        return refuse(f"site `{e.site}` has no store to upgrade", "add one first (add_store)")
    # the store keeps its key (store_key(site)): that is also change()'s default, so None would do the same
    return _upgrade(view, old, e.store, STORE, "the store", e.date, old.key, e.id)  # pragma: no mutate


def upgrade_app(view: View, e: UpgradeApp) -> Outcome:
    old = running(view.contracts, app_key(e.site, e.app))
    if old is None or old.dont_renew:
        return refuse(f"app `{e.app}` is not on site `{e.site}`", "buy it first (buy_app)")
    if e.to == e.app:
        return refuse(f"the app is already `{e.app}`", "choose another app")
    if running(view.contracts, app_key(e.site, e.to)) is not None:
        return refuse(f"app `{e.to}` is already on site `{e.site}`", "an app is bought once per site")
    return _upgrade(view, old, e.to, APP, "the app", e.date, app_key(e.site, e.to), e.id)


def _upgrade(view: View, old: Contract, to: str, kind: str, what: str, day: date, key: str, cause: str) -> Outcome:
    t = view.tariff
    product = product_of(view, to, kind)
    if isinstance(product, Problem):
        return Outcome(problem=product)
    if product.id == old.product:
        return refuse(f"{what} is already `{product.id}`", f"choose another {kind}")
    if product.rank < t.products[old.product].rank and t.rules.proration.downgrades is Downgrades.FORBIDDEN:
        return Outcome(problem=forbidden(f"changing {what}", old.product, product.id, t.rules.rule_set))
    price = price_for(product.prices, old.period, kind, product.id)
    if isinstance(price, Problem):
        return Outcome(problem=price)
    label = addon_label(view, product, str(old.item))  # an add-on is always on an item
    new, charges = change(view, old, day, product.id, label, old.period, price, cause, key)
    return Outcome(contracts=(new,), removed=(old.key,), changes=tuple(charges))


def remove_app(view: View, e: RemoveApp) -> Outcome:
    contract = running(view.contracts, app_key(e.site, e.app))
    if contract is None or contract.dont_renew:
        return refuse(f"app `{e.app}` is not on site `{e.site}`", "only an app on the site can be removed")
    return put(contract._replace(dont_renew=True))  # the paid term runs out


FEATURE = Feature(
    name="addons",
    events={
        AddStore: add_store,
        UpgradeStore: upgrade_store,
        BuyApp: buy_app,
        UpgradeApp: upgrade_app,
        RemoveApp: remove_app,
    },
)

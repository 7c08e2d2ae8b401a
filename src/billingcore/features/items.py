"""Items: named things of a standalone product that the customer adds to the account — a site, a seat,
a mailbox. An item either fills one of the plan's included slots (the `slots` feature says whether one
is free) or has a contract of its own at its product's price.

Two vocabularies, one behaviour: `add_item` / `remove_item` for any standalone product, and Duda's
`publish_site` / `unpublish_site` / `convert_site` for products of kind `site`. They differ where Duda
differs: an unpublished site keeps paying (Duda: unpublishing does not cancel), a removed item's paid
term runs out and it does not renew. Either way an included slot is freed at once.

This feature's part of the saved state: the account's items, by name, in the order they were added (slots
are filled in that order). A removed item that no contract names any more is forgotten.
"""

from __future__ import annotations

from datetime import date
from operator import attrgetter
from typing import Any, ClassVar

import attrs

from billingcore.alignment import first_term
from billingcore.catalog.fields import SourceRef, field, src_field
from billingcore.catalog.model import Period, Product
from billingcore.codegen import maker, record_codec, record_list
from billingcore.contracts import Contract, ContractKind, new_contract, running
from billingcore.features.base import (
    NOTHING,
    ContractsForgotten,
    Feature,
    Outcome,
    Part,
    Problem,
    View,
    put,
    refuse,
    started,
    unknown,
)
from billingcore.features.changes import change, no_price, price_for
from billingcore.features.item import Item, Items
from billingcore.features.plans import PLAN
from billingcore.features.slots import has_free_slot, include
from billingcore.tariff import Tariff

SITE = "site"  # the product kind Duda's site events take


@attrs.frozen
class PublishSite:
    """Publish a site. With `period` it gets its own contract unless it fills a free included slot;
    without `period` it is published as included (during a trial it waits for the plan's slots)."""

    TYPE: ClassVar[str] = "publish_site"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day the site goes live.")
    site: str = field("The customer's name for the site, e.g. blog.")
    period: Period | None = field("monthly or annual; omit to publish as included.", default=None)
    product: str = field("Site product id from the catalog.", default="site")
    src: SourceRef = src_field()


@attrs.frozen
class UnpublishSite:
    """Take a site offline. Its contract keeps renewing (Duda: unpublishing does not cancel)."""

    TYPE: ClassVar[str] = "unpublish_site"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day the site goes offline.")
    site: str = field("Site name.")
    src: SourceRef = src_field()


@attrs.frozen
class ConvertSite:
    """Change a site's contract period (monthly -> annual); the unused part is credited."""

    TYPE: ClassVar[str] = "convert_site"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of the change.")
    site: str = field("Site name.")
    period: Period = field("The new period.")
    src: SourceRef = src_field()


@attrs.frozen
class AddItem:
    """Add a named item of a standalone product (a seat, a mailbox, a site): it fills a free included slot
    of its product when the plan has one (without `period`, or with `period: monthly`), otherwise it has
    its own contract at the product's price."""

    TYPE: ClassVar[str] = "add_item"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day the item is added.")
    product: str = field("Product id from the catalog (not an add-on).")
    item: str = field("The customer's name for it, e.g. alice; unique within the account.")
    period: Period | None = field("Billing period of its own contract; omit to take an included slot.", default=None)
    src: SourceRef = src_field()


@attrs.frozen
class RemoveItem:
    """Remove an item: an included slot is freed at once; a paid contract runs to its term end and does
    not renew (cancel it for a credit of the unused part)."""

    TYPE: ClassVar[str] = "remove_item"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day the item is removed.")
    item: str = field("The item's name.")
    src: SourceRef = src_field()


_MONTHLY, _ITEM = Period.MONTHLY, ContractKind.ITEM  # bound once: see charges.py
_ORDER = attrgetter("order")
_item = maker(Item, "name", "product", "key", "order", "includable", active=True, removed=False)  # a new item


def product_of(view: View, product_id: str, kind: str) -> Product | Problem:
    """The catalog product of that kind, or the problem with the name."""
    product = view.tariff.products.get(product_id)
    if product is None or product.kind != kind:
        return _not_a(view, product_id, kind)
    return product


def _not_a(view: View, product_id: str, kind: str) -> Problem:
    return unknown(kind, product_id, [p.id for p in view.tariff.products.values() if p.kind == kind])


def missing_item(view: View, name: str) -> Problem | None:
    """The problem when no site of that name was ever published (add-ons go on sites)."""
    items: Items = view.parts["items"]
    if name in items:
        return None
    known = ", ".join(sorted(items)) or "none yet"
    return Problem(f"site `{name}` does not exist", f"publish it first (sites: {known})")


def publish(view: View, e: PublishSite) -> Outcome:
    product = view.tariff.products.get(e.product)
    if product is None or product.kind != SITE:
        return Outcome(problem=_not_a(view, e.product, SITE))
    return _add(view, product, e.site, e.period, e.date, SITE, e.id, renew_again=False)


def add_item(view: View, e: AddItem) -> Outcome:
    product = view.tariff.products.get(e.product)
    if product is None or product.attaches_to is not None:
        standalone = [p.id for p in view.tariff.products.values() if p.attaches_to is None]
        problem = unknown("product", e.product, standalone)
        if product is not None:  # an add-on: it goes on an item, not on the account
            problem = Problem(f"`{e.product}` is an add-on to `{product.attaches_to}`", "add it with its own event")
        return Outcome(problem=problem)
    return _add(view, product, e.item, e.period, e.date, product.kind, e.id, renew_again=True)


def _add(
    view: View,
    product: Product,
    name: str,
    period: Period | None,
    day: date,
    what: str,
    cause: str,
    renew_again: bool,
) -> Outcome:
    """A new item `name` of `product`: in a free included slot (Duda: newly published sites fill free
    slots; without a period it must), or on a contract of its own. An item added again while its
    contract still runs is active again (`renew_again`: and that contract renews again)."""
    items: Items = view.parts["items"]
    existing = items.get(name)
    if existing is not None and existing.active:
        done = "published" if what == SITE else "added"
        return refuse(f"{what} `{name}` is already {done}", f"give the new {what} another name")
    if existing is not None and running(view.contracts, existing.key) is not None:
        back = {**items, name: existing._replace(active=True, removed=False)}  # its contract ran on meanwhile
        contract = view.contracts[existing.key]
        if renew_again and contract.dont_renew:
            return put(contract._replace(dont_renew=False), part=back)
        return Outcome(part=back)
    # Items are kept in the order they were added (loaded ones sorted: _load_items), so the newest is the last
    # and a new one's order comes after it: no pass over all of them (an agency's thousandth site).
    order = next(reversed(items.values())).order + 1 if items else 1
    item: Item = _item(name, product.id, f"{product.kind}:{name}", order, product.includable)
    if existing is None:
        part = {**items, name: item}
    else:  # added again after its contract ended: it moves to the end, as the newest
        part = {key: kept for key, kept in items.items() if key != name}
        part[name] = item
    if period is None:
        if running(view.contracts, PLAN) is None:
            return Outcome(part=part)  # added during a trial: takes a slot (or a contract) when the plan is bought
        if product.includable and has_free_slot(view, product.id):
            return put(include(view, item, day), part=part)
        return refuse(
            f"no free included slot for {what} `{name}`",
            "give it a contract of its own (period: monthly or annual), or free a slot first",
        )
    if period is _MONTHLY and product.includable and has_free_slot(view, product.id):
        return put(include(view, item, day), part=part)
    price = product.prices.get(period)
    if price is None:
        return Outcome(problem=no_price(product.prices, period, "product", product.id))
    label = view.tariff.labels.item(product.name, name)  # item_label, inlined: one per purchase
    contract, charge = first_term(
        view, new_contract(item.key, _ITEM, product.id, label, period, day, price, name), cause
    )
    return started(contract, charge, part)


def unpublish(view: View, e: UnpublishSite) -> Outcome:
    items: Items = view.parts["items"]
    item = items.get(e.site)
    if item is None or not item.active or view.tariff.products[item.product].kind != SITE:
        return refuse(f"site `{e.site}` is not published", "only a published site can be taken offline")
    part = {**items, e.site: item._replace(active=False)}
    contract = running(view.contracts, item.key)
    if contract is not None and contract.included:
        return put(contract._replace(ended=True), part=part)  # frees the slot
    return Outcome(part=part)  # a paid site keeps its contract (Duda)


def remove_item(view: View, e: RemoveItem) -> Outcome:
    items: Items = view.parts["items"]
    item = items.get(e.item)
    if item is None or not item.active:
        known = ", ".join(sorted(n for n, i in items.items() if i.active)) or "none"
        return refuse(f"no item `{e.item}` to remove", f"items in use: {known}")
    part = {**items, e.item: item._replace(active=False, removed=True)}
    contract = running(view.contracts, item.key)
    if contract is None:
        return Outcome(part=part)
    if contract.included:
        return put(contract._replace(ended=True), part=part)  # the slot is free at once
    return put(contract._replace(dont_renew=True), part=part)  # the paid term runs out


def convert(view: View, e: ConvertSite) -> Outcome:
    item = view.parts["items"].get(e.site)
    contract = running(view.contracts, item.key) if item is not None else None
    if contract is None:
        return refuse(f"site `{e.site}` has no contract to convert", "publish it first")
    if contract.period is e.period and not contract.included:
        return refuse(f"site `{e.site}` is already billed {e.period.value}", "convert it to another period")
    price = price_for(view.tariff.products[contract.product].prices, e.period, "product", contract.product)
    if isinstance(price, Problem):
        return Outcome(problem=price)
    # an included site converted to annual pays the full price and frees its slot (Duda)
    new, charges = change(view, contract, e.date, contract.product, contract.name, e.period, price, e.id)
    return Outcome(contracts=(new,), removed=(contract.key,), changes=tuple(charges))


def forget(view: View, signal: ContractsForgotten) -> Outcome:
    """A removed item that no contract names any more (its own and its add-ons' have ended and been
    forgotten) is forgotten too: the state keeps what the account has, not everything it ever had. An
    unpublished site stays: it is still the customer's, and an app bought on it is billed (Duda)."""
    items: Items = view.parts["items"]
    named = {c.item for c in view.contracts.values()}
    gone = [name for name, item in items.items() if item.removed and name not in named]
    if not gone:
        return NOTHING
    return Outcome(part={name: item for name, item in items.items() if name not in gone})


_RECORD = record_codec(Item, ranges={"order": (1, None)})


_ITEMS = record_list(_RECORD, "name", "a second item named {}")


def _load_items(data: Any) -> Items:
    """The saved items in the order they were added (their `order`): a state written before items were kept
    that way may list an item added again at its old place."""
    items: Items = _ITEMS.load(data)
    last = 0
    for item in items.values():  # a plain loop: every saved state passes here
        if item.order <= last:
            return {item.name: item for item in sorted(items.values(), key=_ORDER)}
        last = item.order
    return items


def _unknown(tariff: Tariff, items: Items, contracts: tuple[Contract, ...]) -> list[tuple[str, str]]:
    """Every item's product must be in the catalog, and every item contract's item among the items."""
    products = {item.product for item in items.values()}
    named = {c.item for c in contracts if c.kind is ContractKind.ITEM}
    if products <= tariff.products.keys() and named <= items.keys():  # the usual state, quickly
        return []
    catalog = tariff.catalog.catalog
    found = [
        (f"[{i}].product", f"item `{item.name}` is a `{item.product}`, not in catalog `{catalog}`")
        for i, item in enumerate(items.values())
        if item.product not in tariff.products
    ]
    return found + [("", f"contract `{c.key}` is for item `{c.item}`, which is not among the items")
                    for c in contracts if c.kind is ContractKind.ITEM and c.item not in items]  # fmt: skip


FEATURE = Feature(
    name="items",
    events={
        PublishSite: publish,
        UnpublishSite: unpublish,
        ConvertSite: convert,
        AddItem: add_item,
        RemoveItem: remove_item,
    },
    signals={ContractsForgotten: forget},
    part=Part("items", {}, _ITEMS.dump, _load_items, _ITEMS.problems, _unknown),
)

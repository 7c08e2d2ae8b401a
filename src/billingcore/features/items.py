"""Items: named things of a standalone product the customer adds to the account — Duda's sites (publish,
unpublish, convert). An item either fills one of the plan's included slots (the `slots` feature says
whether one is free) or has a contract of its own. Its part of the state: every item ever added, and
the order they were added in (slots are filled in that order)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, NamedTuple

import attrs

from billingcore.catalog.fields import SourceRef, field, src_field
from billingcore.catalog.model import Period, Product, ProductKind
from billingcore.charges import term_charge
from billingcore.codegen import record_codec
from billingcore.contracts import ContractKind, new_contract, running
from billingcore.features.base import Feature, Outcome, Part, Problem, View, put, refuse, started, unknown
from billingcore.features.changes import change, no_price, price_for
from billingcore.features.plans import PLAN
from billingcore.features.slots import has_free_slot, include, item_label


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


class Item(NamedTuple):
    name: str  # the customer's name for it, unique within the account
    product: str
    key: str  # its contract's key: <product kind>:<name>
    active: bool  # published (a site); an inactive item takes no slot
    order: int  # the order items were added in: included slots are filled in this order
    includable: bool  # the product may take an included slot


# The items part of the state: every item ever added, by name, in the order they were added (an item is
# never removed, so the next one's order is len + 1). Read only: a handler returns a new dict.
Items = dict[str, Item]


_SITE, _MONTHLY, _ITEM = ProductKind.SITE, Period.MONTHLY, ContractKind.ITEM  # bound once: see charges.py


def item_key(product: Product, name: str) -> str:
    return f"{product.kind!s}:{name}"  # `!s`: a StrEnum's text without the format machinery


def product_of(view: View, product_id: str, kind: ProductKind) -> Product | Problem:
    """The catalog product of that kind, or the problem with the name."""
    product = view.tariff.products.get(product_id)
    if product is None or product.kind is not kind:
        return _not_a(view, product_id, kind)
    return product


def _not_a(view: View, product_id: str, kind: ProductKind) -> Problem:
    return unknown(kind.value, product_id, [p.id for p in view.tariff.products.values() if p.kind is kind])


def missing_item(view: View, name: str) -> Problem | None:
    """The problem when no item of that name was ever added."""
    items: Items = view.parts["items"]
    if name in items:
        return None
    known = ", ".join(sorted(items)) or "none yet"
    return Problem(f"site `{name}` does not exist", f"publish it first (sites: {known})")


def publish(view: View, e: PublishSite) -> Outcome:
    product = view.tariff.products.get(e.product)
    if product is None or product.kind is not _SITE:
        return Outcome(problem=_not_a(view, e.product, _SITE))
    items: Items = view.parts["items"]
    existing = items.get(e.site)
    if existing is not None and existing.active:
        return refuse(f"site `{e.site}` is already published", "give the new site another name")
    if existing is not None and running(view.contracts, existing.key) is not None:
        republished = existing._replace(active=True)  # its contract ran on while it was offline
        return Outcome(part={**items, e.site: republished})
    key = f"{product.kind!s}:{e.site}"  # item_key, inlined
    item = Item(e.site, product.id, key, True, len(items) + 1, product.includable)
    part = {**items, e.site: item}
    if e.period is None:
        if running(view.contracts, PLAN) is None:
            return Outcome(part=part)  # a trial site: takes a slot (or a monthly contract) when the plan is bought
        if product.includable and has_free_slot(view, product.id):
            return put(include(view, item, e.date), part=part)
        return refuse(
            f"no free included slot for site `{e.site}`",
            "publish it with a monthly or annual contract (period: monthly), or free a slot first",
        )
    if e.period is _MONTHLY and product.includable and has_free_slot(view, product.id):
        return put(include(view, item, e.date), part=part)  # Duda: newly published sites fill free slots
    price = product.prices.get(e.period)
    if price is None:
        return Outcome(problem=no_price(product.prices, e.period, "product", product.id))
    contract = new_contract(item.key, _ITEM, product.id, item_label(e.site), e.period, e.date, price, e.site)
    return started(contract, term_charge(contract, e.date), part)


def unpublish(view: View, e: UnpublishSite) -> Outcome:
    items: Items = view.parts["items"]
    item = items.get(e.site)
    if item is None or not item.active:
        return refuse(f"site `{e.site}` is not published", "only a published site can be taken offline")
    part = {**items, e.site: item._replace(active=False)}
    contract = running(view.contracts, item.key)
    if contract is not None and contract.included:
        return put(contract._replace(ended=True), part=part)  # frees the slot
    return Outcome(part=part)


def convert(view: View, e: ConvertSite) -> Outcome:
    item = view.parts["items"].get(e.site)
    contract = running(view.contracts, item.key) if item is not None else None
    if contract is None:
        return refuse(f"site `{e.site}` has no contract to convert", "publish it first")
    if contract.period is e.period and not contract.included:
        return refuse(f"site `{e.site}` already has a {e.period.value} contract", "convert it to another period")
    price = price_for(view.tariff.products[contract.product].prices, e.period, "product", contract.product)
    if isinstance(price, Problem):
        return Outcome(problem=price)
    # an included site converted to annual pays the full price and frees its slot (Duda)
    new, charges = change(view.tariff, contract, e.date, contract.product, contract.name, e.period, price)
    return Outcome(contracts=(new,), removed=(contract.key,), changes=tuple(charges))


_dump_item, _load_item = record_codec(Item)


def _dump(items: Items) -> list[dict[str, object]]:
    return [_dump_item(i) for i in items.values()]


def _load(data: list[dict[str, object]]) -> Items:
    return {item.name: item for item in map(_load_item, data)}


FEATURE = Feature(
    name="items",
    events={PublishSite: publish, UnpublishSite: unpublish, ConvertSite: convert},
    part=Part("items", {}, _dump, _load),
)

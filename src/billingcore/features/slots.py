"""Included slots: a plan includes some items at no charge (Duda: one site in Basic and Team, eight or
four in Agency; a SaaS plan: two seats). Who takes a slot, and when:

- an item added while a slot of its product is free takes it (the `items` feature asks `has_free_slot`);
- items added during a trial take the plan's slots in the order they were added when the plan is
  bought (PlanBought); the rest get monthly contracts from that day;
- after a plan change (PlanChanged) paid monthly items fill new free slots at once, their unused days
  credited, and included items beyond a smaller plan's slots get monthly contracts;
- a slot freed later goes to the next active paid monthly item that renews (its paid term runs out
  first: Duda "Es kann 2 Monate dauern");
- cancelling the plan (ContractEnded) ends every included item.
The count of slots comes from the plan version in force on the plan's purchase date, never today's.
"""

from __future__ import annotations

from datetime import date

from billingcore.alignment import first_term
from billingcore.catalog.model import Period, Product
from billingcore.charges import proration_credit
from billingcore.contracts import Contract, ContractKind, new_contract, running
from billingcore.features.base import NOTHING, ContractEnded, Feature, Outcome, PlanBought, PlanChanged, View, put
from billingcore.features.item import Item, Items
from billingcore.features.plans import PLAN

_MONTHLY, _ITEM = Period.MONTHLY, ContractKind.ITEM  # bound once: see charges.py


def item_label(view: View, product: Product, name: str) -> str:
    """An item's line label, from the catalog: its product's name and the customer's name for it."""
    return view.tariff.labels.item(product.name, name)


def slot_counts(view: View) -> dict[str, int]:
    """Included slots of the running plan by product id (the plan version of its purchase date)."""
    plan = running(view.contracts, PLAN)
    if plan is None:
        return {}
    return view.tariff.plans[plan.product].version_on(plan.bought).included


def has_free_slot(view: View, product: str) -> bool:
    """Whether the running plan includes `product` and not every such slot is taken. (Runs for every
    item added and every paid monthly item renewed: one pass over the contracts, no intermediate tables,
    stopping at the last slot taken. The first items take the slots, so an agency's thousandth site looks
    at a few contracts, not a thousand: docs/performance.md "Many items".)"""
    contracts = view.contracts
    plan = contracts.get(PLAN)
    if plan is None or plan.ended:
        return False
    count = view.tariff.plans[plan.product].version_on(plan.bought).included.get(product, 0)
    if count == 0:
        return False
    taken = 0
    for c in contracts.values():
        if c.included and not c.ended and c.product == product:
            taken += 1
            if taken == count:
                return False
    return True


def include(view: View, item: Item, day: date) -> Contract:
    """`item`'s contract in an included slot from `day`: no terms of its own, listed at 0.00."""
    t = view.tariff
    label = item_label(view, t.products[item.product], item.name)
    return new_contract(item.key, _ITEM, item.product, label, _MONTHLY, day, t.billing.zero, item.name, True)


def _monthly(view: View, item: Item, day: date) -> Contract | None:
    product = view.tariff.products[item.product]
    price = product.prices.get(_MONTHLY)
    if price is None:
        return None
    label = item_label(view, product, item.name)
    return new_contract(item.key, _ITEM, item.product, label, _MONTHLY, day, price, item.name)


def fill_waiting(view: View, signal: PlanBought) -> Outcome:
    """At plan purchase, items added during the trial take the plan's slots in the order they were
    added; those beyond the slots get a monthly contract from that day."""
    items: Items = view.parts["items"]
    if not items:  # the plan came first (no trial): nothing waits
        return NOTHING
    under_contract = {c.item for c in view.contracts.values() if c.kind is ContractKind.ITEM and not c.ended}
    waiting = sorted((i for i in items.values() if i.active and i.name not in under_contract), key=lambda i: i.order)
    counts = slot_counts(view)
    taken: dict[str, int] = {}  # nothing is included before a plan is bought (a cancelled one ended its slots)
    contracts, charges = [], []
    for item in waiting:
        count = counts.get(item.product, 0)
        if taken.get(item.product, 0) < count and item.includable:
            taken[item.product] = taken.get(item.product, 0) + 1
            contracts.append(include(view, item, signal.day))
        else:
            paid = _monthly(view, item, signal.day)
            if paid is not None:
                paid, charge = first_term(view, paid, signal.cause)
                contracts.append(paid)
                charges.append(charge)
    return Outcome(contracts=tuple(contracts), charges=tuple(charges))


def reallocate(view: View, signal: PlanChanged) -> Outcome:
    """After a plan change: included items beyond the new plan's slots get monthly contracts from this
    day (the newest first lose their slot); paid monthly items fill new free slots at once, their
    unused part credited."""
    day, items = signal.day, view.parts["items"]
    counts = slot_counts(view)
    included = sorted(
        (c for c in view.contracts.values() if c.kind is ContractKind.ITEM and c.included and not c.ended),
        key=lambda c: items[c.item].order,  # the order they were added in
    )
    removed, contracts, changes = [], [], []
    taken: dict[str, int] = {}
    for c in included:
        if taken.get(c.product, 0) < counts.get(c.product, 0):
            taken[c.product] = taken.get(c.product, 0) + 1
            continue
        removed.append(c.key)  # beyond the new plan's slots: a contract of its own from today
        paid = _monthly(view, items[c.item], day)
        if paid is not None:
            paid, charge = first_term(view, paid, signal.cause)
            contracts.append(paid)
            changes.append(charge)
    paid_items = sorted(
        (
            c
            for c in view.contracts.values()
            if c.kind is ContractKind.ITEM
            and not c.included
            and not c.ended
            and c.period is Period.MONTHLY
            and c.item is not None
            and items[c.item].active  # an unpublished site keeps paying and takes no slot
            and items[c.item].includable
        ),
        key=lambda c: items[c.item].order,  # the order they were added in
    )
    rules, currency = view.tariff.rules.proration, view.tariff.catalog.currency
    for c in paid_items:
        count = counts.get(c.product, 0)
        if count == 0 or taken.get(c.product, 0) >= count:
            continue
        taken[c.product] = taken.get(c.product, 0) + 1
        credit = proration_credit(c, day, currency, rules, signal.cause, view.tariff.labels.credit)
        if credit.amount:  # nothing on the last day of its term
            changes.append(credit)
        contracts.append(include(view, items[c.item], day))
    return Outcome(contracts=tuple(contracts), removed=tuple(removed), changes=tuple(changes))


def end_with_plan(view: View, signal: ContractEnded) -> Outcome:
    """Without a plan there are no included slots."""
    if signal.contract.kind is not ContractKind.PLAN:
        return NOTHING
    return put(*(c._replace(ended=True) for c in view.contracts.values() if c.included and not c.ended))


def take_freed_slot(view: View, c: Contract, day: date) -> Outcome | None:
    """A paid monthly item that renews while a slot of its product is free takes the slot instead."""
    if c.period is not _MONTHLY:
        return None
    item = view.parts["items"].get(c.item)
    if item is None or not item.active or not item.includable or not has_free_slot(view, c.product):
        return None
    return put(c._replace(included=True))


FEATURE = Feature(
    name="slots",
    signals={PlanBought: fill_waiting, PlanChanged: reallocate, ContractEnded: end_with_plan},
    renewals={ContractKind.ITEM: take_freed_slot},
)

"""The item record: what the `items` feature keeps of every item the customer added (its part of the
state) and the `slots` feature reads to fill included slots in the order items were added."""

from __future__ import annotations

from typing import NamedTuple


class Item(NamedTuple):
    name: str  # the customer's name for it, unique within the account
    product: str
    key: str  # its contract's key: <product kind>:<name> (site:blog, seat:alice)
    active: bool  # published (a site), in use (a seat); an inactive item takes no slot
    order: int  # the order items were added in: included slots are filled in this order
    includable: bool  # the product may take an included slot
    # taken away with remove_item (an unpublished site is still the customer's): forgotten once no contract
    # names it any more (items.forget)
    removed: bool = False


# The items part of the state: the items the account has, by name, in the order they were added (a removed
# one that no contract names any more is forgotten: items.forget; a new one's order is one more than the
# highest kept). Read only: a handler returns a new dict.
Items = dict[str, Item]

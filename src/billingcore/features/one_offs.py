"""One-off items: bought once, invoiced at once on an immediate invoice of their own date (Duda's
premium images)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import attrs

from billingcore.catalog.fields import Quantity, SourceRef, field, src_field
from billingcore.charges import Charge, InvoiceGroup
from billingcore.documents import LineKind
from billingcore.features.base import Feature, Outcome, View, refuse, unknown
from billingcore.money import ZERO, fmt, mul, quantize


@attrs.frozen
class BuyOneOff:
    """Buy a one-off item (premium image): invoiced immediately on its own date."""

    TYPE: ClassVar[str] = "buy_one_off"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of purchase.")
    item: str = field("One-off item id.")
    quantity: Quantity = field("Number of units.", default=1)
    src: SourceRef = src_field()


def buy_one_off(view: View, e: BuyOneOff) -> Outcome:
    t = view.tariff
    item = t.one_offs.get(e.item)
    if item is None:
        return Outcome(problem=unknown("one-off item", e.item, t.one_offs))
    if e.quantity <= ZERO:
        return refuse(f"quantity must be positive, got {e.quantity}", "give the number of units bought, e.g. 1")
    amount = quantize(mul(item.price, e.quantity), t.catalog.currency, t.rules.invoicing.line_rounding)
    charge = Charge(
        contract=item.id,
        description=item.name,
        kind=LineKind.ONE_OFF,
        # group and due are not read: a one-off is invoiced at once on its own invoice, never pending
        group=InvoiceGroup.MONTHLY,  # pragma: no mutate
        due=e.date,  # pragma: no mutate
        start=None,
        end=None,
        quantity=e.quantity,
        unit_price=item.price,
        amount=amount,
        explanation=f"{fmt(e.quantity)} x {fmt(item.price)} = {fmt(amount)}",
        cause=e.id,
    )
    return Outcome(immediate=(charge,))


FEATURE = Feature(name="one_offs", events={BuyOneOff: buy_one_off})

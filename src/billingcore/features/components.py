"""Components (billwerk, seed 003 "Wie buche ich einem Kunden eine Komponente ein?"): things booked on the
account's plan contract and billed with it.

    quantity   n units a period (extra users), priced by the component's price model
    on_off     booked or not (priority support): one unit a period
    metered    usage recorded as it happens (API calls), billed in arrears for each period, the plan
               version's free quota netted once a period

A periodic component is a contract of its own (`component:<id>`) whose term price is its quantity priced
(pricing.py), so a change of quantity is a change like any other (features/changes.py): before the term
end, the unused part of what was billed is credited and the new quantity is billed for the rest, landing by
`proration.lands` and `credit_as` (billwerk: a credit note and an invoice at once); on the term end itself
the renewal simply bills the new quantity ("keine Gutschrift ... bei der nächsten Abrechnung"). A metered
component's contract costs nothing; its usage is billed when its period ends, or earlier when it is
removed, the plan ends or changes, or the host asks for an interim bill (bill_usage). Usage billed early
nets the free quota then, and the rest of the period only what is left of it ("werden in Zwischenrechnungen
verrechnet, dann aber nicht in der regulären Rechnung"). A usage record's id is its idempotency key: a
retry with an id already seen is dropped (events.IDEMPOTENT).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import ClassVar, NamedTuple

import attrs

from billingcore.alignment import align
from billingcore.catalog.fields import Quantity, SourceRef, field, src_field
from billingcore.catalog.model import Component, ComponentType
from billingcore.catalog.rules import PartialQuota
from billingcore.charges import (
    RENEWAL,
    Charge,
    invoice_group,
    leading_amount,
    leading_charge,
    proration_credit,
    term_charge,
)
from billingcore.codegen import record_codec, record_list, replacer
from billingcore.contracts import Contract, ContractKind, new_contract, renewed, running
from billingcore.dates import ONE_DAY, add_months, billing_date, iso
from billingcore.documents import LineKind
from billingcore.features.base import (
    NOTHING,
    ContractEnded,
    Feature,
    Outcome,
    Part,
    PlanChanged,
    View,
    put,
    refuse,
    unknown,
)
from billingcore.features.changes import change
from billingcore.features.plans import PLAN
from billingcore.money import ONE, ZERO, add, div, fmt, mul, sub
from billingcore.pricing import PricePart, priced, priced_between, total
from billingcore.tariff import Tariff

_METERED, _ON_OFF, _COMPONENT = ComponentType.METERED, ComponentType.ON_OFF, ContractKind.COMPONENT


@attrs.frozen
class AddComponent:
    """Book a component on the account's plan: billed with the next billing ("mit der nächsten Abrechnung")."""

    TYPE: ClassVar[str] = "add_component"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Start day of the component.")
    component: str = field("Component id.")
    quantity: Quantity | None = field("Units booked (quantity components; default 1); none for metered.", default=None)
    src: SourceRef = src_field()


@attrs.frozen
class ChangeQuantity:
    """Change the quantity of a booked quantity component from `date` on."""

    TYPE: ClassVar[str] = "change_quantity"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day the new quantity applies from.")
    component: str = field("Component id.")
    quantity: Quantity = field("The new number of units.")
    src: SourceRef = src_field()


@attrs.frozen
class RemoveComponent:
    """End a booked component on `date`: the unused part credited, usage up to then billed."""

    TYPE: ClassVar[str] = "remove_component"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day the component ends.")
    component: str = field("Component id.")
    src: SourceRef = src_field()


@attrs.frozen
class RecordUsage:
    """Usage of a metered component on `date`. The id is the idempotency key: a record whose id was seen
    before (in the same events or before the saved state) is a retry and changes nothing."""

    TYPE: ClassVar[str] = "record_usage"  # its `type:` in files
    IDEMPOTENT: ClassVar[bool] = True
    id: str = field("Event id, the idempotency key of the record.")
    date: date = field("Day of the usage.")
    component: str = field("Metered component id.")
    quantity: Quantity = field("Units used.")
    src: SourceRef = src_field()


@attrs.frozen
class BillUsage:
    """Bill the usage recorded so far at once (billwerk's Zwischenabrechnung); the period goes on."""

    TYPE: ClassVar[str] = "bill_usage"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of the interim bill.")
    src: SourceRef = src_field()


class Booking(NamedTuple):
    """A booked component: its quantity, and for a metered one the usage of its current period."""

    component: str
    quantity: Decimal  # units booked (on_off: 1; metered: 0)
    used: Decimal  # metered: units recorded in the current period
    billed: Decimal  # of `used`, units billed already (by an interim bill), free ones included
    free_used: Decimal  # free units netted in the current period
    next_period: Decimal  # units recorded on the period's end day before it renewed: the next period's
    billed_to: date | None = None  # the last day of the period an interim bill billed usage through


Bookings = Mapping[str, Booking]  # by component id
# A booking with more usage (hot: one per usage record).
_used, _next_period = replacer(Booking, "used"), replacer(Booking, "next_period")


def component_key(component: str) -> str:
    return f"component:{component}"


# -- events ----------------------------------------------------------------------------------------------
def add_component(view: View, e: AddComponent) -> Outcome:
    t = view.tariff
    component = t.components.get(e.component)
    if component is None:
        return Outcome(problem=unknown("component", e.component, t.components))
    plan = running(view.contracts, PLAN)
    if plan is None:
        return refuse("no plan to book a component on", "components are booked on the account's plan: buy_plan first")
    key = component_key(component.id)
    if running(view.contracts, key) is not None:
        how = "record its usage (record_usage)" if component.type is _METERED else "change_quantity changes it"
        return refuse(f"component `{component.id}` is already booked", how)
    bookings: dict[str, Booking] = dict(view.parts["components"])
    if component.type is _METERED:
        if e.quantity is not None:
            return refuse("a metered component has no quantity to book", "leave quantity out: record_usage records use")
        contract = new_contract(key, _COMPONENT, component.id, component.name, component.period, e.date, ZERO)
        bookings[component.id] = Booking(component.id, ZERO, ZERO, ZERO, ZERO, ZERO)
        return put(with_plan(view, contract, plan), part=bookings)
    quantity = ONE if e.quantity is None else Decimal(e.quantity)  # an int from Python: exact
    problem = _bad_quantity(component, quantity, "book")
    if problem is not None:
        return problem
    parts = _priced(t, component, quantity)
    contract = new_contract(key, _COMPONENT, component.id, component.name, component.period, e.date, total(parts))
    contract = with_plan(view, contract, plan)
    whole = contract.term_start == e.date
    charge = term_charge(contract, e.date, e.id) if whole else leading_charge(contract, e.id, t.rules.proration)
    bookings[component.id] = Booking(component.id, quantity, ZERO, ZERO, ZERO, ZERO)
    return Outcome(contracts=(contract,), charges=_lines(contract, component, quantity, parts, charge), part=bookings)


def change_quantity(view: View, e: ChangeQuantity) -> Outcome:
    t = view.tariff
    old = running(view.contracts, component_key(e.component))
    if old is None:
        return refuse(f"component `{e.component}` is not booked", f"booked: {_booked(view)}; add_component books it")
    component = t.components[old.product]
    if component.type is _METERED:  # seed 003: "Sie können die Anzahl der Verbrauchskomponenten nicht ändern"
        return refuse(
            f"the quantity of metered component `{component.id}` cannot be changed",
            "its usage is recorded (record_usage); book another metered component instead (add_component)",
        )
    if component.type is _ON_OFF:
        return refuse(f"on/off component `{component.id}` has no quantity", "remove_component switches it off")
    quantity = Decimal(e.quantity)  # an int from Python: exact
    problem = _bad_quantity(component, quantity, "change to")
    if problem is not None:
        return problem
    booking = view.parts["components"][component.id]
    if quantity == booking.quantity:
        return refuse(f"component `{component.id}` already has quantity {fmt(quantity)}", "give the new quantity")
    parts = _priced(t, component, quantity)
    bookings = {**view.parts["components"], component.id: booking._replace(quantity=quantity)}
    if e.date >= old.term_end:  # on the period's end: no credit, the renewal bills the new quantity
        return put(old._replace(unit_price=total(parts)), part=bookings)
    new, charges = change(view, old, e.date, old.product, old.name, old.period, total(parts), e.id)
    *credit, charge = charges
    lines = _lines(new, component, quantity, parts, charge)
    return Outcome(contracts=(new,), removed=(old.key,), changes=(*credit, *lines), part=bookings)


def remove_component(view: View, e: RemoveComponent) -> Outcome:
    old = running(view.contracts, component_key(e.component))
    if old is None:
        return refuse(f"component `{e.component}` is not booked", f"booked: {_booked(view)}")
    bookings = dict(view.parts["components"])
    charges = _ended(view, old, e.date, e.id, bookings)
    return Outcome(contracts=(old._replace(ended=True),), changes=tuple(charges), part=bookings)


def record_usage(view: View, e: RecordUsage) -> Outcome:
    t = view.tariff
    contract = running(view.contracts, component_key(e.component))
    component = t.components.get(e.component)
    if component is not None and component.type is not _METERED:
        how = "remove_component switches it off" if component.type is _ON_OFF else "change_quantity changes it"
        return refuse(f"`{component.id}` is a{'n' if component.type is _ON_OFF else ''} {component.type.value} "
                      "component: it has no usage to record", how)  # fmt: skip
    if contract is None or component is None:
        metered = ", ".join(sorted(c.product for c in _running_metered(view))) or "none"
        hint = f"booked metered components: {metered}; add_component books one"
        return refuse(f"no metered component `{e.component}` booked to record usage for", hint)
    quantity = Decimal(e.quantity)  # an int from Python: exact
    if quantity < ZERO:
        return refuse(f"usage must not be negative, got {fmt(quantity)}", "record the units used: 0 or more")
    if not component.fractional and quantity != quantity.to_integral_value():
        return refuse(*_whole(component, quantity))
    bookings = dict(view.parts["components"])
    booking = bookings[component.id]
    if e.date >= contract.term_end:  # the period ends today and renews after the day's events
        bookings[component.id] = _next_period(booking, add(booking.next_period, quantity))
    else:
        bookings[component.id] = _used(booking, add(booking.used, quantity))
    return put(part=bookings)


def bill_usage(view: View, e: BillUsage) -> Outcome:
    bookings = dict(view.parts["components"])
    metered = _running_metered(view)
    if not metered:
        return refuse("no metered component booked: no usage to bill", "add_component books one")
    charges = [line for c in metered for line in _usage_to(view, c, e.date, e.id, bookings, cut=False)]
    return Outcome(immediate=tuple(charges), part=bookings)


def with_plan(view: View, contract: Contract, plan: Contract) -> Contract:
    """`contract`, a component just booked, with its terms ending where the plan's do (Lago, Stripe,
    Chargebee, Kill Bill: an add-on shares its subscription's billing cycle; billwerk bills it "mit der
    nächsten Abrechnung"): its first term is the part up to the plan's next term end, prorated like a
    leading part (alignment.py), then whole periods on the plan's anchor. A component of another length
    than the plan (monthly on an annual plan) ends its terms on the plan's anchor day; one counted in days
    keeps terms of its own (aligned by rule like any contract)."""
    t = view.tariff
    months, day = contract.period.months, contract.term_start
    if not months or plan.period.days:
        return align(view, contract) if t.aligned else contract
    started, anchor = plan.started, plan.anchor_day

    def end(n: int) -> date:  # the end of the component's n-th term, as `renewed` computes it
        if t.roll_terms:
            return billing_date(started, n * months, anchor, True)
        return add_months(started, n * months, anchor)

    # the term whose months hold `day` (the plan started on or before it) ...
    n = ((day.year - started.year) * 12 + day.month - started.month) // months + 1
    if end(n - 1) > day:  # ... or the one before, when that month's anchor day is still ahead
        n -= 1
    start = end(n - 1)
    aligned = contract._replace(started=started, anchor_day=anchor, term_start=start, term_end=end(n), terms=n)
    if start == day:
        return aligned
    return aligned._replace(billed=leading_amount(aligned, t.rules.proration, t.catalog.currency))


# -- signals and renewals -------------------------------------------------------------------------------
def plan_changed(view: View, signal: PlanChanged) -> Outcome:
    """A plan change is an interim bill of the usage so far (billwerk), with the old plan's free quota;
    the period goes on. A downgrade at the term end (cause RENEWAL) changes nothing here."""
    if signal.cause == RENEWAL:
        return NOTHING
    bookings = dict(view.parts["components"])
    day, cause, old = signal.day, signal.cause, signal.old
    charges = [line for c in _running_metered(view) for line in _usage_to(view, c, day, cause, bookings, plan=old)]
    return Outcome(changes=tuple(charges), part=bookings) if charges else NOTHING


def contract_ended(view: View, signal: ContractEnded) -> Outcome:
    """The plan ended: every component ends with it. A component ended (cancel, or not renewed): its
    usage up to then is billed. At a term end what is billed waits for the billing day."""
    ended, day, cause = signal.contract, signal.day, signal.cause
    bookings = dict(view.parts["components"])
    if ended.kind is _COMPONENT:
        charges = tuple(_ended(view, ended, day, cause, bookings, credit=False))
        outcome = Outcome(part=bookings)
    elif ended.kind is ContractKind.PLAN:
        components = [c for c in view.contracts.values() if c.kind is _COMPONENT and not c.ended]
        charges = tuple(line for c in components for line in _ended(view, c, day, cause, bookings))
        outcome = Outcome(contracts=tuple(c._replace(ended=True) for c in components), part=bookings)
    else:
        return NOTHING
    return outcome._replace(charges=charges) if cause == RENEWAL else outcome._replace(changes=charges)


def renew_component(view: View, c: Contract, day: date) -> Outcome:
    """A component's period ended: bill the usage of a metered one; bill a periodic one's next term."""
    t = view.tariff
    component = t.components[c.product]
    nxt = renewed(c, t.roll_terms, day)
    bookings = dict(view.parts["components"])
    booking = bookings[c.product]
    if component.type is _METERED:
        charges = _usage_to(view, c, c.term_end, RENEWAL, bookings)
        bookings[c.product] = Booking(c.product, ZERO, booking.next_period, ZERO, ZERO, ZERO)
        return Outcome(contracts=(nxt,), charges=tuple(charges), part=bookings)
    parts = _priced(t, component, booking.quantity)
    lines = _lines(nxt, component, booking.quantity, parts, None, day)  # its renewal date (or later: docs/rules.md)
    return Outcome(contracts=(nxt,), charges=lines)


# -- what a component costs -------------------------------------------------------------------------------
def _priced(t: Tariff, component: Component, quantity: Decimal) -> list[PricePart]:
    return priced(component, quantity, t.catalog.currency, t.rules.invoicing.line_rounding)


def _lines(
    contract: Contract,
    component: Component,
    quantity: Decimal,
    parts: list[PricePart],
    charge: Charge | None,
    due: date | None = None,
) -> tuple[Charge, ...]:
    """A periodic component's charges for its current term: one line per price part (7 user x 5.00) when
    the whole term is billed; a part of a term (a leading part, the rest of a term after a change) stays
    one prorated line, its explanation saying what the whole term costs."""
    if charge is not None and (charge.start != contract.term_start or charge.amount != contract.unit_price):
        whole = f"{fmt(quantity)} {component.unit} a term: {fmt(contract.unit_price)}; "
        return (charge._replace(explanation=whole + charge.explanation),)
    day = charge.due if charge is not None else due or contract.term_start
    cause = charge.cause if charge is not None else RENEWAL
    name, period, start = contract.name, contract.period, contract.term_start
    return tuple(
        Charge(
            contract=contract.key,
            description=f"{name} ({period!s}), {part.label}" if part.label else f"{name} ({period!s})",
            kind=LineKind.CHARGE,
            group=invoice_group(period),
            due=day,
            start=start,
            end=contract.term_end,
            quantity=part.quantity,
            unit_price=part.unit_price,
            amount=part.amount,
            explanation=f"{fmt(part.quantity)} {component.unit} x {fmt(part.unit_price)} = {fmt(part.amount)}, "
            f"{period!s} term from {iso(start)}",
            cause=cause,
        )
        for part in parts
    )


def _ended(
    view: View, c: Contract, day: date, cause: str, bookings: dict[str, Booking], credit: bool = True
) -> list[Charge]:
    """What ending component `c` on `day` bills: the unused part of a periodic one's term credited (unless
    the cancellation did, `credit` False), a metered one's usage up to then. Its booking goes."""
    t = view.tariff
    charges: list[Charge] = []
    if t.components[c.product].type is _METERED:
        charges = _usage_to(view, c, day, cause, bookings, cut=day < c.term_end)
    elif credit and c.term_end > day:
        found = proration_credit(c, day, t.catalog.currency, t.rules.proration, cause, t.labels.credit)
        charges = [found] if found.amount else []
    del bookings[c.product]
    return charges


def _usage_to(
    view: View,
    c: Contract,
    day: date,
    cause: str,
    bookings: dict[str, Booking],
    cut: bool = False,
    plan: Contract | None = None,
) -> list[Charge]:
    """The lines for metered component `c`'s usage not billed yet, up to `day`: its free units (0.00),
    then the chargeable ones by price model; `bookings` gets what is now billed. `cut`: the period ends
    early (a removal), so the free quota may be prorated by rule; `plan`: the plan contract whose version's
    free quota applies (default: the running one; a plan change bills under the plan changed from)."""
    t = view.tariff
    component, booking = t.components[c.product], bookings[c.product]
    unbilled = sub(booking.used, booking.billed)
    if unbilled <= ZERO:
        return []
    first = c.billed_from  # a leading part's usage starts on the purchase day
    quota = _quota(view, component, c, first, day if cut else c.term_end, plan)
    free = min(unbilled, max(ZERO, sub(quota, booking.free_used)))
    before = sub(booking.billed, booking.free_used)  # chargeable units billed earlier this period
    chargeable = sub(unbilled, free)
    currency, rounding = t.catalog.currency, t.rules.invoicing.line_rounding
    parts = priced_between(component, before, add(before, chargeable), currency, rounding)
    # usage billed before the period ends (a removal, an interim bill) counts through that day, as recorded;
    # what an interim bill left is billed from the day after it
    end = day if day >= c.term_end else day + ONE_DAY
    start = first if booking.billed_to is None else min(booking.billed_to + ONE_DAY, end - ONE_DAY)
    billed_to = end - ONE_DAY if end < c.term_end else None
    bookings[c.product] = booking._replace(
        billed=booking.used, free_used=add(booking.free_used, free), billed_to=billed_to
    )
    period = f"usage {iso(start)} to {iso(end - ONE_DAY)}: {fmt(booking.used)} {component.unit}"
    lines = []
    zero = view.tariff.billing.zero  # 0.00 in the currency's scale
    if free:
        why = f"{period}, {fmt(free)} of the plan's {fmt(quota)} free {component.unit} netted"
        lines.append(_usage_line(c, f"{component.name}, free units", (start, end, day), free, zero, zero, why, cause))
    for part in parts:
        label = f"{component.name}, {part.label}" if part.label else component.name
        why = f"{period}; {part.explanation}"
        lines.append(_usage_line(c, label, (start, end, day), part.quantity, part.unit_price, part.amount, why, cause))
    return lines


def _usage_line(
    c: Contract,
    description: str,
    days: tuple[date, date, date],
    quantity: Decimal,
    price: Decimal,
    amount: Decimal,
    why: str,
    cause: str,
) -> Charge:
    """A usage line for the days [start, end), due on the day it is billed."""
    start, end, due = days
    return Charge(
        contract=c.key, description=description, kind=LineKind.USAGE, group=invoice_group(c.period), due=due,
        start=start, end=end, quantity=quantity, unit_price=price, amount=amount, explanation=why, cause=cause,
    )  # fmt: skip


def _quota(view: View, component: Component, c: Contract, start: date, end: date, plan: Contract | None) -> Decimal:
    """The free units of `component` for the period [start, end) of contract `c`: the plan version's quota
    (`plan`, or the account's plan), prorated by the days it ran when the period is partial and the rules
    say so."""
    plan = plan or view.contracts.get(PLAN)
    if plan is None:
        return ZERO
    quota: Decimal = view.tariff.plans[plan.product].version_on(plan.bought).free_quota.get(component.id, ZERO)
    whole = (c.term_end - c.term_start).days
    ran = (end - start).days
    if view.tariff.rules.usage.partial_quota is PartialQuota.FULL or ran >= whole or not quota:
        return quota
    step = Decimal("0.01") if component.fractional else ONE
    return div(mul(quota, Decimal(ran)), Decimal(whole)).quantize(step, rounding=ROUND_FLOOR)


def _bad_quantity(component: Component, quantity: Decimal, verb: str) -> Outcome | None:
    if quantity <= ZERO:
        hint = "book at least one unit" if verb == "book" else "to stop the component, remove_component ends it"
        return refuse(f"quantity must be positive, got {fmt(quantity)}", hint)
    if not component.fractional and quantity != quantity.to_integral_value():
        return refuse(*_whole(component, quantity))
    if component.type is _ON_OFF and quantity != ONE:
        return refuse(f"on/off component `{component.id}` is booked once, not {fmt(quantity)} times", "omit quantity")
    return None


def _whole(component: Component, quantity: Decimal) -> tuple[str, str]:
    return (
        f"`{component.id}` is counted in whole units ({component.unit}), got {fmt(quantity)}",
        "give a whole number, or mark the component `fractional: true` in the catalog",
    )


def _running_metered(view: View) -> list[Contract]:
    components = view.tariff.components
    return [
        c
        for c in view.contracts.values()
        if c.kind is _COMPONENT and not c.ended and components[c.product].type is _METERED
    ]


def _booked(view: View) -> str:
    booked = sorted(c.product for c in view.contracts.values() if c.kind is _COMPONENT and not c.ended)
    return ", ".join(booked) or "none"


# -- the saved state ------------------------------------------------------------------------------------------
_RECORD = record_codec(Booking, quantities=("quantity", "used", "billed", "free_used", "next_period"))


_BOOKINGS = record_list(_RECORD, "component", "a second booking of {}")


def _unknown(tariff: Tariff, bookings: Bookings, contracts: tuple[Contract, ...]) -> list[tuple[str, str]]:
    """Every booking is of a component of the catalog, and every running component contract has one."""
    if not bookings and not tariff.components:  # a catalog without components (its contracts: checks.py)
        return []
    running_ = {c.product for c in contracts if c.kind is _COMPONENT and not c.ended}
    if bookings.keys() <= tariff.components.keys() and running_ == bookings.keys():
        return []
    catalog = tariff.catalog.catalog
    found = [
        (f"[{i}].component", f"`{b}` is not a component of catalog `{catalog}`")
        for i, b in enumerate(bookings)
        if b not in tariff.components
    ]
    found += [("", f"contract `{component_key(b)}` runs without a booking") for b in sorted(running_ - bookings.keys())]
    return found + [("", f"booking of `{b}` without a running contract") for b in sorted(bookings.keys() - running_)]


FEATURE = Feature(
    name="components",
    events={
        AddComponent: add_component,
        ChangeQuantity: change_quantity,
        RemoveComponent: remove_component,
        RecordUsage: record_usage,
        BillUsage: bill_usage,
    },
    signals={PlanChanged: plan_changed, ContractEnded: contract_ended},
    renewals={ContractKind.COMPONENT: renew_component},
    part=Part("components", {}, *_BOOKINGS, _unknown),
)

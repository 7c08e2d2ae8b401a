"""When a term is invoiced: in advance (on the billing day on or after it starts) or in arrears (on
or after it ends: invoicing.billed, or a plan's own `billed`), and where a leading part lands.

Pure functions of the tariff, the account's contracts and charges; the engine calls them as it puts
an event's or a renewal's charges on their way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from billingcore.charges import Charge
from billingcore.contracts import Contract
from billingcore.documents import LineKind
from billingcore.tariff import Tariff

_CHARGE, _CREDIT = LineKind.CHARGE, LineKind.CREDIT


def in_arrears(tariff: Tariff, contracts: Mapping[str, Contract], c: Charge) -> bool:
    """Whether `c` is a term's charge of a contract billed in arrears."""
    contract = contracts.get(c.contract)
    return (
        c.kind is _CHARGE
        and c.end is not None
        and contract is not None
        and tariff.in_arrears(contract.kind, contract.product)
    )


def due(tariff: Tariff, contracts: Mapping[str, Contract], c: Charge) -> Charge:
    """The charge due when its contract is invoiced: in arrears, on its end."""
    if tariff.any_arrears and c.end is not None and in_arrears(tariff, contracts, c):
        return c._replace(due=c.end)
    return c


def split_leading(
    tariff: Tariff, contracts: Mapping[str, Contract], charges: Sequence[Charge]
) -> tuple[tuple[Charge, ...], tuple[Charge, ...]]:
    """(whole terms, leading parts): a first term that starts between two billing days (alignment.py)
    is prorated, and lands like a change's charges (proration.lands); in arrears it waits for its end."""
    whole, leading = [], []
    for c in charges:
        contract = contracts.get(c.contract)
        if (
            contract is not None
            and c.kind is _CHARGE
            and c.start != contract.term_start
            and not (tariff.any_arrears and in_arrears(tariff, contracts, c))
        ):
            leading.append(c)
        else:
            whole.append(c)
    return tuple(whole), tuple(leading)


def cut_in_arrears(
    tariff: Tariff, contracts: Mapping[str, Contract], pending: list[Charge], changes: Sequence[Charge], day: date
) -> tuple[list[Charge], tuple[Charge, ...]]:
    """A change to contracts billed in arrears: the cut term's charge, not invoiced yet, becomes due now
    with its credit, so the customer pays for the days used; the new terms wait for their end.
    Returns (the pending charges, the charges that land now)."""
    cut = {c.contract for c in changes if c.kind is _CREDIT}

    def pulled(c: Charge) -> bool:
        return c.contract in cut and c.kind is _CHARGE and c.due > day

    now = [c._replace(due=day) for c in pending if pulled(c)]
    if now:
        pending = [c for c in pending if not pulled(c)]
    for c in changes:
        waiting = due(tariff, contracts, c)
        if waiting is c:
            now.append(c)
        else:
            pending.append(waiting)
    return pending, tuple(now)


def route(
    tariff: Tariff,
    contracts: Mapping[str, Contract],
    pending: list[Charge],
    changes: Sequence[Charge],
    charges: Sequence[Charge],
    day: date,
) -> tuple[list[Charge], tuple[Charge, ...], tuple[Charge, ...]]:
    """An event's or a renewal's (changes, charges) on their way: leading parts join the changes,
    terms in arrears wait for their end. Returns (pending, changes, charges)."""
    changes, charges = tuple(changes), tuple(charges)
    if tariff.aligned:
        charges, leading = split_leading(tariff, contracts, charges)
        changes = (*changes, *leading)
    if tariff.any_arrears:
        if changes:
            pending, changes = cut_in_arrears(tariff, contracts, pending, changes, day)
        charges = tuple([due(tariff, contracts, c) for c in charges])
    return pending, changes, charges

"""Contracts: what the account has bought, billed in terms.

A `Contract` is one thing billed in terms: the account plan, a named item (a site, a seat, a mailbox),
or an add-on attached to an item (a store or an app on a site). Terms run on the contract's own
anniversaries, computed from its start date and anchor day (dates.add_months), never chained; terms of a
period counted in days (weekly, every N days) follow each other by day arithmetic, which cannot drift. A
contract that fills one of the plan's included slots is `included`: listed at 0.00, never charged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from billingcore.catalog.model import Period
from billingcore.codegen import maker, replacer
from billingcore.dates import add_months, billing_date


class ContractKind(StrEnum):
    """The role a contract plays; the engine never asks what a product is called."""

    PLAN = "plan"  # the account plan (Duda's Basic, Team, Agency)
    ITEM = "item"  # a named item of a standalone product: a site, a seat, a mailbox
    ADDON = "addon"  # a product attached to an item: a store or an app on a site
    COMPONENT = "component"  # a billwerk component: a quantity, an on/off switch or metered usage
    SERVICE = "service"  # a service ordered and paid from a prepaid credit account (WEDOS)


class Contract(NamedTuple):
    """A contract and its current term. A NamedTuple rather than a frozen attrs class: every purchase
    and renewal builds one, and a tuple builds about 4x faster; it is just as immutable. Build it with
    keywords (`new_contract`, `renewed`, `_replace`): two dates in swapped positions would not fail."""

    key: str  # plan | <product kind>:<item> | store:<item> | app:<item>:<app> | component:<id>
    kind: ContractKind
    product: str  # plan id or product id
    name: str  # the label on documents, from the catalog's names and labels
    period: Period
    item: str | None  # the item this contract is (an item) or is attached to (an add-on)
    started: date
    anchor_day: int  # later terms end on this day of the month (clamped)
    unit_price: Decimal  # price per term, fixed at purchase
    bought: date  # when this product was bought or changed to: picks the plan version
    term_start: date  # the current term: [term_start, term_end)
    term_end: date
    terms: int  # terms started so far; the current term is number `terms`
    billed: Decimal  # amount billed for the current term (a prorated part after a change)
    billed_from: date  # first day that amount paid for (term_start unless prorated)
    included: bool  # fills an included slot of the plan: no own terms, no charge
    dont_renew: bool
    ended: bool
    # The term still running when this one was charged ahead of it (renewal.lead_days): so that a change before
    # this term begins credits that term's unused part too (charges.proration_credit). None otherwise, and then
    # left out of the saved state; all three or none (snapshot._previous_term_ok).
    previous_start: date | None = None
    previous_billed: Decimal | None = None
    previous_billed_from: date | None = None


# A new contract: its first term starts on the day it is bought (hot: one per purchase).
_start = maker(
    Contract,
    "key", "kind", "product", "name", "period", "item", "anchor_day", "unit_price", "term_end", "included",
    "started", "bought", "term_start", "billed_from", "billed",
    terms=1, dont_renew=False, ended=False, previous_start=None, previous_billed=None, previous_billed_from=None,
)  # fmt: skip
# The next term (hot: one per renewal); charged ahead, with the term it follows (renewal.lead_days).
_next_term = replacer(Contract, "term_start", "term_end", "terms", "billed", "billed_from")
_term_ahead = replacer(
    Contract,
    "term_start", "term_end", "terms", "billed", "billed_from", "previous_start", "previous_billed",
    "previous_billed_from",
)  # fmt: skip


def new_contract(
    key: str,
    kind: ContractKind,
    product: str,
    name: str,
    period: Period,
    day: date,
    price: Decimal,
    item: str | None = None,
    included: bool = False,
    anchor_day: int | None = None,
) -> Contract:
    """A contract whose first term starts on `day`; its anchor day (default day.day) fixes later terms."""
    anchor = day.day if anchor_day is None else anchor_day
    end = day + timedelta(days=period.days) if period.days else add_months(day, period.months, anchor)
    c: Contract = _start(
        key, kind, product, name, period, item, anchor, price, end, included, day, day, day, day, price
    )
    return c


def renewed(c: Contract, roll: bool = False, day: date | None = None) -> Contract:
    """The contract in its next term, computed from the anchor (never chained from the last term).
    `roll`: its terms end on billing days that roll to the next 1st in short months (alignment.py).
    `day`: the day it is charged; before its term end (renewal.lead_days) the term it follows is kept with
    it, so that a change before the new term begins credits both (docs/rules.md "renewal")."""
    n = c.terms + 1
    if c.period.days:  # a week is always 7 days: the next term starts where this one ends
        end = c.term_end + timedelta(days=c.period.days)
    elif roll:
        end = billing_date(c.started, n * c.period.months, c.anchor_day, True)
    else:
        end = add_months(c.started, n * c.period.months, c.anchor_day)
    if day is not None and day < c.term_end:
        start, billed, billed_from = c.term_start, c.billed, c.billed_from  # the term it follows
        ahead: Contract = _term_ahead(c, c.term_end, end, n, c.unit_price, c.term_end, start, billed, billed_from)
        return ahead
    if c.previous_start is not None:  # renewed at its term end after all (don't-renew cleared that day)
        again: Contract = _term_ahead(c, c.term_end, end, n, c.unit_price, c.term_end, None, None, None)
        return again
    nxt: Contract = _next_term(c, c.term_end, end, n, c.unit_price, c.term_end)
    return nxt


def charged_ahead(new: Contract, old: Contract, day: date) -> Contract:
    """`new`, the contract that follows `old` from its term end, charged on `day`: before that term end
    (renewal.lead_days) it keeps `old`'s term, as `renewed` does (a downgrade taking effect, plans.renew_plan)."""
    if day < old.term_end:
        start, billed, billed_from = old.term_start, old.billed, old.billed_from
        return new._replace(previous_start=start, previous_billed=billed, previous_billed_from=billed_from)
    return new


def begins_on(c: Contract, day: date) -> bool:
    """Whether `day` is the first day of a term `c` was charged ahead for (renewal.lead_days): a change that day is
    one on the end of the term before, where without lead days it would replace the renewal."""
    return c.previous_start is not None and c.term_start == day


def running(contracts: Mapping[str, Contract], key: str) -> Contract | None:
    """The contract under `key` unless it has ended."""
    c = contracts.get(key)
    return c if c is not None and not c.ended else None


_PLAN = ContractKind.PLAN


def forget_ended(contracts: dict[str, Contract], waiting: set[str]) -> tuple[tuple[str, ...], bool]:
    """Drop the ended contracts nothing can reach any more, so that a saved state is as large after twenty
    years of churn as after one (docs/architecture.md, "What a state keeps"): (the keys dropped, whether an
    ended one stays because a charge still `waiting` for a billing day names it). The plan stays, ended or
    not: it is one key, and usage billed after it ended reads its free quota."""
    dropped, kept = [], False
    for key in [k for k, c in contracts.items() if c.ended]:
        if key in waiting:
            kept = True
        elif contracts[key].kind is not _PLAN:
            del contracts[key]
            dropped.append(key)
    return tuple(dropped), kept


def running_keys(contracts: Mapping[str, Contract]) -> str:
    """The keys of the contracts a customer can still cancel or stop, for a hint."""
    return ", ".join(sorted(k for k, c in contracts.items() if not c.ended and not c.included)) or "none"

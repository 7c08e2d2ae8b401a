"""Contracts: what the account has bought, and how events change it.

A `Contract` is one thing billed in terms: the account plan, a site, a store on a site, an app.
Terms run on the contract's own anniversaries, computed from its start date and anchor day
(dates.add_months), never chained. A site that fills one of the plan's included slots is `included`:
it is listed at 0.00 and not charged.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from billingcore.catalog.model import Period
from billingcore.dates import add_months
from billingcore.money import ZERO


class Contract(NamedTuple):
    """A contract and its current term. A NamedTuple rather than a frozen attrs class: every purchase
    and renewal builds one, and a tuple builds about 4x faster (and `_replace` 3x faster than
    attrs.evolve); it is just as immutable."""

    key: str  # plan | site:NAME | store:NAME | app:NAME:APP
    kind: str  # plan | site | store | app
    product: str  # plan id or product id
    name: str  # shown on documents
    period: Period
    started: date
    anchor_day: int
    unit_price: Decimal  # price per term, fixed at purchase
    term_start: date  # the current term: [term_start, term_end)
    term_end: date
    terms: int = 1  # terms started so far; the current term is number `terms`
    site: str | None = None
    dont_renew: bool = False
    ended: bool = False
    included: bool = False  # a site in an included slot: no own terms
    billed: Decimal = ZERO  # amount billed for the current term (a prorated part after a change)
    billed_from: date | None = None  # first day that amount paid for (term_start unless prorated)
    bought: date | None = None  # when this product was bought or changed to: picks the plan version
    next_product: str | None = None  # a downgrade waiting for the term end (downgrades: at_term_end)
    next_period: Period | None = None


def new_contract(
    key: str,
    kind: str,
    product: str,
    name: str,
    period: Period,
    day: date,
    price: Decimal,
    site: str | None = None,
    included: bool = False,
    anchor_day: int | None = None,
) -> Contract:
    """A contract whose first term starts on `day`; its anchor day (default day.day) fixes later terms."""
    anchor = day.day if anchor_day is None else anchor_day
    end = add_months(day, period.months, anchor)
    return Contract(
        key, kind, product, name, period, day, anchor, price, day, end, 1, site, False, False, included, price, day, day
    )  # positional: keywords cost a NamedTuple a dict


def renewed(c: Contract) -> Contract:
    """The contract in its next term, computed from the anchor (never chained from the last term).

    Built positionally: this runs for every contract on every renewal."""
    n = c.terms + 1
    end = add_months(c.started, n * c.period.months, c.anchor_day)
    return Contract(
        c.key,
        c.kind,
        c.product,
        c.name,
        c.period,
        c.started,
        c.anchor_day,
        c.unit_price,
        c.term_end,
        end,
        n,
        c.site,
        c.dont_renew,
        c.ended,
        c.included,
        c.unit_price,
        c.term_end,
        c.bought,
        c.next_product,
        c.next_period,
    )


class Site(NamedTuple):
    name: str
    product: str
    published: bool
    order: int  # publication order: included slots are filled in this order
    includable: bool


def site_key(site: str) -> str:
    return f"site:{site}"


def store_key(site: str) -> str:
    return f"store:{site}"


def app_key(site: str, app: str) -> str:
    return f"app:{site}:{app}"


def free_slots(included: int, contracts: dict[str, Contract]) -> int:
    """Included slots not taken by an included site."""
    taken = sum(1 for c in contracts.values() if c.kind == "site" and c.included and not c.ended)
    return max(0, included - taken)

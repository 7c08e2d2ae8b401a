"""Contracts: what the account has bought, and how events change it.

A `Contract` is one thing billed in terms: the account plan, a site, a store on a site, an app.
Terms run on the contract's own anniversaries, computed from its start date and anchor day
(dates.add_months), never chained. A site that fills one of the plan's included slots is `included`:
it is listed at 0.00 and not charged.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from billingcore.catalog.model import Period
from billingcore.dates import add_months


@attrs.frozen
class Contract:
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
    credited: Decimal = Decimal("0")  # credits issued against the current term


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
) -> Contract:
    """A contract whose first term starts on `day`; `day` is its anchor for every later term."""
    end = add_months(day, period.months, day.day)
    return Contract(key, kind, product, name, period, day, day.day, price, day, end, 1, site, included=included)


def renewed(contract: Contract) -> Contract:
    """The contract in its next term, computed from the anchor (never chained from the last term)."""
    n = contract.terms + 1
    end = add_months(contract.started, n * contract.period.months, contract.anchor_day)
    return attrs.evolve(contract, term_start=contract.term_end, term_end=end, terms=n, credited=Decimal("0"))


@attrs.frozen
class Site:
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

"""Hypothesis strategies for billing tests: generated Duda-shaped catalogs, accounts, and timelines that are
valid by construction.

What this module owns:

- `CatalogSpec` and `catalogs()`: plain-data catalogs (plans with ranks and several versions whose prices and
  included-site counts change, sites, a legacy unlimited site, store and app tiers, one-offs), rendered to
  plan-file YAML and loaded with the shipped rule sets through `billingcore.catalog.loader.load_texts`.
  The specs stay plain data so the independent oracle (tests/oracle) reads prices from them, not from the
  engine's catalog objects.
- `accounts()`: customers in every country of rules/vat.yaml, consumers and businesses (VAT id), so
  domestic, foreign-EU (reverse charge) and non-EU customers all occur against EU and US sellers.
- `billing_cases()`: a catalog, an account and a timeline of every event type of docs/scenarios.md,
  starting on days 29-31 and in leap years often, with several plan changes. A `Timeline` tracker keeps
  what exists while drawing (a store only on an existing site, an upgrade only to a different tier,
  don't-renew only on a contract that is certainly running and paid ...). Where the outcome of slot
  allocation is uncertain the tracker is conservative and simply does not offer the event, so the engine
  refuses (almost) nothing: no billing arithmetic happens here, only bookkeeping of what certainly exists.
  `TimelineScope` narrows the events (the oracle's scope leaves out stores, apps and a few situations).
- `per_rule_set()`: how many examples a property parametrized over the rule sets runs per rule set.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import settings
from hypothesis import strategies as st

from billingcore.catalog.loader import Library, load_texts
from billingcore.catalog.model import Period
from billingcore.engine import Account, Tariff, prepare
from billingcore.events import (
    AddStore,
    BuyApp,
    BuyOneOff,
    BuyPlan,
    Cancel,
    ChangePlan,
    ClearDontRenew,
    ConvertSite,
    PublishSite,
    RemoveApp,
    SetDontRenew,
    StartTrial,
    UnpublishSite,
    UpgradeApp,
    UpgradeStore,
)
from vat_id_examples import VAT_IDS

ROOT = Path(__file__).resolve().parent.parent.parent
RULES_DIR = ROOT / "rules"
TEST_RULES_DIR = ROOT / "tests" / "rules"  # test-only rule sets (the oracle's duda-lead-10)
SHIPPED_RULE_SETS = [
    "duda", "killbill", "killbill-30", "chargebee", "lago", "lago-calendar", "billwerk", "wedos", "fakturia"
]  # fmt: skip
# the countries of rules/vat.yaml: the EU-27 (Greece as GR), GB, CH, NO and the US
VAT_COUNTRIES = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "GB", "CH", "NO", "US",
]  # fmt: skip
SELLER_COUNTRIES = ["DE", "CZ", "US"]  # two EU sellers (reverse charge possible) and one outside the EU
CATALOG_ID = "gen"
MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12, "biennial": 24}


# --------------------------------------------------------------------------------------------- catalogs


@dataclass(frozen=True)
class PlanVersionSpec:
    available_from: date
    prices: dict[str, Decimal]  # period word -> price
    included_sites: int


@dataclass(frozen=True)
class PlanSpec:
    id: str
    name: str
    rank: int
    versions: tuple[PlanVersionSpec, ...]
    billed: str | None = None  # in_advance | in_arrears: the plan's own (docs/plans.md), else the rule set's

    def version_on(self, day: date) -> PlanVersionSpec:
        """The terms a purchase on `day` gets: the latest version available by then (docs/plans.md)."""
        return [v for v in self.versions if v.available_from <= day][-1]

    @property
    def periods(self) -> list[str]:
        return list(self.versions[0].prices)


@dataclass(frozen=True)
class ProductSpec:
    id: str
    name: str
    kind: str  # site | store | app
    prices: dict[str, Decimal]
    rank: int = 0
    includable: bool = True


@dataclass(frozen=True)
class OneOffSpec:
    id: str
    name: str
    price: Decimal


@dataclass(frozen=True)
class CatalogSpec:
    currency: str
    seller_country: str
    plans: tuple[PlanSpec, ...]
    products: tuple[ProductSpec, ...]
    one_offs: tuple[OneOffSpec, ...]

    def plan(self, plan_id: str) -> PlanSpec:
        return next(p for p in self.plans if p.id == plan_id)

    def product(self, product_id: str) -> ProductSpec:
        return next(p for p in self.products if p.id == product_id)

    def one_off(self, item_id: str) -> OneOffSpec:
        return next(o for o in self.one_offs if o.id == item_id)

    def of_kind(self, kind: str) -> list[ProductSpec]:
        return [p for p in self.products if p.kind == kind]

    def yaml(self, rule_set: str) -> str:
        """The plan file a product manager would write for this catalog, billed under `rule_set`."""

        def prices(table: dict[str, Decimal]) -> str:
            return "{" + ", ".join(f'{period}: "{price}"' for period, price in table.items()) + "}"

        out = [
            f"catalog: {CATALOG_ID}",
            "name: Generated catalog",
            f"currency: {self.currency}",
            f"rules: {rule_set}",
            f"seller_country: {self.seller_country}",
            "plans:",
        ]
        for plan in self.plans:
            out += [f"  - id: {plan.id}", f"    name: {plan.name}", f"    rank: {plan.rank}"]
            out += [f"    billed: {plan.billed}"] if plan.billed else []
            out += ["    versions:"]
            for version in plan.versions:
                out += [
                    f'      - available_from: "{version.available_from.isoformat()}"',
                    f"        prices: {prices(version.prices)}",
                ]
                if version.included_sites:
                    out.append(f"        included: {{site: {version.included_sites}}}")
        out.append("products:")
        for product in self.products:
            extra = ""
            if product.kind in ("store", "app"):
                extra = f", attaches_to: site, rank: {product.rank}"
            if not product.includable:
                extra += ", includable: false"
            out.append(
                f"  - {{id: {product.id}, name: {product.name}, kind: {product.kind}{extra}, "
                f"prices: {prices(product.prices)}}}"
            )
        out.append("one_offs:")
        out += [f'  - {{id: {o.id}, name: {o.name}, price: "{o.price}"}}' for o in self.one_offs]
        return "\n".join(out) + "\n"


# A coupon's discount as written in a catalog: a percentage off (0 to 100) or an amount off (0.00 to 40.00);
# the discount and invoice-totals properties redeem it on a plan with a quantity component.
coupon_offs = st.one_of(
    st.integers(0, 100).map(lambda p: f'percent_off: "{p}"'),
    st.integers(0, 4000).map(lambda cents: f'amount_off: "{Decimal(cents) / 100:.2f}"'),
)


def _cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    # Odd cents on purpose: 13 x 21/31 and 19 % of 0.99 only round differently with real cent amounts.
    return st.integers(low, high).map(lambda c: Decimal(c).scaleb(-2))


@st.composite
def _price_table(draw: Any, periods: Sequence[str], monthly: Decimal) -> dict[str, Decimal]:
    table: dict[str, Decimal] = {}
    for period in periods:
        months = MONTHS[period]
        if period == "monthly":
            table[period] = monthly
        else:  # a longer term is usually cheaper per month, sometimes not
            factor = Decimal(draw(st.integers(70, 105))) / 100
            table[period] = (monthly * months * factor).quantize(Decimal("0.01"))
    return table


PLAN_NAMES = [("basic", "Basic"), ("team", "Team"), ("agency", "Agency"), ("enterprise", "Enterprise")]


@st.composite
def catalogs(
    draw: Any, around: date = date(2020, 1, 1), one_offs: bool = True, arrears: bool = False
) -> CatalogSpec:
    """A Duda-shaped catalog whose plan versions change prices and included sites around `around`; with
    `arrears`, now and then a plan billed in arrears (or in advance, said explicitly)."""
    n_plans = draw(st.integers(2, 4))
    ranks = sorted(draw(st.lists(st.integers(1, 9), min_size=n_plans, max_size=n_plans, unique=True)))
    plans = []
    for (plan_id, name), rank in zip(PLAN_NAMES, ranks):
        periods = ["monthly", "annual"] + (["quarterly"] if draw(st.integers(0, 4)) == 0 else [])
        periods += ["semiannual"] if draw(st.integers(0, 4)) == 0 else []
        n_versions = draw(st.integers(1, 3))
        # The first version is always available; later ones start inside the timelines (price rises,
        # price cuts, more or fewer included sites), so "the version on the purchase date" matters.
        later = {around + timedelta(days=d) for d in draw(st.lists(st.integers(-40, 500), max_size=n_versions - 1))}
        starts = [date(2000, 1, 1), *sorted(later)]
        versions = []
        for start in starts:
            free = rank == ranks[0] and draw(st.integers(0, 9)) == 0  # now and then a free entry plan
            monthly = Decimal("0.00") if free else draw(_cents(100, 12000))
            versions.append(PlanVersionSpec(start, draw(_price_table(periods, monthly)), draw(st.integers(0, 5))))
        billed = draw(st.sampled_from([None, None, "in_arrears", "in_advance"])) if arrears else None
        plans.append(PlanSpec(plan_id, name, rank, tuple(versions), billed))

    site_monthly = draw(st.one_of(_cents(100, 3000), st.just(Decimal("0.00"))))
    products = [ProductSpec("site", "Website", "site", draw(_price_table(["monthly", "annual"], site_monthly)))]
    if draw(st.booleans()):  # Duda's legacy unlimited site: annual only, never takes an included slot
        products.append(
            ProductSpec("unlimited-site", "Unlimited website", "site", {"annual": draw(_cents(5000, 40000))}, 0, False)
        )
    for kind, names in (("store", ["standard", "advanced", "unlimited"]), ("app", ["crm", "crm-pro", "crm-max"])):
        for tier, name in enumerate(names[: draw(st.integers(0, 3))], start=1):
            prices = draw(_price_table(["monthly", "annual"], draw(_cents(100, 5000))))
            products.append(ProductSpec(f"{kind}-{name}", f"{name} {kind}", kind, prices, tier))
    items = []
    if one_offs:
        for i in range(draw(st.integers(1, 2))):
            items.append(OneOffSpec(f"image-{i + 1}", f"Premium image {i + 1}", draw(_cents(1, 2500))))
    return CatalogSpec(
        currency=draw(st.sampled_from(["EUR", "USD", "CZK"])),
        seller_country=draw(st.sampled_from(SELLER_COUNTRIES)),
        plans=tuple(plans),
        products=tuple(products),
        one_offs=tuple(items),
    )


@functools.cache
def rule_texts() -> dict[str, str]:
    """The shipped rule sets and VAT table as texts, read once."""
    return {f"rules/{p.name}": p.read_text() for p in sorted(RULES_DIR.glob("*.yaml"))}


@functools.cache
def rule_set_text(rule_set: str) -> str:
    """A shipped rule set's text, or a test-only one's from tests/rules (never shadowing a shipped one)."""
    shipped = rule_texts().get(f"rules/{rule_set}.yaml")
    return shipped if shipped is not None else (TEST_RULES_DIR / f"{rule_set}.yaml").read_text()


@functools.cache
def shipped_rules(rule_set: str) -> dict[str, Any]:
    """A rule set's settings as written (the tracker needs `proration`, `billing_day` and `renewal`)."""
    data: dict[str, Any] = yaml.safe_load(rule_set_text(rule_set))
    return data


@functools.lru_cache(maxsize=512)
def _library(catalog_yaml: str, rule_set: str) -> Library:
    texts = rule_texts()
    # Only the VAT table and the one rule set the catalog names: loading is the slow part of an example.
    return load_texts(
        {"rules/vat.yaml": texts["rules/vat.yaml"], f"rules/{rule_set}.yaml": rule_set_text(rule_set),
         "plans/gen.yaml": catalog_yaml}
    )


def tariff_for(spec: CatalogSpec, rule_set: str) -> Tariff:
    return prepare(_library(spec.yaml(rule_set), rule_set), CATALOG_ID)


def per_rule_set(everyday: int, deep_share: int) -> settings:
    """Examples for one rule set of a property parametrized over rule sets. Every example loads its own
    generated catalog (a few ms), so the everyday profiles (dev, ci, mutate) run at most `everyday` per rule
    set to keep the suite fast; a long search (HYPOTHESIS_PROFILE=deep, 1000 and more) runs 1/`deep_share`
    of the profile's examples per rule set."""
    wanted = settings.default.max_examples
    return settings(max_examples=wanted // deep_share if wanted >= 1000 else min(everyday, wanted))


# --------------------------------------------------------------------------------------------- accounts


@st.composite
def accounts(draw: Any, seller_country: str = "DE") -> Account:
    """A consumer or a business in any VAT-table country; the seller's own country comes up often so that
    domestic businesses (taxed, no reverse charge) are as common as foreign ones."""
    country = draw(st.one_of(st.just(seller_country), st.sampled_from(VAT_COUNTRIES)))
    business = draw(st.booleans())
    # a VAT ID that passes its country's check (tests/vat_id_examples.py); the US one is not checked
    return Account("acct", CATALOG_ID, country, VAT_IDS.get(country, f"{country}123456789") if business else None)


# --------------------------------------------------------------------------------------------- timelines


@st.composite
def first_days(draw: Any) -> date:
    """First purchase day: leap years (2020, 2024) and their neighbours, days 29-31 half of the time."""
    year = draw(st.sampled_from([2020, 2024, 2019, 2023]))
    month = draw(st.integers(1, 12))
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    day = draw(st.one_of(st.integers(29, 31), st.integers(1, 28)))
    return date(year, month, min(day, last))


def add_months(start: date, months: int, day: int | None = None) -> date:
    """start + months, on `day` (default start's), clamped to the month's last day (the tracker's own term
    arithmetic)."""
    total = start.year * 12 + start.month - 1 + months
    year, month = divmod(total, 12)
    last = (date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month + 1, min(day or start.day, last))


@dataclass(frozen=True)
class TimelineScope:
    """Which events a timeline may hold. The oracle's scope leaves out stores and apps and the few
    combinations whose outcome the written rules leave open (see tests/oracle/model.py)."""

    trials: bool = True
    stores: bool = True
    apps: bool = True
    one_offs: bool = True
    unlimited_sites: bool = True
    site_cancels: bool = True
    plan_cancels: bool = True
    rebuy_plan: bool = True  # buy a plan again after the first one ended
    convert_to_monthly: bool = True
    dont_renew_monthly_sites: bool = True  # a site that might later take a freed slot
    trial_annual_sites: bool = True
    arrears_plans: bool = True  # plans billed in arrears (docs/rules.md "invoicing"; the oracle does not model them)
    # Under renewal.lead_days > 0 (docs/rules.md `lead_days`): changes to a contract from its renewal day to
    # its term end, both included (a plan change or cancel, a site cancelled or converted, don't-renew set
    # there); the timelines then aim for those days now and then. False keeps them out.
    lead_window_changes: bool = True
    # Under renewal.lead_days > 0: downgrades at term end and slots freed while paid sites run (an included
    # site unpublished or converted), which the written rules do not pin with a lead (tests/oracle/model.py).
    # False keeps them out. Clearing a don't-renew in the lead window stays in either way.
    lead_downgrades_and_freed_slots: bool = True
    # Under renewal.lead_days > 0: a plan changed or cancelled, a site cancelled or converted, on its term end
    # day, the first day of the term charged ahead. docs/rules.md `lead_days`: the change comes first, the
    # charged term is credited in full and a changed contract keeps its anchor day
    # (tests/oracle/test_lead_days.py pins both by hand). False keeps them out.
    lead_term_end_day_changes: bool = True
    # Under renewal.lead_days > 0: a plan changed, cancelled or set to don't renew on the day a don't-renew
    # cleared after its renewal day renewed it; whether that renewal comes before the day's later events
    # or after them (as a renewal day's) is not written (tests/oracle/model.py). False keeps them out.
    lead_events_the_day_a_clear_renewed: bool = True
    max_steps: int = 16


FULL_SCOPE = TimelineScope()

# Site status as far as the tracker can know it without doing the engine's slot allocation.
INCLUDED = "included"  # certainly holds an included slot
PAID = "paid"  # certainly has a running paid contract
EITHER = "either"  # a slot or a paid contract, not known which
WAITING = "waiting"  # published during a trial, waits for the plan's slots
LIMBO = "limbo"  # a slot, a contract or nothing: no event that needs a contract
DEAD = "dead"  # certainly nothing running


@dataclass
class SiteState:
    name: str
    product: str
    period: str | None  # the period of its own contract when it certainly has one
    status: str
    published: bool = True
    store: str | None = None  # store product id while the store contract runs
    store_stopping: bool = False  # cancelled, or its tier changes at the term end: no more store events
    store_stop_day: date | None = None  # don't-renew set on the store that day (and not cleared)
    apps: dict[str, bool] = field(default_factory=dict)  # app id -> still running (not removed/stopped)
    stopping_since: date | None = None  # don't-renew set on that day (and not cleared)
    anchors: set[date] = field(default_factory=set)  # days a monthly contract of it may have started


@dataclass
class PlanState:
    id: str
    period: str
    anchor: date  # the day its current series of terms started
    capacity: int  # included sites of the version it was bought or changed on
    stopping_since: date | None = None
    pending: tuple[str, str, date, date] | None = None  # at-term-end downgrade: plan, period, asked, effective
    anchor_day: int | None = None  # the day of month its terms end on, when not the anchor's (alignment)
    # The day an immediate change on a renewal day replaced that renewal: later events that day act on the
    # term it started, not on the one that ended (the engine: "a change dated on a renewal day replaces it")
    renewed_by_change: date | None = None
    renewed_by_clear: date | None = None  # under lead days: the day a clear after the renewal day renewed it

    def term_end(self, day: date) -> date:
        """The end (exclusive) of the term that contains `day`. An event on day d acts on the term containing
        d - 1: events come before the renewals of their day, so on a renewal day the old term is the one that
        ends (don't-renew then stops that very renewal)."""
        n = 0
        while add_months(self.anchor, (n + 1) * MONTHS[self.period], self.anchor_day) <= day:
            n += 1
        return add_months(self.anchor, (n + 1) * MONTHS[self.period], self.anchor_day)


class Timeline:
    """Draws a timeline event by event, keeping what certainly exists so each event is valid."""

    def __init__(self, draw: Any, spec: CatalogSpec, rule_set: str, scope: TimelineScope, start: date):
        self.draw = draw
        self.spec = spec
        self.scope = scope
        proration = shipped_rules(rule_set).get("proration", {})
        self.downgrades = proration.get("downgrades", "at_term_end")
        self.change_term = proration.get("change_term", "restart")
        billing_day = shipped_rules(rule_set).get("billing_day", {})
        # billing_day.alignment (docs/rules.md): `billing_day`: terms end on the account's billing days, fixed by
        # the first event under anchor account_start (what the aligned shipped rule sets use); `calendar`: on the
        # 1st of calendar months, quarters and years
        self.alignment = billing_day.get("alignment", "subscription")
        self.aligned = self.alignment != "subscription"
        renewal = shipped_rules(rule_set).get("renewal", {})
        lead = renewal.get("lead_days", 0) if renewal.get("auto_renew", True) else 0
        # renewal.lead_days is followed when the scope keeps something of it out (see the scope); the full
        # scope draws every event as if there were no lead
        narrowed = not (scope.lead_window_changes and scope.lead_downgrades_and_freed_slots)
        self.lead = timedelta(days=lead) if lead and narrowed else None
        self.keep_out_windows = self.lead is not None and not scope.lead_window_changes
        self.keep_out_freed_slots = self.lead is not None and not scope.lead_downgrades_and_freed_slots
        assert not self.aligned or billing_day.get("anchor") in ("account_start", "first_of_month")
        self.billing_anchor: date | None = None
        self.day = start
        self.events: list[Any] = []
        self.trial = False
        self.plan: PlanState | None = None
        self.plan_ended = False  # certainly no plan running (cancelled)
        self.sites: dict[str, SiteState] = {}

    # -- bookkeeping

    def emit(self, event_type: type, *args: Any) -> None:
        self.events.append(event_type(f"e{len(self.events) + 1}", self.day, *args))
        if self.billing_anchor is None and event_type in (StartTrial, BuyPlan, PublishSite):
            self.billing_anchor = self.day  # account_start: the first trial or purchase (a site may be included)

    def plan_state(self, plan_id: str, period: str, day: date, capacity: int) -> PlanState:
        """A plan whose terms start on `day`: its own anniversaries, or aligned to the billing days (a leading
        part up to the next one: its series starts one period before it)."""
        anchor = self.billing_anchor or day  # the purchase is the first event: it fixes the billing day
        if not self.aligned:
            return PlanState(plan_id, period, day, capacity)
        if self.alignment == "calendar":  # the first 1st of a calendar period on or after the day
            index = day.year * 12 + day.month - 1 + (day.day > 1)
            index += -index % MONTHS[period]
            nxt = date(index // 12, index % 12 + 1, 1)
            series = day if nxt == day else add_months(nxt, -MONTHS[period])
            return PlanState(plan_id, period, series, capacity, anchor_day=1)
        k = 0
        while add_months(anchor, k) < day:
            k += 1
        nxt = add_months(anchor, k)
        series = day if nxt == day else add_months(nxt, -MONTHS[period], anchor.day)
        return PlanState(plan_id, period, series, capacity, anchor_day=anchor.day)

    def advance(self, days: int) -> None:
        self.day += timedelta(days=days)
        plan = self.plan
        if plan is not None and plan.pending and plan.pending[3] < self.day:
            # The downgrade took effect at the term end. Which version it uses (the day it was asked for or
            # the day it took effect) is not the tracker's business: it assumes the smaller slot count so
            # that "certainly free" stays certain.
            plan_id, period, asked, effective = plan.pending
            versions = (self.spec.plan(plan_id).version_on(day) for day in (asked, effective))
            self.plan = self.plan_state(plan_id, period, effective, min(v.included_sites for v in versions))
            plan = self.plan
        if plan is not None and plan.stopping_since and self._stop_end(plan) < self.day:
            self.plan = None  # ended at its term end (don't-renew); its sites may have lost their slots
            self.plan_ended = True
            self._plan_gone()

    @staticmethod
    def _ends(plan: PlanState, day: date) -> date:
        """The end of the term an event on `day` acts on (see PlanState.term_end)."""
        return plan.term_end(day - timedelta(days=1))

    def _stop_end(self, plan: PlanState) -> date:
        """The day a plan set to don't renew ends. Under lead days, set after its renewal day (the renewal
        charged) or on its term end day, it runs to the end of the term charged (docs/rules.md `lead_days`)."""
        assert plan.stopping_since is not None
        end = self._ends(plan, plan.stopping_since)
        if self.lead is not None and plan.stopping_since > end - self.lead:
            return plan.term_end(end)
        return end

    def _plan_gone(self) -> None:
        for site in self.sites.values():
            if site.status in (INCLUDED, EITHER, WAITING):
                site.status = LIMBO

    def _slots_may_have_moved(self, frees: bool = True, shrinks: bool = False) -> None:
        """A slot may have been freed (a paid monthly site may take it at renewal) or lost (an included site
        may start a monthly contract today)."""
        for site in self.sites.values():
            site.anchors.add(self.day)
            if frees and site.status == PAID and site.period == "monthly" and self._includable(site):
                site.status = EITHER
            if shrinks and site.status == INCLUDED:
                site.status = EITHER

    def _includable(self, site: SiteState) -> bool:
        return self.spec.product(site.product).includable

    def _plan_in_lead_window(self) -> bool:
        """From the plan's renewal day (term end - lead) to its term end, both included."""
        plan = self.plan
        if self.lead is None or plan is None:
            return False
        return plan.term_end(self.day) - self.lead <= self.day or self._ends(plan, self.day) == self.day

    def _site_in_lead_window(self, site: SiteState) -> bool:
        """Whether a monthly (or annual) term of the site, from any day one may have started, ends within
        lead days from today: the tracker does not know its terms exactly, so it is cautious."""
        if self.lead is None:
            return False
        for anchor in site.anchors:
            n = 1
            while (end := add_months(anchor, n)) <= self.day + self.lead:
                if end >= self.day:
                    return True
                n += 1
        return False

    def _plan_changeable(self) -> bool:
        """Running, and outside its lead window when the scope keeps changes out of lead windows."""
        return self.plan_running() and not (self.keep_out_windows and self._plan_in_lead_window())

    def _plan_edge_day(self) -> bool:
        """Under lead days, a day the scope keeps plan changes and cancels out of: the plan's term end day, or
        the day a clear renewed it."""
        plan = self.plan
        if self.lead is None or plan is None:
            return False
        if not self.scope.lead_term_end_day_changes and self._ends(plan, self.day) == self.day:
            return True
        return self._clear_renewed_today()

    def _clear_renewed_today(self) -> bool:
        """Under lead days, when the scope keeps them out: a clear renewed the plan today (see the scope)."""
        plan = self.plan
        return (
            self.lead is not None
            and plan is not None
            and not self.scope.lead_events_the_day_a_clear_renewed
            and plan.renewed_by_clear == self.day
        )

    def _site_term_end_day(self, site: SiteState) -> bool:
        """Under lead days, when the scope keeps changes on term end days out: whether a term of the site, from
        any day one may have started, ends today (cautious, as _site_in_lead_window)."""
        if self.lead is None or self.scope.lead_term_end_day_changes:
            return False
        months = MONTHS[site.period or "monthly"]
        for anchor in site.anchors:
            n = 1
            while (end := add_months(anchor, n * months)) <= self.day:
                if end == self.day:
                    return True
                n += 1
        return False

    def _any_site_in_lead_window(self) -> bool:
        return any(self._site_in_lead_window(s) for s in self.sites.values())

    def plan_running(self) -> bool:
        """Certainly running and certainly not about to change on its own."""
        return self.plan is not None and self.plan.stopping_since is None and self.plan.pending is None

    def _free_slot_certain(self) -> bool:
        if not self.plan_running() or self.plan is None:
            return False
        maybe_taken = sum(
            1 for s in self.sites.values() if s.published and s.status in (INCLUDED, EITHER, LIMBO, WAITING)
        )
        return self.plan.capacity - maybe_taken > 0

    # -- the actions a step can take, each valid in the current state

    def actions(self) -> list[Callable[[], None]]:
        """The events possible now; the ones a timeline is mostly about (buying after a trial, plan changes,
        publishing) are listed more than once to come up more often."""
        scope, plan = self.scope, self.plan
        acts: list[Callable[[], None]] = []
        if plan is None and not self.trial and not self.events and scope.trials:
            acts.append(self.start_trial)
        if plan is None and (not self.events or self.trial or (scope.rebuy_plan and self._plan_may_be_bought())):
            acts += [self.buy_plan] * 2
        if self.plan_running() and not self._plan_edge_day() and not (
            self.keep_out_windows and (self._plan_in_lead_window() or self._any_site_in_lead_window())
        ):
            acts += [self.change_plan] * 3
        if self.events and (plan is not None or self.trial or self.plan_ended):
            acts += [self.publish_site] * 2
        if self._unpublishable():
            acts.append(self.unpublish_site)
        if self._convertible():
            acts.append(self.convert_site)
        if self._cancellable():
            acts.append(self.cancel)
        if self._stoppable():
            acts.append(self.set_dont_renew)
        if self._clearable():
            acts.append(self.clear_dont_renew)
        if self._plan_clearable_after_renewal_day():
            acts += [self.clear_after_renewal_day] * 2
        if self.lead is not None and not self.keep_out_windows:
            if self.plan_running():
                acts += [self.change_in_plan_lead_window] * 2
            if self._paid_sites():
                acts += [self.change_in_site_lead_window] * 2
        if scope.one_offs and self.spec.one_offs and self.events:
            acts.append(self.buy_one_off)
        if scope.stores and self.spec.of_kind("store") and self._store_sites(has=False):
            acts.append(self.add_store)
        if scope.stores and len(self.spec.of_kind("store")) > 1 and self._store_sites(has=True):
            acts += [self.upgrade_store] * 2
        if scope.apps and self.spec.of_kind("app") and self._app_sites():
            acts.append(self.buy_app)
        if scope.apps and self._running_apps():
            acts.append(self.remove_app)
            if len(self.spec.of_kind("app")) > 1:
                acts += [self.upgrade_app] * 2
        return acts

    def _plan_may_be_bought(self) -> bool:
        return self.plan_ended

    def _paid_sites(self) -> list[SiteState]:
        return [
            s for s in self.sites.values()
            if s.status == PAID and s.stopping_since is None
            and not (self.keep_out_windows and self._site_in_lead_window(s))
        ]  # fmt: skip

    def _convertible(self) -> list[SiteState]:
        out: list[SiteState] = []
        for site in self.sites.values():
            if site.stopping_since is not None or site.status not in (PAID, INCLUDED, EITHER):
                continue
            if self.keep_out_freed_slots and site.status != PAID:
                continue  # no slot freed under lead days
            if self.keep_out_windows and self._site_in_lead_window(site):
                continue  # no change inside a lead window
            if self._site_term_end_day(site):
                continue
            if site.status == INCLUDED and not site.published:
                continue
            if site.period == "annual" and site.status == PAID:
                if self.scope.convert_to_monthly and "monthly" in self.spec.product(site.product).prices:
                    out.append(site)
            elif site.status in (INCLUDED, EITHER) or site.period == "monthly":
                out.append(site)
        return out

    def _cancellable(self) -> list[str]:
        keys = []
        if self.scope.plan_cancels and self._plan_changeable() and not self._plan_edge_day():
            keys.append("plan")
        if self.scope.site_cancels:
            keys += [f"site:{s.name}" for s in self._paid_sites() if not self._site_term_end_day(s)]
        for site in self.sites.values():
            if site.store and not site.store_stopping and site.store_stop_day is None:
                keys.append(f"store:{site.name}")
            keys += [f"app:{site.name}:{app}" for app, running in site.apps.items() if running]
        return keys

    def _stoppable(self) -> list[str]:
        keys = ["plan"] if self._plan_changeable() and not self._clear_renewed_today() else []
        for site in self._paid_sites():
            if site.period == "annual" or self.scope.dont_renew_monthly_sites:
                keys.append(f"site:{site.name}")
        for site in self.sites.values():
            if site.store and not site.store_stopping and site.store_stop_day is None:
                keys.append(f"store:{site.name}")
            keys += [f"app:{site.name}:{app}" for app, running in site.apps.items() if running]
        return keys

    def _clearable(self) -> list[str]:
        keys = []
        plan = self.plan
        if plan and plan.stopping_since and not plan.pending and self.day < self._stop_end(plan):
            keys.append("plan")
        # Other contracts' term ends are not tracked: clearing is offered on the day don't-renew was set.
        keys += [f"site:{s.name}" for s in self.sites.values() if s.stopping_since == self.day]
        keys += [f"store:{s.name}" for s in self.sites.values() if s.store_stop_day == self.day]
        return keys

    def _store_sites(self, has: bool) -> list[SiteState]:
        out = []
        for site in self.sites.values():
            if site.status in (WAITING, DEAD, LIMBO):
                continue
            if has and site.store and not site.store_stopping and site.store_stop_day is None:
                out.append(site)
            if not has and site.store is None and site.published:
                out.append(site)
        return out

    def _app_sites(self) -> list[SiteState]:
        apps = {a.id for a in self.spec.of_kind("app")}
        return [
            s for s in self.sites.values()
            if s.status not in (WAITING, DEAD, LIMBO) and s.published and apps - set(s.apps)
        ]

    def _running_apps(self) -> list[tuple[SiteState, str]]:
        return [(s, app) for s in self.sites.values() for app, running in s.apps.items() if running]

    # -- the actions

    def start_trial(self) -> None:
        self.trial = True
        self.emit(StartTrial)

    def buy_plan(self) -> None:
        plan = self.draw(st.sampled_from(self.spec.plans))
        period = self.draw(st.sampled_from(plan.periods))
        capacity = plan.version_on(self.day).included_sites
        self.plan = self.plan_state(plan.id, period, self.day, capacity)
        self.plan_ended = False
        # Sites published in the trial take the slots in publication order, the rest pay monthly.
        waiting = [s for s in self.sites.values() if s.status == WAITING]
        for i, site in enumerate(waiting):
            site.status, site.period = (INCLUDED, None) if i < capacity else (PAID, "monthly")
            site.anchors.add(self.day)
        self.trial = False
        self.emit(BuyPlan, plan.id, Period(period))

    def change_plan(self) -> None:
        plan = self.plan
        assert plan is not None
        current = self.spec.plan(plan.id)
        choices = [(p.id, period) for p in self.spec.plans for period in p.periods]
        choices.remove((plan.id, plan.period))
        if self.downgrades == "forbidden" or (self.downgrades == "at_term_end" and self.keep_out_freed_slots):
            choices = [c for c in choices if self._is_upgrade(current, plan.period, *c)]
        if not choices:
            return
        plan_id, period = self.draw(st.sampled_from(choices))
        upgrade = self._is_upgrade(current, plan.period, plan_id, period)
        if not upgrade and self.downgrades == "at_term_end":
            effective = self._ends(plan, self.day)
            if plan.renewed_by_change == self.day:  # the same day's upgrade started a new term: it waits for that
                effective = plan.term_end(self.day)
            plan.pending = (plan_id, period, self.day, effective)
            self._slots_may_have_moved(frees=True, shrinks=True)
        else:
            restarts = self.change_term == "restart" or period != plan.period
            capacity = self.spec.plan(plan_id).version_on(self.day).included_sites
            on_renewal_day = self._ends(plan, self.day) == self.day
            if restarts:
                self.plan = self.plan_state(plan_id, period, self.day, capacity)
            else:
                self.plan = PlanState(plan_id, period, plan.anchor, capacity, anchor_day=plan.anchor_day)
            if on_renewal_day:
                self.plan.renewed_by_change = self.day
                # A change on the renewal day (under lead days the term end day) keeps the contract's day of
                # month (docs/rules.md): bought 01-31 and changed 02-28, the new terms end 03-30, 04-29 ...
                self.plan.anchor_day = plan.anchor_day or plan.anchor.day
            self._slots_may_have_moved(frees=True, shrinks=True)
        self.emit(ChangePlan, plan_id, Period(period))

    def _is_upgrade(self, current: PlanSpec, period: str, plan_id: str, new_period: str) -> bool:
        new = self.spec.plan(plan_id)
        if new.id == current.id:
            return MONTHS[new_period] > MONTHS[period]
        return new.rank > current.rank

    def publish_site(self) -> None:
        name = f"s{len(self.sites) + 1}"
        products = [p for p in self.spec.of_kind("site") if p.includable or self.scope.unlimited_sites]
        product = self.draw(st.sampled_from(products))
        periods: list[str | None] = [p for p in ("monthly", "annual") if p in product.prices]
        if self.trial:
            # In a trial a site without a period waits for the plan's slots; an annual one pays at once.
            periods = [None, "annual"] if self.scope.trial_annual_sites and "annual" in product.prices else [None]
            if not product.includable:
                periods = ["annual"]
        elif product.includable and self._free_slot_certain():
            periods.insert(0, None)
        period = self.draw(st.sampled_from(periods))
        if period == "annual" or not product.includable:
            status = PAID
        elif self.trial:
            status = WAITING
        elif self._free_slot_certain():
            status = INCLUDED
        elif self.plan_ended or self._slots_certainly_full():
            status = PAID
        else:
            status = EITHER
        contract_period = "monthly" if status == EITHER else (None if status == INCLUDED else period)
        self.sites[name] = SiteState(name, product.id, contract_period, status, anchors={self.day})
        self.emit(PublishSite, name, Period(period) if period else None, product.id)

    def _slots_certainly_full(self) -> bool:
        if not self.plan_running() or self.plan is None:
            return False
        certain = sum(1 for s in self.sites.values() if s.published and s.status == INCLUDED)
        return certain >= self.plan.capacity

    def _unpublishable(self) -> list[SiteState]:
        if self.keep_out_freed_slots and self.plan is not None:  # under lead days no slot is freed
            return [s for s in self.sites.values() if s.published and s.status in (PAID, DEAD, WAITING)]
        return [s for s in self.sites.values() if s.published]

    def unpublish_site(self) -> None:
        site = self.draw(st.sampled_from(self._unpublishable()))
        site.published = False
        if site.status in (INCLUDED, EITHER, LIMBO):
            self._slots_may_have_moved()
        site.status = {INCLUDED: DEAD, EITHER: LIMBO, WAITING: DEAD}.get(site.status, site.status)
        self.emit(UnpublishSite, site.name)

    def convert_site(self, site: SiteState | None = None) -> None:
        site = site or self.draw(st.sampled_from(self._convertible()))
        period = "monthly" if site.status == PAID and site.period == "annual" else "annual"
        if site.status in (INCLUDED, EITHER):
            self._slots_may_have_moved()
        # To monthly it may take a free slot; to annual it certainly pays.
        site.status, site.period = (EITHER, "monthly") if period == "monthly" else (PAID, "annual")
        site.anchors.add(self.day)
        if period == "monthly" and self._slots_certainly_full():
            site.status = PAID
        self.emit(ConvertSite, site.name, Period(period))

    def cancel(self, key: str | None = None) -> None:
        key = key or self.draw(st.sampled_from(self._cancellable()))
        self._end(key)
        self.emit(Cancel, key)

    def _end(self, key: str) -> None:
        kind, _, rest = key.partition(":")
        if kind == "plan":
            self.plan = None
            self.plan_ended = True
            self._plan_gone()
        elif kind == "site":
            self.sites[rest].status = DEAD
        elif kind == "store":
            self.sites[rest].store_stopping = True  # gone; the site keeps it as "had a store"
        else:
            site_name, _, app = rest.partition(":")
            self.sites[site_name].apps[app] = False

    def set_dont_renew(self, key: str | None = None) -> None:
        key = key or self.draw(st.sampled_from(self._stoppable()))
        kind, _, rest = key.partition(":")
        if kind == "plan":
            assert self.plan is not None
            self.plan.stopping_since = self.day
        elif kind == "site":
            self.sites[rest].stopping_since = self.day
        elif kind == "store":
            self.sites[rest].store_stop_day = self.day
        else:
            site_name, _, app = rest.partition(":")
            self.sites[site_name].apps[app] = False
        self.emit(SetDontRenew, key)

    def clear_dont_renew(self) -> None:
        key = self.draw(st.sampled_from(self._clearable()))
        kind, _, rest = key.partition(":")
        if kind == "plan":
            assert self.plan is not None
            if self.lead is not None and self.day > self._stop_end(self.plan) - self.lead:
                self.plan.renewed_by_clear = self.day  # after its renewal day: it renews today
            self.plan.stopping_since = None
        elif kind == "site":
            self.sites[rest].stopping_since = None
        else:
            self.sites[rest].store_stop_day = None
        self.emit(ClearDontRenew, key)

    def _plan_clearable_after_renewal_day(self) -> bool:
        """Under lead days: a plan set to don't renew whose renewal day is still to come (its clear inside
        the lead window renews it that day: docs/rules.md `lead_days`)."""
        plan = self.plan
        if self.lead is None or plan is None or plan.stopping_since is None or plan.pending:
            return False
        return self.day < self._stop_end(plan) - self.lead

    def clear_after_renewal_day(self) -> None:
        """Wait until after the plan's renewal day, before its term end, and clear its don't-renew."""
        plan, lead = self.plan, self.lead
        assert plan is not None
        assert lead is not None
        renewal_day = self._stop_end(plan) - lead
        self.advance((renewal_day - self.day).days + self.draw(st.integers(1, lead.days - 1)))
        plan.stopping_since = None
        plan.renewed_by_clear = self.day
        self.emit(ClearDontRenew, "plan")

    def _into_lead_window(self, term_end: Callable[[int], date], day_of_month: int | None = None) -> None:
        """Advance to a day of the next lead window of the terms ending on term_end(1), term_end(2), ...: mostly
        strictly between its renewal day and its term end (the renewal charged, its term not begun), now and
        then the renewal day itself or (when the scope has them) the term end day. Terms ending on a
        `day_of_month` past the 28th aim half of the time for the next term end day clamped to a shorter
        month (bought on the 31st: a 30-day month or February), where a change keeps the anchor day: rare
        otherwise, and where a slip (the new terms ending on the 28th) would show."""
        lead = self.lead
        assert lead is not None
        if self.scope.lead_term_end_day_changes and day_of_month is not None and day_of_month > 28:
            n = next(k for k in range(1, 10_000) if term_end(k) >= self.day)
            clamped = next((k for k in range(n, n + 24) if term_end(k).day < day_of_month), None)
            if clamped is not None and self.draw(st.booleans()):
                self.advance((term_end(clamped) - self.day).days)
                return
        edges = [0, lead.days] if self.scope.lead_term_end_day_changes else [0]
        offset = timedelta(days=self.draw(st.one_of(st.integers(1, lead.days - 1), st.sampled_from(edges))))
        n = 1
        while term_end(n) - lead + offset < self.day:
            n += 1
        self.advance((term_end(n) - lead + offset - self.day).days)

    def change_in_plan_lead_window(self) -> None:
        """Under lead days: a plan change, a plan cancel or don't-renew inside the plan's lead window."""
        plan = self.plan
        assert plan is not None
        self._into_lead_window(
            lambda n: add_months(plan.anchor, n * MONTHS[plan.period], plan.anchor_day),
            plan.anchor_day or plan.anchor.day,
        )
        changes: list[Callable[[], None]] = [] if self._clear_renewed_today() else [lambda: self.set_dont_renew("plan")]
        if not self._plan_edge_day():
            # a term end day clamped to a short month is rare: there mostly a plan change (it keeps the anchor)
            clamped = self._ends(plan, self.day) == self.day and self.day.day < (plan.anchor_day or plan.anchor.day)
            changes = [self.change_plan] * (4 if clamped else 1) + changes
            changes += [lambda: self.cancel("plan")] if self.scope.plan_cancels else []
        if changes:
            self.draw(st.sampled_from(changes))()

    def change_in_site_lead_window(self) -> None:
        """Under lead days: a paid site cancelled, converted or set to don't renew inside a lead window of a
        term from one of the days its contract may have started (the tracker does not know which)."""
        site = self.draw(st.sampled_from(self._paid_sites()))
        anchor, months = self.draw(st.sampled_from(sorted(site.anchors))), MONTHS[site.period or "monthly"]
        self._into_lead_window(lambda n: add_months(anchor, n * months))
        key = f"site:{site.name}"
        changes: list[Callable[[], None]] = []
        if self.scope.site_cancels and not self._site_term_end_day(site):
            changes.append(lambda: self.cancel(key))
        if site in self._convertible():
            changes.append(lambda: self.convert_site(site))
        if site.period == "annual" or self.scope.dont_renew_monthly_sites:
            changes.append(lambda: self.set_dont_renew(key))
        if changes:
            self.draw(st.sampled_from(changes))()

    def buy_one_off(self) -> None:
        item = self.draw(st.sampled_from(self.spec.one_offs))
        quantity = self.draw(st.one_of(st.integers(1, 5), st.sampled_from([Decimal("0.5"), Decimal("2.5")])))
        self.emit(BuyOneOff, item.id, quantity)

    def add_store(self) -> None:
        site = self.draw(st.sampled_from(self._store_sites(has=False)))
        store = self.draw(st.sampled_from(self.spec.of_kind("store")))
        period = self.draw(st.sampled_from(list(store.prices)))
        site.store = store.id
        self.emit(AddStore, site.name, store.id, Period(period))

    def upgrade_store(self) -> None:
        site = self.draw(st.sampled_from(self._store_sites(has=True)))
        current = self.spec.product(site.store or "")
        tiers = [p for p in self.spec.of_kind("store") if p.id != current.id]
        if self.downgrades == "forbidden":
            tiers = [p for p in tiers if p.rank > current.rank]
        if not tiers:
            return
        store = self.draw(st.sampled_from(tiers))
        if store.rank < current.rank and self.downgrades == "at_term_end":
            site.store_stopping = True  # the tier changes at the term end: leave it alone from now on
        else:
            site.store = store.id
        self.emit(UpgradeStore, site.name, store.id)

    def buy_app(self) -> None:
        site = self.draw(st.sampled_from(self._app_sites()))
        app = self.draw(st.sampled_from([a for a in self.spec.of_kind("app") if a.id not in site.apps]))
        period = self.draw(st.sampled_from(list(app.prices)))
        site.apps[app.id] = True
        self.emit(BuyApp, site.name, app.id, Period(period))

    def remove_app(self) -> None:
        site, app = self.draw(st.sampled_from(self._running_apps()))
        site.apps[app] = False
        self.emit(RemoveApp, site.name, app)

    def upgrade_app(self) -> None:
        site, app = self.draw(st.sampled_from(self._running_apps()))
        current = self.spec.product(app)
        targets = [a for a in self.spec.of_kind("app") if a.id not in site.apps]
        if self.downgrades == "forbidden":
            targets = [a for a in targets if a.rank > current.rank]
        if not targets:
            return
        to = self.draw(st.sampled_from(targets))
        site.apps[app] = False  # the old app stays "on the site" for the engine's bookkeeping: never reused
        site.apps[to.id] = not (to.rank < current.rank and self.downgrades == "at_term_end")
        self.emit(UpgradeApp, site.name, app, to.id)


@dataclass(frozen=True)
class BillingCase:
    """Everything one bill run needs: catalog, rule set, account, events and the last day billed."""

    catalog: CatalogSpec
    rule_set: str
    account: Account
    events: tuple[Any, ...]
    until: date

    def tariff(self) -> Tariff:
        return tariff_for(self.catalog, self.rule_set)


@st.composite
def billing_cases(draw: Any, rule_set: str, scope: TimelineScope = FULL_SCOPE) -> BillingCase:
    """A generated catalog, an account and a valid timeline of up to `scope.max_steps` steps."""
    start = draw(first_days())
    spec = draw(catalogs(around=start, one_offs=scope.one_offs, arrears=scope.arrears_plans))
    account = draw(accounts(spec.seller_country))
    timeline = Timeline(draw, spec, rule_set, scope, start)
    until = add_months(start, draw(st.integers(3, 26)))
    for _ in range(draw(st.integers(2, scope.max_steps))):
        if timeline.events:
            # Mostly days or weeks apart, often the same day or the next, sometimes months apart.
            timeline.advance(draw(st.one_of(st.integers(0, 3), st.integers(0, 45), st.integers(0, 200))))
        if timeline.day > until:
            break
        actions = timeline.actions()
        if actions:
            draw(st.sampled_from(actions))()
    return BillingCase(spec, rule_set, account, tuple(timeline.events), until)

"""The reference model: the documents a timeline should produce, computed from the written rules alone.

Independent of the engine on purpose. Everything here comes from README.md, docs/rules.md (its settings and
"Billing decisions"), docs/scenarios.md, docs/plans.md, rules/*.yaml and the golden scenarios under
tests/scenarios (worked examples). It reads the rule sets and rules/vat.yaml with plain `yaml.safe_load`,
prices from the strategies' plain-data `CatalogSpec`, and does its own calendar arithmetic (always from the
original anchor day, never chained), day counting and rounding (exact `Fraction`s, rounded once by an
explicit function). Nothing from billingcore is imported: tests/oracle/test_oracle.py builds the engine's
inputs and compares the outputs.

What it covers (the "simple cases"):

- rule sets duda, killbill, killbill-30, chargebee, lago, lago-calendar, billwerk and fakturia, and the
  test-only duda-lead-10 (tests/rules: duda with `renewal.lead_days: 10`): the billing-day anchors first
  plan purchase, account start and first of month, terms on each contract's own
  anniversary or aligned to the billing days or to calendar periods (with prorated leading parts), both
  day bases, both change days, all four roundings in use,
  interim invoices and next-billing-day credits, negative lines and credit notes, downgrades allowed and at
  term end, change_term restart and keep_end, by-period and single invoices, zero_total issue and skip,
  per-rate and per-line VAT;
- events start_trial, buy_plan, change_plan (upgrades, downgrades, period changes, several per timeline),
  publish_site (no period, monthly, annual, the non-includable unlimited site), unpublish_site,
  convert_site (to annual), cancel (plan and paid sites), set_dont_renew / clear_dont_renew, buy_one_off;
- included slots: plans of generated catalogs include 0-5 sites and change that number between versions,
  so slots are filled on publishing, at the plan purchase after a trial, at renewals (a freed slot), and
  re-allocated at plan changes;
- VAT by country and date, consumers, domestic businesses and foreign EU businesses (reverse charge)
  against EU and US sellers;
- renewal lead days, as docs/rules.md `lead_days` and its worked examples (renewal/lead-days.yaml,
  accounts/wedos-lead-days-dont-renew.yaml) pin them: a renewal is charged on its renewal day, lead_days
  before the term's exclusive end, falls due that day and is invoiced on the first billing day on or
  after it, for the next term from the term end; a contract set to don't renew is not renewed on its
  renewal day, runs to its term end and ends there; don't-renew cleared after the renewal day and before
  the term end renews it that day (charged that day, the next term from the old term end). The
  timelines clear a plan's don't-renew in its lead window; a site's only on the day it was set (the
  timeline tracker does not know a site's term ends exactly). Changes inside the lead window, as
  docs/rules.md `lead_days` writes them: on the renewal day the day's events come first, so a change
  replaces the renewal (the running term's unused part credited as usual); after it, up to and including
  the term end day (the charged term's first day: its term begins after that day's events), a plan
  change or cancel, a site cancelled or converted (a paid site moving into a slot at an upgrade too,
  which the timelines seldom hold) credits on ONE line the term charged in full plus the running term's
  unused part as without lead days (each rounded on its own, then added; none on the term end day), from
  the first unused day, or the charged term's first day when earlier (change_day: used on the term end
  day), to the charged term's last day, and the renewal's charge stays where it landed; a plan changed or
  a site converted on the term end day keeps the contract's day of month, as a renewal-day change does
  without lead days (bought 01-31, changed 02-28: the new terms end 03-30, 04-29); don't-renew set after
  the renewal (the term end day too) applies at the end of the term charged. The timelines aim for these
  days now and then (TimelineScope `lead_window_changes`, `lead_term_end_day_changes`), for a plan's term
  end day clamped to a short month too; tests/oracle/test_lead_days.py pins four timelines by hand.

What it leaves out, and why:

- stores and apps (a store restarts its site's term; tiers and app swaps would double the model for rules
  the plan-change path already exercises);
- the wedos rule set (its prepaid accounts, credit and payment requests: the oracle models no accounts)
  and `auto_renew: false` (no rule set the oracle runs sets it, so a model of it would go untested: it
  is refused);
- under lead days, what no written rule pins, so the timelines hold none of it (TimelineScope
  `lead_downgrades_and_freed_slots=False`) and the model refuses it (NotImplementedError) rather than
  guess: a downgrade at term end (does it switch on the renewal day or at the term end, and the slots
  with it?); a slot freed while paid monthly sites run (does a site take it on its renewal day or at its
  term end?), so no included site is unpublished or converted then; and `change_term: keep_end` (refused
  with lead days: rule-conflict). Nor do they hold a plan changed, cancelled or set to don't renew on the
  day a clear after its renewal day renewed it (`lead_events_the_day_a_clear_renewed=False`): whether that
  renewal comes before the day's later events or after them, as a renewal day's does, is not written; the
  model takes the day's events in order (the clear charges at once), the engine renews after them;
- combinations the written rules leave open, which the oracle's timelines therefore do not contain: a
  second plan purchase after cancelling, annual sites published during a trial, converting an annual site
  back to monthly, don't-renew on a monthly site (whether it may still take a freed slot is not written);
- nothing else: where the oracle first disagreed with the engine (an at-term-end downgrade to a plan
  whose version changes before it takes effect, a change on a renewal day clamped to a short month's end,
  a plan ended by don't-renew while sites hold its slots, an unpublished paid site meeting free slots, a
  paid site renewing on the day a downgrade takes effect, re-crediting a keep_end-prorated term on
  fixed_30, a credit at a deferred downgrade under `credit_as: credit_note`), the engine was fixed or the
  rule written down, and tests/oracle/test_found_by_the_oracle.py pins each case.

Two choices the written rules leave to presentation are not compared as the engine makes them: the order
of lines within a document (compared as a sorted list) and descriptions, numbers and explanations.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

RULES_DIR = Path(__file__).resolve().parent.parent.parent / "rules"
TEST_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"  # test-only rule sets (duda-lead-10)
ONE_DAY = timedelta(days=1)
MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12, "biennial": 24}

# Every setting's default, as docs/rules.md states it; a rule set file only lists what it changes.
DEFAULTS: dict[str, dict[str, Any]] = {
    "billing_day": {"anchor": "first_plan_purchase", "short_month": "clamp", "alignment": "subscription"},
    "proration": {
        "day_basis": "actual",
        "change_day": "used",
        "rounding": "half_up",
        "lands": "next_billing_day",
        "credit_as": "negative_line",
        "downgrades": "at_term_end",
        "change_term": "restart",
    },
    "invoicing": {"split": "by_period", "zero_total": "issue", "line_rounding": "half_up"},
    "tax": {"rounding": "per_rate", "rounding_mode": "half_up", "reverse_charge": True},
    "renewal": {"auto_renew": True, "lead_days": 0},
}


# --------------------------------------------------------------------------------------------- arithmetic


def last_day_of_month(year: int, month: int) -> int:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (following - ONE_DAY).day


def add_months(anchor: date, months: int, day: int | None = None) -> date:
    """anchor + months, on the anchor's day (or `day`) or the month's last day when that is shorter (Jan 31
    -> Feb 29 -> Mar 31): always from the original anchor, never by chaining "+1 month"."""
    index = anchor.year * 12 + (anchor.month - 1) + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day or anchor.day, last_day_of_month(year, month)))


def round_money(value: Fraction, mode: str) -> Decimal:
    """Round to cents. Modes act on the magnitude, so a credit rounds like the charge it mirrors
    (13 x 21/31 = 8.806 is credited as -8.80 under `down`)."""
    sign = -1 if value < 0 else 1
    cents = abs(value) * 100
    whole, rest = divmod(cents.numerator, cents.denominator)
    fraction = Fraction(rest, cents.denominator)
    if mode == "up":
        whole += 1 if fraction else 0
    elif mode == "half_up":
        whole += 1 if fraction >= Fraction(1, 2) else 0
    elif mode == "half_even":
        whole += 1 if fraction > Fraction(1, 2) or (fraction == Fraction(1, 2) and whole % 2) else 0
    elif mode != "down":
        raise ValueError(f"unknown rounding {mode}")
    return Decimal(sign * whole).scaleb(-2)


# --------------------------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class RuleBook:
    """A rule set's settings with docs/rules.md's defaults filled in."""

    name: str
    billing_day: dict[str, Any]
    proration: dict[str, Any]
    invoicing: dict[str, Any]
    tax: dict[str, Any]
    renewal: dict[str, Any]

    @staticmethod
    @functools.cache
    def load(name: str) -> RuleBook:
        shipped = RULES_DIR / f"{name}.yaml"
        written = yaml.safe_load((shipped if shipped.exists() else TEST_RULES_DIR / f"{name}.yaml").read_text())
        sections = {key: {**defaults, **(written.get(key) or {})} for key, defaults in DEFAULTS.items()}
        return RuleBook(name, **sections)


@dataclass(frozen=True)
class VatBook:
    """rules/vat.yaml: rates by country and date, EU membership, the reverse-charge note."""

    countries: dict[str, Any]
    reverse_charge_note: str

    @staticmethod
    @functools.cache
    def load() -> VatBook:
        data = yaml.safe_load((RULES_DIR / "vat.yaml").read_text())
        return VatBook(data["vat_rates"], data["reverse_charge_note"])

    def rate_for(
        self, country: str, vat_id: str | None, seller: str, day: date, reverse_charge: bool
    ) -> tuple[Decimal, bool]:
        """The rate on a document of `day` and whether it is reverse-charged: a business (VAT id) in another
        EU country than an EU seller pays 0 %, both being members on `day` (a member that left, GB, was one
        through its eu_until); everyone else the rate of their own country on that day."""
        customer = self.countries[country]

        def member(c: dict[str, Any]) -> bool:
            return bool(c["eu"]) and (c.get("eu_until") is None or day <= c["eu_until"])

        if reverse_charge and vat_id and member(customer) and member(self.countries[seller]) and country != seller:
            return Decimal(0), True
        for rate in customer["rates"]:
            if rate["valid_from"] <= day and (rate.get("valid_until") is None or day <= rate["valid_until"]):
                return Decimal(str(rate["rate"])), False
        raise LookupError(f"no VAT rate for {country} on {day}")


# --------------------------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Line:
    item: str
    kind: str  # charge | included | credit | one_off
    amount: Decimal
    period_start: date | None
    period_end: date | None  # inclusive
    vat_rate: Decimal = Decimal(0)


@dataclass(frozen=True)
class Doc:
    date: date
    type: str  # invoice | credit_note
    kind: str  # monthly | annual | regular | immediate | interim
    lines: tuple[Line, ...]
    net: Decimal
    vat: tuple[tuple[Decimal, Decimal, Decimal], ...]  # (rate, base, amount)
    gross: Decimal
    notes: tuple[str, ...]


@dataclass
class Pending:
    """A line waiting for the next billing day, with the invoice it belongs on under `split: by_period`."""

    group: str  # monthly | annual
    line: Line


# --------------------------------------------------------------------------------------------- contracts


@dataclass
class Contract:
    """A contract and its current term. `billed` is what the current term was charged (a full price, or the
    prorated amount after a keep_end change, which then covers `covered_from` to the term end); credits are
    computed from it and never exceed `billed - credited`."""

    key: str  # plan | site:NAME
    product: str  # plan id or site product id
    period: str
    price: Decimal  # the full price of one term, fixed at purchase
    anchor: date  # the first day of its series of terms; term n starts at anchor + n periods
    index: int  # which term of the series runs now
    billed: Decimal
    covered_from: date
    credited: Decimal = Decimal("0.00")
    dont_renew: bool = False
    ended: bool = False
    slots: int = 0  # plans: included sites of the version bought
    next: tuple[str, str, date] | None = None  # a downgrade at term end: plan, period, the day it was asked
    anchor_day: int | None = None  # the day of month its terms end on, when not the anchor's own (see below)
    renewed: bool = False  # renewal.lead_days: the next term was charged on its renewal day, it starts at term_end

    @property
    def months(self) -> int:
        return MONTHS[self.period]

    @property
    def group(self) -> str:
        return "monthly" if self.months == 1 else "annual"

    @property
    def term_start(self) -> date:
        return add_months(self.anchor, self.index * self.months, self.anchor_day)

    @property
    def term_end(self) -> date:  # exclusive: the first day of the next term
        return add_months(self.anchor, (self.index + 1) * self.months, self.anchor_day)

    @property
    def day_of_month(self) -> int:
        """docs/rules.md "A change on a contract's renewal day": the new terms keep this day."""
        return self.anchor_day or self.anchor.day


@dataclass
class Site:
    name: str
    product: str
    order: int
    status: str  # waiting (trial) | included | paid | none
    published: bool = True


@dataclass
class Outcome:
    """What one change produces: its credits and new charges land together (docs/rules.md)."""

    credits: list[Pending] = field(default_factory=list)
    charges: list[Pending] = field(default_factory=list)


class Oracle:
    """Bills one account of one generated catalog under one rule set, day by day."""

    def __init__(self, catalog: Any, rule_set: str, country: str, vat_id: str | None):
        self.catalog = catalog
        self.rules = RuleBook.load(rule_set)
        self.vat = VatBook.load()
        self.country, self.vat_id = country, vat_id
        if self.rules.billing_day["anchor"] not in ("first_plan_purchase", "account_start", "first_of_month"):
            raise NotImplementedError("the oracle models these anchors only (see the module docstring)")
        if not self.rules.renewal["auto_renew"]:
            raise NotImplementedError("auto_renew: false is out of the oracle's scope (see the module docstring)")
        self.lead = timedelta(days=self.rules.renewal["lead_days"])
        if self.rules.proration["change_term"] == "keep_end" and self.rules.proration["change_day"] == "used":
            # No shipped rule set does this, and the rules do not say when the new terms start then.
            raise NotImplementedError("keep_end with change_day: used")
        if self.lead and self.rules.proration["change_term"] == "keep_end":
            # docs/rules.md `lead_days`: the pair is refused (rule-conflict); a keep_end term would end inside a
            # renewal already charged.
            raise NotImplementedError("keep_end under renewal.lead_days")
        self.anchor: date | None = None  # the billing-day anchor
        self.billing_index = 0
        self.trial = False
        self.plan: Contract | None = None
        self.contracts: dict[str, Contract] = {}
        self.sites: dict[str, Site] = {}
        self.pending: list[Pending] = []
        self.documents: list[Doc] = []

    # -- the day loop

    def run(self, events: list[Any], until: date) -> list[Doc]:
        """Events in date order; a day's events before its renewals, then the billing day (docs/rules.md
        "Same-day order"); nothing after `until`."""
        if not events:
            return []
        day = events[0].date
        queue = [e for e in events if e.date <= until]
        while day <= until:
            while queue and queue[0].date == day:
                self.apply(queue.pop(0))
            if self.lead:
                self.begin_renewed_terms(day)
            self.renew(day)
            if self.anchor is not None and day == self.next_billing_day():
                self.bill(day)
            day += ONE_DAY
        return self.documents

    def next_billing_day(self) -> date:
        assert self.anchor is not None
        return add_months(self.anchor, self.billing_index)

    def start_billing(self, day: date) -> None:
        """The account's first billing day: the day itself, or under first_of_month the 1st on or after it."""
        if self.anchor is None:
            first_of_month = self.rules.billing_day["anchor"] == "first_of_month"
            self.anchor = add_months(day.replace(day=1), 1) if first_of_month and day.day > 1 else day

    # -- events

    def apply(self, event: Any) -> None:
        getattr(self, type(event).__name__)(event)

    def StartTrial(self, event: Any) -> None:
        self.trial = True
        if self.rules.billing_day["anchor"] in ("account_start", "first_of_month"):
            self.start_billing(event.date)

    def BuyPlan(self, event: Any) -> None:
        day = event.date
        self.start_billing(day)  # the first plan purchase, or the account start when there was no trial
        self.plan = self.new_plan(event.plan, event.period.value, day, day)
        leading = Outcome()  # the event's leading parts land together, on one document
        self.start_term(self.plan, day, leading)
        self.trial = False
        # Sites published in the trial take the plan's slots in publication order; the rest pay monthly
        # from the purchase day (docs/rules.md "Filling slots"; tests/scenarios/duda/trial-sites.yaml).
        free = self.plan.slots
        for site in self.ordered_sites():
            if site.status == "waiting":
                if free > 0:
                    site.status, free = "included", free - 1
                else:
                    self.start_term(self.new_site_contract(site, "monthly", day), day, leading)
        if leading.charges:
            self.land(leading, day)

    def PublishSite(self, event: Any) -> None:
        day, period = event.date, event.period.value if event.period else None
        site = Site(event.site, event.product, len(self.sites), "none")
        self.sites[site.name] = site
        includable = self.catalog.product(event.product).includable
        if period == "annual" or not includable:
            self.start_term(self.new_site_contract(site, period or "annual", day), day, None)
        elif self.trial:
            site.status = "waiting"
        elif self.free_slots() > 0:
            site.status = "included"  # a monthly or period-less site fills a free slot at once
        else:
            self.start_term(self.new_site_contract(site, "monthly", day), day, None)

    def UnpublishSite(self, event: Any) -> None:
        site = self.sites[event.site]
        site.published = False
        if site.status in ("included", "waiting"):
            site.status = "none"  # frees the slot; a paid contract keeps renewing (Duda)

    def ConvertSite(self, event: Any) -> None:
        day, site = event.date, self.sites[event.site]
        outcome = Outcome()
        old = self.contracts.get(f"site:{site.name}")
        paid = site.status == "paid" and old is not None and not old.ended
        if paid:
            outcome.credits += self.end_with_credit(old, day)
        new = self.new_site_contract(site, event.period.value, day)
        if paid and old.term_end == day:
            new.anchor_day = old.day_of_month  # on its renewal day: the renewal's cadence goes on
        outcome.charges.append(self.charge(self.aligned(new, day)))
        self.land(outcome, day)

    def ChangePlan(self, event: Any) -> None:
        day, current = event.date, self.plan
        assert current is not None
        new_plan, period = self.catalog.plan(event.plan), event.period.value
        old_plan = self.catalog.plan(current.product)
        if new_plan.id == old_plan.id:
            upgrade = MONTHS[period] > current.months
        else:
            upgrade = new_plan.rank > old_plan.rank
        if not upgrade and self.rules.proration["downgrades"] == "at_term_end":
            current.next = (new_plan.id, period, day)  # no proration; new terms from the next term
            return
        outcome = Outcome()
        # The change replaces today's renewal (under lead days: comes before the term charged ahead begins,
        # which end_with_credit credits in full) and keeps the contract's day of month.
        on_renewal_day = current.term_end == day
        keep_end = self.rules.proration["change_term"] == "keep_end" and period == current.period
        outcome.credits += self.end_with_credit(current, day)
        if keep_end and on_renewal_day:
            # The billing date does not move: the next term of the same series, at the new plan's price.
            new = self.new_plan(new_plan.id, period, current.anchor, day, current.index + 1, current.anchor_day)
            outcome.charges.append(self.charge(new))
        elif keep_end:
            # The new terms run to the current term end, prorated (Chargebee's 15.00 x 26/30 = 13.00).
            new = self.new_plan(new_plan.id, period, current.anchor, day, current.index, current.anchor_day)
            new.billed = self.prorate(new.price, current, day)
            new.covered_from = day
            outcome.charges.append(Pending(new.group, Line("plan", "charge", new.billed, day, new.term_end - ONE_DAY)))
        else:
            # restart, and every period change: a full term from the change day (on its renewal day the
            # change replaces the renewal and keeps its day of month: docs/rules.md).
            new = self.new_plan(new_plan.id, period, day, day)
            if on_renewal_day:
                new.anchor_day = current.day_of_month
            outcome.charges.append(self.charge(self.aligned(new, day)))
        self.plan = new
        self.reallocate(day, outcome)
        self.land(outcome, day)

    def Cancel(self, event: Any) -> None:
        day, contract = event.date, self.contracts[event.contract]
        outcome = Outcome(credits=self.end_with_credit(contract, day))
        if contract.key == "plan":
            self.plan_ended()
        else:
            self.sites[contract.key.split(":", 1)[1]].status = "none"
        self.land(outcome, day)

    def SetDontRenew(self, event: Any) -> None:
        """Set before its renewal day (or on it: events come first), the renewal is not charged and the
        contract ends at its term end. Set after the renewal was charged, it applies to the term charged: the
        contract runs to that term's end and ends there (begin_renewed_terms starts it, renew_with_lead skips
        its renewal day)."""
        self.contracts[event.contract].dont_renew = True

    def ClearDontRenew(self, event: Any) -> None:
        """Cleared after its renewal day and before its term end, a contract renews that day (docs/rules.md
        `lead_days`; accounts/wedos-lead-days-dont-renew.yaml): its renewal day has passed. On the renewal
        day itself the day's renewals, after its events, renew it."""
        day, contract = event.date, self.contracts[event.contract]
        contract.dont_renew = False
        # Set and cleared after the renewal was charged: the renewal stands, nothing more to charge.
        if self.lead and not contract.renewed and contract.term_end - self.lead < day < contract.term_end:
            self.renew_ahead(contract, day)

    def BuyOneOff(self, event: Any) -> None:
        item = self.catalog.one_off(event.item)
        amount = round_money(Fraction(item.price) * Fraction(event.quantity), self.rules.invoicing["line_rounding"])
        self.issue(event.date, "immediate", [Line(item.id, "one_off", amount, None, None)])

    # -- renewals

    def renew(self, day: date) -> None:
        if self.lead:
            self.renew_with_lead(day)
        else:
            self.renew_at_term_end(day)

    def begin_renewed_terms(self, day: date) -> None:
        """renewal.lead_days: a term charged on its renewal day begins at the old term end, after that day's
        events (docs/rules.md `lead_days`). A change on the term end day comes first, as it comes before the
        renewal with lead_days 0 and replaces it: the charged term is credited in full (end_with_credit) and a
        changed contract keeps its anchor day (ChangePlan, ConvertSite: `term_end == day`)."""
        starting = [c for c in self.contracts.values() if not c.ended and c.renewed and c.term_end == day]
        for contract in sorted(starting, key=lambda c: (c.key != "plan", self.site_order(c))):
            if contract.key.startswith("site:") and self.takes_freed_slot(contract):
                raise NotImplementedError("a renewed site meeting a slot freed in its lead window")
            contract.index += 1
            contract.billed, contract.credited = contract.price, Decimal("0.00")
            contract.covered_from, contract.renewed = contract.term_start, False

    def renew_with_lead(self, day: date) -> None:
        """renewal.lead_days (docs/rules.md): a renewal is charged on its renewal day, lead_days before the
        term's exclusive end, after that day's events (a change on the renewal day replaces the renewal),
        and falls due that day (renewal/lead-days.yaml: invoiced on the first billing day on or after it);
        the next term still starts at the term end (begin_renewed_terms). Only a renewal moves: a contract
        that will not renew (don't renew) runs to its term end and ends there."""
        ending = [c for c in self.contracts.values() if not c.ended and c.term_end == day]
        ending.sort(key=lambda c: (c.key != "plan", self.site_order(c)))
        for contract in ending:
            if contract.dont_renew:
                self.end_at_term(contract)
            else:
                raise AssertionError(f"{contract.key} reached its term end {day} without its renewal day")
        due = [
            c for c in self.contracts.values()
            if not c.ended and not c.renewed and not c.dont_renew and c.term_end - self.lead == day
        ]  # fmt: skip
        due.sort(key=lambda c: (c.key != "plan", self.site_order(c)))
        for contract in due:
            self.renew_ahead(contract, day)

    def renew_ahead(self, contract: Contract, day: date) -> None:
        """Charge the contract's next term on `day`, inside the term it follows: the price it was bought at,
        for the days from the term end to the next one."""
        if contract.next:
            raise NotImplementedError("a downgrade at term end under renewal.lead_days")
        if contract.key.startswith("site:") and self.takes_freed_slot(contract):
            raise NotImplementedError("a paid site meeting a free slot on its renewal day under lead_days")
        following = self.next_term_end(contract)
        line = Line(contract.key, "charge", contract.price, contract.term_end, following - ONE_DAY)
        self.pending.append(Pending(contract.group, line))
        contract.renewed = True

    def end_at_term(self, contract: Contract) -> None:
        """A contract set to don't renew ends at its term end; the plan takes what depends on it along."""
        contract.ended = True
        if contract.key == "plan":
            self.plan_ended()
        else:
            self.sites[contract.key.split(":", 1)[1]].status = "none"

    def renew_at_term_end(self, day: date) -> None:
        """Contracts whose term ends today: end (don't-renew), switch (a downgrade at term end), give way to
        a freed slot (a paid monthly site), or start their next term at the price they were bought at."""
        due = [c for c in self.contracts.values() if not c.ended and c.term_end == day]
        due.sort(key=lambda c: (c.key != "plan", self.site_order(c)))
        for contract in due:
            if contract.ended:
                continue
            if contract.dont_renew:
                self.end_at_term(contract)
            elif contract.key == "plan" and contract.next:
                plan_id, period, asked = contract.next
                contract.ended = True
                self.plan = self.new_plan(plan_id, period, day, asked)
                self.plan.anchor_day = contract.day_of_month  # a renewal: its cadence goes on (no drift to the 28th)
                outcome = Outcome(charges=[self.charge(self.aligned(self.plan, day))])
                self.reallocate(day, outcome)
                # The switch is a renewal, so its charges wait for the billing day; a site moving into a new
                # slot mid-term is credited the way the rule set issues credits (`credit_as`).
                if outcome.credits and self.rules.proration["credit_as"] == "credit_note":
                    self.issue(day, "interim", [p.line for p in outcome.credits])
                    outcome.credits = []
                self.pending += outcome.credits + outcome.charges
            elif contract.key.startswith("site:") and self.takes_freed_slot(contract):
                contract.ended = True
                self.sites[contract.key.split(":", 1)[1]].status = "included"
            else:
                contract.index += 1
                contract.billed, contract.credited, contract.covered_from = contract.price, Decimal("0.00"), day
                self.pending.append(self.charge(contract))

    def takes_freed_slot(self, contract: Contract) -> bool:
        site = self.sites[contract.key.split(":", 1)[1]]
        return (
            contract.period == "monthly"
            and site.published
            and self.catalog.product(site.product).includable
            and self.free_slots() > 0
        )

    # -- slots

    def ordered_sites(self) -> list[Site]:
        return sorted(self.sites.values(), key=lambda s: s.order)

    def site_order(self, contract: Contract) -> int:
        return self.sites[contract.key.split(":", 1)[1]].order if contract.key.startswith("site:") else -1

    def free_slots(self) -> int:
        if self.plan is None or self.plan.ended:
            return 0
        return self.plan.slots - sum(1 for s in self.sites.values() if s.status == "included")

    def reallocate(self, day: date, outcome: Outcome) -> None:
        """After a plan change the slots follow the new plan's version: paid monthly sites fill new free slots
        at once (their unused days credited); with fewer slots the newest included sites pay monthly."""
        included = [s for s in self.ordered_sites() if s.status == "included"]
        assert self.plan is not None
        surplus = len(included) - self.plan.slots
        for site in included[len(included) - surplus :] if surplus > 0 else []:
            outcome.charges.append(self.charge(self.aligned(self.new_site_contract(site, "monthly", day), day)))
        for site in self.ordered_sites():
            if self.free_slots() <= 0:
                break
            contract = self.contracts.get(f"site:{site.name}")
            if (
                site.status == "paid"
                and site.published
                and contract is not None
                and not contract.ended
                and contract.period == "monthly"
                and self.catalog.product(site.product).includable
            ):
                outcome.credits += self.end_with_credit(contract, day)
                site.status = "included"

    def plan_ended(self) -> None:
        """Cancelling the plan (or its end by don't-renew) ends its included slots."""
        assert self.plan is not None
        self.plan.ended = True
        for site in self.sites.values():
            if site.status == "included":
                site.status = "none"

    # -- contracts, charges, credits

    def new_plan(
        self, plan_id: str, period: str, anchor: date, bought: date, index: int = 0, anchor_day: int | None = None
    ) -> Contract:
        """A plan contract at the terms of the version available on the day it was bought."""
        version = self.catalog.plan(plan_id).version_on(bought)
        price = Decimal(version.prices[period])
        contract = Contract("plan", plan_id, period, price, anchor, index, price, anchor, slots=version.included_sites)
        contract.anchor_day = anchor_day
        contract.covered_from = contract.term_start  # a whole term (term `index` of the series from `anchor`)
        self.contracts["plan"] = contract
        return contract

    def new_site_contract(self, site: Site, period: str, day: date) -> Contract:
        price = Decimal(self.catalog.product(site.product).prices[period])
        contract = Contract(f"site:{site.name}", site.product, period, price, day, 0, price, day)
        self.contracts[contract.key] = contract
        site.status = "paid"
        return contract

    def charge(self, contract: Contract) -> Pending:
        """The charge for the contract's current term: what it was billed, for the days that covers."""
        return Pending(
            contract.group,
            Line(contract.key, "charge", contract.billed, contract.covered_from, contract.term_end - ONE_DAY),
        )

    def start_term(self, contract: Contract, day: date, leading: Outcome | None) -> None:
        """A new contract's first term waits for the billing day; a leading part lands like a change's
        charges: with the event's other leading parts in `leading`, else at once."""
        contract = self.aligned(contract, day)
        if contract.covered_from == contract.term_start:
            self.pending.append(self.charge(contract))
        elif leading is not None:
            leading.charges.append(self.charge(contract))
        else:
            self.land(Outcome(charges=[self.charge(contract)]), day)

    def aligned(self, contract: Contract, day: date) -> Contract:
        """billing_day.alignment: billing_day (docs/rules.md): a contract bought on `day` ends its terms on the
        account's billing days. Bought between two of them, its first term is the leading part up to the next
        one, billed price x its days / the days of the whole period that ends there (on fixed_30 against 30
        a month); as its series of terms it starts one period before that billing day (term -1)."""
        if self.rules.billing_day["alignment"] == "subscription" or self.anchor is None:
            return contract
        k = 0
        while add_months(self.anchor, k) < day or (
            # calendar: months from the 1st, quarters from Jan/Apr/Jul/Oct 1, years from Jan 1, two from even years
            self.rules.billing_day["alignment"] == "calendar"
            and (add_months(self.anchor, k).year * 12 + add_months(self.anchor, k).month - 1) % contract.months
        ):
            k += 1
        billing_day = add_months(self.anchor, k)
        contract.anchor_day = self.anchor.day
        if billing_day == day:
            return contract
        contract.anchor, contract.index, contract.covered_from = billing_day, -1, day
        days, whole = (billing_day - day).days, (contract.term_end - contract.term_start).days
        if self.rules.proration["day_basis"] == "fixed_30":
            share = min(Fraction(1), Fraction(days, 30 * contract.months))
        else:
            share = Fraction(days, whole)
        contract.billed = round_money(Fraction(contract.price) * share, self.rules.proration["rounding"])
        return contract

    def unused_days(self, contract: Contract, day: date) -> tuple[int, date]:
        """Days of the current term not used after a change on `day`, and the first of them: with
        `change_day: used` the change day is billed on the old terms (Jan 10 of Jan 1-31 leaves 21 days),
        with `unused` it is not (Apr 5-30 = 26 days)."""
        first = day + ONE_DAY if self.rules.proration["change_day"] == "used" else day
        return max(0, (contract.term_end - first).days), first

    def share(self, contract: Contract, days: int) -> Fraction:
        """What `days` of the contract's current term are worth as a share of a full term: real days against the
        term's real length, or on `fixed_30` against 30 a month (8 days left of January = 8/30); a term none
        of which was used counts in full."""
        total = (contract.term_end - contract.term_start).days
        if days >= total:
            return Fraction(1)
        if self.rules.proration["day_basis"] == "fixed_30":
            return min(Fraction(1), Fraction(days, 30 * contract.months))
        return Fraction(days, total)

    def fraction(self, contract: Contract, days: int) -> Fraction:
        """The share of what was billed for the term that `days` unused days are worth. After a keep_end change
        the term was billed only for the days it covered, so the unused days are weighed against those."""
        covered = (contract.term_end - contract.covered_from).days
        if days >= covered:
            return Fraction(1)
        return self.share(contract, days) / self.share(contract, covered)

    def end_with_credit(self, contract: Contract, day: date) -> list[Pending]:
        """End the contract on `day` and credit its unused days from what its term was billed. After its
        renewal was charged (renewal.lead_days, a change after the renewal day up to and including the term
        end day, the charged term's first day) the term charged never begins: docs/rules.md `lead_days`
        credits it in full on the same line, which then runs from the first unused day (or the charged
        term's first day, when earlier: `change_day: used` on the term end day) to that term's last day.
        The renewal's charge stays where it landed, so the change bills in total what it would with
        lead_days 0 (where a change on the term end day replaces the renewal)."""
        contract.ended = True
        days, first = self.unused_days(contract, day)
        renewal = self.renewal_credit(contract)
        if renewal is None and (contract.term_end <= day or days == 0):
            return []  # on the renewal day the old term is over: nothing to credit
        worth = Fraction(contract.billed) * self.fraction(contract, days)
        amount = min(round_money(worth, self.rules.proration["rounding"]), contract.billed - contract.credited)
        contract.credited += amount
        last = contract.term_end - ONE_DAY
        if renewal is not None:  # each part rounded on its own, then added (the first is 0 on the term end day)
            amount, first, last = amount + renewal[0], min(first, contract.term_end), renewal[1]
        if amount == 0:
            return []
        return [Pending(contract.group, Line(contract.key, "credit", -amount, first, last))]

    def renewal_credit(self, contract: Contract) -> tuple[Decimal, date] | None:
        """The next term charged on the renewal day and not begun: its billed amount (the price it renewed
        at, renew_ahead) and its last day; None when the contract has not renewed."""
        if not contract.renewed:
            return None
        return contract.price, self.next_term_end(contract) - ONE_DAY

    @staticmethod
    def next_term_end(contract: Contract) -> date:
        """The exclusive end of the term after the current one (from the anchor, never chained)."""
        return add_months(contract.anchor, (contract.index + 2) * contract.months, contract.anchor_day)

    def prorate(self, price: Decimal, old: Contract, day: date) -> Decimal:
        """The new terms' share from the change day to the current term end (keep_end)."""
        days, _ = self.unused_days(old, day)
        return round_money(Fraction(price) * self.share(old, days), self.rules.proration["rounding"])

    # -- where a change's lines land

    def land(self, outcome: Outcome, day: date) -> None:
        """Credits and new charges of one change land together: on the next billing day (netted on the
        invoice of the new term) or on an interim document now; credit notes are issued on the change day."""
        # A credit goes on the invoice of its contract's new term (Duda's 204 - 8.80: the monthly site's credit
        # on the annual invoice); a credit without a new term of its own (a cancel, a site that moves into a
        # slot) stays with the term it credits.
        new_group = {p.line.item: p.group for p in outcome.charges}
        outcome.credits = [Pending(new_group.get(p.line.item, p.group), p.line) for p in outcome.credits]
        proration = self.rules.proration
        if proration["credit_as"] == "credit_note" and outcome.credits:
            self.issue(day, "interim", [p.line for p in outcome.credits])
            outcome.credits = []
        if proration["lands"] == "interim_invoice":
            lines = [p.line for p in outcome.credits + outcome.charges]
            if lines:
                self.issue(day, "interim", lines)
        else:
            self.pending += outcome.credits + outcome.charges

    # -- billing days and documents

    def bill(self, day: date) -> None:
        self.billing_index += 1
        following = self.next_billing_day()
        groups: dict[str, list[Line]] = {}
        split = self.rules.invoicing["split"] == "by_period"
        for pending in self.pending:
            groups.setdefault(pending.group if split else "regular", []).append(pending.line)
        self.pending = []
        if groups:
            included = [
                Line(f"site:{s.name}", "included", Decimal("0.00"), day, following - ONE_DAY)
                for s in self.ordered_sites()
                if s.status == "included"
            ]
            host = "monthly" if "monthly" in groups else next(iter(groups))
            groups[host] = included + groups[host]
        for kind in ("monthly", "annual", "regular"):
            if kind in groups:
                self.issue(day, kind, groups[kind])

    def issue(self, day: date, kind: str, lines: list[Line]) -> None:
        rate, reverse_charged = self.vat.rate_for(
            self.country, self.vat_id, self.catalog.seller_country, day, self.rules.tax["reverse_charge"]
        )
        lines = [Line(li.item, li.kind, li.amount, li.period_start, li.period_end, rate) for li in lines]
        net = sum((li.amount for li in lines), Decimal("0.00"))
        mode = self.rules.tax["rounding_mode"]
        if self.rules.tax["rounding"] == "per_rate":
            vat = round_money(Fraction(net) * Fraction(rate) / 100, mode)
        else:
            vat = sum((round_money(Fraction(li.amount) * Fraction(rate) / 100, mode) for li in lines), Decimal("0.00"))
        gross = net + vat
        only_credits = all(li.kind == "credit" for li in lines)
        doc_type = "credit_note" if gross < 0 or only_credits else "invoice"
        if doc_type == "invoice" and gross == 0 and self.rules.invoicing["zero_total"] == "skip":
            return
        notes = (self.vat.reverse_charge_note,) if reverse_charged else ()
        self.documents.append(Doc(day, doc_type, kind, tuple(lines), net, ((rate, net, vat),), gross, notes))

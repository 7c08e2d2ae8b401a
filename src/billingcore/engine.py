"""The engine: an agenda over dates that wires the stages together.

    bill(tariff, account, events, until, state=None) -> Result(documents, notices, state)

For each date on the agenda (event dates, contract renewals, billing days), in this order: the
day's events (contracts), renewals due that day (charges), then, on a billing day, invoicing and tax.
Pure: the same input gives the same output; nothing here reads clocks, files or the environment. The
returned `State` can be fed back with later events and gives the documents a full run would give.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs

from billingcore.catalog.loader import Library
from billingcore.catalog.model import Catalog, OneOff, Period, Plan, Product, ProductKind
from billingcore.catalog.rules import (
    BillingDayAnchor,
    ChangeTerm,
    CreditAs,
    Downgrades,
    ProrationLands,
    RuleSet,
    ShortMonth,
    VatTable,
)
from billingcore.charges import Charge, invoice_group, prorated_charge, proration_credit, term_charge
from billingcore.contracts import Contract, Site, app_key, free_slots, new_contract, renewed, site_key, store_key
from billingcore.dates import ONE_DAY, billing_date
from billingcore.documents import Document, Line, Notice
from billingcore.errors import Diagnostic, EventError
from billingcore.events import (
    AddStore,
    BuyApp,
    BuyOneOff,
    BuyPlan,
    Cancel,
    ChangePlan,
    ClearDontRenew,
    ConvertSite,
    Event,
    PublishSite,
    RemoveApp,
    SetDontRenew,
    StartTrial,
    UnpublishSite,
    UpgradeApp,
    UpgradeStore,
    type_name,
)
from billingcore.invoicing import Billing, billing_day_documents, charge_line, issued, make_document
from billingcore.money import ONE, ZERO, fmt, mul, quantize
from billingcore.tax import TaxPosition, rate_on, tax_position


@attrs.frozen
class Account:
    """The customer being billed: which catalog, and where they are taxed."""

    id: str
    catalog: str
    country: str
    vat_id: str | None = None


@attrs.frozen
class Tariff:
    """A catalog prepared for billing: lookups built once, shared by every account of a bill run."""

    catalog: Catalog
    rules: RuleSet
    vat: VatTable
    plans: dict[str, Plan]
    products: dict[str, Product]
    one_offs: dict[str, OneOff]
    billing: Billing
    # Tax positions by (country, VAT ID), filled on first use: the same answer for every account that
    # shares them, so a bill run computes each once. A cache, not state: results never depend on it.
    _positions: dict[tuple[str, str | None], TaxPosition] = attrs.field(
        factory=dict, init=False, eq=False, repr=False
    )  # init=False: attrs.evolve(tariff, rules=...) starts a fresh cache
    # Read by every account: derived from the rules once (and again by attrs.evolve).
    lead: timedelta = attrs.field(init=False, eq=False, repr=False)
    roll_short_months: bool = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "lead", timedelta(days=self.rules.renewal.lead_days))
        object.__setattr__(self, "roll_short_months", self.rules.billing_day.short_month is ShortMonth.NEXT_MONTH_FIRST)

    def position(self, country: str, vat_id: str | None) -> TaxPosition:
        key = (country, vat_id)
        found = self._positions.get(key)
        if found is None:
            found = tax_position(self.vat, self.rules.tax, self.catalog.seller_country, country, vat_id)
            self._positions[key] = found
        return found


def prepare(library: Library, catalog: str) -> Tariff:
    cat = library.catalog(catalog)
    if library.vat is None:
        raise EventError([Diagnostic(None, "no VAT table loaded", "load rules/vat.yaml with the plans")])
    rules = library.rules_for(cat)
    return Tariff(
        cat,
        rules,
        library.vat,
        {p.id: p for p in cat.plans},
        {p.id: p for p in cat.products},
        {o.id: o for o in cat.one_offs},
        Billing(cat.currency, rules),
    )


@attrs.frozen
class State:
    """Where billing stopped: enough to continue with later events and get a full run's documents."""

    account: str
    as_of: date
    billing_day: int | None = None
    billing_anchor: date | None = None
    billings_done: int = 0
    contracts: tuple[Contract, ...] = ()
    sites: tuple[Site, ...] = ()
    pending: tuple[Charge, ...] = ()
    site_count: int = 0


_NO_STATE = State("", date.min)  # a new account: nothing billed yet
_NEVER = date.max  # no next agenda date


@attrs.frozen
class Result:
    documents: tuple[Document, ...]
    notices: tuple[Notice, ...]
    state: State


def bill(tariff: Tariff, account: Account, events: Sequence[Event], until: date, state: State | None = None) -> Result:
    """Bill `account` through `until` (inclusive). Raises EventError, listing every bad event, and then
    produces no documents at all."""
    if account.country not in tariff.vat.vat_rates:
        known = ", ".join(sorted(tariff.vat.vat_rates))
        raise EventError(
            [
                Diagnostic(
                    None,
                    f"account {account.id}: country `{account.country}` is not in the VAT table",
                    f"add it to rules/vat.yaml (known: {known})",
                    "unknown-country",
                )
            ]
        )
    run = _Run(tariff, account, state)
    errors = _check_order(events, state)
    todo = [e for e in events if e.date <= until]
    i, n = 0, len(todo)
    day = run.next_date(todo[0].date if todo else None)
    while day is not None and day <= until:
        # A change dated on a renewal day replaces that renewal (billwerk: "no credit note ... the next
        # invoice uses the new quantity"), so the day's events come before its renewals.
        while i < n and todo[i].date == day:
            problem = run.apply(todo[i])
            if problem:
                errors.append(_event_error(todo[i], problem))
            i += 1
        run.renew(day)
        if run.next_billing == day:
            run.billing_day_run(day)
        day = run.next_date(todo[i].date if i < n else None)
    errors += run.problems
    if errors:
        raise EventError(errors)
    return Result(tuple(run.documents), tuple(run.notices), run.snapshot(until))


def _check_order(events: Sequence[Event], state: State | None) -> list[Diagnostic]:
    errors = []
    seen: set[str] = set()
    resumed_after = state.as_of if state is not None else None
    previous = date.min
    for event in events:
        day = event.date
        if event.id in seen:
            errors.append(_event_error(event, f"duplicate event id `{event.id}`", "give every event its own id"))
        seen.add(event.id)
        if resumed_after is not None and day <= resumed_after:
            errors.append(
                _event_error(
                    event,
                    f"event dated {day} is not after the saved state ({resumed_after})",
                    "resume only with events after the state's date",
                )
            )
        elif day < previous:
            message = f"events out of order: {day} comes after {previous}"
            errors.append(_event_error(event, message, "list events by date"))
        if day > previous:
            previous = day
    return errors


def _unknown(what: str, name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"unknown {what} `{name}`" + (f" (did you mean `{close[0]}`?)" if close else "")


def _event_error(event: Event, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(event.src, f"event {event.id} ({type_name(event)} on {event.date}): {message}", hint, "bad-event")


class _Run:
    """The mutable working copy of one account's state during `bill`; frozen again by `snapshot`."""

    def __init__(self, tariff: Tariff, account: Account, state: State | None):
        self.t = tariff
        self.account = account
        self.position = tariff.position(account.country, account.vat_id)
        state = state or _NO_STATE
        self.as_of = state.as_of
        self.billing_day = state.billing_day
        self.billing_anchor = state.billing_anchor
        self.billings_done = state.billings_done
        self.contracts: dict[str, Contract] = {c.key: c for c in state.contracts}
        self.sites: dict[str, Site] = {s.name: s for s in state.sites}
        self.pending: list[Charge] = list(state.pending)
        self.site_count = state.site_count
        self.documents: list[Document] = []
        self.problems: list[Diagnostic] = []  # found while billing (a date without a VAT rate)
        self.notices: list[Notice] = []
        self.next_billing = self._next_billing()
        self.lead = tariff.lead

    # -- agenda ---------------------------------------------------------------------------------
    def _next_billing(self) -> date | None:
        if self.billing_anchor is None or self.billing_day is None:
            return None
        return billing_date(self.billing_anchor, self.billings_done, self.billing_day, self.t.roll_short_months)

    def renewal_date(self, c: Contract) -> date:
        return c.term_end - self.lead if self.lead else c.term_end

    def next_date(self, next_event: date | None) -> date | None:
        """The next agenda date after the last one processed: an event, a billing day or a renewal."""
        after, lead = self.as_of, self.lead
        best = _NEVER
        if next_event is not None and after < next_event:
            best = next_event
        billing = self.next_billing
        if billing is not None and after < billing < best:
            best = billing
        for c in self.contracts.values():
            if not c.ended and not c.included:
                d = c.term_end - lead if lead else c.term_end  # renewal_date, inlined: runs per contract
                if after < d < best:
                    best = d
        if best is _NEVER:
            return None
        self.as_of = best
        return best

    def snapshot(self, until: date) -> State:
        return State(
            self.account.id,
            until,
            self.billing_day,
            self.billing_anchor,
            self.billings_done,
            tuple(self.contracts.values()),
            tuple(self.sites.values()),
            tuple(self.pending),
            self.site_count,
        )

    # -- stage 2: renewals ----------------------------------------------------------------------
    def renew(self, day: date) -> None:
        renewal, lead = self.t.rules.renewal, self.lead
        for key, c in list(self.contracts.items()):
            if c.ended or c.included or (c.term_end - lead if lead else c.term_end) > day:  # not due yet
                continue
            if c.dont_renew or not renewal.auto_renew:
                self.contracts[key] = c._replace(ended=True)
            elif c.next_product is not None and c.next_period is not None:
                self._apply_downgrade(c, c.next_product, c.next_period)
            elif c.kind == "site" and c.period is Period.MONTHLY and self._takes_freed_slot(c):
                # a freed included slot goes to the next published monthly site that renews
                self.contracts[key] = c._replace(included=True)
            else:
                nxt = renewed(c)
                self.contracts[key] = nxt
                self.pending.append(term_charge(nxt, self.renewal_date(c)))

    def _takes_freed_slot(self, c: Contract) -> bool:
        site = self.sites.get(c.site) if c.site else None
        return site is not None and site.published and self._slot_for(c.product)

    def _apply_downgrade(self, c: Contract, product: str, period: Period) -> None:
        """A downgrade waiting for the term end (downgrades: at_term_end) starts the next term."""
        plan = self.t.plans[product]
        price = plan.version_on(c.term_end).prices[period]
        del self.contracts[c.key]
        self._new_contract(c.key, c.kind, plan.id, f"{plan.name} plan", period, c.term_end, price)
        self.pending.extend(self._reallocate_slots(c.term_end))

    # -- stage 1: events change contracts -------------------------------------------------------
    def apply(self, event: Event) -> str | None:
        """Apply one event; return a problem description instead of applying an impossible one."""
        handler = _HANDLERS.get(type(event))
        return handler(self, event) if handler else f"unknown event {event!r}"

    def _start_trial(self, e: StartTrial) -> None:
        self._anchor_billing_day(e.date, plan_purchase=False)

    def _anchor_billing_day(self, day: date, plan_purchase: bool) -> None:
        """The first event the rule set names fixes the billing day; later events leave it alone."""
        anchor = self.t.rules.billing_day.anchor
        if self.billing_anchor is not None:
            return
        if anchor is BillingDayAnchor.ACCOUNT_START or (
            anchor is BillingDayAnchor.FIRST_PLAN_PURCHASE and plan_purchase
        ):
            self._set_billing_day(day, day.day)  # Duda: the day of the first plan purchase
        elif anchor is BillingDayAnchor.FIRST_OF_MONTH:
            self._set_billing_day(day if day.day == 1 else billing_date(day.replace(day=1), 1, 1), 1)

    def _set_billing_day(self, anchor: date, day: int) -> None:
        self.billing_anchor, self.billing_day, self.billings_done = anchor, day, 0
        self.next_billing = self._next_billing()

    def _price(self, prices: Mapping[Period, Decimal], period: Period, what: str, name: str) -> Decimal | str:
        """The price for `period`, or the problem (the message is only built when there is one)."""
        price = prices.get(period)
        if price is None:
            return f"{what} `{name}` has no {period.value} price (it has: {', '.join(p.value for p in prices)})"
        return price

    def _new_contract(
        self,
        key: str,
        kind: str,
        product: str,
        name: str,
        period: Period,
        day: date,
        price: Decimal,
        site: str | None = None,
        pending: bool = True,
    ) -> Charge:
        """Start a contract on `day`; its first term's charge is queued (or returned, with pending=False)."""
        contract = new_contract(key, kind, product, name, period, day, price, site)
        self.contracts[key] = contract
        charge = term_charge(contract, day)
        if pending:
            self.pending.append(charge)
        return charge

    def _of_kind(self, kind: ProductKind) -> list[str]:
        return [p.id for p in self.t.products.values() if p.kind is kind]

    def _active(self, key: str) -> Contract | None:
        c = self.contracts.get(key)
        return c if c is not None and not c.ended else None

    def _buy_plan(self, e: BuyPlan) -> str | None:
        plan = self.t.plans.get(e.plan)
        if plan is None:
            return _unknown("plan", e.plan, self.t.plans)
        if self._active("plan") is not None:
            return "the account already has a plan; changing plans is a plan change, not a purchase"
        price = self._price(plan.version_on(e.date).prices, e.period, "plan", plan.id)
        if isinstance(price, str):
            return price
        self._anchor_billing_day(e.date, plan_purchase=True)
        self._new_contract("plan", "plan", plan.id, f"{plan.name} plan", e.period, e.date, price)
        self._fill_slots(e.date)
        return None

    def _included(self) -> dict[str, int]:
        """Included slots of the running plan by product (the plan version of its purchase date)."""
        plan_contract = self._active("plan")
        if plan_contract is None:
            return {}
        return self.t.plans[plan_contract.product].version_on(plan_contract.bought or plan_contract.started).included

    def _slot_for(self, product: str) -> bool:
        count = self._included().get(product, 0)
        return count > 0 and free_slots(count, self.contracts) > 0

    def _fill_slots(self, day: date) -> None:
        """At plan purchase, sites published during the trial take the plan's slots in publication
        order; those beyond the slots get a monthly contract from this day."""
        if not self.sites:  # the plan came first (no trial): nothing waits
            return
        under_contract = self._site_contracts()
        waiting = sorted(
            (s for s in self.sites.values() if s.published and s.name not in under_contract), key=lambda s: s.order
        )
        for site in waiting:
            if self._slot_for(site.product) and site.includable:
                self._include(site, day)
            else:
                price = self.t.products[site.product].prices.get(Period.MONTHLY)
                if price is not None:
                    self._new_contract(
                        site_key(site.name),
                        "site",
                        site.product,
                        f"Website {site.name}",
                        Period.MONTHLY,
                        day,
                        price,
                        site.name,
                    )

    def _site_contracts(self) -> set[str]:
        return {c.site for c in self.contracts.values() if c.kind == "site" and not c.ended and c.site}

    def _include(self, site: Site, day: date) -> None:
        key = site_key(site.name)
        self.contracts[key] = new_contract(
            key,
            "site",
            site.product,
            f"Website {site.name}",
            Period.MONTHLY,
            day,
            self.t.billing.zero,
            site.name,
            included=True,
        )

    def _publish(self, e: PublishSite) -> str | None:
        product = self._product(e.product, ProductKind.SITE)
        if isinstance(product, str):
            return product
        existing = self.sites.get(e.site)
        if existing is not None and existing.published:
            return f"site `{e.site}` is already published"
        if existing is not None and self._active(site_key(e.site)) is not None:
            self.sites[e.site] = existing._replace(published=True)  # republished; contract ran on
            return None
        self.site_count += 1
        site = Site(e.site, product.id, True, self.site_count, product.includable)
        self.sites[e.site] = site
        has_plan = self._active("plan") is not None
        if e.period is None:
            if not has_plan:
                return None  # trial site: takes a slot (or a monthly contract) when the plan is bought
            if product.includable and self._slot_for(product.id):
                self._include(site, e.date)
                return None
            return f"no free included slot for site `{e.site}`; publish it with a monthly or annual contract"
        if e.period is Period.MONTHLY and has_plan and product.includable and self._slot_for(product.id):
            self._include(site, e.date)  # Duda: newly published sites fill free slots automatically
            return None
        price = self._price(product.prices, e.period, "product", product.id)
        if isinstance(price, str):
            return price
        self._new_contract(site_key(e.site), "site", product.id, f"Website {e.site}", e.period, e.date, price, e.site)
        return None

    def _unpublish(self, e: UnpublishSite) -> str | None:
        site = self.sites.get(e.site)
        if site is None or not site.published:
            return f"site `{e.site}` is not published"
        self.sites[e.site] = site._replace(published=False)
        contract = self._active(site_key(e.site))
        if contract is not None and contract.included:
            self.contracts[contract.key] = contract._replace(ended=True)  # frees the slot
        return None

    def _missing_site(self, name: str) -> str | None:
        if name in self.sites:
            return None
        return f"site `{name}` does not exist (sites: {', '.join(sorted(self.sites)) or 'none yet'})"

    def _product(self, product_id: str, kind: ProductKind) -> Product | str:
        """The catalog product of that kind, or the problem with the name."""
        product = self.t.products.get(product_id)
        if product is None or product.kind is not kind:
            return _unknown(kind.value, product_id, self._of_kind(kind))
        return product

    def _add_store(self, e: AddStore) -> str | None:
        missing = self._missing_site(e.site)
        if missing:
            return missing
        product = self._product(e.store, ProductKind.STORE)
        if isinstance(product, str):
            return product
        if self._active(store_key(e.site)) is not None:
            return f"site `{e.site}` already has a store; changing it is a store upgrade"
        price = self._price(product.prices, e.period, "store", product.id)
        if isinstance(price, str):
            return price
        site = self._active(site_key(e.site))
        restart = self.t.rules.proration.change_term is ChangeTerm.RESTART
        if restart and site is not None and not site.included and site.period is e.period and site.term_start != e.date:
            # Duda: the site's contract now includes the store and renews one period after the purchase
            self._land(self._change(site, e.date, site.product, site.name, site.period, site.unit_price), e)
        self._new_contract(
            store_key(e.site), "store", product.id, f"{product.name} on {e.site}", e.period, e.date, price, e.site
        )
        return None

    def _buy_app(self, e: BuyApp) -> str | None:
        missing = self._missing_site(e.site)
        if missing:
            return missing
        product = self._product(e.app, ProductKind.APP)
        if isinstance(product, str):
            return product
        if self._active(app_key(e.site, e.app)) is not None:
            return f"app `{e.app}` is already on site `{e.site}`"
        price = self._price(product.prices, e.period, "app", product.id)
        if isinstance(price, str):
            return price
        self._new_contract(
            app_key(e.site, e.app), "app", product.id, f"{product.name} on {e.site}", e.period, e.date, price, e.site
        )
        return None

    def _remove_app(self, e: RemoveApp) -> str | None:
        contract = self._active(app_key(e.site, e.app))
        if contract is None or contract.dont_renew:
            return f"app `{e.app}` is not on site `{e.site}`"
        self.contracts[contract.key] = contract._replace(dont_renew=True)  # the paid term runs out
        return None

    def _set_dont_renew(self, e: SetDontRenew) -> str | None:
        return self._dont_renew(e, True)

    def _clear_dont_renew(self, e: ClearDontRenew) -> str | None:
        return self._dont_renew(e, False)

    def _dont_renew(self, e: SetDontRenew | ClearDontRenew, value: bool) -> str | None:
        contract = self._active(e.contract)
        if contract is None or contract.included:
            known = sorted(k for k, c in self.contracts.items() if not c.ended and not c.included)
            return f"no running contract `{e.contract}` (running: {', '.join(known) or 'none'})"
        self.contracts[contract.key] = contract._replace(dont_renew=value)
        return None

    def _buy_one_off(self, e: BuyOneOff) -> str | None:
        item = self.t.one_offs.get(e.item)
        if item is None:
            return _unknown("one-off item", e.item, self.t.one_offs)
        if e.quantity <= ZERO:
            return f"quantity must be positive, got {e.quantity}"
        rounding = self.t.rules.invoicing.line_rounding
        amount = quantize(mul(item.price, e.quantity), self.t.catalog.currency, rounding)
        line = Line(
            item.id,
            item.name,
            "one_off",
            e.quantity,
            item.price,
            amount,
            self._vat_rate(e.date),
            None,
            None,
            f"{fmt(e.quantity)} x {fmt(item.price)} = {fmt(amount)}",
        )
        self._issue(
            [
                make_document(
                    self.t.billing,
                    "immediate",
                    f"{self.account.id}-{e.id}",
                    self.account.id,
                    e.date,
                    [line],
                    self._notes(),
                )
            ]
        )
        return None

    def _convert(self, e: ConvertSite) -> str | None:
        contract = self._active(site_key(e.site))
        if e.site not in self.sites or contract is None:
            return f"site `{e.site}` has no contract to convert"
        if contract.period is e.period and not contract.included:
            return f"site `{e.site}` already has a {e.period.value} contract"
        price = self._price(self.t.products[contract.product].prices, e.period, "product", contract.product)
        if isinstance(price, str):
            return price
        # an included site converted to annual pays the full price and frees its slot (Duda)
        self._land(self._change(contract, e.date, contract.product, contract.name, e.period, price), e)
        return None

    def _change(
        self, old: Contract, day: date, product: str, name: str, period: Period, price: Decimal, key: str | None = None
    ) -> list[Charge]:
        """End `old` on `day` and start the changed contract: the credit for the unused part of what was
        billed, and the charge for the new terms (a full term, or the rest of the old one by rule)."""
        rules, currency = self.t.rules.proration, self.t.catalog.currency
        charges = []
        running = old.term_end > day and not old.included  # on the renewal day nothing is left to credit
        if running:
            credit = proration_credit(old, day, currency, rules)
            if credit.amount:
                charges.append(credit)
        del self.contracts[old.key]
        key = key or old.key
        if rules.change_term is ChangeTerm.KEEP_END and running and period is old.period:
            new = old._replace(
                key=key,
                product=product,
                name=name,
                unit_price=price,
                included=False,
                bought=day,
                dont_renew=False,
                next_product=None,
                next_period=None,
            )
            charge = prorated_charge(new, day, currency, rules)
            new = new._replace(billed=charge.amount, billed_from=charge.start)
        else:
            anchor = old.anchor_day if old.term_end == day else None  # a renewal-day change keeps the anchor
            new = new_contract(key, old.kind, product, name, period, day, price, old.site, anchor_day=anchor)
            charge = term_charge(new, day)
        self.contracts[key] = new
        charges = [c._replace(group=invoice_group(new)) for c in charges]  # net on the same invoice
        return [*charges, charge]

    def _downgrade_problem(self, what: str, old: str, new: str) -> str | None:
        if self.t.rules.proration.downgrades is Downgrades.FORBIDDEN:
            return (
                f"{what} from `{old}` to `{new}` is a downgrade, which rule set `{self.t.rules.rule_set}` "
                f"forbids (proration.downgrades: forbidden)"
            )
        return None

    def _change_plan(self, e: ChangePlan) -> str | None:
        old = self._active("plan")
        if old is None:
            return "the account has no plan to change; buy one first"
        plan = self.t.plans.get(e.plan)
        if plan is None:
            return _unknown("plan", e.plan, self.t.plans)
        if plan.id == old.product and e.period is old.period:
            return f"the account is already on plan `{plan.id}` ({e.period.value})"
        price = self._price(plan.version_on(e.date).prices, e.period, "plan", plan.id)
        if isinstance(price, str):
            return price
        before = (self.t.plans[old.product].rank, old.period.months)
        if (plan.rank, e.period.months) < before:  # a lower plan, or the same plan for a shorter period
            problem = self._downgrade_problem("changing the plan", old.product, plan.id)
            if problem:
                return problem
            if self.t.rules.proration.downgrades is Downgrades.AT_TERM_END:
                self.contracts["plan"] = old._replace(next_product=plan.id, next_period=e.period)
                return None
        charges = self._change(old, e.date, plan.id, f"{plan.name} plan", e.period, price)
        charges += self._reallocate_slots(e.date)
        self._land(charges, e)
        return None

    def _reallocate_slots(self, day: date) -> list[Charge]:
        """After a plan change: paid monthly sites fill new free slots now (their unused part credited);
        included sites beyond a smaller plan's slots get monthly contracts from this day."""
        charges: list[Charge] = []
        included = sorted(
            (c for c in self.contracts.values() if c.kind == "site" and c.included and not c.ended),
            key=self._site_order,
        )
        slots = self._included()
        for extra in included[slots.get(included[0].product, 0) if included else 0 :]:
            price = self.t.products[extra.product].prices.get(Period.MONTHLY)
            del self.contracts[extra.key]
            if price is not None:
                charges.append(
                    self._new_contract(
                        extra.key,
                        "site",
                        extra.product,
                        extra.name,
                        Period.MONTHLY,
                        day,
                        price,
                        extra.site,
                        pending=False,
                    )
                )
        paid = sorted(
            (
                c
                for c in self.contracts.values()
                if c.kind == "site"
                and not c.included
                and not c.ended
                and c.period is Period.MONTHLY
                and c.site is not None
                and self.sites[c.site].includable
            ),
            key=self._site_order,
        )
        for site in paid:
            if not self._slot_for(site.product):
                continue
            if site.term_end > day:
                credit = proration_credit(site, day, self.t.catalog.currency, self.t.rules.proration)
                if credit.amount:
                    charges.append(credit)
            self.contracts[site.key] = new_contract(
                site.key,
                "site",
                site.product,
                site.name,
                Period.MONTHLY,
                day,
                self.t.billing.zero,
                site.site,
                included=True,
            )
        return charges

    def _site_order(self, contract: Contract) -> int:
        return self.sites[contract.site].order if contract.site else 0

    def _upgrade_store(self, e: UpgradeStore) -> str | None:
        old = self._active(store_key(e.site))
        if old is None:
            return f"site `{e.site}` has no store to upgrade"
        return self._upgrade(old, e.store, ProductKind.STORE, "the store", e, store_key(e.site))

    def _upgrade_app(self, e: UpgradeApp) -> str | None:
        old = self._active(app_key(e.site, e.app))
        if old is None or old.dont_renew:
            return f"app `{e.app}` is not on site `{e.site}`"
        if self._active(app_key(e.site, e.to)) is not None:
            return f"app `{e.to}` is already on site `{e.site}`"
        return self._upgrade(old, e.to, ProductKind.APP, "the app", e, app_key(e.site, e.to))

    def _upgrade(self, old: Contract, to: str, kind: ProductKind, what: str, e: Event, key: str) -> str | None:
        product = self._product(to, kind)
        if isinstance(product, str):
            return product
        if product.id == old.product:
            return f"{what} is already `{product.id}`"
        if product.rank < self.t.products[old.product].rank:
            problem = self._downgrade_problem(f"changing {what}", old.product, product.id)
            if problem:
                return problem
        price = self._price(product.prices, old.period, kind.value, product.id)
        if isinstance(price, str):
            return price
        name = f"{product.name} on {old.site}"
        self._land(self._change(old, e.date, product.id, name, old.period, price, key), e)
        return None

    def _cancel(self, e: Cancel) -> str | None:
        old = self._active(e.contract)
        if old is None or old.included:
            known = sorted(k for k, c in self.contracts.items() if not c.ended and not c.included)
            return f"no running contract `{e.contract}` to cancel (running: {', '.join(known) or 'none'})"
        charges = []
        if old.term_end > e.date:
            credit = proration_credit(old, e.date, self.t.catalog.currency, self.t.rules.proration)
            if credit.amount:
                charges.append(credit)
        self.contracts[old.key] = old._replace(ended=True)
        if old.key == "plan":  # without a plan there are no included slots
            for c in list(self.contracts.values()):
                if c.included and not c.ended:
                    self.contracts[c.key] = c._replace(ended=True)
        self._land(charges, e)
        return None

    def _land(self, charges: list[Charge], e: Event) -> None:
        """Where a change's credits and charges go. A credit note (credit_as: credit_note) is issued at
        once; otherwise credits net with the new charges, on the next billing day or an interim invoice."""
        if not charges:
            return
        proration = self.t.rules.proration
        credits = [c for c in charges if c.kind == "credit"]
        debits = [c for c in charges if c.kind != "credit"]
        rate = self._vat_rate(e.date)
        docs = []
        if credits and (
            proration.credit_as is CreditAs.CREDIT_NOTE
            or (not debits and proration.lands is ProrationLands.INTERIM_INVOICE)
        ):
            lines = [charge_line(c, rate) for c in credits]
            docs.append(
                make_document(
                    self.t.billing,
                    "interim",
                    f"{self.account.id}-{e.id}-credit",
                    self.account.id,
                    e.date,
                    lines,
                    self._notes(),
                    doc_type="credit_note",
                )
            )
            credits = []
        if proration.lands is ProrationLands.NEXT_BILLING_DAY:
            self.pending.extend([*credits, *debits])
        elif credits or debits:
            lines = [charge_line(c, rate) for c in [*credits, *debits]]
            docs.append(
                make_document(
                    self.t.billing,
                    "interim",
                    f"{self.account.id}-{e.id}",
                    self.account.id,
                    e.date,
                    lines,
                    self._notes(),
                )
            )
        self._issue(docs)

    # -- stages 3 and 4: invoicing and tax on a billing day ---------------------------------------
    def billing_day_run(self, day: date) -> None:
        due = [c for c in self.pending if c.due <= day]
        self.pending = [c for c in self.pending if c.due > day]
        self.billings_done += 1
        self.next_billing = self._next_billing()
        rate = self._vat_rate(day)
        end = (self.next_billing or day) - ONE_DAY
        zero, note = self.t.billing.zero, self.t.billing.included_note
        included = [
            Line(c.key, f"{c.name} (included in plan)", "included", ONE, zero, zero, rate, day, end, note)
            for c in self.contracts.values()
            if c.included and not c.ended
        ]
        if due:
            self._issue(billing_day_documents(self.t.billing, self.account.id, day, due, included, rate, self._notes()))

    def _vat_rate(self, day: date) -> Decimal:
        rate = rate_on(self.t.vat, self.position, day)
        if rate is None:
            self.problems.append(
                Diagnostic(
                    None,
                    f"account {self.account.id}: no VAT rate for {self.position.country} on {day}",
                    "extend the country's rates in rules/vat.yaml to cover this date",
                    "no-vat-rate",
                )
            )
            return ZERO
        return rate

    def _notes(self) -> tuple[str, ...]:
        return (self.position.note,) if self.position.note else ()

    def _issue(self, docs: Sequence[Document]) -> None:
        self.documents.extend(issued(self.t.billing, docs))


# Event type -> handler: one dict lookup per event (a `match` tried each class in turn).
_HANDLERS: dict[type[Any], Callable[[_Run, Any], str | None]] = {
    StartTrial: _Run._start_trial,
    BuyPlan: _Run._buy_plan,
    ChangePlan: _Run._change_plan,
    PublishSite: _Run._publish,
    UnpublishSite: _Run._unpublish,
    ConvertSite: _Run._convert,
    AddStore: _Run._add_store,
    UpgradeStore: _Run._upgrade_store,
    BuyApp: _Run._buy_app,
    UpgradeApp: _Run._upgrade_app,
    RemoveApp: _Run._remove_app,
    BuyOneOff: _Run._buy_one_off,
    Cancel: _Run._cancel,
    SetDontRenew: _Run._set_dont_renew,
    ClearDontRenew: _Run._clear_dont_renew,
}

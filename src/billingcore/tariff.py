"""A tariff: one catalog prepared for billing under its rule set and the VAT table, with every lookup
the bill run needs built once and shared by all accounts (its features, its adjustment stages, its
labels, tax positions). Also the account being billed. Built by billingcore.prepare.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import attrs
from stdnum import iban

from billingcore.catalog.fields import Money
from billingcore.catalog.model import (
    LABEL_FIELDS,
    AccountType,
    Catalog,
    Component,
    ComponentType,
    Coupon,
    DiscountScale,
    Labels,
    OneOff,
    Plan,
    Product,
)
from billingcore.catalog.rules import MAX_PAYMENT_TERMS_DAYS, Alignment, Billed, RuleSet, ShortMonth, VatTable
from billingcore.catalog.validate import EMAIL
from billingcore.codegen import template
from billingcore.contracts import Contract, ContractKind
from billingcore.documents import Address, Customer, Seller
from billingcore.invoicing import Billing
from billingcore.tax import TaxPosition, tax_position

_COMPONENT = ContractKind.COMPONENT


@attrs.frozen
class CreditAccount:
    """One of the customer's accounts (Fakturia "Kundenkonten", WEDOS "zálohový účet"): of an account type
    of the catalog (prepaid or postpaid), in a currency (the catalog's unless said), with an opening
    balance on the day it was opened, and its own minimum top-up (prepaid) or credit limit (postpaid)
    where it differs from its type's. docs/accounts.md."""

    id: str
    type: str  # an `account_types` id of the catalog
    currency: str | None = None  # None: the catalog's
    opening_balance: Money = Money(Decimal("0"))
    opened: date | None = None  # needed with an opening balance: the opening movement's date
    minimum_top_up: Money | None = None  # prepaid only: the type's (or the rules') otherwise
    credit_limit: Money | None = None  # postpaid only: the type's otherwise


@attrs.frozen
class PostalAddress:
    """A customer's postal address as the documents print it; its country is the account's."""

    lines: tuple[str, ...] = ()  # street and house number, building, c/o: each a line
    postcode: str | None = None
    city: str | None = None


@attrs.frozen
class Account:
    """The customer being billed: which catalog, where they are taxed, their credit accounts, and what the
    documents say of them (name, address, e-mail; issue 14)."""

    id: str
    catalog: str
    country: str
    vat_id: str | None = None
    billing_day: int | None = None  # its own billing day of the month (Kill Bill's account BCD), 1 to 31
    credit_accounts: tuple[CreditAccount, ...] = ()
    name: str | None = None
    address: PostalAddress | None = None
    email: str | None = None
    # Days from an invoice's date to its due date, 0 to 365; None: the rule set's (invoicing.payment_terms_days).
    # Lago: a customer's net payment term overrides the organisation's.
    payment_terms_days: int | None = None
    buyer_reference: str | None = None  # the customer's reference for its invoices (EN 16931 BT-10: a Leitweg-ID)
    # What every document of this account carries, built once per account (not per document). Derived, not
    # compared: an account is the same account whatever these say.
    customer: Customer = attrs.field(init=False, eq=False, repr=False)
    terms: timedelta | None = attrs.field(init=False, eq=False, repr=False)  # None: the rule set's

    def __attrs_post_init__(self) -> None:
        place = self.address or _NO_ADDRESS
        lines = place.lines if type(place.lines) is tuple else ()  # a wrong type is refused before billing
        address = Address(lines, place.postcode, place.city, self.country)
        customer = Customer(self.id, self.name, address, self.vat_id, self.email, self.buyer_reference)
        object.__setattr__(self, "customer", customer)
        days = self.payment_terms_days
        ok = type(days) is int and 0 <= days <= MAX_PAYMENT_TERMS_DAYS
        object.__setattr__(self, "terms", timedelta(days=days) if ok else None)  # type: ignore[arg-type]


_NO_ADDRESS = PostalAddress()


def customer_problems(payment_terms_days: Any, email: Any) -> list[tuple[str, str, str, str]]:
    """(key, message, hint, code) for an account's payment terms outside 0 to 365 days and an e-mail that
    is not one address: from a file, a host's dict (structure_account) or an Account (`bill`)."""
    found = []
    days = payment_terms_days
    if days is not None and (type(days) is not int or not 0 <= days <= MAX_PAYMENT_TERMS_DAYS):
        message = f"payment_terms_days must be a whole number from 0 to {MAX_PAYMENT_TERMS_DAYS}, got {days!r}"
        hint = "how many days after an invoice's date it is due; leave it out for the rule set's"
        found.append(("payment_terms_days", message, hint, "day-range"))
    if email is not None and (type(email) is not str or not EMAIL.match(email)):
        hint = "write one address, e.g. billing@example.com"
        found.append(("email", f"{email!r} is not an e-mail address", hint, "bad-email"))
    return found


class Registry(NamedTuple):
    """The features of a tariff as the engine looks them up (built by billingcore.features.registry):
    each event type, signal type and contract kind to the feature (by name) and the function that
    handles it."""

    events: dict[type[Any], tuple[str, Callable[..., Any]]]
    signals: dict[type[Any], tuple[tuple[str, Callable[..., Any]], ...]]
    renewals: dict[Any, tuple[str, Callable[..., Any]]]
    next_dates: tuple[Callable[..., Any], ...]  # features with dates of their own on the agenda
    empty_parts: dict[str, Any]  # each part's value for a new account
    part_checks: tuple[tuple[str, str, Callable[..., Any]], ...] = ()  # (feature, state key, Part.unknown)
    on_dates: tuple[Callable[..., Any], ...] = ()  # what features do on their own dates (Feature.on_date)
    discounts: tuple[Callable[..., Any], ...] = ()  # what features take off charges (Feature.discounts)
    kept: tuple[tuple[str, Callable[..., Any]], ...] = ()  # (feature, Part.kept): folded when a state is written


class Pipeline(NamedTuple):
    """The adjustment stages a tariff uses, in their fixed order (built by adjustments.pipeline_for)."""

    before_tax: tuple[Callable[..., Any], ...]
    after_tax: tuple[Callable[..., Any], ...]


class LineLabels(NamedTuple):
    """The catalog's labels (catalog.model.Labels), each compiled once into a function of its
    placeholders in the order catalog.model.LABEL_FIELDS gives: `labels.item(product_name, item_name)`."""

    plan: Callable[[str], str]
    item: Callable[[str, str], str]
    addon: Callable[[str, str], str]
    included: Callable[[str], str]
    credit: Callable[[str, str], str]
    rest_of_term: Callable[[str, str], str]
    top_up: Callable[[str], str]
    paid_from_credit: Callable[[str], str]
    refund: Callable[[str], str]


def document_seller(catalog: Catalog) -> Seller | None:
    """The catalog's `seller:` as its documents carry it; its address in the catalog's seller_country."""
    info = catalog.seller
    if info is None:
        return None
    place = info.address
    address = Address(place.lines, place.postcode, place.city, place.country or catalog.seller_country)
    # The IBAN as machines read it (EN 16931 BT-84: no spaces), whatever grouping the plan file used
    account = None if info.iban is None else iban.compact(info.iban)
    return Seller(
        info.name, address, info.vat_id, info.email, info.tax_number, account, info.bic, info.legal_registration
    )


def line_labels(labels: Labels) -> LineLabels:
    return LineLabels(*(template(name, getattr(labels, name), LABEL_FIELDS[name]) for name in LineLabels._fields))


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
    features: Registry
    pipeline: Pipeline
    labels: LineLabels
    # Tax positions by (country, has a VAT ID), filled on first use: the same answer for every account that
    # shares them, so a bill run computes each once. A cache, not state: results never depend on it.
    _positions: dict[tuple[str, bool], TaxPosition] = attrs.field(
        factory=dict, init=False, eq=False, repr=False
    )  # init=False: attrs.evolve(tariff, rules=...) starts a fresh cache
    # Read by every account: derived from the rules once (and again by attrs.evolve).
    lead: timedelta = attrs.field(init=False, eq=False, repr=False)
    id_memory: timedelta = attrs.field(init=False, eq=False, repr=False)  # events.remember_ids_days
    roll_short_months: bool = attrs.field(init=False, eq=False, repr=False)
    aligned: bool = attrs.field(init=False, eq=False, repr=False)  # terms end on billing days (alignment.py)
    roll_terms: bool = attrs.field(init=False, eq=False, repr=False)  # aligned terms roll with the billing days
    # Terms invoiced after they end: every contract's (invoicing.billed), or only these plans' (a plan's `billed`)
    arrears: bool = attrs.field(init=False, eq=False, repr=False)
    arrears_plans: frozenset[str] = attrs.field(init=False, eq=False, repr=False)
    advance_plans: frozenset[str] = attrs.field(init=False, eq=False, repr=False)
    any_arrears: bool = attrs.field(init=False, eq=False, repr=False)  # some contract may be billed in arrears
    handlers: dict[type[Any], tuple[str, Callable[..., Any]]] = attrs.field(init=False, eq=False, repr=False)
    own_dates: tuple[Any, ...] = attrs.field(init=False, eq=False, repr=False)  # features.next_dates
    components: dict[str, Component] = attrs.field(init=False, eq=False, repr=False)  # by id
    metered: frozenset[str] = attrs.field(init=False, eq=False, repr=False)  # the metered components' ids
    coupons: dict[str, Coupon] = attrs.field(init=False, eq=False, repr=False)  # by code
    discount_scales: dict[str, DiscountScale] = attrs.field(init=False, eq=False, repr=False)  # by id
    account_types: dict[str, AccountType] = attrs.field(init=False, eq=False, repr=False)  # by id
    scaled: bool = attrs.field(init=False, eq=False, repr=False)  # some component has a discount scale
    # the features' discounts, when the catalog has anything to discount with (else nothing to run per charge)
    discounts: tuple[Callable[..., Any], ...] = attrs.field(init=False, eq=False, repr=False)
    seller: Seller | None = attrs.field(init=False, eq=False, repr=False)  # on every document (catalog `seller:`)
    payment_terms: timedelta = attrs.field(init=False, eq=False, repr=False)  # invoicing.payment_terms_days

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "handlers", self.features.events)
        object.__setattr__(self, "own_dates", self.features.next_dates)
        object.__setattr__(self, "components", {c.id: c for c in self.catalog.components})
        metered = frozenset(c.id for c in self.catalog.components if c.type is ComponentType.METERED)
        object.__setattr__(self, "metered", metered)
        object.__setattr__(self, "coupons", {c.code: c for c in self.catalog.coupons})
        object.__setattr__(self, "discount_scales", {s.id: s for s in self.catalog.discount_scales})
        object.__setattr__(self, "account_types", {a.id: a for a in self.catalog.account_types})
        object.__setattr__(self, "scaled", any(c.discount_scale for c in self.catalog.components))
        discounting = bool(self.coupons) or self.scaled
        object.__setattr__(self, "discounts", self.features.discounts if discounting else ())
        # How long before its term end a contract renews; nothing renews under auto_renew: false, and a contract
        # that will not renew ends at its term end (docs/rules.md "renewal"): no lead then.
        lead_days = self.rules.renewal.lead_days if self.rules.renewal.auto_renew else 0
        object.__setattr__(self, "lead", timedelta(days=lead_days))
        object.__setattr__(self, "id_memory", timedelta(days=self.rules.events.remember_ids_days))
        object.__setattr__(self, "roll_short_months", self.rules.billing_day.short_month is ShortMonth.NEXT_MONTH_FIRST)
        object.__setattr__(self, "aligned", self.rules.billing_day.alignment is not Alignment.SUBSCRIPTION)
        object.__setattr__(self, "roll_terms", self.aligned and self.roll_short_months)
        object.__setattr__(self, "arrears", self.rules.invoicing.billed is Billed.IN_ARREARS)
        plans = self.plans.values()
        object.__setattr__(self, "arrears_plans", frozenset(p.id for p in plans if p.billed is Billed.IN_ARREARS))
        object.__setattr__(self, "advance_plans", frozenset(p.id for p in plans if p.billed is Billed.IN_ADVANCE))
        object.__setattr__(self, "any_arrears", self.arrears or bool(self.arrears_plans))
        object.__setattr__(self, "seller", document_seller(self.catalog))
        object.__setattr__(self, "payment_terms", timedelta(days=self.rules.invoicing.payment_terms_days))

    def renews_ahead(self, c: Contract) -> bool:
        """Whether a contract renews `lead` days before its term end (renewal.lead_days): not one that will not
        renew (it ends at its term end), nor a metered component (its renewal bills the usage of a period,
        which cannot be billed before the period has ended)."""
        return not c.dont_renew and not (c.kind is _COMPONENT and c.product in self.metered)

    def in_arrears(self, kind: Any, product: str) -> bool:
        """Whether a contract's terms are invoiced after they end: a plan by its own `billed`, else by rule."""
        if kind == "plan":
            if product in self.arrears_plans:
                return True
            if product in self.advance_plans:
                return False
        return self.arrears

    def position(self, country: str, vat_id: str | None) -> TaxPosition:
        # A cache keyed by what a position depends on: the country and whether there is a VAT ID (not which
        # one: a million business customers would keep a million entries). A mutated key or entry only
        # recomputes the same position (equivalent mutants).
        key = (country, bool(vat_id))  # pragma: no mutate
        found = self._positions.get(key)  # pragma: no mutate
        if found is None:
            found = tax_position(self.vat, self.rules.tax, self.catalog.seller_country, country, vat_id)
            self._positions[key] = found  # pragma: no mutate
        return found

"""The catalog: plans, products with their own contracts, one-off items, components, discounts.

One `Catalog` per plan file (plans/*.yaml). Objects are frozen; each keeps `src`, the location of
its YAML mapping, so later errors and explanations can point back to the file.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any, cast

import attrs

from billingcore.catalog.fields import Money, Percent, Quantity, SourceRef, field, src_field
from billingcore.catalog.rules import Billed


class Period(StrEnum):
    """A contract term length; the value is the word used in YAML. A period counts whole months
    (`months`, anchor-based month arithmetic) or days (`days`, day arithmetic: weeks are 7 days);
    the other of the two is 0."""

    DAILY = "daily", 0, 1  # Kill Bill DAILY
    WEEKLY = "weekly", 0, 7  # Lago, Kill Bill, Stripe interval week
    BIWEEKLY = "biweekly", 0, 14  # Kill Bill BIWEEKLY
    MONTHLY = "monthly", 1
    QUARTERLY = "quarterly", 3
    SEMIANNUAL = "semiannual", 6  # Lago, Kill Bill (BIANNUAL), Chargebee: every six months
    ANNUAL = "annual", 12
    BIENNIAL = "biennial", 24

    months: int  # the term length in months (0 for a period of days); plain attributes: every term reads them
    days: int  # the term length in days (0 for a period of months)

    def __new__(cls, value: str, months: int, days: int = 0) -> Period:
        member = str.__new__(cls, value)
        member._value_ = value
        member.months, member.days = months, days
        return member

    @classmethod
    def _missing_(cls, value: object) -> Any:
        """`every N days / weeks / months / years` (Stripe's interval_count, billwerk's "alle N Tage /
        Wochen / Monate"), up to 366 days or 24 months: a named period when one has that length (`every 6
        months` is `semiannual`, `every 7 days` is `weekly`), else a period of its own, made once and kept
        (so `is` compares periods, as for the named ones)."""
        return _every(cls, value)

    @classmethod
    def more_words(cls) -> dict[str, Period]:
        """The periods of every other length, by the word a saved state writes: `every 2 months`,
        `every 3 weeks`, `every 10 days` ..."""
        lengths = [(n, 0) for n in range(1, MAX_PERIOD_MONTHS + 1)] + [(0, n) for n in range(1, MAX_PERIOD_DAYS + 1)]
        made = (_made(cls, months, days) for months, days in lengths)
        return {p.value: p for p in made if p.name.startswith("EVERY")}

    @property
    def nominal_days(self) -> int:
        """About how many days a term lasts, to order periods (a downgrade to a shorter period): a month
        counts 30.44 days (365.25 / 12)."""
        return self.days or round(self.months * 30.44)


def _every(cls: Any, value: object) -> Any:
    found = _EVERY.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        return None
    n, unit = int(found[1]), found[2]
    months = n * 12 if unit == "year" else n if unit == "month" else 0
    days = n * 7 if unit == "week" else n if unit == "day" else 0
    if not (1 <= months <= MAX_PERIOD_MONTHS or 1 <= days <= MAX_PERIOD_DAYS):
        return None
    member = _made(cls, months, days)
    cls._value2member_map_[value] = member
    return member


def _made(cls: Any, months: int, days: int) -> Any:
    """The period of that length: a named one, or one made once under its canonical word."""
    named = next((m for m in cls if m.months == months and m.days == days), None)
    if named is not None:
        return named
    word = f"every {months} months" if months else f"every {days // 7} weeks" if days % 7 == 0 else f"every {days} days"
    member: Any = cls._value2member_map_.get(word)
    if member is None:
        member = str.__new__(cls, word)
        member.months, member.days = months, days  # what the named members get in __new__
        member._name_, member._value_ = "EVERY_" + word[6:].replace(" ", "_").upper(), word
        cls._value2member_map_[word] = member
    return member


def period(word: str) -> Period:
    """The period a word names: daily ... biennial, or every N days / weeks / months / years; ValueError
    if none."""
    made: Period = cast(Any, Period)(word)
    return made


# Periods beyond the named ones (docs/plans.md "Billing periods"): at most 24 months, as a biennial term
# (dates.LAST_TERM_DAY counts on no term being longer), or 366 days.
MAX_PERIOD_MONTHS = 24
MAX_PERIOD_DAYS = 366
PERIOD_PATTERN = "^every ([1-9][0-9]{0,2}) (day|week|month|year)s?$"
_EVERY = re.compile(PERIOD_PATTERN[1:-1])
PERIOD_FORMS = "or every N days / weeks / months / years, up to 366 days or 24 months"


class ComponentType(StrEnum):
    """billwerk's component types: a bookable quantity, an on/off switch, or metered usage."""

    QUANTITY = "quantity"
    ON_OFF = "on_off"
    METERED = "metered"


class PriceModel(StrEnum):
    """How a component's quantity is priced (docs/plans.md "Price models")."""

    PER_UNIT = "per_unit"  # quantity x unit_price (Lago standard, Stripe per_unit)
    GRADUATED = "graduated"  # each tier's units at that tier's price, plus each reached tier's flat fee
    VOLUME = "volume"  # every unit at the price of the tier the whole quantity falls in, plus its flat fee
    PACKAGE = "package"  # unit_price per started block of package_size units (Lago package, Stripe divide_by)


class AccountKind(StrEnum):
    PREPAID = "prepaid"
    POSTPAID = "postpaid"


@attrs.frozen
class TrialLength:
    """How long a trial of the plan runs: a number of days or of months, exactly one of the two."""

    days: int | None = field("Trial length in days, 1 to 366.", schema={"minimum": 1, "maximum": 366}, default=None)
    months: int | None = field(
        "Trial length in months, 1 to 24 (a month from Jan 31: its end day, when it converts, is Feb 28).",
        schema={"minimum": 1, "maximum": 24},
        default=None,
    )
    src: SourceRef = src_field()


@attrs.frozen
class PlanVersion:
    """A plan's terms for purchases made on or after `available_from`."""

    available_from: date = field("First purchase date (YYYY-MM-DD) these terms apply to.")
    prices: dict[Period, Money] = field('Price per billing period, e.g. {monthly: "22.00", annual: "264.00"}.')
    included: dict[str, int] = field(
        "Products included at no charge: product id -> count (0 to 999999999).",
        schema={"additionalProperties": {"type": "integer", "minimum": 0, "maximum": 999_999_999}},
        factory=dict,
    )
    free_quota: dict[str, Quantity] = field(
        "Free units per period of metered components: component id -> units.", factory=dict
    )
    trial: TrialLength | None = field(
        "A trial of this plan: {days: 14} or {months: 1}. start_trial with the plan runs that long and then "
        "converts or stops by the rule set (trial.at_end).",
        default=None,
    )
    src: SourceRef = src_field()


@attrs.frozen
class Plan:
    """An account plan (Duda: Basic, Team, Agency), versioned by purchase date."""

    id: str = field("Identifier used by events, e.g. team.")
    name: str = field("Name shown on invoices.")
    rank: int = field("Upgrade order: a plan with a higher rank is an upgrade.")
    versions: tuple[PlanVersion, ...] = field("Terms by purchase date, oldest first.")
    billed: Billed | None = field(
        "in_advance or in_arrears for this plan's terms; omit to follow the rule set (invoicing.billed).", default=None
    )
    src: SourceRef = src_field()

    def version_on(self, day: date) -> PlanVersion:
        """The version in force for a purchase on `day` (the latest one available by then)."""
        chosen = self.versions[0]
        for version in self.versions:
            if version.available_from <= day:
                chosen = version
        return chosen


@attrs.frozen
class Product:
    """Something with its own contract: a site, a store on a site, an app, a hosting service."""

    id: str = field("Identifier used by events, e.g. site.")
    name: str = field("Name shown on invoices.")
    kind: str = field(
        "What the product is, in your words: site, seat, mailbox, store, app, service ... Billing never depends "
        "on it (it depends on attaches_to and includable); events that name a kind (publish_site: site, "
        "add_store: store, buy_app: app) accept only products of that kind. Lower-case letters, digits, - and _.",
        schema={"pattern": "^[a-z0-9][a-z0-9_-]*$", "examples": ["site", "seat", "mailbox", "store", "app", "service"]},
    )
    prices: dict[Period, Money] = field("Price per billing period.")
    attaches_to: str | None = field("Product id this one is added to (a store to a site).", default=None)
    includable: bool = field("Whether it can take a plan's included slot. Legacy unlimited sites: false.", default=True)
    rank: int = field("Upgrade order among products of the same kind (store tiers).", default=0)
    src: SourceRef = src_field()


@attrs.frozen
class OneOff:
    """An item invoiced immediately on its own date (Duda's premium images)."""

    id: str = field("Identifier used by events.")
    name: str = field("Name shown on invoices.")
    price: Money = field("Price per unit.")
    src: SourceRef = src_field()


@attrs.frozen
class PriceTier:
    """A tier of a graduated or volume price: the units up to `up_to` (inclusive) above the tier before."""

    unit_price: Money = field('Price per unit in this tier ("0.50").')
    up_to: Quantity | None = field("Last unit of this tier (inclusive); omit on the last tier: no limit.", default=None)
    flat_fee: Money | None = field("A fixed amount once the quantity reaches this tier.", default=None)
    src: SourceRef = src_field()


@attrs.frozen
class Component:
    """A billwerk-style component on a contract: quantity add-on, on/off, or metered."""

    id: str = field("Identifier used by events.")
    name: str = field("Name shown on invoices.")
    type: ComponentType = field("quantity, on_off or metered.")
    unit_price: Money | None = field(
        "Price per unit and period (metered: per unit used); under price_model package: per package.", default=None
    )
    price_model: PriceModel = field("per_unit, graduated, volume or package.", default=PriceModel.PER_UNIT)
    tiers: tuple[PriceTier, ...] = field("graduated and volume: the tiers, lowest first.", default=())
    package_size: Quantity | None = field("package: units per package (a started one is billed whole).", default=None)
    period: Period = field("Billing period of the component.", default=Period.MONTHLY)
    unit: str = field("Unit name shown on invoices.", default="unit")
    fractional: bool = field(
        "Whether quantities and usage may have decimals (GB of traffic); otherwise whole units only.", default=False
    )
    discount_scale: str | None = field("Id of a discount scale applied by quantity.", default=None)
    src: SourceRef = src_field()


@attrs.frozen
class DiscountStep:
    """From `from_quantity` units on, every unit gets `percent` off."""

    from_quantity: int = field(
        "Quantity at which this step starts (0 to 999999999).", schema={"minimum": 0, "maximum": 999_999_999}
    )
    percent: Percent = field('Discount in percent, as a string ("10").')
    src: SourceRef = src_field()


@attrs.frozen
class DiscountScale:
    """billwerk's Rabattstaffel: a discount that grows with the quantity booked."""

    id: str = field("Identifier components refer to.")
    steps: tuple[DiscountStep, ...] = field("Steps in ascending from_quantity order.")
    src: SourceRef = src_field()


class CouponDuration(StrEnum):
    """How long a redeemed coupon discounts (Stripe's coupon duration)."""

    ONCE = "once"  # the first term of each contract it applies to that starts on or after the redemption
    REPEATING = "repeating"  # terms starting within `periods` periods of the redemption
    FOREVER = "forever"  # every term starting on or after the redemption


@attrs.frozen
class Coupon:
    """A coupon code: percent or amount off the price of what it applies to (docs/plans.md "Coupons")."""

    code: str = field("The code customers enter.")
    applies_to: tuple[str, ...] = field(
        "Plan, product, component or one-off ids the coupon reduces; omit for everything billed.", default=()
    )
    percent_off: Percent | None = field("Discount in percent.", default=None)
    amount_off: Money | None = field("Discount per unit and term, in the catalog currency.", default=None)
    duration: CouponDuration = field("once, repeating (for `periods` periods) or forever.", default=CouponDuration.ONCE)
    periods: int | None = field(
        "repeating: how many periods (of each contract it reduces) from the redemption, 1 to 999.",
        schema={"minimum": 1, "maximum": 999},
        default=None,
    )
    redeem_from: date | None = field("First day the coupon can be redeemed (YYYY-MM-DD).", default=None)
    redeem_until: date | None = field("Last day the coupon can be redeemed (YYYY-MM-DD).", default=None)
    max_redemptions: int | None = field(
        "How many times one account may redeem it, 1 to 999 (a limit across accounts is the host's).",
        schema={"minimum": 1, "maximum": 999},
        default=None,
    )
    src: SourceRef = src_field()


@attrs.frozen
class AccountType:
    """A Fakturia-style customer account: prepaid with a minimum top-up, or postpaid with a limit."""

    id: str = field("Identifier accounts refer to.")
    kind: AccountKind = field("prepaid or postpaid.")
    minimum_top_up: Money | None = field("Prepaid only: smallest top-up per payment (excl. VAT).", default=None)
    credit_limit: Money | None = field("Postpaid only: open amount above which billing pauses.", default=None)
    src: SourceRef = src_field()


@attrs.frozen
class Labels:
    """How document lines name what they bill: texts with {placeholders} filled from this catalog's
    names, so no word on an invoice comes from the engine (write them in the customer's language)."""

    plan: str = field("A plan's lines. {plan}: the plan's name.", default="{plan} plan")
    item: str = field(
        "An item's lines (a site, a seat). {product}: the product's name; {item}: the customer's name for it.",
        default="{product} {item}",
    )
    addon: str = field(
        "An add-on's lines (a store on a site). {product}: the add-on's name; {item}: the item it is on.",
        default="{product} on {item}",
    )
    included: str = field(
        "An item in one of the plan's included slots, at 0.00. {name}: the item's label.",
        default="{name} (included in plan)",
    )
    credit: str = field(
        "The credit for the unused part of a term. {name}: the contract's label; {period}: its period.",
        default="Credit: {name} ({period}), unused part",
    )
    rest_of_term: str = field(
        "A contract changed to new terms up to the old term's end. {name}: the contract's label; {period}.",
        default="{name} ({period}), rest of term",
    )
    top_up: str = field(
        "A prepaid top-up on its advance invoice. {account}: the credit account's id.",
        default="Credit top-up ({account})",
    )
    paid_from_credit: str = field(
        "A settlement invoice's deduction of the credit its services were paid with. {account}: the credit account.",
        default="Paid from credit ({account})",
    )
    refund: str = field(
        "The prepaid credit paid back. {account}: the credit account.", default="Credit refund ({account})"
    )
    src: SourceRef = src_field()


LABEL_FIELDS: dict[str, tuple[str, ...]] = {  # the placeholders each label may use, in argument order
    "plan": ("plan",),
    "item": ("product", "item"),
    "addon": ("product", "item"),
    "included": ("name",),
    "credit": ("name", "period"),
    "rest_of_term": ("name", "period"),
    "top_up": ("account",),
    "paid_from_credit": ("account",),
    "refund": ("account",),
}


@attrs.frozen
class SellerAddress:
    """The seller's postal address, as its documents print it."""

    lines: tuple[str, ...] = field("Street and house number, building: each a line.", default=())
    postcode: str | None = field("Postcode.", default=None)
    city: str | None = field("City.", default=None)
    country: str | None = field("ISO 3166 country; the catalog's seller_country, when given must be it.", default=None)
    src: SourceRef = src_field()


@attrs.frozen
class SellerInfo:
    """Who issues the documents of this catalog: printed on every invoice and credit note."""

    name: str = field("The seller's legal name, e.g. Beispiel GmbH.")
    address: SellerAddress = field("Postal address.", factory=SellerAddress)
    vat_id: str | None = field(
        "VAT ID (USt-IdNr.) of the seller_country, checked by form and check digits, e.g. DE136695976.", default=None
    )
    email: str | None = field("E-mail address for billing questions.", default=None)
    tax_number: str | None = field("National tax number (a German Steuernummer), e.g. 12/345/67890.", default=None)
    iban: str | None = field("IBAN of the account customers pay to.", default=None)
    bic: str | None = field("BIC of that bank.", default=None)
    legal_registration: str | None = field(
        "Commercial register entry, e.g. HRB 123456 B, Amtsgericht Charlottenburg (EN 16931 BT-30; an e-invoice "
        "needs it where the seller shows no VAT ID).",
        default=None,
    )
    src: SourceRef = src_field()


@attrs.frozen
class Catalog:
    """One plan file: everything a customer can buy, in one currency, under one rule set."""

    catalog: str = field("Identifier of this catalog, e.g. duda.")
    currency: str = field("ISO 4217 code of every price in this file, e.g. USD.")
    rules: str = field("Name of the rule set (rules/*.yaml) this catalog is billed under.")
    seller_country: str = field("ISO 3166 country of the seller, for VAT.")
    name: str = field("Human name of the catalog.", default="")
    plans: tuple[Plan, ...] = field("Account plans.", default=())
    products: tuple[Product, ...] = field("Products with their own contracts.", default=())
    one_offs: tuple[OneOff, ...] = field("Items invoiced immediately.", default=())
    components: tuple[Component, ...] = field("Components booked on a contract.", default=())
    discount_scales: tuple[DiscountScale, ...] = field("Quantity discount scales.", default=())
    coupons: tuple[Coupon, ...] = field("Coupon codes.", default=())
    account_types: tuple[AccountType, ...] = field("Prepaid/postpaid account types.", default=())
    labels: Labels = field("How document lines name plans, items and credits (defaults in English).", factory=Labels)
    seller: SellerInfo | None = field("Who issues the documents: name, address, VAT ID, bank account.", default=None)
    src: SourceRef = src_field()

    @property
    def id(self) -> str:
        return self.catalog

    def plan(self, plan_id: str) -> Plan | None:
        return next((p for p in self.plans if p.id == plan_id), None)

    def product(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)

    def one_off(self, item_id: str) -> OneOff | None:
        return next((o for o in self.one_offs if o.id == item_id), None)

"""Rule sets and the VAT table: every policy where real billing systems differ, as data.

A catalog names one rule set (rules/<name>.yaml). Each field has a documented default (the one
DESIGN.md recommends); docs/rules.md lists which real system each option reproduces.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import attrs

from billingcore.catalog.fields import Money, Percent, SourceRef, field, src_field
from billingcore.money import Rounding


class BillingDayAnchor(StrEnum):
    FIRST_PLAN_PURCHASE = "first_plan_purchase"  # Duda
    ACCOUNT_START = "account_start"  # Kill Bill's account BCD, Lago anniversary
    FIRST_OF_MONTH = "first_of_month"  # calendar billing (Lago calendar, WEDOS settlement)
    FIXED_DAY = "fixed_day"  # billing_day.day of every month (Kill Bill's account BCD, Stripe's anchor day)


class Alignment(StrEnum):
    """Where the terms of a contract end: on its own anniversaries or on the account's billing days."""

    SUBSCRIPTION = "subscription"  # Duda, Lago anniversary, Kill Bill SUBSCRIPTION alignment
    BILLING_DAY = "billing_day"  # Kill Bill ACCOUNT alignment, Stripe billing_cycle_anchor
    CALENDAR = "calendar"  # Lago calendar billing, Chargebee calendar billing: months, quarters, years


class ShortMonth(StrEnum):
    CLAMP = "clamp"  # Jan 31 -> Feb 28 -> Mar 31: last day, back to the anchor afterwards
    NEXT_MONTH_FIRST = "next_month_first"  # Jan 31 -> Mar 1 (systems that roll over)


class Weekday(StrEnum):
    """The day calendar weeks start on (billing_day.week_day)."""

    MONDAY = "monday"  # Lago calendar billing, ISO 8601 weeks
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"  # Stripe's and Kill Bill's week-based calendars in the US


class DayBasis(StrEnum):
    ACTUAL = "actual"  # days of the term: 28-31, 365/366
    FIXED_30 = "fixed_30"  # every month counts 30 days (Kill Bill's fixed mode)


class ChangeDay(StrEnum):
    USED = "used"  # Duda: the change day is billed on the old terms
    UNUSED = "unused"  # the new terms start on the change day (Kill Bill, Chargebee)


class ProrationLands(StrEnum):
    NEXT_BILLING_DAY = "next_billing_day"  # Duda: netted on the next regular invoice
    INTERIM_INVOICE = "interim_invoice"  # billwerk, Kill Bill, Lago: invoiced at once


class CreditAs(StrEnum):
    NEGATIVE_LINE = "negative_line"
    CREDIT_NOTE = "credit_note"


class Downgrades(StrEnum):
    ALLOWED = "allowed"  # prorated like an upgrade, credit exceeds charge
    AT_TERM_END = "at_term_end"  # takes effect when the current term ends, no proration
    FORBIDDEN = "forbidden"


class ChangeTerm(StrEnum):
    RESTART = "restart"  # Duda: the changed contract renews one period after the change date
    KEEP_END = "keep_end"  # Chargebee, Kill Bill: the new terms run to the old term end, prorated


class InvoiceSplit(StrEnum):
    BY_PERIOD = "by_period"  # Duda: one monthly and one annual invoice per billing day
    SINGLE = "single"  # one invoice per billing day


class WeeklyTerms(StrEnum):
    """When the terms of a period counted in days (weekly, every N days) are invoiced."""

    ON_BILLING_DAY = "on_billing_day"  # collected with the other charges on the account's billing day
    WHEN_DUE = "when_due"  # each on the day it falls due, on a `weekly` invoice (Lago weekly plans, Kill Bill WEEKLY)


class ZeroTotal(StrEnum):
    ISSUE = "issue"  # WEDOS settlement invoices and Duda's included-site lines total 0
    SKIP = "skip"


class Billed(StrEnum):
    IN_ADVANCE = "in_advance"  # a term is invoiced on the billing day on or after it starts
    IN_ARREARS = "in_arrears"  # ... on or after it ends (Lago pay_in_advance: false)


class TaxRounding(StrEnum):
    PER_RATE = "per_rate"  # EN 16931 BR-CO-17: VAT per rate from the summed base
    PER_LINE = "per_line"  # VAT rounded on each line, then summed


class CreditLimitAction(StrEnum):
    PAUSE_AND_NOTIFY = "pause_and_notify"  # Fakturia
    ISSUE_AND_NOTIFY = "issue_and_notify"


class InsufficientCredit(StrEnum):
    PAYMENT_REQUEST = "payment_request"  # WEDOS: issue a payment request invoice instead
    SKIP_RENEWAL = "skip_renewal"


@attrs.frozen
class BillingDayRules:
    anchor: BillingDayAnchor = field(
        "Which date fixes the account's billing day.", default=BillingDayAnchor.FIRST_PLAN_PURCHASE
    )
    short_month: ShortMonth = field("What happens to anchor days 29-31 in shorter months.", default=ShortMonth.CLAMP)
    day: int | None = field(
        "The billing day of the month under anchor: fixed_day, 1 to 31 (an account's own billing_day wins).",
        schema={"minimum": 1, "maximum": 31},
        default=None,
    )
    alignment: Alignment = field(
        "Where contract terms end: their own anniversaries, the account's billing days, or calendar periods.",
        default=Alignment.SUBSCRIPTION,
    )
    week_day: Weekday = field(
        "The day calendar weeks start on: terms of whole weeks end on it under alignment: calendar.",
        default=Weekday.MONDAY,
    )


@attrs.frozen
class ProrationRules:
    day_basis: DayBasis = field("Days a term counts for proration.", default=DayBasis.ACTUAL)
    change_day: ChangeDay = field("Whether the change day counts as used on the old terms.", default=ChangeDay.USED)
    rounding: Rounding = field("Rounding of each prorated amount, once per line.", default=Rounding.HALF_UP)
    lands: ProrationLands = field("When the prorated net amount is invoiced.", default=ProrationLands.NEXT_BILLING_DAY)
    credit_as: CreditAs = field("How a credit for unused time is issued.", default=CreditAs.NEGATIVE_LINE)
    downgrades: Downgrades = field("How a change to a cheaper plan is handled.", default=Downgrades.AT_TERM_END)
    change_term: ChangeTerm = field(
        "After a change: restart the term on the change day, or keep the current term end (prorated).",
        default=ChangeTerm.RESTART,
    )


MAX_PAYMENT_TERMS_DAYS = 365  # invoicing.payment_terms_days and an account's: at most a year


@attrs.frozen
class InvoicingRules:
    split: InvoiceSplit = field("How a billing day's charges are split into invoices.", default=InvoiceSplit.BY_PERIOD)
    zero_total: ZeroTotal = field("Whether an invoice totalling 0.00 is issued.", default=ZeroTotal.ISSUE)
    line_rounding: Rounding = field("Rounding of line amounts (quantity x unit price).", default=Rounding.HALF_UP)
    billed: Billed = field(
        "Terms invoiced in advance (from their start) or in arrears (after their end); a plan may differ.",
        default=Billed.IN_ADVANCE,
    )
    weekly_terms: WeeklyTerms = field(
        "Terms of weekly and day periods: collected on the billing day, or invoiced on the day each falls due.",
        default=WeeklyTerms.ON_BILLING_DAY,
    )
    payment_terms_days: int = field(
        "Days from an invoice's date to its due date, 0 to 365 (0: due on issue); an account may give its own.",
        schema={"minimum": 0, "maximum": MAX_PAYMENT_TERMS_DAYS},
        default=0,
    )


@attrs.frozen
class TaxRules:
    rounding: TaxRounding = field("VAT rounded per rate on the invoice or per line.", default=TaxRounding.PER_RATE)
    rounding_mode: Rounding = field("Rounding mode for VAT amounts.", default=Rounding.HALF_UP)
    reverse_charge: bool = field("B2B customers with a VAT ID in another EU country pay no VAT.", default=True)


# A renewal is charged inside the term it follows: at most 27 days before its end, as the shortest term, a
# monthly one in February, has 28 days (dates.LAST_TERM_DAY counts on it too).
MAX_LEAD_DAYS = 27
MAX_REMEMBERED_DAYS = 3660  # events.remember_ids_days: at most ten years of event ids in a saved state
MAX_KEPT_MONTHS = 120  # accounts.keep_movements_months: at most ten years of movements one by one


@attrs.frozen
class RenewalRules:
    auto_renew: bool = field("Contracts renew automatically at term end.", default=True)
    lead_days: int = field(
        "Days before term end a renewal is charged (WEDOS: 10), 0 to 27.",
        schema={"minimum": 0, "maximum": MAX_LEAD_DAYS},
        default=0,
    )
    insufficient_credit: InsufficientCredit = field(
        "Prepaid: what a renewal does when the credit does not cover it.", default=InsufficientCredit.PAYMENT_REQUEST
    )


@attrs.frozen
class AccountRules:
    settlement_day: int = field(
        "Day of the month on which prepaid accounts' settlement invoices are issued, 1 to 28 (WEDOS: within the "
        "first half of the month).",
        schema={"minimum": 1, "maximum": 28},
        default=1,
    )
    minimum_top_up: dict[str, Money] = field(
        'Smallest prepaid top-up excl. VAT per currency, e.g. {CZK: "100.00"}.', factory=dict
    )
    credit_limit: CreditLimitAction = field(
        "Postpaid: what happens when an invoice would exceed the limit.", default=CreditLimitAction.PAUSE_AND_NOTIFY
    )
    keep_movements_months: int = field(
        "How many calendar months of account movements a saved state keeps one by one, besides the current month: "
        "older cleared movements are carried forward as one movement per credit account, so that the state stays "
        "the same size however old the account is (docs/accounts.md \"Carried forward\").",
        schema={"minimum": 1, "maximum": MAX_KEPT_MONTHS},
        default=12,
    )


class PartialQuota(StrEnum):
    FULL = "full"  # Lago, Stripe: a period's free units are free whatever its length
    PRORATED = "prorated"  # by the days of the period the component ran, rounded down to the unit


@attrs.frozen
class UsageRules:
    partial_quota: PartialQuota = field(
        "A metered component's free quota on a partial period (a leading part, or a period cut by a removal or a "
        "cancellation): the whole quota, or prorated by the days it ran.",
        default=PartialQuota.FULL,
    )


@attrs.frozen
class EventRules:
    remember_ids_days: int = field(
        "How many days before its date a saved state remembers the ids of the events it billed. An event sent "
        "again within them is known (a usage record: ignored with a notice; any other event: refused as a "
        "duplicate id); an older one is refused for its date, and its id may be used again. The state stays the "
        "same size however old the account is (Stripe keeps idempotency keys 24 hours; Lago's transaction ids "
        "are unique forever).",
        schema={"minimum": 1, "maximum": MAX_REMEMBERED_DAYS},
        default=400,
    )


class CouponAndScale(StrEnum):
    REPLACE = "replace"  # billwerk: with a coupon the component's discount scale is not applied
    STACK = "stack"  # the scale first, the coupon off what is left (Chargebee's item discounts, then coupons)
    BETTER = "better"  # whichever takes more off (the customer's best price)


@attrs.frozen
class DiscountRules:
    coupon_and_scale: CouponAndScale = field(
        "A coupon on a component with a discount scale: replaces the scale, stacks on it, or the better of the two.",
        default=CouponAndScale.STACK,
    )


class AtTrialEnd(StrEnum):
    CONVERT = "convert"  # Stripe, Chargebee, Lago, Kill Bill: the trial's plan is billed from its end
    STOP = "stop"  # Stripe end_behavior cancel, Chargebee trial_end_action cancel_subscription


class TrialPurchase(StrEnum):
    ENDS_TRIAL = "ends_trial"  # Stripe trial_end: now; billed from the purchase day
    AFTER_TRIAL = "after_trial"  # Chargebee: a plan switched to in the trial is billed when the trial ends


@attrs.frozen
class TrialRules:
    at_end: AtTrialEnd = field(
        "A trial with a length that ends without a plan bought: convert to the trial's plan, or stop.",
        default=AtTrialEnd.CONVERT,
    )
    purchase: TrialPurchase = field(
        "A plan bought during a trial with a length: billed from the purchase day (the trial is over), or its "
        "first term starts on the trial's end day.",
        default=TrialPurchase.ENDS_TRIAL,
    )


@attrs.frozen
class RuleSet:
    """A named set of policies (rules/<name>.yaml) that catalogs select."""

    rule_set: str = field("Name catalogs use in `rules:`.")
    description: str = field("What this rule set reproduces.", default="")
    billing_day: BillingDayRules = field("Billing-day rules.", factory=BillingDayRules)
    proration: ProrationRules = field("Proration rules.", factory=ProrationRules)
    invoicing: InvoicingRules = field("Invoicing rules.", factory=InvoicingRules)
    tax: TaxRules = field("VAT rules.", factory=TaxRules)
    renewal: RenewalRules = field("Renewal rules.", factory=RenewalRules)
    accounts: AccountRules = field("Prepaid/postpaid account rules.", factory=AccountRules)
    trial: TrialRules = field("Trials with a length (a plan version's `trial:`).", factory=TrialRules)
    usage: UsageRules = field("Metered components: usage and free quotas.", factory=UsageRules)
    discounts: DiscountRules = field("Discount scales and coupons.", factory=DiscountRules)
    events: EventRules = field("Event ids remembered in the saved state.", factory=EventRules)
    src: SourceRef = src_field()

    @property
    def id(self) -> str:
        return self.rule_set


@attrs.frozen
class VatRate:
    """A VAT rate in force from `valid_from` through `valid_until` (inclusive; open-ended if absent)."""

    rate: Percent = field('Standard rate in percent, as a string ("19").')
    valid_from: date = field("First day the rate applies (YYYY-MM-DD).")
    valid_until: date | None = field("Last day the rate applies; omit while in force.", default=None)
    src: SourceRef = src_field()


@attrs.frozen
class CountryVat:
    name: str = field("Country name.")
    eu: bool = field("Member of the EU VAT area (reverse charge applies between members).")
    rates: tuple[VatRate, ...] = field("Standard rates over time, oldest first.")
    eu_until: date | None = field(
        "A member that left: the last day it was in the EU VAT area (GB: 2020-12-31); needs eu: true.", default=None
    )
    src: SourceRef = src_field()

    def rate_on(self, day: date) -> VatRate | None:
        for rate in self.rates:
            if rate.valid_from <= day and (rate.valid_until is None or day <= rate.valid_until):
                return rate
        return None


@attrs.frozen
class VatTable:
    """rules/vat.yaml: standard VAT rates by customer country and date."""

    vat_rates: dict[str, CountryVat] = field("ISO 3166 country code -> its VAT rates.")
    reverse_charge_note: str = field(
        "Text printed on reverse-charge invoices.", default="Reverse charge: VAT to be accounted for by the recipient."
    )
    src: SourceRef = src_field()

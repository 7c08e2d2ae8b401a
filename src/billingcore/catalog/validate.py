"""Checks that need more than one field: currency exponents, ids, cross-references, date order.

Runs after structuring, over whole files, and returns diagnostics (never raises), so one run of
`billingcore check` lists every problem. `Where(obj, key, ...)` locates a field of a loaded object.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from billingcore.catalog.model import AccountKind, Catalog, ComponentType, Product
from billingcore.catalog.rules import RuleSet, VatTable
from billingcore.errors import Diagnostic, Location
from billingcore.money import CURRENCY_EXPONENTS, HUNDRED, ZERO, decimals_of

Where = Callable[..., Location]
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _suggest(name: str, known: Iterable[str]) -> str:
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"did you mean `{close[0]}`?"
    return f"known: {', '.join(known)}" if known else "none is defined"


def check_money(amount: Decimal | None, currency: str, loc: Location) -> Iterator[Diagnostic]:
    if amount is None or currency not in CURRENCY_EXPONENTS:
        return
    places, allowed = decimals_of(amount), CURRENCY_EXPONENTS[currency]
    if places > allowed:
        yield Diagnostic(
            loc,
            f'price must be a decimal string like "13.00", got {amount} ({places} decimals; {currency} has {allowed})',
            f"round it to {allowed} decimals",
            "too-many-decimals",
        )
    if amount < ZERO:
        yield Diagnostic(
            loc,
            f"price must not be negative, got {amount}",
            "use a coupon or discount scale for reductions",
            "negative-price",
        )


def check_percent(value: Decimal, loc: Location) -> Iterator[Diagnostic]:
    if not ZERO <= value <= HUNDRED:
        yield Diagnostic(
            loc, f"percentage must be between 0 and 100, got {value}", 'write e.g. "10" for 10 %', "percent-range"
        )


def _unique_ids(objs: Iterable[Any], attr: str, what: str, where: Where, seen: dict[str, Any]) -> Iterator[Diagnostic]:
    for obj in objs:
        ident = getattr(obj, attr)
        loc = where(obj, attr)
        if not _ID.match(ident):
            yield Diagnostic(
                loc,
                f"{what} id `{ident}` must be lower-case letters, digits, - or _",
                f"e.g. `{re.sub(r'[^a-z0-9_-]+', '-', ident.lower()).strip('-') or 'item'}`",
                "bad-id",
            )
        if ident in seen:
            first = where(seen[ident], attr)
            yield Diagnostic(
                loc,
                f"duplicate id `{ident}` (first defined at line {first.line})",
                "ids must be unique within a catalog",
                "duplicate-id",
            )
        else:
            seen[ident] = obj


def validate_catalog(
    cat: Catalog, rule_sets: dict[str, RuleSet], vat: VatTable | None, where: Where
) -> Iterator[Diagnostic]:
    cur = cat.currency
    if cur not in CURRENCY_EXPONENTS:
        yield Diagnostic(
            where(cat, "currency"),
            f"unknown currency `{cur}`",
            _suggest(cur, CURRENCY_EXPONENTS) + " (ISO 4217 code)",
            "unknown-currency",
        )
    if cat.rules not in rule_sets:
        yield Diagnostic(
            where(cat, "rules"),
            f"unknown rule set `{cat.rules}`",
            _suggest(cat.rules, rule_sets) + " (rule sets are rules/*.yaml)",
            "unknown-rule-set",
        )
    if vat is not None and cat.seller_country not in vat.vat_rates:
        yield Diagnostic(
            where(cat, "seller_country"),
            f"seller country `{cat.seller_country}` is not in the VAT table",
            _suggest(cat.seller_country, vat.vat_rates),
            "unknown-country",
        )

    seen: dict[str, Any] = {}
    yield from _unique_ids(cat.plans, "id", "plan", where, seen)
    yield from _unique_ids(cat.products, "id", "product", where, seen)
    yield from _unique_ids(cat.one_offs, "id", "one-off item", where, seen)
    yield from _unique_ids(cat.components, "id", "component", where, seen)
    yield from _unique_ids(cat.account_types, "id", "account type", where, {})
    scales: dict[str, Any] = {}
    yield from _unique_ids(cat.discount_scales, "id", "discount scale", where, scales)

    products = {p.id: p for p in cat.products}
    components = {c.id: c for c in cat.components}
    metered = {c.id for c in cat.components if c.type is ComponentType.METERED}

    for plan in cat.plans:
        if not plan.versions:
            yield Diagnostic(
                where(plan, "versions"),
                f"plan `{plan.id}` has no versions",
                "add one `- available_from: ...` entry with prices",
                "no-versions",
            )
        previous = None
        for version in plan.versions:
            if previous is not None and version.available_from <= previous:
                yield Diagnostic(
                    where(version, "available_from"),
                    f"plan versions must be in ascending date order; {version.available_from} is not after {previous}",
                    "list the oldest version first",
                    "version-order",
                )
            previous = version.available_from
            if not version.prices:
                yield Diagnostic(
                    where(version, "prices"),
                    "a plan version needs at least one price",
                    'add e.g. `monthly: "22.00"`',
                    "no-prices",
                )
            for period, amount in version.prices.items():
                yield from check_money(amount, cur, where(version, "prices", period.value))
            for item, count in version.included.items():
                loc = where(version, "included", item)
                product = products.get(item)
                if product is None:
                    yield Diagnostic(
                        loc,
                        f"included item `{item}` is not a product of this catalog",
                        _suggest(item, products),
                        "unknown-product",
                    )
                elif not product.includable:
                    yield Diagnostic(
                        loc,
                        f"product `{item}` is not includable (includable: false)",
                        "only includable products can fill a plan's included slots",
                        "not-includable",
                    )
                if count < 0:
                    yield Diagnostic(loc, f"included count must not be negative, got {count}", "", "negative-count")
            for comp, quota in version.free_quota.items():
                loc = where(version, "free_quota", comp)
                if comp not in metered:
                    yield Diagnostic(
                        loc,
                        f"free quota for `{comp}`, which is not a metered component",
                        _suggest(comp, metered),
                        "unknown-component",
                    )
                if quota < ZERO:
                    yield Diagnostic(loc, f"free quota must not be negative, got {quota}", "", "negative-count")

    for product in cat.products:
        yield from _check_product(product, products, cur, where)
    for one_off in cat.one_offs:
        yield from check_money(one_off.price, cur, where(one_off, "price"))
    for component in cat.components:
        yield from check_money(component.unit_price, cur, where(component, "unit_price"))
        scale_id = component.discount_scale
        if scale_id is not None and scale_id not in scales:
            yield Diagnostic(
                where(component, "discount_scale"),
                f"unknown discount scale `{scale_id}`",
                _suggest(scale_id, scales),
                "unknown-discount-scale",
            )
    for scale in cat.discount_scales:
        last = -1
        for step in scale.steps:
            if step.from_quantity <= last:
                yield Diagnostic(
                    where(step, "from_quantity"),
                    "discount steps must have ascending from_quantity",
                    "order the steps from the smallest quantity up",
                    "step-order",
                )
            last = step.from_quantity
            yield from check_percent(step.percent, where(step, "percent"))
    for coupon in cat.coupons:
        if (coupon.percent_off is None) == (coupon.amount_off is None):
            yield Diagnostic(
                where(coupon, "code"),
                f"coupon `{coupon.code}` needs exactly one of percent_off and amount_off",
                "keep the one you mean",
                "coupon-discount",
            )
        if coupon.percent_off is not None:
            yield from check_percent(coupon.percent_off, where(coupon, "percent_off"))
        yield from check_money(coupon.amount_off, cur, where(coupon, "amount_off"))
        for i, target in enumerate(coupon.applies_to):
            if target not in components and target not in products:
                yield Diagnostic(
                    where(coupon, "applies_to", i),
                    f"coupon applies to unknown item `{target}`",
                    _suggest(target, [*components, *products]),
                    "unknown-item",
                )
    for acct in cat.account_types:
        if acct.kind is AccountKind.PREPAID and acct.credit_limit is not None:
            yield Diagnostic(
                where(acct, "credit_limit"),
                "a prepaid account has no credit limit",
                "remove credit_limit, or make the account postpaid",
                "account-kind",
            )
        if acct.kind is AccountKind.POSTPAID and acct.credit_limit is None:
            yield Diagnostic(
                where(acct, "kind"),
                "a postpaid account needs a credit_limit",
                'add e.g. `credit_limit: "1000.00"`',
                "account-kind",
            )
        if acct.kind is AccountKind.POSTPAID and acct.minimum_top_up is not None:
            yield Diagnostic(
                where(acct, "minimum_top_up"),
                "a postpaid account has no minimum top-up",
                "remove minimum_top_up, or make the account prepaid",
                "account-kind",
            )
        yield from check_money(acct.credit_limit, cur, where(acct, "credit_limit"))
        yield from check_money(acct.minimum_top_up, cur, where(acct, "minimum_top_up"))


def _check_product(product: Product, products: dict[str, Product], cur: str, where: Where) -> Iterator[Diagnostic]:
    if not product.prices:
        yield Diagnostic(
            where(product, "prices"),
            f"product `{product.id}` needs at least one price",
            'add e.g. `monthly: "13.00"`',
            "no-prices",
        )
    for period, amount in product.prices.items():
        yield from check_money(amount, cur, where(product, "prices", period.value))
    if product.attaches_to is not None:
        if product.attaches_to not in products:
            yield Diagnostic(
                where(product, "attaches_to"),
                f"`{product.id}` attaches to unknown product `{product.attaches_to}`",
                _suggest(product.attaches_to, products),
                "unknown-product",
            )
        elif product.attaches_to == product.id:
            yield Diagnostic(where(product, "attaches_to"), "a product cannot attach to itself", "", "self-attach")


def validate_rule_set(rules: RuleSet, where: Where) -> Iterator[Diagnostic]:
    acc = rules.accounts
    for name in ("settlement_from_day", "settlement_to_day"):
        day = getattr(acc, name)
        if not 1 <= day <= 28:
            yield Diagnostic(
                where(acc, name),
                f"{name} must be a day from 1 to 28, got {day}",
                "days 29-31 do not exist in every month",
                "day-range",
            )
    if acc.settlement_from_day > acc.settlement_to_day:
        yield Diagnostic(
            where(acc, "settlement_to_day"),
            "settlement window ends before it starts",
            "settlement_to_day must be on or after settlement_from_day",
            "day-range",
        )
    for currency, amount in acc.minimum_top_up.items():
        loc = where(acc, "minimum_top_up", currency)
        if currency not in CURRENCY_EXPONENTS:
            yield Diagnostic(
                loc, f"unknown currency `{currency}`", _suggest(currency, CURRENCY_EXPONENTS), "unknown-currency"
            )
        yield from check_money(amount, currency, loc)
    if rules.renewal.lead_days < 0:
        yield Diagnostic(where(rules.renewal, "lead_days"), "lead_days must not be negative", "", "negative-count")


def validate_vat(vat: VatTable, where: Where) -> Iterator[Diagnostic]:
    for code, country in vat.vat_rates.items():
        if not _COUNTRY.match(code):
            yield Diagnostic(
                where(vat, "vat_rates", code),
                f"`{code}` is not an ISO 3166 country code",
                "use two capital letters, e.g. DE",
                "bad-country",
            )
        previous_end = None
        for rate in country.rates:
            yield from check_percent(rate.rate, where(rate, "rate"))
            if rate.valid_until is not None and rate.valid_until < rate.valid_from:
                yield Diagnostic(where(rate, "valid_until"), "valid_until is before valid_from", "", "date-order")
            if previous_end is not None and rate.valid_from <= previous_end:
                yield Diagnostic(
                    where(rate, "valid_from"),
                    f"{code} rates overlap: {rate.valid_from} is not after the end of the previous rate",
                    f"end the previous rate with valid_until: {rate.valid_from - timedelta(days=1)}",
                    "vat-overlap",
                )
            previous_end = rate.valid_until or date.max  # an open-ended rate runs on forever

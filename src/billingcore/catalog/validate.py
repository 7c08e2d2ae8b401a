"""Checks that need more than one field: currency exponents, ids, cross-references, date order.

Runs after structuring, over whole files, and returns diagnostics (never raises), so one run of
`billingcore check` lists every problem. `Where(obj, key, ...)` locates a field of a loaded object.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from stdnum import bic, iban

from billingcore.catalog.model import (
    LABEL_FIELDS,
    AccountKind,
    Catalog,
    Component,
    ComponentType,
    Coupon,
    CouponDuration,
    Labels,
    Period,
    PriceModel,
    Product,
    SellerInfo,
)  # fmt: skip
from billingcore.catalog.rules import (
    MAX_KEPT_MONTHS,
    MAX_LEAD_DAYS,
    MAX_PAYMENT_TERMS_DAYS,
    MAX_REMEMBERED_DAYS,
    Alignment,
    BillingDayAnchor,
    BillingDayRules,
    ChangeTerm,
    RuleSet,
    VatRate,
    VatTable,
)
from billingcore.errors import Diagnostic, Location
from billingcore.money import CURRENCY_EXPONENTS, HUNDRED, MAX_QUANTITY_DIGITS, UNIT_PRICE_DECIMALS, ZERO, decimals_of
from billingcore.vat_ids import BAD_VAT_ID, vat_id_problem

Where = Callable[..., Location]
MAX_COUNT = 10**MAX_QUANTITY_DIGITS - 1  # a count is a quantity without decimals (docs/plans.md "Limits")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _close(name: str, known: Iterable[str]) -> str | None:
    """The known name `name` is most likely a typo of (a different case counts first), or None."""
    known = sorted(known)
    same = [k for k in known if k.lower() == name.lower()]
    close = same or difflib.get_close_matches(name, known, n=1)
    return close[0] if close else None


def _suggest(name: str, known: Iterable[str], what: str, none: str) -> str:
    """A hint: "did you mean `x`?" when a known name is close; else the known names; else `none`, which says
    how to define one."""
    known = sorted(known)
    close = _close(name, known)
    if close is not None:
        return f"did you mean `{close}`?"
    return f"known {what}: {', '.join(known)}" if known else none


def _currency_hint(currency: str) -> str:
    close = _close(currency, CURRENCY_EXPONENTS)
    if close is not None:
        return f"did you mean `{close}`? (ISO 4217 code)"
    return f"use the ISO 4217 code of a supported currency: {', '.join(sorted(CURRENCY_EXPONENTS))}"


def _places(n: int) -> str:
    return "no decimals" if n == 0 else "1 decimal" if n == 1 else f"{n} decimals"


# A component's unit price may be finer than the currency, up to money.UNIT_PRICE_DECIMALS (Lago's 0.0006
# per API call; Stripe's unit_amount_decimal): each line's amount is rounded to the currency once (pricing.py).


def check_money(
    amount: Decimal | None, currency: str, loc: Location, key: str, unit_price: bool = False
) -> Iterator[Diagnostic]:
    """Decimals within the currency's ISO 4217 exponent (a component's `unit_price`: up to
    UNIT_PRICE_DECIMALS) and not below zero; `key` names the field in the message, as the structuring
    messages do (`monthly: money must ...`)."""
    if amount is None or currency not in CURRENCY_EXPONENTS:
        return
    places, allowed = decimals_of(amount), CURRENCY_EXPONENTS[currency]
    allowed = max(allowed, UNIT_PRICE_DECIMALS) if unit_price else allowed
    if places > allowed:  # with enough precision for any amount written, whatever the ambient context
        context = Context(prec=len(amount.as_tuple().digits) + 1)
        rounded = amount.quantize(Decimal(1).scaleb(-allowed, context), rounding=ROUND_HALF_UP, context=context)
    else:
        rounded = amount
    if places > allowed:
        yield Diagnostic(
            loc,
            f"{key}: money in {currency} has {_places(allowed)}, got {amount} ({_places(places)})",
            f'round it to {_places(allowed) if allowed else "a whole amount"}, e.g. "{rounded}"',
            "too-many-decimals",
        )
    if amount < ZERO:
        yield Diagnostic(
            loc,
            f"{key}: money must not be negative, got {amount}",
            f'write it without the minus sign: "{rounded.copy_abs()}"',  # exact, whatever the decimal context
            "negative-price",
        )


def check_percent(value: Decimal, loc: Location, example: str) -> Iterator[Diagnostic]:
    """A percentage from 0 to 100; `example` completes 'write a percentage from 0 to 100, e.g. ...'."""
    if not ZERO <= value <= HUNDRED:
        yield Diagnostic(
            loc,
            f"percentage must be between 0 and 100, got {value}",
            f"write a percentage from 0 to 100, e.g. {example}",
            "percent-range",
        )


def _unique_ids(objs: Iterable[Any], attr: str, what: str, where: Where, seen: dict[str, Any]) -> Iterator[Diagnostic]:
    for obj in objs:
        ident = getattr(obj, attr)
        loc = where(obj, attr)
        if not _ID.match(ident):
            yield Diagnostic(
                loc,
                f"{what} id `{ident}` must be lower-case letters, digits, - or _",
                f"write it as e.g. `{re.sub(r'[^a-z0-9_-]+', '-', ident.lower()).strip('-_') or 'item'}`",
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
    cat: Catalog, rule_sets: dict[str, RuleSet], vat: VatTable | None, where: Where, packaged: Sequence[str] = ()
) -> Iterator[Diagnostic]:
    """The catalog's own checks and those across it, its rule set and the VAT table; `packaged`, the names of
    the packaged rule sets available, for the hint of an unknown one."""
    cur = cat.currency
    if cur not in CURRENCY_EXPONENTS:
        yield Diagnostic(
            where(cat, "currency"),
            f"unknown currency `{cur}`",
            _currency_hint(cur),
            "unknown-currency",
        )
    if cat.rules not in rule_sets:
        yield Diagnostic(
            where(cat, "rules"),
            f"unknown rule set `{cat.rules}`",
            _suggest(cat.rules, {*rule_sets, *packaged}, "rule sets", "no rule set is loaded: name your rules/ as well")
            + " (rule sets are rules/*.yaml"
            + (f"; packaged with billingcore: {', '.join(packaged)})" if packaged else ")"),
            "unknown-rule-set",
        )
    if vat is not None and cat.seller_country not in vat.vat_rates:
        yield Diagnostic(
            where(cat, "seller_country"),
            f"seller country `{cat.seller_country}` is not in the VAT table",
            _country_hint(cat.seller_country, vat),
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

    rule_set = rule_sets.get(cat.rules)
    if rule_set is not None:
        yield from _check_periods(cat, rule_set, where)
    products = {p.id: p for p in cat.products}
    components = {c.id: c for c in cat.components}
    metered = {c.id for c in cat.components if c.type is ComponentType.METERED}

    for plan in cat.plans:
        if not plan.versions:
            yield Diagnostic(
                where(plan, "versions"),
                f"plan `{plan.id}` has no versions",
                'add a version, e.g. `- {available_from: 2020-01-01, prices: {monthly: "22.00"}}`',
                "no-versions",
            )
        previous = None
        for version in plan.versions:
            if previous is not None and version.available_from <= previous:
                yield Diagnostic(
                    where(version, "available_from"),
                    f"plan versions must be in ascending date order; {version.available_from} is not after {previous}",
                    "list the oldest version first"
                    if version.available_from < previous
                    else "two versions cannot start on the same day: change one date or merge the versions",
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
                yield from check_money(amount, cur, where(version, "prices", period.value), period.value)
            trial = version.trial  # days or months, exactly one of them, in range (docs/rules.md "trial")
            if trial is not None and (trial.days is None) == (trial.months is None):
                yield Diagnostic(
                    where(version, "trial"),
                    f"the trial of plan `{plan.id}` needs exactly one of days and months",
                    "write its length, e.g. `trial: {days: 14}` or `trial: {months: 1}`"
                    if trial.days is None
                    else "remove one of them: a trial lasts a number of days or a number of months",
                    "trial-length",
                )
            for unit, most, hint in _TRIAL_UNITS:
                length = None if trial is None else getattr(trial, unit)
                if length is not None and not 1 <= length <= most:
                    message = f"a trial lasts 1 to {most} {unit}, got {length}"
                    yield Diagnostic(where(trial, unit), message, hint, "trial-length")
            for item, count in version.included.items():
                loc, key_loc = where(version, "included", item), where(version, "included", item, key=True)
                product = products.get(item)
                if product is None:
                    yield Diagnostic(
                        key_loc,
                        f"included item `{item}` is not a product of this catalog",
                        _suggest(
                            item,
                            products,
                            "products",
                            f"this catalog defines no products; add `{item}` under `products:`",
                        ),
                        "unknown-product",
                    )
                elif not product.includable:
                    yield Diagnostic(
                        key_loc,
                        f"product `{item}` is not includable (includable: false)",
                        f"only includable products can fill a plan's included slots: remove `{item}` from `included`, "
                        "or set `includable: true` on the product",
                        "not-includable",
                    )
                if count < 0:
                    yield Diagnostic(
                        loc,
                        f"included count must not be negative, got {count}",
                        f"write how many `{item}` the plan includes at no charge: 0 or more",
                        "negative-count",
                    )
                elif count > MAX_COUNT:
                    yield Diagnostic(
                        loc,
                        f"included count must be at most {MAX_COUNT}, got {count}",
                        f"write how many `{item}` the plan includes at no charge: 0 to {MAX_COUNT}",
                        "too-large",
                    )
            for comp, quota in version.free_quota.items():
                loc, key_loc = where(version, "free_quota", comp), where(version, "free_quota", comp, key=True)
                component = components.get(comp)
                if component is None:
                    yield Diagnostic(
                        key_loc,
                        f"free quota for `{comp}`, which is not a component of this catalog",
                        _suggest(
                            comp,
                            metered,
                            "metered components",
                            "this catalog has no metered components; define one under `components:` with "
                            "`type: metered`",
                        ),
                        "unknown-component",
                    )
                elif component.type is not ComponentType.METERED:
                    yield Diagnostic(
                        key_loc,
                        f"free quota for `{comp}`, which is not a metered component",
                        f"free quotas apply only to metered components; `{comp}` is a{_an(component.type.value)} "
                        f"{component.type.value} component (make it `type: metered` or remove the quota)",
                        "not-metered",
                    )
                if quota < ZERO:
                    yield Diagnostic(
                        loc,
                        f"free quota must not be negative, got {quota}",
                        f"write how many units of `{comp}` are free each period: 0 or more",
                        "negative-count",
                    )

    for product in cat.products:
        yield from _check_product(product, products, cur, where)
    yield from _check_labels(cat.labels, where)
    if cat.seller is not None:
        yield from _check_seller(cat, cat.seller, where)
    for one_off in cat.one_offs:
        yield from check_money(one_off.price, cur, where(one_off, "price"), "price")
    for component in cat.components:
        yield from check_money(component.unit_price, cur, where(component, "unit_price"), "unit_price", True)
        yield from _check_price_model(component, cur, where)
        scale_id = component.discount_scale
        if scale_id is not None and scale_id not in scales:
            yield Diagnostic(
                where(component, "discount_scale"),
                f"unknown discount scale `{scale_id}`",
                _suggest(
                    scale_id,
                    scales,
                    "discount scales",
                    f"this catalog defines no discount scales; define it under `discount_scales:` as "
                    f"`- id: {scale_id}` with its `steps:`, or remove `discount_scale`",
                ),
                "unknown-discount-scale",
            )
        elif scale_id is not None and component.type is not ComponentType.QUANTITY:
            yield Diagnostic(
                where(component, "discount_scale"),
                f"a discount scale on a{_an(component.type.value)} {component.type.value} component",
                "a discount scale goes by the quantity booked: only quantity components have one (metered usage "
                "gets cheaper by its price tiers: price_model graduated or volume)",
                "not-quantity",
            )
    for scale in cat.discount_scales:
        last: int | None = None
        for step in scale.steps:
            if step.from_quantity < 0:
                yield Diagnostic(
                    where(step, "from_quantity"),
                    f"from_quantity must not be negative, got {step.from_quantity}",
                    "write the quantity at which this step starts: 0 or more",
                    "negative-count",
                )
            elif step.from_quantity > MAX_COUNT:
                yield Diagnostic(
                    where(step, "from_quantity"),
                    f"from_quantity must be at most {MAX_COUNT}, got {step.from_quantity}",
                    f"write the quantity at which this step starts: 0 to {MAX_COUNT}",
                    "too-large",
                )
            elif last is not None and step.from_quantity <= last:
                yield Diagnostic(
                    where(step, "from_quantity"),
                    f"discount steps must have ascending from_quantity; {step.from_quantity} is not above {last}",
                    "order the steps from the smallest quantity up, each starting above the one before",
                    "step-order",
                )
            last = step.from_quantity
            yield from check_percent(step.percent, where(step, "percent"), '"10" for 10 % off')
    for coupon in cat.coupons:
        if coupon.percent_off is not None and coupon.amount_off is not None:
            yield Diagnostic(
                where(coupon, "code"),
                f"coupon `{coupon.code}` needs exactly one of percent_off and amount_off",
                "remove one of them: percent_off takes a percentage off, amount_off a fixed amount off each unit",
                "coupon-discount",
            )
        elif coupon.percent_off is None and coupon.amount_off is None:
            yield Diagnostic(
                where(coupon, "code"),
                f"coupon `{coupon.code}` needs exactly one of percent_off and amount_off",
                'add `percent_off: "10"` for 10 % off, or `amount_off: "1.00"` for a fixed amount off each unit',
                "coupon-discount",
            )
        if coupon.percent_off is not None:
            yield from check_percent(coupon.percent_off, where(coupon, "percent_off"), '"10" for 10 % off')
        yield from check_money(coupon.amount_off, cur, where(coupon, "amount_off"), "amount_off")
        yield from _check_coupon(cat, coupon, where)
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
        yield from check_money(acct.credit_limit, cur, where(acct, "credit_limit"), "credit_limit")
        yield from check_money(acct.minimum_top_up, cur, where(acct, "minimum_top_up"), "minimum_top_up")


def _check_coupon(cat: Catalog, coupon: Coupon, where: Where) -> Iterator[Diagnostic]:
    """What a coupon reduces must be in the catalog; `periods` goes with `duration: repeating` only; its
    redemption window runs forward."""
    targets = [*(p.id for p in cat.plans), *(p.id for p in cat.products), *(c.id for c in cat.components)]
    targets += [o.id for o in cat.one_offs]
    for i, target in enumerate(coupon.applies_to):
        if target not in targets:
            yield Diagnostic(
                where(coupon, "applies_to", i),
                f"coupon applies to unknown item `{target}`",
                _suggest(target, targets, "plans, products, components and one-offs", "this catalog sells nothing"),
                "unknown-item",
            )
    if coupon.duration is CouponDuration.REPEATING and coupon.periods is None:
        yield Diagnostic(
            where(coupon, "duration"),
            f"coupon `{coupon.code}` repeats but says not for how long",
            "add `periods: N`, the number of periods it discounts (3 for three months of a monthly plan)",
            "missing-key",
        )
    elif coupon.duration is not CouponDuration.REPEATING and coupon.periods is not None:
        yield Diagnostic(
            where(coupon, "periods"),
            f"coupon `{coupon.code}` ({coupon.duration.value}) takes no `periods`",
            "remove it, or make the coupon `duration: repeating`",
            "unused-key",
        )
    if coupon.redeem_from and coupon.redeem_until and coupon.redeem_until < coupon.redeem_from:
        yield Diagnostic(
            where(coupon, "redeem_until"),
            f"redeem_until {coupon.redeem_until} is before redeem_from {coupon.redeem_from}",
            "the coupon can be redeemed from redeem_from through redeem_until: swap them",
            "date-order",
        )


def _check_periods(cat: Catalog, rules: RuleSet, where: Where) -> Iterator[Diagnostic]:
    """Periods counted in days that the rule set cannot honour: its alignment (docs/rules.md "billing_day":
    billing days are monthly, so a weekly term cannot end on them; a calendar has weeks but no 10-day
    periods), or its renewal lead (a renewal falls inside the term it follows: a weekly term cannot renew 10
    days before its end)."""
    bd, lead = rules.billing_day, rules.renewal.lead_days if rules.renewal.auto_renew else 0
    priced: list[tuple[Any, Period]] = [(v, p) for plan in cat.plans for v in plan.versions for p in v.prices]
    priced += [(product, p) for product in cat.products for p in product.prices]
    for owner, period in priced:
        if period.days and lead >= period.days:
            yield Diagnostic(
                where(owner, "prices", period.value, key=True),
                f"a{_an(period.value)} {period.value} term ({period.days} days) cannot renew renewal.lead_days "
                f"{lead} days before its end (rule set `{cat.rules}`): a renewal falls inside the term it follows",
                f"use a rule set with lead_days below {period.days}, or a longer period",
                "rule-conflict",
            )
    if bd.alignment is Alignment.SUBSCRIPTION:
        return
    for owner, period in priced:
        if not period.days or (bd.alignment is Alignment.CALENDAR and period.days % 7 == 0):
            continue
        monthly = bd.alignment is Alignment.BILLING_DAY
        why = "billing days come once a month" if monthly else "calendar weeks have 7 days"
        yield Diagnostic(
            where(owner, "prices", period.value, key=True),
            f"a{_an(period.value)} {period.value} term cannot be aligned under alignment: {bd.alignment.value} "
            f"(rule set `{cat.rules}`): {why}",
            "bill it under alignment: subscription (its own anniversaries)"
            + (", or in whole weeks (calendar weeks start on billing_day.week_day)" if period.days % 7 else ""),
            "rule-conflict",
        )


def _check_price_model(component: Component, cur: str, where: Where) -> Iterator[Diagnostic]:
    """What each price model needs (docs/plans.md "Price models"): a unit price (per_unit, package), a
    package size (package), tiers from the lowest up, the last one without a limit (graduated, volume)."""
    model, name = component.price_model, component.id
    tiered = model in (PriceModel.GRADUATED, PriceModel.VOLUME)
    needs = {"unit_price": not tiered, "tiers": tiered, "package_size": model is PriceModel.PACKAGE}
    for key, needed in needs.items():
        value = getattr(component, key)
        has = value is not None and value != ()
        if needed and not has:
            hint = {
                "unit_price": 'write its price per unit (per package under package), e.g. `unit_price: "0.50"`',
                "tiers": 'list its tiers, e.g. `tiers: [{up_to: 100, unit_price: "0.10"}, {unit_price: "0.05"}]`',
                "package_size": "write how many units a package holds, e.g. `package_size: 100`",
            }[key]
            yield Diagnostic(where(component), f"component `{name}` ({model.value}) needs `{key}`", hint, "missing-key")
        elif has and not needed:
            hint = f"remove it, or {_MODEL_OF[key]}"
            yield Diagnostic(
                where(component, key), f"component `{name}` ({model.value}) takes no `{key}`", hint, "unused-key"
            )
    size = component.package_size
    if size is not None and size <= 0:
        yield Diagnostic(
            where(component, "package_size"), f"package_size must be above 0, got {size}",
            "write how many units a package holds, e.g. 100", "negative-count",
        )  # fmt: skip
    below: Decimal | None = ZERO
    for i, tier in enumerate(component.tiers):
        yield from check_money(tier.unit_price, cur, where(tier, "unit_price"), "unit_price", True)
        yield from check_money(tier.flat_fee, cur, where(tier, "flat_fee"), "flat_fee")
        last = i == len(component.tiers) - 1
        if tier.up_to is None and not last:
            yield Diagnostic(
                where(tier), "only the last tier may go without `up_to`",
                "give this tier its last unit, e.g. `up_to: 100`, or move it to the end", "tier-order",
            )  # fmt: skip
        elif tier.up_to is not None and last:
            yield Diagnostic(
                where(tier, "up_to"), f"the last tier ends at {tier.up_to}: a larger quantity would have no price",
                "remove `up_to` from the last tier (no limit), or add a tier after it", "tier-order",
            )  # fmt: skip
        if tier.up_to is not None and below is not None and tier.up_to <= below:
            yield Diagnostic(
                where(tier, "up_to"), f"tiers must have ascending up_to; {tier.up_to} is not above {below}",
                "list the tiers from the lowest quantity up, each ending above the one before", "tier-order",
            )  # fmt: skip
        below = tier.up_to if tier.up_to is not None else below


_MODEL_OF = {
    "unit_price": "use price_model: per_unit or package (tiers carry their own unit prices)",
    "tiers": "use price_model: graduated or volume",
    "package_size": "use price_model: package",
}


def _an(word: str) -> str:
    return "n" if word[:1] in "aeiou" else ""


def _country_hint(country: str, vat: VatTable) -> str:
    """Like the account's unknown-country hint: add the country to the VAT table file or use a known one."""
    table = vat.src.file if vat.src else "rules/vat.yaml"
    known = sorted(vat.vat_rates)
    close = _close(country, known)
    if close is not None:
        return f"did you mean `{close}`? (or add `{country}` to {table})"
    return f"add it to {table} or use one of: {', '.join(known)}"


def _check_product(product: Product, products: dict[str, Product], cur: str, where: Where) -> Iterator[Diagnostic]:
    if not _ID.match(product.kind):
        yield Diagnostic(
            where(product, "kind"),
            f"product kind `{product.kind}` must be lower-case letters, digits, - or _",
            f"write it as e.g. `{re.sub(r'[^a-z0-9_-]+', '-', product.kind.lower()).strip('-_') or 'service'}` "
            "(site, seat, mailbox, store, app, service ...)",
            "bad-kind",
        )
    if not product.prices:
        yield Diagnostic(
            where(product, "prices"),
            f"product `{product.id}` needs at least one price",
            'add e.g. `monthly: "13.00"`',
            "no-prices",
        )
    for period, amount in product.prices.items():
        yield from check_money(amount, cur, where(product, "prices", period.value), period.value)
    if product.attaches_to is not None:
        others = [p for p in products.values() if p.id != product.id]
        if product.attaches_to not in products:
            yield Diagnostic(
                where(product, "attaches_to"),
                f"`{product.id}` attaches to unknown product `{product.attaches_to}`",
                _suggest(
                    product.attaches_to,
                    [p.id for p in others],
                    "products",
                    f"this catalog defines no other product; add `{product.attaches_to}` under `products:`",
                ),
                "unknown-product",
            )
        elif product.attaches_to == product.id:
            sites = [p.id for p in others if p.attaches_to is None] or [p.id for p in others]
            example = f" (e.g. `attaches_to: {sites[0]}`)" if sites else ""
            yield Diagnostic(
                where(product, "attaches_to"),
                f"product `{product.id}` cannot attach to itself",
                f"name the product it is added to{example}, or remove `attaches_to`",
                "self-attach",
            )


def _check_seller(cat: Catalog, seller: SellerInfo, where: Where) -> Iterator[Diagnostic]:
    """The seller's VAT ID is one of the seller_country (form and check digits, as an account's), its address
    is in that country, and its e-mail, IBAN and BIC have their forms (python-stdnum: pure, no lookup)."""
    country = seller.address.country
    if country is not None and country != cat.seller_country:
        yield Diagnostic(
            where(seller.address, "country"),
            f"the seller's address is in `{country}`, but the catalog's seller_country is `{cat.seller_country}`",
            f"write country: {cat.seller_country}, or leave it out (it is the seller_country)",
            "seller-country",
        )
    if seller.vat_id is not None:
        problem = vat_id_problem(cat.seller_country, seller.vat_id)
        if problem is not None:
            hint = "write the seller's own VAT ID as its tax office issued it, or leave vat_id out"
            yield Diagnostic(where(seller, "vat_id"), f"seller: {problem[0]}", hint, BAD_VAT_ID)
    for key, valid, says, hint, code in _FORMS:
        value = getattr(seller, key)
        if value is not None and not valid(value):
            yield Diagnostic(where(seller, key), f"seller: `{value}` {says}", hint, code)


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # one address: a name, @, a domain with a dot
# The seller's keys with a form of their own: (key, is it one, what it is not, hint, code)
_FORMS: tuple[tuple[str, Callable[[str], object], str, str, str], ...] = (
    ("email", EMAIL.match, "is not an e-mail address", "write one address, e.g. billing@example.com", "bad-email"),
    ("iban", iban.is_valid, "is not a valid IBAN (its form or check digits)",
     "copy it from the bank's statement, e.g. DE89 3704 0044 0532 0130 00", "bad-iban"),
    ("bic", bic.is_valid, "is not a valid BIC (8 or 11 letters and digits)",
     "copy it from the bank's statement, e.g. COBADEFFXXX", "bad-bic"),
)  # fmt: skip


def _check_labels(labels: Labels, where: Where) -> Iterator[Diagnostic]:
    """Each label may use only its own placeholders ({plan}, {name} ...), plain, each brace paired."""
    for name, allowed in LABEL_FIELDS.items():
        hint = f"use {', '.join(f'{{{a}}}' for a in allowed)}; write {{{{ and }}}} for a literal brace"
        try:
            parsed = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(getattr(labels, name))]
        except ValueError as exc:  # "Single '}' encountered in format string"
            yield Diagnostic(where(labels, name), f"label `{name}` has an unpaired brace: {exc}", hint, "bad-label")
            continue
        bad = [f for f, spec, conv in parsed if f is not None and (f not in allowed or spec or conv)]
        if bad:
            message = f"label `{name}` uses {', '.join(f'{{{f}}}' for f in bad)}, which it cannot fill"
            yield Diagnostic(where(labels, name), message, hint, "bad-label")


# A trial's length in days or months: the unit, its most, the hint.
_TRIAL_UNITS = (
    ("days", 366, "write the days of the trial, e.g. 14 (a longer trial: months, up to 24)"),
    ("months", 24, "write the months of the trial, e.g. 1 (a shorter trial: days)"),
)


def validate_rule_set(rules: RuleSet, where: Where) -> Iterator[Diagnostic]:
    yield from _validate_billing_day(rules.billing_day, where)
    yield from _check_payment_terms(rules, where)
    if rules.billing_day.alignment is not Alignment.SUBSCRIPTION and rules.renewal.lead_days > 0:
        yield Diagnostic(
            where(rules.renewal, "lead_days"),
            f"lead_days {rules.renewal.lead_days} cannot be honoured with alignment: "
            f"{rules.billing_day.alignment.value}: a leading part can be shorter than the lead, and its renewal "
            "would fall before the purchase",
            "write lead_days: 0 with an aligned rule set, or alignment: subscription to renew ahead (WEDOS)",
            "rule-conflict",
        )
    if rules.proration.change_term is ChangeTerm.KEEP_END and rules.renewal.auto_renew and rules.renewal.lead_days > 0:
        yield Diagnostic(
            where(rules.proration, "change_term"),
            f"change_term: keep_end cannot be honoured with renewal.lead_days {rules.renewal.lead_days}: a change "
            "after a renewal was charged would keep a term end whose next term is already charged at the old price",
            "write change_term: restart to renew ahead (WEDOS), or lead_days: 0 to keep term ends",
            "rule-conflict",
        )
    acc = rules.accounts
    if not 1 <= acc.settlement_day <= 28:
        late = acc.settlement_day > 28
        yield Diagnostic(
            where(acc, "settlement_day"),
            f"settlement_day must be a day from 1 to 28, got {acc.settlement_day}",
            "days 29-31 do not exist in every month" if late else "write a day of the month from 1 to 28",
            "day-range",
        )
    yield from _in_range(
        rules.events, "remember_ids_days", 1, MAX_REMEMBERED_DAYS, where,
        "a host's retries come within days; 400 remembers a year and a month",
    )  # fmt: skip
    yield from _in_range(
        acc, "keep_movements_months", 1, MAX_KEPT_MONTHS, where,
        "months of account movements a saved state keeps one by one; 12 keeps a year and the current month",
    )  # fmt: skip
    for currency, amount in acc.minimum_top_up.items():
        loc = where(acc, "minimum_top_up", currency)
        if currency not in CURRENCY_EXPONENTS:
            yield Diagnostic(
                where(acc, "minimum_top_up", currency, key=True),
                f"unknown currency `{currency}`",
                _currency_hint(currency),
                "unknown-currency",
            )
        yield from check_money(amount, currency, loc, currency)
    if rules.renewal.lead_days < 0:
        yield Diagnostic(
            where(rules.renewal, "lead_days"),
            f"lead_days must not be negative, got {rules.renewal.lead_days}",
            "write 0 to charge a renewal when the term ends, or how many days before the end to charge it (WEDOS: 10)",
            "negative-count",
        )
    elif rules.renewal.lead_days > MAX_LEAD_DAYS:  # 10**9 once passed here and overflowed the date at billing
        yield Diagnostic(
            where(rules.renewal, "lead_days"),
            f"lead_days must be at most {MAX_LEAD_DAYS}, got {rules.renewal.lead_days}",
            f"write how many days before the term end to charge a renewal, 0 to {MAX_LEAD_DAYS}: a renewal must fall "
            "inside the term it follows, and the shortest term (a February) has 28 days",
            "day-range",
        )


def _check_payment_terms(rules: RuleSet, where: Where) -> Iterator[Diagnostic]:
    yield from _in_range(
        rules.invoicing, "payment_terms_days", 0, MAX_PAYMENT_TERMS_DAYS, where,
        "write how many days after an invoice's date it is due: 0 (due on issue), 14, 30 ...",
    )  # fmt: skip


def _in_range(owner: Any, key: str, lowest: int, highest: int, where: Where, hint: str) -> Iterator[Diagnostic]:
    """A whole-number rule `key` of `owner` outside lowest..highest, at its value (`day-range`)."""
    value = getattr(owner, key)
    if not lowest <= value <= highest:
        yield Diagnostic(where(owner, key), f"{key} must be from {lowest} to {highest}, got {value}", hint, "day-range")


def _validate_billing_day(bd: BillingDayRules, where: Where) -> Iterator[Diagnostic]:
    """The billing-day settings that cannot be honoured together (docs/rules.md "billing_day")."""
    anchor, alignment = bd.anchor, bd.alignment
    if bd.day is not None and not 1 <= bd.day <= 31:
        yield Diagnostic(
            where(bd, "day"), f"day must be a day of the month from 1 to 31, got {bd.day}",
            "days 29-31 fall on a shorter month's last day or the next 1st, by short_month", "day-range",
        )  # fmt: skip
    if bd.day is not None and anchor is not BillingDayAnchor.FIXED_DAY:
        yield Diagnostic(
            where(bd, "day"), f"day is only read under anchor: fixed_day, and this rule set's anchor is {anchor.value}",
            "write anchor: fixed_day to bill every account on this day, or remove day", "rule-conflict",
        )  # fmt: skip
    if anchor is BillingDayAnchor.FIXED_DAY and bd.day is None:
        yield Diagnostic(
            where(bd, "anchor"), "anchor: fixed_day needs the day of the month: billing_day.day",
            "e.g. day: 15 (an account's own billing_day still wins)", "missing-key",
        )  # fmt: skip
    if alignment is not Alignment.SUBSCRIPTION and anchor is BillingDayAnchor.FIRST_PLAN_PURCHASE:
        yield Diagnostic(
            where(bd, "alignment"),
            f"alignment: {alignment.value} cannot be honoured with anchor: first_plan_purchase: a product bought "
            "before the plan would have no billing day to end its terms on",
            "use anchor: account_start, first_of_month or fixed_day, or alignment: subscription", "rule-conflict",
        )  # fmt: skip
    on_the_first = anchor is BillingDayAnchor.FIRST_OF_MONTH or (anchor is BillingDayAnchor.FIXED_DAY and bd.day == 1)
    if alignment is Alignment.CALENDAR and not on_the_first:
        yield Diagnostic(
            where(bd, "alignment"),
            f"alignment: calendar bills calendar months, quarters and years, which start on the 1st, but anchor: "
            f"{anchor.value}{f' with day {bd.day}' if bd.day is not None else ''} puts billing days elsewhere",
            "use anchor: first_of_month with alignment: calendar, or alignment: billing_day for another day",
            "rule-conflict",
        )  # fmt: skip


def validate_vat(vat: VatTable, where: Where) -> Iterator[Diagnostic]:
    for code, country in vat.vat_rates.items():
        if not _COUNTRY.match(code):
            yield Diagnostic(
                where(vat, "vat_rates", code, key=True),
                f"`{code}` is not an ISO 3166 country code",
                f"write it in capitals: `{code.upper()}`"
                if _COUNTRY.match(code.upper())
                else "use the two capital letters of an ISO 3166 country code, e.g. DE",
                "bad-country",
            )
        if country.eu_until is not None and not country.eu:
            yield Diagnostic(
                where(country, "eu_until"),
                f"{code} has eu_until but eu: false",
                "eu_until is the last day of a member's time in the EU VAT area: write eu: true with it (a member "
                "until then), or leave eu_until out (never a member)",
                "eu-until",
            )
        previous: VatRate | None = None
        for rate in country.rates:
            yield from check_percent(rate.rate, where(rate, "rate"), '"19" for 19 % VAT')
            if rate.valid_until is not None and rate.valid_until < rate.valid_from:
                yield Diagnostic(
                    where(rate, "valid_until"),
                    f"valid_until {rate.valid_until} is before valid_from {rate.valid_from}",
                    "valid_until is the last day the rate applies: on or after valid_from; omit it while the rate is "
                    "in force",
                    "date-order",
                )
            previous_end = None if previous is None else previous.valid_until or date.max  # open-ended: forever
            if previous is not None and previous_end is not None and rate.valid_from <= previous_end:
                if rate.valid_from <= previous.valid_from:
                    hint = f"list the {code} rates oldest first"
                else:
                    hint = f"end the previous rate with valid_until: {rate.valid_from - timedelta(days=1)}"
                yield Diagnostic(
                    where(rate, "valid_from"),
                    f"{code} rates overlap: {rate.valid_from} is not after the end of the previous rate",
                    hint,
                    "vat-overlap",
                )
            previous = rate

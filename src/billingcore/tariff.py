"""A tariff: one catalog prepared for billing under its rule set and the VAT table, with every lookup
the bill run needs built once and shared by all accounts. Also the account being billed.

    tariff = make_tariff(catalog, rules, vat)      # pure: from data already loaded
    tariff = prepare(library, "duda")              # the same, from what billingcore.load returned
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, NamedTuple

import attrs

from billingcore.adjustments import Pipeline, pipeline_for
from billingcore.catalog.library import Library
from billingcore.catalog.model import LABEL_FIELDS, Catalog, Labels, OneOff, Plan, Product
from billingcore.catalog.rules import RuleSet, ShortMonth, VatTable
from billingcore.codegen import template
from billingcore.contracts import ContractKind
from billingcore.errors import Diagnostic, EventError
from billingcore.features import FEATURES
from billingcore.features.base import Feature, Handler, Part, RenewalHook
from billingcore.invoicing import Billing
from billingcore.tax import TaxPosition, tax_position


@attrs.frozen
class Account:
    """The customer being billed: which catalog, and where they are taxed."""

    id: str
    catalog: str
    country: str
    vat_id: str | None = None


@attrs.frozen
class Registry:
    """The features of a tariff, as the engine looks them up: each event type, signal type and contract
    kind to the feature (by name) and function that handles it."""

    events: dict[type[Any], tuple[str, Handler]]
    signals: dict[type[Any], tuple[tuple[str, Handler], ...]]
    renewals: dict[ContractKind, tuple[str, RenewalHook]]
    parts: tuple[tuple[str, Part], ...]  # feature name and its part, for features that keep one
    next_dates: tuple[Any, ...]  # features with dates of their own on the agenda
    empty_parts: dict[str, Any]  # each part's value for a new account


def registry(features: Sequence[Feature]) -> Registry:
    signals: dict[type[Any], list[tuple[str, Handler]]] = {}
    for f in features:
        for kind, reaction in f.signals.items():
            signals.setdefault(kind, []).append((f.name, reaction))
    return Registry(
        {kind: (f.name, handler) for f in features for kind, handler in f.events.items()},
        {kind: tuple(found) for kind, found in signals.items()},
        {kind: (f.name, hook) for f in features for kind, hook in f.renewals.items()},
        tuple((f.name, f.part) for f in features if f.part is not None),
        tuple(f.next_date for f in features if f.next_date is not None),
        {f.name: f.part.empty for f in features if f.part is not None},
    )


class LineLabels(NamedTuple):
    """The catalog's labels (catalog.model.Labels), each compiled once into a function of its
    placeholders in the order catalog.model.LABEL_FIELDS gives: `labels.item(product_name, item_name)`."""

    plan: Callable[[str], str]
    item: Callable[[str, str], str]
    addon: Callable[[str, str], str]
    included: Callable[[str], str]
    credit: Callable[[str, str], str]
    rest_of_term: Callable[[str, str], str]


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
    # Tax positions by (country, VAT ID), filled on first use: the same answer for every account that
    # shares them, so a bill run computes each once. A cache, not state: results never depend on it.
    _positions: dict[tuple[str, str | None], TaxPosition] = attrs.field(
        factory=dict, init=False, eq=False, repr=False
    )  # init=False: attrs.evolve(tariff, rules=...) starts a fresh cache
    # Read by every account: derived from the rules once (and again by attrs.evolve).
    lead: timedelta = attrs.field(init=False, eq=False, repr=False)
    roll_short_months: bool = attrs.field(init=False, eq=False, repr=False)
    handlers: dict[type[Any], tuple[str, Handler]] = attrs.field(init=False, eq=False, repr=False)  # features.events
    own_dates: tuple[Any, ...] = attrs.field(init=False, eq=False, repr=False)  # features.next_dates

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "handlers", self.features.events)
        object.__setattr__(self, "own_dates", self.features.next_dates)
        object.__setattr__(self, "lead", timedelta(days=self.rules.renewal.lead_days))
        object.__setattr__(self, "roll_short_months", self.rules.billing_day.short_month is ShortMonth.NEXT_MONTH_FIRST)

    def position(self, country: str, vat_id: str | None) -> TaxPosition:
        key = (country, vat_id)
        found = self._positions.get(key)
        if found is None:
            found = tax_position(self.vat, self.rules.tax, self.catalog.seller_country, country, vat_id)
            self._positions[key] = found
        return found


def make_tariff(catalog: Catalog, rules: RuleSet, vat: VatTable, features: Sequence[Feature] = FEATURES) -> Tariff:
    """The tariff for `catalog` billed under `rules`, with `features` (default: all of them)."""
    return Tariff(
        catalog,
        rules,
        vat,
        {p.id: p for p in catalog.plans},
        {p.id: p for p in catalog.products},
        {o.id: o for o in catalog.one_offs},
        Billing(catalog.currency, rules),
        registry(features),
        pipeline_for(catalog, rules),
        line_labels(catalog.labels),
    )


def prepare(library: Library, catalog: str) -> Tariff:
    """The tariff of one catalog of a loaded library, under the rule set the catalog names."""
    cat = library.catalog(catalog)
    if library.vat is None:
        raise EventError([Diagnostic(None, "no VAT table loaded", "load rules/vat.yaml with the plans")])
    return make_tariff(cat, library.rules_for(cat), library.vat)

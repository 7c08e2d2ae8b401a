"""Preparing a catalog for a bill run: the tariff with its features, adjustment stages and labels.

    tariff = make_tariff(catalog, rules, vat)      # pure: from data already loaded
    tariff = prepare(library, "duda")              # the same, from what billingcore.load returned
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from billingcore.adjustments import pipeline_for
from billingcore.catalog.library import Library
from billingcore.catalog.model import Catalog
from billingcore.catalog.rules import RuleSet, VatTable
from billingcore.errors import DataPath, Diagnostic, EventError, PlanError
from billingcore.features import FEATURES, registry
from billingcore.features.base import Feature
from billingcore.invoicing import Billing
from billingcore.tariff import Tariff, line_labels


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
        registry(features, catalog),
        pipeline_for(catalog, rules),
        line_labels(catalog.labels),
    )


def prepare(library: Library, catalog: str) -> Tariff:
    """The tariff of one catalog of a loaded library, under the rule set the catalog names. A library
    without that catalog raises PlanError (`unknown-catalog`, with the closest name), not a KeyError."""
    if not isinstance(library, Library):
        message = f"expected the Library that billingcore.load returned, got a {type(library).__name__}"
        hint = 'library = billingcore.load(["plans", "rules"])'
        raise PlanError([Diagnostic(DataPath("library"), message, hint, "wrong-type")])
    cat = library.catalogs.get(catalog) if isinstance(catalog, str) else None
    if cat is None:
        loaded = sorted(library.catalogs)
        close = difflib.get_close_matches(catalog, loaded, n=1) if isinstance(catalog, str) else []
        hint = f"did you mean {close[0]!r}?" if close else f"loaded: {', '.join(loaded) or 'none'}"
        message = f"no catalog {catalog!r} among the loaded plans"
        raise PlanError([Diagnostic(DataPath("catalog"), message, hint, "unknown-catalog")])
    if library.vat is None:
        raise EventError([Diagnostic(None, "no VAT table loaded", "load rules/vat.yaml with the plans")])
    return make_tariff(cat, library.rules_for(cat), library.vat)

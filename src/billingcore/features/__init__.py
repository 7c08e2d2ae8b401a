"""The billing features, one module each, and the one table that registers them.

    trials         a trial: open-ended (Duda), or with a length that converts or stops at its end
    plans          the account plan: purchase, changes, a downgrade waiting for the term end
    items          named items of a product: publish, unpublish, convert (Duda's sites)
    slots          a plan's included slots: who takes them, on purchase, change, renewal, cancellation
    addons         products attached to an item: stores and apps on a site
    one_offs       items invoiced at once
    components     quantity, on/off and metered components booked on the plan; usage and free quotas
    discounts      discount scales and coupons, taken off charges as they are made
    subscriptions  cancel any contract now, stop it renewing
    accounts       prepaid credit and postpaid accounts: top-ups, orders paid from credit, settlements,
                   refunds, credit limits (the ledger: billingcore.ledger; its stages: account_stages)

Adding a feature: write its module (events, handlers, its part of the state) and add it to FEATURES;
docs/architecture.md walks through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from billingcore.catalog.model import Catalog
from billingcore.features import (
    accounts,
    addons,
    components,
    discounts,
    items,
    one_offs,
    plans,
    slots,
    subscriptions,
    trials,
)
from billingcore.features.base import Feature, Handler
from billingcore.tariff import Registry

# Features react to a signal in this order; event types are listed in this order in hints.
FEATURES: tuple[Feature, ...] = (
    trials.FEATURE,
    plans.FEATURE,
    items.FEATURE,
    slots.FEATURE,
    addons.FEATURE,
    one_offs.FEATURE,
    components.FEATURE,
    discounts.FEATURE,
    subscriptions.FEATURE,
    accounts.FEATURE,
)

# Every event class by its `type:` in files (`buy_plan`), from the features that handle them.
EVENT_TYPES: dict[str, type[Any]] = {cls.TYPE: cls for f in FEATURES for cls in f.events}


def registry(features: Sequence[Feature], catalog: Catalog | None = None) -> Registry:
    """How the engine finds what handles each event, signal and renewal among `features` (the dates of
    those whose own date cannot come under `catalog` left out: Feature.dated)."""
    dated = [f for f in features if f.dated is None or catalog is None or f.dated(catalog)]
    signals: dict[type[Any], list[tuple[str, Handler]]] = {}
    for f in features:
        for kind, reaction in f.signals.items():
            signals.setdefault(kind, []).append((f.name, reaction))
    return Registry(
        {kind: (f.name, handler) for f in features for kind, handler in (*f.events.items(), *f.own_events.items())},
        {kind: tuple(found) for kind, found in signals.items()},
        {kind: (f.name, hook) for f in features for kind, hook in f.renewals.items()},
        tuple(f.next_date for f in dated if f.next_date is not None),
        {f.name: f.part.empty for f in features if f.part is not None},
        tuple((f.name, f.part.key, f.part.unknown) for f in features if f.part is not None and f.part.unknown),
        tuple(f.on_date for f in dated if f.on_date is not None),
        tuple(f.discounts for f in features if f.discounts is not None),
        tuple((f.name, f.part.kept) for f in features if f.part is not None and f.part.kept),
    )

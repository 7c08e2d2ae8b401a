"""The event vocabulary: what a customer did, and when — collected from the features that handle them.

Events are frozen, dated and carry an id; loaded from YAML/JSON they also keep their source location
so an impossible action can be reported at file:line:col. `type` names the event in files:

    - {id: e1, date: 2020-01-10, type: buy_plan, plan: team, period: annual}

Each event class is defined next to its handler in billingcore.features; import them from here.
"""

from __future__ import annotations

from billingcore.features import EVENT_TYPES
from billingcore.features.accounts import (
    CancelOrder,
    ChangeCreditLimit,
    CreateService,
    OrderService,
    RecordPayment,
    Refund,
    Settle,
    TopUp,
)
from billingcore.features.addons import AddStore, BuyApp, RemoveApp, UpgradeApp, UpgradeStore
from billingcore.features.base import Event
from billingcore.features.components import AddComponent, BillUsage, ChangeQuantity, RecordUsage, RemoveComponent
from billingcore.features.discounts import RedeemCoupon
from billingcore.features.items import AddItem, ConvertSite, PublishSite, RemoveItem, UnpublishSite
from billingcore.features.one_offs import BuyOneOff
from billingcore.features.plans import BuyPlan, ChangePlan
from billingcore.features.subscriptions import Cancel, ClearDontRenew, SetDontRenew
from billingcore.features.trials import StartTrial


def type_name(event: Event) -> str:
    """The event's `type:` word (buy_plan)."""
    return event.TYPE


__all__ = [
    "EVENT_TYPES",
    "AddComponent",
    "AddItem",
    "AddStore",
    "BillUsage",
    "BuyApp",
    "BuyOneOff",
    "BuyPlan",
    "Cancel",
    "CancelOrder",
    "ChangeCreditLimit",
    "ChangePlan",
    "ChangeQuantity",
    "ClearDontRenew",
    "ConvertSite",
    "CreateService",
    "Event",
    "OrderService",
    "PublishSite",
    "RecordPayment",
    "RecordUsage",
    "RedeemCoupon",
    "Refund",
    "RemoveApp",
    "RemoveComponent",
    "RemoveItem",
    "SetDontRenew",
    "Settle",
    "StartTrial",
    "TopUp",
    "UnpublishSite",
    "UpgradeApp",
    "UpgradeStore",
    "type_name",
]

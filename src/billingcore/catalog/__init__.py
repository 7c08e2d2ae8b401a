"""The catalog and rules language: models, strict loader, validation, JSON Schema."""

from billingcore.catalog.loader import Library, load, load_texts
from billingcore.catalog.model import (
    AccountType,
    Catalog,
    Component,
    Coupon,
    DiscountScale,
    OneOff,
    Period,
    Plan,
    PlanVersion,
    Product,
)
from billingcore.catalog.rules import RuleSet, VatTable

__all__ = [
    "AccountType",
    "Catalog",
    "Component",
    "Coupon",
    "DiscountScale",
    "Library",
    "OneOff",
    "Period",
    "Plan",
    "PlanVersion",
    "Product",
    "RuleSet",
    "VatTable",
    "load",
    "load_texts",
]

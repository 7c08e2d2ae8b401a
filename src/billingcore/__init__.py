"""billingcore: a pure subscription-billing rules engine.

Load a catalog once (`billingcore.load(["plans", "rules"])`), then compute documents from an
account's dated events. The core does no I/O; only `billingcore.catalog.loader` reads files.
"""

from billingcore.catalog.loader import Library, load, load_texts
from billingcore.errors import BillingError, Diagnostic, EventError, InputError, Location, PlanError

__all__ = [
    "BillingError",
    "Diagnostic",
    "EventError",
    "InputError",
    "Library",
    "Location",
    "PlanError",
    "load",
    "load_texts",
]
__version__ = "0.1.0"

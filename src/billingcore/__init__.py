"""billingcore: a pure subscription-billing rules engine.

Load a catalog once (`billingcore.load(["plans", "rules"])`), prepare it for a bill run
(`billingcore.prepare(library, "duda")`), then `billingcore.bill(tariff, account, events, until)`.
The core does no I/O; only `billingcore.catalog.loader` reads files.
"""

from billingcore.catalog.loader import Library, load, load_texts
from billingcore.engine import Account, CreditAccount, Result, State, Tariff, bill, prepare
from billingcore.errors import (
    BillingError,
    DataPath,
    Diagnostic,
    EventError,
    InputError,
    Location,
    PlanError,
    StateError,
)

__all__ = [
    "Account",
    "BillingError",
    "CreditAccount",
    "DataPath",
    "Diagnostic",
    "EventError",
    "InputError",
    "Library",
    "Location",
    "PlanError",
    "Result",
    "State",
    "StateError",
    "Tariff",
    "bill",
    "load",
    "load_texts",
    "prepare",
]
__version__ = "0.1.0"

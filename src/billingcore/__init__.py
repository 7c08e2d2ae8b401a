"""billingcore: a pure subscription-billing rules engine.

Load a catalog once (`billingcore.load(["my-plan.yaml"])`: the packaged rule sets and VAT table fill in what
your own files leave out), prepare it for a bill run (`billingcore.prepare(library, "duda")`), then
`billingcore.bill(tariff, account, events, until)`. The core does no I/O; only `billingcore.catalog.loader`
reads files.

Everything a host needs is importable from here (docs/architecture.md "The host API"): loading and billing,
the account and its credit accounts, the event classes and `structure_events` for event dicts, `Period`,
documents and their JSON (with the seller and customer they carry), legal document numbers of the host's own
sequence (`bind_numbers`, billingcore.numbering), saved states (`dump_state`, `load_state`), bill runs, and
the errors.
"""

from billingcore.billrun import Billed, Failed, bill_run
from billingcore.catalog.loader import Library, load, load_texts
from billingcore.catalog.model import Period
from billingcore.documents import Address, Customer, Document, Line, Notice, Seller, document_json, notice_json
from billingcore.engine import Account, CreditAccount, Result, State, Tariff, bill, prepare
from billingcore.errors import (
    BillingError,
    DataPath,
    Diagnostic,
    EventError,
    InputError,
    Location,
    NumberingError,
    PlanError,
    StateError,
)
from billingcore.events import (
    EVENT_TYPES,
    AddComponent,
    AddItem,
    AddStore,
    BillUsage,
    BuyApp,
    BuyOneOff,
    BuyPlan,
    Cancel,
    CancelOrder,
    ChangeCreditLimit,
    ChangePlan,
    ChangeQuantity,
    ClearDontRenew,
    ConvertSite,
    CreateService,
    Event,
    OrderService,
    PublishSite,
    RecordPayment,
    RecordUsage,
    RedeemCoupon,
    Refund,
    RemoveApp,
    RemoveComponent,
    RemoveItem,
    SetDontRenew,
    Settle,
    StartTrial,
    TopUp,
    UnpublishSite,
    UpgradeApp,
    UpgradeStore,
)
from billingcore.ledger import statement_json
from billingcore.numbering import LegalSeries, bind_numbers, load_series, series_json
from billingcore.snapshot import dump_state, load_state
from billingcore.tariff import PostalAddress
from billingcore.timeline import structure_account, structure_events

__all__ = [
    "EVENT_TYPES",
    "Account",
    "AddComponent",
    "AddItem",
    "AddStore",
    "Address",
    "BillUsage",
    "Billed",
    "BillingError",
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
    "CreditAccount",
    "Customer",
    "DataPath",
    "Diagnostic",
    "Document",
    "Event",
    "EventError",
    "Failed",
    "InputError",
    "LegalSeries",
    "Library",
    "Line",
    "Location",
    "Notice",
    "NumberingError",
    "OrderService",
    "Period",
    "PlanError",
    "PostalAddress",
    "PublishSite",
    "RecordPayment",
    "RecordUsage",
    "RedeemCoupon",
    "Refund",
    "RemoveApp",
    "RemoveComponent",
    "RemoveItem",
    "Result",
    "Seller",
    "SetDontRenew",
    "Settle",
    "StartTrial",
    "State",
    "StateError",
    "Tariff",
    "TopUp",
    "UnpublishSite",
    "UpgradeApp",
    "UpgradeStore",
    "bill",
    "bill_run",
    "bind_numbers",
    "document_json",
    "dump_state",
    "load",
    "load_series",
    "load_state",
    "load_texts",
    "notice_json",
    "prepare",
    "series_json",
    "statement_json",
    "structure_account",
    "structure_events",
]
__version__ = "0.1.0"  # the same as pyproject.toml's (a test checks); `billingcore --version` reads the metadata

"""What `bill` returns: the documents, the notices, and the state to resume from. A `State` holds the
contracts, the charges waiting for a billing day, the billing day, and each feature's own part
(snapshot.py writes and reads it as a JSON-ready mapping)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import attrs

from billingcore.charges import Charge
from billingcore.contracts import Contract
from billingcore.documents import Document, Notice


@attrs.frozen
class State:
    """Where billing stopped: enough to continue with later events and get a full run's documents."""

    account: str
    as_of: date
    billing_day: int | None = None
    billing_anchor: date | None = None
    billings_done: int = 0
    contracts: tuple[Contract, ...] = ()
    pending: tuple[Charge, ...] = ()
    parts: Mapping[str, Any] = attrs.field(factory=dict)  # each feature's own part, by feature name


@attrs.frozen
class Result:
    documents: tuple[Document, ...]
    notices: tuple[Notice, ...]
    state: State



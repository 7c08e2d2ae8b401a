"""What `bill` returns: the documents, the notices, and the state to resume from. A `State` holds the
contracts, the charges waiting for a billing day, the billing day, each feature's own part, the
catalog and currency it was billed in and the ids of the events billed (snapshot.py writes and reads it
as a JSON-ready mapping)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any, NamedTuple

import attrs

from billingcore.charges import Charge
from billingcore.codegen import maker
from billingcore.contracts import Contract
from billingcore.documents import Document, Notice


class State(NamedTuple):
    """Where billing stopped: enough to continue with later events and get a full run's documents.
    A NamedTuple like the other records built for every account (docs/performance.md): it is just as
    immutable, and built with codegen.maker it costs a tenth of a frozen attrs class."""

    account: str
    as_of: date
    billing_day: int | None = None
    billing_anchor: date | None = None
    billings_done: int = 0
    contracts: tuple[Contract, ...] = ()
    pending: tuple[Charge, ...] = ()
    parts: Mapping[str, Any] = MappingProxyType({})  # each feature's own part, by feature name
    catalog: str = ""  # the catalog it was billed under: resumed only under the same one
    currency: str = ""  # the catalog's currency: every amount in the state is in it
    # the ids of the events billed in the last `events.remember_ids_days` before as_of, with their dates: an
    # id is never used twice within them (`remembered`)
    event_ids: Mapping[str, date] = MappingProxyType({})


# A State from every field, by name (hot: one per account and bill run, one per load_state).
make_state = maker(State, *State._fields)


class BilledState(State):
    """The State `bill` returns: the same value (it equals a State with the same fields), and it remembers
    the tariff that billed it, in `billed_by` (an instance attribute, not a field: never in its value, its
    JSON or its equality). Resumed under that same tariff, the check that every plan and product it names
    is in the catalog is skipped: they came from it (docs/performance.md). A loaded state is a plain
    State and is always checked."""

    billed_by: Any  # the Tariff (not imported here: the tariff imports states' records)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled or copied, a plain State: the tariff stays behind (and the copy is checked when resumed);
        its parts, read-only here (a mapping proxy, which does not pickle), become a plain dict."""
        return (State, tuple(self._replace(parts=dict(self.parts), event_ids=dict(self.event_ids))))


_make_billed_state = maker(BilledState, *State._fields)


def billed_state(tariff: Any, *fields: Any) -> BilledState:
    """A BilledState from every field in order, billed by `tariff`."""
    state: BilledState = _make_billed_state(*fields)
    state.billed_by = tariff
    return state


def remembered(ids: Mapping[str, date], billed: Sequence[Any], since: date) -> Mapping[str, date]:
    """The event ids a state keeps: those of `ids` dated after `since` and those of the events `billed`, each
    with its date. Forgetting older ones keeps a state's size independent of the account's age; an event
    that old is refused for its date anyway (it is before the state)."""
    if ids and min(ids.values()) <= since:
        kept = {key: day for key, day in ids.items() if day > since}
    elif billed:
        if not ids and billed[0].date > since:  # a new account's first run: every event kept
            return MappingProxyType({event.id: event.date for event in billed})
        kept = dict(ids)
    else:
        return ids  # nothing to forget and nothing new (a quick look in C)
    if billed and billed[0].date > since:  # events come in date order: none too old (the usual run)
        for event in billed:
            kept[event.id] = event.date
    elif billed:
        kept.update((event.id, event.date) for event in billed if event.date > since)
    return MappingProxyType(kept)


def kept_parts(tariff: Any, parts: dict[str, Any], contracts: tuple[Contract, ...], until: date) -> dict[str, Any]:
    """The features' parts as a saved state keeps them as of `until` (features.base.Part.kept: the ledger
    carries its old movements forward), so that a state's size does not grow with the account's age;
    `parts` itself when none changes."""
    for name, kept in tariff.features.kept:
        part = parts[name]
        new = kept(tariff, part, contracts, until)
        if new is not part:
            parts = {**parts, name: new}
    return parts


@attrs.frozen
class Result:
    documents: tuple[Document, ...]
    notices: tuple[Notice, ...]
    state: State
    accounts: tuple[Any, ...] = ()  # the customer's credit accounts at the end: ledger.Statement each

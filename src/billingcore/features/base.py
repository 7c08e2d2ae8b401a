"""What a feature is: the events it takes, the signals it reacts to, the renewals it takes over, and
its own part of the saved state. Handlers are pure: they read a `View` of the account and return an
`Outcome`, which the engine applies; nothing is applied when the outcome carries a `Problem`.

    handler(view, event)             -> Outcome     an event of the feature's own
    reaction(view, signal)           -> Outcome     a signal another feature sent (cannot fail)
    renewal(view, contract, day)     -> Outcome | None   a contract of a kind the feature owns is due;
                                                    None: renew it the ordinary way
    on_date(view, day)               -> event | None     the feature's own date (next_date) has come:
                                                    an event of its own, applied like any event

docs/architecture.md walks through adding a feature.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, ClassVar, NamedTuple, Protocol

from billingcore.catalog.model import Catalog, Period
from billingcore.charges import Charge
from billingcore.contracts import Contract, ContractKind
from billingcore.errors import Location
from billingcore.invoicing import Draft
from billingcore.tariff import Account, Tariff


class Problem(NamedTuple):
    """Why an event cannot be applied, and what to do instead (shown as the diagnostic's hint)."""

    message: str
    hint: str = ""


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()  # an Outcome's `part` when the feature's own state stays as it was


class Outcome(NamedTuple):
    """What a handler did, as a value. The engine applies it in this order: `removed`, `contracts`,
    `part`; then it follows `signals`. An event's `changes` land together once the event and the
    signals it caused are applied (proration.lands); then its `charges` join the pending ones; its
    `documents` (drafts the feature numbers itself: an advance invoice, a settlement) are issued last."""

    contracts: tuple[Contract, ...] = ()  # started or changed: put by key (in place, or last after `removed`)
    removed: tuple[str, ...] = ()  # contract keys taken out first (a replaced contract moves to the end)
    part: Any = UNCHANGED  # the feature's own part of the state, new value
    changes: tuple[Charge, ...] = ()  # credits and charges of a change: land by proration.lands
    charges: tuple[Charge, ...] = ()  # new terms: invoiced on the next billing day
    immediate: tuple[Charge, ...] = ()  # invoiced at once, on an immediate invoice (one-off items)
    signals: tuple[Any, ...] = ()  # what other features may react to
    problem: Problem | None = None
    documents: tuple[Draft, ...] = ()  # documents of the feature's own (an advance invoice), issued at once


NOTHING = Outcome()
_new = tuple.__new__


# The usual outcomes, built without the keyword machinery (a bill run builds one per purchase).
def started(contract: Contract, charge: Charge, part: Any = UNCHANGED) -> Outcome:
    """A contract started; its first term waits for the billing day."""
    return _new(Outcome, ((contract,), (), part, (), (charge,), (), (), None, ()))


def put(*contracts: Contract, part: Any = UNCHANGED) -> Outcome:
    """Contracts changed in place, nothing to invoice."""
    return _new(Outcome, (contracts, (), part, (), (), (), (), None, ()))


def refuse(message: str, hint: str) -> Outcome:
    return Outcome(problem=Problem(message, hint))


def unknown(what: str, name: str, known: Iterable[str]) -> Problem:
    """`unknown plan `teem``, with the closest known name as the hint."""
    names = sorted(known)
    close = difflib.get_close_matches(name, names)
    hint = f"did you mean `{close[0]}`?" if close else f"known: {', '.join(names) or 'none'}"
    return Problem(f"unknown {what} `{name}`", hint)


class Event(Protocol):
    """What every event has, whichever feature defines it: an id, a date, where it was written (None
    for events built in Python) and its `type:` word in files."""

    TYPE: ClassVar[str]

    @property
    def id(self) -> str: ...

    @property
    def date(self) -> date: ...

    @property
    def src(self) -> Location | None: ...


class View(Protocol):
    """What a handler may read: the tariff, the account, every contract and every feature's part.
    Read only: a handler says what changes in its Outcome."""

    @property
    def tariff(self) -> Tariff: ...

    @property
    def account(self) -> Account: ...

    @property
    def contracts(self) -> Mapping[str, Contract]: ...

    @property
    def parts(self) -> Mapping[str, Any]: ...

    @property
    def billing_day(self) -> int | None: ...  # the account's day of the month, once fixed


Handler = Callable[[Any, Any], Outcome]  # (view, event or signal)
RenewalHook = Callable[[Any, Contract, date], Outcome | None]


class Part(NamedTuple):
    """A feature's own part of the saved state: its value for a new account, and how it is written to
    and read from the JSON-ready state (under the key `key`). `load` raises on anything `dump` would not
    have written; `problems` then lists each (JSON path below the key, message), e.g. ("[2].active",
    "expected true or false, got the string \"no\"") (codegen.record_codec gives them for records)."""

    key: str
    empty: Any
    dump: Callable[[Any], Any]
    load: Callable[[Any], Any]
    problems: Callable[[Any], list[tuple[str, str]]] | None = None
    # what in a loaded part the tariff cannot bill (a product it does not have), or the state's contracts
    # name that the part lacks: (path, message) each; called with (tariff, part, contracts)
    unknown: Callable[[Tariff, Any, tuple[Contract, ...]], list[tuple[str, str]]] | None = None
    # what a saved state keeps of the part as of the run's last day, called with (tariff, part, contracts,
    # until) when the state is written: a part that would grow with the account's age folds its history here
    kept: Callable[[Tariff, Any, tuple[Contract, ...], date], Any] | None = None


class Feature(NamedTuple):
    """One billing feature. Register it with one line in billingcore.features.FEATURES."""

    name: str
    events: Mapping[type[Any], Handler] = {}  # event class -> handler
    signals: Mapping[type[Any], Handler] = {}  # signal class -> reaction
    renewals: Mapping[ContractKind, RenewalHook] = {}  # contracts of this kind: renewal taken over
    part: Part | None = None
    next_date: Callable[[Any], date | None] | None = None  # a date of its own on the agenda
    # What it does on that date, after the day's events and before its renewals: an event of its own (one of
    # `own_events`), which the engine applies like any event (its id: the charges' cause and the documents'
    # numbers; its problem: an error at its id), or None. Own events never come from a file or a host.
    on_date: Callable[[Any, date], Any] | None = None
    own_events: Mapping[type[Any], Handler] = {}  # own event class -> handler
    # Discounts taken off charges as they are made (before they wait or are invoiced): (view, charges) ->
    # (the charges, discounted; the contracts whose `billed` that lowered). Run on every charge made, in
    # the order of FEATURES, only for tariffs whose catalog has coupons or discount scales.
    discounts: Callable[[Any, tuple[Charge, ...]], tuple[tuple[Charge, ...], tuple[Contract, ...]]] | None = None
    # Whether its own date can come under a catalog (None: under every one). The engine asks `next_date` and
    # `on_date` on every agenda date of every account: a tariff whose catalog cannot use them leaves them out.
    dated: Callable[[Catalog], bool] | None = None


# Signals: what happened that other features may react to. A documents.Notice among an outcome's signals
# goes to the host too, in the result's notices.
class TrialStarted(NamedTuple):
    """The account started a trial. Under billing_day.anchor: account_start it fixes the billing day."""

    day: date
    cause: str  # the event id


class PlanBought(NamedTuple):
    """The account bought a plan (the first, or again after cancelling). Under billing_day.anchor:
    first_plan_purchase (or account_start without a trial) the first one fixes the billing day."""

    day: date
    cause: str  # the event id


class PlanChanged(NamedTuple):
    """The account's plan changed: at once, or at the term end (a downgrade waiting for it)."""

    day: date
    cause: str  # the event id, or RENEWAL for a downgrade that waited for the term end
    old: Contract  # the plan contract before the change (its version's free quota: components)


class ContractEnded(NamedTuple):
    """A contract ended: cancelled now, or at its term end without renewing (don't renew)."""

    contract: Contract
    cause: str  # the event id, or RENEWAL when it ended at its term end
    day: date  # the day it ended: the cancellation's date, or its term end


class ContractsForgotten(NamedTuple):
    """Contracts that ended and that no charge waits for left the account at the end of `day` (the engine:
    contracts.forget_ended). A feature drops what it kept only for them, so that a saved state does not
    grow with the account's age (docs/architecture.md, "What a state keeps")."""

    day: date
    keys: tuple[str, ...]


def forgotten(day: date, keys: tuple[str, ...]) -> Outcome:
    """The outcome that tells the features which contracts the engine forgot at the end of `day`."""
    return Outcome(signals=(ContractsForgotten(day, keys),))


class TrialConverted(NamedTuple):
    """A trial with a length ended without a plan bought, and converts (trial.at_end: convert): the trial's
    plan is bought on its end day as if the start_trial event had bought it (`cause`, its id)."""

    day: date
    cause: str  # the start_trial event's id
    plan: str
    period: Period

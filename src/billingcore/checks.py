"""What `bill` refuses before it starts: arguments of the wrong type, an account it cannot bill (a
country without VAT rates, a VAT ID of the wrong form, another catalog, someone else's saved state or
one that does not add up, a date before the state's) and events that are not events of the right
types, out of order, repeated (also across a resume: the state remembers every id it billed) or not
after the saved state. Every
problem is a diagnostic with a hint, all of them at once; Python arguments are located by their path
(`until`, `state.billings_done`, `events[3].period`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from billingcore.catalog.rules import Alignment, BillingDayAnchor
from billingcore.contracts import ContractKind
from billingcore.dates import (
    FIRST_DAY,
    LAST_DAY,
    ONE_DAY,
    SUPPORTED_DATES,
    SUPPORTED_DATES_HINT,
    billing_date,
    in_supported_range,
)
from billingcore.documents import Notice
from billingcore.errors import DataPath, Diagnostic, EventError, StateError
from billingcore.events import Event, type_name
from billingcore.eventtypes import described, type_problems, well_typed
from billingcore.features.base import Problem
from billingcore.ledger import EMPTY, LEDGER, account_diagnostics, foreign_accounts
from billingcore.state import BilledState, State
from billingcore.tariff import Account, CreditAccount, PostalAddress, Tariff, customer_problems
from billingcore.vat_ids import BAD_VAT_ID, vat_id_problem

_PLAN = ContractKind.PLAN
_COMPONENT = ContractKind.COMPONENT  # bound once
_CHANGED = (
    "the state was changed after dump_state wrote it: restore the stored copy, or bill the account again "
    "from its events"
)


def check_arguments(
    tariff: Tariff, account: Account, events: Sequence[Event], until: date, state: State | None
) -> list[Diagnostic]:
    """Raise for what cannot be billed at all (arguments of the wrong type, the account, the saved
    state, an event of the wrong types); return the problems of event order and ids, which `bill`
    reports together with any it finds while billing. Every account passes here: the usual one in a
    few comparisons; the functions that say what is wrong only run when something is."""
    if (
        type(tariff) is not Tariff
        or type(account) is not Account
        or type(account.id) is not str
        or type(account.country) is not str
        or (account.vat_id is not None and type(account.vat_id) is not str)
        or (account.billing_day is not None and type(account.billing_day) is not int)
        or (account.terms is None and account.payment_terms_days is not None)  # not 0 to 365 days
        # what the documents say of the customer: checked in full when given (_customer_problems)
        or account.name is not None
        or account.address is not None
        or account.email is not None
        or account.buyer_reference is not None
        or not (type(events) is list or type(events) is tuple)
        or type(until) is not date
        or (state is not None and type(state) is not State and type(state) is not BilledState)
    ):
        _refuse_arguments(tariff, account, events, until, state)
    if (
        account.country not in tariff.vat.vat_rates
        or (account.vat_id and vat_id_problem(account.country, account.vat_id) is not None)
        or (account.billing_day is not None and account_day_problem(tariff, account.billing_day) is not None)
        or account.catalog != tariff.catalog.catalog
        or not FIRST_DAY <= until <= LAST_DAY  # the supported dates (dates.in_supported_range, inlined)
    ):
        refuse_account(tariff, account, until, state)
    if account.credit_accounts or (state is not None and state.parts.get(LEDGER, EMPTY) is not EMPTY):
        _refuse_credit_accounts(tariff, account, state)
    if state is not None and (
        state.account != account.id
        or state.catalog != tariff.catalog.catalog
        or state.currency != tariff.billing.currency
        or until < state.as_of
        or (account.billing_day is not None and state.billing_day not in (None, account.billing_day))
        or not (_billed_by(state, tariff) or _names_known(tariff, state))
    ):
        refuse_account(tariff, account, until, state)
    return check_order(events, state) if events else []


def _refuse_arguments(tariff: Any, account: Any, events: Any, until: Any, state: Any) -> None:
    found = []
    if not isinstance(tariff, Tariff):
        hint = "build it with prepare(library, catalog)"
        found.append(("tariff", f"expected a Tariff, got {described(tariff)}", hint))
    if type(account) is not Account:
        found.append(("account", f"expected an Account, got {described(account)}", "Account(id, catalog, country)"))
    else:
        for name in ("id", "catalog", "country", "vat_id"):
            value = getattr(account, name)
            if type(value) is not str and not (name == "vat_id" and value is None):
                found.append((f"account.{name}", f"expected text, got {described(value)}", "give a str"))
        day = account.billing_day
        if day is not None and type(day) is not int:
            found.append(
                ("account.billing_day", f"expected a whole number, got {described(day)}", "give an int, 1 to 31")
            )
        found += _customer_problems(account)
    if not isinstance(events, Sequence) or isinstance(events, str):
        found.append(("events", f"expected a list of events, got {described(events)}", "give a list of events"))
    if type(until) is not date:
        hint = "give its day: until.date()" if isinstance(until, datetime) else "give a datetime.date"
        found.append(("until", f"expected a date, got {described(until)}", hint))
    if state is not None and type(state) is not State and type(state) is not BilledState:
        hint = "give what bill returned, or load_state(saved)"
        found.append(("state", f"expected a State, got {described(state)}", hint))
    if found:
        raise EventError([Diagnostic(DataPath(path), message, hint, "wrong-type") for path, message, hint in found])


_WRONG = "wrong-type"


def _customer_problems(account: Account) -> list[tuple[str, str, str]]:
    """What the documents would say of the customer, of the wrong type or form: (path, message, hint)."""
    found = []
    if account.name is not None and type(account.name) is not str:
        found.append(("account.name", f"expected text or None, got {described(account.name)}", "give a str"))
    place = account.address
    if place is not None and type(place) is not PostalAddress:
        hint = 'PostalAddress(("Hauptstr. 1",), "10115", "Berlin")'
        found.append(("account.address", f"expected a PostalAddress, got {described(place)}", hint))
    elif place is not None:
        if type(place.lines) is not tuple or any(type(line) is not str for line in place.lines):
            found.append(("account.address.lines", f"expected a tuple of str, got {described(place.lines)}", ""))
        for key in ("postcode", "city"):
            value = getattr(place, key)
            if value is not None and type(value) is not str:
                found.append((f"account.address.{key}", f"expected text or None, got {described(value)}", "give a str"))
    reference = account.buyer_reference
    if reference is not None and type(reference) is not str:
        found.append(("account.buyer_reference", f"expected text or None, got {described(reference)}", "give a str"))
    found += [(f"account.{key}", message, hint) for key, message, hint, _ in customer_problems(
        account.payment_terms_days, account.email
    )]  # fmt: skip
    return found


def _money_or_none(value: object) -> bool:
    return value is None or (type(value) is Decimal and value.is_finite())


_CREDIT_FIELDS: tuple[tuple[str, str, Any], ...] = (
    ("id", "text", lambda v: type(v) is str),
    ("type", "text", lambda v: type(v) is str),
    ("currency", "text or None", lambda v: v is None or type(v) is str),
    ("opening_balance", "a Decimal", lambda v: v is not None and _money_or_none(v)),
    ("opened", "a date or None", lambda v: v is None or type(v) is date),
    ("minimum_top_up", "a Decimal or None", _money_or_none),
    ("credit_limit", "a Decimal or None", _money_or_none),
)


def _refuse_credit_accounts(tariff: Tariff, account: Account, state: State | None) -> None:
    """Credit accounts that are not CreditAccounts, that the catalog cannot keep (an unknown type, a
    credit limit on a prepaid account ...: ledger.credit_account_problems), or that the saved state's
    ledger kept something of and the account data no longer names, all at once."""
    entries = account.credit_accounts
    if type(entries) is not tuple or any(type(a) is not CreditAccount for a in entries):
        got = described(entries) if type(entries) is not tuple else "a tuple with something else than CreditAccounts"
        message, hint = f"expected CreditAccounts, got {got}", "give a tuple of CreditAccount(id, type, ...)"
        raise EventError([Diagnostic(DataPath("account.credit_accounts"), message, hint, "wrong-type")])
    found = [
        _wrong_credit_value(f"account.credit_accounts[{i}].{name}", want, value)
        for i, a in enumerate(entries)
        for name, want, ok in _CREDIT_FIELDS
        if not ok(value := getattr(a, name))
    ]
    found = found or account_diagnostics(tariff, entries, account.id)
    if found:
        raise EventError(found)
    if state is not None:  # what the saved ledger keeps must be of the account's credit accounts
        names = ", ".join(a.id for a in entries) or "none"
        gone = [
            Diagnostic(
                DataPath(f"state.accounts{path}"),
                f"saved state of account {account.id}: credit account `{name}` is not one of the account's ({names})",
                "bill it with the credit accounts it was billed with (keep a closed one in credit_accounts)",
                "bad-state",
            )
            for path, name in foreign_accounts(state.parts.get(LEDGER, EMPTY), entries)
        ]
        if gone:
            raise StateError(gone)


def _wrong_credit_value(path: str, want: str, value: object) -> Diagnostic:
    """A credit account's field of the wrong type, with what to give instead."""
    if type(value) is Decimal:  # not finite: NaN or infinite
        return Diagnostic(DataPath(path), f"expected a finite number, got {value!r}", _A_DECIMAL, "not-decimal")
    if want.startswith("a Decimal"):
        hint = (
            f'give Decimal("{value!r}") (a float is not exact)'
            if type(value) is float
            else f'give Decimal("{value}")'
            if type(value) in (str, int)
            else _A_DECIMAL
        )
    else:
        hint = "give a datetime.date, e.g. date(2021, 1, 1)" if want.startswith("a date") else "give a str"
    return Diagnostic(DataPath(path), f"expected {want}, got {described(value)}", hint, _WRONG)


_A_DECIMAL = 'give a number, e.g. Decimal("100.00")'


def refuse_account(tariff: Tariff, account: Account, until: date, state: State | None) -> None:
    """Raise for what about the account itself cannot be billed: an `until` outside the supported dates,
    a saved state that is not this account's or does not add up (all such problems at once), then a date
    before it, then a country the tariff cannot bill, a VAT ID that is not one of the account's country
    (vat_ids.vat_id_problem), a billing day or catalog it cannot bill. Returns when there is nothing to say."""
    if not in_supported_range(until):
        message = f"account {account.id}: billing until {until} is outside the supported dates {SUPPORTED_DATES}"
        hint = SUPPORTED_DATES_HINT.replace("write a date", "bill until a date")
        raise EventError([Diagnostic(DataPath("until"), message, hint, "date-range")])
    if state is not None:
        found = _state_problems(tariff, account, state)
        if found:
            raise StateError(found)
        if until < state.as_of:
            before = f"would go back before the saved state ({state.as_of})"
            message = f"account {account.id}: billing until {until} {before}"
            hint = "bill until a date on or after the state's as_of"
            raise EventError([Diagnostic(DataPath("until"), message, hint, "bad-until")])
    vat = tariff.vat.vat_rates
    if account.country not in vat:
        hint = f"add it to rules/vat.yaml (known: {', '.join(sorted(vat))})"
        message = f"account {account.id}: country `{account.country}` is not in the VAT table"
        raise EventError([Diagnostic(None, message, hint, "unknown-country")])
    problem = vat_id_problem(account.country, account.vat_id) if account.vat_id else None
    if problem is not None:
        message, hint = problem
        raise EventError([Diagnostic(DataPath("account.vat_id"), f"account {account.id}: {message}", hint, BAD_VAT_ID)])
    if account.billing_day is not None and state is not None and state.billing_day not in (None, account.billing_day):
        message = f"account {account.id}: billing_day {account.billing_day}, but its saved state bills on day "
        message += f"{state.billing_day}"
        hint = "an account keeps the billing day it started with: give the state's day, or leave billing_day out"
        raise EventError([Diagnostic(DataPath("account.billing_day"), message, hint, "bad-billing-day")])
    if account.billing_day is not None:
        problem = account_day_problem(tariff, account.billing_day)
        if problem is not None:
            message, hint = problem
            where = DataPath("account.billing_day")
            raise EventError([Diagnostic(where, f"account {account.id}: {message}", hint, "bad-billing-day")])
    if account.catalog != tariff.catalog.catalog:
        message = f"account {account.id} is on catalog `{account.catalog}`, not `{tariff.catalog.catalog}`"
        hint = f"bill it with the tariff of its own catalog: prepare(library, {account.catalog!r})"
        raise EventError([Diagnostic(None, message, hint, "wrong-catalog")])


def account_day_problem(tariff: Tariff, day: int) -> tuple[str, str] | None:
    """Why an account's own billing day cannot be honoured under the tariff's rule set, with a hint."""
    if not 1 <= day <= 31:
        return (
            f"billing_day must be a day of the month from 1 to 31, got {day}",
            "days 29-31 fall on a shorter month's last day or the next 1st, by short_month",
        )
    rules = tariff.rules.billing_day
    if day != 1 and (rules.alignment is Alignment.CALENDAR or rules.anchor is BillingDayAnchor.FIRST_OF_MONTH):
        why = "alignment: calendar" if rules.alignment is Alignment.CALENDAR else "anchor: first_of_month"
        return (
            f"billing_day {day} cannot be honoured: rule set `{tariff.rules.rule_set}` bills on the 1st ({why})",
            "leave billing_day out (or write 1), or bill the account under a rule set with alignment: billing_day",
        )
    return None


def _state_problems(tariff: Tariff, account: Account, state: State) -> list[Diagnostic]:
    """A saved state must be this account's, under this catalog, in its currency, with its billing days
    done adding up (billing_days_add_up)."""
    found = []
    who = state.account
    if who != account.id:
        message = f"the saved state is account {who}'s, not account {account.id}'s"
        hint = "resume each account from its own saved state"
        found.append(Diagnostic(DataPath("state.account"), message, hint, "wrong-account"))
    catalog, currency = tariff.catalog.catalog, tariff.billing.currency
    if state.catalog != catalog:
        message = f"the saved state of account {who} is on catalog `{state.catalog}`, not `{catalog}`"
        hint = f"bill it with the tariff of its own catalog: prepare(library, {state.catalog!r})"
        found.append(Diagnostic(DataPath("state.catalog"), message, hint, "wrong-account"))
    elif state.currency != currency:
        message = f"the saved state of account {who} is in {state.currency}, catalog `{catalog}` bills in {currency}"
        hint = "a catalog cannot change its currency under running accounts: bill them under a catalog of their own"
        found.append(Diagnostic(DataPath("state.currency"), message, hint, "wrong-currency"))
    for i, c in enumerate(state.contracts):  # a product the catalog does not have cannot be renewed or changed
        # (another catalog: said above)
        if c.product not in _catalog_names(tariff, c.kind) and state.catalog == catalog:
            product = f"contract `{c.key}` is for `{c.product}`, not in catalog `{catalog}`"
            message = f"saved state of account {who}: {product}"
            hint = "bill it with the catalog it was billed under (keep retired products in the catalog)"
            found.append(Diagnostic(DataPath(f"state.contracts[{i}].product"), message, hint, "bad-state"))
    if state.catalog == catalog:  # what a feature's part names must be in the catalog too
        for name, key, unknown in tariff.features.part_checks:
            for path, problem in unknown(tariff, _part(tariff, state, name), state.contracts):
                hint = "bill it with the catalog it was billed under (keep retired products in the catalog)"
                at = DataPath(f"state.{key}{path}")
                found.append(Diagnostic(at, f"saved state of account {who}: {problem}", hint, "bad-state"))
    anchor, day, roll = state.billing_anchor, state.billing_day, tariff.roll_short_months
    if (
        anchor is not None
        and day is not None
        and not billing_days_add_up(billing_date(anchor, state.billings_done, day, roll), anchor, day, state, tariff)
    ):
        due = 0  # the billing days on or before as_of, for the message
        while billing_date(anchor, due, day, roll) <= state.as_of:
            due += 1
        last = f"(the last on {billing_date(anchor, due - 1, day, roll)})"  # unused when due is 0
        days = {0: "no billing day falls", 1: f"1 billing day {last} falls"}.get(due, f"{due} billing days {last} fall")
        problem = f"billings_done is {state.billings_done}, but {days} on or before its as_of ({state.as_of})"
        message = f"saved state of account {who}: {problem}"
        found.append(Diagnostic(DataPath("state.billings_done"), message, _CHANGED, "bad-state"))
    return found


def _billed_by(state: State, tariff: Tariff) -> bool:
    """Whether `tariff` billed this state (state.BilledState): then its names are the catalog's."""
    return type(state) is BilledState and state.__dict__.get("billed_by") is tariff


def _catalog_names(tariff: Tariff, kind: ContractKind) -> Mapping[str, object]:
    """What the catalog calls the things a contract of `kind` is for: plans, components or products."""
    return tariff.plans if kind is _PLAN else tariff.components if kind is ContractKind.COMPONENT else tariff.products


def _names_known(tariff: Tariff, state: State) -> bool:
    """Whether every plan and product the state names is in the tariff's catalog (the quick look: one pass
    over the contracts, then each feature's part; _state_problems says which are not). Runs for every
    loaded state a host resumes."""
    plans, components, products = tariff.plans, tariff.components, tariff.products
    contracts = state.contracts
    for c in contracts:
        kind = c.kind
        if c.product not in (plans if kind is _PLAN else components if kind is _COMPONENT else products):
            return False
    parts = state.parts
    for name, _, unknown in tariff.features.part_checks:
        if name in parts and unknown(tariff, parts[name], contracts):
            return False
    return True


def _part(tariff: Tariff, state: State, name: str) -> Any:
    return state.parts.get(name, tariff.features.empty_parts[name])


def billing_days_add_up(next_billing: date, anchor: date, day: int, state: State, tariff: Tariff) -> bool:
    """Whether the state's billing days done are exactly those on or before its as_of, given its billing
    anchor and day (the state's own, once set): the next billing day they imply after as_of, the one
    before it not. One fewer and the next billing day would lie in the past, where the agenda never looks
    again (no invoice ever again); one more and a billing day would be skipped. Billing days are 28 to 31
    days apart (clamped or rolled days included), so when the next one is at most 28 days after as_of
    its predecessor is on or before it."""
    as_of, done, roll = state.as_of, state.billings_done, tariff.roll_short_months
    # next_billing is billing_date(anchor, done, day, roll): the engine has it already (a billing_date
    # call costs about 3 300 instructions on the renewal path)
    if next_billing <= as_of:
        return False
    if done == 0 or (next_billing - as_of).days <= 28:
        return True
    return billing_date(anchor, done - 1, day, roll) <= as_of


def check_order(events: Sequence[Event], state: State | None) -> list[Diagnostic]:
    """Events must be events of the right types (raises at once: they cannot be applied), in date
    order, within the supported dates, after the saved state, each with its own id, also across a resume.
    (An event the agenda never reaches, dated before 1900, was once dropped without a word.) The state's
    as_of is at most `until`, itself in the supported dates (check_arguments)."""
    if not well_typed(events):
        return _order_problems(events, state)
    seen: set[str] = set()
    billed = _NO_IDS if state is None else state.event_ids
    previous = FIRST_DAY if state is None else state.as_of + ONE_DAY
    for event in events:  # the usual timeline passes this quick look; any problem: name them all
        day = event.date
        if day < previous or event.id in seen or event.id in billed:
            return _order_problems(events, state)
        previous = day
        seen.add(event.id)
    if previous > LAST_DAY:  # in order, so only the last can be past the range
        return _order_problems(events, state)
    return []


_NO_IDS: dict[str, date] = {}


def _order_problems(events: Sequence[Event], state: State | None) -> list[Diagnostic]:
    typed = [d for i, event in enumerate(events) for d in type_problems(i, event)]
    if typed:
        raise EventError(typed)
    errors = []
    seen: set[str] = set()
    resumed_after = state.as_of if state is not None else None
    billed = _NO_IDS if state is None else state.event_ids
    previous = date.min
    first: dict[str, Event] = {}
    skip = set(retries(events, state))  # a host's retries: dropped, not refused
    for i, event in enumerate(events):
        day = event.date
        if i in skip:
            continue
        if event.id in seen:
            other = first[event.id]
            if _idempotent(event) and type(other) is type(event):
                message = f"event id `{event.id}` repeats a {event.TYPE} with other values"
                hint = f"a retry repeats the record exactly (the first: {_values(other)}); a new one needs its own id"
                errors.append(event_error(event, Problem(message, hint)))
            else:
                problem = Problem(f"duplicate event id `{event.id}`", "give every event its own id")
                errors.append(event_error(event, problem))
        elif event.id in billed:
            message = f"duplicate event id `{event.id}`: an event before the saved state had it"
            errors.append(event_error(event, Problem(message, "give every event its own id")))
        seen.add(event.id)
        first.setdefault(event.id, event)
        if not in_supported_range(day):
            message = f"{day} is outside the supported dates {SUPPORTED_DATES}"
            errors.append(event_error(event, Problem(message, SUPPORTED_DATES_HINT), "date-range"))
        elif resumed_after is not None and day <= resumed_after:
            message = f"event dated {day} is not after the saved state ({resumed_after})"
            errors.append(event_error(event, Problem(message, "resume only with events after the state's date")))
        elif day < previous:
            message = f"events out of order: {day} comes after {previous}"
            errors.append(event_error(event, Problem(message, "list events by date")))
        else:
            previous = day
    return errors


def _idempotent(event: Event) -> bool:
    """Whether a repeat of this event's id is a retry of it (a usage record), not a mistake."""
    return getattr(type(event), "IDEMPOTENT", False) is True


def _values(event: Event) -> str:
    return ", ".join(f"{a.name}: {getattr(event, a.name)}" for a in attrs.fields(type(event)) if a.name != "src")  # type: ignore[arg-type]


def retries(events: Sequence[Event], state: State | None) -> list[int]:
    """The positions of the events that repeat an idempotent event (a usage record) with the same id and
    values, or whose id an event before the saved state had: a host's retries, dropped without effect.
    (A repeated id with other values is an error: check_order.)"""
    billed = _NO_IDS if state is None else state.event_ids
    first: dict[str, Event] = {}
    found = []
    for i, event in enumerate(events):
        if _idempotent(event) and (event.id in billed or first.get(event.id) == event):
            found.append(i)
        first.setdefault(event.id, event)
    return found


def without_retries(account: str, events: list[Event], state: State | None) -> tuple[list[Event], list[Notice]]:
    """`events` without the retries (`retries`), and a notice for each: it was received before, ignored."""
    if not events:
        return events, []
    ids = [e.id for e in events]  # the usual run: every id new, nothing to drop (a quick look in C)
    if len(set(ids)) == len(ids) and (state is None or state.event_ids.keys().isdisjoint(ids)):
        return events, []
    dropped = retries(events, state)
    if not dropped:
        return events, []
    notices = [
        Notice(events[i].date, account, "retry_ignored", f"{events[i].TYPE} `{events[i].id}` was received before")
        for i in dropped
    ]
    skip = set(dropped)
    return [e for i, e in enumerate(events) if i not in skip], notices


def event_error(event: Event, problem: Problem, code: str = "bad-event") -> Diagnostic:
    message = f"event {event.id} ({type_name(event)} on {event.date}): {problem.message}"
    return Diagnostic(event.src, message, problem.hint, code)

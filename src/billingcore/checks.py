"""What `bill` refuses before it starts: an account it cannot bill (a country without VAT rates, another
catalog, someone else's saved state, a date before the state's) and events out of order, repeated or
not after the saved state. Every problem is a diagnostic with a hint, all of them at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from billingcore.dates import FIRST_DAY, LAST_DAY, ONE_DAY, SUPPORTED_DATES, SUPPORTED_DATES_HINT, in_supported_range
from billingcore.errors import Diagnostic, EventError, StateError
from billingcore.events import Event, type_name
from billingcore.features.base import Problem
from billingcore.state import State
from billingcore.tariff import Account, Tariff


def refuse_account(tariff: Tariff, account: Account, until: date, state: State | None) -> None:
    """Raise for the first thing about the account itself that cannot be billed. `bill` asks for every
    resumed account, for any account whose country or catalog is not the tariff's, and for an `until`
    outside the supported dates."""
    if not in_supported_range(until):
        message = f"account {account.id}: billing until {until} is outside the supported dates {SUPPORTED_DATES}"
        hint = SUPPORTED_DATES_HINT.replace("write a date", "bill until a date")
        raise EventError([Diagnostic(None, message, hint, "date-range")])
    if state is not None:
        if state.account != account.id:
            message = f"the saved state is account {state.account}'s, not account {account.id}'s"
            hint = "resume each account from its own saved state"
            raise StateError([Diagnostic(None, message, hint, "wrong-account")])
        if until < state.as_of:
            before = f"would go back before the saved state ({state.as_of})"
            message = f"account {account.id}: billing until {until} {before}"
            hint = "bill until a date on or after the state's as_of"
            raise EventError([Diagnostic(None, message, hint, "bad-until")])
    vat = tariff.vat.vat_rates
    if account.country not in vat:
        hint = f"add it to rules/vat.yaml (known: {', '.join(sorted(vat))})"
        message = f"account {account.id}: country `{account.country}` is not in the VAT table"
        raise EventError([Diagnostic(None, message, hint, "unknown-country")])
    if account.catalog != tariff.catalog.catalog:
        message = f"account {account.id} is on catalog `{account.catalog}`, not `{tariff.catalog.catalog}`"
        hint = f"bill it with the tariff of its own catalog: prepare(library, {account.catalog!r})"
        raise EventError([Diagnostic(None, message, hint, "wrong-catalog")])


def check_order(events: Sequence[Event], state: State | None) -> list[Diagnostic]:
    """Events must be in date order, within the supported dates, after the saved state, each with its own
    id. (An event the agenda never reaches, dated before 1900, was once dropped without a word.)"""
    if state is not None and state.as_of == date.max:  # nothing can come after it
        return _order_problems(events, state)
    seen: set[str] = set()
    previous = FIRST_DAY if state is None else state.as_of + ONE_DAY
    for event in events:  # the usual timeline passes this quick look; any problem: name them all
        day = event.date
        if day < previous or event.id in seen:
            return _order_problems(events, state)
        previous = day
        seen.add(event.id)
    if previous > LAST_DAY:  # in order, so only the last can be past the range
        return _order_problems(events, state)
    return []


def _order_problems(events: Sequence[Event], state: State | None) -> list[Diagnostic]:
    errors = []
    seen: set[str] = set()
    resumed_after = state.as_of if state is not None else None
    previous = date.min
    for event in events:
        day = event.date
        if event.id in seen:
            problem = Problem(f"duplicate event id `{event.id}`", "give every event its own id")
            errors.append(event_error(event, problem))
        seen.add(event.id)
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


def event_error(event: Event, problem: Problem, code: str = "bad-event") -> Diagnostic:
    message = f"event {event.id} ({type_name(event)} on {event.date}): {problem.message}"
    return Diagnostic(event.src, message, problem.hint, code)



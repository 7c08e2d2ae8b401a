"""Saved states as JSON-ready dicts: `dump_state` to store between bill runs, `load_state` to resume.

Money is written as decimal strings, dates as ISO strings, enums (periods, kinds) as their words, so a
state survives JSON unchanged. Records (contracts, pending charges) are mappings by field name, with
codecs generated from the records' annotations (codegen.record_codec); each feature writes its own part
of the state under its own key with the codec it declares (features.base.Part). `format` names the
layout: a state of another format is refused, never misread.

`load_state` reads exactly what `dump_state` wrote and nothing else: every value has the JSON type it
was written with, every text the form it was written in, amounts no more decimals than the state's
currency has, and the few facts that tie the fields together hold (docs/scenarios.md, "Saved state").
A damaged state raises StateError listing every problem at its JSON path (`state.contracts[2].ended`),
so it never bills. What needs the tariff (the catalog, the billing days done) `bill` checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from billingcore.billing_day import is_anchor
from billingcore.catalog.model import Period
from billingcore.charges import Charge
from billingcore.codegen import (
    DAYS,
    TEXTS,
    Amounts,
    Codec,
    StateValueError,
    amounts,
    json_got,
    record_codec,
    repeats,
)
from billingcore.contracts import Contract
from billingcore.dates import FIRST_DAY, LAST_TERM_DAY, MAX_MONTHS, add_months
from billingcore.engine import State
from billingcore.errors import DataPath, Diagnostic, StateError
from billingcore.features import FEATURES
from billingcore.features.base import Part
from billingcore.money import CURRENCY_EXPONENTS
from billingcore.state import make_state

# 1: billingcore 0.1 before the features restructure (contracts with sites, site_count)
# 2: the features restructure (each feature's part under its own key)
# 3: the state names its catalog and currency and remembers the ids of the events it billed
# 4: trials with a length (the `trials` feature's part, `trial`)
# 5: components and coupons (parts `components`: each booked component and its usage; `coupons`: redemptions)
# 6: customer accounts (part `accounts`: the ledger of prepaid and postpaid accounts, ledger.py)
# 7: `event_ids` maps each remembered id to its event's date (events.remember_ids_days), no longer a list of all;
#    an item says whether it was `removed` (then forgotten with its contract) rather than unpublished
# 8: a contract renewed ahead of its term end (renewal.lead_days) keeps the term it follows (`previous_start`,
#    `previous_billed`, `previous_billed_from`, written only then), so that a change before the new term begins
#    credits both; a format-7 state's contract renewed ahead gets them (_previous_terms)
FORMAT = 8
# The older formats this billingcore still reads, each with the part keys it did not have yet: read as the
# current format with those parts empty (format 3: no trial with a length running).
OLDER: dict[int, tuple[str, ...]] = {
    3: ("trial", "components", "coupons", "accounts"),
    4: ("components", "coupons", "accounts"),
    5: ("accounts",),
    6: (),
    7: (),
}
*_OLDER_ONES, _LAST = sorted({FORMAT, *OLDER})
_READS = f"{', '.join(map(str, _OLDER_ONES))} and {_LAST}"  # "3, 4, 5, 6, 7 and 8"

# A daily contract renews once a day: its terms count up to the supported days (a month period's up to
# MAX_MONTHS, checked with its period: _term_count_problems).
MAX_TERMS = (LAST_TERM_DAY - FIRST_DAY).days + 1
def _previous_term_ok(c: Contract) -> bool:
    """A contract renewed ahead keeps all of the term it follows, which ends where its own term starts (and
    was billed from a day inside it); any other contract, none of it."""
    start, billed, billed_from = c.previous_start, c.previous_billed, c.previous_billed_from
    if start is None:
        return billed is None and billed_from is None
    return billed is not None and billed_from is not None and start <= billed_from < c.term_start


# A contract's `previous_*` (a term charged ahead, renewal.lead_days) are written only while set, all three.
_CONTRACT = record_codec(
    Contract,
    ranges={"anchor_day": (1, 31), "terms": (1, MAX_TERMS)},
    omitted=("previous_start", "previous_billed", "previous_billed_from"),
    valid=_previous_term_ok,
)
# A charge's `discount` (issue 14) is written only when a discount took something off it: a state without
# one reads and writes as format 7 did before, and the states written before it load with no discounts.
_CHARGE = record_codec(Charge, quantities=("quantity",), omitted=("discount",))
_PARTS: tuple[tuple[str, Part], ...] = tuple((f.name, f.part) for f in FEATURES if f.part is not None)
_EMPTY = {part.key: part.dump(part.empty) for _, part in _PARTS}  # each part's value for a new account
_CORE = (
    "format", "account", "catalog", "currency", "as_of", "billing_day", "billing_anchor", "billings_done",
    "event_ids", "contracts", "pending",
)  # fmt: skip
_KEYS = frozenset(_CORE) | {part.key for _, part in _PARTS}
_HINT = 'load only what dump_state wrote (docs/scenarios.md, "Saved state")'


def dump_state(state: State) -> dict[str, Any]:
    anchor = state.billing_anchor
    dump_contract, dump_charge = _CONTRACT.dump, _CHARGE.dump
    data = {
        "format": FORMAT,
        "account": state.account,
        "catalog": state.catalog,
        "currency": state.currency,
        "as_of": TEXTS[state.as_of],
        "billing_day": state.billing_day,
        "billing_anchor": None if anchor is None else TEXTS[anchor],
        "billings_done": state.billings_done,
        "event_ids": {key: TEXTS[day] for key, day in sorted(state.event_ids.items())},  # sorted: the same text
        "contracts": [dump_contract(c) for c in state.contracts],
        "pending": [dump_charge(c) for c in state.pending],
    }
    parts = state.parts
    for name, part in _PARTS:
        data[part.key] = part.dump(parts.get(name, part.empty))
    return data


def load_state(data: dict[str, Any]) -> State:
    """The State `dump_state` wrote (this billingcore's or an older one's, `OLDER`). Anything else raises
    StateError naming every problem at its path."""
    try:
        return _load_state(_current(data))
    except Exception:  # a damaged or foreign state: say where, never a traceback
        raise StateError(_state_problems(data)) from None


def _current(data: Any) -> Any:
    """A state of an older format as this format writes it: the parts it did not have, empty, and its list of
    event ids dated on its own date (remembered from then on), the term each contract renewed ahead follows.
    Anything else (also an older state that has one of those keys already, or whose ids are not a list of
    texts) as it is."""
    fmt = data.get("format") if type(data) is dict else None
    lacked = OLDER.get(fmt) if type(fmt) is int else None
    if lacked is None or any(key in data for key in lacked):
        return data
    if fmt == 7:
        return _previous_terms({**data, "format": FORMAT})
    ids, as_of = data.get("event_ids"), data.get("as_of")
    if type(ids) is not list or any(type(key) is not str for key in ids) or type(as_of) is not str:
        return data
    dated = dict.fromkeys(ids, as_of) if len(set(ids)) == len(ids) else ids
    lacking = {key: _EMPTY[key] for key in lacked}
    return _previous_terms({**_items_current(data), "format": FORMAT, "event_ids": dated, **lacking})


def _previous_terms(data: dict[str, Any]) -> dict[str, Any]:
    """A state written before format 8, whose contracts renewed ahead (renewal.lead_days: a term that starts
    after the state's date) do not say which term they follow: that term added as format 8 keeps it. It is
    the term before by the contract's anchor, billed at the contract's price from its start: under the only
    rules that renew ahead (alignment: subscription, change_term: restart) every term is billed so."""
    contracts, as_of = data.get("contracts"), data.get("as_of")
    if type(contracts) is not list or type(as_of) is not str:
        return data
    return {**data, "contracts": [_with_previous_term(c, as_of) for c in contracts]}


def _with_previous_term(c: Any, as_of: str) -> Any:
    try:
        term_start, terms = c["term_start"], c["terms"]
        if "previous_start" in c or not (type(term_start) is str and term_start > as_of) or not terms >= 2:
            return c  # not renewed ahead (ISO dates compare as texts)
        word, started = c["period"], DAYS[c["started"]]
        period: Period = Period._value2member_map_.get(word) or Period._missing_(word)  # type: ignore[assignment]
        if period.days:
            before = DAYS[term_start] - timedelta(days=period.days)
        else:  # term n starts n - 1 periods after the contract's start, on its anchor day
            before = started if terms == 2 else add_months(started, (terms - 2) * period.months, c["anchor_day"])
        text = TEXTS[before]
        return {**c, "previous_start": text, "previous_billed": c["unit_price"], "previous_billed_from": text}
    except Exception:  # a damaged contract: _state_problems says what is wrong with it
        return c


def _items_current(data: dict[str, Any]) -> dict[str, Any]:
    """An older state's items, each marked not removed (format 7 tells a removed item from an unpublished
    one: items.forget); an older state's removed items are kept as they always were."""
    items = data.get("items")
    if type(items) is not list:
        return data
    return {**data, "items": [{**i, "removed": False} if type(i) is dict and "removed" not in i else i for i in items]}


def _load_state(data: dict[str, Any]) -> State:
    """The fast path: any problem raises, and _state_problems then says what and where."""
    fmt, account, catalog, currency = data["format"], data["account"], data["catalog"], data["currency"]
    if type(fmt) is not int or fmt != FORMAT or len(data) != len(_KEYS) or not data.keys() <= _KEYS:
        raise StateValueError("layout")
    if type(account) is not str or type(catalog) is not str or type(currency) is not str:
        raise StateValueError("names")
    anchor, day, done = data["billing_anchor"], data["billing_day"], data["billings_done"]
    if type(done) is not int or not _billing_day_ok(anchor, day, done):
        raise StateValueError("billing day")
    ids, contract_data, pending_data = data["event_ids"], data["contracts"], data["pending"]
    if type(contract_data) is not list or type(pending_data) is not list:
        raise StateValueError("records")
    if type(ids) is not dict or (ids and set(map(type, ids)) != {str}):
        raise StateValueError("event ids")
    money = amounts(currency)
    load_contract, load_charge = _CONTRACT.load, _CHARGE.load
    contracts = tuple([load_contract(c, money) for c in contract_data])
    if len({c.key for c in contracts}) != len(contracts):
        raise StateValueError("contract keys")
    if any(c.terms * c.period.months > MAX_MONTHS for c in contracts):
        raise StateValueError("term count")
    as_of, anchor = DAYS[data["as_of"]], None if anchor is None else DAYS[anchor]
    pending = tuple([load_charge(c, money) for c in pending_data])
    parts = {name: part.load(data[part.key]) for name, part in _PARTS}
    ids = MappingProxyType({key: DAYS[day] for key, day in ids.items()})
    if ids and max(ids.values()) > as_of:
        raise StateValueError("event dates")
    state: State = make_state(account, as_of, day, anchor, done, contracts, pending, parts, catalog, currency, ids)
    return state


def _billing_day_ok(anchor: Any, day: Any, done: int) -> bool:
    """No billing day yet (nothing done), or its first date and its day of the month agree (the day is
    the anchor's: billing_day.anchored), with a count of billing days done."""
    if anchor is None:
        return day is None and done == 0
    return type(day) is int and is_anchor(DAYS[anchor], day) and 0 <= done <= MAX_MONTHS


# -- the slow path: every problem of a state that failed to load, at its JSON path -------------------


def _state_problems(data: Any) -> list[Diagnostic]:
    if not isinstance(data, dict):
        message = f"a saved state is a mapping, got {json_got(data)}"
        return [Diagnostic(DataPath("state"), message, _HINT, "bad-state")]
    account = data.get("account")
    who = f"saved state of account {account if type(account) is str else '?'}"
    fmt = data.get("format")
    if type(fmt) is not int or (fmt != FORMAT and fmt not in OLDER):
        plain = fmt is None or type(fmt) in (str, bool) or (type(fmt) is int and abs(fmt) < 10**18)
        shown = json.dumps(fmt) if plain else json_got(fmt)  # "format 2", but never a nested value's text
        problem = f"it is in format {shown}; this billingcore reads formats {_READS}"
        hint = "bill the account again from its events with this billingcore: it writes the state it reads"
        return [Diagnostic(DataPath("state.format"), f"{who}: {problem}", hint, "bad-state")]
    if fmt in OLDER:
        data = _items_current(data)
    allowed = _KEYS.difference(OLDER.get(fmt, ()))  # an older format's own keys
    found = [("", f"unknown key {_key(key)}") for key in data if key not in allowed]
    found += [("", f"missing key {_key(key)}") for key in sorted(allowed) if key not in data]
    for key in ("account", "catalog", "currency"):
        if key in data and type(data[key]) is not str:
            found.append((f".{key}", f"expected text, got {json_got(data[key])}"))
    currency = data.get("currency")
    money: Amounts | None = None
    if type(currency) is str:
        if currency in CURRENCY_EXPONENTS:
            money = amounts(currency)
        else:
            known = "an ISO 4217 currency billingcore knows"
            found.append((".currency", f"expected {known}, got {json_got(currency)}"))
    found += _core_problems(data)
    for key, codec in (("contracts", _CONTRACT), ("pending", _CHARGE)):
        if key in data:
            found += _list_problems(key, data[key], codec, money)
    if isinstance(data.get("contracts"), list):
        found += _term_count_problems(data["contracts"])
        found += _previous_term_problems(data["contracts"], money)
        keys = [c.get("key") for c in data["contracts"] if isinstance(c, dict)]
        found += [(f".contracts[{i}].key", f"a second contract with key {_key(k)}") for i, k in repeats(keys)]
    for _, part in _PARTS:
        if part.key in data and part.key in allowed:
            found += _part_problems(part, data[part.key])
    found = found or [("", "the state could not be read")]
    return [Diagnostic(DataPath(f"state{path}"), f"{who}: {problem}", _HINT, "bad-state") for path, problem in found]


def _core_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for key in ("as_of", "billing_anchor"):
        if key in data and not (key == "billing_anchor" and data[key] is None):
            found += _value_problem(f".{key}", DAYS.read, data[key])
    done = data.get("billings_done")
    if "billings_done" in data and (type(done) is not int or not 0 <= done <= MAX_MONTHS):
        found.append((".billings_done", f"expected a whole number from 0 to {MAX_MONTHS}, got {json_got(done)}"))
    day, anchor = data.get("billing_day"), data.get("billing_anchor")
    if "billing_day" in data and day is not None and (type(day) is not int or not 1 <= day <= 31):
        found.append((".billing_day", f"expected a whole number from 1 to 31 or null, got {json_got(day)}"))
    elif not found and (anchor is None) != (day is None):
        both = f"got {json_got(day)} and {json_got(anchor)}"
        found.append((".billing_day", f"billing_day and billing_anchor are both set or both null, {both}"))
    elif not found and anchor is None and done != 0:
        found.append((".billings_done", f"expected 0 while billing_anchor is null, got {done}"))
    elif not found and anchor is not None and type(day) is int and not is_anchor(DAYS[anchor], day):
        found.append((".billing_day", f"expected the day of billing_anchor {anchor}, got {day}"))
    if "event_ids" in data:
        found += _event_id_problems(data["event_ids"], data.get("as_of"), data.get("format") != FORMAT)
    return found


def _event_id_problems(ids: Any, as_of: Any, older: bool) -> list[tuple[str, str]]:
    """An older format's list of ids, or this one's mapping of each id to its event's date (not after
    as_of)."""
    if older and type(ids) is list:
        texts = [
            (f".event_ids[{i}]", f"expected text, got {json_got(x)}") for i, x in enumerate(ids) if type(x) is not str
        ]
        return texts + [(f".event_ids[{i}]", f"the id {_key(x)} a second time") for i, x in repeats(ids)]
    if older or type(ids) is not dict:
        expected = "a list of event ids" if older else "a mapping of event ids to their dates"
        return [(".event_ids", f"expected {expected}, got {json_got(ids)}")]
    found = [(".event_ids", f"expected text keys, got {json_got(k)}") for k in ids if type(k) is not str]
    day = DAYS[as_of] if type(as_of) is str and not _value_problem("", DAYS.read, as_of) else None
    for key, text in ids.items():
        wrong = _value_problem(f".event_ids.{key}", DAYS.read, text)
        if not wrong and day is not None and DAYS[text] > day:
            wrong = [(f".event_ids.{key}", f"an event dated {text} cannot be billed in a state of {as_of}")]
        found += wrong
    return found


def _list_problems(key: str, records: Any, codec: Codec, money: Amounts | None) -> list[tuple[str, str]]:
    if not isinstance(records, list):
        return [(f".{key}", f"expected a list, got {json_got(records)}")]
    found = []
    for i, record in enumerate(records):
        for field, problem in codec.problems(record, money):
            found.append((f".{key}[{i}]{'.' + field if field else ''}", problem))
    return found


def _term_count_problems(contracts: list[Any]) -> list[tuple[str, str]]:
    """A contract of N-month terms has at most MAX_MONTHS / N of them: its next term end is counted from
    its start (a larger count once sent the date past the year 9999)."""
    found = []
    for i, c in enumerate(contracts):
        terms, word = (c.get("terms"), c.get("period")) if isinstance(c, dict) else (None, None)
        made = Period._value2member_map_.get(word) if type(word) is str else None
        months = made.months if isinstance(made, Period) else 0
        if type(terms) is int and months and terms <= MAX_TERMS and terms * months > MAX_MONTHS:  # in range, too many
            most = f"expected at most {MAX_MONTHS // months} terms of {word}, got {terms}"
            found.append((f".contracts[{i}].terms", most))
    return found


def _previous_term_problems(contracts: list[Any], money: Amounts | None) -> list[tuple[str, str]]:
    """A contract whose fields read, but that keeps part of a previous term, or one that does not end where its
    term starts (_previous_term_ok)."""
    found = []
    for i, c in enumerate(contracts):
        if money is None or _CONTRACT.problems(c, money):  # said field by field
            continue
        try:
            _CONTRACT.load(c, money)
        except StateValueError:  # every field reads: the three do not go together
            together = "previous_start, previous_billed and previous_billed_from are written together"
            where = "previous_start <= previous_billed_from < term_start"
            found.append((f".contracts[{i}]", f"{together}, for the term a renewal charged ahead follows ({where})"))
    return found


def _part_problems(part: Part, value: Any) -> list[tuple[str, str]]:
    """A feature's part: its own `problems` where it has them, else what its loader raised."""
    if part.problems is not None:
        return [(f".{part.key}{path}", problem) for path, problem in part.problems(value)]
    return _value_problem(f".{part.key}", part.load, value)


def _value_problem(path: str, read: Callable[[Any], Any], value: Any) -> list[tuple[str, str]]:
    """[(path, what is wrong)] when `read(value)` raises, else []."""
    try:
        read(value)
    except StateValueError as exc:
        return [(path, str(exc))]
    except Exception as exc:  # a part's loader on a value it cannot read: what it said
        return [(path, f"cannot be read ({exc!r})")]
    return []


def _key(key: Any) -> str:
    return json.dumps(key) if isinstance(key, str) else repr(key)

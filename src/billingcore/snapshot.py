"""Saved states as JSON-ready dicts: `dump_state` to store between bill runs, `load_state` to resume.

Money is written as decimal strings, dates as ISO strings and periods as their YAML words, so a state
survives JSON unchanged. Records (contracts, sites, pending charges) are mappings by field name.

A host loads and dumps one state per account per bill run, so the record codecs are generated once
per record type as straight-line code from the NamedTuple's annotations (as cattrs does, without
its per-field hook calls): a new field is picked up by itself, and the resume property test
(tests/properties) checks that every field survives the round trip.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from billingcore.catalog.model import Period
from billingcore.charges import Charge
from billingcore.contracts import Contract, Site
from billingcore.dates import iso
from billingcore.engine import State
from billingcore.errors import Diagnostic, StateError
from billingcore.money import fmt

# How each field type is written and read: expressions around the value `{}`, evaluated in _NAMES.
_SCALARS = {
    str: ("{}", "{}"),
    int: ("{}", "{}"),
    bool: ("{}", "{}"),
    date: ("iso({})", "fromisoformat({})"),
    Decimal: ("fmt({})", "Decimal({})"),
    Period: ("{}.value", "PERIODS[{}]"),
}
_NAMES: dict[str, Any] = {
    "iso": iso,
    "fromisoformat": date.fromisoformat,
    "fmt": fmt,
    "Decimal": Decimal,
    "PERIODS": {p.value: p for p in Period},
    "new": tuple.__new__,
}


def _codec(cls: Any) -> tuple[Callable[[Any], dict[str, Any]], Callable[[dict[str, Any]], Any]]:
    """(dump, load) for one NamedTuple record type, generated from its field annotations."""
    hints = typing.get_type_hints(cls)
    dumped, loaded = [], []
    for i, name in enumerate(cls._fields):
        args = typing.get_args(hints[name])
        optional = type(None) in args
        write, read = _SCALARS[next(a for a in args if a is not type(None)) if optional else hints[name]]
        out, back = write.format(f"r[{i}]"), read.format(f"d[{name!r}]")
        if optional and write != "{}":
            out = f"None if r[{i}] is None else {out}"
            back = f"None if d[{name!r}] is None else {back}"
        dumped.append(f"{name!r}: {out}")
        loaded.append(back)
    code = (
        f"def dump(r):\n    return {{{', '.join(dumped)}}}\n"
        # tuple.__new__ with every field in order: the NamedTuple's own __new__ is a Python frame
        f"def load(d):\n    return new(cls, ({', '.join(loaded)},))\n"
    )
    names = {**_NAMES, "cls": cls}
    exec(code, names)  # generated from the annotations above; no outside input reaches it
    return names["dump"], names["load"]


_dump_contract, _load_contract = _codec(Contract)
_dump_site, _load_site = _codec(Site)
_dump_charge, _load_charge = _codec(Charge)


def dump_state(state: State) -> dict[str, Any]:
    return {
        "account": state.account,
        "as_of": iso(state.as_of),
        "billing_day": state.billing_day,
        "billing_anchor": iso(state.billing_anchor) if state.billing_anchor else None,
        "billings_done": state.billings_done,
        "contracts": [_dump_contract(c) for c in state.contracts],
        "sites": [_dump_site(s) for s in state.sites],
        "pending": [_dump_charge(c) for c in state.pending],
        "site_count": state.site_count,
    }


def load_state(data: dict[str, Any]) -> State:
    """The State `dump_state` wrote. Anything else raises StateError naming each broken part."""
    try:
        return _load_state(data)
    except Exception:  # a damaged or foreign state: say where, never a traceback
        raise StateError(_state_problems(data)) from None


def _load_state(data: dict[str, Any]) -> State:
    anchor = data["billing_anchor"]
    return State(
        data["account"],
        date.fromisoformat(data["as_of"]),
        data["billing_day"],
        date.fromisoformat(anchor) if anchor else None,
        data["billings_done"],
        tuple(_load_contract(c) for c in data["contracts"]),
        tuple(_load_site(s) for s in data["sites"]),
        tuple(_load_charge(c) for c in data["pending"]),
        data["site_count"],
    )


_RECORDS: dict[str, tuple[Any, Callable[[dict[str, Any]], Any]]] = {
    "contracts": (Contract, _load_contract),
    "sites": (Site, _load_site),
    "pending": (Charge, _load_charge),
}
_HINT = "load only what dump_state wrote (docs/scenarios.md, \"Saved state\")"


def _state_problems(data: Any) -> list[Diagnostic]:
    """Every broken part of a state that failed to load (the slow path: only runs on failure)."""
    if not isinstance(data, dict):
        return [Diagnostic(None, f"a saved state is a mapping, got {type(data).__name__}", _HINT, "bad-state")]
    problems = [f"missing key `{key}`" for key in attrs.fields_dict(State) if key not in data]
    for key, optional in (("as_of", False), ("billing_anchor", True)):
        if key not in data or (optional and not data[key]):
            continue
        try:
            date.fromisoformat(data[key])
        except (TypeError, ValueError):
            problems.append(f"{key}: not a date: {data[key]!r}")
    for key, (cls, load) in _RECORDS.items():
        records = data.get(key, [])
        if not isinstance(records, list):
            problems.append(f"{key}: expected a list, got {type(records).__name__}")
            continue
        for i, record in enumerate(records):
            if not isinstance(record, dict):
                problems.append(f"{key}[{i}]: expected a mapping, got {type(record).__name__}")
                continue
            missing = [name for name in cls._fields if name not in record]
            if missing:
                problems.append(f"{key}[{i}]: missing {', '.join(f'`{m}`' for m in missing)}")
                continue
            try:
                load(record)
            except Exception as exc:  # a value of the wrong form: show what the parser said
                problems.append(f"{key}[{i}]: {exc}")
    problems = problems or ["the state could not be read"]  # pragma: no cover - every failure above has a reason
    account = data.get("account", "?")
    return [Diagnostic(None, f"saved state of account {account}: {p}", _HINT, "bad-state") for p in problems]

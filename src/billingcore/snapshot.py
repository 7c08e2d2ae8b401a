"""Saved states as JSON-ready dicts: `dump_state` to store between bill runs, `load_state` to resume.

Money is written as decimal strings, dates as ISO strings, enums (periods, kinds) as their words, so a
state survives JSON unchanged. Records (contracts, pending charges) are mappings by field name, with
codecs generated from the records' annotations (codegen.record_codec); each feature writes its own part
of the state under its own key with the codec it declares (features.base.Part). `format` names the
layout: a state of another format is refused, never misread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from billingcore.charges import Charge
from billingcore.codegen import record_codec
from billingcore.contracts import Contract
from billingcore.dates import iso
from billingcore.engine import State
from billingcore.errors import Diagnostic, StateError
from billingcore.features import FEATURES
from billingcore.features.base import Part

FORMAT = 2  # 1: billingcore 0.1 before the features restructure (contracts with sites, site_count)

_dump_contract, _load_contract = record_codec(Contract)
_dump_charge, _load_charge = record_codec(Charge)
_PARTS: tuple[tuple[str, Part], ...] = tuple((f.name, f.part) for f in FEATURES if f.part is not None)
_CORE = ("format", "account", "as_of", "billing_day", "billing_anchor", "billings_done", "contracts", "pending")


def dump_state(state: State) -> dict[str, Any]:
    data = {
        "format": FORMAT,
        "account": state.account,
        "as_of": iso(state.as_of),
        "billing_day": state.billing_day,
        "billing_anchor": iso(state.billing_anchor) if state.billing_anchor else None,
        "billings_done": state.billings_done,
        "contracts": [_dump_contract(c) for c in state.contracts],
        "pending": [_dump_charge(c) for c in state.pending],
    }
    parts = state.parts
    for name, part in _PARTS:
        data[part.key] = part.dump(parts.get(name, part.empty))
    return data


def load_state(data: dict[str, Any]) -> State:
    """The State `dump_state` wrote. Anything else raises StateError naming each broken part."""
    try:
        if data["format"] != FORMAT:
            raise ValueError("format")
        return _load_state(data)
    except Exception:  # a damaged or foreign state: say where, never a traceback
        raise StateError(_state_problems(data)) from None


def _load_state(data: dict[str, Any]) -> State:
    anchor = data["billing_anchor"]
    return State(
        account=data["account"],
        as_of=date.fromisoformat(data["as_of"]),
        billing_day=data["billing_day"],
        billing_anchor=date.fromisoformat(anchor) if anchor else None,
        billings_done=data["billings_done"],
        contracts=tuple(_load_contract(c) for c in data["contracts"]),
        pending=tuple(_load_charge(c) for c in data["pending"]),
        parts={name: part.load(data[part.key]) for name, part in _PARTS},
    )


_RECORDS: dict[str, tuple[Any, Callable[[dict[str, Any]], Any]]] = {
    "contracts": (Contract, _load_contract),
    "pending": (Charge, _load_charge),
}
_HINT = "load only what dump_state wrote (docs/scenarios.md, \"Saved state\")"


def _state_problems(data: Any) -> list[Diagnostic]:
    """Every broken part of a state that failed to load (the slow path: only runs on failure)."""
    if not isinstance(data, dict):
        return [Diagnostic(None, f"a saved state is a mapping, got {type(data).__name__}", _HINT, "bad-state")]
    if "format" in data and data["format"] != FORMAT:
        problem = f"it is in format {data['format']!r}; this billingcore reads format {FORMAT}"
        return [Diagnostic(None, f"saved state of account {data.get('account', '?')}: {problem}", _HINT, "bad-state")]
    problems = [f"missing key `{key}`" for key in (*_CORE, *(p.key for _, p in _PARTS)) if key not in data]
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
    for _, part in _PARTS:
        if part.key not in data:
            continue
        value = data[part.key]
        if isinstance(value, list) and not all(isinstance(r, dict) for r in value):
            i, record = next((i, r) for i, r in enumerate(value) if not isinstance(r, dict))
            problems.append(f"{part.key}[{i}]: expected a mapping, got {type(record).__name__}")
            continue
        try:
            part.load(value)
        except Exception as exc:  # a value of the wrong form: show what the parser said
            problems.append(f"{part.key}: {exc!r}")
    problems = problems or ["the state could not be read"]
    account = data.get("account", "?")
    return [Diagnostic(None, f"saved state of account {account}: {p}", _HINT, "bad-state") for p in problems]

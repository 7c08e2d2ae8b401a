"""Structure an account and its dated events from plain data (YAML, JSON or Python dicts).

Pure: takes data already read (with locations when it came from a file via the strict YAML reader)
and returns typed events or located diagnostics. Each event is a mapping with `type` naming it:

    - {id: e3, date: 2020-01-10, type: buy_plan, plan: team, period: annual}
"""

from __future__ import annotations

import difflib
from typing import Any

import attrs

from billingcore.catalog.structure import diagnostics_from, make_converter
from billingcore.catalog.yamlsource import SourceList, SourceMap
from billingcore.errors import Diagnostic, Location
from billingcore.events import EVENT_TYPES, Event

_CONVERTER = make_converter(lambda obj, mapping: None)


def _field_hooks(cls: type[Any]) -> tuple[tuple[str, Any, Any, bool], ...]:
    """(name, the converter's structure hook, field type, required) for each field read from data."""
    attrs.resolve_types(cls)
    return tuple(
        (a.name, _CONVERTER.get_structure_hook(a.type), a.type, a.default is attrs.NOTHING)
        for a in attrs.fields(cls)
        if not a.metadata.get("src")
    )


_FIELDS = {cls: _field_hooks(cls) for cls in EVENT_TYPES.values()}


def _fast_structure(kind: type[Any], item: dict[str, Any]) -> Any:
    """Structure a well-formed event with the same strict hooks cattrs uses, minus its bookkeeping.
    Any problem raises, and the caller redoes the event through cattrs for located diagnostics."""
    kwargs = {}
    for name, hook, tp, required in _FIELDS[kind]:
        if name in item:
            kwargs[name] = hook(item[name], tp)
        elif required:
            raise KeyError(name)
    if len(kwargs) != len(item) - 1:  # every key but `type` must be a field
        raise KeyError("extra key")
    return kind(**kwargs)


@attrs.frozen
class AccountData:
    """An account as written in a scenario or sent by a host application."""

    id: str
    country: str
    vat_id: str | None = None


def structure_account(data: Any, root: Location) -> tuple[AccountData | None, list[Diagnostic]]:
    try:
        return _CONVERTER.structure(data, AccountData), []
    except Exception as exc:  # cattrs errors become located diagnostics
        return None, diagnostics_from(exc, data, root)


def structure_events(data: Any, root: Location) -> tuple[list[Event], list[Diagnostic]]:
    """Events in file order; every problem in every event is reported."""
    if not isinstance(data, list):
        return [], [
            Diagnostic(
                root, "events must be a list of mappings", "write one `- {id: ..., date: ...}` per event", "wrong-type"
            )
        ]
    events: list[Event] = []
    diagnostics: list[Diagnostic] = []
    for i, item in enumerate(data):
        loc = data.item_locs[i] if isinstance(data, SourceList) else root
        if not isinstance(item, dict) or "type" not in item:
            diagnostics.append(
                Diagnostic(loc, "an event needs a `type`", f"one of: {', '.join(EVENT_TYPES)}", "missing-key")
            )
            continue
        kind = EVENT_TYPES.get(item["type"])
        if kind is None:
            close = difflib.get_close_matches(str(item["type"]), EVENT_TYPES, n=1)
            where = item.value_locs["type"] if isinstance(item, SourceMap) else loc
            diagnostics.append(
                Diagnostic(
                    where,
                    f"unknown event type `{item['type']}`",
                    f"did you mean `{close[0]}`?" if close else f"one of: {', '.join(EVENT_TYPES)}",
                    "unknown-event",
                )
            )
            continue
        if not isinstance(item, SourceMap):
            try:
                events.append(_fast_structure(kind, item))
                continue
            except Exception:  # malformed: cattrs below reports exactly what is wrong
                pass
        body = _without_type(item)
        try:
            event = _CONVERTER.structure(body, kind)
        except Exception as exc:  # cattrs errors become located diagnostics
            diagnostics.extend(diagnostics_from(exc, body, loc))
            continue
        events.append(event)  # the converter already set `src` from the mapping's location
    return events, diagnostics


def _without_type(item: dict[str, Any]) -> dict[str, Any]:
    if isinstance(item, SourceMap):
        body = SourceMap({k: v for k, v in item.items() if k != "type"})
        body.loc, body.key_locs, body.value_locs = item.loc, item.key_locs, item.value_locs
        return body
    return {k: v for k, v in item.items() if k != "type"}

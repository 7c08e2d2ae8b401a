"""Events built in Python have the types their classes declare: `well_typed(events)` says so in one
quick look, `type_problems(index, event)` says what is wrong (a period given as the text "annual", a
date as a datetime, a float, NaN or Infinity quantity) before anything is billed.

Events structured from dicts or files (timeline.py) already have these types; a host building events in
Python gets the same guarantee from `bill`, which asks here first. The checks are generated from each
event class's own field annotations (str, int, bool, date, an enum, a Quantity, optional or not), so
the event classes of a feature written outside the package are checked the same way.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import attrs

from billingcore.catalog.fields import Quantity
from billingcore.codegen import compile_code
from billingcore.errors import DataPath, Diagnostic
from billingcore.features import EVENT_TYPES

Check = Callable[[Any], bool]


def field_types(cls: type) -> list[tuple[str, Any, bool]]:
    """(name, type, optional) of each field of an event class, `src` left out."""
    attrs.resolve_types(cls)
    out = []
    for a in attrs.fields(cls):
        if a.metadata.get("src"):
            continue
        args = typing.get_args(a.type)
        optional = type(None) in args
        out.append((a.name, next(t for t in args if t is not type(None)) if optional else a.type, optional))
    return out


def _test(cls: type, names: dict[str, Any], prefix: str) -> str:
    """One boolean expression over the event `e`: every field of a type it knows has that exact type
    (a datetime is not a date, a str is not a Period, a bool is not an int)."""
    tests = []
    for i, (name, tp, optional) in enumerate(field_types(cls)):
        value = f"e.{name}"
        if tp is Quantity:  # a whole number or a finite Decimal (a float is not exact)
            test = f"(type({value}) is int or (type({value}) is Decimal and {value}.is_finite()))"
        elif isinstance(tp, type) and (tp in (str, date, int, bool) or issubclass(tp, Enum)):
            names[f"{prefix}_{i}"] = tp
            test = f"type({value}) is {prefix}_{i}"
        else:
            continue  # a type these checks do not know: the feature's handler answers for it
        tests.append(f"({value} is None or {test})" if optional else test)
    return " and ".join(tests) or "True"


class _Checks(dict[type, Check | None]):
    """Event class -> its generated `check(event) -> bool` (None: not an event class), built on first
    sight: a tariff's features may bring event classes of their own."""

    def __missing__(self, cls: type) -> Check | None:
        check = None
        if attrs.has(cls) and isinstance(getattr(cls, "TYPE", None), str):
            names: dict[str, Any] = {"Decimal": Decimal}
            source = f"def check(e):\n    return {_test(cls, names, 'T')}\n"
            check = compile_code(f"{cls.__name__} check", source, names)["check"]
        self[cls] = check
        return check


CHECKS = _Checks()


def _well_typed_source(classes: Sequence[type], names: dict[str, Any]) -> str:
    """well_typed(events): the checks of billingcore's own event classes inline, one after the other
    (one frame per account, not one per event: this runs for every event of every bill run), and the
    generated check of any other class."""
    lines = ["def well_typed(events):", "    for e in events:", "        t = type(e)"]
    for k, cls in enumerate(classes):
        names[f"C{k}"] = cls
        lines += [f"        {'elif' if k else 'if'} t is C{k}:", f"            if not ({_test(cls, names, f'T{k}')}):"]
        lines.append("                return False")
    lines += ["        else:", "            check = CHECKS[t]", "            if check is None or not check(e):"]
    lines += ["                return False", "    return True", ""]
    return "\n".join(lines)


_NAMES: dict[str, Any] = {"Decimal": Decimal, "CHECKS": CHECKS}
well_typed: Callable[[Sequence[Any]], bool] = compile_code(
    "well_typed", _well_typed_source(list(EVENT_TYPES.values()), _NAMES), _NAMES
)["well_typed"]


def type_problems(index: int, event: Any) -> list[Diagnostic]:
    """What is wrong with the types of event number `index` of a list (0-based, as its path says)."""
    cls = type(event)
    check = CHECKS[cls]
    if check is None:
        message = f"expected an event, got {described(event)}"
        hint = "build events with the classes of billingcore.events, or from dicts with timeline.structure_events"
        return [Diagnostic(DataPath(f"events[{index}]"), message, hint, "wrong-type")]
    if check(event):
        return []
    name = event.id if type(event.id) is str else f"#{index}"
    found = []
    for field, tp, optional in field_types(cls):
        value = getattr(event, field)
        wrong = None if optional and value is None else _wrong(tp, value)
        if wrong is not None:
            message, hint, code = wrong
            where = DataPath(f"events[{index}].{field}")
            found.append(Diagnostic(where, f"event {name} ({event.TYPE}): {field}: {message}", hint, code))
    return found


def _wrong(tp: Any, value: Any) -> tuple[str, str, str] | None:
    """(message, hint, code) when `value` is not of type `tp`, else None."""
    if tp is Quantity:
        if type(value) is int or (type(value) is Decimal and value.is_finite()):
            return None
        if type(value) is Decimal:
            message = f"expected a finite number, got Decimal({str(value)!r})"
            return message, 'give a number, e.g. Decimal("2")', "not-decimal"
        exact = " (a float is not exact)" if isinstance(value, float) else ""
        return f"expected an int or a Decimal, got {described(value)}", f'give Decimal("1.5") or 2{exact}', "wrong-type"
    if type(value) is tp or not isinstance(tp, type):
        return None
    if issubclass(tp, Enum):
        member = next((m for m in tp if isinstance(value, str) and m.value == value), None)
        choices = ", ".join(f"{tp.__name__}.{m.name}" for m in tp)
        hint = f"give {tp.__name__}.{member.name}" if member is not None else f"give one of {choices}"
        return f"expected a {tp.__name__}, got {described(value)}", hint, "wrong-type"
    if tp is date:
        hint = "give a datetime.date, e.g. date(2020, 1, 10)"
        if isinstance(value, datetime):
            hint = "give its day: .date()"
        return f"expected a date, got {described(value)}", hint, "wrong-type"
    words = {str: "text (a str)", int: "a whole number (an int)", bool: "True or False"}
    return f"expected {words.get(tp, tp.__name__)}, got {described(value)}", f"give a {tp.__name__}", "wrong-type"


def described(value: Any) -> str:
    """A Python value as a message shows it: the str 'annual', the float 1.5, a dict."""
    if isinstance(value, (str, int, float, Decimal, date)):
        return f"the {type(value).__name__} {value!r}"
    return f"a {type(value).__name__}"

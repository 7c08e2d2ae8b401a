"""Generated code, in one place: straight-line functions built from our own record definitions where a
bill run crosses a boundary per account (event dicts in, saved states in and out). Only our own field
names and types reach the generated text, never input data. Each source is registered in `linecache`,
so a traceback through generated code shows its lines like any other file's."""

from __future__ import annotations

import linecache
import string
import typing
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from billingcore.dates import iso
from billingcore.money import fmt


def compile_code(name: str, source: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """Run `source` in `namespace` as the file `<billingcore: name>` and return the namespace."""
    filename = f"<billingcore: {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), namespace)  # our own generated text (see above)
    return namespace


# How each field type of a saved-state record is written and read: expressions around the value `{}`.
_SCALARS: dict[Any, tuple[str, str]] = {
    str: ("{}", "{}"),
    int: ("{}", "{}"),
    bool: ("{}", "{}"),
    date: ("iso({})", "fromisoformat({})"),
    Decimal: ("fmt({})", "Decimal({})"),
}
_NAMES: dict[str, Any] = {"iso": iso, "fromisoformat": date.fromisoformat, "fmt": fmt, "Decimal": Decimal}


def record_codec(cls: Any) -> tuple[Callable[[Any], dict[str, Any]], Callable[[dict[str, Any]], Any]]:
    """(dump, load) for a NamedTuple record: a mapping by field name, money as decimal strings, dates
    as ISO strings, enums as their values. Generated once per record type from its annotations, so a
    new field is picked up by itself."""
    hints = typing.get_type_hints(cls)
    names = {**_NAMES, "cls": cls, "new": tuple.__new__}
    dumped, loaded = [], []
    for i, name in enumerate(cls._fields):
        args = typing.get_args(hints[name])
        optional = type(None) in args
        tp = next(a for a in args if a is not type(None)) if optional else hints[name]
        if isinstance(tp, type) and issubclass(tp, Enum):  # by value; an unknown value is a KeyError
            names[f"E{i}"] = {m.value: m for m in tp}
            write, read = "{}.value", f"E{i}[{{}}]"
        else:
            write, read = _SCALARS[tp]
        out, back = write.format(f"r[{i}]"), read.format(f"d[{name!r}]")
        if optional and write != "{}":
            out = f"None if r[{i}] is None else {out}"
            back = f"None if d[{name!r}] is None else {back}"
        dumped.append(f"{name!r}: {out}")
        loaded.append(back)
    source = (
        f"def dump(r):\n    return {{{', '.join(dumped)}}}\n"
        # tuple.__new__ with every field in order: the NamedTuple's own __new__ is a Python frame
        f"def load(d):\n    return new(cls, ({', '.join(loaded)},))\n"
    )
    compile_code(f"{cls.__name__} codec", source, names)
    return names["dump"], names["load"]


def maker(cls: Any, *names: str, **fixed: Any) -> Callable[..., Any]:
    """make(v1, v2, ...): a `cls` record with the fields `names` set to the values, in the order named
    here, and every other field to its value in `fixed`.

    For hot records (a contract per purchase and renewal, a charge per term). Keywords would say which
    value goes where too, but cost an 18-field NamedTuple 4x the build; positional construction would
    silently swap two dates the day someone reorders the record's fields. This is generated from the
    field names, so the record's field order does not matter, and it builds a bare tuple."""
    missing = [f for f in cls._fields if f not in names and f not in fixed]
    unknown = [n for n in (*names, *fixed) if n not in cls._fields]
    if missing or unknown or len(set(names)) != len(names):
        raise TypeError(f"{cls.__name__} maker: missing {missing}, unknown {unknown}, names {names}")
    args = ", ".join(f"v{i}" for i in range(len(names)))
    fields = ", ".join(f"v{names.index(f)}" if f in names else f"F_{f}" for f in cls._fields)
    namespace = {"new": tuple.__new__, "cls": cls, **{f"F_{k}": v for k, v in fixed.items()}}
    source = f"def make({args}):\n    return new(cls, ({fields},))\n"
    return compile_code(f"{cls.__name__} maker({', '.join(names)})", source, namespace)["make"]  # type: ignore[no-any-return]


def replacer(cls: Any, *names: str) -> Callable[..., Any]:
    """replace(record, v1, v2, ...): `record` with the fields `names` set to the values, in the order
    named here; like NamedTuple._replace, generated from the field names, and 4x faster."""
    unknown = [n for n in names if n not in cls._fields]
    if unknown or len(set(names)) != len(names):
        raise TypeError(f"{cls.__name__} replacer: unknown {unknown}, names {names}")
    args = ", ".join(f"v{i}" for i in range(len(names)))
    fields = ", ".join(f"v{names.index(f)}" if f in names else f"r[{i}]" for i, f in enumerate(cls._fields))
    source = f"def replace(r, {args}):\n    return new(cls, ({fields},))\n"
    namespace = {"new": tuple.__new__, "cls": cls}
    return compile_code(f"{cls.__name__} replacer({', '.join(names)})", source, namespace)["replace"]  # type: ignore[no-any-return]


def template(name: str, text: str, fields: tuple[str, ...]) -> Callable[..., str]:
    """fill(*values): `text` with each {field} replaced by the value in that position of `fields`.

    For the catalog's labels, filled for every purchase and included line: str.format parses its
    template on every call, this parses it once. The template is the catalog's own text, so it never
    reaches the generated source: its literal parts are passed in as constants P0, P1 ..., and the
    source only concatenates them with the arguments."""
    parts, namespace = [], {}
    for i, (literal, field_name, _, _) in enumerate(string.Formatter().parse(text)):
        if literal:
            namespace[f"P{i}"] = literal
            parts.append(f"P{i}")
        if field_name is not None:
            parts.append(f"a{fields.index(field_name)}")
    args = ", ".join(f"a{i}" for i in range(len(fields)))
    source = f"def fill({args}):\n    return {' + '.join(parts) or repr('')}\n"
    return compile_code(f"label {name}", source, namespace)["fill"]  # type: ignore[no-any-return]

"""Legal document numbers: a host binds the core's stable document numbers to its own gapless sequence.

The core numbers each document by what it is (`acme-20200210-monthly`, `acme-credit-e7`): stable across
re-runs, unique within the account, but not the consecutive numbers that tax law asks of invoices (German
UStG § 14 (4) no. 4: "eine fortlaufende Nummer ..., die zur Identifizierung der Rechnung vom
Rechnungsaussteller einmalig vergeben wird"). `bind_numbers` gives each document a `legal_number` from a
host's series, in document order (date, then core number), and returns the series to store for the next
run. Pure: the series is a value, nothing is read or written.

    series = LegalSeries("INV-{year}-{seq:06d}", next_numbers={("", ""): 1234})
    docs, series = bind_numbers(documents, series)   # docs[i]["legal_number"] == "INV-2021-001234" ...

A series numbers one sequence for the organisation (scope organization), or one per customer account
(scope customer: Lago's per_customer numbering); it may start again each year or month (reset). A
document bound before keeps its number: the series remembers what it bound (`bound`), and a document that
already carries a `legal_number` keeps it, so a host that re-runs a day burns no number. Gapless: each
number of a sequence is given once, in order, and only to a document.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any

import attrs

from billingcore.errors import DataPath, Diagnostic, NumberingError


class Scope(StrEnum):
    ORGANIZATION = "organization"  # one sequence for every customer (Lago: per_organization)
    CUSTOMER = "customer"  # a sequence of its own for each customer account (Lago: per_customer)


class Reset(StrEnum):
    NEVER = "never"  # one sequence for ever
    YEARLY = "yearly"  # a new sequence each calendar year of the document date (INV-2021-000001 ...)
    MONTHLY = "monthly"  # a new sequence each month


PLACEHOLDERS = ("seq", "year", "month", "account")  # what a pattern may name; {seq} it must


def _word(enum: Any, value: Any) -> Any:
    """An enum's member for its word ("customer"), so a host may write either; anything else as it is (for
    series_problems to report)."""
    return enum._value2member_map_.get(value, value) if type(value) is str else value


def _scope(value: Any) -> Scope:
    return _word(Scope, value)  # type: ignore[no-any-return]


def _reset(value: Any) -> Reset:
    return _word(Reset, value)  # type: ignore[no-any-return]


@attrs.frozen
class LegalSeries:
    """A host's numbering: its pattern, scope and reset, the next number of each sequence, and the
    documents bound so far. Store it between runs (`series_json`, `load_series`)."""

    pattern: str  # e.g. "INV-{year}-{seq:06d}": {seq} the number in its sequence, {year}, {month}, {account}
    scope: Scope = attrs.field(default=Scope.ORGANIZATION, converter=_scope)  # or its word: "customer"
    reset: Reset = attrs.field(default=Reset.NEVER, converter=_reset)  # or "yearly", "monthly"
    # The next number of each sequence, by (account or "" for the organisation, period or ""): "2021" when
    # reset yearly, "2021-03" monthly. A sequence not listed starts at `first`.
    next_numbers: Mapping[tuple[str, str], int] = attrs.field(factory=dict)
    first: int = 1
    bound: Mapping[tuple[str, str], str] = attrs.field(factory=dict)  # (account, core number) -> legal number

    def __attrs_post_init__(self) -> None:
        problems = series_problems(self)
        if problems:
            raise NumberingError(problems)


def series_problems(series: LegalSeries) -> list[Diagnostic]:
    """What makes `series` unusable, each at its field."""
    found = []

    def bad(field: str, message: str, hint: str) -> None:
        found.append(Diagnostic(DataPath(f"series.{field}"), message, hint, "bad-series"))

    if type(series.pattern) is not str:
        bad("pattern", f"expected text, got {type(series.pattern).__name__}", 'e.g. "INV-{year}-{seq:06d}"')
    else:
        problem = _pattern_problem(series.pattern) or _sequences_problem(series)
        if problem:
            bad(
                "pattern",
                problem,
                'name {seq} once, and only {year}, {month}, {account} beside it: "INV-{year}-{seq:06d}"',
            )
    if not isinstance(series.scope, Scope):
        bad("scope", f"expected organization or customer, got {series.scope!r}", 'scope="customer": one per account')
    if not isinstance(series.reset, Reset):
        bad("reset", f"expected never, yearly or monthly, got {series.reset!r}", 'reset="yearly": a sequence a year')
    if type(series.first) is not int or series.first < 0:
        bad("first", f"expected a whole number of at least 0, got {series.first!r}", "1, or where the sequence starts")
    if not isinstance(series.next_numbers, Mapping):
        bad("next_numbers", f"expected a mapping, got {type(series.next_numbers).__name__}", "{(account, period): n}")
    else:
        for key, number in series.next_numbers.items():
            if type(number) is not int or number < 0:
                bad(
                    f"next_numbers[{key!r}]",
                    f"expected a whole number of at least 0, got {number!r}",
                    "the next number to give",
                )
            problem = _counter_problem(series, key)
            if problem:
                bad(f"next_numbers[{key!r}]", problem, _COUNTER_HINT)
    bound = series.bound
    if not isinstance(bound, Mapping) or not all(
        _pair(key) and type(legal) is str for key, legal in bound.items()
    ):
        bad("bound", "expected a mapping of (account, core number) to a legal number", "leave it to bind_numbers")
    return found


_COUNTER_HINT = (
    '(account, period): the account "" unless scope is customer; the period "" (reset never), "2021" (yearly) '
    'or "2021-03" (monthly)'
)
_PERIODS = {"never": re.compile(r""), "yearly": re.compile(r"[0-9]{4}"), "monthly": re.compile(r"[0-9]{4}-[0-9]{2}")}


def _pair(key: Any) -> bool:
    return type(key) is tuple and len(key) == 2 and all(type(k) is str for k in key)


def _counter_problem(series: LegalSeries, key: Any) -> str | None:
    """A sequence's key that bind_numbers would never use (so the number given for it would be ignored)."""
    if not _pair(key):
        return f"expected a key (account, period), got {key!r}"
    if not isinstance(series.scope, Scope) or not isinstance(series.reset, Reset):
        return None  # reported at scope or reset
    account, period = key
    if (account != "") is not (series.scope is Scope.CUSTOMER):
        return f"the account {account!r} does not fit scope {series.scope.value}"
    if not _PERIODS[series.reset.value].fullmatch(period):
        return f"the period {period!r} does not fit reset {series.reset.value}"
    return None


def _sequences_problem(series: LegalSeries) -> str | None:
    """Sequences that start again, or one per customer, must differ in their numbers: a yearly one names the
    year, a monthly one the year and month, a customer's the account; else one number is given twice."""
    if not isinstance(series.scope, Scope) or not isinstance(series.reset, Reset):
        return None  # reported at scope or reset
    names = {name for _, name, _, _ in string.Formatter().parse(series.pattern) if name}
    need = {"never": [], "yearly": ["year"], "monthly": ["year", "month"]}[series.reset.value]
    need += ["account"] if series.scope is Scope.CUSTOMER else []
    missing = [f"{{{name}}}" for name in need if name not in names]
    if missing:
        why = f"scope {series.scope.value}, reset {series.reset.value}"
        return f"`{series.pattern}` must name {' and '.join(missing)} ({why}): else one number is given twice"
    return None


def _pattern_problem(pattern: str) -> str | None:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:  # an unpaired brace
        return f"`{pattern}` is not a pattern: {exc}"
    unknown = [name for name in fields if name not in PLACEHOLDERS]
    if unknown:
        return f"`{pattern}` names {{{unknown[0]}}}, which is none of {', '.join(PLACEHOLDERS)}"
    if fields.count("seq") != 1:
        return f"`{pattern}` must name {{seq}} once, the number in the sequence"
    try:
        pattern.format(seq=1, year=2021, month=1, account="a")
    except (ValueError, TypeError) as exc:  # a format spec its value cannot take: {year:s}, {account:d}
        return f"`{pattern}` cannot be filled: {exc}"
    return None


def bind_numbers(
    documents: Sequence[Mapping[str, Any]], series: LegalSeries, types: Iterable[str] = ("invoice", "credit_note")
) -> tuple[list[dict[str, Any]], LegalSeries]:
    """`documents` (document_json dicts, of one account or many) each with a `legal_number` from `series`,
    in the order given, and the series to use next. Numbers are given in document order: by date, then by
    the core's number; a document already bound (in `series.bound`, or carrying a `legal_number`) keeps its
    number and takes none. Documents of other `types` are returned without one. The input is not changed."""
    if not isinstance(series, LegalSeries):
        raise NumberingError([Diagnostic(DataPath("series"), f"expected a LegalSeries, got {type(series).__name__}",
                                         "load a stored one with load_series", "bad-series")])  # fmt: skip
    if isinstance(types, str):
        raise NumberingError([Diagnostic(DataPath("types"), f"expected a list of document types, got {types!r}",
                                         'e.g. ("invoice",)', "bad-document")])  # fmt: skip
    wanted = frozenset(types)
    _check_documents(documents)
    next_numbers = dict(series.next_numbers)
    bound = dict(series.bound)
    legal: dict[tuple[str, str], str] = {}
    for doc in sorted(documents, key=lambda d: (d["date"], d["number"], d["account"])):
        key = (doc["account"], doc["number"])
        if doc["type"] not in wanted or key in legal:
            continue
        known = doc.get("legal_number") or bound.get(key)
        if known is not None:
            legal[key] = bound[key] = known
            continue
        year, month = int(doc["date"][:4]), int(doc["date"][5:7])
        period = (
            "" if series.reset is Reset.NEVER else f"{year}" if series.reset is Reset.YEARLY else f"{year}-{month:02d}"
        )
        counter = (doc["account"] if series.scope is Scope.CUSTOMER else "", period)
        seq = next_numbers.get(counter, series.first)
        next_numbers[counter] = seq + 1
        legal[key] = bound[key] = series.pattern.format(seq=seq, year=year, month=month, account=doc["account"])
    out = [
        {**doc, "legal_number": legal[(doc["account"], doc["number"])]} if (doc["account"], doc["number"]) in legal
        else dict(doc)
        for doc in documents
    ]  # fmt: skip
    return out, attrs.evolve(series, next_numbers=next_numbers, bound=bound)


def _check_documents(documents: Sequence[Mapping[str, Any]]) -> None:
    if not isinstance(documents, (list, tuple)):
        message = f"expected a list of documents, got {type(documents).__name__}"
        raise NumberingError([Diagnostic(DataPath("documents"), message, _JSON, "bad-document")])
    found = []
    for i, doc in enumerate(documents):
        if not isinstance(doc, Mapping):
            found.append(Diagnostic(DataPath(f"documents[{i}]"), "expected a document mapping", _JSON, "bad-document"))
            continue
        for key in ("type", "account", "number", "date"):
            if type(doc.get(key)) is not str:
                message = f"expected text at `{key}`, got {doc.get(key)!r}"
                found.append(Diagnostic(DataPath(f"documents[{i}].{key}"), message, _JSON, "bad-document"))
        day = doc.get("date")
        if type(day) is str and not _is_day(day):
            found.append(
                Diagnostic(DataPath(f"documents[{i}].date"), f"expected YYYY-MM-DD, got {day!r}", _JSON, "bad-document")
            )
    if found:
        raise NumberingError(found)


_JSON = "give the documents as document_json writes them"


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _is_day(text: str) -> bool:
    """A calendar date written YYYY-MM-DD (2021-02-30 is none, nor the week date 2021-W01-1)."""
    if not _DAY.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def series_json(series: LegalSeries) -> dict[str, Any]:
    """`series` as JSON-ready data, for the host to store; `load_series` reads it back."""
    return {
        "pattern": series.pattern,
        "scope": series.scope.value,
        "reset": series.reset.value,
        "first": series.first,
        "next_numbers": [[account, period, n] for (account, period), n in sorted(series.next_numbers.items())],
        "bound": [[account, number, legal] for (account, number), legal in sorted(series.bound.items())],
    }


def load_series(data: Mapping[str, Any]) -> LegalSeries:
    """The series `series_json` wrote; anything else raises NumberingError saying what is wrong."""
    try:
        keys = set(data)
        if keys != _SERIES_KEYS:
            raise ValueError(f"expected the keys {sorted(_SERIES_KEYS)}, got {sorted(map(str, keys))}")
        counters, bound = data["next_numbers"], data["bound"]
        if not all(type(c) is list and len(c) == 3 and _texts(c[:2]) and type(c[2]) is int for c in counters):
            raise ValueError("next_numbers: expected [account, period, next number] lists")
        if not all(type(b) is list and len(b) == 3 and _texts(b) for b in bound):
            raise ValueError("bound: expected [account, core number, legal number] lists of text")
        return LegalSeries(
            data["pattern"],
            Scope(data["scope"]),
            Reset(data["reset"]),
            {(a, p): n for a, p, n in counters},
            data["first"],
            {(a, n): legal for a, n, legal in bound},
        )
    except NumberingError:
        raise
    except Exception as exc:  # a key missing or unknown, a word it does not know, a list of the wrong form
        message = f"not a series series_json wrote: {exc}"
        raise NumberingError(
            [Diagnostic(DataPath("series"), message, "store what series_json returns", "bad-series")]
        ) from None


_SERIES_KEYS = frozenset({"pattern", "scope", "reset", "first", "next_numbers", "bound"})


def _texts(values: list[Any]) -> bool:
    return all(type(v) is str for v in values)

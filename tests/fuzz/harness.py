"""The fuzzer's targets, mutations and tally (issue 9; docs/testing.md "Fuzzing").

Three ways in that take what a product manager, QA or a host application sends:

- `loader`: the shipped plans/ and rules/ with one file mutated as bytes (flips, deletions,
  duplications, control characters, deep nesting, huge numbers, odd dates, YAML oddities), read and
  loaded as `billingcore check` does; a catalog that loads is also prepared and billed for a short
  timeline, so that what `check` lets through is seen to bill.
- `events`: the event lists of the golden scenarios as a host sends them (plain dicts, dates as
  strings), mutated field by field, through `structure_events` and, when they structure, `bill`.
- `scenario`: the golden scenario files mutated as bytes like the plans, through `billingcore test`'s
  path (load, bill, compare): a located error, a pass or a mismatch of the expectations.
- `state`: saved states of the golden scenarios (`dump_state`, through JSON) mutated value by value,
  through `load_state` and, when one loads, `bill` resuming from it.

Each input ends in one of three ways: a valid result ("ok"), the project's own error (an `InputError`
with diagnostics, each with a code and a message; a file's each with its location), or anything else,
which is a finding: `Unexpected`. The pytest run raises it (hypothesis then shrinks the input); the long
run (`make fuzz`, tests/fuzz/run.py) records it with its input and goes on.
"""

from __future__ import annotations

import atexit
import copy
import json
import re
import reprlib
import shutil
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from billingcore.catalog.loader import Library, build
from billingcore.catalog.yamlsource import Document, read_bytes, read_file
from billingcore.engine import Account, bill, prepare
from billingcore.errors import Diagnostic, InputError, Location
from billingcore.events import BuyPlan
from billingcore.scenarios import _plain, load_scenario, run_scenario
from billingcore.snapshot import dump_state, load_state
from billingcore.timeline import structure_events

ROOT = Path(__file__).resolve().parents[2]
SLOW_SECONDS = 2.0  # an input that takes longer than this is a finding too (a far date, a huge count)


class Unexpected(Exception):
    """An input ended in something other than a result or a located error."""


# --- what is fed in ------------------------------------------------------------------------------------


@cache
def seed_files() -> dict[str, bytes]:
    """The shipped plan and rules files, by their path relative to the repository."""
    paths = sorted((ROOT / "plans").glob("*.yaml")) + sorted((ROOT / "rules").glob("*.yaml"))
    return {str(p.relative_to(ROOT)): p.read_bytes() for p in paths}


@cache
def seed_documents() -> dict[str, Document]:
    """Each shipped file parsed once: an input re-reads only the file it mutates."""
    return {name: read_bytes(name, raw, []) for name, raw in seed_files().items()}


@cache
def scenarios() -> tuple[Any, ...]:
    """Every golden scenario, loaded (its library, account, until) once."""
    paths = sorted((ROOT / "tests" / "scenarios").rglob("*.yaml"))
    return tuple(load_scenario(str(p)) for p in paths)


@cache
def scenario_repository() -> Path:
    """A repository of the fuzzer's own (pyproject.toml, the shipped plans and rules): a mutated scenario is
    written into its tests/scenarios/, where its `catalog: ../../../plans/...` still leads."""
    root = Path(tempfile.mkdtemp(prefix="billingcore-fuzz-"))
    atexit.register(shutil.rmtree, root, True)
    (root / "pyproject.toml").write_text("[project]\nname = 'fuzz'\n")
    shutil.copytree(ROOT / "plans", root / "plans")
    shutil.copytree(ROOT / "rules", root / "rules")
    shutil.copytree(ROOT / "tests" / "rules", root / "tests" / "rules")
    return root


@cache
def scenario_files() -> dict[str, bytes]:
    """The golden scenarios' bytes, by their path below the repository."""
    paths = sorted((ROOT / "tests" / "scenarios").rglob("*.yaml"))
    return {str(p.relative_to(ROOT)): p.read_bytes() for p in paths}


@cache
def host_events() -> tuple[tuple[int, list[dict[str, Any]]], ...]:
    """(scenario index, its events as a host sends them: plain dicts, dates as strings)."""
    out = []
    for i, sc in enumerate(scenarios()):
        data = read_file(sc.path, []).data
        out.append((i, _plain(data["events"])))
    return tuple(out)


@cache
def saved_states() -> tuple[tuple[int, dict[str, Any]], ...]:
    """(scenario index, a saved state) at the scenario's end and half-way, through JSON as a host keeps it."""
    out = []
    for i, sc in enumerate(scenarios()):
        tariff = prepare(sc.library, sc.catalog)
        first = min((e.date for e in sc.events), default=sc.head.until)
        for until in sorted({first + (sc.head.until - first) / 2, sc.head.until}):
            done = [e for e in sc.events if e.date <= until]
            state = bill(tariff, sc.account, done, until).state
            out.append((i, json.loads(json.dumps(dump_state(state)))))
    return tuple(out)


class Case(tuple[Any, ...]):
    """A target's arguments, printed shortened: hypothesis' own printer recursed past the limit on the
    deep nesting a mutation puts in, and a 1 MiB file would fill the screen."""

    def __new__(cls, *args: Any) -> Case:
        return super().__new__(cls, args)

    def __repr__(self) -> str:
        return _SHORT.repr(tuple(self))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxdict = 8, 400, 400, 30, 30


# --- mutations of file bytes -----------------------------------------------------------------------------

CONTROL = [b"\x00", b"\x01", b"\x08", b"\x1b[2J", b"\x7f", b"\xc2\x85", b"\xc2\x9f", b"\xef\xbf\xbe", b"\t", b"\r"]
ODD_BYTES = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xe9", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x80\xae"]
DEPTHS = [10, 49, 50, 51, 52, 200, 1000, 5000]
HUGE = [
    "9" * 29,
    "9" * 41,
    "9" * 400,
    "9" * 27 + ".99",
    "0." + "0" * 40 + "1",
    "1e999",
    "-1",
    "-0",
    "0",
    str(2**63),
    str(10**9),
    "1_000",
    "0x10",
    "NaN",
    "Infinity",
    "-.inf",
]
ODD_DATES = [
    "0001-01-01",
    "0001-01-02",
    "9999-12-31",
    "9999-12-30",
    "1899-12-31",
    "1900-01-01",
    "2199-12-31",
    "2200-01-01",
    "3000-01-01",
    "2020-02-30",
    "2020-13-01",
    "2020-00-10",
    "0000-01-01",
    "10000-01-01",
    "2020-1-1",
    "2020-01-01T00:00:00",
    "20200101",
]
ODD_SCALARS = [
    "yes",
    "no",
    "~",
    "null",
    "[]",
    "{}",
    "&a x",
    "*a",
    "!!python/object/apply:os.system ['true']",
    "!!float 1",
    "'",
    '"',
    "1:30",
    "010",
    ".5",
    '"13,00"',
    "true",
    "|",
    ">-",
    "? x",
    "- x",
    "%YAML 1.1",
    "---",
    "...",
    "@x",
    "`x",
    "\u202e",
    "😀",
]
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")
_DATE = re.compile(rb"\d{4}-\d{2}-\d{2}")
_VALUE = re.compile(rb": +([^\n#]*)")


def pick(draw: Any, options: Any) -> Any:
    """One of `options`, drawn as its index: replaying an input then always picks the same one (sampled_from
    over values such as 0 and False, or nan, did not, and hypothesis stopped on "inconsistent data")."""
    options = list(options)
    return options[draw(st.integers(0, len(options) - 1))]


def _span(draw: Any, raw: bytes) -> tuple[int, int]:
    if not raw:
        return 0, 0
    start = draw(st.integers(0, len(raw) - 1))
    return start, min(len(raw), start + draw(st.integers(1, 64)))


def _replace_match(draw: Any, raw: bytes, pattern: re.Pattern[bytes], new: bytes, group: int = 0) -> bytes:
    matches = list(pattern.finditer(raw))
    if not matches:
        return raw
    m = pick(draw, matches)
    return raw[: m.start(group)] + new + raw[m.end(group) :]


def _lines(raw: bytes) -> list[bytes]:
    return raw.splitlines(keepends=True) or [b""]


def mutate_bytes(draw: Any, raw: bytes) -> bytes:
    """One mutation of a file's bytes."""
    op = pick(
        draw,
        [
            "flip",
            "delete",
            "duplicate",
            "control",
            "odd-bytes",
            "deep",
            "huge",
            "date",
            "scalar",
            "line-delete",
            "line-duplicate",
            "line-swap",
            "indent",
            "truncate",
            "utf16",
        ],
    )
    if op == "flip" and raw:
        pos = draw(st.integers(0, len(raw) - 1))
        return raw[:pos] + bytes([draw(st.integers(0, 255))]) + raw[pos + 1 :]
    if op == "delete":
        a, b = _span(draw, raw)
        return raw[:a] + raw[b:]
    if op == "duplicate":
        a, b = _span(draw, raw)
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + raw[a:b] + raw[at:]
    if op in ("control", "odd-bytes"):
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + pick(draw, CONTROL if op == "control" else ODD_BYTES) + raw[at:]
    if op == "deep":
        n = pick(draw, DEPTHS)
        opener = pick(draw, [b"[", b"{a: "])
        closer = b"]" if opener == b"[" else b"}"
        inner = opener * n + b"1" + closer * n * pick(draw, [1, 0])  # closed, or left open
        return _replace_match(draw, raw, _VALUE, inner, 1)
    if op == "huge":
        return _replace_match(draw, raw, _NUMBER, pick(draw, HUGE).encode())
    if op == "date":
        return _replace_match(draw, raw, _DATE, pick(draw, ODD_DATES).encode())
    if op == "scalar":
        return _replace_match(draw, raw, _VALUE, pick(draw, ODD_SCALARS).encode(), 1)
    lines = _lines(raw)
    i = draw(st.integers(0, len(lines) - 1))
    if op == "line-delete":
        del lines[i]
    elif op == "line-duplicate":
        lines.insert(i, lines[i])
    elif op == "line-swap":
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "indent":
        lines[i] = pick(draw, [b" ", b"  ", b"\t", b"- "]) + lines[i]
    elif op == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    elif op == "utf16":
        return raw.decode("utf-8", "replace").encode(pick(draw, ["utf-16", "utf-32", "latin-1"]), "replace")
    return b"".join(lines)


@st.composite
def mutated_files(draw: Any) -> Case:
    """(which shipped file, its mutated bytes): one to three mutations of one file."""
    name = pick(draw, sorted(seed_files()))
    raw = seed_files()[name]
    for _ in range(draw(st.integers(1, 3))):
        raw = mutate_bytes(draw, raw)
    return Case(name, raw)


# --- mutations of plain data (event dicts, saved states) -----------------------------------------------

ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2**31,
    10**30,
    -(10**30),
    1.5,
    float("nan"),
    float("inf"),
    "",
    " ",
    "x" * 10_000,
    "true",
    "false",
    "no",
    "0",
    "-1",
    "1e3",
    "NaN",
    "Infinity",
    "13.00",
    "13.001",
    "-13.00",
    "9" * 40,
    "monthly",
    "annual",
    "plan",
    "site",
    "item",
    "addon",
    "renewal",
    *ODD_DATES,
    [],
    {},
    [1],
    {"a": 1},
    ["x", "y"],
]


TEXT_PIECES = ["a", "Z", "-", "_", " ", ":", "é", "ß", "\x00", "\x1b", "\u202e", "😀", "\ud800", "\n", "{x}", "%s"]


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def odd_value(draw: Any, near: Any = None) -> Any:
    """A value of the wrong form or at an edge; sometimes one derived from the value it replaces."""
    kind = pick(draw, ["odd", "odd", "nested", "near", "text", "int"])
    if kind == "nested":
        return _nested(pick(draw, [10, 100, 1000, 5000]))
    if kind == "near" and isinstance(near, str):
        return pick(draw, [near.upper(), near + " ", near[:-1], near + near, f'"{near}"', near.strip("-")])
    if kind == "near" and isinstance(near, int) and not isinstance(near, bool):
        return pick(draw, [near + 1, near - 1, -near, near * 10**9, str(near), float(near)])
    if kind == "text":
        return "".join(pick(draw, TEXT_PIECES) for _ in range(draw(st.integers(0, 4))))
    if kind == "int":
        return draw(st.integers(min_value=-(2**70), max_value=2**70))
    return copy.deepcopy(pick(draw, ODD_VALUES))  # a fresh [] or {}: later mutations change it


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into nested dicts and lists (the root included), down to 12 levels: not into the deep
    nesting an earlier mutation put in (walking it would hit the recursion limit here, not in billingcore)."""
    out = [prefix]
    if len(prefix) >= 12:
        return out
    if isinstance(data, dict):
        for k, v in data.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def mutate_data(draw: Any, data: Any, keys: list[str]) -> Any:
    """One mutation somewhere in nested plain data: replace, delete, add a key, duplicate or swap an item,
    or change a key's name. `keys` are names worth adding (the real field names)."""
    path = pick(draw, _paths(data))
    op = pick(draw, ["replace", "replace", "delete", "add", "duplicate", "swap", "rename"])
    if not path:
        return odd_value(draw, data) if op == "replace" else data
    parent, step = _get(data, path[:-1]), path[-1]
    if op == "replace":
        parent[step] = odd_value(draw, parent[step])
    elif op == "delete":
        del parent[step]
    elif op == "add" and isinstance(parent, dict):
        parent[pick(draw, [*keys, "type", "extra", ""])] = odd_value(draw)
    elif op == "duplicate" and isinstance(parent, list):
        parent.insert(step, copy.copy(parent[step]))  # shallow: the item may hold deep nesting
    elif op == "swap" and isinstance(parent, list):
        j = draw(st.integers(0, len(parent) - 1))
        parent[step], parent[j] = parent[j], parent[step]
    elif op == "rename" and isinstance(parent, dict):
        parent[pick(draw, [*keys, str(step).upper(), f"{step}_"])] = parent.pop(step)
    return data


EVENT_KEYS = [
    "id",
    "date",
    "type",
    "plan",
    "period",
    "site",
    "product",
    "store",
    "app",
    "to",
    "contract",
    "item",
    "quantity",
]


@st.composite
def mutated_scenarios(draw: Any) -> Case:
    """(which golden scenario, its mutated bytes): one to three mutations of one file."""
    name = pick(draw, sorted(scenario_files()))
    raw = scenario_files()[name]
    for _ in range(draw(st.integers(1, 3))):
        raw = mutate_bytes(draw, raw)
    return Case(name, raw)


@st.composite
def mutated_events(draw: Any) -> Case:
    """(scenario index, its event list with one to four mutations)."""
    index, events = pick(draw, host_events())
    events = copy.deepcopy(events)
    for _ in range(draw(st.integers(1, 4))):
        events = mutate_data(draw, events, EVENT_KEYS)
    return Case(index, events)


@st.composite
def mutated_states(draw: Any) -> Case:
    """(scenario index, a saved state of it with one to three mutations)."""
    index, state = pick(draw, saved_states())
    state = copy.deepcopy(state)
    keys = sorted({str(p[-1]) for p in _paths(state) if p and isinstance(p[-1], str)})
    for _ in range(draw(st.integers(1, 3))):
        state = mutate_data(draw, state, keys)
    return Case(index, state)


# --- the targets ---------------------------------------------------------------------------------------

_BILL_AT = date(2020, 1, 10)


def run_loader(name: str, raw: bytes) -> tuple[str, list[Diagnostic]]:
    """Load the shipped files with `name` replaced by `raw`; bill the example account if it loads."""
    diagnostics: list[Diagnostic] = []
    docs = [read_bytes(n, raw, diagnostics) if n == name else doc for n, doc in seed_documents().items()]
    try:
        library = build(docs, diagnostics)
    except InputError as exc:
        return _refused(exc, located=True)
    return _bill_every_catalog(library)


def _bill_every_catalog(library: Library) -> tuple[str, list[Diagnostic]]:
    """A catalog that loads must bill: every plan bought monthly, then a month of renewals."""
    for cat in library.catalogs.values():
        try:
            tariff = prepare(library, cat.catalog)
            plan = next((p for p in cat.plans if p.versions and p.versions[0].prices), None)
            events = [BuyPlan("e1", _BILL_AT, plan.id, next(iter(plan.versions[0].prices)))] if plan else []
            bill(tariff, Account("a", cat.catalog, cat.seller_country), events, _BILL_AT + timedelta(days=62))
        except InputError as exc:
            return "bill-refused", _refused(exc, located=False)[1]
    return "ok", []


def run_scenario_file(name: str, raw: bytes) -> tuple[str, list[Diagnostic]]:
    """A mutated scenario file through `billingcore test`'s path: load, bill, compare with its expectations."""
    path = scenario_repository() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    try:
        outcome = run_scenario(load_scenario(str(path)))
    except InputError as exc:
        return _refused(exc, located=True)
    finally:
        path.unlink()
    return ("ok" if outcome.passed else "mismatch"), []


def run_events(index: int, events: Any) -> tuple[str, list[Diagnostic]]:
    sc = scenarios()[index]
    structured, diagnostics = structure_events(events, Location("<fuzz>", 1, 1))
    if diagnostics:
        return _refused(InputError(diagnostics), located=False)
    try:
        bill(prepare(sc.library, sc.catalog), sc.account, structured, sc.head.until)
    except InputError as exc:
        return _refused(exc, located=False)
    return "ok", []


def run_state(index: int, data: Any) -> tuple[str, list[Diagnostic]]:
    sc = scenarios()[index]
    try:
        state = load_state(data)
        until = max(state.as_of, sc.head.until) + timedelta(days=45)
        bill(prepare(sc.library, sc.catalog), sc.account, [], until, state=state)
    except InputError as exc:
        return _refused(exc, located=False)
    return "ok", []


def _refused(exc: InputError, located: bool) -> tuple[str, list[Diagnostic]]:
    """The project's own error: it must carry diagnostics, each with a code and a message (from a file,
    with its location too)."""
    bad = [d for d in exc.diagnostics if not (d.code and d.message and (d.location or not located))]
    if not exc.diagnostics or bad:
        raise Unexpected(f"{type(exc).__name__} without a proper diagnostic: {bad[:1] or 'none at all'}"[:300])
    return "error", list(exc.diagnostics)


def check(target: Callable[..., tuple[str, list[Diagnostic]]], *args: Any) -> tuple[str, list[Diagnostic]]:
    """Run one input; anything but a result or a located error raises Unexpected (with the cause chained)."""
    try:
        return target(*args)
    except Unexpected:
        raise
    except Exception as exc:  # RecursionError, OverflowError, KeyError ...: each one is a finding
        raise Unexpected(f"{type(exc).__name__}: {exc}"[:300]) from exc


# --- findings that other slices of issue 9 are fixing ---------------------------------------------------


@dataclass(frozen=True)
class Known:
    """A class of finding in another slice's area (issue 9), tolerated by the short run in `make test` until
    that slice is merged. `reproduce` must still end in `exception`: test_fuzz.py checks it, so an entry
    fails the suite once its defect is fixed and must then be deleted (the fuzzer then enforces it)."""

    target: str
    exceptions: tuple[str, ...]  # the type names of the cause
    module: str  # the file of the innermost frame, or "*" for any
    owner: str
    reproduce: Callable[[], Any]

    def matches(self, target: str, exc: Unexpected) -> bool:
        cause = exc.__cause__
        if cause is None or target != self.target or type(cause).__name__ not in self.exceptions:
            return False
        frames = traceback.extract_tb(cause.__traceback__)
        return self.module == "*" or (bool(frames) and Path(frames[-1].filename).name == self.module)


def _state_with(index: int, **contract: Any) -> tuple[str, list[Diagnostic]]:
    i, data = saved_states()[index]
    data = copy.deepcopy(data)
    data["contracts"][0].update(contract)
    return run_state(i, data)


def _far_scenario() -> tuple[str, list[Diagnostic]]:
    """Duda's example moved to the year 9999: the annual plan renews into the year 10000."""
    name = "tests/scenarios/duda/billing-example.yaml"
    raw = scenario_files()[name].replace(b"2020-", b"9999-").replace(b"until: 2021-03-10", b"until: 9999-12-31")
    return run_scenario_file(name, raw)


def _huge_price(digits: int) -> tuple[str, list[Diagnostic]]:
    name = "plans/billwerk-demo.yaml"
    raw = seed_files()[name].replace(b'monthly: "29.00"', b'monthly: "' + b"9" * digits + b'"', 1)
    return run_loader(name, raw)


def _lead_days(days: int) -> tuple[str, list[Diagnostic]]:
    raw = seed_files()["rules/duda.yaml"].replace(b"lead_days: 0", f"lead_days: {days}".encode())
    return run_loader("rules/duda.yaml", raw)


KNOWN: list[Known] = []


# Slow inputs of a target whose slowness another slice is bounding (a scenario's `until` mutated to the
# year 9999 bills thousands of billing days). Not checked in the suite: a reproducer would take seconds.
SLOW_KNOWN: dict[str, str] = {}


def known(target: str, exc: Unexpected) -> Known | None:
    return next((k for k in KNOWN if k.matches(target, exc)), None)


def check_in_suite(target: Callable[..., tuple[str, list[Diagnostic]]], *args: Any) -> None:
    """`check` for the short run in `make test`: a finding of a `KNOWN` class is let through."""
    try:
        check(target, *args)
    except Unexpected as exc:
        if known(target.__name__.removeprefix("run_"), exc) is None:
            raise


# --- the tally of a long run -----------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts per target: inputs tried, results by kind, diagnostics by code, findings with their input."""

    tried: Counter[str] = field(default_factory=Counter)
    kinds: Counter[tuple[str, str]] = field(default_factory=Counter)
    codes: Counter[tuple[str, str]] = field(default_factory=Counter)
    findings: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    slowest: dict[str, float] = field(default_factory=dict)
    unexpected_slow: int = 0

    def record(self, target: str, run: Callable[[], tuple[str, list[Diagnostic]]], reproducer: Any) -> None:
        start = time.perf_counter()
        try:
            kind, diagnostics = run()
        except Unexpected as exc:
            cause = exc.__cause__ or exc
            frame = traceback.extract_tb(cause.__traceback__)[-1] if cause.__traceback__ else None
            where = f"{Path(frame.filename).name}:{frame.lineno}" if frame else "?"
            entry = known(target, exc)
            key = (target, f"{type(cause).__name__} at {where}" + (f" (known: {entry.owner})" if entry else ""))
            self.findings.setdefault(key, {"message": str(exc), "input": reproducer, "count": 0})["count"] += 1
            kind, diagnostics = ("known" if entry else "unexpected"), []
        elapsed = time.perf_counter() - start
        self.slowest[target] = max(self.slowest.get(target, 0.0), elapsed)
        if elapsed > SLOW_SECONDS:
            owner = SLOW_KNOWN.get(target)
            key = (target, "slow" + (f" (known: {owner})" if owner else ""))
            self.unexpected_slow += owner is None
            self.findings.setdefault(key, {"message": f"{elapsed:.1f} s", "input": reproducer, "count": 0})[
                "count"
            ] += 1
        self.tried[target] += 1
        self.kinds[(target, kind)] += 1
        for code in sorted({d.code for d in diagnostics}):
            self.codes[(target, code)] += 1

"""Bill runs: many accounts billed under one prepared tariff, one at a time, as a stream
(docs/billrun.md). Each account comes as one record, the JSON a host keeps per customer:

    {"account": {"id": "acme", "country": "US"}, "events": [{...}, ...], "state": {...} | null}

and leaves as one result: what `bill` gave, as the stable JSON shapes (documents, notices, the credit
accounts, the new saved state), or everything wrong with that record (its diagnostics, each at its JSON
path below the record) and nothing else of it. One bad account never stops the run or costs the others
anything. No files here: `records` is any iterable (a file's lines, a queue, a list), and the caller writes
the results where it wants (`billingcore bill-run` writes JSON Lines).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import attrs
import orjson

from billingcore.documents import document_json, notice_json
from billingcore.engine import Tariff, bill
from billingcore.errors import DataPath, Diagnostic, InputError
from billingcore.ledger import statement_json
from billingcore.money import ZERO, add, fmt
from billingcore.snapshot import dump_state, load_state
from billingcore.timeline import structure_account, structure_events


class Billed(NamedTuple):
    """One account billed: its documents, notices and credit accounts as JSON, and its new saved state."""

    line: int  # where its record was (1-based: a JSON Lines file's line)
    account: str
    documents: list[dict[str, Any]]
    notices: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    state: dict[str, Any]


class Failed(NamedTuple):
    """One account not billed: every problem of its record, nothing of its documents."""

    line: int
    account: str | None  # None when the record does not say (not JSON, no account id)
    diagnostics: tuple[Diagnostic, ...]


def bill_run(tariff: Tariff, records: Iterable[tuple[int, Any]], until: date) -> Iterator[Billed | Failed]:
    """Each (line, record) billed through `until`, in order. A record is a mapping as above, or the text
    of one (a JSON Lines line); whatever is wrong with it is its Failed result."""
    for line, record in records:
        yield bill_record(tariff, line, record, until)


def bill_record(tariff: Tariff, line: int, record: Any, until: date) -> Billed | Failed:
    """One record: parsed, structured, billed and turned into JSON, or everything wrong with it."""
    if isinstance(record, (str, bytes)):
        try:
            record = orjson.loads(record)
        except orjson.JSONDecodeError as exc:  # also bytes that are not UTF-8
            return Failed(
                line, None, (Diagnostic(DataPath("record"), f"not a JSON record: {exc}", _SHAPE, "not-json"),)
            )
    if type(record) is not dict or not record.keys() <= _KEYS or "account" not in record:
        return Failed(line, _account_id(record), (_shape_problem(record),))
    who = _account_id(record)
    data, problems = structure_account(record["account"])
    events, event_problems = structure_events(record.get("events", []))
    problems += event_problems
    try:
        state = load_state(record["state"]) if record.get("state") is not None else None
    except InputError as exc:
        problems += exc.diagnostics
        state = None
    if data is None or problems:
        return Failed(line, who, tuple(problems))
    account = data.account(tariff.catalog.catalog)
    try:
        result = bill(tariff, account, events, until, state)
    except InputError as exc:
        return Failed(line, who, tuple(_placed(d, record.get("events") or []) for d in exc.diagnostics))
    return Billed(
        line,
        data.id,
        [document_json(d) for d in result.documents],
        [notice_json(n) for n in result.notices],
        [statement_json(s) for s in result.accounts],
        dump_state(result.state),
    )


_KEYS = frozenset({"account", "events", "state"})
_SHAPE = 'one JSON object per line: {"account": {"id": ..., "country": ...}, "events": [...], "state": null}'


def _placed(d: Diagnostic, events: list[Any]) -> Diagnostic:
    """A diagnostic of an event (`event e4 (publish_site on ...): ...`), which came without a location,
    at that event's path in the record: `events[3]`."""
    if d.location is not None or not d.message.startswith("event "):
        return d
    name = d.message[6:].split(" (", 1)[0]
    index = next((i for i, e in enumerate(events) if type(e) is dict and e.get("id") == name), None)
    return d if index is None else attrs.evolve(d, location=DataPath(f"events[{index}]"))


def _account_id(record: Any) -> str | None:
    account = record.get("account") if type(record) is dict else None
    found = account.get("id") if type(account) is dict else None
    return found if type(found) is str else None


def _shape_problem(record: Any) -> Diagnostic:
    if type(record) is not dict:
        return Diagnostic(
            DataPath("record"), f"expected a JSON object, got {type(record).__name__}", _SHAPE, "wrong-type"
        )
    unknown = sorted(k for k in record if k not in _KEYS)
    if unknown:
        return Diagnostic(DataPath("record"), f"unknown key `{unknown[0]}`", _SHAPE, "unknown-key")
    return Diagnostic(DataPath("record"), "missing required key `account`", _SHAPE, "missing-key")


OUTPUTS = ("documents", "notices", "accounts", "states", "errors")  # the files of `billingcore bill-run`


def result_lines(result: Billed | Failed) -> dict[str, list[str]]:
    """The JSON Lines one result adds to each output (docs/billrun.md "Output"): a document per line; a
    notice per line; the account's credit accounts, when it has any; its new state; or its errors."""
    if isinstance(result, Failed):
        return {"errors": [_line(failed_json(result))]}
    who = result.account
    lines = {
        "documents": [_line(d) for d in result.documents],
        "notices": [_line(n) for n in result.notices],
        "states": [_line({"account": who, "state": result.state})],
    }
    if result.accounts:
        lines["accounts"] = [_line({"account": who, "credit_accounts": result.accounts})]
    return lines


def _line(value: Any) -> str:
    """One JSON Lines line: compact, UTF-8 as it is (the same text as json.dumps(value, ensure_ascii=False,
    separators=(",", ":")) for the texts, whole numbers, booleans and nulls billing writes; orjson writes it
    about ten times faster, docs/performance.md)."""
    return orjson.dumps(value).decode() + "\n"


def summary_text(summary: Summary) -> str:
    """The closing lines of `billingcore bill-run`: accounts, documents, failures, the gross per currency."""
    lines = [f"billed {summary.billed} accounts, {summary.documents} documents; {summary.failed} failed"]
    lines += [f"  {currency} {fmt(total)}" for currency, total in sorted(summary.totals.items())]
    return "\n".join(lines)


def failed_json(failed: Failed) -> dict[str, Any]:
    """A Failed result as errors.jsonl writes it (docs/billrun.md)."""
    return {
        "line": failed.line,
        "account": failed.account,
        "errors": [
            {"path": str(d.location) if d.location else None, "code": d.code, "message": d.message, "hint": d.hint}
            for d in failed.diagnostics
        ],
    }


@attrs.define
class Summary:
    """What a bill run did: accounts billed and failed, documents, and the gross billed per currency."""

    billed: int = 0
    failed: int = 0
    documents: int = 0
    totals: dict[str, Decimal] = attrs.field(factory=dict)  # currency -> the gross of its documents

    def add(self, result: Billed | Failed) -> None:
        if isinstance(result, Failed):
            self.failed += 1
            return
        self.billed += 1
        self.documents += len(result.documents)
        for doc in result.documents:  # money.add: the caller's decimal context never rounds a total
            self.totals[doc["currency"]] = add(self.totals.get(doc["currency"], ZERO), Decimal(doc["gross"]))

    def merge(self, other: Summary) -> None:
        """Count `other` (a worker's chunk) in too."""
        self.billed += other.billed
        self.failed += other.failed
        self.documents += other.documents
        for currency, total in other.totals.items():
            self.totals[currency] = add(self.totals.get(currency, ZERO), total)

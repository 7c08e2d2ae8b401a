"""`billingcore impact OLD NEW`: what a catalog change does to the golden scenarios (docs/impact.md).

Edge code, like the scenario runner it builds on: every scenario whose catalog is OLD's is billed twice,
under OLD's catalog and under NEW's (everything else, the account, events, `until`, rules, as the scenario
names them), and the documents are matched by number. The core stays pure; this module only reads files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
import yaml

from billingcore.catalog.library import Library
from billingcore.catalog.loader import load
from billingcore.catalog.model import Catalog
from billingcore.documents import Document
from billingcore.engine import bill, prepare
from billingcore.errors import Diagnostic, EventError, InputError
from billingcore.money import fmt
from billingcore.scenarios import Scenario, find_scenarios, load_scenario


@attrs.frozen
class DocumentChange:
    """One document whose totals differ, or one billed under only one of the catalogs (`old` or `new`
    None: its totals count as 0)."""

    number: str
    date: str
    kind: str
    currency: str
    old: Document | None
    new: Document | None

    @property
    def difference(self) -> Decimal:
        return _gross(self.new) - _gross(self.old)


@attrs.frozen
class ScenarioImpact:
    path: str
    status: str  # compared, skipped, failing
    reason: str = ""  # why skipped; for failing, the located error
    side: str = ""  # failing: under `old` or `new` (or `load`: the scenario itself does not load)
    changes: tuple[DocumentChange, ...] = ()


@attrs.frozen
class Impact:
    catalog: str
    old: str
    new: str
    scenarios: tuple[ScenarioImpact, ...]

    def count(self, status: str) -> int:
        return sum(1 for s in self.scenarios if s.status == status)

    def totals(self) -> dict[str, Decimal]:
        """The difference in gross per currency, over every changed document."""
        out: dict[str, Decimal] = {}
        for s in self.scenarios:
            for c in s.changes:
                out[c.currency] = out.get(c.currency, Decimal(0)) + c.difference
        return dict(sorted(out.items()))


def impact(
    old: str,
    new: str,
    scenarios: Sequence[str] = (),
    rules: Sequence[str] = (),
    allow: Sequence[str] = (),
) -> Impact:
    """Bill every scenario below `scenarios` (files or folders; default `default_scenarios()`) whose catalog
    is OLD's under OLD and under NEW. Raise InputError when OLD or NEW does not load, they are not one
    catalog each of the same id, or there are no scenarios."""
    old_catalog, rules_library = _one_catalog(old, rules)
    new_catalog, _ = _one_catalog(new, rules)
    if new_catalog.catalog != old_catalog.catalog:
        raise InputError(
            [
                Diagnostic(
                    None,
                    f"`{new}` holds catalog `{new_catalog.catalog}`, `{old}` holds `{old_catalog.catalog}`",
                    "compare two versions of one catalog: a copy of the plan file with the change",
                    "bad-path",
                )
            ]
        )
    paths, nothing = find_scenarios(scenarios) if scenarios else (default_scenarios(exclude=(old, new)), [])
    if nothing or not paths:
        raise InputError(nothing or [Diagnostic(None, "no scenario files found", _NO_SCENARIOS_HINT, "no-files")])
    results = [
        _one_scenario(p, old_catalog, new_catalog, rules_library if rules else None, allow) for p in sorted(paths)
    ]
    return Impact(old_catalog.catalog, old, new, tuple(results))


_NO_SCENARIOS_HINT = "name them: billingcore impact OLD NEW --scenarios tests/scenarios"


def default_scenarios(exclude: Sequence[str] = ()) -> list[str]:
    """tests/scenarios when it exists, else the scenario files (a mapping with `scenario:`) of the current
    folder, OLD and NEW left out."""
    if os.path.isdir(os.path.join("tests", "scenarios")):
        return find_scenarios([os.path.join("tests", "scenarios")])[0]
    skip = {os.path.realpath(p) for p in exclude}
    found = []
    for name in sorted(os.listdir(".")):
        if name.endswith((".yaml", ".yml")) and os.path.realpath(name) not in skip and _is_scenario(name):
            found.append(name)
    return found


def _is_scenario(path: str) -> bool:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and "scenario" in data


def _one_catalog(path: str, rules: Sequence[str]) -> tuple[Catalog, Library]:
    if not os.path.exists(path):
        raise InputError([Diagnostic(None, f"`{path}` does not exist", "name a plan file", "bad-path")])
    library = load([path, *rules])
    files = {os.path.realpath(f) for f in library.files}
    rule_files = {os.path.realpath(f) for r in rules for f in load([r]).files} if rules else set()
    mine = [
        c
        for c in library.catalogs.values()
        if c.src and os.path.realpath(c.src.file) in files and os.path.realpath(c.src.file) not in rule_files
    ]
    if len(mine) != 1:
        held = ", ".join(sorted(c.catalog for c in mine)) or "none"
        raise InputError(
            [Diagnostic(None, f"`{path}` must hold one catalog, holds {held}", "name one plan file", "bad-path")]
        )
    return mine[0], library


def _one_scenario(path: str, old: Catalog, new: Catalog, rules: Library | None, allow: Sequence[str]) -> ScenarioImpact:
    try:
        scenario = load_scenario(path, allow)
    except InputError as exc:
        return ScenarioImpact(path, "failing", exc.render(), "load")
    if not isinstance(scenario.head.catalog, str):
        return ScenarioImpact(path, "skipped", "inline catalog")
    if scenario.catalog != old.catalog:
        return ScenarioImpact(path, "skipped", f"catalog {scenario.catalog}")
    runs: list[tuple[Document, ...]] = []
    for side, catalog in (("old", old), ("new", new)):
        try:
            runs.append(_bill(scenario, catalog, rules))
        except InputError as exc:
            return ScenarioImpact(path, "failing", exc.render(), side)
    return ScenarioImpact(path, "compared", changes=tuple(_changes(runs[0], runs[1])))


def _bill(scenario: Scenario, catalog: Catalog, rules: Library | None) -> tuple[Document, ...]:
    """The scenario's documents with `catalog` in place of its own (under its `rule_set:` when it names
    one; under the rule sets and VAT table of `rules` when given)."""
    if scenario.head.rule_set:
        catalog = attrs.evolve(catalog, rules=scenario.head.rule_set)
    library = attrs.evolve(scenario.library, catalogs={**scenario.library.catalogs, catalog.catalog: catalog})
    if rules is not None:
        library = attrs.evolve(
            library, rule_sets={**library.rule_sets, **rules.rule_sets}, vat=rules.vat or library.vat
        )
    tariff = prepare(library, catalog.catalog)
    try:
        return bill(tariff, scenario.account, scenario.events, scenario.head.until).documents
    except EventError as exc:  # located in the scenario's text
        raise EventError(exc.diagnostics, {**exc.sources, scenario.path: scenario.text}) from None


def _changes(old: Sequence[Document], new: Sequence[Document]) -> list[DocumentChange]:
    """Documents whose net, VAT or gross differ, matched by number; in OLD's order, then those only NEW
    billed in NEW's order."""
    by_number = {d.number: d for d in new}
    seen = set()
    out = []
    for d in old:
        other = by_number.get(d.number)
        seen.add(d.number)
        if other is None or _totals(other) != _totals(d):
            out.append(DocumentChange(d.number, d.date.isoformat(), d.kind.value, d.currency, d, other))
    for d in new:
        if d.number not in seen:
            out.append(DocumentChange(d.number, d.date.isoformat(), d.kind.value, d.currency, None, d))
    return out


def _totals(doc: Document) -> tuple[Decimal, Decimal, Decimal]:
    return doc.net, _vat(doc), doc.gross


def _vat(doc: Document | None) -> Decimal:
    return sum((v.amount for v in doc.vat), Decimal(0)) if doc else Decimal(0)


def _gross(doc: Document | None) -> Decimal:
    return doc.gross if doc else Decimal(0)


def _signed(amount: Decimal) -> str:
    return ("+" if amount > 0 else "") + fmt(amount)


def _amount(doc: Document | None) -> str:
    return fmt(doc.gross) if doc else "-"


def impact_json(report: Impact) -> dict[str, Any]:
    """The report as JSON data: amounts as decimal strings, scenarios sorted by path (docs/impact.md)."""

    def side(doc: Document | None) -> dict[str, str] | None:
        return None if doc is None else {"net": fmt(doc.net), "vat": fmt(_vat(doc)), "gross": fmt(doc.gross)}

    scenarios = []
    for s in report.scenarios:
        entry: dict[str, Any] = {"path": s.path, "status": s.status}
        if s.status == "skipped":
            entry["reason"] = s.reason
        if s.status == "failing":
            entry["under"] = s.side
            entry["error"] = s.reason
        if s.status == "compared":
            entry["documents"] = [
                {
                    "number": c.number,
                    "date": c.date,
                    "kind": c.kind,
                    "currency": c.currency,
                    "old": side(c.old),
                    "new": side(c.new),
                    "difference": fmt(c.difference),
                }
                for c in s.changes
            ]
        scenarios.append(entry)
    return {
        "catalog": report.catalog,
        "old": report.old,
        "new": report.new,
        "scenarios": scenarios,
        "summary": {
            "compared": report.count("compared"),
            "skipped": report.count("skipped"),
            "failing": report.count("failing"),
            "documents_changed": sum(len(s.changes) for s in report.scenarios),
            "difference": {currency: fmt(amount) for currency, amount in report.totals().items()},
        },
    }


def format_impact_json(report: Impact) -> str:
    return json.dumps(impact_json(report), indent=2) + "\n"


def format_impact_text(report: Impact) -> str:
    """Each scenario with a change or a failure, its changed documents (old gross -> new gross, the
    difference), then the summary. Unchanged and skipped scenarios are only counted."""
    out = [f"impact of {report.new} against {report.old} (catalog {report.catalog})", ""]
    for s in report.scenarios:
        if s.status == "failing":
            out.append(f"{s.path}: FAILS under {s.side.upper() if s.side != 'load' else 'both (does not load)'}")
            out.extend("    " + line for line in s.reason.splitlines())
            out.append("")
        elif s.changes:
            out.append(s.path)
            for c in s.changes:
                note = " (only under OLD)" if c.new is None else " (only under NEW)" if c.old is None else ""
                out.append(
                    f"    {c.date}  {c.kind:<9} {c.number:<30} {_amount(c.old):>10} -> {_amount(c.new):>10}"
                    f"  {_signed(c.difference):>10} {c.currency}{note}"
                )
            sums: dict[str, Decimal] = {}
            for c in s.changes:
                sums[c.currency] = sums.get(c.currency, Decimal(0)) + c.difference
            out.append("    difference " + ", ".join(f"{_signed(v)} {k}" for k, v in sorted(sums.items())))
            out.append("")
    changed = sum(1 for s in report.scenarios if s.changes)
    documents = sum(len(s.changes) for s in report.scenarios)
    totals = ", ".join(f"{_signed(v)} {k}" for k, v in report.totals().items()) or "none"
    out.append(
        f"{report.count('compared')} scenarios compared ({changed} changed), {report.count('skipped')} skipped "
        f"(another or an inline catalog), {report.count('failing')} failing"
    )
    out.append(f"{documents} documents changed; difference in gross: {totals}")
    return "\n".join(out) + "\n"

"""Golden scenarios: a catalog, an account, dated events, a date to bill until, and the documents
expected. Used by `billingcore run/test` and by the pytest plugin (billingcore.pytest_plugin).

Expectations are compared as parsed data. An expected document lists the fields QA cares about; every
field it lists must match, the number of documents must match, and when `lines` is listed the number
of lines must match too. A scenario without `expect` fails. `update` rewrites only the `expect:`
block from the actual output and keeps everything else in the file, comments included.

Files (docs/scenarios.md "Files"): every file in a scenario folder is a scenario, which runs or fails;
nothing is skipped for its name or its first line. A scenario reads plans and rules only inside its
repository (the nearest folder above it with pyproject.toml or .git) or a directory the caller allows:
a scenario is data, and must not make the runner read, or show excerpts of, any file on the machine.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Sequence
from datetime import date
from typing import Any

import attrs
import yaml

from billingcore.catalog.fields import field
from billingcore.catalog.loader import (
    Library,
    build,
    expand_paths,
    packaged_documents,
    packaged_rule_set_names,
    yaml_files,
)
from billingcore.catalog.structure import diagnostics_from, make_converter
from billingcore.catalog.yamlsource import Document as SourceDocument
from billingcore.catalog.yamlsource import SourceList, SourceMap, read_file
from billingcore.documents import document_json, notice_json
from billingcore.engine import Account, Result, bill, prepare
from billingcore.errors import DataPath, Diagnostic, EventError, InputError, Location
from billingcore.ledger import statement_json
from billingcore.timeline import structure_account, structure_events
from billingcore.vat_ids import BAD_VAT_ID, vat_id_problem


@attrs.frozen
class ScenarioHead:
    """The keys of a scenario file besides events and expectations."""

    scenario: str = field("What the scenario shows.")
    until: date = field("Bill through this date (inclusive).")
    source: str | None = field(
        "Optional: where the expectations come from (a seed file and its section, a shipped file, a public "
        "document), so a reader can check them.",
        default=None,
    )
    seed: str | None = field("Deprecated: the old name of `source:`.", default=None)
    # a path; an inline catalog mapping is taken out before structuring
    catalog: str | None = field(
        "The plan file, relative to this file (rules/ beside its folder is loaded too), or an inline catalog.",
        default=None,
    )
    rules: str | None = field(
        "Optional: the folder (or file) of the rule sets and vat.yaml; else the packaged ones.", default=None
    )
    rule_set: str | None = field("Optional: bill the catalog under another rule set than it names.", default=None)

    @property
    def cited(self) -> str | None:
        """The source its expectations follow: `source:`, or the older `seed:`; None when it names none."""
        return self.source if self.source is not None else self.seed


_HEAD_KEYS = {a.name for a in attrs.fields(ScenarioHead)}
_BODY_KEYS = {"account", "events", "expect"}
_CONVERTER = make_converter(lambda obj, mapping: None)


@attrs.frozen
class Scenario:
    path: str
    head: ScenarioHead
    library: Library
    catalog: str
    account: Account
    events: tuple[Any, ...]
    expect: Any  # parsed expectations, None when missing
    text: str
    account_loc: Location | None = None  # where the account's country stands, for the engine's account errors
    account_locs: dict[str, Location] = attrs.field(factory=dict)  # each account key's value, by key


@attrs.frozen
class Outcome:
    scenario: Scenario
    result: Result
    actual: dict[str, Any]
    problems: tuple[str, ...]  # empty when the scenario passed
    diff: str

    @property
    def passed(self) -> bool:
        return not self.problems


def load_scenario(path: str, allow: Sequence[str] = ()) -> Scenario:
    """Read a scenario file and everything it names; raise InputError with every problem.

    `catalog:` and `rules:` may name files inside the scenario's repository (`repository_of`) or
    inside a directory of `allow`."""
    if os.path.isfile(path) and not path.endswith(SCENARIO_SUFFIXES):
        raise InputError([Diagnostic(Location(path, 1, 1), *_NOT_YAML)])  # unread: no excerpt
    diagnostics: list[Diagnostic] = []
    doc = read_file(path, diagnostics)
    data = doc.data
    if diagnostics or not isinstance(data, SourceMap) or "scenario" not in data:
        if not diagnostics:
            diagnostics.append(
                Diagnostic(
                    doc.root_loc,
                    "a scenario file is a mapping with a `scenario:` key",
                    "every file in a scenario folder is a scenario (docs/scenarios.md); plan and rules files belong "
                    "in plans/ and rules/",
                    "not-a-scenario",
                )
            )
        raise InputError(diagnostics, {path: doc.text})
    inline = data.get("catalog") if isinstance(data.get("catalog"), dict) else None
    head_data = SourceMap({k: v for k, v in data.items() if k in _HEAD_KEYS and not (k == "catalog" and inline)})
    head_data.loc, head_data.key_locs, head_data.value_locs = data.loc, data.key_locs, data.value_locs
    for key in sorted(set(data) - _HEAD_KEYS - _BODY_KEYS):
        close = difflib.get_close_matches(key, sorted(_HEAD_KEYS | _BODY_KEYS), n=1)
        diagnostics.append(
            Diagnostic(
                data.key_locs[key],
                f"unknown key `{key}` in scenario",
                f"did you mean `{close[0]}`?" if close else "",
                "unknown-key",
            )
        )
    head: ScenarioHead | None = None
    try:
        head = _CONVERTER.structure(head_data, ScenarioHead)
    except Exception as exc:  # located diagnostics
        diagnostics.extend(diagnostics_from(exc, head_data, doc.root_loc))
    if "source" in data and "seed" in data:  # one provenance, under one name
        message = "`seed:` and `source:` both given: `seed:` is the old name of `source:`"
        diagnostics.append(Diagnostic(data.key_locs["seed"], message, "keep one: `source:`", "duplicate-key"))
    account, account_diags = structure_account(data.get("account"), data.value_locs.get("account", doc.root_loc))
    events, event_diags = structure_events(data.get("events"), data.value_locs.get("events", doc.root_loc))
    diagnostics += account_diags
    if account is not None and account.vat_id:  # at the edge: with every other problem of the file
        problem = vat_id_problem(account.country, account.vat_id)
        if problem is not None:
            where = data["account"].value_locs.get("vat_id", data.value_locs["account"])
            diagnostics.append(Diagnostic(where, *problem, BAD_VAT_ID))
    diagnostics += event_diags
    sources = {path: doc.text}
    library, catalog_id = None, ""
    if head is not None:
        try:
            roots = (repository_of(path), *(os.path.realpath(a) for a in allow))
            library, catalog_id = _library_for(path, head, data, inline, doc.text, roots)
        except InputError as exc:
            diagnostics.extend(exc.diagnostics)
            sources.update(exc.sources)
    if diagnostics or head is None or account is None or library is None:
        raise InputError(diagnostics, sources)
    account_loc = data["account"].value_locs.get("country", data.value_locs["account"])
    if library.vat is not None and account.country not in library.vat.vat_rates:
        raise InputError(
            [
                Diagnostic(
                    account_loc,
                    f"country `{account.country}` is not in the VAT table",
                    f"known: {', '.join(sorted(library.vat.vat_rates))}",
                    "unknown-country",
                )
            ],
            sources,
        )
    return Scenario(
        path,
        head,
        library,
        catalog_id,
        account.account(catalog_id),
        tuple(events),
        _plain(data.get("expect")),
        doc.text,
        account_loc,
        _account_locs(data["account"]),
    )


def _library_for(
    path: str, head: ScenarioHead, data: SourceMap, inline: Any, text: str, roots: Sequence[str]
) -> tuple[Library, str]:
    """Load the scenario's catalog (a file, or inline) and rules; `rule_set:` bills the catalog under
    another rule set than the one it names."""
    base = os.path.dirname(path)
    sources = {path: text}

    def refuse(key: str, message: str, hint: str, code: str) -> InputError:
        return InputError([Diagnostic(data.value_locs.get(key, data.loc), message, hint, code)], sources)

    if inline is None and head.catalog is None:
        raise refuse(
            "catalog",
            "a scenario needs `catalog:` (a path or an inline catalog)",
            "e.g. catalog: ../../plans/duda.yaml",
            "missing-key",
        )
    catalog_path = os.path.normpath(os.path.join(base, head.catalog)) if head.catalog else path
    rules_path = os.path.normpath(os.path.join(base, head.rules)) if head.rules else None
    named = ([("catalog", catalog_path)] if inline is None else []) + ([("rules", rules_path)] if rules_path else [])
    for key, named_path in named:  # before anything is read or walked
        if not _inside(named_path, roots):
            raise refuse(
                key,
                f"`{key}:` points outside the scenario's repository ({roots[0]})",
                _ALLOW_HINT,
                "outside-repository",
            )
    if inline is None:
        _check_catalog_path(catalog_path, head.catalog or "", refuse)
    if rules_path and not os.path.isdir(rules_path) and not rules_path.endswith(SCENARIO_SUFFIXES):
        raise refuse(
            "rules",
            "`rules:` names neither a directory nor a rules file (*.yaml)",
            "e.g. rules: ../../rules",
            "bad-path",
        )
    files = expand_paths([p for _, p in named])
    outside = next((f for f in files if not _inside(f, roots)), None)
    if outside is not None:  # the rules/ beside a plan's folder, or a link inside a rules folder
        key = "rules" if rules_path else "catalog"
        raise refuse(
            key,
            f"`{key}:` leads to {outside}, outside the scenario's repository ({roots[0]})",
            _ALLOW_HINT,
            "outside-repository",
        )
    diagnostics: list[Diagnostic] = []
    docs: list[SourceDocument] = [read_file(f, diagnostics) for f in files]
    if inline is not None:
        docs.append(SourceDocument(path, text, inline, inline.loc))
    library = build(docs, diagnostics, packaged_documents(), (head.rule_set,) if head.rule_set else ())
    catalog_id = next((c.catalog for c in library.catalogs.values() if c.src and c.src.file == catalog_path), None)
    if catalog_id is None:
        raise refuse(
            "catalog",
            f"`{head.catalog}` holds no catalog",
            "name a plan file: one that starts with `catalog: <id>`",
            "bad-path",
        )
    if head.rule_set is not None:
        if head.rule_set not in library.rule_sets:
            raise refuse(
                "rule_set",
                f"unknown rule set `{head.rule_set}`",
                f"known: {', '.join(sorted({*library.rule_sets, *packaged_rule_set_names()}))}",
                "unknown-rule-set",
            )
        catalogs = dict(library.catalogs)
        catalogs[catalog_id] = attrs.evolve(catalogs[catalog_id], rules=head.rule_set)
        library = attrs.evolve(library, catalogs=catalogs)
    return library, catalog_id


SCENARIO_SUFFIXES = (".yaml", ".yml")
_NOT_YAML = (
    "not a scenario file: scenario files end in .yaml or .yml",
    "every file in a scenario folder is a scenario; move notes into the scenarios' comments, other files out of "
    "the folder",
    "not-a-scenario",
)
_ALLOW_HINT = (
    "keep plans and rules in the repository, or allow the directory: billingcore test --allow DIR "
    "(load_scenario(path, allow=[DIR]))"
)


def repository_of(path: str) -> str:
    """The scenario's repository: the nearest folder above it holding pyproject.toml or .git, else the
    scenario's own folder (a loose file may read only its neighbours). Links resolved."""
    start = os.path.dirname(os.path.realpath(path))
    folder = start
    while True:
        if any(os.path.exists(os.path.join(folder, marker)) for marker in ("pyproject.toml", ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return start
        folder = parent


def _inside(path: str, roots: Sequence[str]) -> bool:
    """Whether `path`, links resolved, lies in one of `roots` (a `..` or a link cannot lead out)."""
    real = os.path.realpath(path)
    return any(os.path.commonpath([real, root]) == root for root in roots)


def _check_catalog_path(catalog_path: str, written: str, refuse: Any) -> None:
    """`catalog:` names one plan file (docs/scenarios.md); a directory holds several catalogs."""
    if os.path.isdir(catalog_path):
        plans = [os.path.relpath(f, catalog_path) for f in yaml_files(catalog_path)]
        example = f"e.g. `catalog: {written.rstrip('/')}/{plans[0]}` (there: {', '.join(plans)})" if plans else ""
        raise refuse(
            "catalog",
            "`catalog:` names a directory; a scenario bills one plan file",
            f"name one of its plan files{', ' + example if example else ''}",
            "bad-path",
        )
    if not catalog_path.endswith(SCENARIO_SUFFIXES):
        raise refuse(
            "catalog", "`catalog:` names no plan file (*.yaml)", "e.g. catalog: ../../plans/duda.yaml", "bad-path"
        )


def _plain(value: Any) -> Any:
    """Located YAML data as plain dicts/lists/str (for comparison and dumping: yaml.safe_dump refuses the
    reader's str subclass for an unquoted decimal, PlainFloat)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def run_scenario(scenario: Scenario) -> Outcome:
    tariff = prepare(scenario.library, scenario.catalog)
    try:
        result = bill(tariff, scenario.account, scenario.events, scenario.head.until)
    except EventError as exc:  # give the diagnostics the scenario's text for excerpts
        # An account-level refusal (a day without a VAT rate) names no event: it belongs to the account, at the
        # key it names (`account.billing_day`) when it names one.
        located = [_at_account(d, scenario) for d in exc.diagnostics]
        raise EventError(located, {scenario.path: scenario.text}) from None
    actual = result_json(result)
    problems, diff = compare(scenario.expect, actual)
    return Outcome(scenario, result, actual, tuple(problems), diff)


def _at_account(d: Diagnostic, scenario: Scenario) -> Diagnostic:
    where = d.location
    if isinstance(where, DataPath) and where.path.startswith("account."):
        path = where.path.removeprefix("account.")
        found = scenario.account_locs.get(path)
        while found is None and "." in path:  # a key not written (a limit from the type): at its entry
            path = path.rsplit(".", 1)[0]
            found = scenario.account_locs.get(path)
        return d if found is None else attrs.evolve(d, location=found)
    return d if where else attrs.evolve(d, location=scenario.account_loc)


def _account_locs(account: Any) -> dict[str, Location]:
    """Where each of the account's values stands, by its path below `account` (`country`,
    `credit_accounts[1].type`, `credit_accounts[1]` for the entry itself)."""
    found = dict(account.value_locs)
    entries = account.get("credit_accounts")
    if isinstance(entries, SourceList):
        for i, entry in enumerate(entries):
            found[f"credit_accounts[{i}]"] = entries.item_locs[i]
            if isinstance(entry, SourceMap):
                found.update({f"credit_accounts[{i}].{k}": loc for k, loc in entry.value_locs.items()})
    return found


def result_json(result: Result) -> dict[str, Any]:
    out: dict[str, Any] = {"documents": [document_json(d) for d in result.documents]}
    if result.notices:
        out["notices"] = [notice_json(n) for n in result.notices]
    if result.accounts:
        out["accounts"] = [statement_json(s) for s in result.accounts]
    return out


def _project(expected: Any, actual: Any) -> Any:
    """`actual` cut down to the shape of `expected`: only the keys QA wrote are compared."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {k: _project(expected[k], actual.get(k, "<missing>")) for k in expected}
    if isinstance(expected, list) and isinstance(actual, list):
        projected = [_project(e, a) for e, a in zip(expected, actual)]
        return projected + actual[len(expected) :]
    return actual


def compare(expected: Any, actual: dict[str, Any]) -> tuple[list[str], str]:
    if expected is None:
        return ["the scenario has no `expect:` block (run with --update-goldens after review)"], ""
    if not isinstance(expected, dict) or "documents" not in expected:
        return ["`expect:` must hold `documents:`"], ""
    projected = _project(expected, actual)
    for key in ("notices", "accounts"):  # compared when the expectations list them
        if key not in expected:
            projected.pop(key, None)
    if projected == expected:
        return [], ""
    projected = _shown(expected, projected)
    want = yaml.safe_dump(expected, sort_keys=False, allow_unicode=True, width=200)
    got = yaml.safe_dump(projected, sort_keys=False, allow_unicode=True, width=200)
    diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "expected", "actual"))
    return ["documents differ from the expectations"], diff


_MORE_SHOWN = 10  # documents shown in a diff beyond those the expectations list


def _shown(expected: Any, projected: dict[str, Any]) -> dict[str, Any]:
    """`projected` with at most _MORE_SHOWN documents more than `expected` lists, and a count of the rest.
    Writing documents as YAML costs about 2 ms each: a scenario billed far past its expectations (`until`
    980 years on: 11 760 documents) once took 20 s and 627 MB for a diff nobody reads to the end."""
    docs, listed = projected.get("documents"), expected.get("documents")
    if not isinstance(docs, list) or not isinstance(listed, list) or len(docs) <= len(listed) + _MORE_SHOWN:
        return projected
    rest = len(docs) - len(listed) - _MORE_SHOWN
    return {**projected, "documents": [*docs[: len(listed) + _MORE_SHOWN], f"and {rest} more documents"]}


def updated_text(scenario: Scenario, actual: dict[str, Any]) -> str:
    """The scenario file with its `expect:` block replaced by `actual`; all other lines kept."""
    lines = scenario.text.splitlines(True)
    start = next((i for i, line in enumerate(lines) if line.startswith("expect:")), None)
    end = len(lines)
    if start is not None:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].strip() and not lines[i].startswith((" ", "#", "-"))),
            len(lines),
        )
        head, tail = lines[:start], lines[end:]
    else:
        head, tail = lines, []
        if head and not head[-1].endswith("\n"):
            head[-1] += "\n"
    block = yaml.safe_dump({"expect": actual}, sort_keys=False, allow_unicode=True, width=120)
    return "".join(head) + block + "".join(tail)


def format_outcome_text(outcome: Outcome) -> str:
    """Documents as a readable table (the `make run` output), each line's explanation indented under it."""
    out = []
    for doc in outcome.result.documents:
        out.append(f"{doc.date}  {doc.type} {doc.kind:<9} {doc.number}  {doc.currency}")
        for line in doc.lines:
            period = f"{line.period_start} to {line.period_end}" if line.period_start else ""
            out.append(f"    {line.description:<44} {period:<26} {line.amount:>10}")
            if line.explanation:  # how the amount came about, under its line (issue 14)
                out.append(f"      {line.explanation}")
        vat = ", ".join(f"VAT {v.rate} % on {v.base}: {v.amount}" for v in doc.vat)
        out.append(f"    {'net':<44} {'':<26} {doc.net:>10}   ({vat})")
        out.append(f"    {'total':<44} {'':<26} {doc.gross:>10}")
        out.append("")
    for notice in outcome.result.notices:
        out.append(f"{notice.date}  notice {notice.code}: {notice.message}")
    if outcome.result.notices:
        out.append("")  # each line ends in a newline, the notices' too
    for acct in outcome.result.accounts:  # the customer's credit accounts: "Kontobewegungen"
        out.append(f"account {acct.id} ({acct.kind}, {acct.currency})  balance {acct.balance}")
        for m in acct.movements:
            flag = f"[{m.flag.value}]" if m.flag else ""
            # the widest kind is carried_forward, the widest description "movements before ... carried forward"
            row = f"    {m.date}  {m.kind:<15} {m.description:<44} {flag:<3} {m.amount:>10}  {m.document}"
            out.append(row.rstrip())
        out.append("")
    return "\n".join(out)


def format_outcome_json(outcome: Outcome) -> str:
    return json.dumps(outcome.actual, indent=2) + "\n"


def find_scenarios(paths: Sequence[str]) -> tuple[list[str], list[Diagnostic]]:
    """Every scenario below `paths`: files named, and every file below folders named, except hidden ones
    and Python's (pytest's own). A folder without any is a diagnostic: testing nothing is no pass."""
    files: list[str] = []
    empty: list[Diagnostic] = []
    for p in paths:
        if os.path.isdir(p):
            found = scenario_files(p)
            files.extend(found)
            if not found:
                empty.append(Diagnostic(None, f"`{p}` holds no scenario files", _NO_SCENARIOS_HINT, "no-files"))
        else:
            files.append(p)
    if not paths:
        empty.append(Diagnostic(None, "no scenario files given", _NO_SCENARIOS_HINT, "no-files"))
    return list(dict.fromkeys(files)), empty


_NO_SCENARIOS_HINT = "check the path; scenario files end in .yaml or .yml"


def scenario_files(folder: str) -> list[str]:
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        files.extend(os.path.join(dirpath, f) for f in sorted(filenames) if is_scenario_file(f))
    return files


def is_scenario_file(name: str) -> bool:
    """Whether a file in a scenario folder must run as a scenario: all but hidden files and Python's."""
    base = os.path.basename(name)
    return not base.startswith(".") and not base.endswith((".py", ".pyc"))

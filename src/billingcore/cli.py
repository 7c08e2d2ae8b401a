"""The `billingcore` command: check plan and rule files, print the JSON Schema, run and test scenarios, draw
a scenario's timeline, bill many accounts (`bill-run`), write documents as e-invoices (`einvoice`).

Exit codes: 0 ok, 1 invalid input (diagnostics on stderr), 2 usage error or (einvoice) a document that cannot
be an EN 16931 e-invoice. Never a traceback for bad
input: every anticipated problem is a `BillingError` rendered as file:line:col with a hint.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence, Sized
from datetime import date
from typing import Any

from tqdm import tqdm

from billingcore import __version__
from billingcore.billrun import summary_text
from billingcore.catalog.loader import load
from billingcore.catalog.schema import SCHEMAS as CATALOG_SCHEMAS
from billingcore.engine import prepare
from billingcore.errors import DataPath, Diagnostic, InputError, Location, render
from billingcore.impact import format_impact_json, format_impact_text, impact
from billingcore.render.extra import MissingExtraError
from billingcore.render.timeline import outcome_svg, timeline_page
from billingcore.runfiles import records, write_results, write_results_in_workers
from billingcore.scenario_schema import scenario_schema
from billingcore.scenarios import (
    Outcome,
    find_scenarios,
    format_outcome_json,
    format_outcome_text,
    load_scenario,
    run_scenario,
    updated_text,
)

# `billingcore schema KIND`: plan and rules files, and scenario files (docs/scenarios.md).
SCHEMAS = {**CATALOG_SCHEMAS, "scenario": scenario_schema}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="billingcore", description="Subscription billing rules engine.")
    parser.add_argument("--version", action="version", version=f"billingcore {version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate plan and rule files")
    check.add_argument("paths", nargs="*", help="files or directories (default: plans and rules, those that exist)")
    check.add_argument(
        "--no-packaged", action="store_true", help="without the packaged rule sets and VAT table: only the files named"
    )
    schema = sub.add_parser("schema", help="print the JSON Schema for plan (default), rules or scenario files")
    schema.add_argument("kind", nargs="?", choices=sorted(SCHEMAS), default="plan")
    run = sub.add_parser("run", help="bill a scenario and print its documents")
    run.add_argument("scenario")
    run.add_argument(
        "--format",
        choices=["text", "json", "html", "pdf"],
        default="text",
        help="text (default), json, or an invoice page: html or pdf (the extra billingcore[render]; docs/rendering.md)",
    )
    run.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output (pdf needs it)")
    run.add_argument(
        "--locale",
        help="html and pdf: money and dates as in this locale (de_DE, cs_CZ, en_US); default: the account's country's",
    )
    picture = sub.add_parser(
        "timeline", help="draw a scenario on one time axis: SVG, or an HTML page (docs/timeline.md)"
    )
    picture.add_argument("scenario")
    picture.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write FILE.svg or FILE.html (a page around the SVG); default: SVG on stdout",
    )
    test = sub.add_parser("test", help="run golden scenarios and compare with their expectations")
    test.add_argument("paths", nargs="*", default=["tests/scenarios"], help="scenario files or directories")
    test.add_argument("--update-goldens", action="store_true", help="rewrite the expect: blocks from the output")
    run_many = sub.add_parser("bill-run", help="bill many accounts: JSON Lines in, JSON Lines out (docs/billrun.md)")
    run_many.add_argument("input", help="a JSON Lines file of account records, or - for stdin")
    run_many.add_argument("--catalog", required=True, help="the catalog id to bill every account under")
    run_many.add_argument("--until", required=True, type=_day, help="bill through this date (YYYY-MM-DD)")
    run_many.add_argument("--out", required=True, metavar="DIR", help="the folder the results are written to")
    run_many.add_argument(
        "--plans", nargs="+", help="plan and rule files or folders (default: plans and rules, those that exist)"
    )
    run_many.add_argument("--progress", choices=["auto", "on", "off"], default="auto", help="a progress bar on stderr")
    run_many.add_argument("--workers", type=_at_least(1), default=1, help="processes that bill (default 1)")
    run_many.add_argument("--chunk", type=_at_least(1), default=1000, help="accounts a worker bills at a time")
    run_many.add_argument(
        "--dask", metavar="ADDRESS", help="bill on a Dask cluster: its scheduler's address, or `local` (--workers)"
    )
    changed = sub.add_parser(
        "impact", help="bill every scenario under two versions of a catalog: the documents that change (docs/impact.md)"
    )
    changed.add_argument("old", help="the plan file as it is")
    changed.add_argument("new", help="the plan file with the change (the same catalog id)")
    changed.add_argument(
        "--scenarios", nargs="+", help="scenario files or folders (default: tests/scenarios, else the *.yaml here)"
    )
    changed.add_argument(
        "--rules", nargs="+", default=[], help="rule files or folders to bill under (default: each scenario's)"
    )
    changed.add_argument("--format", choices=["text", "json"], default="text")
    einvoice = sub.add_parser(
        "einvoice", help="each document as an EN 16931 e-invoice: ZUGFeRD / Factur-X CII XML (docs/einvoice.md)"
    )
    einvoice.add_argument("input", help="a scenario file, or a JSON file of documents (run --format json's output)")
    einvoice.add_argument("-o", "--out", required=True, metavar="DIR", help="the folder the XML files are written to")
    for command in (run, picture, test, changed, einvoice):
        command.add_argument(
            "--allow",
            action="append",
            default=[],
            metavar="DIR",
            help="a directory outside the scenario's repository that catalog: and rules: may name (repeatable)",
        )
    args = parser.parse_args(argv)

    if args.command == "schema":
        print(schema_text(args.kind), end="")
        return 0
    if args.command == "run":
        if args.format == "pdf" and not args.output:
            run.error("--format pdf writes a file: name it with -o FILE (e.g. -o invoice.pdf)")
        if args.locale and args.format not in ("html", "pdf"):
            run.error(f"--locale formats html and pdf output, not --format {args.format}")
        return run_scenario_command(args.scenario, args.format, args.allow, args.output, args.locale)
    if args.command == "timeline":
        if args.output is not None and not args.output.endswith((".svg", ".html")):
            picture.error(f"-o: expected a file name ending in .svg or .html, got {args.output!r}")
        return timeline_command(args.scenario, args.output, args.allow)
    if args.command == "test":
        return test_command(args.paths, args.update_goldens, args.allow)
    if args.command == "einvoice":
        return einvoice_command(args.input, args.out, args.allow)
    if args.command == "impact":
        return impact_command(args.old, args.new, args.scenarios or [], args.rules, args.format, args.allow)
    if args.command == "bill-run":
        plans = args.plans or default_paths()
        if args.dask:
            return dask_command(args.input, args.catalog, args.until, args.out, plans, args.dask, args.workers)
        return bill_run_command(
            args.input, args.catalog, args.until, args.out, plans, args.progress, args.workers, args.chunk
        )
    return run_check(args.paths or default_paths(), packaged=not args.no_packaged)


def version() -> str:
    """billingcore's version, from the installed package's metadata (`__version__` when run from a checkout
    that is not installed)."""
    try:
        return importlib.metadata.version("billingcore")
    except importlib.metadata.PackageNotFoundError:
        return __version__


def default_paths() -> list[str]:
    """The folders `check` and `bill-run` read when given none: plans/ and rules/ of the current folder, those
    that exist (the packaged rule sets and VAT table fill in for a missing rules/)."""
    return [p for p in ("plans", "rules") if os.path.isdir(p)]


def schema_text(kind: str) -> str:
    return json.dumps(SCHEMAS[kind](), indent=2, sort_keys=False) + "\n"


def _report(exc: InputError) -> int:
    print(exc.render(), file=sys.stderr)
    n = len(exc.diagnostics)
    print(f"\n{n} error{'s' if n != 1 else ''}", file=sys.stderr)
    return 1


def run_scenario_command(
    path: str, fmt: str, allow: Sequence[str], output: str | None = None, locale: str | None = None
) -> int:
    try:
        outcome = run_scenario(load_scenario(path, allow))
    except InputError as exc:
        return _report(exc)
    if fmt in ("html", "pdf"):
        try:
            page = rendered(outcome, fmt, locale)
        except (MissingExtraError, InputError) as exc:  # the extra not installed; a locale CLDR does not know
            print(f"billingcore run: error: {_usage_problem(exc)}", file=sys.stderr)
            return 2
    else:
        page = format_outcome_json(outcome) if fmt == "json" else format_outcome_text(outcome)
    if output is None:
        print(page, end="")
        return 0
    try:
        with open(output, "wb") as out:
            out.write(page if isinstance(page, bytes) else page.encode())
    except OSError as exc:  # as timeline, einvoice and bill-run: 1, the file the command was to write
        print(f"billingcore run: cannot write -o {output}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def timeline_command(path: str, output: str | None, allow: Sequence[str]) -> int:
    """`billingcore timeline`: the scenario billed and drawn (render/timeline.py), whether or not its
    expectations hold; a scenario that does not load or bill is reported like `run` reports it."""
    try:
        outcome = run_scenario(load_scenario(path, allow))
    except InputError as exc:
        return _report(exc)
    svg = outcome_svg(outcome)
    if output is None:
        print(svg, end="")
        return 0
    text = timeline_page(svg, outcome.scenario.head.scenario) if output.endswith(".html") else svg
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        print(f"billingcore timeline: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 1
    return 0


def rendered(outcome: Outcome, fmt: str, locale: str | None) -> str | bytes:
    """The scenario's documents as an HTML page or a PDF (docs/rendering.md), in `locale` or the account's."""
    from billingcore.render.formatting import locale_for_country, parse_locale  # the optional extra: only here
    from billingcore.render.html import render_html

    where = parse_locale(locale) if locale else locale_for_country(outcome.scenario.account.country)
    picture = outcome_svg(outcome)  # the scenario at a glance above its documents (docs/timeline.md)
    page = render_html(outcome.actual["documents"], where, title=outcome.scenario.head.scenario, picture=picture)
    if fmt == "html":
        return page
    from billingcore.render.pdf import render_pdf

    return render_pdf(page)


def _usage_problem(exc: Exception) -> str:
    if isinstance(exc, InputError):
        where = "--locale: " if exc.diagnostics[0].code == "unknown-locale" else ""
        return "; ".join(f"{where}{d.message}" + (f" (hint: {d.hint})" if d.hint else "") for d in exc.diagnostics)
    return str(exc)


def test_command(paths: Sequence[str], update: bool, allow: Sequence[str]) -> int:
    failed = passed = 0
    files, nothing = find_scenarios(paths)
    if nothing:  # a folder without scenarios fails: testing nothing is no pass
        failed += len(nothing)
        print(render(nothing, {}) + "\n")
    for path in files:
        try:
            outcome = run_scenario(load_scenario(path, allow))
        except InputError as exc:
            failed += 1
            print(f"FAIL {path}\n{exc.render()}\n")
            continue
        if update and not outcome.passed:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(updated_text(outcome.scenario, outcome.actual))
            print(f"UPDATED {path}")
            passed += 1
        elif outcome.passed:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {path}: {'; '.join(outcome.problems)}\n{outcome.diff}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def impact_command(
    old: str, new: str, scenarios: Sequence[str], rules: Sequence[str], fmt: str, allow: Sequence[str]
) -> int:
    """`billingcore impact`: exit 0 when the report ran (changes or failing scenarios included), 1 on bad
    input (OLD or NEW does not load, not one catalog of the same id, no scenarios)."""
    try:
        report = impact(old, new, scenarios, rules, allow)
    except InputError as exc:
        return _report(exc)
    print(format_impact_json(report) if fmt == "json" else format_impact_text(report), end="")
    return 0


def einvoice_command(source: str, out: str, allow: Sequence[str]) -> int:
    """`billingcore einvoice`: one `<number>.xml` per document in `out`. Exit 1 when the input does not load (as
    `run`), 2 when a document cannot be an EN 16931 e-invoice (every missing term of every document listed,
    nothing written)."""
    from billingcore.render.einvoice import EInvoiceError, cii_xml, file_name

    try:
        documents = _documents_of_json(source) if source.endswith(".json") else _documents_of_scenario(source, allow)
    except InputError as exc:
        return _report(exc)
    files: dict[str, bytes] = {}
    problems: list[Diagnostic] = []
    for i, document in enumerate(documents):
        try:
            xml = cii_xml(document)
        except EInvoiceError as exc:
            problems.extend(_under(f"documents[{i}]", d) for d in exc.diagnostics)
            continue
        name = file_name(document)
        if name in files:  # two numbers that differ only in characters a file name cannot hold
            problems.append(Diagnostic(DataPath(f"documents[{i}]"), f"a second document would be written to {name}"))
        files[name] = xml
    if problems:
        _report(InputError(problems))
        return 2
    try:
        os.makedirs(out, exist_ok=True)
        for name, xml in files.items():
            with open(os.path.join(out, name), "wb") as fh:
                fh.write(xml)
            print(os.path.join(out, name))
    except OSError as exc:
        print(f"billingcore einvoice: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 1
    print(f"{_count(files, 'e-invoice')} (EN 16931, CII XML) written to {out}")
    return 0


def _documents_of_scenario(path: str, allow: Sequence[str]) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = run_scenario(load_scenario(path, allow)).actual["documents"]
    return documents


def _documents_of_json(path: str) -> list[dict[str, Any]]:
    """Documents from a JSON file: `run --format json`'s output ({"documents": [...]}), a list of documents, or
    one document."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        unreadable = Diagnostic(Location(path, 1, 1), f"cannot read it: {exc.strerror}", "", "unreadable")
        raise InputError([unreadable]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Diagnostic(Location(path, 1, 1), f"not UTF-8 text: {exc.reason}", "", "encoding")]) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        at = Location(path, exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else Location(path, 1, 1)
        raise InputError([Diagnostic(at, f"not JSON: {exc}", "", "not-json")], {path: text}) from None
    documents = data.get("documents") if isinstance(data, dict) and "lines" not in data else data
    documents = [documents] if isinstance(documents, dict) else documents
    if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
        hint = "give run --format json's output, a list of documents, or one document"
        raise InputError([Diagnostic(Location(path, 1, 1), "holds no documents", hint, "not-documents")])
    return documents


def _under(prefix: str, d: Diagnostic) -> Diagnostic:
    """A document's diagnostic located within the list of documents (`documents[2].seller.name`)."""
    return Diagnostic(DataPath(f"{prefix}.{d.location}" if d.location else prefix), d.message, d.hint, d.code)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text) if len(text) == 10 else date.fromisoformat("x")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def bill_run_command(
    source: str, catalog: str, until: date, out: str, plans: Sequence[str], progress: str, workers: int, chunk: int
) -> int:
    """Bill every account record of `source` under `catalog` through `until`; the results in `out`
    (docs/billrun.md), a summary on stdout; exit 1 when any account failed."""
    try:
        tariff = prepare(load(plans), catalog)
    except InputError as exc:
        return _report(exc)
    shown = progress == "on" or (progress == "auto" and sys.stderr.isatty())
    with contextlib.ExitStack() as files:
        try:
            stream = sys.stdin if source == "-" else files.enter_context(open(source, encoding="utf-8"))
            os.makedirs(out, exist_ok=True)
        except OSError as exc:
            print(f"billingcore bill-run: {exc.strerror}: {exc.filename}", file=sys.stderr)
            return 1
        bar = files.enter_context(tqdm(unit=" accounts", disable=not shown, file=sys.stderr))
        lines = records(stream)
        if workers > 1:
            summary = write_results_in_workers(plans, catalog, lines, until, out, workers, chunk, bar.update)
        else:
            summary = write_results(tariff, _counted(lines, bar.update), until, out)
    print(summary_text(summary))
    if summary.failed:
        print(f"the failed accounts and why: {os.path.join(out, 'errors.jsonl')}")
    return 1 if summary.failed else 0


def dask_command(
    source: str, catalog: str, until: date, out: str, plans: Sequence[str], address: str, workers: int
) -> int:
    """`bill-run --dask`: the same outputs, billed on a Dask cluster (docs/billrun.md "Dask")."""
    try:
        from distributed import Client, LocalCluster

        from billingcore.dask_run import write_results_on_dask
    except ImportError:
        print("billingcore bill-run: --dask needs Dask: pip install 'billingcore[dask]'", file=sys.stderr)
        return 1
    if source == "-" or not os.path.isfile(source):
        print(f"billingcore bill-run: --dask reads a file the workers can read too, got {source!r}", file=sys.stderr)
        return 1
    try:
        prepare(load(plans), catalog)  # a catalog that does not load fails here, not on every worker
    except InputError as exc:
        return _report(exc)
    os.makedirs(out, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if address == "local":
            local = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)  # type: ignore[no-untyped-call]
            client = stack.enter_context(Client(stack.enter_context(local)))  # type: ignore[no-untyped-call]
        else:
            client = stack.enter_context(Client(address))  # type: ignore[no-untyped-call]
        summary = write_results_on_dask(client, plans, catalog, source, until, out)
    print(summary_text(summary))
    if summary.failed:
        print(f"the failed accounts and why: {os.path.join(out, 'errors.jsonl')}")
    return 1 if summary.failed else 0


def _counted(lines: Iterator[tuple[int, str]], tick: Callable[[int], object]) -> Iterator[tuple[int, str]]:
    for line in lines:
        yield line
        tick(1)


def _at_least(least: int) -> Callable[[str], int]:
    def whole(text: str) -> int:
        if not text.isdigit() or int(text) < least:
            raise argparse.ArgumentTypeError(f"expected a whole number of at least {least}, got {text!r}")
        return int(text)

    return whole


def run_check(paths: Sequence[str], packaged: bool = True) -> int:
    if not paths:  # no plans/ here and nothing named
        nothing = "no plan or rules files given, and no plans/ folder here"
        return _report(InputError([Diagnostic(None, nothing, _NO_PATHS_HINT, "no-files")]))
    try:
        library = load(paths, packaged=packaged)
    except InputError as exc:
        return _report(exc)
    used = [n for n, r in sorted(library.rule_sets.items()) if r.src and r.src.file in library.packaged]
    if library.vat is not None and library.vat.src and library.vat.src.file in library.packaged:
        used.append("the VAT table")
    print(
        f"ok: {_count(library.files, 'file')}, {_count(library.catalogs, 'catalog')}, "
        f"{_count(library.rule_sets, 'rule set')}, "
        f"VAT table {'loaded' if library.vat else 'absent'}"
        + (f" (packaged with billingcore: {', '.join(used)})" if used else "")
    )
    return 0


def _count(things: Sized, word: str) -> str:
    return f"{len(things)} {word}{'' if len(things) == 1 else 's'}"


_NO_PATHS_HINT = (
    "name your plan files: billingcore check my-plan.yaml (the packaged rule sets and VAT table are used unless "
    "your own rule files, named too, replace them)"
)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The long fuzzing run: `make fuzz FUZZ_MINUTES=10` (docs/testing.md "Fuzzing").

Feeds hypothesis-generated mutations to the four targets of tests/fuzz/harness.py in turn, in batches,
until the time is up; then prints the inputs tried, the results by kind, the diagnostics by code, and
every finding (an exception other than the project's located error, or an input slower than
harness.SLOW_SECONDS) with its input written to fuzz-findings/; `--replay FILE` runs one again. Exit 1
on any finding not in harness.KNOWN (the classes other slices of issue 9 are fixing).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: `fuzz` is in tests/

from hypothesis import HealthCheck, Phase, given, settings

from fuzz import harness

BATCH = 50  # examples per hypothesis run; targets take turns, so each gets its share of the time


def _targets(tally: harness.Tally) -> list[Callable[[], None]]:
    quiet = settings(
        max_examples=BATCH,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )

    @quiet
    @given(harness.mutated_files())
    def loader(case: tuple[str, bytes]) -> None:
        tally.record("loader", lambda: harness.check(harness.run_loader, *case), case)

    @quiet
    @given(harness.mutated_scenarios())
    def scenario(case: tuple[str, bytes]) -> None:
        tally.record("scenario", lambda: harness.check(harness.run_scenario_file, *case), case)

    @quiet
    @given(harness.mutated_events())
    def events(case: tuple[int, Any]) -> None:
        tally.record("events", lambda: harness.check(harness.run_events, *case), case)

    @quiet
    @given(harness.mutated_states())
    def state(case: tuple[int, Any]) -> None:
        tally.record("state", lambda: harness.check(harness.run_state, *case), case)

    return [loader, scenario, events, state]


def _write_reproducer(folder: Path, n: int, target: str, case: Any) -> str:
    """The input of a finding as NN-target.json (and, for the loader, the mutated file beside it), for
    `run.py --replay FILE`."""
    folder.mkdir(exist_ok=True)
    path = folder / f"{n:02d}-{target}.json"
    if target in ("loader", "scenario"):
        name, raw = case
        mutated = folder / f"{n:02d}-{target}-{Path(name).name}"
        mutated.write_bytes(raw)
        record: dict[str, Any] = {"target": target, "in_place_of": name, "file": str(mutated)}
    else:
        index, data = case
        record = {"target": target, "scenario": index, "path": harness.scenarios()[index].path, "data": data}
    with _deep_recursion():  # the deep nesting a mutation put in, written out in full
        path.write_text(json.dumps(record))
    return str(path)


@contextlib.contextmanager
def _deep_recursion() -> Iterator[None]:
    """json recurses per level; billingcore itself always runs at the default limit, so that a recursion
    on deep input is still found."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(50_000)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def replay(path: str) -> int:
    """Run one recorded input again and show how it ends (a finding: with its traceback)."""
    with _deep_recursion():
        record = json.loads(Path(path).read_text())
    run = {
        "loader": harness.run_loader,
        "scenario": harness.run_scenario_file,
        "events": harness.run_events,
        "state": harness.run_state,
    }[record["target"]]
    if record["target"] in ("loader", "scenario"):
        args: tuple[Any, ...] = (record["in_place_of"], Path(record["file"]).read_bytes())
    else:
        args = (record["scenario"], record["data"])
    try:
        kind, diagnostics = harness.check(run, *args)
    except harness.Unexpected as exc:
        traceback.print_exception(exc.__cause__ or exc)
        return 1
    print(kind, *(f"{d.headline()} [{d.code}]" for d in diagnostics), sep="\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--findings", default="fuzz-findings", help="where the inputs of findings are written")
    parser.add_argument("--replay", metavar="FILE", help="run one recorded input (fuzz-findings/NN-target.json)")
    args = parser.parse_args(argv)
    if args.replay:
        return replay(args.replay)
    tally = harness.Tally()
    harness.scenarios(), harness.saved_states(), harness.seed_documents(), harness.scenario_repository()  # not timed
    deadline = time.monotonic() + args.minutes * 60
    targets = _targets(tally)
    started = time.monotonic()
    while time.monotonic() < deadline:
        for target in targets:
            target()
    print(report(tally, time.monotonic() - started, Path(args.findings)))
    return 1 if tally.unexpected_slow or any(kind == "unexpected" for _, kind in tally.kinds) else 0


def report(tally: harness.Tally, seconds: float, findings: Path) -> str:
    out = [f"fuzzed for {seconds / 60:.1f} min: {sum(tally.tried.values())} inputs"]
    for target in ("loader", "scenario", "events", "state"):
        kinds = {k: n for (t, k), n in sorted(tally.kinds.items()) if t == target}
        out.append(
            f"  {target:<7} {tally.tried[target]:>7} tried: "
            + ", ".join(f"{k} {n}" for k, n in kinds.items())
            + f"; slowest {tally.slowest.get(target, 0):.2f} s"
        )
        codes = sorted(((n, c) for (t, c), n in tally.codes.items() if t == target), reverse=True)
        out.append("          codes: " + ", ".join(f"{c} {n}" for n, c in codes))
    unexpected = sum(n for (_, kind), n in tally.kinds.items() if kind == "unexpected")
    known = sum(n for (_, kind), n in tally.kinds.items() if kind == "known")
    out.append(
        f"findings: {len(tally.findings)} kinds; inputs: {unexpected} unexpected, {known} known (harness.KNOWN), "
        f"{tally.unexpected_slow} unexpectedly slow"
    )
    for n, ((target, what), finding) in enumerate(sorted(tally.findings.items()), 1):
        where = _write_reproducer(findings, n, target, finding["input"])
        out.append(f"  {n}. {target}: {what} x{finding['count']}: {finding['message']}\n     input: {where}")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())

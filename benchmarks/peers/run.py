"""The peer benchmark (`make bench-peers`): billingcore against bframelib and against a hand-written floor.

The same account on every side (benchmarks/peers/shared.py: 19.99 and 90.00 monthly, 499.00 annual,
bought on 2026-03-01), N accounts billed one period on, single thread, in process:

  bframelib          benchmarks/peers/bframelib_side.py under benchmarks/peers/.venv (created here when
                     missing: bframelib from PyPI, pinned in requirements.txt); the period's invoice and
                     line item columns of all N accounts, two queries
  billingcore host   the host's real path: saved state JSON text in, document and state JSON text out
  billingcore typed  bill() from typed saved States, Result objects out
  billingcore dicts  the host's path without JSON text: state dict in, document and state dicts out
  floor              benchmarks/peers/floor.py: the least pure Python that gives the same invoices

Each side runs in a process of its own, one after the other, for K rounds (the order reversed every other
round), so the machine's noise hits all of them alike; a process builds its inputs untimed, runs one
warm-up pass and P timed passes. Printed: each side's best and median accounts/s over all K x P passes,
the ratios, account 0's lines on every side (checked to agree), and what differs between the sides.

Run: .venv/bin/python benchmarks/peers/run.py [--n N] [--rounds K] [--passes P] [--bill renewal|anniversary]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VENV = os.path.join(HERE, ".venv")
PEER_PYTHON = os.path.join(VENV, "bin", "python")
REQUIREMENTS = os.path.join(HERE, "requirements.txt")
STAMP = os.path.join(VENV, ".installed")

SIDES = ("bframelib", "host", "typed", "dicts", "floor")
LABELS = {
    "bframelib": "bframelib",
    "host": "billingcore host",
    "typed": "billingcore typed",
    "dicts": "billingcore dicts",
    "floor": "floor",
}
RATIOS = (  # (numerator, denominator, issue 13's target or None)
    ("host", "bframelib", 1.0),
    ("typed", "bframelib", None),
    ("dicts", "bframelib", None),
    ("typed", "floor", 0.5),
    ("host", "typed", None),
)
DIFFERENCES = """\
What differs between the sides (the same three subscriptions, the same amounts and periods):
  money      bframelib: SQL over DuckDB, amounts and totals come back as DOUBLE (float64 columns:
             19.99 is 19.989999999999998436805981327779591083526611328125); billingcore and the floor:
             Decimal from strings, rounded half up to the cent, written as "19.99".
  VAT        bframelib has no tax. billingcore bills a US customer of a US seller: each invoice has a
             0 % VAT line (rate 0, base = net, amount 0.00) and gross = net; the floor does the same sums.
  output     bframelib: the period's invoice columns (id, contract, delivery, start, end, status, total)
             and line item columns (id, invoice, contract, product, delivery, start, end, status,
             quantity, amount) of all N accounts, as numpy arrays. billingcore host: per account, each
             document as a JSON line (number, kind, lines with description, quantity, unit price,
             amount, VAT rate, period, explanation, cause; net, VAT, gross) and the new saved state as
             a JSON line. typed: the Result objects (documents, notices, new State). floor: invoice and
             line tuples (no explanation or cause texts) and the new terms per subscription.
  state      bframelib keeps none: every query derives the period's invoices from the contracts and
             the pricebook (read_mode VIRTUAL, nothing stored). billingcore resumes from each account's
             saved state (host: JSON text, parsed and checked by load_state) and returns the next one.
  periods    bframelib bills calendar months (contracts start on a 1st here, so the spans coincide) and
             gives a span's end exclusive (2026-05-01); billingcore's terms run from the purchase day
             and its lines give the last day (2026-04-30). No proration on any side (nothing changes).
  invoices   both split by period: monthly terms on one invoice, the annual term on another.
  checks     billingcore checks every input (the saved state against the catalog, the dates, the billing
             day); bframelib and the floor check nothing."""


def ensure_venv() -> None:
    """benchmarks/peers/.venv with requirements.txt installed, (re)made when missing or older than it."""
    if os.path.exists(STAMP) and os.path.getmtime(STAMP) >= os.path.getmtime(REQUIREMENTS):
        return
    if not os.path.exists(PEER_PYTHON):
        print(f"creating {os.path.relpath(VENV, ROOT)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run(
        [PEER_PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS],
        check=True,
    )
    with open(STAMP, "w"):
        pass


def command(side: str, args: argparse.Namespace) -> list[str]:
    common = [str(args.n), "--passes", str(args.passes), "--bill", args.bill]
    if side == "bframelib":
        return [PEER_PYTHON, os.path.join(HERE, "bframelib_side.py"), *common]
    if side == "floor":
        return [sys.executable, os.path.join(HERE, "floor.py"), *common]
    return [sys.executable, os.path.join(HERE, "billingcore_side.py"), *common, "--path", side]


def run_side(side: str, args: argparse.Namespace) -> dict[str, Any]:
    env = dict(os.environ)
    if side != "bframelib":  # this checkout's billingcore, whatever the venv has installed
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.path.join(ROOT, "src"), env.get("PYTHONPATH")]))
    out = subprocess.run(command(side, args), check=True, env=env, stdout=subprocess.PIPE, text=True).stdout
    record: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return record


def normalised(side: str, sample: list[Any]) -> list[tuple[str, Decimal, str]]:
    """Account 0's lines as (product, amount, last day inclusive): bframelib's end is exclusive."""
    out = []
    for product, amount, _start, end in sample:
        last = date.fromisoformat(end)
        if side == "bframelib":
            last -= timedelta(days=1)
        out.append((product, Decimal(str(amount)), last.isoformat()))
    return sorted(out)


def versions() -> str:
    peer = subprocess.run(
        [PEER_PYTHON, "-c", "import bframelib, duckdb; print(bframelib.__version__, duckdb.__version__)"],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout.split()
    commit = subprocess.run(
        ["git", "-C", ROOT, "describe", "--always", "--dirty"], stdout=subprocess.PIPE, text=True
    ).stdout.strip()
    return (
        f"Python {platform.python_version()} on both sides, bframelib {peer[0]}, duckdb {peer[1]} (1 thread), "
        f"billingcore {commit or 'unknown'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000, help="accounts (default 20 000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of every side (default 5)")
    parser.add_argument("--passes", type=int, default=3, help="timed passes per side and round (default 3)")
    parser.add_argument(
        "--bill",
        choices=("renewal", "anniversary"),
        default="renewal",
        help="renewal: the month after signup (2026-04-01, the monthly terms); anniversary: a year after "
        "(2027-03-01, all three terms)",
    )
    parser.add_argument("--sides", default=",".join(SIDES), help=f"comma-separated, of {','.join(SIDES)}")
    args = parser.parse_args()
    sides = [s for s in args.sides.split(",") if s]
    unknown = [s for s in sides if s not in SIDES]
    if unknown:
        parser.error(f"unknown side {unknown[0]}")
    ensure_venv()
    print(f"peer benchmark: {args.n} accounts, bill {args.bill}, {args.rounds} rounds x {args.passes} passes")
    print(versions(), flush=True)
    times: dict[str, list[float]] = {s: [] for s in sides}
    last: dict[str, dict[str, Any]] = {}
    for k in range(args.rounds):
        for side in sides if k % 2 == 0 else sides[::-1]:
            record = run_side(side, args)
            times[side] += record["times"]
            last[side] = record
            print(f"  round {k + 1}: {LABELS[side]:<18} best {args.n / min(record['times']):>9,.0f}/s", flush=True)
    print()
    best = {s: args.n / min(times[s]) for s in sides}
    median = {s: args.n / statistics.median(times[s]) for s in sides}
    print(f"{'side':<18} {'best /s':>10} {'median /s':>10} {'µs/acct':>8} {'docs':>7} {'lines':>7}")
    for s in sides:
        r = last[s]
        print(
            f"{LABELS[s]:<18} {best[s]:>10,.0f} {median[s]:>10,.0f} {1e6 / best[s]:>8.1f} "
            f"{r['documents']:>7} {r['lines']:>7}"
        )
    print()
    print(f"{'ratio':<38} {'best':>6} {'median':>7}  issue 13")
    for a, b, target in RATIOS:
        if a in best and b in best:
            ratio = best[a] / best[b]
            goal = "" if target is None else f"≥ {target:.1f}: {'met' if ratio >= target else 'not met'}"
            print(f"{LABELS[a] + ' / ' + LABELS[b]:<38} {ratio:>6.2f} {median[a] / median[b]:>7.2f}  {goal}")
    print()
    print("account 0's lines (product, amount, first day, last day; bframelib: end exclusive):")
    for s in sides:
        print(f"  {LABELS[s]:<18} {last[s]['sample']}")
    shapes = {s: normalised(s, last[s]["sample"]) for s in sides}
    agree = all(v == next(iter(shapes.values())) for v in shapes.values())
    print(f"  the same lines, amounts and periods on every side: {'yes' if agree else 'NO'}")
    print()
    print(DIFFERENCES)
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()

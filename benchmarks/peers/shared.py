"""The peer benchmark's account, as every side bills it (benchmarks/peers/, `make bench-peers`).

Plain Python only: imported by the bframelib side (its own venv, no billingcore), the billingcore side and
the floor. Three independent subscriptions bought on SIGNUP, one invoice period billed:

    Base plan        19.99  monthly
    Pro add-on       90.00  monthly
    Annual support  499.00  annual

`renewal` bills the month after signup (2026-04-01: the two monthly terms, one invoice); `anniversary`
bills a year after signup (2027-03-01: the two monthly terms on one invoice, the annual term on another).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

SIGNUP = date(2026, 3, 1)  # a 1st: bframelib bills calendar months, billingcore from the purchase day
BILLS = {"renewal": date(2026, 4, 1), "anniversary": date(2027, 3, 1)}
PERIOD_END = {"renewal": date(2026, 5, 1), "anniversary": date(2027, 4, 1)}  # bframelib's rating range end

# (product, billingcore's contract key and line description, price, months per term): the catalog
# benchmarks/peers/peers.yaml (its items are named after their products: "Pro add-on pro")
SUBSCRIPTIONS = (
    ("Base plan", "plan", "Base plan (monthly)", "19.99", 1),
    ("Pro add-on", "service:pro", "Pro add-on pro (monthly)", "90.00", 1),
    ("Annual support", "service:support", "Annual support support (annual)", "499.00", 12),
)
CURRENCY = "USD"
COUNTRY = "US"  # seller and customer: the VAT table's US rate, 0 %


def account_id(i: int) -> str:
    return f"acct-{i}"


def timed(run: Callable[[], int], passes: int, warmup: int) -> tuple[list[float], int]:
    """Seconds of each of `passes` passes of `run` after `warmup` untimed ones, and what the last returned
    (documents). The inputs live for the whole run, as a host's batch would; freezing them keeps Python's
    full collections from re-walking them (benchmarks/bill_run.py does the same)."""
    gc.collect()
    gc.freeze()
    for _ in range(warmup):
        run()
    times, documents = [], 0
    for _ in range(passes):
        start = time.perf_counter()
        documents = run()
        times.append(time.perf_counter() - start)
    return times, documents


def report(side: str, n: int, times: list[float], documents: int, lines: int, sample: list[Any]) -> None:
    """One side's result as the last line of its stdout, read by run.py: every pass's seconds, what one
    pass produced, and account 0's lines as [product, amount, first day, last day]."""
    record = {"side": side, "n": n, "times": times, "documents": documents, "lines": lines, "sample": sample}
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def side_arguments(parser: argparse.ArgumentParser | None = None) -> argparse.Namespace:
    """A side's command line: N accounts, --passes, --warmup, --bill (run.py passes them alike to every side);
    `parser` may carry a side's own arguments first."""
    parser = parser or argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="untimed passes first")
    parser.add_argument("--bill", choices=BILLS, default="renewal")
    return parser.parse_args()

"""Bill runs on Dask (dask.distributed): beyond one machine (docs/billrun.md "Dask"). An optional extra:
`pip install billingcore[dask]`.

The JSON Lines input is read as a dask bag, cut into partitions at line ends (`blocksize` bytes each); a
first pass counts each partition's lines, so each knows the line number it starts at; then each partition
is billed on a worker, which prepares the tariff once (the plan files must be readable there, as the
input and the output folder must) and writes the partition's results to files of its own. The client
appends them to the outputs in input order: byte-identical to one process, as with `--workers`.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from datetime import date
from typing import Any

from billingcore.billrun import Summary
from billingcore.catalog.loader import load
from billingcore.engine import Tariff, prepare
from billingcore.runfiles import append_parts, outputs, write_results

_TARIFFS: dict[tuple[tuple[str, ...], str], Tariff] = {}  # a worker's prepared tariffs, by plans and catalog


def write_results_on_dask(
    client: Any, plans: Sequence[str], catalog: str, source: str, until: date, out: str, blocksize: str = "16MiB"
) -> Summary:
    """Bill the JSON Lines file `source` on the Dask cluster of `client` (a distributed.Client) and write
    the results to `out` as `billingcore bill-run` does."""
    import dask.bag as db  # an optional extra: billingcore[dask]
    from dask.delayed import delayed

    parts = list(db.read_text(source, blocksize=blocksize).to_delayed())  # type: ignore[no-untyped-call]
    counts = client.compute([delayed(len)(p) for p in parts], sync=True)
    firsts = [1, *itertools.accumulate(counts, initial=1)][1:-1]  # each partition's first line number
    folder = os.path.join(out, ".parts")
    os.makedirs(folder, exist_ok=True)
    plans = tuple(os.path.abspath(p) for p in plans)  # the same files, whatever a worker's directory
    billed = [
        delayed(_bill_partition)(part, first, index, plans, catalog, until, folder)
        for index, (part, first) in enumerate(zip(parts, firsts))
    ]
    total = Summary()
    for summary in client.compute(billed, sync=True):
        total.merge(summary)
    with outputs(out) as write:
        for index in range(len(parts)):
            append_parts(write, folder, index)
    os.rmdir(folder)
    return total


def _bill_partition(
    lines: list[str], first: int, index: int, plans: tuple[str, ...], catalog: str, until: date, folder: str
) -> Summary:
    tariff = _TARIFFS.get((plans, catalog))
    if tariff is None:
        tariff = _TARIFFS[(plans, catalog)] = prepare(load(plans), catalog)
    records = ((n, text) for n, text in enumerate(lines, first) if text.strip())
    return write_results(tariff, records, until, folder, f".{index:09d}")

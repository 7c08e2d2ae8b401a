"""Bill runs on Dask (dask.distributed): beyond one machine (docs/billrun.md "Dask"). An optional extra:
`pip install billingcore[dask]`.

The JSON Lines input is read with dask's read_bytes, cut into blocks at line ends (`blocksize` bytes each, about
four per worker thread); each partition is billed on a worker, which prepares the tariff once (the plan
files must be readable there, as the input and the output folder must), numbers its lines from 1 and
writes its results to files of its own. The client appends them to the outputs in input order, adding the
lines of the partitions before to each failed account's line: byte-identical to one process, as with
`--workers`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from typing import Any

import orjson

from billingcore.billrun import Summary
from billingcore.catalog.loader import load
from billingcore.engine import Tariff, prepare
from billingcore.runfiles import append_parts, outputs, write_results

_TARIFFS: dict[tuple[tuple[str, ...], str], Tariff] = {}  # a worker's prepared tariffs, by plans and catalog


def write_results_on_dask(
    client: Any,
    plans: Sequence[str],
    catalog: str,
    source: str,
    until: date,
    out: str,
    blocksize: int | str | None = None,
) -> Summary:
    """Bill the JSON Lines file `source` on the Dask cluster of `client` (a distributed.Client) and write
    the results to `out` as `billingcore bill-run` does. Without `blocksize`, the input is cut into about
    four partitions per worker thread (`partition_size`)."""
    from dask.bytes.core import read_bytes  # an optional extra: billingcore[dask]
    from dask.delayed import delayed

    if blocksize is None:
        blocksize = partition_size(os.path.getsize(source), sum(client.nthreads().values()))
    # Blocks of bytes cut at line ends (a block is one object, not a list of line objects: a worker keeps
    # little in memory while blocks wait for it), each split into lines by the task that bills it.
    _, (parts,) = read_bytes(source, delimiter=b"\n", blocksize=blocksize, sample=False)  # type: ignore[no-untyped-call]
    folder = os.path.join(out, ".parts")
    os.makedirs(folder, exist_ok=True)
    plans = tuple(os.path.abspath(p) for p in plans)  # the same files, whatever a worker's directory
    billed = [delayed(_bill_partition)(part, index, plans, catalog, until, folder) for index, part in enumerate(parts)]
    total, before = Summary(), 0  # the lines of the partitions before this one
    futures = client.compute(billed)  # all partitions at once; appended in input order as each one is done,
    with outputs(out) as write:  # while the later ones are still billed
        for index, future in enumerate(futures):
            summary, lines = future.result()
            total.merge(summary)
            if summary.failed and before:
                _renumber_errors(os.path.join(folder, f"errors.{index:09d}.jsonl"), before)
            append_parts(write, folder, index)
            before += lines
    os.rmdir(folder)
    return total


def partition_size(size: int, threads: int) -> int:
    """Bytes per partition: about four partitions per worker thread, so that the last ones to finish leave
    no worker idle for long (three partitions on two workers once took 1.5 times two's time), and at
    least 1 MiB, so that a partition's fixed cost stays small."""
    return max(1 << 20, -(-size // (4 * max(threads, 1))))


def _bill_partition(
    block: bytes, index: int, plans: tuple[str, ...], catalog: str, until: date, folder: str
) -> tuple[Summary, int]:
    """Bill one partition, numbering its lines from 1 (the client adds the lines before it to the line of
    each failed account: no first pass over the input to count them); its summary and its line count."""
    tariff = _TARIFFS.get((plans, catalog))
    if tariff is None:
        tariff = _TARIFFS[(plans, catalog)] = prepare(load(plans), catalog)
    lines = block.splitlines()  # what a text file's lines are, as bytes (bill_record reads either)
    records = ((n, text) for n, text in enumerate(lines, 1) if text.strip())
    return write_results(tariff, records, until, folder, f".{index:09d}"), len(lines)


def _renumber_errors(path: str, before: int) -> None:
    """A partition's errors.jsonl with each line number counted from the input's start."""
    with open(path, "rb") as part:
        failed = [orjson.loads(line) for line in part]
    with open(path, "wb") as part:
        for record in failed:
            record["line"] += before
            part.write(orjson.dumps(record) + b"\n")

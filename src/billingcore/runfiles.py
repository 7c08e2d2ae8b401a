"""`billingcore bill-run`'s files: account records read from a JSON Lines stream, the results written as
JSON Lines (docs/billrun.md "Output"), in one process or in several (`--workers`).

With workers, the input is cut into chunks of consecutive lines; each worker prepares the tariff once,
bills whole chunks and writes each chunk's results to files of its own, and the parent appends those to
the outputs in input order. So the outputs are byte-identical to one process's, and no document crosses
between processes (sending them back to the parent made a 2-process run slower than one: docs/billrun.md).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from typing import IO

from billingcore.billrun import OUTPUTS, Summary, bill_run, result_lines
from billingcore.catalog.loader import load
from billingcore.engine import Tariff, prepare

Lines = list[tuple[int, str]]  # (line number, text) of the records of a chunk


def records(stream: Iterable[str]) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a JSON Lines stream, with their 1-based line numbers."""
    return ((n, text) for n, text in enumerate(stream, 1) if text.strip())


def write_results(
    tariff: Tariff, lines: Iterable[tuple[int, str | bytes]], until: date, out: str, tag: str = ""
) -> Summary:
    """Bill `lines` and write every result to the outputs in `out` (named `<output><tag>.jsonl`)."""
    summary = Summary()
    with contextlib.ExitStack() as files:
        write = {name: _open(files, out, f"{name}{tag}.jsonl").write for name in OUTPUTS}
        for result in bill_run(tariff, lines, until):
            summary.add(result)
            for name, text in result_lines(result).items():
                write[name]("".join(text))
    return summary


def _open(files: contextlib.ExitStack, out: str, name: str) -> IO[str]:
    # newline="\n": the same bytes on every platform
    return files.enter_context(open(os.path.join(out, name), "w", encoding="utf-8", newline="\n"))


def write_results_in_workers(
    plans: Sequence[str],
    catalog: str,
    lines: Iterable[tuple[int, str]],
    until: date,
    out: str,
    workers: int,
    chunk: int,
    progress: Callable[[int], object] = lambda n: None,
) -> Summary:
    """As write_results, in `workers` processes, `chunk` lines at a time; at most two chunks per worker in
    flight, so memory stays flat whatever the input's length."""
    parts = os.path.join(out, ".parts")
    os.makedirs(parts, exist_ok=True)
    total = Summary()
    chunks = enumerate(_chunks(lines, chunk))
    start = ProcessPoolExecutor(workers, initializer=_start, initargs=(plans, catalog))
    with outputs(out) as write, start as pool:
        pending: list[tuple[int, int, Future[Summary]]] = []
        for index, part in itertools.chain(chunks, [(-1, [])]):
            if index >= 0:
                pending.append((index, len(part), pool.submit(_bill_chunk, part, until, parts, index)))
            while pending and (index < 0 or len(pending) >= 2 * workers):
                done_index, size, future = pending.pop(0)  # in input order
                total.merge(future.result())
                append_parts(write, parts, done_index)
                progress(size)
    os.rmdir(parts)
    return total


def _chunks(lines: Iterable[tuple[int, str]], size: int) -> Iterator[Lines]:
    it = iter(lines)
    while part := list(itertools.islice(it, size)):
        yield part


_TARIFF: Tariff | None = None  # a worker's tariff, prepared once (_start)


def _start(plans: Sequence[str], catalog: str) -> None:
    global _TARIFF
    _TARIFF = prepare(load(plans), catalog)


def _bill_chunk(lines: Lines, until: date, parts: str, index: int) -> Summary:
    assert _TARIFF is not None  # _start ran
    return write_results(_TARIFF, lines, until, parts, f".{index:09d}")


@contextlib.contextmanager
def outputs(out: str) -> Iterator[dict[str, IO[str]]]:
    """The five output files of `out`, open for writing (replaced), by output name."""
    with contextlib.ExitStack() as files:
        yield {name: _open(files, out, f"{name}.jsonl") for name in OUTPUTS}


def append_parts(write: dict[str, IO[str]], parts: str, index: int) -> None:
    """Append the part files of chunk `index` (written by a worker into `parts`) to the outputs, and
    remove them."""
    for name, target in write.items():
        path = os.path.join(parts, f"{name}.{index:09d}.jsonl")
        target.flush()  # what was written as text first, then the part's bytes as they are (no decoding: the
        with open(path, "rb") as part:  # parent shares the two cores with the workers)
            shutil.copyfileobj(part, target.buffer)  # type: ignore[attr-defined]
        os.remove(path)

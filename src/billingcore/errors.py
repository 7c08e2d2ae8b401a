"""Errors as values: every problem found in user input is a `Diagnostic` with a source location.

Loaders collect diagnostics instead of raising on the first one, so a product manager sees every
mistake in one run. `render` turns them into the gcc/flake8 convention (`file:line:col: message`)
that editors and CI annotations parse, followed by a 3-line excerpt with a caret and a hint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import attrs


class BillingError(Exception):
    """Root of every exception billingcore raises on purpose."""


@attrs.frozen(order=True)
class Location:
    """A 1-based line and column in a named source file."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@attrs.frozen(order=True)
class DataPath:
    """Where a problem is in data that came without a file (a saved state, a host's event dicts, the
    arguments of a Python call): a JSON path such as `state.contracts[2].dont_renew` or `events[3]`."""

    path: str

    def __str__(self) -> str:
        return self.path

    def sort_key(self) -> str:
        """The path with its indexes zero-padded, so that `[10]` sorts after `[2]`."""
        return re.sub(r"\[(\d+)\]", lambda m: f"[{int(m[1]):09d}]", self.path)


@attrs.frozen
class Diagnostic:
    """One problem in the input: where, what, and how to fix it."""

    location: Location | DataPath | None
    message: str
    hint: str = ""
    code: str = "invalid"

    def headline(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.message}"


class InputError(BillingError, ValueError):
    """Input failed validation; carries every diagnostic found, in file order."""

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: Mapping[str, str] | None = None):
        self.diagnostics = sort_diagnostics(diagnostics)
        self.sources = dict(sources or {})
        super().__init__("\n".join(d.headline() for d in self.diagnostics))

    def render(self) -> str:
        return render(self.diagnostics, self.sources)


class PlanError(InputError):
    """A plan or rules file is invalid."""


class EventError(InputError):
    """An account's events cannot be applied (unknown names, impossible actions, bad order)."""


class StateError(InputError):
    """A saved state cannot be loaded: it is not (or no longer) what `dump_state` wrote."""


class NumberingError(InputError):
    """A legal numbering series, or the documents given to bind to it, cannot be used (billingcore.numbering)."""


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    def key(d: Diagnostic) -> tuple[str, int, int, str]:
        loc = d.location
        if isinstance(loc, DataPath):
            return (loc.sort_key(), 0, 0, d.message)
        return (loc.file, loc.line, loc.col, d.message) if loc else ("", 0, 0, d.message)

    return sorted(set(diagnostics), key=key)


def render(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str]) -> str:
    """Render diagnostics for a terminal: headline, excerpt with caret, hint."""
    blocks = []
    for d in diagnostics:
        lines = [f"{d.headline()} [{d.code}]"]
        text = sources.get(d.location.file) if isinstance(d.location, Location) else None
        if isinstance(d.location, Location) and text is not None:
            lines.extend(excerpt(text, d.location.line, d.location.col))
        if d.hint:
            lines.append(f"  hint: {d.hint}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# Control characters are shown as their Unicode pictures (one column each, so the caret stays in place):
# printed raw, an escape sequence from a file would act on the terminal instead of being seen.
_VISIBLE = (
    {c: 0x2400 + c for c in range(0x20) if chr(c) not in "\t\n\r\v\f\x1c\x1d\x1e"}
    | {0x7F: 0x2421}
    | {c: 0xFFFD for c in range(0x80, 0xA0) if c != 0x85}
)


def excerpt(text: str, line: int, col: int) -> list[str]:
    """The line before, the culprit line with a caret under `col`, and the line after."""
    src = text.translate(_VISIBLE).splitlines()
    if not 1 <= line <= len(src):
        return []
    first, last = max(1, line - 1), min(len(src), line + 1)
    width = len(str(last))
    out = []
    for n in range(first, last + 1):
        out.append(f"  {n:>{width}} | {src[n - 1]}")
        if n == line:
            out.append(f"  {'':>{width}} | {' ' * (col - 1)}^")
    return out

"""Strict YAML reading: the only place that turns file text into data, keeping every location.

We walk libyaml's event stream (CSafeLoader's parser) ourselves instead of using a YAML constructor,
because a billing catalog must not guess. Refused, each with a located diagnostic:
- anchors and aliases (alias bombs; and shared nodes hide where a value came from);
- explicit tags (`!!float`, `!!python/...`);
- duplicate keys;
- YAML 1.1 surprises in plain scalars: `yes/no/on/off/y/n` (booleans in 1.1), `1:30` (base 60),
  `010` (octal), `.inf` / `.nan`;
- floats anywhere: decimals are written as quoted strings so they can never pass through a float;
- files over MAX_FILE_BYTES, characters YAML does not allow (control characters: found before parsing,
  every one located, where libyaml would stop at the first with an unlocated ReaderError), and nesting
  deeper than MAX_DEPTH levels (the reader recurses per level; every consumer after it does too).
Files are UTF-8; a UTF-8 byte order mark is skipped, so positions are those an editor shows.
Mappings become `SourceMap` (a dict with the location of each key and value), sequences `SourceList`.
"""

from __future__ import annotations

import re
from typing import Any

import attrs
import yaml

from billingcore.errors import Diagnostic, Location

MAX_FILE_BYTES = 1_048_576
MAX_DEPTH = 50  # levels of nested mappings and lists; the deepest shipped file needs 7 (docs/errors.md)
MAX_REPORTED = 20  # control characters reported per file; a binary file has thousands
TOO_LARGE_HINT = (
    "check that this is the right file: plan and rules files are limited to 1 MiB; split a larger catalog into "
    "several catalogs, one per file"
)

try:
    _Parser: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML wheels ship libyaml; pure Python still works
    _Parser = yaml.SafeLoader


class SourceMap(dict[str, Any]):
    """A YAML mapping: a dict plus where the mapping, each key and each value stand."""

    loc: Location
    key_locs: dict[str, Location]
    value_locs: dict[str, Location]


class SourceList(list[Any]):
    """A YAML sequence: a list plus where the sequence and each item stand."""

    loc: Location
    item_locs: list[Location]


class PlainFloat(str):
    """A plain scalar that YAML would read as a float; kept as its text so errors can quote it."""


class _Rejected:
    """Stands in for a value the reader refused (alias, tag, YAML 1.1 surprise), already reported."""

    def __repr__(self) -> str:
        return "REJECTED"


REJECTED: Any = _Rejected()


class Document:
    """A parsed file: its data tree (None when unreadable) and its text for excerpts."""

    def __init__(self, path: str, text: str, data: Any, root_loc: Location):
        self.path = path
        self.text = text
        self.data = data
        self.root_loc = root_loc


_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(
    r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$"
)
_OCTAL = re.compile(r"^[-+]?0[0-9_]+$|^0o[0-7]+$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
_YAML11_BOOL = {"yes", "no", "on", "off", "y", "n"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_NULL = {"null", "Null", "NULL", "~", ""}


# What YAML 1.1 allows in a stream (its `c-printable`); anything else stops libyaml with a ReaderError.
# Lone surrogates can only come from a host's str; they are refused here before any encoding of the text.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTROL_HINT = "delete it (most editors do not show it; text pasted from a PDF or a spreadsheet often carries one)"
_BINARY_HINT = "this looks like a binary file: plan, rules and scenario files are UTF-8 text"


def read_text(path: str, text: str, diagnostics: list[Diagnostic]) -> Document:
    """Parse `text` (the contents of `path`) strictly; problems go to `diagnostics`."""
    text = text.removeprefix("\ufeff")  # a byte order mark is not part of the text
    start = Location(path, 1, 1)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        diagnostics.append(
            Diagnostic(
                start,
                f"file is larger than the {MAX_FILE_BYTES} byte limit",
                TOO_LARGE_HINT,
                code="file-too-large",
            )
        )
        return Document(path, text, None, start)
    unprintable = _unprintable(path, text)
    if unprintable:
        diagnostics.extend(unprintable)
        return Document(path, text, None, start)
    before = len(diagnostics)
    reader = _Reader(path, diagnostics)
    try:
        try:
            data = reader.document(yaml.parse(text, Loader=_Parser))
        except yaml.MarkedYAMLError as exc:
            if _Parser is yaml.SafeLoader or "maximum nesting depth" not in str(exc.problem):
                raise
            # libyaml (in PyYAML 6.0.4 on) gives up at 1000 levels while it looks ahead, before the reader has
            # seen level MAX_DEPTH + 1: read the file again with PyYAML's own parser, which has no such limit, so
            # that it is the same located too-deep error whichever PyYAML is installed.
            del diagnostics[before:]
            reader = _Reader(path, diagnostics)
            data = reader.document(yaml.parse(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = _syntax_mark(exc, text)
        loc = Location(path, mark[0] + 1, mark[1] + 1) if mark else start
        problem = " ".join(p for p in (exc.problem, exc.context) if p) or "YAML syntax error"
        hint = _syntax_hint(exc, text)
        diagnostics.append(Diagnostic(loc, f"YAML syntax error: {problem}", hint, code="yaml-syntax"))
        return Document(path, text, None, start)
    if reader.too_deep:  # like a syntax error: nothing of the file is used, so nothing else is reported
        return Document(path, text, None, start)
    return Document(path, text, data, start)


def _unprintable(path: str, text: str) -> list[Diagnostic]:
    """Each character YAML refuses, at its line and column (lines as `errors.excerpt` counts them)."""
    found: list[Diagnostic] = []
    for n, match in enumerate(_NOT_PRINTABLE.finditer(text)):
        if n == MAX_REPORTED:
            rest = sum(1 for _ in _NOT_PRINTABLE.finditer(text, match.start()))
            last = found[-1]
            found[-1] = attrs.evolve(last, message=f"{last.message} (and {rest} more after it)")
            break
        code = ord(match[0])
        what = "control character" if code < 0x20 or 0x7F <= code <= 0x9F else "character"
        line_start = max(text.rfind(b, 0, match.start()) for b in _LINE_BREAKS) + 1
        line = 1 + sum(1 for _ in _LINE_BREAK.finditer(text, 0, line_start))
        found.append(
            Diagnostic(
                Location(path, line, match.start() - line_start + 1),
                f"{what} U+{code:04X} is not allowed in YAML",
                _BINARY_HINT if code == 0 else _CONTROL_HINT,
                "control-character",
            )
        )
    return found


# Line breaks as str.splitlines counts them, so that a location matches the excerpt errors.excerpt shows.
_LINE_BREAKS = ("\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
_LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


GENERIC_SYNTAX_HINT = "check indentation and that every `key: value` pair has a space after the colon"


def _syntax_mark(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int] | None:
    """Where to point for a syntax error: usually where the parser gave up; at what was left open
    when it gave up at the end of the file; at the key when a key has no colon (libyaml notices
    only on the next line); at the value or the key, not the colon, when a colon is out of place."""
    problem, context = exc.problem_mark, exc.context_mark
    if problem is not None and "mapping values are not allowed" in (exc.problem or ""):
        lines = text.splitlines()
        line = lines[problem.line] if problem.line < len(lines) else ""
        first = line.find(": ")
        if 0 <= first < problem.column:  # `key: value: more`: the value that holds a colon
            column = len(line) - len(line[first + 2 :].lstrip())
        else:  # a key indented under a key that already has a value
            column = len(line) - len(line.lstrip())
        return problem.line, column
    mark = problem
    if context is not None and (problem is None or _at_end(problem, text) or "simple key" in (exc.context or "")):
        mark = context
    return (mark.line, mark.column) if mark is not None else None


def _at_end(mark: Any, text: str) -> bool:
    """Whether `mark` lies past the last non-blank character of `text` (the parser hit the end of file)."""
    lines = text.rstrip().splitlines()
    if not lines:
        return True
    last = len(lines) - 1
    return bool(mark.line > last or (mark.line == last and mark.column >= len(lines[last])))


def _syntax_hint(exc: yaml.MarkedYAMLError, text: str) -> str:
    """Advice for a syntax error from PyYAML's problem text (libyaml's or the pure-Python parser's
    wording); the generic advice when the problem is not one we recognise."""
    problem, context = exc.problem or "", exc.context or ""
    pmark, cmark = exc.problem_mark, exc.context_mark
    lines = text.splitlines()

    def line_of(mark: Any) -> str:
        return lines[mark.line] if mark is not None and mark.line < len(lines) else ""

    def char_at(mark: Any) -> str:
        line = line_of(mark)
        return line[mark.column] if mark is not None and mark.column < len(line) else ""

    opened = f"line {cmark.line + 1}" if cmark is not None else "above"
    if "flow mapping" in context:
        return f"close the `{{` opened at {opened} with `}}`, and separate the pairs inside it with commas"
    if "flow sequence" in context:
        return f"close the `[` opened at {opened} with `]`, and separate the items inside it with commas"
    if "quoted scalar" in context:
        quote = char_at(cmark) or '"'
        return f"close the `{quote}` opened at {opened} with a matching `{quote}`"
    if "tab" in problem or "'\\t'" in problem or char_at(pmark) == "\t":
        return "indent with spaces: YAML does not allow tabs for indentation"
    if "cannot start any token" in problem:
        char = char_at(pmark)
        return f'a YAML value cannot start with "{char}"; put the value in quotes' if char else GENERIC_SYNTAX_HINT
    if "unexpected ':'" in problem:
        return "write `key: value` with a space after the colon, and quote a value that contains a colon"
    if "could not find expected ':'" in problem:
        key_line = line_of(cmark).strip()
        squeezed = re.search(r"^([^:]+):(\S.*)$", key_line)
        if squeezed:
            return f"put a space after the colon: `{squeezed[1]}: {squeezed[2]}`"
        if key_line:
            return f"`{key_line}` has no colon: write it as `{key_line}: value`, or indent it as part of the line above"
        return GENERIC_SYNTAX_HINT
    if "mapping values are not allowed" in problem:
        line = line_of(pmark)
        first = line.find(": ")
        if 0 <= first < (pmark.column if pmark else 0):  # a second `: ` on the line: a value with a colon in it
            key, value = line[:first].strip(), line[first + 2 :].strip()
            quote = "'" if '"' in value else '"'
            return f"quote a value that contains `: `, e.g. `{key}: {quote}{value}{quote}`"
        return (
            "check the indentation: this line is indented deeper than the key above it, as if it were part of its value"
        )
    if "block mapping" in context:
        line, col = line_of(pmark), pmark.column if pmark else 0
        before = line[:col].rstrip()
        if before.endswith(('"', "'")) and before.lstrip(" -").find(":") >= 0:
            return "text follows a closing quote: put the whole value inside the quotes"
        if char_at(pmark) == "-":
            return "check the indentation: a `- ` item must line up with the other items of its list, below its key"
        where = f" (the mapping at line {cmark.line + 1} has its keys in column {cmark.column + 1})" if cmark else ""
        return f"check the indentation: this line must line up with the keys above it{where}"
    if "block collection" in context:
        return (
            f"every item of the list that starts at {opened} begins with `- ` in the same column: "
            "start this line with `- `, or indent it less to end the list"
        )
    if "directive" in context:
        return "a line that starts with `%` is a YAML directive: remove it, or quote the value"
    if "anchor" in context or "alias" in context or "tag" in context:
        return "put the value in quotes: `&`, `*` and `!` have a meaning of their own at the start of a YAML value"
    return GENERIC_SYNTAX_HINT


def read_file(path: str, diagnostics: list[Diagnostic]) -> Document:
    """Read and parse a file; unreadable files become diagnostics, never exceptions."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        diagnostics.append(
            Diagnostic(
                Location(path, 1, 1),
                f"cannot read file: {exc.strerror}",
                "check the path, and that the file exists and may be read",
                code="unreadable",
            )
        )
        return Document(path, "", None, Location(path, 1, 1))
    return read_bytes(path, raw, diagnostics)


def read_bytes(path: str, raw: bytes, diagnostics: list[Diagnostic]) -> Document:
    """Decode and parse the bytes of a file (what read_file read; the fuzzer's way in, tests/fuzz)."""
    if len(raw) > MAX_FILE_BYTES:  # before decoding: the cut may split a character
        diagnostics.append(
            Diagnostic(
                Location(path, 1, 1),
                f"file is larger than the {MAX_FILE_BYTES} byte limit",
                TOO_LARGE_HINT,
                code="file-too-large",
            )
        )
        return Document(path, raw.decode("utf-8", "replace"), None, Location(path, 1, 1))
    body = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark is not part of the text
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        diagnostics.append(_encoding_problem(path, body, exc))
        return Document(path, "", None, Location(path, 1, 1))
    return read_text(path, text, diagnostics)


_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _encoding_problem(path: str, raw: bytes, exc: UnicodeDecodeError) -> Diagnostic:
    """Where the first byte that is not UTF-8 stands; a UTF-16 or UTF-32 file is named as such."""
    for bom, name in _WIDE_BOMS:  # UTF-32 first: its little-endian mark starts like UTF-16's
        if raw.startswith(bom):
            message = f"file is {name} text (it starts with a {name} byte order mark), not UTF-8"
            return Diagnostic(Location(path, 1, 1), message, "save it as UTF-8", "encoding")
    lines = (raw[: exc.start].decode("utf-8") + "?").splitlines()  # "?" stands for the bad byte
    return Diagnostic(
        Location(path, len(lines), len(lines[-1])),
        f"file is not UTF-8 text: byte 0x{raw[exc.start]:02X} cannot be read as UTF-8",
        "save it as UTF-8",
        "encoding",
    )


class _Reader:
    def __init__(self, path: str, diagnostics: list[Diagnostic]):
        self.path = path
        self.diagnostics = diagnostics
        self.too_deep = False

    def loc(self, event: Any) -> Location:
        return Location(self.path, event.start_mark.line + 1, event.start_mark.column + 1)

    def error(self, loc: Location, message: str, hint: str, code: str) -> None:
        self.diagnostics.append(Diagnostic(loc, message, hint, code))

    def document(self, events: Any) -> Any:
        events = iter(events)
        data: Any = None
        seen_document = False
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                if seen_document:
                    self.error(
                        self.loc(event),
                        "a file holds one YAML document; found a second one",
                        "remove the `---` line or move the second document to its own file",
                        "multiple-documents",
                    )
                    break
                seen_document = True
                data = self.node(next(events), events, 1)
        return data

    def node(self, event: Any, events: Any, depth: int) -> Any:
        loc = self.loc(event)
        if depth > MAX_DEPTH and isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            self.error(
                loc,
                f"nested deeper than {MAX_DEPTH} levels",
                "plan, rules and scenario files need a few levels; look for a `[` or `{` that is never closed",
                "too-deep",
            )
            self.too_deep = True
            _skip_collection(events)
            return REJECTED
        if isinstance(event, yaml.AliasEvent):
            self.error(
                loc,
                f"aliases (*{event.anchor}) are not allowed",
                "write the value out in full; anchors and aliases are refused to rule out alias bombs",
                "alias",
            )
            return REJECTED
        if getattr(event, "anchor", None):
            self.error(
                loc,
                f"anchors (&{event.anchor}) are not allowed",
                "remove the anchor and write values out in full",
                "anchor",
            )
        tag = getattr(event, "tag", None)
        rejected = tag is not None  # libyaml reports a tag only when the file wrote one
        if rejected:
            self.error(
                loc,
                f"explicit tags ({tag}) are not allowed",
                "remove the tag; write decimals and dates as quoted strings",
                "tag",
            )
        if isinstance(event, yaml.ScalarEvent):
            value = self.scalar(event, loc)
            return REJECTED if rejected else value
        if isinstance(event, yaml.SequenceStartEvent):
            seq = SourceList()
            seq.loc, seq.item_locs = loc, []
            for item in events:
                if isinstance(item, yaml.SequenceEndEvent):
                    return seq
                seq.item_locs.append(self.loc(item))
                seq.append(self.node(item, events, depth + 1))
        if isinstance(event, yaml.MappingStartEvent):
            mapping = SourceMap()
            mapping.loc, mapping.key_locs, mapping.value_locs = loc, {}, {}
            for key_event in events:
                if isinstance(key_event, yaml.MappingEndEvent):
                    return mapping
                key_loc = self.loc(key_event)
                key = self.node(key_event, events, depth + 1)
                value_event = next(events)
                value_loc = self.loc(value_event)
                value = self.node(value_event, events, depth + 1)
                if not isinstance(key, str) or isinstance(key, PlainFloat):
                    key = str(key) if key is not None else "null"
                if key in mapping.key_locs:
                    first = mapping.key_locs[key]
                    self.error(
                        key_loc,
                        f'duplicate key "{key}" (first at line {first.line})',
                        "each key may appear once in a mapping; remove or merge one of them",
                        "duplicate-key",
                    )
                    continue
                mapping.key_locs[key] = key_loc
                mapping.value_locs[key] = value_loc
                mapping[key] = value
        raise AssertionError(f"unexpected YAML event {event!r}")  # pragma: no cover

    def scalar(self, event: Any, loc: Location) -> Any:
        text = event.value
        if event.style:  # quoted or block scalars are always strings
            return text
        if text in _NULL:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if text.lower() in _YAML11_BOOL:
            self.error(
                loc,
                f"`{text}` is ambiguous: YAML 1.1 reads it as a boolean",
                f'write true or false, or quote it ("{text}") if you mean the text',
                "yaml11-bool",
            )
            return REJECTED
        if _SEXAGESIMAL.match(text):
            self.error(
                loc,
                f"`{text}` is ambiguous: YAML 1.1 reads it as a base-60 number",
                f'quote it ("{text}")',
                "yaml11-sexagesimal",
            )
            return REJECTED
        if _OCTAL.match(text):
            self.error(
                loc,
                f"`{text}` is ambiguous: YAML 1.1 reads a leading zero as octal",
                f'drop the leading zero or quote it ("{text}")',
                "yaml11-octal",
            )
            return REJECTED
        if _INT.match(text):
            return int(text.replace("_", ""))
        if _FLOAT.match(text):
            return PlainFloat(text)
        return text


def _skip_collection(events: Any) -> None:
    """Consume the events of a collection whose start was just read, without recursing."""
    open_ = 1
    for event in events:
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            open_ += 1
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            open_ -= 1
            if open_ == 0:
                return

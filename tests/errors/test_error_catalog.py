"""Every file in tests/errors/cases/ is one error kind: its header says what to load and which
diagnostics must come out, each with its exact line, column, message, code and hint, no more and
no fewer. This file also owns how `billingcore check` renders them: headline, excerpt, caret, hint.
The same files are the published error reference (docs/errors.md).

Header format (described in docs/errors.md):

    # load: rules THIS                  (--no-packaged first: without the packaged rule sets and VAT table)
    # expect: LINE:COL: MESSAGE [CODE]
    #   hint: HINT
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import attrs
import pytest

from billingcore.catalog.loader import load
from billingcore.cli import main
from billingcore.errors import PlanError

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((ROOT / "tests" / "errors" / "cases").glob("*.yaml"))

EXPECT = re.compile(r"# expect: (?P<line>\d+):(?P<col>\d+): (?P<message>.+) \[(?P<code>[a-z0-9-]+)\]")
HINT = re.compile(r"#   hint:(?: (?P<hint>.*))?")


@attrs.frozen
class Diag:
    """One diagnostic reduced to what a reader sees: where, what, its code and its hint."""

    line: int
    col: int
    message: str
    code: str
    hint: str


@attrs.frozen
class Header:
    load: list[str]
    expected: list[Diag]


def _header(path: Path) -> Header:
    """Parse the leading comment block; a malformed `expect`/`hint` pair fails loudly rather than
    silently expecting less (a header that checks nothing would let any bug through)."""
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    load_paths: list[str] = []
    expected: list[Diag] = []
    for i, line in enumerate(lines):
        if line.startswith("# load: "):
            load_paths = line.removeprefix("# load: ").split()
        elif line.startswith("# expect"):
            head = EXPECT.fullmatch(line)
            assert head, f"{path.name}: not `# expect: LINE:COL: MESSAGE [CODE]`: {line!r}"
            hint = HINT.fullmatch(lines[i + 1]) if i + 1 < len(lines) else None
            assert hint, f"{path.name}: `# expect:` must be followed by `#   hint: ...`: {line!r}"
            expected.append(
                Diag(int(head["line"]), int(head["col"]), head["message"], head["code"], hint["hint"] or "")
            )
        elif line.startswith("#   hint:"):
            assert lines[i - 1].startswith("# expect: "), f"{path.name}: a hint line without its expect: {line!r}"
    assert load_paths, f"{path.name} has no '# load:' line"
    assert expected, f"{path.name} has no '# expect:' line"
    return Header(load_paths, expected)


def _paths(header: Header, rel: str) -> list[str]:
    """The paths to load, `THIS` replaced by the case's own (the `--no-packaged` flag is not a path)."""
    return [rel if p == "THIS" else p for p in header.load if p != "--no-packaged"]


def _packaged(header: Header) -> bool:
    return "--no-packaged" not in header.load


def _rendered_block(source: str, rel: str, want: Diag) -> list[str]:
    """What `check` must print for one diagnostic, built here from the source text rather than with
    billingcore.errors.excerpt, so a bug in the excerpt cannot agree with itself."""
    src = source.splitlines()
    first, last = max(1, want.line - 1), min(len(src), want.line + 1)
    width = len(str(last))
    block = [f"{rel}:{want.line}:{want.col}: {want.message} [{want.code}]"]
    for n in range(first, last + 1):
        block.append(f"  {n:>{width}} | {src[n - 1]}")
        if n == want.line:
            block.append(f"  {'':>{width}} | " + " " * (want.col - 1) + "^")
    if want.hint:
        block.append(f"  hint: {want.hint}")
    return block


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_there_are_at_least_twenty_error_kinds() -> None:
    assert len(CASES) >= 20


def test_every_case_states_a_hint_for_each_expected_diagnostic() -> None:
    # A product manager always gets advice; an empty `#   hint:` would mean a diagnostic without any.
    empty = [f"{case.name}:{e.line}" for case in CASES for e in _header(case).expected if not e.hint]
    assert empty == []


def test_a_header_expect_without_its_hint_line_is_refused(tmp_path: Path) -> None:
    case = tmp_path / "broken.yaml"
    case.write_text("# load: THIS\n# expect: 1:1: cannot tell what this file holds [unknown-file-kind]\nx: 1\n")
    with pytest.raises(AssertionError, match=re.escape("must be followed by `#   hint: ...`")):
        _header(case)


def test_a_header_expect_without_its_code_is_refused(tmp_path: Path) -> None:
    case = tmp_path / "broken.yaml"
    case.write_text("# load: THIS\n# expect: 1:1: cannot tell what this file holds\n#   hint: x\nx: 1\n")
    with pytest.raises(AssertionError, match=re.escape("not `# expect: LINE:COL: MESSAGE [CODE]`")):
        _header(case)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_error_is_reported_with_its_exact_location_message_code_and_hint(case: Path) -> None:
    header = _header(case)
    rel = os.path.relpath(case, ROOT)
    with pytest.raises(PlanError) as info:
        load(_paths(header, rel), packaged=_packaged(header))
    assert all(d.location and d.location.file == rel for d in info.value.diagnostics)
    got = [
        Diag(d.location.line, d.location.col, d.message, d.code, d.hint) for d in info.value.diagnostics if d.location
    ]
    assert got == header.expected


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_caret_sits_under_the_first_character_of_the_culprit(case: Path) -> None:
    # The column must name where a token starts: one column off lands on a blank or inside the token.
    source = case.read_text().splitlines()
    for want in _header(case).expected:
        text = source[want.line - 1]
        assert 1 <= want.col <= len(text), f"{want.line}:{want.col} is past the end of {text!r}"
        assert not text[want.col - 1].isspace(), f"{want.line}:{want.col} points at a blank in {text!r}"
        assert want.col == 1 or text[want.col - 2] in " [{,", f"{want.line}:{want.col} is inside a token: {text!r}"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_cli_prints_headline_excerpt_caret_and_hint_exactly(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = _header(case)
    rel = os.path.relpath(case, ROOT)
    source = case.read_text()
    code = main(["check", *([] if _packaged(header) else ["--no-packaged"]), *_paths(header, rel)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err

    # The first diagnostic, spelt out. Its caret line follows the culprit line, which follows the headline
    # and (unless the culprit is line 1) the line before it; the caret must sit under column `col`.
    first = header.expected[0]
    out = err.splitlines()
    assert out[0] == f"{rel}:{first.line}:{first.col}: {first.message} [{first.code}]"
    culprit = out[1 if first.line == 1 else 2]
    caret = out[2 if first.line == 1 else 3]
    assert re.fullmatch(rf" +{first.line} \| .*", culprit), culprit
    assert re.fullmatch(r" +\| +\^", caret), caret
    assert caret.index("^") == culprit.index(" | ") + len(" | ") + first.col - 1
    assert culprit[caret.index("^")] == source.splitlines()[first.line - 1][first.col - 1]
    assert f"  hint: {first.hint}" in out
    assert out[: len(_rendered_block(source, rel, first))] == _rendered_block(source, rel, first)

    # Then every diagnostic, in order, separated by blank lines, and the count.
    n = len(header.expected)
    blocks = ["\n".join(_rendered_block(source, rel, want)) for want in header.expected]
    assert err == "\n\n".join(blocks) + f"\n\n{n} error{'s' if n != 1 else ''}\n"

"""The one I/O module: find plan and rule files, read them strictly, structure, validate.

`load(paths)` returns a `Library` (catalogs, rule sets, VAT table) or raises `PlanError` holding
every diagnostic from every file; nothing is returned half-loaded. Structuring happens once per run;
billing code only ever sees the frozen result.

The rule sets and the VAT table packaged with billingcore (src/billingcore/defaults/rules, read with
importlib.resources) fill in what the user's own files leave out (docs/rules.md "Packaged rule sets"): a
catalog naming a rule set the user's files do not define gets the packaged one of that name, and without a
VAT table of the user's the packaged one is used. A user's rule set of the same name, or VAT table,
replaces the packaged one.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from billingcore.catalog.library import Library as Library  # re-exported: hosts import it from here
from billingcore.catalog.model import Catalog
from billingcore.catalog.rules import RuleSet, VatTable
from billingcore.catalog.structure import diagnostics_from, make_converter
from billingcore.catalog.validate import validate_catalog, validate_rule_set, validate_vat
from billingcore.catalog.yamlsource import Document, SourceList, SourceMap, read_file, read_text
from billingcore.errors import Diagnostic, Location, PlanError

KINDS: dict[str, type] = {"catalog": Catalog, "rule_set": RuleSet, "vat_rates": VatTable}


def expand_paths(paths: Sequence[str]) -> list[str]:
    """Files named plus *.yaml/*.yml below directories named, sorted for a stable order.

    When plan files are given without any rules/ directory, the `rules/` folder beside the plans'
    folder is added, so `billingcore check plans/duda.yaml` resolves its rule set.
    """
    files: list[str] = []
    for path in paths:
        files.extend(yaml_files(path) if os.path.isdir(path) else [path])
    if not any(os.path.basename(os.path.dirname(os.path.abspath(f))) == "rules" for f in files):
        for f in list(files):
            rules_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(f))), "rules")
            if os.path.isdir(rules_dir):
                files.extend(expand_paths([os.path.relpath(rules_dir)]))
                break
    return list(dict.fromkeys(files))


def yaml_files(directory: str) -> list[str]:
    """The *.yaml and *.yml files below `directory`, sorted; hidden directories (.git, .venv) are never
    plan or scenario folders, and walking them could take minutes."""
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        files.extend(os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith((".yaml", ".yml")))
    return files


def load(paths: Sequence[str], *, packaged: bool = True) -> Library:
    """Load and validate plan and rule files; raise PlanError with all diagnostics. With `packaged`
    (the default) the packaged rule sets and VAT table fill in what the files leave out."""
    diagnostics = [_nothing_in(p) for p in paths if os.path.isdir(p) and not yaml_files(p)]
    if not paths:
        diagnostics.append(Diagnostic(None, "no plan or rules files given", _NO_FILES_HINT, "no-files"))
    docs = [read_file(f, diagnostics) for f in expand_paths(paths)]
    return build(docs, diagnostics, packaged_documents() if packaged else ())


_NO_FILES_HINT = "check the path; plan and rules files end in .yaml or .yml"

PACKAGED_RULES = ("defaults", "rules")  # below the billingcore package: the shipped rule sets and VAT table


@functools.cache
def packaged_documents() -> tuple[Document, ...]:
    """The rule sets and VAT table packaged with billingcore, read once per process (from the installed
    package, which in a checkout is src/billingcore/defaults/rules, the folder rules/ links to)."""
    folder = importlib.resources.files("billingcore").joinpath(*PACKAGED_RULES)
    diagnostics: list[Diagnostic] = []
    docs = tuple(
        read_text(str(item), item.read_text(encoding="utf-8"), diagnostics)
        for item in sorted(folder.iterdir(), key=lambda item: item.name)
        if item.name.endswith((".yaml", ".yml"))
    )
    if diagnostics:  # the package's own files: never the user's mistake
        raise PlanError(diagnostics, {d.path: d.text for d in docs})
    return docs


def packaged_rule_set_names() -> list[str]:
    """The names of the packaged rule sets, sorted (for hints)."""
    return sorted(_rule_set_name(d) for d in packaged_documents() if _rule_set_name(d))


def _rule_set_name(doc: Document) -> str:
    """The `rule_set:` a file declares, read before structuring ("" when it declares none, or not a word)."""
    name = doc.data.get("rule_set") if isinstance(doc.data, SourceMap) else None
    return name if isinstance(name, str) else ""


def _holds_vat(doc: Document) -> bool:
    return isinstance(doc.data, SourceMap) and "vat_rates" in doc.data


def _nothing_in(directory: str) -> Diagnostic:
    """A directory without any plan or rules file: loading it would say "ok" about nothing."""
    return Diagnostic(None, f"`{directory}` holds no plan or rules files (*.yaml, *.yml)", _NO_FILES_HINT, "no-files")


def load_texts(texts: dict[str, str], *, packaged: bool = True) -> Library:
    """Load from in-memory texts keyed by a display name (tests, host applications); `packaged` as `load`."""
    diagnostics: list[Diagnostic] = []
    docs = [read_text(name, text, diagnostics) for name, text in texts.items()]
    return build(docs, diagnostics, packaged_documents() if packaged else ())


def build(
    docs: Iterable[Document],
    diagnostics: list[Diagnostic],
    packaged: Sequence[Document] = (),
    wanted: Collection[str] = (),
) -> Library:
    """The library of `docs`. From `packaged`, only what they leave out is taken: each rule set a catalog
    (or `wanted`) names that no doc defines, and the VAT table when no doc holds one."""
    docs = list(docs)
    named_rules = {_rule_set_name(d) for d in docs}
    user_vat = any(_holds_vat(d) for d in docs)
    packaged_names = sorted(n for d in packaged if (n := _rule_set_name(d)))
    sources = {d.path: d.text for d in docs}
    maps: dict[int, SourceMap] = {}
    keep: list[Any] = []  # objects stay alive so their id() keys in `maps` remain valid

    def remember(obj: Any, mapping: SourceMap) -> None:
        maps[id(obj)] = mapping
        keep.append(obj)

    conv = make_converter(remember)
    loaded: list[tuple[Any, Document]] = []
    for doc in docs:
        if doc.data is None:
            if not any(isinstance(d.location, Location) and d.location.file == doc.path for d in diagnostics):
                diagnostics.append(Diagnostic(doc.root_loc, "file is empty", _FILE_KINDS_HINT, "empty-file"))
            continue
        kind = _kind_of(doc, diagnostics)
        if kind is None:
            continue
        try:
            loaded.append((conv.structure(doc.data, kind), doc))
        except Exception as exc:  # every structuring failure becomes located diagnostics
            diagnostics.extend(diagnostics_from(exc, doc.data, doc.root_loc))
    needed = {o.rules for o, _ in loaded if isinstance(o, Catalog)} | set(wanted)
    used = [d for d in packaged if _rule_set_name(d) in needed - named_rules or (_holds_vat(d) and not user_vat)]
    for doc in used:  # the package's own files: valid (tests/unit/test_packaged.py loads them all)
        loaded.append((conv.structure(doc.data, RuleSet if _rule_set_name(doc) else VatTable), doc))
        sources[doc.path] = doc.text

    def where(obj: Any, *path: Any, key: bool = False) -> Location:
        """Where the value at `path` below `obj` stands; with `key=True`, where its key stands (the
        caret belongs under a misspelt id in `included: {sites: 1}`, not under the count)."""
        mapping = maps.get(id(obj))
        if mapping is None:
            return getattr(obj, "src", None) or Location("<unknown>", 1, 1)
        return _locate(mapping, path, key)

    catalogs: dict[str, Catalog] = {}
    rule_sets: dict[str, RuleSet] = {}
    vat: VatTable | None = None
    for obj, _doc in loaded:
        if isinstance(obj, RuleSet):
            _register(rule_sets, obj.rule_set, obj, "rule_set", "rule set", where, diagnostics)
        elif isinstance(obj, VatTable):
            if vat is not None:
                first = vat.src.file if vat.src else "?"
                diagnostics.append(
                    Diagnostic(
                        where(obj, "vat_rates"),
                        "a second VAT table",
                        f"keep one vat_rates file (the first is {first})",
                        "duplicate-vat",
                    )
                )
            else:
                vat = obj
    for obj, _doc in loaded:
        if isinstance(obj, Catalog):
            _register(catalogs, obj.catalog, obj, "catalog", "catalog", where, diagnostics)
    for rules in rule_sets.values():
        diagnostics.extend(validate_rule_set(rules, where))
    if vat is not None:
        diagnostics.extend(validate_vat(vat, where))
    for cat in catalogs.values():
        diagnostics.extend(validate_catalog(cat, rule_sets, vat, where, packaged_names))
    if catalogs and vat is None and not diagnostics:
        first_catalog = next(iter(catalogs.values()))
        diagnostics.append(
            Diagnostic(
                first_catalog.src,
                "no VAT table loaded (rules/vat.yaml with `vat_rates:`)",
                "pass the rules/ directory along with the plans",
                "no-vat",
            )
        )
    if diagnostics:
        raise PlanError(diagnostics, sources)
    return Library(catalogs, rule_sets, vat, tuple(d.path for d in docs), tuple(d.path for d in used))


def _register(
    table: dict[str, Any], name: str, obj: Any, key: str, what: str, where: Any, diagnostics: list[Diagnostic]
) -> None:
    if name in table:
        first = where(table[name], key)
        diagnostics.append(
            Diagnostic(
                where(obj, key),
                f"duplicate {what} `{name}` (first in {first.file}:{first.line})",
                f"rename one of them; {what} names are unique",
                f"duplicate-{key.replace('_', '-')}",
            )
        )
    else:
        table[name] = obj


_FILE_KINDS_HINT = (
    "a plan file starts with `catalog: <id>`, a rule set with `rule_set: <name>`, the VAT table with `vat_rates:`"
)


def _kind_of(doc: Document, diagnostics: list[Diagnostic]) -> type | None:
    found: list[str] = []
    if isinstance(doc.data, SourceMap):
        found = [k for k in KINDS if k in doc.data]
        if len(found) == 1:
            return KINDS[found[0]]
    hint = _FILE_KINDS_HINT
    if len(found) > 1:
        keys = [f"`{k}:`" for k in found]
        hint = f"this file has {', '.join(keys[:-1])} and {keys[-1]}; each belongs in a file of its own"
    diagnostics.append(Diagnostic(doc.root_loc, "cannot tell what this file holds", hint, "unknown-file-kind"))
    return None


def _locate(node: Any, path: Sequence[Any], key: bool = False) -> Location:
    loc: Location = node.loc
    for i, step in enumerate(path):
        if isinstance(node, SourceMap) and step in node:
            if key and i == len(path) - 1:
                return node.key_locs[step]
            loc, node = node.value_locs[step], node[step]
        elif isinstance(node, SourceList) and isinstance(step, int) and step < len(node):
            loc, node = node.item_locs[step], node[step]
        else:
            break
    return loc

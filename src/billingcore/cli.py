"""The `billingcore` command: check plan and rule files, print the JSON Schema.

Exit codes: 0 ok, 1 invalid input (diagnostics on stderr), 2 usage error. Never a traceback for bad
input: every anticipated problem is a `BillingError` rendered as file:line:col with a hint.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from billingcore.catalog.loader import load
from billingcore.catalog.schema import SCHEMAS
from billingcore.errors import InputError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="billingcore", description="Subscription billing rules engine.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate plan and rule files")
    check.add_argument("paths", nargs="*", default=["plans", "rules"], help="files or directories")
    schema = sub.add_parser("schema", help="print the JSON Schema for plan (default) or rules files")
    schema.add_argument("kind", nargs="?", choices=sorted(SCHEMAS), default="plan")
    args = parser.parse_args(argv)

    if args.command == "schema":
        print(schema_text(args.kind), end="")
        return 0
    return run_check(args.paths)


def schema_text(kind: str) -> str:
    return json.dumps(SCHEMAS[kind](), indent=2, sort_keys=False) + "\n"


def run_check(paths: Sequence[str]) -> int:
    try:
        library = load(paths)
    except InputError as exc:
        print(exc.render(), file=sys.stderr)
        n = len(exc.diagnostics)
        print(f"\n{n} error{'s' if n != 1 else ''}", file=sys.stderr)
        return 1
    print(
        f"ok: {len(library.files)} files, {len(library.catalogs)} catalogs, {len(library.rule_sets)} rule sets, "
        f"VAT table {'loaded' if library.vat else 'absent'}"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

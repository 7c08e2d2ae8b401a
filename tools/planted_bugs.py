"""Plant the bugs a reviewer once slipped past the suite, one at a time, and check a named test kills each.

    .venv/bin/python tools/planted_bugs.py            # every bug; exit 1 if any survives
    .venv/bin/python tools/planted_bugs.py --list     # the table only

Each bug is a small text substitution in one source file, made in a throw-away copy of the repository
(src, tests, plans, rules, schema, docs, README.md, pyproject.toml), never in the working tree. The
named tests run against that copy (PYTHONPATH puts its src first); the bug is killed when at least
one of them fails. A substitution whose text is no longer in the file is reported as stale: the code
moved, so the bug must be planted again where the logic now lives (that is the point after a
restructure: the same bugs must still die).

These are the 11 kinds of bug of issue 16 ("Tests that catch real bugs"); `make mutate` measures the
suite more broadly with mutmut, this checks the bugs we know were missed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
COPY = ("src", "tests", "plans", "rules", "schema", "docs", "README.md", "pyproject.toml")


class Bug(NamedTuple):
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]  # pytest node ids; at least one must fail


BUGS: tuple[Bug, ...] = ()  # filled in below, next to the code each one breaks


def _run(bug: Bug, tmp: Path) -> tuple[str, str]:
    """Plant `bug` in a fresh copy and run its tests: (verdict, detail)."""
    work = tmp / re.sub(r"[^a-z0-9]+", "-", bug.name.lower())  # PYTHONPATH splits on ":"
    for name in COPY:
        src = ROOT / name
        if src.is_symlink():  # rules/ and schema/ link into src/billingcore/defaults: the copy links there too
            (work / name).symlink_to(os.readlink(src))
        elif src.is_dir():
            shutil.copytree(src, work / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif src.exists():
            shutil.copy(src, work / name)
    target = work / bug.file
    text = target.read_text()
    if text.count(bug.old) != 1:
        return "STALE", f"{bug.file}: the text to replace occurs {text.count(bug.old)} times (expected once)"
    target.write_text(text.replace(bug.old, bug.new))
    env = {**os.environ, "PYTHONPATH": str(work / "src"), "HYPOTHESIS_PROFILE": "mutate"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header", "-rf", *bug.tests],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    failed = [line.split(" ")[1] for line in proc.stdout.splitlines() if line.startswith("FAILED ")]
    if proc.returncode == 0:
        return "SURVIVED", "every named test passed"
    if not failed:
        return "ERROR", proc.stdout[-2000:] + proc.stderr[-2000:]
    shown = sorted(failed)[:3]
    return "KILLED", ", ".join(shown) + (f" (+{len(failed) - 3} more)" if len(failed) > 3 else "")


def main(argv: list[str]) -> int:
    if "--list" in argv:
        for bug in BUGS:
            print(f"{bug.name}: {bug.file}\n    killed by: {', '.join(bug.tests)}")
        return 0
    bad = 0
    with tempfile.TemporaryDirectory(prefix="planted-") as tmp:
        for bug in BUGS:
            verdict, detail = _run(bug, Path(tmp))
            bad += verdict != "KILLED"
            print(f"{verdict:8} {bug.name}\n         {detail}", flush=True)
    print(f"\n{len(BUGS) - bad} of {len(BUGS)} planted bugs killed")
    return 1 if bad else 0


BUGS = (
    Bug(
        "one-off billed without VAT",
        "src/billingcore/adjustments.py",
        "    rate = ledger.vat_rate(draft.date)\n",
        "    rate = ZERO if draft.kind == 'immediate' else ledger.vat_rate(draft.date)\n    from billingcore.money import ZERO\n",
        ("tests/scenarios/vat/one-off-consumer-de.yaml",),
    ),
    Bug(
        "reverse charge for a domestic business",
        "src/billingcore/tax.py",
        "        and country != seller_country\n",
        "",
        ("tests/scenarios/vat/domestic-b2b.yaml",),
    ),
    Bug(
        "credit from today's catalog price",
        "src/billingcore/features/subscriptions.py",
        "    credit = proration_credit(old, e.date, t.catalog.currency, t.rules.proration, e.id, t.labels.credit)",
        "    today = t.plans[old.product].version_on(e.date).prices[old.period] if old.kind == 'plan' else None\n"
        "    old = old._replace(billed=today) if today is not None else old\n"
        "    credit = proration_credit(old, e.date, t.catalog.currency, t.rules.proration, e.id, t.labels.credit)",
        ("tests/scenarios/proration/credit-after-price-rise.yaml",),
    ),
    Bug(
        "included slots from today's plan version",
        "src/billingcore/features/slots.py",
        "    count = view.tariff.plans[plan.product].version_on(plan.bought).included.get(product, 0)",
        "    count = view.tariff.plans[plan.product].version_on(view.as_of).included.get(product, 0)",
        ("tests/scenarios/duda/agency-eight-sites-after-july.yaml",),
    ),
    Bug(
        "purchase price from the latest plan version",
        "src/billingcore/features/plans.py",
        '    price = price_for(plan.version_on(e.date).prices, e.period, "plan", plan.id)\n    if isinstance(price, Problem):\n        return Outcome(problem=price)\n    label',
        '    price = price_for(plan.versions[-1].prices, e.period, "plan", plan.id)\n    if isinstance(price, Problem):\n        return Outcome(problem=price)\n    label',
        ("tests/scenarios/duda/agency-repriced-june.yaml",),
    ),
    Bug(
        "zero_total: skip ignored",
        "src/billingcore/adjustments.py",
        "    return issued(ledger.tariff.billing, docs)",
        "    return docs",
        ("tests/scenarios/invoicing/zero-total-skip.yaml",),
    ),
    Bug(
        "renewal.lead_days ignored",
        "src/billingcore/tariff.py",
        "timedelta(days=self.rules.renewal.lead_days)",
        "timedelta(days=0)",
        ("tests/scenarios/renewal/lead-days.yaml",),
    ),
    Bug(
        "billing_day.anchor: first_of_month ignored",
        "src/billingcore/billing_day.py",
        "    return 1 if anchor is _FIRST_OF_MONTH else None",
        "    return None",
        ("tests/scenarios/billing-day/first-of-month.yaml",),
    ),
    Bug(
        "billing_day.alignment ignored (terms on their own anniversaries)",
        "src/billingcore/alignment.py",
        "    if not view.tariff.aligned or contract.included:",
        "    if True:",
        ("tests/scenarios/calendar/calendar-mid-month.yaml",),
    ),
    Bug(
        "a plan billed in arrears invoiced in advance",
        "src/billingcore/timing.py",
        "    if tariff.any_arrears and c.end is not None and in_arrears(tariff, contracts, c):",
        "    if False:",
        ("tests/scenarios/calendar/calendar-in-arrears.yaml",),
    ),
    Bug(
        "an error hint changed",
        "src/billingcore/catalog/validate.py",
        '"list the oldest version first"',
        '"list the newest version first"',
        ("tests/errors/test_error_catalog.py",),
    ),
    Bug(
        "an error code changed",
        "src/billingcore/catalog/validate.py",
        '"unknown-discount-scale"',
        '"unknown-scale"',
        ("tests/errors/test_error_catalog.py",),
    ),
    Bug(
        "the caret one column off",
        "src/billingcore/errors.py",
        "{' ' * (col - 1)}^",
        "{' ' * col}^",
        ("tests/errors/test_error_catalog.py",),
    ),
)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

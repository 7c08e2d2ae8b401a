"""How often the oracle's timelines hold changes inside a lead window (the numbers docs/testing.md quotes).

    PYTHONPATH=src:tests .venv/bin/python tests/oracle/count_lead_window_changes.py [EXAMPLES]

Draws EXAMPLES (default 1 500) duda-lead-10 timelines of the oracle's scope, derandomized so the same code gives
the same numbers, and counts each plan change, cancel, conversion of a paid site, don't-renew set or cleared
by where it falls in its contract's lead window, as the oracle sees the contract just before the event: on
the renewal day, strictly between the renewal day and the term end (the renewal charged), or on the term
end day (the charged term's first day). Plan changes on a term end day clamped to a short month (the
contract's day of month past the day: bought on the 31st, changed on 04-30) are counted apart.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings

from oracle import test_oracle
from oracle.model import Oracle
from properties.strategies import BillingCase, billing_cases

ORACLE_SCOPE = test_oracle.ORACLE_SCOPE


class CountingOracle(Oracle):
    """The oracle, noting where each change falls before it applies it."""

    changes: Counter[str]

    def apply(self, event: Any) -> None:
        name = type(event).__name__
        key = "plan" if name == "ChangePlan" else f"site:{event.site}" if name == "ConvertSite" else None
        key = key or getattr(event, "contract", None)
        contract = self.contracts.get(key) if key else None
        if name == "ConvertSite" and self.sites[event.site].status != "paid":
            contract = None  # an included site converted: no contract of its own changes
        if contract is not None and not contract.ended:
            what = name if key == "plan" and name == "ChangePlan" else f"{name} {key.split(':')[0]}"
            if contract.renewed and contract.term_end == event.date:
                self.changes[f"on the term end day: {what}"] += 1
                if name == "ChangePlan" and contract.day_of_month > event.date.day:
                    self.changes["on the term end day: ChangePlan on a clamped anchor"] += 1
            elif contract.renewed:
                self.changes[f"between the renewal day and the term end: {what}"] += 1
            elif contract.term_end - self.lead == event.date:
                self.changes[f"on the renewal day: {what}"] += 1
        super().apply(event)


def count(examples: int) -> tuple[Counter[str], Counter[str], set[str]]:
    changes: Counter[str] = Counter()
    timelines: Counter[str] = Counter()
    distinct: set[str] = set()

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(billing_cases("duda-lead-10", ORACLE_SCOPE))
    def draw(case: BillingCase) -> None:
        oracle = CountingOracle(case.catalog, case.rule_set, case.account.country, case.account.vat_id)
        oracle.changes = Counter()
        oracle.run(list(case.events), case.until)
        distinct.add(repr((case.catalog, case.events, case.until)))
        changes.update(oracle.changes)
        timelines.update({where.split(":")[0] for where in oracle.changes})
        if oracle.changes["on the term end day: ChangePlan on a clamped anchor"]:
            timelines["on the term end day (a plan changed on a clamped anchor)"] += 1

    draw()
    return changes, timelines, distinct


if __name__ == "__main__":
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
    changes, timelines, distinct = count(wanted)
    print(f"{wanted} timelines ({len(distinct)} distinct), counted by where a change falls in its lead window")
    for where, n in sorted(timelines.items()):
        print(f"  timelines with a change {where}: {n}")
    for where, n in sorted(changes.items()):
        print(f"  {where}: {n}")

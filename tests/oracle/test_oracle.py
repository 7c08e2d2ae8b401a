"""The engine against the independent oracle (tests/oracle/model.py) on generated catalogs and timelines:
every document's date, type and kind, every line's item, kind, amount, period and VAT rate, and the net, VAT
per rate and gross must be exactly what the written rules give.

The timelines come from properties.strategies.billing_cases within ORACLE_SCOPE (no stores or apps, and
none of the combinations the rules leave open; model.py's docstring lists them). They are valid by
construction, so an impossible-event error from the engine is a failure here, not a skipped example."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billingcore.engine import bill
from oracle.model import Doc, Oracle
from properties.strategies import BillingCase, TimelineScope, billing_cases, per_rule_set

# duda-lead-10 (tests/rules): duda with renewal.lead_days 10, renewals charged ahead of the term end
ORACLE_RULE_SETS = [
    "duda", "killbill", "killbill-30", "chargebee", "lago", "lago-calendar", "billwerk", "fakturia", "duda-lead-10"
]  # fmt: skip
ORACLE_SCOPE = TimelineScope(
    stores=False,
    apps=False,
    trial_annual_sites=False,
    convert_to_monthly=False,
    rebuy_plan=False,
    dont_renew_monthly_sites=False,
    arrears_plans=False,
    lead_downgrades_and_freed_slots=False,
    lead_term_end_day_changes=True,  # the charged term's first day: credited in full, the anchor kept
    lead_events_the_day_a_clear_renewed=False,
)


def expected_documents(case: BillingCase) -> list[Doc]:
    oracle = Oracle(case.catalog, case.rule_set, case.account.country, case.account.vat_id)
    return oracle.run(list(case.events), case.until)


def summary(doc: Any) -> dict[str, Any]:
    """The fields the oracle predicts, as exact strings (money keeps its scale: "8.80", not "8.8"). Lines
    are compared as a sorted list: no written rule orders the lines of an invoice, only what is on it."""
    return {
        "date": str(doc.date),
        "type": doc.type,
        "kind": doc.kind,
        "lines": sorted(
            (line.item, line.kind, str(line.amount), str(line.period_start), str(line.period_end),
             str(line.vat_rate.normalize()))
            for line in doc.lines
        ),
        "net": str(doc.net),
        "vat": [(str(rate.normalize()), str(base), str(amount)) for rate, base, amount in doc.vat],
        "gross": str(doc.gross),
        "notes": list(doc.notes),
    }


def describe(case: BillingCase, got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> str:
    """The timeline, the catalog, and the documents side by side from the first one that differs."""
    events = "\n".join(f"  {e.date} {type(e).__name__} {_fields(e)}" for e in case.events)
    out = [f"rule set {case.rule_set}, {case.account}, until {case.until}", events, case.catalog.yaml(case.rule_set)]
    first = next((i for i, (g, x) in enumerate(zip(got, expected)) if g != x), min(len(got), len(expected)))
    for label, docs in (("engine", got), ("oracle", expected)):
        out.append(f"--- {label} ({len(docs)} documents), from #{first}:")
        for doc in docs[first : first + 3]:
            out.append(f"  {doc['date']} {doc['type']} {doc['kind']} net {doc['net']} vat {doc['vat']}"
                       f" gross {doc['gross']} {doc['notes'] or ''}")
            out += [f"      {line}" for line in doc["lines"]]
    return "\n".join(out)


def _fields(event: Any) -> str:
    names = [f.name for f in attrs.fields(type(event)) if f.name not in ("id", "date", "src")]
    return ", ".join(f"{name}={getattr(event, name)}" for name in names)


# 50 examples per rule set in the everyday profiles (450 in all), the deep profile's full 2000 per rule set.
PER_RULE_SET = per_rule_set(everyday=50, deep_share=1)


@pytest.mark.parametrize("rule_set", ORACLE_RULE_SETS)
@PER_RULE_SET
@given(st.data())
def test_the_engine_bills_what_the_written_rules_say(rule_set: str, data: st.DataObject) -> None:
    case = data.draw(billing_cases(rule_set, ORACLE_SCOPE), label="case")
    expected = [summary(d) for d in expected_documents(case)]
    got = [summary(d) for d in bill(case.tariff(), case.account, case.events, case.until).documents]
    assert got == expected, describe(case, got, expected)

"""Money never depends on the caller's decimal context (issue 9): a host may run billingcore inside
`decimal.localcontext(prec=4)`, with other rounding, with every signal trapped, or with lower-case
exponents, and the documents and the saved state come out byte for byte as under the default context.

The whole path a host uses runs inside the hostile context: loading the catalog and rules from their texts,
structuring the events from plain dicts, billing, the documents as JSON and the state as JSON."""

from __future__ import annotations

import decimal
import json
from decimal import Decimal
from enum import Enum
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from billingcore.catalog.loader import load_texts
from billingcore.documents import document_json
from billingcore.engine import bill, prepare
from billingcore.errors import EventError, Location
from billingcore.money import fmt
from billingcore.snapshot import dump_state
from billingcore.timeline import structure_events
from properties.strategies import CATALOG_ID, SHIPPED_RULE_SETS, BillingCase, billing_cases, per_rule_set, rule_texts

PER_RULE_SET = per_rule_set(everyday=20, deep_share=5)

_ROUNDINGS = [
    decimal.ROUND_CEILING, decimal.ROUND_DOWN, decimal.ROUND_FLOOR, decimal.ROUND_HALF_DOWN,
    decimal.ROUND_HALF_EVEN, decimal.ROUND_HALF_UP, decimal.ROUND_UP, decimal.ROUND_05UP,
]  # fmt: skip
_SIGNALS = [
    decimal.Clamped, decimal.DivisionByZero, decimal.FloatOperation, decimal.Inexact, decimal.InvalidOperation,
    decimal.Overflow, decimal.Rounded, decimal.Subnormal, decimal.Underflow,
]  # fmt: skip


@st.composite
def contexts(draw: Any) -> decimal.Context:
    """Any context a host might have set: precision 2-50, any rounding, any signals trapped (Inexact, Rounded,
    FloatOperation ...) or none, lower-case exponents, a small exponent range, clamping."""
    return decimal.Context(
        prec=draw(st.integers(2, 50)),
        rounding=draw(st.sampled_from(_ROUNDINGS)),
        traps=draw(st.lists(st.sampled_from(_SIGNALS), unique=True)),
        capitals=draw(st.integers(0, 1)),
        Emax=draw(st.sampled_from([decimal.MAX_EMAX, 999_999, 40])),
        Emin=draw(st.sampled_from([decimal.MIN_EMIN, -999_999, -40])),
        clamp=draw(st.integers(0, 1)),
    )


def _as_dict(event: Any) -> dict[str, Any]:
    """A typed event as the plain dict a host would send (dates and decimals as text, enums as their words)."""
    out: dict[str, Any] = {"type": event.TYPE}
    for f in attrs.fields(type(event)):
        value = getattr(event, f.name)
        if f.name == "src" or value is None:
            continue
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, Decimal):
            value = fmt(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[f.name] = value
    return out


def _run(case: BillingCase, events: list[dict[str, Any]]) -> str:
    """The documents and the saved state as JSON, from texts and dicts, as a host gets them."""
    texts = rule_texts()
    library = load_texts(
        {
            "rules/vat.yaml": texts["rules/vat.yaml"],
            f"rules/{case.rule_set}.yaml": texts[f"rules/{case.rule_set}.yaml"],
            "plans/gen.yaml": case.catalog.yaml(case.rule_set),
        }
    )
    typed, problems = structure_events(events, Location("<events>", 1, 1))
    assert problems == []
    try:
        result = bill(prepare(library, CATALOG_ID), case.account, typed, case.until)
    except EventError:
        assume(False)  # the rare refused timeline (test_engine_properties.py)
        raise
    return json.dumps(
        {"documents": [document_json(d) for d in result.documents], "state": dump_state(result.state)},
        sort_keys=True,
    )


@pytest.mark.parametrize("rule_set", SHIPPED_RULE_SETS)
@PER_RULE_SET
@given(st.data())
def test_documents_are_identical_under_any_caller_decimal_context(rule_set: str, data: st.DataObject) -> None:
    case = data.draw(billing_cases(rule_set), label="case")
    events = [_as_dict(e) for e in case.events]
    expected = _run(case, events)
    context = data.draw(contexts(), label="context")
    with decimal.localcontext(context):
        got = _run(case, events)
    assert got == expected


def test_a_264_invoice_stays_264_00_at_precision_4(library: Any) -> None:
    # The first example: with prec=4 the Team plan's 264.00 invoice came out as net 264.0.
    from datetime import date

    from billingcore.catalog.model import Period
    from billingcore.engine import Account
    from billingcore.events import BuyPlan

    tariff = prepare(library, "duda")
    with decimal.localcontext(prec=4):
        (doc,) = bill(
            tariff,
            Account("a", "duda", "US"),
            [BuyPlan("e1", date(2020, 1, 10), "team", Period.ANNUAL)],
            date(2020, 1, 10),
        ).documents
    assert (fmt(doc.net), fmt(doc.vat[0].base), fmt(doc.gross)) == ("264.00", "264.00", "264.00")


HOSTILE = [
    decimal.Context(prec=2, rounding=decimal.ROUND_FLOOR, traps=[]),
    decimal.Context(prec=4, rounding=decimal.ROUND_05UP, traps=_SIGNALS, capitals=0),
]


@pytest.mark.parametrize("context", HOSTILE, ids=["prec2-floor-no-traps", "prec4-all-traps"])
def test_plan_file_diagnostics_are_identical_under_any_caller_decimal_context(
    context: decimal.Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The loading path too: every error reproducer gives the same diagnostics, hints included (the hint of a
    # negative price negated the amount in the caller's context: "-13.00" became "13" at precision 2).
    from billingcore.catalog.loader import load
    from billingcore.errors import PlanError
    from errors.test_error_catalog import CASES, ROOT, _header, _packaged, _paths

    monkeypatch.chdir(ROOT)

    def diagnostics(case: Any) -> list[Any]:
        header = _header(case)
        with pytest.raises(PlanError) as info:
            load(_paths(header, str(case.relative_to(ROOT))), packaged=_packaged(header))
        return info.value.diagnostics

    expected = {case.name: diagnostics(case) for case in CASES}
    with decimal.localcontext(context):
        got = {case.name: diagnostics(case) for case in CASES}
    assert got == expected

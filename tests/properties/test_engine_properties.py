"""Invariants of billing over generated Duda timelines, under every shipped rule set: the Duda
catalog billed the Duda way, and as Kill Bill, Chargebee, Lago, billwerk, WEDOS and Fakturia would
(interim invoices, credit notes, keep-end proration, 30-day months, renewal lead days, per-line VAT)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from billingcore.catalog.loader import Library
from billingcore.documents import document_json
from billingcore.engine import Account, Result, Tariff, bill, prepare
from billingcore.errors import EventError
from billingcore.snapshot import dump_state, load_state
from properties.strategies import duda_timelines

UNTIL = date(2021, 6, 30)
ACCOUNT = Account("prop", "duda", "DE")  # a German consumer: VAT rates change inside the range


RULE_SETS = ["duda", "killbill", "killbill-30", "chargebee", "lago", "billwerk", "wedos", "fakturia"]


@pytest.fixture(scope="module", params=RULE_SETS)
def tariff(library: Library, request: pytest.FixtureRequest) -> Tariff:
    catalogs = {**library.catalogs, "duda": attrs.evolve(library.catalogs["duda"], rules=request.param)}
    return prepare(attrs.evolve(library, catalogs=catalogs), "duda")


def _bill(tariff: Tariff, events: list[Any], until: date, state: Any = None) -> Result:
    try:
        return bill(tariff, ACCOUNT, events, until, state)
    except EventError:
        assume(False)  # the generator made an impossible timeline (e.g. don't-renew on an included site)
        raise


def _json(result: Result) -> str:
    return json.dumps([document_json(d) for d in result.documents], sort_keys=True)


@given(duda_timelines(), st.integers(0, 540))
def test_resuming_from_a_saved_state_equals_one_full_run(tariff: Tariff, events: list[Any], split: int) -> None:
    d1 = date(2019, 12, 20) + timedelta(days=split)
    full = _bill(tariff, events, UNTIL)
    first = _bill(tariff, [e for e in events if e.date <= d1], d1)
    saved = json.loads(json.dumps(dump_state(first.state)))  # the state survives JSON
    second = _bill(tariff, [e for e in events if e.date > d1], UNTIL, load_state(saved))
    assert [document_json(d) for d in first.documents + second.documents] == [document_json(d) for d in full.documents]
    assert dump_state(second.state) == dump_state(full.state)


@given(duda_timelines())
def test_totals_are_the_sum_of_lines_plus_vat(tariff: Tariff, events: list[Any]) -> None:
    for doc in _bill(tariff, events, UNTIL).documents:
        assert doc.net == sum((line.amount for line in doc.lines), Decimal(0))
        assert doc.gross == doc.net + sum((v.amount for v in doc.vat), Decimal(0))
        assert sum((v.base for v in doc.vat), Decimal(0)) == doc.net
        assert all(line.amount.as_tuple().exponent == -2 for line in doc.lines)


@given(duda_timelines())
def test_credits_never_exceed_what_was_billed(tariff: Tariff, events: list[Any]) -> None:
    billed: dict[str, Decimal] = {}
    credited: dict[str, Decimal] = {}
    for doc in _bill(tariff, events, UNTIL).documents:
        for line in doc.lines:
            target = credited if line.kind == "credit" else billed
            target[line.item] = target.get(line.item, Decimal(0)) + abs(line.amount)
    for item, credit in credited.items():
        assert credit <= billed.get(item, Decimal(0))


@given(duda_timelines())
def test_same_input_gives_byte_identical_output(tariff: Tariff, events: list[Any]) -> None:
    assert _json(_bill(tariff, events, UNTIL)) == _json(_bill(tariff, list(events), UNTIL))


@given(duda_timelines())
def test_no_term_is_charged_twice(tariff: Tariff, events: list[Any]) -> None:
    # The same product's term, not the same day: with change_day: used the change day is paid on the
    # old and the new terms (Duda's example pays Jan 10 on both the monthly and the annual site).
    seen: set[tuple[str, str, Any]] = set()
    for doc in _bill(tariff, events, UNTIL).documents:
        for line in doc.lines:
            if line.kind == "charge":
                key = (line.item, line.description, line.period_start)
                assert key not in seen
                seen.add(key)


@given(duda_timelines())
def test_an_invoice_never_has_a_negative_total(tariff: Tariff, events: list[Any]) -> None:
    for doc in _bill(tariff, events, UNTIL).documents:
        if doc.gross < 0:
            assert doc.type == "credit_note"
        if doc.type == "credit_note":
            assert any(line.kind == "credit" for line in doc.lines)

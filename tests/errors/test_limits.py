"""The limits of issue 9 ("Hardening"), each reproducing the original failure first: the largest amounts and
quantities (docs/plans.md "Limits"), the supported dates (docs/scenarios.md "Supported dates") and the ranges
of rule values (docs/rules.md). Plan and rules files have their reproducers in tests/errors/cases; this file
holds what no plan file shows: events (as dicts, in files, built in Python), `until`, and billing at the
limits. Each diagnostic is checked whole: location, code, message and hint."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billingcore.catalog.loader import Library, load_texts
from billingcore.catalog.model import Period
from billingcore.catalog.yamlsource import read_text
from billingcore.dates import FIRST_DAY, LAST_DAY, LAST_TERM_DAY, in_supported_range
from billingcore.engine import Account, bill, prepare
from billingcore.errors import DataPath, Diagnostic, EventError, InputError, PlanError
from billingcore.events import BuyOneOff, BuyPlan, PublishSite, StartTrial
from billingcore.money import fmt
from billingcore.scenarios import load_scenario
from billingcore.timeline import structure_events

ROOT = Path(__file__).resolve().parents[2]


def _rules() -> dict[str, str]:
    return {f"rules/{name}": (ROOT / "rules" / name).read_text() for name in ("vat.yaml", "duda.yaml")}


def _events(text: str) -> tuple[list[object], list[tuple[str, str, str, str]]]:
    diagnostics: list[Diagnostic] = []
    doc = read_text("e.yaml", text, diagnostics)
    assert diagnostics == []
    events, problems = structure_events(doc.data, doc.root_loc)
    return events, [(str(d.location), d.code, d.message, d.hint) for d in problems]


# -- amounts and quantities ----------------------------------------------------------------------------------


def test_an_event_quantity_too_large_or_too_precise_is_a_located_error() -> None:
    # Accepted before: a 10-digit quantity times a 12-digit price left the 34 digits of the engine's arithmetic.
    events, problems = _events(
        "- {id: e1, date: 2020-01-10, type: buy_one_off, item: premium-image, quantity: 1000000000}\n"
        '- {id: e2, date: 2020-01-10, type: buy_one_off, item: premium-image, quantity: "2.50001"}\n'
        "- {id: e3, date: 2020-01-10, type: buy_one_off, item: premium-image, quantity: 999999999}\n"
    )
    assert [e.id for e in events] == ["e3"]  # type: ignore[attr-defined]
    assert problems == [
        (
            "e.yaml:1:80",
            "too-large",
            "event e1: quantity: a quantity has at most 9 digits before the decimal point, got 1000000000 (10 digits)",
            'check the quantity: billingcore bills quantities below 1000000000 (docs/plans.md, "Limits")',
        ),
        (
            "e.yaml:2:80",
            "too-many-decimals",
            "event e2: quantity: a quantity has at most 4 decimals, got 2.50001 (5 decimals)",
            'round it to 4 decimals, e.g. "2.5000"',
        ),
    ]


def test_an_event_dict_from_a_host_gets_the_same_limits() -> None:
    events, problems = structure_events(
        [{"id": "e1", "date": "2020-01-10", "type": "buy_one_off", "item": "x", "quantity": 10**40}], None
    )
    assert events == []
    assert [(d.location, d.code, d.message) for d in problems] == [
        (
            DataPath("events[0]"),
            "too-large",
            "event e1: quantity: a quantity has at most 9 digits before the decimal point, got "
            "10000000000000000000... (41 digits)",
        )
    ]


def test_the_largest_amount_times_the_largest_quantity_bills_exactly() -> None:
    # What the limits promise (docs/plans.md "Limits"), worked by hand: 999999999999.99 x 999999999.5
    # = 999999999499990000000.005, half up 999999999499990000000.01; VAT 19 % of it = 189999999904998100000.0019,
    # half up .00; gross 1189999999404988100000.01. Every digit is kept, under any decimal context.
    catalog = (
        "catalog: big\ncurrency: EUR\nrules: duda\nseller_country: DE\n"
        'one_offs:\n  - {id: gold, name: Gold, price: "999999999999.99"}\n'
    )
    tariff = prepare(load_texts({**_rules(), "plans/big.yaml": catalog}), "big")
    events = [BuyOneOff("e1", date(2021, 1, 10), "gold", Decimal("999999999.5"))]
    (doc,) = bill(tariff, Account("a", "big", "DE"), events, date(2021, 1, 10)).documents
    assert fmt(doc.lines[0].amount) == "999999999499990000000.01"
    assert fmt(doc.net) == "999999999499990000000.01"
    assert (fmt(doc.vat[0].base), fmt(doc.vat[0].amount)) == ("999999999499990000000.01", "189999999904998100000.00")
    assert fmt(doc.gross) == "1189999999404988100000.01"


# -- dates -----------------------------------------------------------------------------------------------------

RANGE_HINT = 'write a date from 1900-01-01 to 2199-12-31 (docs/scenarios.md, "Supported dates")'


def test_dates_outside_the_supported_range_are_located_in_a_scenario_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: `until: 3000-01-01` billed 980 years (20 s and 627 MB in the scenario runner), and the event
    # dated 0001-01-01 was never reached by the agenda: no document, no error, for the whole timeline.
    monkeypatch.chdir(ROOT)
    case = "tests/errors/events/out-of-range-dates.yaml"
    with pytest.raises(InputError) as info:
        load_scenario(case)
    assert [(str(d.location), d.code, d.message, d.hint) for d in info.value.diagnostics] == [
        (f"{case}:4:8", "date-range", "until: 3000-01-01 is outside the supported dates 1900-01-01 to 2199-12-31",
         RANGE_HINT),
        (f"{case}:7:20", "date-range",
         "event e1: date: 0001-01-01 is outside the supported dates 1900-01-01 to 2199-12-31", RANGE_HINT),
    ]  # fmt: skip


def test_a_python_event_outside_the_supported_dates_is_refused_not_dropped(library: Library) -> None:
    # Before: an event dated 0001-01-01 made `bill` return no documents, no error and an empty state.
    events = [
        StartTrial("e1", date(1, 1, 1)),
        BuyPlan("e2", date(2020, 1, 10), "team", Period.ANNUAL),
        PublishSite("e3", date(2200, 1, 1), "late"),
    ]
    with pytest.raises(EventError) as info:
        bill(prepare(library, "duda"), Account("a", "duda", "US"), events, date(2020, 2, 10))
    assert [(d.location, d.code, d.message, d.hint) for d in info.value.diagnostics] == [
        (None, "date-range", "event e1 (start_trial on 0001-01-01): 0001-01-01 is outside the supported dates "
         "1900-01-01 to 2199-12-31", RANGE_HINT),
        (None, "date-range", "event e3 (publish_site on 2200-01-01): 2200-01-01 is outside the supported dates "
         "1900-01-01 to 2199-12-31", RANGE_HINT),
    ]  # fmt: skip


def test_an_event_after_the_supported_dates_at_the_end_of_a_timeline_in_order_is_refused(library: Library) -> None:
    # The quick look at an ordered timeline sees only its last event past 2199-12-31; it must still say so.
    events = [BuyPlan("e1", date(2020, 1, 10), "team", Period.ANNUAL), PublishSite("e2", date(2200, 1, 1), "late")]
    with pytest.raises(EventError) as info:
        bill(prepare(library, "duda"), Account("a", "duda", "US"), events, date(2020, 2, 10))
    assert [(d.code, d.message) for d in info.value.diagnostics] == [
        ("date-range", "event e2 (publish_site on 2200-01-01): 2200-01-01 is outside the supported dates "
         "1900-01-01 to 2199-12-31"),
    ]  # fmt: skip


def test_billing_until_a_date_outside_the_supported_range_is_refused(library: Library) -> None:
    # Before: a contract renewing past year 9999 raised "ValueError: year 10000 is out of range".
    events = [BuyPlan("e1", date(9998, 6, 1), "team", Period.ANNUAL)]
    for until in (date(9999, 12, 31), date(1899, 12, 31)):
        with pytest.raises(EventError) as info:
            bill(prepare(library, "duda"), Account("a", "duda", "US"), events, until)
        assert [(d.location, d.code, d.message, d.hint) for d in info.value.diagnostics] == [
            (DataPath("until"), "date-range", f"account a: billing until {until} is outside the supported dates "
             "1900-01-01 to 2199-12-31", 'bill until a date from 1900-01-01 to 2199-12-31 (docs/scenarios.md, '
             '"Supported dates")'),
        ]  # fmt: skip


def test_billing_up_to_the_last_supported_day_renews_cleanly(library: Library) -> None:
    # The far end of the range: a biennial site bought on the last day renews into 2201 without any error,
    # and a monthly plan bought in 2199 bills each month through 2199-12-31.
    events = [
        BuyPlan("e1", date(2199, 1, 31), "team", Period.MONTHLY),
        PublishSite("e2", date(2199, 12, 31), "last", Period.ANNUAL),
    ]
    result = bill(prepare(library, "duda"), Account("a", "duda", "US"), events, date(2199, 12, 31))
    assert [str(d.date) for d in result.documents][-2:] == ["2199-12-31", "2199-12-31"]
    assert len(result.documents) == 13  # Jan 31 plus the 11 billing days up to Dec 31, then the annual site


def test_a_far_until_costs_the_runner_only_the_documents_it_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: `until: 3000-01-01` ran 20 s and took 627 MB, nearly all of it in the scenario runner writing
    # every one of the 11 760 documents as YAML for a diff (billingcore run computed it without showing it).
    # Billing itself is linear and small (about 0.07 s for Duda's example through 2199). The diff now shows
    # the documents the expectations list plus at most 10 more, and counts the rest.
    from billingcore.scenarios import compare, result_json

    monkeypatch.chdir(ROOT)
    scenario = load_scenario("tests/scenarios/duda/billing-example.yaml")
    result = bill(prepare(scenario.library, scenario.catalog), scenario.account, scenario.events, date(2199, 12, 31))
    actual = result_json(result)
    assert len(actual["documents"]) == 2519
    expected = {"documents": scenario.expect["documents"][:1]}
    problems, diff = compare(expected, actual)
    assert problems == ["documents differ from the expectations"]
    assert diff.count("\n+- type: ") == 10
    assert diff.endswith("\n+- and 2508 more documents\n")


# -- rule values -------------------------------------------------------------------------------------------------


def test_a_lead_days_of_a_billion_is_refused_by_check_not_at_billing() -> None:
    # Before: renewal.lead_days: 1000000000 passed `check` and billing then stopped with an OverflowError
    # (10**9 days is no timedelta; a lead of a few million days overflowed the term end minus the lead).
    # The reproducer with its location is tests/errors/cases/lead-days-range.yaml.
    rules = "rule_set: early\nrenewal: {lead_days: 1000000000}\n"
    with pytest.raises(PlanError) as info:
        load_texts({"rules/early.yaml": rules})
    assert [(str(d.location), d.code, d.message) for d in info.value.diagnostics] == [
        ("rules/early.yaml:2:22", "day-range", "lead_days must be at most 27, got 1000000000")
    ]


def test_the_longest_lead_and_term_at_the_last_day_stay_within_the_last_term_day() -> None:
    # dates.LAST_TERM_DAY is what a saved state's contract and charge dates may reach: the longest lead
    # (27 days) renews a term ending 2200-01-27 on 2199-12-31 into a biennial term to 2202-01-27.
    rules = "rule_set: early\nrenewal: {lead_days: 27}\n"
    catalog = (
        "catalog: c\ncurrency: USD\nrules: early\nseller_country: US\n"
        'plans:\n  - {id: p, name: P, rank: 1, versions: [{available_from: 2100-01-01, prices: {biennial: "1.00"}}]}\n'
    )
    library = load_texts({**_rules(), "rules/early.yaml": rules, "plans/c.yaml": catalog})
    events = [BuyPlan("e1", date(2198, 1, 27), "p", Period.BIENNIAL)]
    state = bill(prepare(library, "c"), Account("a", "c", "US"), events, LAST_DAY).state
    (plan,) = state.contracts
    assert (plan.term_start, plan.term_end) == (date(2200, 1, 27), date(2202, 1, 27))
    dates = [d for c in state.contracts for d in (c.started, c.bought, c.term_start, c.term_end, c.billed_from)]
    dates += [d for charge in state.pending for d in (charge.due, charge.start, charge.end) if d is not None]
    assert all(in_supported_range(d, LAST_TERM_DAY) for d in dates)
    assert [in_supported_range(d) for d in (date(1899, 12, 31), FIRST_DAY, LAST_DAY, date(2200, 1, 1))] == [
        False, True, True, False,
    ]  # fmt: skip
    assert not in_supported_range(date(2203, 1, 1), LAST_TERM_DAY)

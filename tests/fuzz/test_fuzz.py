"""A short fuzzing run in every `make test` (the long one: `make fuzz`, docs/testing.md "Fuzzing"): for
mutated plan and rules files, host event dicts and saved states, billingcore returns a result or its
own located error, never another exception (tests/fuzz/harness.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from billingcore.errors import InputError
from fuzz import harness
from fuzz.harness import (
    check,
    check_in_suite,
    mutated_events,
    mutated_files,
    mutated_scenarios,
    mutated_states,
    run_events,
    run_loader,
    run_scenario_file,
    run_state,
)

# A few seconds in all: the examples of the active profile (dev 100, ci 200, mutate 6), capped.
FEW = settings(
    max_examples=min(settings.default.max_examples, 60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FEW
@given(mutated_files())
def test_a_mutated_plan_or_rules_file_loads_or_is_a_located_error(case: tuple[str, bytes]) -> None:
    check_in_suite(run_loader, *case)


@FEW
@given(mutated_scenarios())
def test_a_mutated_scenario_file_runs_or_is_a_located_error(case: tuple[str, bytes]) -> None:
    check_in_suite(run_scenario_file, *case)


@FEW
@given(mutated_events())
def test_mutated_host_events_bill_or_are_refused_with_diagnostics(case: tuple[int, Any]) -> None:
    check_in_suite(run_events, *case)


@FEW
@given(mutated_states())
def test_a_mutated_saved_state_loads_and_bills_or_is_refused(case: tuple[int, Any]) -> None:
    check_in_suite(run_state, *case)


def test_every_shipped_file_and_scenario_feeds_the_fuzzer() -> None:
    shipped = list((harness.ROOT / "plans").glob("*.yaml")) + list((harness.ROOT / "rules").glob("*.yaml"))
    assert len(harness.seed_files()) == len(shipped) > 10
    assert {check(run_loader, name, raw)[0] for name, raw in harness.seed_files().items()} == {"ok"}
    golden = list((harness.ROOT / "tests" / "scenarios").rglob("*.yaml"))
    assert len(harness.host_events()) == len(harness.scenarios()) == len(golden) > 60
    assert {check(run_events, i, events)[0] for i, events in harness.host_events()} == {"ok"}
    assert {check(run_scenario_file, name, raw)[0] for name, raw in harness.scenario_files().items()} == {"ok"}
    assert {check(run_state, i, state)[0] for i, state in harness.saved_states()} == {"ok"}


def test_an_exception_that_is_not_a_located_error_is_a_finding() -> None:
    def crash(*_: Any) -> Any:
        return {}["missing"]

    with pytest.raises(harness.Unexpected, match="KeyError: 'missing'"):
        check(crash)

    def unlocated(*_: Any) -> Any:
        return harness._refused(InputError([]), located=True)

    with pytest.raises(harness.Unexpected, match="without a proper diagnostic: none at all"):
        check(unlocated)


@pytest.mark.parametrize("entry", harness.KNOWN, ids=lambda k: k.target)
def test_each_tolerated_finding_still_reproduces(entry: harness.Known) -> None:
    """A finding another slice of issue 9 is fixing is tolerated above only while it still happens: once
    fixed, this fails, and its entry in harness.KNOWN must go (the fuzzer then enforces the fix)."""
    with pytest.raises(harness.Unexpected) as info:
        check(entry.reproduce)
    assert entry.matches(entry.target, info.value), info.value


@pytest.mark.parametrize(
    ("reproduce", "code"),
    [
        (harness._far_scenario, "date-range"),  # once ValueError: year 10000
        (lambda: harness._huge_price(400), "too-large"),  # once InvalidOperation at billing
        (lambda: harness._lead_days(10**9), "day-range"),  # once OverflowError building the tariff
        (lambda: harness._state_with(1, anchor_day="31"), "bad-state"),  # once TypeError in dates.py
        (lambda: harness.run_events(0, [{"id": "e1", "date": "2020-01-01", "type": harness._nested(5000)}]),
         "wrong-type"),  # once RecursionError quoting the type
    ],
    ids=["far-scenario", "huge-price", "lead-days", "state-types", "nested-type"],
)
def test_the_findings_fixed_since_are_located_errors(reproduce: Any, code: str) -> None:
    kind, diagnostics = check(reproduce)
    assert (kind, code in {d.code for d in diagnostics}) == ("error", True), diagnostics

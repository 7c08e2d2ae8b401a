"""Proration invariants for any term and change date, under every day-basis / change-day / rounding."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from billingcore.catalog.model import Period
from billingcore.catalog.rules import ChangeDay, DayBasis, ProrationRules
from billingcore.charges import covered_days, proration_credit, unused_days
from billingcore.contracts import Contract, ContractKind, new_contract
from billingcore.money import Rounding, quantize

rules_st = st.builds(
    ProrationRules,
    day_basis=st.sampled_from(list(DayBasis)),
    change_day=st.sampled_from(list(ChangeDay)),
    rounding=st.sampled_from(list(Rounding)),
)
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@st.composite
def term_and_change(draw: st.DrawFn) -> tuple[Contract, date]:
    start = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 1)))
    period = draw(st.sampled_from([Period.MONTHLY, Period.QUARTERLY, Period.ANNUAL]))
    contract = new_contract("plan", ContractKind.PLAN, "p", "P", period, start, draw(prices))
    change = start + timedelta(days=draw(st.integers(0, (contract.term_end - start).days)))
    return contract, change


@given(term_and_change(), rules_st)
def test_used_part_plus_credit_is_the_billed_amount_within_one_cent(
    tc: tuple[Contract, date], rules: ProrationRules
) -> None:
    contract, change = tc
    credit = -proration_credit(contract, change, "USD", rules, "e1").amount
    days = covered_days(contract, rules)
    used = quantize(contract.billed * (days - unused_days(change, contract, rules)) / days, "USD", rules.rounding)
    assert abs(used + credit - contract.billed) <= Decimal("0.01")


@given(term_and_change(), rules_st, st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
def test_a_credit_never_exceeds_the_prorated_amount_actually_billed(
    tc: tuple[Contract, date], rules: ProrationRules, part: float
) -> None:
    contract, change = tc
    # after a keep_end change the term was billed only from `billed_from` on, and only a part of the price
    days = (contract.term_end - contract.term_start).days
    billed_from = contract.term_start + timedelta(days=int(days * part))
    billed = quantize(contract.unit_price * Decimal(str(part)), "USD", Rounding.DOWN)
    partial = contract._replace(billed=billed, billed_from=billed_from)
    credit = -proration_credit(partial, max(change, billed_from), "USD", rules, "e1").amount
    assert Decimal("0") <= credit <= billed


@given(term_and_change(), rules_st)
def test_first_day_credits_everything_unless_it_counts_as_used_and_the_end_credits_nothing(
    tc: tuple[Contract, date], rules: ProrationRules
) -> None:
    contract, _ = tc
    first = -proration_credit(contract, contract.term_start, "USD", rules, "e1").amount
    last = -proration_credit(contract, contract.term_end, "USD", rules, "e1").amount
    assert last == Decimal("0")
    if rules.change_day is ChangeDay.UNUSED:
        assert first == contract.billed
    else:  # the change day is billed on the old terms: one real day is kept, counted on the rule's basis
        days = covered_days(contract, rules)
        real = (contract.term_end - contract.term_start).days
        assert first == quantize(contract.billed * min(real - 1, days) / days, "USD", rules.rounding)

"""The rest of a term at the new terms' price (change_term: keep_end), for each change-day rule and day
basis, computed by hand: a 31.00 monthly contract makes each day of a 31-day March worth 1.00."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billingcore.catalog.model import Period
from billingcore.catalog.rules import ChangeDay, DayBasis, ProrationRules
from billingcore.charges import prorated_charge
from billingcore.contracts import ContractKind, new_contract
from billingcore.money import Rounding

PLAN, M = ContractKind.PLAN, Period.MONTHLY
MARCH = new_contract("plan", PLAN, "pro", "Pro plan", M, date(2021, 3, 1), Decimal("31.00"))
FEBRUARY = new_contract("plan", PLAN, "pro", "Pro plan", M, date(2021, 2, 1), Decimal("30.00"))
USED, UNUSED = ChangeDay.USED, ChangeDay.UNUSED


@pytest.mark.parametrize(
    ("contract", "change", "change_day", "basis", "start", "amount", "explanation"),
    [
        # Mar 11, change day used: Mar 12..31 = 20 of 31 days
        (MARCH, date(2021, 3, 11), USED, DayBasis.ACTUAL, date(2021, 3, 12), "20.00", "31.00 x 20/31"),
        # Mar 11, change day unused: Mar 11..31 = 21 of 31 days
        (MARCH, date(2021, 3, 11), UNUSED, DayBasis.ACTUAL, date(2021, 3, 11), "21.00", "31.00 x 21/31"),
        # the term's last day, used: nothing of the term is left
        (MARCH, date(2021, 3, 31), USED, DayBasis.ACTUAL, date(2021, 4, 1), "0.00", "31.00 x 0/31"),
        # fixed_30, a change on February's first day leaves the whole term: 30/30, not 28/30
        (FEBRUARY, date(2021, 2, 1), UNUSED, DayBasis.FIXED_30, date(2021, 2, 1), "30.00", "30.00 x 30/30"),
        # fixed_30, Feb 15 unused: Feb 15..28 = 14 real days of 30
        (FEBRUARY, date(2021, 2, 15), UNUSED, DayBasis.FIXED_30, date(2021, 2, 15), "14.00", "30.00 x 14/30"),
    ],
)
def test_the_rest_of_the_term_is_charged_at_the_new_price(
    contract: object, change: date, change_day: ChangeDay, basis: DayBasis, start: date, amount: str, explanation: str
) -> None:
    rules = ProrationRules(day_basis=basis, change_day=change_day, rounding=Rounding.HALF_UP)
    charge = prorated_charge(contract, change, "EUR", rules, "e1")  # type: ignore[arg-type]
    assert (charge.due, charge.start, charge.end, str(charge.amount), charge.explanation, charge.cause) == (
        change,
        start,
        contract.term_end,  # type: ignore[attr-defined]
        amount,
        f"{explanation} days remaining = {amount}, rounded half up",
        "e1",
    )


def test_a_term_billed_for_its_last_day_only_is_credited_in_full_for_that_day() -> None:
    # After a keep_end change on Mar 31 (change day unused) the contract was billed 1.00 for Mar 31 only:
    # a second change that day credits 1.00 x 1/1 (the day the amount paid for), not 1.00 x 1/2.
    from billingcore.charges import proration_credit

    rest = MARCH._replace(billed=Decimal("1.00"), billed_from=date(2021, 3, 31))
    rules = ProrationRules(change_day=UNUSED, rounding=Rounding.HALF_UP)
    credit = proration_credit(rest, date(2021, 3, 31), "EUR", rules, "e2")
    assert (str(credit.amount), credit.explanation) == ("-1.00", "1.00 x 1/1 days unused = 1.00, rounded half up")

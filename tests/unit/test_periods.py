"""Billing periods (docs/plans.md "Billing periods"): the named ones and `every N months` / `every N
years` up to 24 months; one period, one object, whichever way it is written; through a saved state."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import pytest

from billingcore.catalog.model import Period, period
from billingcore.engine import Account, bill
from billingcore.events import BuyPlan, Cancel
from billingcore.snapshot import dump_state, load_state
from inline_catalogs import inline_tariff

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("word", "named"),
    [
        ("every 1 month", Period.MONTHLY),
        ("every 3 months", Period.QUARTERLY),
        ("every 6 months", Period.SEMIANNUAL),
        ("every 12 months", Period.ANNUAL),
        ("every 1 year", Period.ANNUAL),
        ("every 2 years", Period.BIENNIAL),
        ("every 24 months", Period.BIENNIAL),
    ],
)
def test_a_period_with_a_name_is_that_period(word: str, named: Period) -> None:
    assert period(word) is named


def test_another_length_is_a_period_of_its_own_made_once() -> None:
    two = period("every 2 months")
    assert (two.value, two.months, str(two)) == ("every 2 months", 2, "every 2 months")
    assert period("every 2 month") is two  # one object: periods are compared with `is`
    assert pickle.loads(pickle.dumps(two)) is two
    assert two not in list(Period)  # the named periods are the schema's words; this one is a pattern
    assert period("every 23 months").months == 23


@pytest.mark.parametrize("word", ["every 0 months", "every 25 months", "every 3 years", "every two months",
                                  "every 367 days", "every 53 weeks", "fortnightly", "every 2 months "])  # fmt: skip
def test_what_is_not_a_period_is_refused(word: str) -> None:
    with pytest.raises(ValueError, match="is not a valid Period"):
        period(word)


def test_a_contract_of_every_2_months_is_saved_and_resumed_as_one_run() -> None:
    # lago (anniversary): 40.00 every 2 months from 2021-01-31: 01-31, 03-31, 05-31, 07-31 (docs/rules.md:
    # from the anchor, clamped). A state saved on any of these days resumes to the same documents.
    catalog = (
        "catalog: c\ncurrency: EUR\nrules: lago\nseller_country: DE\nplans:\n  - {id: duo, name: Duo, rank: 1, "
        'versions: [{available_from: 2020-01-01, prices: {every 2 months: "40.00"}}]}\n'
    )
    tariff = inline_tariff("c", catalog)
    account, events = Account("a", "c", "DE"), [BuyPlan("e1", date(2021, 1, 31), "duo", period("every 2 months"))]
    full = bill(tariff, account, events, date(2021, 7, 31))
    assert [(str(d.date), str(d.lines[0].period_end)) for d in full.documents] == [
        ("2021-01-31", "2021-03-30"), ("2021-03-31", "2021-05-30"), ("2021-05-31", "2021-07-30"),
        ("2021-07-31", "2021-09-29"),
    ]  # fmt: skip
    for stop in (date(2021, 2, 28), date(2021, 3, 31), date(2021, 6, 1)):
        head = bill(tariff, account, events, stop)
        saved = dump_state(head.state)
        assert saved["contracts"][0]["period"] == "every 2 months"
        rest = bill(tariff, account, [], date(2021, 7, 31), load_state(saved))
        assert head.documents + rest.documents == full.documents


@pytest.mark.parametrize(("rules", "credit"), [("killbill-30", "-46.00"), ("killbill", "-45.49")])
def test_a_quarter_counts_90_days_on_fixed_30_and_its_real_days_otherwise(rules: str, credit: str) -> None:
    # 90.00 a quarter bought 2020-01-01 (Q1 2020: 31 + 29 + 31 = 91 days), cancelled 2020-02-15 (change day
    # unused): Feb 15..Mar 31 = 15 + 31 = 46 days unused. fixed_30: 90.00 x 46/90 = 46.00; actual days:
    # 90.00 x 46/91 = 45.494... = 45.49 (docs/rules.md "proration", day_basis).
    catalog = (
        f"catalog: c\ncurrency: EUR\nrules: {rules}\nseller_country: DE\nplans:\n  - {{id: q, name: Q, rank: 1, "
        'versions: [{available_from: 2000-01-01, prices: {quarterly: "90.00"}}]}\n'
    )
    events = [BuyPlan("e1", date(2020, 1, 1), "q", Period.QUARTERLY), Cancel("e2", date(2020, 2, 15), "plan")]
    result = bill(inline_tariff("c", catalog), Account("a", "c", "DE"), events, date(2020, 2, 15))
    assert [str(ln.amount) for d in result.documents for ln in d.lines if ln.kind.value == "credit"] == [credit]

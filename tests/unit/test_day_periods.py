"""Periods counted in days under calendar alignment and the catalog checks that refuse what a rule set
cannot align (docs/rules.md "Periods counted in days")."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from billingcore.catalog.loader import load_texts
from billingcore.catalog.model import Period
from billingcore.engine import Account, bill, prepare
from billingcore.errors import PlanError
from billingcore.events import BuyPlan
from billingcore.snapshot import dump_state, load_state
from inline_catalogs import rule_texts


def _texts(week_day: str, rules: str, price_key: str) -> dict[str, str]:
    calendar = (SHIPPED := rule_texts())["rules/lago-calendar.yaml"]
    sunday = calendar.replace("rule_set: lago-calendar", "rule_set: cal-sunday").replace(
        "  alignment: calendar", f"  alignment: calendar\n  week_day: {week_day}"
    )
    plan = (
        f"catalog: c\ncurrency: EUR\nrules: {rules}\nseller_country: DE\nplans:\n  - {{id: p, name: P, rank: 1, "
        f'versions: [{{available_from: 2000-01-01, prices: {{{price_key}: "7.00"}}}}]}}\n'
    )
    return {**SHIPPED, "rules/cal-sunday.yaml": sunday, "plans/c.yaml": plan}


def _bill(price_key: str, period: Period, bought: date, until: date, week_day: str = "sunday") -> list[tuple]:
    tariff = prepare(load_texts(_texts(week_day, "cal-sunday", price_key)), "c")
    result = bill(tariff, Account("a", "c", "DE"), [BuyPlan("e1", bought, "p", period)], until)
    lines = [(d, ln) for d in result.documents for ln in d.lines]
    return [(d.date, d.kind.value, ln.period_start, ln.period_end, ln.amount) for d, ln in lines]


def test_weeks_start_on_the_rule_sets_week_day_with_a_leading_part_before() -> None:
    # Bought Wednesday 2021-03-03; weeks from Sunday: 03-03..03-06 is 4 of 7 days = 4.00, invoiced at once
    # (interim, proration.lands), then whole weeks from Sunday 03-07, each on its own weekly invoice.
    assert _bill("weekly", Period.WEEKLY, date(2021, 3, 3), date(2021, 3, 14)) == [
        (date(2021, 3, 3), "interim", date(2021, 3, 3), date(2021, 3, 6), Decimal("4.00")),
        (date(2021, 3, 7), "weekly", date(2021, 3, 7), date(2021, 3, 13), Decimal("7.00")),
        (date(2021, 3, 14), "weekly", date(2021, 3, 14), date(2021, 3, 20), Decimal("7.00")),
    ]


def test_a_purchase_on_the_week_day_has_no_leading_part() -> None:
    assert _bill("weekly", Period.WEEKLY, date(2021, 3, 8), date(2021, 3, 8), week_day="monday") == [
        (date(2021, 3, 8), "weekly", date(2021, 3, 8), date(2021, 3, 14), Decimal("7.00")),
    ]


def test_two_week_periods_count_from_the_first_week_day_of_1900() -> None:
    # 1900-01-07 was the first Sunday; 2021-03-07 is 44 254 days = exactly 3 161 fortnights later, so the
    # fortnight in which Wednesday 2021-03-03 falls ends on 03-06: 4 of 14 days = 2.00; then 03-07..03-20.
    assert _bill("biweekly", Period.BIWEEKLY, date(2021, 3, 3), date(2021, 3, 20)) == [
        (date(2021, 3, 3), "interim", date(2021, 3, 3), date(2021, 3, 6), Decimal("2.00")),
        (date(2021, 3, 7), "weekly", date(2021, 3, 7), date(2021, 3, 20), Decimal("7.00")),
    ]


@pytest.mark.parametrize(
    ("rules", "key", "message"),
    [
        ("killbill", "weekly", "a weekly term cannot be aligned under alignment: billing_day (rule set `killbill`): "
                               "billing days come once a month"),
        ("lago-calendar", "every 10 days", "an every 10 days term cannot be aligned under alignment: calendar "
                                           "(rule set `lago-calendar`): calendar weeks have 7 days"),
    ],
)  # fmt: skip
def test_a_day_period_the_alignment_cannot_honour_is_refused_at_its_price(rules: str, key: str, message: str) -> None:
    with pytest.raises(PlanError) as info:
        load_texts(_texts("monday", rules, key))
    [found] = info.value.diagnostics
    assert (found.code, found.message, str(found.location)) == ("rule-conflict", message, f"plans/c.yaml:6:{COL}")


COL = 80  # the price key in `versions: [{available_from: 2000-01-01, prices: {weekly: "7.00"}}]`


def test_whole_weeks_are_accepted_under_calendar_alignment() -> None:
    assert load_texts(_texts("monday", "lago-calendar", "every 3 weeks")).catalogs["c"].plans[0].versions[0].prices


def test_a_calendar_week_is_saved_with_its_week_as_its_start_and_resumes() -> None:
    tariff = prepare(load_texts(_texts("sunday", "cal-sunday", "weekly")), "c")
    account, buy = Account("a", "c", "DE"), [BuyPlan("e1", date(2021, 3, 3), "p", Period.WEEKLY)]
    saved = json.loads(json.dumps(dump_state(bill(tariff, account, buy, date(2021, 3, 3)).state)))
    assert [(c["started"], c["term_start"], c["term_end"], c["billed"]) for c in saved["contracts"]] == [
        ("2021-02-28", "2021-02-28", "2021-03-07", "4.00")
    ]
    resumed = bill(tariff, account, [], date(2021, 3, 7), load_state(saved))
    assert [(d.date, d.lines[0].period_start) for d in resumed.documents] == [(date(2021, 3, 7), date(2021, 3, 7))]

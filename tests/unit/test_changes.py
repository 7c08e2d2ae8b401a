"""Changing a running contract (features/changes.py), line by line: what is credited, what the changed
contract is charged and when it renews, under the rule sets that keep the term end (change_term:
keep_end) and the ones that restart it. Every amount is computed by hand in the comment above it: a
31.00 monthly plan makes each day of a 31-day March worth 1.00."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from billingcore.catalog.loader import load, load_texts
from billingcore.catalog.model import Period
from billingcore.catalog.rules import Alignment, ChangeDay
from billingcore.engine import Account, Result, bill, make_tariff, prepare
from billingcore.events import BuyPlan, ChangePlan, ConvertSite, PublishSite, SetDontRenew, UnpublishSite
from billingcore.snapshot import dump_state

ROOT = Path(__file__).resolve().parents[2]
M, A = Period.MONTHLY, Period.ANNUAL
CATALOG = """
catalog: shop
currency: USD
rules: killbill
seller_country: US
plans:
  - {id: small, name: Small, rank: 1,
     versions: [{available_from: 2020-01-01, prices: {monthly: "31.00"}, included: {site: 1}}]}
  - id: mid
    name: Mid
    rank: 2
    versions:
      - {available_from: 2020-01-01, prices: {monthly: "62.00"}, included: {site: 1}}
      - {available_from: 2021-03-15, prices: {monthly: "62.00"}, included: {site: 2}}
  - {id: big, name: Big, rank: 3,
     versions: [{available_from: 2020-01-01, prices: {monthly: "93.00"}, included: {site: 1}}]}
products:
  - {id: site, name: Website, kind: site, prices: {monthly: "13.00"}}
"""
RULES = {f"rules/{n}": (ROOT / "rules" / n).read_text() for n in os.listdir(ROOT / "rules")}
LIBRARY = load_texts({**RULES, "plans/shop.yaml": CATALOG})
D = date(2021, 3, 1)  # the account starts: the billing day is the 1st (billing_day.anchor: account_start)


def _bill(events: list[Any], until: date, rule_set: str = "killbill", **proration: Any) -> Result:
    """Bill the shop catalog under `rule_set`, with some of its proration rules changed, its contracts on
    their own anniversaries (alignment: subscription): these tests are about the changes, not alignment."""
    rules = LIBRARY.rule_sets[rule_set]
    rules = attrs.evolve(rules, billing_day=attrs.evolve(rules.billing_day, alignment=Alignment.SUBSCRIPTION))
    if proration:
        rules = attrs.evolve(rules, proration=attrs.evolve(rules.proration, **proration))
    tariff = make_tariff(LIBRARY.catalog("shop"), rules, LIBRARY.vat)  # type: ignore[arg-type]
    return bill(tariff, Account("a", "shop", "US"), events, until)


def _lines(result: Result) -> list[tuple[str, str, str, str, str, str, str, str]]:
    """Every line after the first document (the purchase of Mar 1)."""
    return [
        (str(d.date), d.number, ln.item, ln.description, str(ln.amount), str(ln.period_start), str(ln.period_end),
         ln.cause)
        for d in result.documents[1:]
        for ln in d.lines
    ]  # fmt: skip


def test_a_change_on_the_renewal_day_that_keeps_the_period_starts_a_full_term() -> None:
    # killbill (keep_end). Small runs Mar 1 - Mar 31; the change to Mid on Apr 1, Small's renewal day,
    # replaces the renewal: nothing is left to credit and there is no rest of the old term to charge
    # (not a 0.00 "rest of term" line followed by a renewal): Mid's full month, 62.00 for Apr 1 - Apr 30,
    # caused by the change, on its interim invoice. Mid keeps the anniversary: it renews May 1.
    events = [BuyPlan("p", D, "small", M), ChangePlan("up", date(2021, 4, 1), "mid", M)]
    assert _lines(_bill(events, date(2021, 5, 1))) == [
        ("2021-04-01", "a-interim-up", "plan", "Mid plan (monthly)", "62.00", "2021-04-01", "2021-04-30", "up"),
        ("2021-05-01", "a-20210501-regular", "plan", "Mid plan (monthly)", "62.00", "2021-05-01", "2021-05-31",
         "renewal"),
    ]  # fmt: skip


def test_an_included_site_converted_to_a_monthly_contract_pays_a_full_month_from_that_day() -> None:
    # killbill (keep_end). home fills Small's slot from Mar 1; converted to a monthly contract on Mar 11
    # it has no paid term to keep the end of (an included site is never charged, so nothing is credited):
    # a new contract, a full month from Mar 11, 13.00 for Mar 11 - Apr 10 (not 13.00 x 21/31 = 8.81 for
    # the rest of the month).
    events = [BuyPlan("p", D, "small", M), PublishSite("h", D, "home"), ConvertSite("c", date(2021, 3, 11), "home", M)]
    assert _lines(_bill(events, date(2021, 3, 11))) == [
        ("2021-03-11", "a-interim-c", "site:home", "Website home (monthly)", "13.00", "2021-03-11", "2021-04-10", "c"),
    ]


def test_a_plan_changed_to_the_end_of_its_term_renews_even_if_it_was_not_to_renew() -> None:
    # killbill (keep_end, change day unused). Small is set not to renew on Mar 5; the change to Mid on
    # Mar 11 is a new decision: Mid renews. Mar 11..31 = 21 of 31 days: Small 31.00 x 21/31 = 21.00
    # credited, Mid 62.00 x 21/31 = 42.00 for the rest of the term; Apr 1 Mid renews at 62.00.
    events = [
        BuyPlan("p", D, "small", M),
        SetDontRenew("n", date(2021, 3, 5), "plan"),
        ChangePlan("up", date(2021, 3, 11), "mid", M),
    ]
    (plan,) = dump_state(_bill(events, date(2021, 3, 11)).state)["contracts"]
    assert plan["dont_renew"] is False  # saved as a plain false
    assert _lines(_bill(events, date(2021, 4, 1))) == [
        ("2021-03-11", "a-interim-up", "plan", "Credit: Small plan (monthly), unused part", "-21.00", "2021-03-11",
         "2021-03-31", "up"),
        ("2021-03-11", "a-interim-up", "plan", "Mid plan (monthly), rest of term", "42.00", "2021-03-11", "2021-03-31",
         "up"),
        ("2021-04-01", "a-20210401-regular", "plan", "Mid plan (monthly)", "62.00", "2021-04-01", "2021-04-30",
         "renewal"),
    ]  # fmt: skip


def test_a_plan_changed_to_the_end_of_its_term_has_the_slots_of_the_version_on_the_change_day() -> None:
    # killbill (keep_end, change day unused, half up). Mid includes 1 site until Mar 14 and 2 from Mar 15.
    # home fills Small's slot; blog pays 13.00 for Mar 1 - Mar 31. On Mar 20 Small changes to Mid, which
    # then includes 2 sites: blog moves into the second slot. Mar 20..31 = 12 of 31 days unused:
    # Small 31.00 x 12/31 = 12.00 credited, Mid 62.00 x 12/31 = 24.00 for the rest of the term,
    # blog 13.00 x 12/31 = 5.032... -> 5.03 credited. The interim invoice lists credits first.
    events = [
        BuyPlan("p", D, "small", M),
        PublishSite("h", D, "home"),
        PublishSite("b", D, "blog", M),
        ChangePlan("up", date(2021, 3, 20), "mid", M),
    ]
    assert _lines(_bill(events, date(2021, 3, 20))) == [
        ("2021-03-20", "a-interim-up", "plan", "Credit: Small plan (monthly), unused part", "-12.00", "2021-03-20",
         "2021-03-31", "up"),
        ("2021-03-20", "a-interim-up", "site:blog", "Credit: Website blog (monthly), unused part", "-5.03",
         "2021-03-20", "2021-03-31", "up"),
        ("2021-03-20", "a-interim-up", "plan", "Mid plan (monthly), rest of term", "24.00", "2021-03-20", "2021-03-31",
         "up"),
    ]  # fmt: skip


def test_a_second_change_in_a_term_credits_the_days_the_rest_of_term_charge_paid_for() -> None:
    # killbill with the change day used (keep_end, half up). Mar 11 Small -> Mid: Mar 12..31 = 20 of 31
    # days unused: 31.00 x 20/31 = 20.00 credited, Mid 62.00 x 20/31 = 40.00 for Mar 12 - Mar 31.
    # Mar 21 Mid -> Big: the 40.00 paid for the 20 days Mar 12..31, of which Mar 22..31 = 10 are unused:
    # 40.00 x 10/20 = 20.00 credited (not 40.00 x 10/21 = 19.05, as if it paid from Mar 11);
    # Big 93.00 x 10/31 = 30.00 for Mar 22 - Mar 31.
    events = [
        BuyPlan("p", D, "small", M),
        ChangePlan("up1", date(2021, 3, 11), "mid", M),
        ChangePlan("up2", date(2021, 3, 21), "big", M),
    ]
    assert _lines(_bill(events, date(2021, 3, 21), change_day=ChangeDay.USED)) == [
        ("2021-03-11", "a-interim-up1", "plan", "Credit: Small plan (monthly), unused part", "-20.00", "2021-03-12",
         "2021-03-31", "up1"),
        ("2021-03-11", "a-interim-up1", "plan", "Mid plan (monthly), rest of term", "40.00", "2021-03-12", "2021-03-31",
         "up1"),
        ("2021-03-21", "a-interim-up2", "plan", "Credit: Mid plan (monthly), unused part", "-20.00", "2021-03-22",
         "2021-03-31", "up2"),
        ("2021-03-21", "a-interim-up2", "plan", "Big plan (monthly), rest of term", "30.00", "2021-03-22", "2021-03-31",
         "up2"),
    ]  # fmt: skip


def test_a_site_converted_to_monthly_takes_a_slot_freed_before_its_renewal() -> None:
    # Duda. blog, annual from Jan 10 2020, converted to monthly on Feb 10: 13.00 for Feb 10 - Mar 9 (the
    # credit of its annual term: tests/unit/test_items.py). home, in Basic's slot, is unpublished on
    # Feb 15: the slot is free. On Mar 10 blog renews as a monthly site and takes the slot, like any
    # monthly site (docs/rules.md "Filling slots"): listed at 0.00, not charged 13.00.
    tariff = prepare(load([ROOT / "plans" / "duda.yaml", ROOT / "rules"]), "duda")
    events = [
        BuyPlan("p", date(2020, 1, 10), "basic", M),
        PublishSite("h", date(2020, 1, 10), "home"),
        PublishSite("b", date(2020, 1, 10), "blog", A),
        ConvertSite("c", date(2020, 2, 10), "blog", M),
        UnpublishSite("u", date(2020, 2, 15), "home"),
    ]
    result = bill(tariff, Account("a", "duda", "US"), events, date(2020, 3, 10))
    (march,) = [d for d in result.documents if d.date == date(2020, 3, 10)]
    assert [(ln.item, ln.kind, str(ln.amount), str(ln.period_start), ln.cause) for ln in march.lines] == [
        ("site:blog", "included", "0.00", "2020-03-10", "billing_day"),
        ("plan", "charge", "19.00", "2020-03-10", "renewal"),
    ]

"""Add-on upgrades, line by line: a tier of the same rank is not a downgrade (even where downgrades are
forbidden), the new tier must have a price for the contract's period, and every line is named from the
catalog and carries the upgrade's event id."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from billingcore.catalog.loader import load_texts
from billingcore.catalog.model import Period
from billingcore.engine import Account, bill, make_tariff
from billingcore.errors import EventError
from billingcore.events import AddStore, BuyApp, BuyPlan, PublishSite, UpgradeApp, UpgradeStore

ROOT = Path(__file__).resolve().parents[2]
M, A = Period.MONTHLY, Period.ANNUAL
D = date(2021, 3, 1)
CATALOG = """
catalog: shop
currency: EUR
rules: {rules}
seller_country: DE
plans:
  - id: basic
    name: Basic
    rank: 1
    versions: [{{available_from: 2020-01-01, prices: {{monthly: "10.00"}}, included: {{site: 1}}}}]
products:
  - {{id: site, name: Website, kind: site, prices: {{monthly: "13.00"}}}}
  - {{id: store-a, name: Store A, kind: store, attaches_to: site, rank: 1,
     prices: {{monthly: "9.00", annual: "90.00"}}}}
  - {{id: store-b, name: Store B, kind: store, attaches_to: site, rank: 1, prices: {{monthly: "9.30"}}}}
  - {{id: store-c, name: Store C, kind: store, attaches_to: site, rank: 2, prices: {{monthly: "19.00"}}}}
  - {{id: app-x, name: App X, kind: app, attaches_to: site, rank: 1, prices: {{monthly: "5.00"}}}}
  - {{id: app-y, name: App Y, kind: app, attaches_to: site, rank: 2, prices: {{monthly: "10.00"}}}}
"""
BASE = [BuyPlan("p", D, "basic", M), PublishSite("s", D, "blog")]


def _lines(rule_set: str, events: list[Any], until: date) -> list[tuple[str, str, str, str, str, str, str, str]]:
    rules = {f"rules/{n}": (ROOT / "rules" / n).read_text() for n in os.listdir(ROOT / "rules")}
    library = load_texts({**rules, "plans/shop.yaml": CATALOG.format(rules=rule_set)})
    tariff = make_tariff(library.catalog("shop"), library.rule_sets[rule_set], library.vat)  # type: ignore[arg-type]
    result = bill(tariff, Account("a", "shop", "DE"), events, until)
    return [  # after the first invoice of Mar 1
        (str(d.date), d.type, ln.item, ln.description, str(ln.amount), str(ln.period_start), str(ln.period_end),
         ln.cause)
        for d in result.documents[1:]
        for ln in d.lines
    ]


def test_a_tier_of_the_same_rank_is_no_downgrade_even_where_downgrades_are_forbidden() -> None:
    # wedos: downgrades forbidden, change day unused, credit note at once, restart. Mar 11..31 = 21 of 31 days:
    # 9.00 x 21/31 = 6.0967... -> 6.10 credited; Store B from Mar 11 for a full month, 9.30.
    events = [*BASE, AddStore("st", D, "blog", "store-a", M), UpgradeStore("u", date(2021, 3, 11), "blog", "store-b")]
    assert _lines("wedos", events, date(2021, 3, 11)) == [
        ("2021-03-11", "credit_note", "store:blog", "Credit: Store A on blog (monthly), unused part", "-6.10",
         "2021-03-11", "2021-03-31", "u"),
        ("2021-03-11", "invoice", "store:blog", "Store B on blog (monthly)", "9.30", "2021-03-11", "2021-04-10", "u"),
    ]  # fmt: skip


def test_an_upgrade_to_a_tier_without_the_contracts_period_is_refused() -> None:
    events = [*BASE, AddStore("st", D, "blog", "store-a", A), UpgradeStore("u", date(2021, 3, 11), "blog", "store-c")]
    with pytest.raises(EventError) as info:
        _lines("wedos", events, date(2021, 3, 11))
    assert [(d.message, d.hint) for d in info.value.diagnostics] == [
        (
            "event u (upgrade_store on 2021-03-11): store `store-c` has no annual price",
            "choose a period it has: monthly",
        )
    ]


def test_store_and_app_upgrades_credit_and_charge_the_rest_of_the_term_under_their_own_names() -> None:
    # killbill: keep_end, change day unused, half up, interim invoices with negative lines.
    # Store A -> C on Mar 11, 21 of 31 days left: 9.00 x 21/31 = 6.10 credited, 19.00 x 21/31 = 12.87 charged.
    # App X -> Y on Mar 16, 16 of 31 days left: 5.00 x 16/31 = 2.58 credited, 10.00 x 16/31 = 5.16 charged.
    events = [
        *BASE,
        AddStore("st", D, "blog", "store-a", M),
        BuyApp("x", D, "blog", "app-x", M),
        UpgradeStore("u", date(2021, 3, 11), "blog", "store-c"),
        UpgradeApp("ua", date(2021, 3, 16), "blog", "app-x", "app-y"),
    ]
    assert _lines("killbill", events, date(2021, 3, 16)) == [
        ("2021-03-11", "invoice", "store:blog", "Credit: Store A on blog (monthly), unused part", "-6.10",
         "2021-03-11", "2021-03-31", "u"),
        ("2021-03-11", "invoice", "store:blog", "Store C on blog (monthly), rest of term", "12.87",
         "2021-03-11", "2021-03-31", "u"),
        ("2021-03-16", "invoice", "app:blog:app-x", "Credit: App X on blog (monthly), unused part", "-2.58",
         "2021-03-16", "2021-03-31", "ua"),
        ("2021-03-16", "invoice", "app:blog:app-y", "App Y on blog (monthly), rest of term", "5.16",
         "2021-03-16", "2021-03-31", "ua"),
    ]  # fmt: skip


def test_after_an_upgrade_the_new_tier_renews_and_the_old_one_is_gone() -> None:
    # The upgrades above, billed on to the billing day of Apr 1: the store and the app renew at the new
    # tiers' monthly prices (Store C 19.00, App Y 10.00); Store A and App X are no longer on the account.
    events = [
        *BASE,
        AddStore("st", D, "blog", "store-a", M),
        BuyApp("x", D, "blog", "app-x", M),
        UpgradeStore("u", date(2021, 3, 11), "blog", "store-c"),
        UpgradeApp("ua", date(2021, 3, 16), "blog", "app-x", "app-y"),
    ]
    assert _lines("killbill", events, date(2021, 4, 1))[4:] == [
        ("2021-04-01", "invoice", "site:blog", "Website blog (included in plan)", "0.00", "2021-04-01",
         "2021-04-30", "billing_day"),
        ("2021-04-01", "invoice", "plan", "Basic plan (monthly)", "10.00", "2021-04-01", "2021-04-30", "renewal"),
        ("2021-04-01", "invoice", "store:blog", "Store C on blog (monthly)", "19.00", "2021-04-01", "2021-04-30",
         "renewal"),
        ("2021-04-01", "invoice", "app:blog:app-y", "App Y on blog (monthly)", "10.00", "2021-04-01",
         "2021-04-30", "renewal"),
    ]  # fmt: skip


def test_a_store_on_a_paid_site_restarts_the_site_which_then_bills_after_the_sites_running_before() -> None:
    # Duda: shop 13.00 from Mar 5 (Mar 5 - Apr 4, 31 days); news 13.00 from Mar 15; a store on shop on
    # Mar 15 restarts shop's term so both renew together: Mar 16 - Apr 4 unused, 13.00 x 20/31 = 8.38
    # (down) credited, shop 13.00 and the store 9.00 from Mar 15. The changed shop contract goes after
    # news (like a new purchase): on Apr 15 news, shop and the store renew, in that order.
    events = [
        *BASE,
        PublishSite("s2", date(2021, 3, 5), "shop", M),
        PublishSite("s3", date(2021, 3, 15), "news", M),
        AddStore("st", date(2021, 3, 15), "shop", "store-a", M),
    ]
    assert _lines("duda", events, date(2021, 5, 1)) == [
        ("2021-04-01", "invoice", "site:blog", "Website blog (included in plan)", "0.00", "2021-04-01",
         "2021-04-30", "billing_day"),
        ("2021-04-01", "invoice", "site:shop", "Website shop (monthly)", "13.00", "2021-03-05", "2021-04-04", "s2"),
        ("2021-04-01", "invoice", "site:news", "Website news (monthly)", "13.00", "2021-03-15", "2021-04-14", "s3"),
        ("2021-04-01", "invoice", "site:shop", "Credit: Website shop (monthly), unused part", "-8.38", "2021-03-16",
         "2021-04-04", "st"),
        ("2021-04-01", "invoice", "site:shop", "Website shop (monthly)", "13.00", "2021-03-15", "2021-04-14", "st"),
        ("2021-04-01", "invoice", "store:shop", "Store A on shop (monthly)", "9.00", "2021-03-15", "2021-04-14", "st"),
        ("2021-04-01", "invoice", "plan", "Basic plan (monthly)", "10.00", "2021-04-01", "2021-04-30", "renewal"),
        ("2021-05-01", "invoice", "site:blog", "Website blog (included in plan)", "0.00", "2021-05-01",
         "2021-05-31", "billing_day"),
        ("2021-05-01", "invoice", "site:news", "Website news (monthly)", "13.00", "2021-04-15", "2021-05-14",
         "renewal"),
        ("2021-05-01", "invoice", "site:shop", "Website shop (monthly)", "13.00", "2021-04-15", "2021-05-14",
         "renewal"),
        ("2021-05-01", "invoice", "store:shop", "Store A on shop (monthly)", "9.00", "2021-04-15", "2021-05-14",
         "renewal"),
        ("2021-05-01", "invoice", "plan", "Basic plan (monthly)", "10.00", "2021-05-01", "2021-05-31", "renewal"),
    ]  # fmt: skip

"""Every charge and line says what caused it: the event id, `renewal` for a term that began because its
contract renewed, `billing_day` for an included item's 0.00 line (docs/rules.md "Billing decisions")."""

from __future__ import annotations

from datetime import date

from billingcore.catalog.loader import Library
from billingcore.catalog.model import Period
from billingcore.engine import Account, bill, prepare
from billingcore.events import AddItem, BuyOneOff, BuyPlan, Cancel, ChangePlan, PublishSite

M, A = Period.MONTHLY, Period.ANNUAL


def _causes(library: Library, events: list[object], until: date) -> list[tuple[str, str, str, str, str]]:
    result = bill(prepare(library, "duda"), Account("a", "duda", "US"), events, until)  # type: ignore[arg-type]
    return [
        (str(d.date), line.item, line.kind, str(line.amount), line.cause) for d in result.documents for line in d.lines
    ]


def test_each_line_names_the_event_the_renewal_or_the_billing_day_that_caused_it(library: Library) -> None:
    events = [
        BuyPlan("buy", date(2020, 1, 10), "basic", M),
        PublishSite("home", date(2020, 1, 10), "home"),  # Basic's slot
        PublishSite("blog", date(2020, 1, 12), "blog", M),  # pays 13.00
        BuyOneOff("img", date(2020, 1, 15), "premium-image"),
        ChangePlan("up", date(2020, 2, 1), "agency", M),  # blog moves into a slot: its credit is the change's
        Cancel("stop", date(2020, 2, 20), "plan"),
    ]
    assert _causes(library, events, date(2020, 3, 10)) == [
        ("2020-01-10", "site:home", "included", "0.00", "billing_day"),
        ("2020-01-10", "plan", "charge", "19.00", "buy"),
        ("2020-01-15", "premium-image", "one_off", "5.00", "img"),
        ("2020-02-10", "site:home", "included", "0.00", "billing_day"),
        ("2020-02-10", "site:blog", "included", "0.00", "billing_day"),
        ("2020-02-10", "site:blog", "charge", "13.00", "blog"),
        ("2020-02-10", "plan", "credit", "-4.90", "up"),  # 19.00 x 8/31 (Feb 2-9 of Jan 10-Feb 9), down
        ("2020-02-10", "site:blog", "credit", "-4.19", "up"),  # 13.00 x 10/31 (Feb 2-11 of Jan 12-Feb 11), down
        ("2020-02-10", "plan", "charge", "74.00", "up"),
        ("2020-03-10", "plan", "credit", "-22.96", "stop"),  # 74.00 x 9/29 (Feb 21-29 of Feb 1-29), down
    ]


def test_a_renewed_term_is_caused_by_the_renewal(library: Library) -> None:
    events = [BuyPlan("buy", date(2020, 1, 10), "team", M)]
    assert _causes(library, events, date(2020, 2, 10)) == [
        ("2020-01-10", "plan", "charge", "29.00", "buy"),
        ("2020-02-10", "plan", "charge", "29.00", "renewal"),
    ]


def test_the_sites_a_downgrade_pushes_out_of_the_slots_are_named_and_caused_by_it(library: Library) -> None:
    import attrs

    rules = library.rule_sets["killbill"]  # downgrades allowed at once, interim invoices
    tariff = prepare(library, "duda")
    tariff = attrs.evolve(tariff, rules=rules, billing=attrs.evolve(tariff.billing, rules=rules))
    events = [
        BuyPlan("buy", date(2020, 8, 1), "agency", M),  # Agency from July 2020: 4 slots
        PublishSite("a", date(2020, 8, 1), "a"),
        PublishSite("b", date(2020, 8, 1), "b"),
        ChangePlan("down", date(2020, 8, 11), "basic", M),  # Basic: 1 slot; b gets a contract of its own
    ]
    result = bill(tariff, Account("x", "duda", "US"), events, date(2020, 8, 11))
    # Aug 11..31 = 21 of 31 days: 74.00 x 21/31 = 50.13 credited, Basic 19.00 x 21/31 = 12.87 for the rest of
    # the term (keep_end); b from Aug 11, aligned to the billing day (the 1st; killbill's alignment:
    # billing_day): its leading part Aug 11..31, 13.00 x 21/31 = 8.806 -> 8.81.
    assert [
        (line.item, line.description, str(line.amount), str(line.period_start), str(line.period_end), line.cause)
        for line in result.documents[-1].lines
    ] == [
        ("plan", "Credit: Agency plan (monthly), unused part", "-50.13", "2020-08-11", "2020-08-31", "down"),
        ("plan", "Basic plan (monthly), rest of term", "12.87", "2020-08-11", "2020-08-31", "down"),
        ("site:b", "Website b (monthly)", "8.81", "2020-08-11", "2020-08-31", "down"),
    ]


def test_an_item_added_with_a_period_is_caused_by_its_event(library: Library) -> None:
    events = [BuyPlan("buy", date(2020, 1, 10), "basic", M), AddItem("seat", date(2020, 1, 10), "site", "blog", A)]
    assert _causes(library, events, date(2020, 1, 10)) == [
        ("2020-01-10", "plan", "charge", "19.00", "buy"),
        ("2020-01-10", "site:blog", "charge", "117.00", "seat"),  # annual: not in Basic's slot
    ]

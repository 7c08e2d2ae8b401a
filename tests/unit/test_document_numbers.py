"""Document numbers are unique within an account by construction (issue 9): a day's documents and an
event's live in disjoint namespaces (invoicing.py), whatever an event id looks like, also across a saved
state and a resume (the state remembers the ids it billed)."""

from __future__ import annotations

import json
from datetime import date

import attrs

from billingcore.catalog.loader import Library
from billingcore.catalog.model import Period
from billingcore.engine import Account, bill, prepare
from billingcore.events import BuyOneOff, BuyPlan, ChangePlan, PublishSite
from billingcore.snapshot import dump_state, load_state

ACCOUNT = Account("a", "duda", "US")


def test_a_one_off_whose_id_looks_like_a_billing_day_number_gets_a_number_of_its_own(library: Library) -> None:
    """Before: the premium image's invoice and the day's monthly invoice were both a-20200210-monthly."""
    events = [
        BuyPlan("p", date(2020, 1, 10), "team", Period.MONTHLY),
        BuyOneOff("20200210-monthly", date(2020, 2, 10), "premium-image"),
    ]
    documents = bill(prepare(library, "duda"), ACCOUNT, events, date(2020, 2, 10)).documents
    assert [(d.number, d.kind.value) for d in documents] == [
        ("a-20200110-monthly", "monthly"),
        ("a-immediate-20200210-monthly", "immediate"),
        ("a-20200210-monthly", "monthly"),
    ]


def test_an_events_credit_note_and_the_interim_invoice_of_an_event_named_like_it_differ(library: Library) -> None:
    """Before: event `up`'s credit note and event `up-credit`'s interim invoice were both a-up-credit
    (billwerk: a credit note and an interim invoice for every upgrade)."""
    rules = library.rule_sets["billwerk"]
    tariff = prepare(library, "duda")
    tariff = attrs.evolve(tariff, rules=rules, billing=attrs.evolve(tariff.billing, rules=rules))
    events = [
        BuyPlan("p", date(2020, 1, 10), "basic", Period.MONTHLY),
        ChangePlan("up", date(2020, 1, 20), "team", Period.MONTHLY),
        ChangePlan("up-credit", date(2020, 1, 25), "agency", Period.MONTHLY),
    ]
    documents = bill(tariff, Account("a", "duda", "DE"), events, date(2020, 1, 31)).documents
    assert [(d.number, d.type.value) for d in documents] == [
        ("a-20200110-regular", "invoice"),
        ("a-credit-up", "credit_note"),
        ("a-interim-up", "invoice"),
        ("a-credit-up-credit", "credit_note"),
        ("a-interim-up-credit", "invoice"),
    ]


def test_numbers_stay_unique_across_a_saved_state_and_a_resume(library: Library) -> None:
    tariff = prepare(library, "duda")
    first = [BuyPlan("p", date(2020, 1, 10), "team", Period.MONTHLY), PublishSite("s", date(2020, 1, 12), "home")]
    saved = json.loads(json.dumps(dump_state(bill(tariff, ACCOUNT, first, date(2020, 2, 9)).state)))
    assert saved["event_ids"] == {"p": "2020-01-10", "s": "2020-01-12"}
    later = [BuyOneOff("20200310-monthly", date(2020, 3, 10), "premium-image")]
    documents = bill(tariff, ACCOUNT, later, date(2020, 3, 10), load_state(saved)).documents
    assert [d.number for d in documents] == ["a-20200210-monthly", "a-immediate-20200310-monthly", "a-20200310-monthly"]

"""The typed API checks its arguments where they come in and raises billingcore's own errors, each
located by the argument's path and with a hint (issue 9: `prepare(library, "nope")` raised a bare
KeyError, `BuyPlan(..., period="annual")` an AttributeError, a float, NaN or Infinity quantity a
TypeError or InvalidOperation)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from billingcore.catalog.loader import Library
from billingcore.catalog.model import Period
from billingcore.engine import Account, bill, prepare
from billingcore.errors import EventError, InputError, PlanError
from billingcore.events import BuyOneOff, BuyPlan, PublishSite

DAY = date(2020, 1, 10)
ACCOUNT = Account("a", "duda", "US")
PLAN = BuyPlan("p", DAY, "team", Period.ANNUAL)


def _located(error: InputError) -> list[tuple[str, str, str, str]]:
    return [(str(d.location), d.code, d.message, d.hint) for d in error.diagnostics]


def _bill(library: Library, events: Any, until: Any = DAY, account: Any = ACCOUNT, state: Any = None) -> None:
    bill(prepare(library, "duda"), account, events, until, state)


def test_preparing_a_catalog_the_library_lacks_says_which_are_loaded(library: Library) -> None:
    loaded = "loaded: billwerk-demo, duda, fakturia-demo, saas-pro, wedos"
    for name, hint in (("nope", loaded), ("dudda", "did you mean 'duda'?"), (5, loaded)):
        with pytest.raises(PlanError) as info:
            prepare(library, name)  # type: ignore[arg-type]
        assert _located(info.value) == [
            ("catalog", "unknown-catalog", f"no catalog {name!r} among the loaded plans", hint)
        ]
    with pytest.raises(PlanError) as not_a_library:
        prepare("plans", "duda")  # type: ignore[arg-type]
    assert _located(not_a_library.value) == [
        (
            "library",
            "wrong-type",
            "expected the Library that billingcore.load returned, got a str",
            'library = billingcore.load(["plans", "rules"])',
        )
    ]


def test_a_period_given_as_its_word_is_refused_at_the_event_not_an_attribute_error(library: Library) -> None:
    with pytest.raises(EventError) as info:
        _bill(library, [BuyPlan("p", DAY, "team", "annual")])  # type: ignore[arg-type]
    assert _located(info.value) == [
        (
            "events[0].period",
            "wrong-type",
            "event p (buy_plan): period: expected a Period, got the str 'annual'",
            "give Period.ANNUAL",
        )
    ]


def test_a_float_nan_or_infinite_quantity_is_refused_every_one_at_once(library: Library) -> None:
    events = [
        PLAN,
        BuyOneOff("f", DAY, "premium-image", 1.5),  # type: ignore[arg-type]
        BuyOneOff("n", DAY, "premium-image", Decimal("NaN")),
        BuyOneOff("i", DAY, "premium-image", Decimal("-Infinity")),
        BuyOneOff("ok", DAY, "premium-image", 2),
    ]
    with pytest.raises(EventError) as info:
        _bill(library, events)
    finite = 'give a number, e.g. Decimal("2")'
    assert _located(info.value) == [
        (
            "events[1].quantity",
            "wrong-type",
            "event f (buy_one_off): quantity: expected an int or a Decimal, got the float 1.5",
            'give Decimal("1.5") or 2 (a float is not exact)',
        ),
        (
            "events[2].quantity",
            "not-decimal",
            "event n (buy_one_off): quantity: expected a finite number, got Decimal('NaN')",
            finite,
        ),
        (
            "events[3].quantity",
            "not-decimal",
            "event i (buy_one_off): quantity: expected a finite number, got Decimal('-Infinity')",
            finite,
        ),
    ]


def test_dates_names_and_ids_of_the_wrong_type_and_what_is_not_an_event(library: Library) -> None:
    events = [
        BuyPlan(5, datetime(2020, 1, 10, 9, 30), "team", Period.ANNUAL),  # type: ignore[arg-type]
        PublishSite("s", "2020-01-10", ["blog"]),  # type: ignore[arg-type]
        {"id": "x", "date": "2020-01-10", "type": "start_trial"},
    ]
    with pytest.raises(EventError) as info:
        _bill(library, events)
    assert _located(info.value) == [
        (
            "events[0].date",
            "wrong-type",
            "event #0 (buy_plan): date: expected a date, got the datetime datetime.datetime(2020, 1, 10, 9, 30)",
            "give its day: .date()",
        ),
        ("events[0].id", "wrong-type", "event #0 (buy_plan): id: expected text (a str), got the int 5", "give a str"),
        (
            "events[1].date",
            "wrong-type",
            "event s (publish_site): date: expected a date, got the str '2020-01-10'",
            "give a datetime.date, e.g. date(2020, 1, 10)",
        ),
        (
            "events[1].site",
            "wrong-type",
            "event s (publish_site): site: expected text (a str), got a list",
            "give a str",
        ),
        (
            "events[2]",
            "wrong-type",
            "expected an event, got a dict",
            "build events with the classes of billingcore.events, or from dicts with timeline.structure_events",
        ),
    ]


def test_the_arguments_of_bill_are_checked_every_one_at_once(library: Library) -> None:
    with pytest.raises(EventError) as info:
        _bill(library, (e for e in [PLAN]), "2020-01-10", "a", {"format": 3})
    assert _located(info.value) == [
        ("account", "wrong-type", "expected an Account, got the str 'a'", "Account(id, catalog, country)"),
        ("events", "wrong-type", "expected a list of events, got a generator", "give a list of events"),
        ("state", "wrong-type", "expected a State, got a dict", "give what bill returned, or load_state(saved)"),
        ("until", "wrong-type", "expected a date, got the str '2020-01-10'", "give a datetime.date"),
    ]
    with pytest.raises(EventError) as until:
        _bill(library, [PLAN], datetime(2020, 1, 10), Account(5, "duda", ["US"]))  # type: ignore[arg-type]
    assert _located(until.value) == [
        ("account.country", "wrong-type", "expected text, got a list", "give a str"),
        ("account.id", "wrong-type", "expected text, got the int 5", "give a str"),
        (
            "until",
            "wrong-type",
            "expected a date, got the datetime datetime.datetime(2020, 1, 10, 0, 0)",
            "give its day: until.date()",
        ),
    ]


def test_an_event_class_of_a_feature_outside_the_package_is_checked_too() -> None:
    """The checks come from each class's annotations (eventtypes.py), not from a list of known events."""
    import attrs

    from billingcore.eventtypes import type_problems, well_typed

    @attrs.frozen
    class Ping:
        TYPE = "ping"
        id: str
        date: date
        count: int
        level: Period | None = None

    assert well_typed([PLAN, Ping("x", DAY, 1), Ping("y", DAY, 2, Period.MONTHLY)])
    assert not well_typed([Ping("x", DAY, True)])
    assert [(str(d.location), d.message) for d in type_problems(4, Ping("x", DAY, True, "monthly"))] == [
        ("events[4].count", "event x (ping): count: expected a whole number (an int), got the bool True"),
        ("events[4].level", "event x (ping): level: expected a Period, got the str 'monthly'"),
    ]


def test_only_the_arguments_of_the_wrong_type_are_named(library: Library) -> None:
    # A valid until and a valid saved state are not named when the account is wrong; a VAT id may be
    # absent (None) but not a number; the tariff itself must be one.
    state = bill(prepare(library, "duda"), ACCOUNT, [PLAN], DAY).state
    with pytest.raises(EventError) as info:
        _bill(library, [], DAY, Account("a", "duda", "US", 5), state)  # type: ignore[arg-type]
    assert _located(info.value) == [("account.vat_id", "wrong-type", "expected text, got the int 5", "give a str")]
    with pytest.raises(EventError) as tariff:
        bill("duda", ACCOUNT, [PLAN], DAY)  # type: ignore[arg-type]
    assert _located(tariff.value) == [
        ("tariff", "wrong-type", "expected a Tariff, got the str 'duda'", "build it with prepare(library, catalog)")
    ]


def test_billing_a_resumed_account_until_its_own_date_bills_nothing_more(library: Library) -> None:
    state = bill(prepare(library, "duda"), ACCOUNT, [PLAN], DAY).state
    again = bill(prepare(library, "duda"), ACCOUNT, [], DAY, state)
    assert (again.documents, again.state) == ((), state)


def test_a_resumed_account_billed_until_its_own_date_is_not_billing_back_in_time(library: Library) -> None:
    # Billed until the state's own date with a country the VAT table lacks: the country is what is wrong.
    state = bill(prepare(library, "duda"), ACCOUNT, [PLAN], DAY).state
    with pytest.raises(EventError) as info:
        bill(prepare(library, "duda"), Account("a", "duda", "XX"), [], DAY, state)
    assert [d.code for d in info.value.diagnostics] == ["unknown-country"]

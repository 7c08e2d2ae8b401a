"""Saved states that are not what dump_state wrote never bill (issue 9): every value is read exactly (a
JSON boolean is a boolean, an enum one of its words, a count a whole number in its range, money at most
its currency's decimals, a date "YYYY-MM-DD"), the fields agree with each other and with the account
and tariff being billed, and every problem is reported at once at its JSON path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from billingcore.catalog.loader import Library
from billingcore.catalog.model import Period
from billingcore.engine import Account, bill, prepare
from billingcore.errors import InputError, StateError
from billingcore.events import BuyPlan, ChangePlan, PublishSite
from billingcore.snapshot import dump_state, load_state

HINT = 'load only what dump_state wrote (docs/scenarios.md, "Saved state")'
CHANGED = (
    "the state was changed after dump_state wrote it: restore the stored copy, or bill the account again "
    "from its events"
)
ACCOUNT = Account("a", "duda", "US")
EVENTS = [
    BuyPlan("p", date(2020, 1, 10), "team", Period.MONTHLY),  # Team: one included site, home
    PublishSite("s", date(2020, 1, 10), "home"),
    PublishSite("s2", date(2020, 1, 12), "blog", Period.MONTHLY),  # paid: pending until Feb 10
    ChangePlan("c", date(2020, 1, 13), "basic", Period.MONTHLY),  # a downgrade waiting for Feb 10
]


def _saved(library: Library) -> dict[str, Any]:
    """Account a's state on 2020-01-15: contracts plan, site:home (included), site:blog; one pending
    charge; a waiting downgrade; items home and blog."""
    return dump_state(bill(prepare(library, "duda"), ACCOUNT, EVENTS, date(2020, 1, 15)).state)


def _located(error: InputError) -> list[tuple[str, str, str, str]]:
    return [(str(d.location), d.code, d.message, d.hint) for d in error.diagnostics]


def _set(*path: Any) -> Callable[[dict[str, Any]], None]:
    """A change of one value of the saved state: _set("contracts", 0, "ended", "no")."""

    def change(state: dict[str, Any]) -> None:
        node = state
        for step in path[:-2]:
            node = node[step]
        node[path[-2]] = path[-1]

    return change


# (what was changed, the change, the JSON path and message of the one problem it makes)
CASES = [
    # The values issue 9 found misread: each was taken as true, or dropped a charge.
    (
        "dont_renew text",
        _set("contracts", 0, "dont_renew", "false"),
        "state.contracts[0].dont_renew",
        'expected true or false, got the string "false"',
    ),
    (
        "ended text",
        _set("contracts", 2, "ended", "no"),
        "state.contracts[2].ended",
        'expected true or false, got the string "no"',
    ),
    (
        "included text",
        _set("contracts", 2, "included", "false"),
        "state.contracts[2].included",
        'expected true or false, got the string "false"',
    ),
    (
        "unknown group",
        _set("pending", 0, "group", "daily"),
        "state.pending[0].group",
        'expected one of "monthly", "annual", "weekly", got the string "daily"',
    ),
    # Counts: whole numbers (never true or 1.0) in their range.
    (
        "terms true",
        _set("contracts", 0, "terms", True),
        "state.contracts[0].terms",
        "expected a whole number, got true",
    ),
    (
        "terms 0",
        _set("contracts", 0, "terms", 0),
        "state.contracts[0].terms",
        "expected a whole number from 1 to 110668, got 0",
    ),
    (
        "anchor day 32",
        _set("contracts", 0, "anchor_day", 32),
        "state.contracts[0].anchor_day",
        "expected a whole number from 1 to 31, got 32",
    ),
    (
        "billings_done -1",
        _set("billings_done", -1),
        "state.billings_done",
        "expected a whole number from 0 to 3636, got the number -1",
    ),
    (
        "billings_done 1.0",
        _set("billings_done", 1.0),
        "state.billings_done",
        "expected a whole number from 0 to 3636, got the number 1.0",
    ),
    ("order 0", _set("items", 0, "order", 0), "state.items[0].order", "expected a whole number of at least 1, got 0"),
    (
        "active text",
        _set("items", 1, "active", "true"),
        "state.items[1].active",
        'expected true or false, got the string "true"',
    ),
    # Money: a decimal string with at most the currency's decimals.
    (
        "price number",
        _set("contracts", 0, "unit_price", 29),
        "state.contracts[0].unit_price",
        "expected text, got the number 29",
    ),
    (
        "price 3 decimals",
        _set("contracts", 0, "unit_price", "29.001"),
        "state.contracts[0].unit_price",
        'the string "29.001" has more decimals than USD has (2)',
    ),
    (
        "price NaN",
        _set("pending", 0, "amount", "NaN"),
        "state.pending[0].amount",
        'expected an amount like "13.00", got the string "NaN"',
    ),
    (
        "price exponent",
        _set("contracts", 2, "billed", "1.3E+1"),
        "state.contracts[2].billed",
        'expected an amount like "13.00", got the string "1.3E+1"',
    ),
    (
        "quantity",
        _set("pending", 0, "quantity", "Infinity"),
        "state.pending[0].quantity",
        'expected a decimal like "1", got the string "Infinity"',
    ),
    # Dates: "YYYY-MM-DD" and on the calendar (Python would also read "20200110" and "2020-W02-5").
    (
        "basic ISO date",
        _set("contracts", 0, "started", "20200110"),
        "state.contracts[0].started",
        'expected a date "YYYY-MM-DD", got the string "20200110"',
    ),
    (
        "week date",
        _set("pending", 0, "due", "2020-W02-5"),
        "state.pending[0].due",
        'expected a date "YYYY-MM-DD", got the string "2020-W02-5"',
    ),
    ("Feb 30", _set("as_of", "2020-02-30"), "state.as_of", 'the string "2020-02-30" is not a calendar date'),
    # Found by `make fuzz`: counts no bill run writes sent add_months past the year 9999 (ValueError,
    # OverflowError), a nested format value overflowed the message's JSON encoder (RecursionError).
    (
        "terms 2**31",
        _set("contracts", 0, "terms", 2**31),
        "state.contracts[0].terms",
        "expected a whole number from 1 to 110668, got 2147483648",
    ),
    # a monthly contract's count within the daily range, but past the months its next term end is counted in
    (
        "terms of months",
        _set("contracts", 0, "terms", 3637),
        "state.contracts[0].terms",
        "expected at most 3636 terms of monthly, got 3637",
    ),
    (
        "billings_done 10**30",
        _set("billings_done", 10**30),
        "state.billings_done",
        "expected a whole number from 0 to 3636, got a number of more than 18 digits",
    ),
    (
        "year 9999",  # no bill run writes a date past the supported dates (terms: up to 2202-12-31)
        _set("contracts", 0, "term_end", "9999-12-31"),
        "state.contracts[0].term_end",
        "9999-12-31 is outside the supported dates 1900-01-01 to 2199-12-31",
    ),
    (
        "downgrade period",
        _set("downgrade", "period", "fortnightly"),
        "state.downgrade.period",
        'expected one of "daily", "weekly", "biweekly", "monthly", "quarterly", "semiannual", "annual", "biennial" '
        'or every N days / weeks / months / years, got the string "fortnightly"',
    ),
    # The layout: every key, no other, the right format.
    ("unknown key", _set("contracts", 1, "note", "x"), "state.contracts[1]", 'unknown key "note"'),
    ("record not a mapping", _set("pending", 0, ["x"]), "state.pending[0]", "expected a mapping, got a list"),
    (
        "contracts not a list",
        _set("contracts", {}),
        "state.contracts",
        "expected a list, got a mapping",
    ),
    (
        "currency",
        _set("currency", "XXX"),
        "state.currency",
        'expected an ISO 4217 currency billingcore knows, got the string "XXX"',
    ),
    ("account", _set("account", 5), "state.account", "expected text, got the number 5"),
    # What ties the fields together.
    (
        "billing day",
        _set("billing_day", 11),
        "state.billing_day",
        "expected the day of billing_anchor 2020-01-10, got 11",
    ),
    (
        "billing day null with an anchor",
        _set("billing_day", None),
        "state.billing_day",
        'billing_day and billing_anchor are both set or both null, got null and the string "2020-01-10"',
    ),
    (
        "billing anchor null with a billing day",
        _set("billing_anchor", None),
        "state.billing_day",
        "billing_day and billing_anchor are both set or both null, got the number 10 and null",
    ),
    (
        "billing anchor",
        _set("billing_anchor", "2020-02-30"),
        "state.billing_anchor",
        'the string "2020-02-30" is not a calendar date',
    ),
    (
        "billing days done without a billing day",
        lambda saved: saved.update(billing_anchor=None, billing_day=None, billings_done=1),
        "state.billings_done",
        "expected 0 while billing_anchor is null, got 1",
    ),
    (
        "billing day 32",
        _set("billing_day", 32),
        "state.billing_day",
        "expected a whole number from 1 to 31 or null, got the number 32",
    ),
    ("two plans", _set("contracts", 1, "key", "plan"), "state.contracts[1].key", 'a second contract with key "plan"'),
    ("two items", _set("items", 1, "name", "home"), "state.items[1].name", 'a second item named "home"'),
    (
        "event after the state",
        _set("event_ids", "p", "2020-01-16"),
        "state.event_ids.p",
        "an event dated 2020-01-16 cannot be billed in a state of 2020-01-15",
    ),
    (
        "event ids a list",
        _set("event_ids", ["p"]),
        "state.event_ids",
        "expected a mapping of event ids to their dates, got a list",
    ),
    (
        "event date",
        _set("event_ids", "p", "2020-02-30"),
        "state.event_ids.p",
        'the string "2020-02-30" is not a calendar date',
    ),
]


@pytest.mark.parametrize(("change", "path", "message"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_a_value_dump_state_would_not_write_is_refused_at_its_path(
    library: Library, change: Callable[[dict[str, Any]], None], path: str, message: str
) -> None:
    saved = _saved(library)
    change(saved)
    account = "?" if path == "state.account" else "a"
    with pytest.raises(StateError) as info:
        load_state(saved)
    assert _located(info.value) == [(path, "bad-state", f"saved state of account {account}: {message}", HINT)]


def test_the_misread_values_of_issue_9_no_longer_bill(library: Library) -> None:
    """Before: dont_renew "false" stopped the plan renewing (Team's 29.00 missing from Feb 10), ended
    "no" and included "false" took the blog's 13.00 off every invoice. Now the state is refused."""
    for change in (_set("contracts", 0, "dont_renew", "false"), _set("contracts", 2, "ended", "no")):
        saved = _saved(library)
        change(saved)
        with pytest.raises(StateError):
            bill(prepare(library, "duda"), ACCOUNT, [], date(2020, 3, 1), load_state(saved))


def test_every_problem_of_a_state_is_reported_at_once_in_path_order(library: Library) -> None:
    saved = _saved(library)
    for change in (
        _set("contracts", 2, "ended", "no"),
        _set("contracts", 0, "terms", "1"),
        _set("as_of", "2020-1-15"),
        _set("items", 0, "includable", None),
    ):
        change(saved)
    del saved["pending"][0]["cause"]
    with pytest.raises(StateError) as info:
        load_state(saved)
    who = "saved state of account a"
    assert _located(info.value) == [
        ("state.as_of", "bad-state", f'{who}: expected a date "YYYY-MM-DD", got the string "2020-1-15"', HINT),
        ("state.contracts[0].terms", "bad-state", f'{who}: expected a whole number, got the string "1"', HINT),
        ("state.contracts[2].ended", "bad-state", f'{who}: expected true or false, got the string "no"', HINT),
        ("state.items[0].includable", "bad-state", f"{who}: expected true or false, got null", HINT),
        ("state.pending[0]", "bad-state", f'{who}: missing key "cause"', HINT),
    ]


def test_a_state_of_another_format_is_refused_with_what_to_do(library: Library) -> None:
    saved = _saved(library)
    saved["format"] = 2
    with pytest.raises(StateError) as info:
        load_state(saved)
    assert _located(info.value) == [
        (
            "state.format",
            "bad-state",
            "saved state of account a: it is in format 2; this billingcore reads formats 3, 4, 5, 6, 7 and 8",
            "bill the account again from its events with this billingcore: it writes the state it reads",
        )
    ]


def _resume(library: Library, saved: dict[str, Any], account: Account = ACCOUNT, catalog: str = "duda") -> None:
    bill(prepare(library, catalog), account, [], date(2020, 3, 1), load_state(saved))


def test_a_count_of_billing_days_that_does_not_match_the_states_date_is_refused(library: Library) -> None:
    """Before: billings_done 0 put the next billing day (Jan 10) before the state's Jan 15, where the
    agenda never looks again: no invoice was ever issued again. Too many would skip billing days."""
    saved = _saved(library)
    saved["billings_done"] = 0
    with pytest.raises(StateError) as info:
        _resume(library, saved)
    assert _located(info.value) == [
        (
            "state.billings_done",
            "bad-state",
            "saved state of account a: billings_done is 0, but 1 billing day (the last on 2020-01-10) falls on or "
            "before its as_of (2020-01-15)",
            CHANGED,
        )
    ]
    saved["billings_done"] = 3
    with pytest.raises(StateError) as too_many:
        _resume(library, saved)
    assert [d.message for d in too_many.value.diagnostics] == [
        "saved state of account a: billings_done is 3, but 1 billing day (the last on 2020-01-10) falls on or "
        "before its as_of (2020-01-15)"
    ]


def test_a_state_must_be_the_accounts_under_its_catalog_all_problems_at_once(library: Library) -> None:
    saved = _saved(library)
    saved["billings_done"] = 0
    with pytest.raises(StateError) as info:
        _resume(library, saved, Account("b", "wedos", "CZ"), "wedos")
    assert [(str(d.location), d.code, d.message) for d in info.value.diagnostics] == [
        ("state.account", "wrong-account", "the saved state is account a's, not account b's"),
        (
            "state.billings_done",
            "bad-state",
            "saved state of account a: billings_done is 0, but 1 billing day (the last on 2020-01-10) falls on or "
            "before its as_of (2020-01-15)",
        ),
        ("state.catalog", "wrong-account", "the saved state of account a is on catalog `duda`, not `wedos`"),
    ]
    assert info.value.diagnostics[2].hint == "bill it with the tariff of its own catalog: prepare(library, 'duda')"


def test_a_state_in_another_currency_than_its_catalogs_is_refused(library: Library) -> None:
    saved = _saved(library)
    saved["currency"] = "EUR"  # as if catalog duda had changed its currency since
    with pytest.raises(StateError) as info:
        _resume(library, saved)
    assert _located(info.value) == [
        (
            "state.currency",
            "wrong-currency",
            "the saved state of account a is in EUR, catalog `duda` bills in USD",
            "a catalog cannot change its currency under running accounts: bill them under a catalog of their own",
        )
    ]


def test_a_state_that_loads_dumps_back_to_the_same_mapping(library: Library) -> None:
    saved = _saved(library)
    assert dump_state(load_state(copy.deepcopy(saved))) == saved


def test_a_contract_for_a_product_the_catalog_does_not_have_is_refused(library: Library) -> None:
    # Found by `make fuzz`: a plan contract for product "" loaded, then renewing it raised KeyError.
    saved = _saved(library)
    saved["contracts"][0]["product"] = ""
    with pytest.raises(StateError) as info:
        _resume(library, saved)
    assert [(str(d.location), d.code, d.message, d.hint) for d in info.value.diagnostics] == [
        ("state.contracts[0].product", "bad-state",
         "saved state of account a: contract `plan` is for ``, not in catalog `duda`", RETIRED),
    ]  # fmt: skip


def test_a_nested_format_value_is_named_not_written_out() -> None:
    nested: list[object] = []
    for _ in range(5000):
        nested = [nested]
    with pytest.raises(StateError) as info:
        load_state({"format": nested})
    assert [d.message for d in info.value.diagnostics] == [
        "saved state of account ?: it is in format a list; this billingcore reads formats 3, 4, 5, 6, 7 and 8"
    ]


def test_a_waiting_downgrade_or_an_item_the_catalog_does_not_have_is_refused(library: Library) -> None:
    # Found by `make fuzz`: a waiting downgrade to plan "Infinity" loaded, then raised KeyError at renewal.
    saved = _saved(library)
    saved["downgrade"]["plan"] = "Infinity"
    saved["items"][1]["product"] = "gadget"
    with pytest.raises(StateError) as info:
        _resume(library, saved)
    assert [(str(d.location), d.code, d.message, d.hint) for d in info.value.diagnostics] == [
        ("state.downgrade.plan", "bad-state",
         "saved state of account a: a downgrade to `Infinity`, not in catalog `duda`", RETIRED),
        ("state.items[1].product", "bad-state",
         "saved state of account a: item `blog` is a `gadget`, not in catalog `duda`", RETIRED),
    ]  # fmt: skip
    saved = _saved(library)
    saved["downgrade"]["period"] = "quarterly"  # Basic has no quarterly price
    with pytest.raises(StateError) as period:
        _resume(library, saved)
    assert [(str(d.location), d.message) for d in period.value.diagnostics] == [
        ("state.downgrade.period", "saved state of account a: plan `basic` has no quarterly price on 2020-01-13"),
    ]


RETIRED = "bill it with the catalog it was billed under (keep retired products in the catalog)"


def test_a_part_that_is_not_what_dump_state_writes_is_named_at_its_key(library: Library) -> None:
    saved = _saved(library)
    saved["downgrade"], saved["items"] = "basic", "home"
    with pytest.raises(StateError) as info:
        load_state(saved)
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [
        ("state.downgrade", 'saved state of account a: expected a mapping, got the string "basic"'),
        ("state.items", 'saved state of account a: expected a list, got the string "home"'),
    ]


def test_an_item_contract_for_an_item_the_state_does_not_list_is_refused(library: Library) -> None:
    # Found by `make fuzz`: contract site:blog for item "blogblog" loaded, then re-allocating slots raised
    # KeyError.
    saved = _saved(library)
    saved["contracts"][2]["item"] = "blogblog"
    with pytest.raises(StateError) as info:
        _resume(library, saved)
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [
        ("state.items", "saved state of account a: contract `site:blog` is for item `blogblog`, which is not "
         "among the items"),
    ]  # fmt: skip


def test_a_state_bill_returned_is_checked_again_only_under_another_tariff(library: Library) -> None:
    # state.BilledState: resumed under the tariff that billed it, its names are the catalog's and are not
    # looked up again (docs/performance.md); under another tariff (here the catalog without the Team plan),
    # from a copy (_replace) or from JSON they are checked, and a plan the tariff lacks is refused.
    import attrs

    from billingcore.state import BilledState, State

    tariff = prepare(library, "duda")
    first = bill(tariff, Account("a", "duda", "US"), [BuyPlan("p", date(2020, 1, 10), "team", Period.MONTHLY)],
                 date(2020, 1, 10)).state  # fmt: skip
    assert type(first) is BilledState
    assert first.billed_by is tariff
    assert first == State(*first)  # not part of its value
    assert dump_state(first) == dump_state(State(*first))
    again = bill(tariff, Account("a", "duda", "US"), [], date(2020, 3, 10), first)
    assert [str(d.date) for d in again.documents] == ["2020-02-10", "2020-03-10"]
    without_team = attrs.evolve(tariff, plans={k: v for k, v in tariff.plans.items() if k != "team"})
    for state in (first, first._replace(as_of=first.as_of), load_state(dump_state(first))):
        with pytest.raises(StateError) as info:
            bill(without_team, Account("a", "duda", "US"), [], date(2020, 3, 10), state)
        assert [d.message for d in info.value.diagnostics] == [
            "saved state of account a: contract `plan` is for `team`, not in catalog `duda`"
        ]


def test_a_billing_day_past_31_is_refused_even_where_it_would_clamp_to_its_anchor(library: Library) -> None:
    # A billing anchor may be a month's last day with a later billing day (31 clamped into February:
    # docs/rules.md "billing_day"), but there is no day 32 to clamp: the range comes first.
    saved = _saved(library)
    saved["billing_anchor"], saved["billing_day"] = "2020-02-29", 32
    with pytest.raises(StateError) as info:
        load_state(saved)
    assert _located(info.value) == [
        ("state.billing_day", "bad-state", "saved state of account a: expected a whole number from 1 to 31 or null, "
         "got the number 32", HINT)
    ]  # fmt: skip
    saved["billing_day"] = 31  # the 31st clamped into February 2020: a nominal anchor bill writes
    assert load_state(saved).billing_day == 31


def test_a_saved_amount_larger_than_billing_ever_writes_is_refused_at_its_path() -> None:
    # Found by `make fuzz` (issue 12's session): a 40-digit unit price loaded, and the next bill's VAT
    # rounding raised decimal.InvalidOperation. Billing writes at most a price (12 digits) times a quantity (9).
    from decimal import Decimal

    from billingcore.catalog.loader import load
    from billingcore.events import BuyPlan

    tariff = prepare(load(["plans/duda.yaml", "rules"]), "duda")
    bought = [BuyPlan("p", date(2020, 1, 10), "team", Period.MONTHLY)]
    saved = dump_state(bill(tariff, Account("a", "duda", "US"), bought, date(2020, 1, 10)).state)
    saved["contracts"][0]["unit_price"] = "9" * 40
    with pytest.raises(StateError) as info:
        load_state(saved)
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [
        (
            "state.contracts[0].unit_price",
            'saved state of account a: the string "' + "9" * 40 + '" has 40 digits before the decimal point; '
            "billing writes at most 21",
        )
    ]
    saved["contracts"][0]["unit_price"] = "9" * 21 + ".00"
    assert load_state(saved).contracts[0].unit_price == Decimal("9" * 21 + ".00")


def test_a_state_with_no_billing_day_yet_reads_with_none_done(library: Library) -> None:
    saved = _saved(library)
    saved.update(billing_anchor=None, billing_day=None, billings_done=0)  # as before the first plan purchase
    assert load_state(saved).billings_done == 0

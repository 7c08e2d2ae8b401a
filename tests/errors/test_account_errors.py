"""Bad input to customer credit accounts (issue 12, "Bad input"): account events that cannot be applied
(top-ups below the minimum, orders the credit does not cover, payments of documents nobody waits for ...)
are refused, every problem at once at its event with a hint, and nothing is billed; credit accounts the
catalog cannot keep are refused before billing at the value they are about (a scenario's file:line:col, a
host's `account.credit_accounts[i].field`); a saved state whose `accounts` part is not what dump_state
wrote, or names what the catalog and the account do not have, is refused at its JSON path."""

from __future__ import annotations

import copy
import functools
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from billingcore.catalog.model import Period
from billingcore.cli import main
from billingcore.engine import Account, Tariff, bill, prepare
from billingcore.errors import EventError, InputError, StateError
from billingcore.events import (
    BuyPlan,
    CancelOrder,
    ChangeCreditLimit,
    CreateService,
    OrderService,
    RecordPayment,
    Refund,
    Settle,
    TopUp,
)
from billingcore.scenarios import Scenario, load_scenario, run_scenario
from billingcore.snapshot import dump_state, load_state
from billingcore.tariff import CreditAccount

ROOT = Path(__file__).resolve().parents[2]
EVENTS = "tests/errors/events/account-refusals.yaml"
DATA = "tests/errors/events/account-data.yaml"
UNWRITTEN = "tests/errors/events/account-data-unwritten.yaml"
TYPES = "tests/errors/events/account-data-types.yaml"
HINT = 'load only what dump_state wrote (docs/scenarios.md, "Saved state")'
RETIRED = "bill it with the catalog it was billed under (keep retired products in the catalog)"
M, A = Period.MONTHLY, Period.ANNUAL


def _located(error: InputError) -> list[tuple[str, str, str, str]]:
    """(location, code, message, hint) of each diagnostic."""
    return [(str(d.location), d.code, d.message, d.hint) for d in error.diagnostics]


def _refused(case: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str, str]]:
    """The diagnostics of a scenario file whose account or events cannot be billed."""
    monkeypatch.chdir(ROOT)
    with pytest.raises(EventError) as info:
        run_scenario(load_scenario(case))
    return _located(info.value)


# -- account events that cannot be applied ----------------------------------------------------------------
def test_every_account_event_that_cannot_apply_is_reported_at_its_event(monkeypatch: pytest.MonkeyPatch) -> None:
    # one scenario, every refusal at once, each at its event's `{` with the event's id; the comment block
    # of the file predicts each by hand
    waiting = "(payments are followed for advance invoices, payment requests and invoices of postpaid accounts)"
    assert _refused(EVENTS, monkeypatch) == [
        (
            f"{EVENTS}:53:5",
            "bad-event",
            "event t1 (top_up on 2021-03-02): a top-up of 19.99 EUR is below the minimum of 20.00 EUR (without VAT)",
            "top up at least 20.00 EUR; VAT is added on the advance invoice",
        ),
        (  # the type's minimum is an EUR amount: an account in CZK has the rules' minimum_top_up[CZK]
            f"{EVENTS}:54:5",
            "bad-event",
            "event t2 (top_up on 2021-03-02): a top-up of 99.00 CZK is below the minimum of 100.00 CZK (without VAT)",
            "top up at least 100.00 CZK; VAT is added on the advance invoice",
        ),
        (
            f"{EVENTS}:55:5",
            "bad-event",
            "event t3 (top_up on 2021-03-02): account `main` is postpaid: it has no prepaid credit",
            "use a prepaid account: credit, czk",
        ),
        (
            f"{EVENTS}:56:5",
            "bad-event",
            "event t4 (top_up on 2021-03-02): a top-up: money in EUR has 2 decimals, got 25.001",
            "round it",
        ),
        (
            f"{EVENTS}:57:5",
            "bad-event",
            "event t5 (top_up on 2021-03-02): a top-up must be positive, got 0",
            'give an amount in EUR, e.g. "100.00"',
        ),
        (
            f"{EVENTS}:58:5",
            "bad-event",
            "event t6 (top_up on 2021-03-02): a top-up must be positive, got -5.00",
            'give an amount in EUR, e.g. "100.00"',
        ),
        (  # the refused top-ups t1..t6 left no advance invoice to wait for
            f"{EVENTS}:60:5",
            "bad-event",
            "event p2 (record_payment on 2021-03-03): no document `brno-advance-t77` of account brno is waiting "
            "for a payment",
            f"waiting: brno-20210301-regular, brno-advance-t7 {waiting}",
        ),
        (
            f"{EVENTS}:62:5",
            "bad-event",
            "event p4 (record_payment on 2021-03-04): `brno-20210301-regular` has 11.90 open, got a payment of 20.00",
            "record at most 11.90",
        ),
        (
            f"{EVENTS}:63:5",
            "bad-event",
            "event o1 (order_service on 2021-03-05): account `czk` is in CZK; services are priced in EUR",
            "pay from a prepaid account in EUR: credit",
        ),
        (
            f"{EVENTS}:64:5",
            "bad-event",
            "event o2 (order_service on 2021-03-05): unknown product `webhostng`",
            "did you mean `webhosting`?",
        ),
        (
            f"{EVENTS}:65:5",
            "bad-event",
            "event o3 (order_service on 2021-03-05): product `domain` has no monthly price",
            "its periods: annual",
        ),
        (
            f"{EVENTS}:66:5",
            "bad-event",
            "event o4 (order_service on 2021-03-05): unknown credit account `credt`",
            "did you mean `credit`?",
        ),
        (  # 100.00 paid - 60.00 reserved by o5: the refused o1..o4 reserved nothing
            f"{EVENTS}:68:5",
            "bad-event",
            "event o6 (order_service on 2021-03-05): the credit of `credit`, 40.00 EUR, does not cover the order "
            "of 600.00 EUR",
            "top up at least 560.00 EUR first (top_up)",
        ),
        (
            f"{EVENTS}:69:5",
            "bad-event",
            "event o7 (order_service on 2021-03-05): `service:web` is already running or ordered",
            "give the new service another name",
        ),
        (
            f"{EVENTS}:70:5",
            "bad-event",
            "event o8 (order_service on 2021-03-05): account `main` is postpaid: it has no prepaid credit",
            "use a prepaid account: credit, czk",
        ),
        (  # o5 is reserved (B), not used (N)
            f"{EVENTS}:71:5",
            "bad-event",
            "event e1 (settle on 2021-03-06): nothing to settle on account `credit`",
            "no service paid from it waits for its invoice (N)",
        ),
        (
            f"{EVENTS}:72:5",
            "bad-event",
            "event r1 (refund on 2021-03-06): account `credit` has reserved orders (o5)",
            "create or cancel them first",
        ),
        (  # the refused o6 is not waiting
            f"{EVENTS}:73:5",
            "bad-event",
            "event c1 (create_service on 2021-03-06): no order `o9` is waiting for its service",
            "waiting orders: o5",
        ),
        (
            f"{EVENTS}:74:5",
            "bad-event",
            "event c2 (cancel_order on 2021-03-06): no order `o9` is waiting for its service",
            "waiting orders: o5",
        ),
        (
            f"{EVENTS}:76:5",
            "bad-event",
            "event c3 (cancel_order on 2021-03-08): the service of order `o5` was created already",
            "to end it: set_dont_renew service:web",
        ),
        (
            f"{EVENTS}:77:5",
            "bad-event",
            "event l1 (change_credit_limit on 2021-03-08): account `credit` is prepaid: it has no credit limit",
            "use a postpaid account: main",
        ),
    ]


REFUSED = {"t1", "t2", "t3", "t4", "t5", "t6", "p2", "p4", "o1", "o2", "o3", "o4", "o6", "o7", "o8", "e1", "r1"}
REFUSED |= {"c1", "c2", "c3", "l1"}


def _scenario(monkeypatch: pytest.MonkeyPatch) -> Scenario:
    monkeypatch.chdir(ROOT)
    return load_scenario(EVENTS)


def test_a_run_with_refused_account_events_bills_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `bill` raises: no document, no statement, no state of a half-applied timeline
    scenario = _scenario(monkeypatch)
    with pytest.raises(EventError) as info:
        bill(prepare(scenario.library, scenario.catalog), scenario.account, scenario.events, scenario.head.until)
    assert {d.message.split(" ", 2)[1] for d in info.value.diagnostics} == REFUSED
    assert main(["run", EVENTS]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    assert err.endswith(f"\n\n{len(REFUSED)} errors\n")


def test_without_the_refused_events_the_same_timeline_bills_what_was_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    # the refusals above are the only thing that stops the run: the accepted events alone bill, and what
    # the refusals' hints said (waiting documents, the credit left, the waiting order) is what they leave
    scenario = _scenario(monkeypatch)
    accepted = tuple(e for e in scenario.events if e.id not in REFUSED)
    assert [e.id for e in accepted] == ["b1", "t7", "p3", "o5", "s1"]
    result = run_scenario(attrs.evolve(scenario, events=accepted)).result
    assert [d.number for d in result.documents] == ["brno-20210301-regular", "brno-advance-t7"]
    assert [(s.id, s.balance, [(m.kind.value, m.amount, m.flag) for m in s.movements]) for s in result.accounts] == [
        ("credit", Decimal("40.00"), [("top_up", Decimal("100.00"), ""), ("order", Decimal("-60.00"), "N")]),
        ("czk", Decimal("0.00"), []),
        ("main", Decimal("-11.90"), [("invoice", Decimal("-11.90"), "")]),
    ]


# -- the same refusals from the Python API: the last event of each timeline is refused ----------------------
@functools.cache
def _tariff_and_account() -> tuple[Tariff, Account]:
    """The catalog and the customer brno (credit, czk, main) of the events file."""
    scenario = load_scenario(str(ROOT / EVENTS))
    return prepare(scenario.library, scenario.catalog), scenario.account


DAY = date(2021, 3, 10)
# b1: the plan's invoice brno-20210301-regular, 11.90, posted to main; t7 + p3: credit 100.00 (EUR)
BASE = [
    BuyPlan("b1", date(2021, 3, 1), "basic", M),
    TopUp("t7", date(2021, 3, 2), "credit", Decimal("100.00")),
    RecordPayment("p3", date(2021, 3, 3), "brno-advance-t7"),
]
WEB = OrderService("o", DAY, "credit", "web", "webhosting", A)  # 60.00 reserved: 40.00 left


API_CASES = [
    pytest.param(
        [Settle("x", DAY, "main")],
        "account `main` is postpaid: it has no prepaid credit",
        "use a prepaid account: credit, czk",
        id="settle postpaid",
    ),
    pytest.param(
        [Refund("x", DAY, "main")],
        "account `main` is postpaid: it has no prepaid credit",
        "use a prepaid account: credit, czk",
        id="refund postpaid",
    ),
    pytest.param(
        [TopUp("x", DAY, "credt", Decimal("50.00"))],
        "unknown credit account `credt`",
        "did you mean `credit`?",
        id="top_up unknown account",
    ),
    pytest.param(
        [ChangeCreditLimit("x", DAY, "mian", Decimal("50.00"))],
        "unknown credit account `mian`",
        "did you mean `main`?",
        id="change_credit_limit unknown account",
    ),
    pytest.param(
        [RecordPayment("x", DAY, "brno-advance-t7")],
        "no document `brno-advance-t7` of account brno is waiting for a payment",
        "waiting: brno-20210301-regular (payments are followed for advance invoices, payment requests and invoices "
        "of postpaid accounts)",
        id="record_payment paid already",
    ),
    pytest.param(
        [TopUp("t8", DAY, "credit", Decimal("20.00")), RecordPayment("x", DAY, "brno-advance-t8", Decimal("20.00"))],
        "`brno-advance-t8` must be paid in full: 23.80, got 20.00",
        "record the whole amount",
        id="record_payment advance in part",
    ),
    pytest.param(
        [RecordPayment("x", DAY, "brno-20210301-regular", Decimal("0"))],
        "a payment must be positive, got 0",
        "record at most 11.90, or leave amount out for all that is open",
        id="record_payment zero",
    ),
    pytest.param(
        [RecordPayment("x", DAY, "brno-20210301-regular", Decimal("-5.00"))],
        "a payment must be positive, got -5.00",
        "record at most 11.90, or leave amount out for all that is open",
        id="record_payment negative",
    ),
    pytest.param(
        [RecordPayment("x", DAY, "brno-20210301-regular", Decimal("5.001"))],
        "a payment: money in EUR has 2 decimals, got 5.001",
        "round it",
        id="record_payment decimals",
    ),
    pytest.param(
        [WEB, OrderService("x", DAY, "credit", "cert", "ssl", A)],
        "the credit of `credit`, 40.00 EUR, does not cover the order of 45.00 EUR",
        "top up at least 20.00 EUR first (top_up)",
        id="order_service not covered, less missing than the minimum top-up",
    ),
    pytest.param(
        [WEB, CancelOrder("c", DAY, "o"), CancelOrder("x", DAY, "o")],
        "order `o` was cancelled already",
        "its reservation was released; order the service again with order_service",
        id="cancel_order twice",
    ),
    pytest.param(
        [WEB, CancelOrder("c", DAY, "o"), CreateService("x", DAY, "o")],
        "order `o` was cancelled already",
        "its reservation was released; order the service again with order_service",
        id="create_service after cancel_order",
    ),
    pytest.param(
        [Refund("x", DAY, "czk")],
        "nothing to refund: the credit of `czk` is 0.00 CZK",
        "there is no credit to pay back: a top-up counts once its advance invoice is paid (record_payment)",
        id="refund nothing",
    ),
    pytest.param(
        [ChangeCreditLimit("x", DAY, "main", Decimal("-5.00"))],
        "a credit limit must not be negative, got -5.00",
        "give an amount of at least 0",
        id="change_credit_limit negative",
    ),
    pytest.param(
        [ChangeCreditLimit("x", DAY, "main", Decimal("1000.001"))],
        "a credit limit: money in EUR has 2 decimals, got 1000.001",
        "round it",
        id="change_credit_limit decimals",
    ),
]


@pytest.mark.parametrize(("events", "message", "hint"), API_CASES)
def test_the_refused_account_event_is_named_with_its_reason_and_a_hint(
    events: list[Any], message: str, hint: str
) -> None:
    tariff, account = _tariff_and_account()
    with pytest.raises(EventError) as info:
        bill(tariff, account, [*BASE, *events], date(2021, 3, 31))
    last = events[-1]
    assert [(d.code, d.message, d.hint, d.location) for d in info.value.diagnostics] == [
        ("bad-event", f"event x ({last.TYPE} on {last.date}): {message}", hint, None)
    ]


# -- credit accounts the catalog cannot keep: from a scenario file ------------------------------------------
def test_credit_accounts_in_a_scenario_are_refused_at_the_value_they_are_about(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _refused(DATA, monkeypatch) == [
        (
            f"{DATA}:28:28",
            "bad-account",
            "account schmidt: unknown account type `prepaid-euro`",
            "the catalog's account types: postpaid-eur, prepaid-eur",
        ),
        (
            f"{DATA}:29:54",
            "bad-account",
            "account schmidt: a prepaid account has no credit limit",
            "remove credit_limit",
        ),
        (f"{DATA}:30:58", "bad-account", "account schmidt: a postpaid account has no top-ups", "remove minimum_top_up"),
        (
            f"{DATA}:31:50",
            "bad-account",
            "account schmidt: a second postpaid account in EUR: `rechnung` takes its invoices",
            "one postpaid account per currency receives the invoices",
        ),
        (  # `opened` is not written: at the credit account's `{`
            f"{DATA}:32:7",
            "bad-account",
            "account schmidt: an opening balance needs the day the account was opened",
            "add `opened: YYYY-MM-DD`",
        ),
        (
            f"{DATA}:33:46",
            "bad-account",
            "account schmidt: unknown currency `YEN`",
            "an ISO 4217 code such as EUR, USD, CZK",
        ),
        (
            f"{DATA}:34:12",
            "bad-account",
            "account schmidt: a second credit account `projekt`",
            "give each account its own id",
        ),
    ]


def test_credit_account_problems_about_an_unwritten_key_are_located_at_the_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _refused(UNWRITTEN, monkeypatch) == [
        (
            f"{UNWRITTEN}:23:7",
            "bad-account",
            "account schmidt: account type `postpaid-eur`'s credit limit is in EUR, the account in USD",
            "give the account its own credit_limit in USD",
        ),
        (
            f"{UNWRITTEN}:24:7",
            "bad-account",
            "account schmidt: a second postpaid account in EUR: `rechnung` takes its invoices",
            "one postpaid account per currency receives the invoices",
        ),
    ]


def test_credit_accounts_written_with_values_of_the_wrong_kind_are_refused_when_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    with pytest.raises(InputError) as info:
        load_scenario(TYPES)
    assert _located(info.value) == [
        (
            f"{TYPES}:22:49",
            "float",
            'credit_limit: money must be a decimal string like "13.00", got the unquoted number 1500.00',
            'quote it: "1500.00" (an unquoted decimal is a float in YAML and loses cents)',
        ),
        (f"{TYPES}:23:67", "bad-date", "opened: expected a date YYYY-MM-DD, got 'yesterday'", "write e.g. 2020-07-01"),
        (
            f"{TYPES}:24:50",
            "money-not-string",
            'minimum_top_up: money must be a decimal string like "50.00", got the unquoted number 50',
            'quote it with its cents: "50.00" (in a currency without cents, such as JPY: "50")',
        ),
        (f"{TYPES}:25:7", "missing-key", "missing required key `type`", "add `type: ...` here"),
        (f"{TYPES}:25:15", "unknown-key", "unknown key `typ` in credit account", "did you mean `type`?"),
        (f"{TYPES}:26:44", "wrong-type", "currency: expected text, got 5", 'quote it: "5"'),
        (
            f"{TYPES}:27:7",
            "wrong-type",
            "credit_accounts: expected a mapping of credit account settings, got a list",
            "write its settings as `key: value` pairs, one per line indented below, or inside `{...}`",
        ),
    ]


# -- credit accounts the catalog cannot keep: from the Python API --------------------------------------------
def _account_refused(*accounts: Any) -> list[tuple[str, str, str, str]]:
    tariff, _ = _tariff_and_account()
    with pytest.raises(EventError) as info:
        bill(tariff, Account("brno", "account-refusals", "DE", credit_accounts=accounts), [], date(2021, 3, 31))
    return _located(info.value)


def test_a_hosts_credit_accounts_the_catalog_cannot_keep_are_refused_at_their_path_all_at_once() -> None:
    assert _account_refused(
        CreditAccount("a", "prepad"),
        CreditAccount("b", "prepaid", credit_limit=Decimal("5.00")),
        CreditAccount("c", "postpaid", minimum_top_up=Decimal("5.00")),
        CreditAccount("d", "postpaid", currency="USD"),
        CreditAccount("e", "postpaid"),
        CreditAccount("e", "prepaid", opening_balance=Decimal("1.00")),
        CreditAccount("f", "prepaid", currency="usd"),
    ) == [
        (
            "account.credit_accounts[0].type",
            "bad-account",
            "account brno: unknown account type `prepad`",
            "the catalog's account types: postpaid, prepaid",
        ),
        (
            "account.credit_accounts[1].credit_limit",
            "bad-account",
            "account brno: a prepaid account has no credit limit",
            "remove credit_limit",
        ),
        (
            "account.credit_accounts[2].minimum_top_up",
            "bad-account",
            "account brno: a postpaid account has no top-ups",
            "remove minimum_top_up",
        ),
        (  # the type's limit is an EUR amount
            "account.credit_accounts[3].credit_limit",
            "bad-account",
            "account brno: account type `postpaid`'s credit limit is in EUR, the account in USD",
            "give the account its own credit_limit in USD",
        ),
        (
            "account.credit_accounts[4].currency",
            "bad-account",
            "account brno: a second postpaid account in EUR: `c` takes its invoices",
            "one postpaid account per currency receives the invoices",
        ),
        (
            "account.credit_accounts[5]",
            "bad-account",
            "account brno: an opening balance needs the day the account was opened",
            "add `opened: YYYY-MM-DD`",
        ),
        (
            "account.credit_accounts[5].id",
            "bad-account",
            "account brno: a second credit account `e`",
            "give each account its own id",
        ),
        (
            "account.credit_accounts[6].currency",
            "bad-account",
            "account brno: unknown currency `usd`",
            "an ISO 4217 code such as EUR, USD, CZK",
        ),
    ]


WRONG_TYPES = (
    CreditAccount("a", "postpaid", credit_limit=1500.0),  # type: ignore[arg-type]
    CreditAccount("b", "prepaid", minimum_top_up="50.00"),  # type: ignore[arg-type]
    CreditAccount("c", "prepaid", opening_balance=Decimal("5.00"), opened="2021-01-01"),  # type: ignore[arg-type]
    CreditAccount(5, "prepaid"),  # type: ignore[arg-type]
)
WRONG_TYPE_HINTS = [
    (
        "account.credit_accounts[0].credit_limit",
        "wrong-type",
        "expected a Decimal or None, got the float 1500.0",
        'give Decimal("1500.0") (a float is not exact)',
    ),
    (
        "account.credit_accounts[1].minimum_top_up",
        "wrong-type",
        "expected a Decimal or None, got the str '50.00'",
        'give Decimal("50.00")',
    ),
    (
        "account.credit_accounts[2].opened",
        "wrong-type",
        "expected a date or None, got the str '2021-01-01'",
        "give a datetime.date, e.g. date(2021, 1, 1)",
    ),
    ("account.credit_accounts[3].id", "wrong-type", "expected text, got the int 5", "give a str"),
]


def test_a_hosts_credit_account_values_of_the_wrong_type_are_refused_at_their_path() -> None:
    # the hints: the test below
    got = [(where, code, message) for where, code, message, _ in _account_refused(*WRONG_TYPES)]
    assert got == [(where, code, message) for where, code, message, _ in WRONG_TYPE_HINTS]
    assert _account_refused(CreditAccount("a", "prepaid"), {"id": "b", "type": "prepaid"}) == [
        (
            "account.credit_accounts",
            "wrong-type",
            "expected CreditAccounts, got a tuple with something else than CreditAccounts",
            "give a tuple of CreditAccount(id, type, ...)",
        )
    ]


def test_a_hosts_credit_account_values_of_the_wrong_type_are_refused_with_what_to_give() -> None:
    assert _account_refused(*WRONG_TYPES) == WRONG_TYPE_HINTS


def test_a_hosts_credit_account_of_a_nan_balance_is_refused_as_not_finite() -> None:
    assert _account_refused(CreditAccount("a", "prepaid", opening_balance=Decimal("NaN"), opened=DAY)) == [
        (
            "account.credit_accounts[0].opening_balance",
            "not-decimal",
            "expected a finite number, got Decimal('NaN')",
            'give a number, e.g. Decimal("100.00")',
        )
    ]


MONEY = (
    CreditAccount("a", "postpaid", credit_limit=Decimal("1500.001")),
    CreditAccount("b", "prepaid", opening_balance=Decimal("1.001"), opened=DAY),
    CreditAccount("c", "prepaid", minimum_top_up=Decimal("-50.00")),
    CreditAccount("e", "prepaid", currency="JPY", minimum_top_up=Decimal("50.5")),
)
MONEY_HINTS = [
    (
        "account.credit_accounts[0].credit_limit",
        "bad-account",
        "account brno: credit_limit: money in EUR has 2 decimals, got 1500.001 (3 decimals)",
        'round it to 2 decimals, e.g. "1500.00"',
    ),
    (
        "account.credit_accounts[1].opening_balance",
        "bad-account",
        "account brno: opening_balance: money in EUR has 2 decimals, got 1.001 (3 decimals)",
        'round it to 2 decimals, e.g. "1.00"',
    ),
    (
        "account.credit_accounts[2].minimum_top_up",
        "bad-account",
        "account brno: minimum_top_up: money must not be negative, got -50.00",
        'write it without the minus sign: "50.00"',
    ),
    (
        "account.credit_accounts[3].minimum_top_up",
        "bad-account",
        "account brno: minimum_top_up: money in JPY has no decimals, got 50.5 (1 decimal)",
        'round it to a whole amount, e.g. "51"',
    ),
]


def test_a_credit_accounts_money_with_too_many_decimals_or_below_zero_is_refused_at_its_path() -> None:
    # the hints: the test below
    got = [(where, code, message) for where, code, message, _ in _account_refused(*MONEY)]
    assert got == [(where, code, message) for where, code, message, _ in MONEY_HINTS]


def test_a_credit_accounts_money_with_too_many_decimals_or_below_zero_is_refused_with_how_to_write_it() -> None:
    assert _account_refused(*MONEY) == MONEY_HINTS


# -- a saved state whose accounts part is damaged ----------------------------------------------------------
ACCOUNT = Account(
    "brno",
    "account-refusals",
    "DE",
    credit_accounts=(
        CreditAccount("credit", "prepaid"),
        CreditAccount("main", "postpaid", credit_limit=Decimal("5.00")),
    ),
)
SAVED_EVENTS = [
    *BASE,  # the plan's invoice exceeds main's limit of 5.00: held, billing paused
    OrderService("o5", date(2021, 3, 5), "credit", "web", "webhosting", A),
    CreateService("s1", date(2021, 3, 6), "o5"),
    OrderService("o6", date(2021, 3, 7), "credit", "dom", "domain", A),  # reserved, waiting for its service
    TopUp("t8", date(2021, 3, 8), "credit", Decimal("20.00")),  # its advance invoice is not paid
]


def _saved() -> dict[str, Any]:
    """brno's state on 2021-03-31: movements (top-up, a used order, a reserved order), one advance invoice
    waiting for its payment, order o6 waiting for its service, service:web paid from credit, the plan's
    invoice held by main's limit, main paused."""
    tariff, _ = _tariff_and_account()
    state = bill(tariff, ACCOUNT, SAVED_EVENTS, date(2021, 3, 31)).state
    saved: dict[str, Any] = json.loads(json.dumps(dump_state(state)))
    return saved


def test_a_saved_ledger_is_written_as_it_is_read() -> None:
    saved = _saved()
    ledger = saved["accounts"]
    assert [(m["account"], m["kind"], m["amount"], m["flag"]) for m in ledger["movements"]] == [
        ("credit", "top_up", "100.00", ""),
        ("credit", "order", "-60.00", "N"),
        ("credit", "order", "-12.00", "B"),
    ]
    assert [o["number"] for o in ledger["open"]] == ["brno-advance-t8"]
    assert [o["id"] for o in ledger["orders"]] == ["o6"]
    assert ledger["services"] == [{"key": "service:web", "account": "credit", "auto_renew": False}]
    assert [h["document"]["number"] for h in ledger["held"]] == ["brno-20210301-regular"]
    assert (ledger["limits"], ledger["paused"]) == ([], ["main"])
    assert dump_state(load_state(saved)) == saved


def _with(saved: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A copy of `saved` with the value at `path` (below `accounts`) replaced."""
    changed = copy.deepcopy(saved)
    node = changed["accounts"]
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return changed


# (the change below `accounts`, the JSON path and message of the one problem it makes)
STATE_CASES = [
    pytest.param(
        ("movements", 0, "amount"),
        "x",
        "state.accounts.movements[0].amount",
        'expected a decimal like "1", got the string "x"',
        id="movement amount not a decimal",
    ),
    pytest.param(
        ("movements", 0, "amount"),
        100,
        "state.accounts.movements[0].amount",
        "expected text, got the number 100",
        id="movement amount a number",
    ),
    pytest.param(
        ("movements", 0, "kind"),
        "gift",
        "state.accounts.movements[0].kind",
        'expected one of "opening", "top_up", "order", "release", "renewal", "refund", "invoice", "credit_note", '
        '"payment", "carried_forward", got the string "gift"',
        id="movement kind unknown",
    ),
    pytest.param(
        ("movements",), {}, "state.accounts.movements", "expected a list, got a mapping", id="movements a mapping"
    ),
    pytest.param(("held",), "none", "state.accounts.held", 'expected a list, got the string "none"', id="held text"),
    pytest.param(("held",), {}, "state.accounts.held", "expected a list, got a mapping", id="held a mapping"),
    pytest.param(
        ("held", 0),
        "brno-20210301-regular",
        "state.accounts.held[0]",
        "expected a mapping of `document` and a list of `charges`",
        id="held entry text",
    ),
    pytest.param(
        ("held", 0, "charges", 0, "amount"),
        "x",
        "state.accounts.held[0].charges[0].amount",
        'expected a decimal like "1", got the string "x"',
        id="held charge amount",
    ),
    pytest.param(
        ("open", 0, "gross"),
        "-",
        "state.accounts.open[0].gross",
        'expected a decimal like "1", got the string "-"',
        id="open gross",
    ),
    pytest.param(
        ("paused",), "main", "state.accounts.paused", 'expected a list, got the string "main"', id="paused text"
    ),
    pytest.param(("paused", 0), 5, "state.accounts.paused[0]", "expected text, got the number 5", id="paused number"),
    pytest.param(
        ("limits",),
        [{"account": "main"}],
        "state.accounts.limits[0]",
        "expected a mapping of `account` and `limit`",
        id="limit without its amount",
    ),
    pytest.param(
        ("limits",),
        [{"account": "main", "limit": "x"}],
        "state.accounts.limits[0].limit",
        'expected a decimal like "1", got the string "x"',
        id="limit not a decimal",
    ),
    pytest.param(
        ("movements", 1, "flag"),
        "X",
        "state.accounts.movements[1].flag",
        'expected one of "B", "N", "", got the string "X"',
        id="movement flag unknown",
    ),
]


@pytest.mark.parametrize(("path", "value", "where", "message"), STATE_CASES)
def test_a_saved_ledger_that_is_not_what_dump_state_wrote_is_refused_at_its_path(
    path: tuple[Any, ...], value: Any, where: str, message: str
) -> None:
    with pytest.raises(StateError) as info:
        load_state(_with(_saved(), path, value))
    assert _located(info.value) == [(where, "bad-state", f"saved state of account brno: {message}", HINT)]


def test_a_saved_accounts_part_that_is_not_a_mapping_or_missing_is_refused() -> None:
    saved = _saved()
    for changed, where, message in (
        ({**saved, "accounts": "x"}, "state.accounts", 'expected null or a mapping, got the string "x"'),
        ({k: v for k, v in saved.items() if k != "accounts"}, "state", 'missing key "accounts"'),
        (_with(saved, ("extra",), 1), "state.accounts", 'unknown key "extra"'),
    ):
        with pytest.raises(StateError) as info:
            load_state(changed)
        assert _located(info.value) == [(where, "bad-state", f"saved state of account brno: {message}", HINT)]


def test_every_damage_of_a_saved_ledger_is_reported_at_once() -> None:
    saved = _with(_with(_saved(), ("movements", 0, "amount"), "1.2.3"), ("held",), "none")
    saved = _with(saved, ("open", 0, "paid"), True)
    with pytest.raises(StateError) as info:
        load_state(saved)
    assert [(str(x.location), x.code) for x in info.value.diagnostics] == [
        ("state.accounts.held", "bad-state"),
        ("state.accounts.movements[0].amount", "bad-state"),
        ("state.accounts.open[0].paid", "bad-state"),
    ]


def test_a_saved_service_without_the_account_that_pays_it_is_refused() -> None:
    saved = _with(_saved(), ("services",), [])
    tariff, _ = _tariff_and_account()
    with pytest.raises(StateError) as info:
        bill(tariff, ACCOUNT, [], date(2021, 4, 30), load_state(saved))
    assert _located(info.value) == [
        (
            "state.accounts",
            "bad-state",
            "saved state of account brno: service `service:web` runs without the account that pays it",
            RETIRED,
        )
    ]


def test_a_saved_order_of_a_product_the_catalog_does_not_have_is_refused_at_its_path() -> None:
    saved = _with(_saved(), ("orders", 0, "product"), "gone")
    tariff, _ = _tariff_and_account()
    with pytest.raises(StateError) as info:
        bill(tariff, ACCOUNT, [CreateService("s2", date(2021, 4, 6), "o6")], date(2021, 4, 30), load_state(saved))
    assert _located(info.value) == [
        (
            "state.accounts.orders[0].product",
            "bad-state",
            "saved state of account brno: order `o6` is for `gone`, not in catalog `account-refusals`",
            RETIRED,
        )
    ]


ACCOUNTS_HINT = "bill it with the credit accounts it was billed with (keep a closed one in credit_accounts)"


def test_a_saved_order_on_a_credit_account_the_customer_does_not_have_is_refused_at_its_path() -> None:
    saved = _with(_saved(), ("orders", 0, "account"), "gone")
    tariff, _ = _tariff_and_account()
    with pytest.raises(StateError) as info:
        bill(tariff, ACCOUNT, [CreateService("s2", date(2021, 4, 6), "o6")], date(2022, 4, 30), load_state(saved))
    assert _located(info.value) == [
        (
            "state.accounts.orders[0].account",
            "bad-state",
            "saved state of account brno: credit account `gone` is not one of the account's (credit, main)",
            ACCOUNTS_HINT,
        )
    ]


def test_saved_movements_of_a_credit_account_the_customer_does_not_have_are_refused_at_their_path() -> None:
    saved = _with(_saved(), ("movements", 0, "account"), "gone")
    tariff, _ = _tariff_and_account()
    with pytest.raises(StateError) as info:
        bill(tariff, ACCOUNT, [], date(2021, 4, 30), load_state(saved))
    assert _located(info.value) == [
        (
            "state.accounts.movements[0].account",
            "bad-state",
            "saved state of account brno: credit account `gone` is not one of the account's (credit, main)",
            ACCOUNTS_HINT,
        )
    ]

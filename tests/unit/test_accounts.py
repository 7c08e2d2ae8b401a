"""Customer accounts (docs/accounts.md): the behaviours the golden scenarios of tests/scenarios/accounts/ do
not pin, each with exact values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from billingcore.catalog.loader import load_texts
from billingcore.catalog.model import Period
from billingcore.contracts import Contract, ContractKind, new_contract
from billingcore.documents import DocumentKind, DocumentType
from billingcore.engine import Account, CreditAccount, bill, prepare
from billingcore.errors import EventError, StateError
from billingcore.events import (
    BuyPlan,
    Cancel,
    ChangeCreditLimit,
    ClearDontRenew,
    CreateService,
    OrderService,
    RecordPayment,
    Refund,
    SetDontRenew,
    Settle,
    TopUp,
)
from billingcore.ledger import EMPTY, Flag, Ledger, Movement, MovementKind, Service, carried_forward
from billingcore.snapshot import dump_state, load_state
from inline_catalogs import rule_texts

D = Decimal
CATALOG = """
catalog: h
currency: CZK
rules: {rules}
seller_country: CZ
plans:
  - {{id: pro, name: Pro, rank: 1, versions: [{{available_from: 2020-01-01, prices: {{monthly: "300.00"}}}}]}}
products:
  - {{id: web, name: Web, kind: service, prices: {{monthly: "50.00", annual: "540.00"}}}}
account_types:
  - {{id: credit, kind: prepaid, minimum_top_up: "100.00"}}
  - {{id: post, kind: postpaid, credit_limit: "1000.00"}}
"""
PREPAID = (CreditAccount("credit", "credit"),)


def _tariff(rules: str = "wedos", **changes: str) -> Any:
    """The catalog under the rule set `rules`, or under a copy of rules/wedos.yaml with `changes` (a key
    path like "renewal.insufficient_credit" to its new word)."""
    texts = dict(rule_texts())
    if changes:
        text = texts["rules/wedos.yaml"].replace("rule_set: wedos", "rule_set: changed")
        for path, word in changes.items():
            key = path.split(".")[-1]
            lines = [ln if not ln.strip().startswith(f"{key}:") else f"  {key}: {word}" for ln in text.splitlines()]
            text = "\n".join(lines) + "\n"
        texts["rules/changed.yaml"], rules = text, "changed"
    return prepare(load_texts({**texts, "plans/h.yaml": CATALOG.format(rules=rules)}), "h")


TWO = (CreditAccount("credit", "credit"), CreditAccount("second", "credit"))


def _second_account_with_blog() -> list[Any]:
    """The account `second` topped up with 100.00 on 03-01, paying a monthly blog created on 03-02."""
    day = date(2021, 3, 2)
    return [
        TopUp("t2", date(2021, 3, 1), "second", D("100.00")),
        RecordPayment("p2", date(2021, 3, 1), "a-advance-t2"),
        OrderService("o2", day, "second", "blog", "web", Period.MONTHLY),
        CreateService("c2", day, "o2"),
    ]


def _funded(amount: str = "1000.00") -> list[Any]:
    return [TopUp("t", date(2021, 3, 1), "credit", D(amount)), RecordPayment("p", date(2021, 3, 1), "a-advance-t")]


def _service(auto_renew: bool = True, period: Period = Period.MONTHLY) -> list[Any]:
    day = date(2021, 3, 2)
    return [OrderService("o", day, "credit", "shop", "web", period, auto_renew), CreateService("c", day, "o")]


def test_cancelling_a_service_paid_from_credit_keeps_its_expiry_and_credits_nothing() -> None:
    # WEDOS: "die Kündigung des Dienstes hat keinerlei Auswirkungen auf sein Ablaufdatum". The term runs
    # 03-02..04-01; its renewal would be on 03-22 (10 days ahead): after the cancel on 03-10 none comes.
    events = [*_funded(), *_service(), Cancel("x", date(2021, 3, 10), "service:shop")]
    account = Account("a", "h", "CZ", credit_accounts=PREPAID)
    before = bill(_tariff(), account, events, date(2021, 3, 22))  # the day before its renewal date
    contract = next(c for c in before.state.contracts if c.key == "service:shop")
    assert (contract.dont_renew, contract.ended, contract.term_end) == (True, False, date(2021, 4, 2))
    result = bill(_tariff(), account, events, date(2021, 5, 1))
    assert "service:shop" not in [c.key for c in result.state.contracts]  # ended, nothing waits: forgotten
    assert [d.kind for d in result.documents] == [DocumentKind.ADVANCE, DocumentKind.SETTLEMENT]
    (acct,) = result.accounts
    assert [(m.kind, m.amount) for m in acct.movements] == [
        (MovementKind.TOP_UP, D("1000.00")),
        (MovementKind.ORDER, D("-50.00")),
    ]
    assert acct.balance == D("950.00")


def test_dont_renew_cleared_inside_the_lead_window_renews_the_service_that_day_from_credit() -> None:
    # lead_days 10. shop created 03-02: term 03-02..04-01 (term_end 04-02), renewal day 04-02 - 10 = 03-23.
    # Set to don't renew on 03-10, it is not renewed on 03-23 but runs to its expiry 04-02 (WEDOS: "výpověď
    # služby nijak neovlivňuje její datum expirace"). Cleared on 03-28: its renewal day has passed, so it
    # renews that day from credit (950.00 >= 50.00): -50.00 dated 03-28 for 04-02..05-01 (N). The next
    # renewal on 05-02 - 10 = 04-22: -50.00 for 05-02..06-01. Settled on the 1st of what was used before it:
    # 04-01 the order (03-02) and the renewal of 03-28, 50.00 + 50.00 less the credit 100.00; 05-01 the
    # renewal of 04-22, 50.00 less 50.00. Balance 1000.00 - 3 x 50.00 = 850.00.
    events = [
        *_funded(),
        *_service(auto_renew=True),
        SetDontRenew("x", date(2021, 3, 10), "service:shop"),
        ClearDontRenew("y", date(2021, 3, 28), "service:shop"),
    ]
    result = bill(_tariff(), Account("a", "h", "CZ", credit_accounts=PREPAID), events, date(2021, 5, 1))
    (acct,) = result.accounts
    assert [(m.kind, m.date, m.amount, m.start, m.end, m.document) for m in acct.movements] == [
        (MovementKind.TOP_UP, date(2021, 3, 1), D("1000.00"), None, None, "a-advance-t"),
        (MovementKind.ORDER, date(2021, 3, 2), D("-50.00"), date(2021, 3, 2), date(2021, 4, 2),
         "a-20210401-settlement-credit"),
        (MovementKind.RENEWAL, date(2021, 3, 28), D("-50.00"), date(2021, 4, 2), date(2021, 5, 2),
         "a-20210401-settlement-credit"),
        (MovementKind.RENEWAL, date(2021, 4, 22), D("-50.00"), date(2021, 5, 2), date(2021, 6, 2),
         "a-20210501-settlement-credit"),
    ]  # fmt: skip
    assert acct.balance == D("850.00")
    assert [(d.number, d.date, [(ln.item, ln.amount, ln.period_start) for ln in d.lines], d.gross)
            for d in result.documents[1:]] == [
        ("a-20210401-settlement-credit", date(2021, 4, 1),
         [("service:shop", D("50.00"), date(2021, 3, 2)), ("service:shop", D("50.00"), date(2021, 4, 2)),
          ("credit:credit", D("-100.00"), None)], D("0.00")),
        ("a-20210501-settlement-credit", date(2021, 5, 1),
         [("service:shop", D("50.00"), date(2021, 5, 2)), ("credit:credit", D("-50.00"), None)], D("0.00")),
    ]  # fmt: skip
    (shop,) = result.state.contracts
    assert (shop.term_start, shop.term_end, shop.terms, shop.dont_renew, shop.ended) == (
        date(2021, 5, 2), date(2021, 6, 2), 3, False, False
    )


def test_a_plan_set_to_dont_renew_under_lead_days_runs_to_its_term_end_and_a_clear_in_the_lead_renews_it() -> None:
    # lead_days 10, billing days the 1st. Pro 300.00 bought 03-01: term 03-01..03-31 (term_end 04-01),
    # renewal day 04-01 - 10 = 03-22. Set to don't renew on 03-10: on 03-25, inside the lead window, it
    # still runs (not ended, don't renew); it ends on its term end 04-01. Cleared instead on 03-25: it
    # renews that day, 300.00 for 04-01..04-30 due 03-25, on the 04-01 invoice (363.00 with 21 %).
    account = Account("a", "h", "CZ")
    events = [BuyPlan("b", date(2021, 3, 1), "pro", Period.MONTHLY), SetDontRenew("x", date(2021, 3, 10), "plan")]
    inside = bill(_tariff(), account, events, date(2021, 3, 25))
    (plan,) = inside.state.contracts
    assert (plan.term_end, plan.terms, plan.dont_renew, plan.ended) == (date(2021, 4, 1), 1, True, False)
    before_end = bill(_tariff(), account, events, date(2021, 3, 31))
    assert [c.ended for c in before_end.state.contracts] == [False]
    ended = bill(_tariff(), account, events, date(2021, 5, 1))
    (plan,) = ended.state.contracts  # the plan stays in the state, ended
    assert (plan.term_end, plan.terms, plan.ended) == (date(2021, 4, 1), 1, True)
    assert [(d.date, d.gross) for d in ended.documents] == [(date(2021, 3, 1), D("363.00"))]
    renewing = bill(_tariff(), account, [*events, ClearDontRenew("y", date(2021, 3, 25), "plan")], date(2021, 4, 1))
    assert [(d.date, [(ln.amount, ln.period_start, ln.period_end) for ln in d.lines], d.gross)
            for d in renewing.documents] == [
        (date(2021, 3, 1), [(D("300.00"), date(2021, 3, 1), date(2021, 3, 31))], D("363.00")),
        (date(2021, 4, 1), [(D("300.00"), date(2021, 4, 1), date(2021, 4, 30))], D("363.00")),
    ]  # fmt: skip
    (plan,) = renewing.state.contracts
    assert (plan.term_end, plan.terms, plan.dont_renew, plan.ended) == (date(2021, 5, 1), 2, False, False)


def test_under_auto_renew_false_with_lead_days_a_plan_runs_to_its_term_end() -> None:
    # renewal.auto_renew false, lead_days 10: nothing renews, so nothing happens 10 days ahead. Pro bought
    # 03-01 (term_end 04-01) is running on 03-25 and ends on 04-01; only its first term is invoiced.
    tariff = _tariff(**{"renewal.auto_renew": "false"})
    events = [BuyPlan("b", date(2021, 3, 1), "pro", Period.MONTHLY)]
    inside = bill(tariff, Account("a", "h", "CZ"), events, date(2021, 3, 31))
    assert [(c.term_end, c.ended) for c in inside.state.contracts] == [(date(2021, 4, 1), False)]
    after = bill(tariff, Account("a", "h", "CZ"), events, date(2021, 5, 1))
    assert [(c.term_end, c.ended) for c in after.state.contracts] == [(date(2021, 4, 1), True)]
    assert [(d.date, d.gross) for d in after.documents] == [(date(2021, 3, 1), D("363.00"))]


def test_without_enough_credit_skip_renewal_ends_the_service_at_its_expiry_with_a_notice() -> None:
    tariff = _tariff(**{"renewal.insufficient_credit": "skip_renewal"})
    events = [*_funded("100.00"), *_service(period=Period.MONTHLY), *_service_named("blog", "o2", "c2")]
    result = bill(tariff, Account("a", "h", "CZ", credit_accounts=PREPAID), events, date(2021, 4, 10))
    # 100.00 - 50.00 (shop) - 50.00 (blog) = 0.00 left: on 03-23 (10 days before 04-02) shop cannot renew
    assert [(n.date, n.code) for n in result.notices] == [
        (date(2021, 3, 23), "insufficient_credit"),
        (date(2021, 3, 23), "insufficient_credit"),
    ]
    assert [d.kind for d in result.documents] == [DocumentKind.ADVANCE, DocumentKind.SETTLEMENT]
    assert result.state.contracts == ()  # both ended at their expiry, 04-02, and nothing waits for them: forgotten
    # until then they run, set not to renew (WEDOS: the expiry stays)
    before = bill(tariff, Account("a", "h", "CZ", credit_accounts=PREPAID), events, date(2021, 3, 30))
    assert [(c.key, c.term_end, c.dont_renew, c.ended) for c in before.state.contracts] == [
        ("service:shop", date(2021, 4, 2), True, False),
        ("service:blog", date(2021, 4, 2), True, False),
    ]
    # so a top-up of 100.00 paid on 03-28 and shop's don't-renew cleared on 03-29 renew it that day from the
    # credit: -50.00 (N) for 04-02..05-01; blog still ends on 04-02
    paid = date(2021, 3, 28)
    more = [TopUp("t2", paid, "credit", D("100.00")), RecordPayment("p2", paid, "a-advance-t2")]
    again = [*events, *more, ClearDontRenew("y", date(2021, 3, 29), "service:shop")]
    renewed_ = bill(tariff, Account("a", "h", "CZ", credit_accounts=PREPAID), again, date(2021, 4, 10))
    assert [(c.key, c.term_start, c.term_end, c.dont_renew) for c in renewed_.state.contracts] == [
        ("service:shop", date(2021, 4, 2), date(2021, 5, 2), False)
    ]
    last = renewed_.accounts[0].movements[-1]
    assert (last.date, last.kind, last.amount, last.start, last.end) == (
        date(2021, 3, 29), MovementKind.RENEWAL, D("-50.00"), date(2021, 4, 2), date(2021, 5, 2)
    )


def _service_named(name: str, order: str, create: str) -> list[Any]:
    day = date(2021, 3, 2)
    return [OrderService(order, day, "credit", name, "web", Period.MONTHLY, True), CreateService(create, day, order)]


def test_a_settlement_invoice_is_issued_under_zero_total_skip() -> None:
    # It totals 0 by design and is the services' tax document: zero_total: skip leaves it alone.
    tariff = _tariff(**{"invoicing.zero_total": "skip"})
    events = [*_funded(), *_service(auto_renew=False, period=Period.ANNUAL)]
    result = bill(tariff, Account("a", "h", "CZ", credit_accounts=PREPAID), events, date(2021, 4, 1))
    settlement = result.documents[-1]
    assert (settlement.kind, settlement.number, settlement.gross) == (
        DocumentKind.SETTLEMENT,
        "a-20210401-settlement-credit",
        D("0.00"),
    )
    assert [(v.rate, v.base, v.amount) for v in settlement.vat] == [
        (D("21"), D("540.00"), D("113.40")),
        (D("21"), D("-540.00"), D("-113.40")),
    ]


def test_a_payment_request_of_a_customer_with_a_postpaid_account_is_posted_to_it_and_paid_there() -> None:
    accounts = (CreditAccount("credit", "credit"), CreditAccount("main", "post"))
    events = [
        *_funded("100.00"),
        *_service(auto_renew=False),
        RecordPayment("pay", date(2021, 3, 25), "a-20210323-request-shop"),
    ]
    result = bill(_tariff(), Account("a", "h", "CZ", credit_accounts=accounts), events, date(2021, 3, 31))
    request = next(d for d in result.documents if d.kind is DocumentKind.PAYMENT_REQUEST)
    assert (request.number, request.net, request.gross) == ("a-20210323-request-shop", D("50.00"), D("60.50"))
    main = result.accounts[1]
    assert [(m.kind, m.amount, m.document) for m in main.movements] == [
        (MovementKind.INVOICE, D("-60.50"), "a-20210323-request-shop"),
        (MovementKind.PAYMENT, D("60.50"), "a-20210323-request-shop"),
    ]
    assert main.balance == D("0.00")


def test_a_postpaid_invoice_may_be_paid_in_parts_but_not_beyond_what_is_open() -> None:
    tariff = _tariff("fakturia")
    acct = Account("a", "h", "CZ", credit_accounts=(CreditAccount("main", "post"),))
    buy = BuyPlan("b", date(2021, 3, 1), "pro", Period.MONTHLY)
    parts = [RecordPayment("p1", date(2021, 3, 5), "a-20210301-regular", D("100.00")),
             RecordPayment("p2", date(2021, 3, 6), "a-20210301-regular", D("263.00"))]  # fmt: skip
    result = bill(tariff, acct, [buy, *parts], date(2021, 3, 31))
    assert [(m.kind, m.amount) for m in result.accounts[0].movements] == [
        (MovementKind.INVOICE, D("-363.00")),
        (MovementKind.PAYMENT, D("100.00")),
        (MovementKind.PAYMENT, D("263.00")),
    ]
    too_much = RecordPayment("p3", date(2021, 3, 7), "a-20210301-regular", D("0.01"))
    with pytest.raises(EventError) as info:
        bill(tariff, acct, [buy, *parts, too_much], date(2021, 3, 31))
    assert [d.message for d in info.value.diagnostics] == [
        "event p3 (record_payment on 2021-03-07): no document `a-20210301-regular` of account a is waiting for "
        "a payment"
    ]


def test_a_credit_note_is_posted_to_the_postpaid_account_and_lowers_what_is_owed() -> None:
    tariff = _tariff("fakturia")
    acct = Account("a", "h", "CZ", credit_accounts=(CreditAccount("main", "post"),))
    events = [BuyPlan("b", date(2021, 3, 1), "pro", Period.MONTHLY), Cancel("x", date(2021, 3, 16), "plan")]
    result = bill(tariff, acct, events, date(2021, 4, 1))  # the credit lands on the next billing day
    note = result.documents[-1]
    assert note.type is DocumentType.CREDIT_NOTE
    assert [(m.kind, m.amount) for m in result.accounts[0].movements] == [
        (MovementKind.INVOICE, D("-363.00")),
        (MovementKind.CREDIT_NOTE, -note.gross),
    ]
    assert result.accounts[0].balance == D("-363.00") - note.gross


def test_a_lower_limit_holds_the_next_invoice_and_releases_nothing() -> None:
    tariff = _tariff("fakturia")
    acct = Account("a", "h", "CZ", credit_accounts=(CreditAccount("main", "post"),))
    events = [
        BuyPlan("b", date(2021, 3, 1), "pro", Period.MONTHLY),
        ChangeCreditLimit("l", date(2021, 3, 2), "main", D("500.00")),
    ]
    result = bill(tariff, acct, events, date(2021, 4, 1))
    # 363.00 open; April's 363.00 would make 726.00 > 500.00: held
    assert [d.number for d in result.documents] == ["a-20210301-regular"]
    assert (result.accounts[0].credit_limit, result.accounts[0].held) == (D("500.00"), ("a-20210401-regular",))
    assert [n.code for n in result.notices] == ["credit_limit_reached"]


def test_a_saved_state_keeps_the_ledger_and_refuses_an_account_data_without_its_accounts() -> None:
    events = [*_funded(), *_service()]
    first = bill(_tariff(), Account("a", "h", "CZ", credit_accounts=PREPAID), events, date(2021, 3, 5))
    saved = load_state(dump_state(first.state))
    assert saved == first.state
    with pytest.raises(StateError) as info:
        bill(_tariff(), Account("a", "h", "CZ"), [], date(2021, 4, 5), saved)
    found = [(str(d.location), d.code, d.message) for d in info.value.diagnostics]
    gone = "bad-state", "saved state of account a: credit account `credit` is not one of the account's (none)"
    assert found == [
        ("state.accounts.movements[0].account", *gone),
        ("state.accounts.movements[1].account", *gone),
        ("state.accounts.services[0].account", *gone),
    ]


def test_a_catalog_without_prepaid_accounts_puts_no_settlement_day_on_the_agenda() -> None:
    from billingcore.features.accounts import settlement_day

    plan_file = "catalog: plain\ncurrency: EUR\nrules: fakturia\nseller_country: DE\n"
    without = prepare(load_texts({**rule_texts(), "plans/plain.yaml": plan_file}), "plain")
    assert settlement_day not in without.own_dates
    assert settlement_day in _tariff().own_dates


def test_the_text_output_lists_each_credit_account_with_its_movements() -> None:
    from billingcore.scenarios import format_outcome_text, load_scenario, run_scenario

    text = format_outcome_text(run_scenario(load_scenario("tests/scenarios/accounts/wedos-orders-settlement.yaml")))
    tail = text.split("\naccount credit", 1)[1].splitlines()  # not the explanation of a top-up line
    assert tail[0] == " (prepaid, CZK)  balance 1052.00"
    assert tail[1].split() == ["2021-03-02", "top_up", "top-up", "paid", "2000.00", "ostrava-advance-t1"]
    assert tail[-1].split() == ["2021-03-29", "order", "Webhosting", "wiki", "(monthly),", "ordered", "[B]", "-50.00"]


def test_the_text_output_keeps_a_carried_forward_movement_in_its_columns() -> None:
    from billingcore.scenarios import format_outcome_text, load_scenario, run_scenario

    text = format_outcome_text(run_scenario(load_scenario("tests/scenarios/accounts/wedos-carried-forward.yaml")))
    rows = text.split("\naccount credit", 1)[1].splitlines()[1:]
    assert rows[0].split()[:2] == ["2021-04-30", "carried_forward"]
    ends = {row.rfind(amount) + len(amount) for row in rows for amount in [_amount_of(row)]}
    assert ends == {91}, rows  # every amount ends in the same column


def _amount_of(row: str) -> str:
    return next(word for word in reversed(row.split()) if word.replace("-", "").replace(".", "").isdigit())


def test_renewals_from_credit_and_by_payment_request_say_what_happened() -> None:
    # shop (auto_renew) renews from credit when the credit covers it exactly; blog (auto_renew) no longer
    # can; wiki (not auto_renew) always gets a payment request. All monthly from 03-02: renewals on 03-23.
    day = date(2021, 3, 2)
    events = [
        *_funded("150.00"),
        *_service_named("shop", "o1", "c1"),
        *_service_named("blog", "o2", "c2"),
        OrderService("o3", day, "credit", "wiki", "web", Period.MONTHLY, False),
        CreateService("c3", day, "o3"),
    ]
    # 150.00 - 3 x 50.00 = 0.00 left: none renews from credit. With 200.00, shop renews (50.00 = 50.00)
    result = bill(_tariff(), Account("a", "h", "CZ", credit_accounts=PREPAID), events, date(2021, 3, 23))
    assert [(n.date, n.account, n.code, n.message) for n in result.notices] == [
        (date(2021, 3, 23), "a", "insufficient_credit",
         "service:shop: payment request a-20210323-request-shop of 60.50 (credit 0.00 CZK < 50.00)"),
        (date(2021, 3, 23), "a", "insufficient_credit",
         "service:blog: payment request a-20210323-request-blog of 60.50 (credit 0.00 CZK < 50.00)"),
        (date(2021, 3, 23), "a", "payment_request", "service:wiki: payment request a-20210323-request-wiki of 60.50"),
    ]  # fmt: skip
    request = result.documents[1]
    assert [(ln.item, ln.cause, ln.period_start, ln.period_end, ln.amount) for ln in request.lines] == [
        ("service:shop", "renewal", date(2021, 4, 2), date(2021, 5, 1), D("50.00"))
    ]
    funded = [TopUp("t", date(2021, 3, 1), "credit", D("200.00")), RecordPayment("p", date(2021, 3, 1), "a-advance-t")]
    result = bill(
        _tariff(), Account("a", "h", "CZ", credit_accounts=PREPAID), [*funded, *events[2:]], date(2021, 3, 23)
    )
    (acct,) = result.accounts
    renewal = acct.movements[-1]
    assert renewal == Movement(
        "credit", date(2021, 3, 23), MovementKind.RENEWAL, D("-50.00"), Flag.NOT_INVOICED, "renewal-20210323-shop", "",
        "Web shop (monthly), renewed", date(2021, 3, 23), "service:shop", date(2021, 4, 2), date(2021, 5, 2),
    )  # fmt: skip
    assert acct.balance == D("0.00")
    assert [n.code for n in result.notices] == ["insufficient_credit", "payment_request"]


def test_skip_renewal_says_when_the_service_ends() -> None:
    tariff = _tariff(**{"renewal.insufficient_credit": "skip_renewal"})
    events = [*_funded("100.00"), *_service_named("shop", "o1", "c1"), *_service_named("blog", "o2", "c2")]
    result = bill(tariff, Account("a", "h", "CZ", credit_accounts=PREPAID), events, date(2021, 3, 23))
    assert [(n.account, n.message) for n in result.notices] == [
        ("a", "service:shop not renewed: credit 0.00 CZK < 50.00; it ends on 2021-04-02"),
        ("a", "service:blog not renewed: credit 0.00 CZK < 50.00; it ends on 2021-04-02"),
    ]


def test_skip_renewal_without_lead_days_ends_the_service_at_its_expiry() -> None:
    # lead_days 0: the renewal day is the expiry itself (04-02), so the service not renewed ends that day and
    # is forgotten; it used to stay in the state, neither renewed nor ended, as long as the account lived.
    tariff = _tariff(**{"renewal.insufficient_credit": "skip_renewal", "renewal.lead_days": "0"})
    events = [*_funded("100.00"), *_service_named("shop", "o1", "c1"), *_service_named("blog", "o2", "c2")]
    result = bill(tariff, Account("a", "h", "CZ", credit_accounts=PREPAID), events, date(2021, 5, 3))
    assert [(n.date, n.message) for n in result.notices] == [
        (date(2021, 4, 2), "service:shop not renewed: credit 0.00 CZK < 50.00; it ends on 2021-04-02"),
        (date(2021, 4, 2), "service:blog not renewed: credit 0.00 CZK < 50.00; it ends on 2021-04-02"),
    ]
    assert result.state.contracts == ()
    assert result.state.parts["accounts"].services == ()


def test_the_credit_limit_notices_name_the_account_the_invoice_and_the_amounts() -> None:
    tariff = _tariff("fakturia")
    acct = Account("a", "h", "CZ", credit_accounts=(CreditAccount("main", "post", credit_limit=D("500.00")),))
    buy = BuyPlan("b", date(2021, 3, 1), "pro", Period.MONTHLY)
    pay = RecordPayment("p", date(2021, 4, 10), "a-20210301-regular")
    result = bill(tariff, acct, [buy, pay], date(2021, 4, 10))
    assert [(n.date, n.account, n.code, n.message) for n in result.notices] == [
        (date(2021, 4, 1), "a", "credit_limit_reached",
         "account main: invoice a-20210401-regular of 363.00 CZK would take the open 363.00 over the credit limit "
         "of 500.00: billing paused until a payment or a higher limit"),
        (date(2021, 4, 10), "a", "billing_resumed",
         "account main: billing resumed on 2021-04-10, the held invoices issued"),
    ]  # fmt: skip
    assert [(m.kind, m.description, m.service) for m in result.accounts[0].movements] == [
        (MovementKind.INVOICE, "invoice a-20210301-regular", ""),
        (MovementKind.PAYMENT, "payment received", ""),
        (MovementKind.INVOICE, "invoice a-20210401-regular", ""),
    ]
    exceeded = bill(_tariff(**{"accounts.credit_limit": "issue_and_notify"}), acct, [buy], date(2021, 4, 1))
    assert [(n.code, n.message) for n in exceeded.notices] == [
        ("credit_limit_exceeded",
         "account main: invoice a-20210401-regular of 363.00 CZK would take the open 363.00 over the credit limit "
         "of 500.00: issued all the same"),
    ]  # fmt: skip


def test_a_credit_note_on_a_postpaid_account_is_described_as_one() -> None:
    tariff = _tariff("fakturia")
    acct = Account("a", "h", "CZ", credit_accounts=(CreditAccount("main", "post"),))
    events = [BuyPlan("b", date(2021, 3, 1), "pro", Period.MONTHLY), Cancel("x", date(2021, 3, 16), "plan")]
    moves = bill(tariff, acct, events, date(2021, 4, 1)).accounts[0].movements
    assert [m.description for m in moves] == ["invoice a-20210301-regular", "credit note a-20210401-regular"]


def test_the_json_of_the_accounts_is_pinned() -> None:
    from billingcore.ledger import statement_json

    accounts = (
        CreditAccount("credit", "credit", opening_balance=D("25.00"), opened=date(2021, 2, 1)),
        CreditAccount("main", "post", credit_limit=D("300.00")),
    )
    events = [BuyPlan("b", date(2021, 3, 1), "pro", Period.MONTHLY)]
    result = bill(_tariff("fakturia"), Account("a", "h", "CZ", credit_accounts=accounts), events, date(2021, 3, 1))
    assert [statement_json(s) for s in result.accounts] == [
        {
            "id": "credit",
            "type": "credit",
            "kind": "prepaid",
            "currency": "CZK",
            "balance": "25.00",
            "movements": [
                {
                    "date": "2021-02-01",
                    "kind": "opening",
                    "amount": "25.00",
                    "flag": "",
                    "cause": "opening",
                    "document": "",
                    "description": "opening balance",
                }
            ],
        },
        {
            "id": "main",
            "type": "post",
            "kind": "postpaid",
            "currency": "CZK",
            "balance": "0.00",
            "credit_limit": "300.00",
            "held": ["a-20210301-regular"],
            "movements": [],
        },
    ]
    (opening,) = result.accounts[0].movements
    assert opening == Movement(
        "credit", date(2021, 2, 1), MovementKind.OPENING, D("25.00"), Flag.CLEAR, "opening", "", "opening balance",
        None, "", None, None,
    )  # fmt: skip


def test_a_payment_is_checked_against_the_currency_of_its_account() -> None:
    # A JPY account under a CZK catalog: its advance invoice is in yen, and yen have no decimals.
    accounts = (CreditAccount("yen", "credit", currency="JPY"),)
    events = [
        TopUp("t", date(2021, 3, 1), "yen", D("1000")),
        RecordPayment("p", date(2021, 3, 2), "a-advance-t", D("1209.5")),
    ]
    with pytest.raises(EventError) as info:
        bill(_tariff(), Account("a", "h", "CZ", credit_accounts=accounts), events, date(2021, 3, 31))
    assert [(d.message, d.hint) for d in info.value.diagnostics] == [
        ("event p (record_payment on 2021-03-02): a payment: money in JPY has 0 decimals, got 1209.5", "round it")
    ]
    paid = [events[0], RecordPayment("p", date(2021, 3, 2), "a-advance-t", D("1210"))]
    result = bill(_tariff(), Account("a", "h", "CZ", credit_accounts=accounts), paid, date(2021, 3, 31))
    assert (result.documents[0].currency, result.documents[0].gross, result.accounts[0].balance) == (
        "JPY",
        D("1210"),
        D("1000"),
    )


def test_limits_changed_on_two_accounts_are_kept_one_per_account_and_saved() -> None:
    tariff = _tariff("fakturia")
    accounts = (CreditAccount("main", "post"), CreditAccount("usd", "post", currency="USD", credit_limit=D("10.00")))
    changes = [
        ChangeCreditLimit("l1", date(2021, 3, 2), "main", D("2000.00")),
        ChangeCreditLimit("l2", date(2021, 3, 3), "usd", D("20.00")),
        ChangeCreditLimit("l3", date(2021, 3, 4), "main", D("3000.00")),
    ]
    result = bill(tariff, Account("a", "h", "CZ", credit_accounts=accounts), changes, date(2021, 3, 31))
    saved = dump_state(result.state)
    assert saved["accounts"]["limits"] == [
        {"account": "usd", "limit": "20.00"},
        {"account": "main", "limit": "3000.00"},
    ]
    assert load_state(saved) == result.state
    assert [s.credit_limit for s in result.accounts] == [D("3000.00"), D("20.00")]


def test_an_invoice_that_takes_the_account_exactly_to_its_limit_is_issued() -> None:
    # 363.00 open + 363.00 = 726.00 = the limit: issued; one cent less of limit and it is held
    tariff = _tariff("fakturia")
    buy = BuyPlan("b", date(2021, 3, 1), "pro", Period.MONTHLY)
    for limit, held in (("726.00", ()), ("725.99", ("a-20210401-regular",))):
        acct = Account("a", "h", "CZ", credit_accounts=(CreditAccount("main", "post", credit_limit=D(limit)),))
        assert bill(tariff, acct, [buy], date(2021, 4, 1)).accounts[0].held == held


def test_a_limit_of_zero_holds_every_invoice_of_a_catalog_with_only_postpaid_accounts() -> None:
    catalog = CATALOG.format(rules="fakturia").replace(
        '  - {id: credit, kind: prepaid, minimum_top_up: "100.00"}\n', ""
    )
    tariff = prepare(load_texts({**rule_texts(), "plans/h.yaml": catalog}), "h")
    acct = Account("a", "h", "CZ", credit_accounts=(CreditAccount("main", "post"),))
    events = [
        ChangeCreditLimit("l", date(2021, 2, 1), "main", D("0.00")),
        BuyPlan("b", date(2021, 3, 1), "pro", Period.MONTHLY),
    ]
    result = bill(tariff, acct, events, date(2021, 3, 1))
    assert (result.documents, result.accounts[0].held) == ((), ("a-20210301-regular",))


def test_a_credit_account_named_by_a_customer_without_any_says_how_to_add_one() -> None:
    with pytest.raises(EventError) as info:
        bill(
            _tariff(), Account("a", "h", "CZ"), [TopUp("t", date(2021, 3, 1), "credit", D("100.00"))], date(2021, 3, 1)
        )
    assert [(d.message, d.hint) for d in info.value.diagnostics] == [
        (
            "event t (top_up on 2021-03-01): unknown credit account `credit`",
            "the account has no credit accounts: add them under credit_accounts in the account data (docs/accounts.md)",
        )
    ]


def test_the_json_of_an_advance_and_a_settlement_invoice_is_pinned() -> None:
    from billingcore.documents import document_json

    events = [*_funded("1000.00"), *_service(auto_renew=False, period=Period.ANNUAL)]
    result = bill(_tariff(), Account("a", "h", "CZ", credit_accounts=PREPAID), events, date(2021, 4, 1))
    advance, settlement = (document_json(d) for d in result.documents)
    assert advance["lines"] == [
        {
            "item": "credit:credit",
            "description": "Credit top-up (credit)",
            "kind": "top_up",
            "quantity": "1",
            "unit_price": "1000.00",
            "amount": "1000.00",
            "discount": "0.00",
            "vat_rate": "21",
            "period_start": None,
            "period_end": None,
            "explanation": "top-up of credit account credit: 1000.00 CZK without VAT; the credit grows by it once paid",
            "cause": "t",
        }
    ]
    assert (advance["type"], advance["kind"], advance["number"], advance["gross"]) == (
        "invoice",
        "advance",
        "a-advance-t",
        "1210.00",
    )
    assert settlement["lines"] == [
        {
            "item": "service:shop",
            "description": "Web shop (annual)",
            "kind": "charge",
            "quantity": "1",
            "unit_price": "540.00",
            "amount": "540.00",
            "discount": "0.00",
            "vat_rate": "21",
            "period_start": "2021-03-02",
            "period_end": "2022-03-01",
            "explanation": "paid from credit account credit on 2021-03-02: 540.00",
            "cause": "o",
        },
        {
            "item": "credit:credit",
            "description": "Paid from credit (credit)",
            "kind": "credit_deduction",
            "quantity": "1",
            "unit_price": "-540.00",
            "amount": "-540.00",
            "discount": "0.00",
            "vat_rate": "21",
            "period_start": None,
            "period_end": None,
            "explanation": "paid from credit account credit: 540.00 without VAT; its VAT was paid with the top-ups",
            "cause": "a-20210401-settlement-credit",
        },
    ]
    # the services' 540.00 less the 540.00 of credit that paid them: nothing left to pay
    totals = ("subtotal", "discounts", "credits", "net", "gross", "amount_due")
    assert [settlement[key] for key in totals] == ["540.00", "0.00", "540.00", "0.00", "0.00", "0.00"]


def test_a_refund_of_an_account_in_another_currency_is_a_credit_note_in_that_currency() -> None:
    accounts = (CreditAccount("usd", "credit", currency="USD"),)
    events = [TopUp("t", date(2021, 3, 1), "usd", D("150.00")), RecordPayment("p", date(2021, 3, 1), "a-advance-t")]
    events.append(Refund("r", date(2021, 3, 10), "usd"))
    result = bill(_tariff(), Account("a", "h", "CZ", credit_accounts=accounts), events, date(2021, 3, 31))
    refund = result.documents[-1]
    assert (refund.type, refund.kind, refund.number, refund.currency, refund.net, refund.gross) == (
        DocumentType.CREDIT_NOTE,
        DocumentKind.REFUND,
        "a-refund-r",
        "USD",
        D("-150.00"),
        D("-181.50"),
    )
    (line,) = refund.lines
    assert (line.item, line.description, line.kind, line.amount, line.explanation, line.cause) == (
        "credit:usd",
        "Credit refund (usd)",
        "refund",
        D("-150.00"),
        "the credit of account usd paid back: 150.00 USD without VAT, with its VAT",
        "r",
    )
    assert [(m.kind, m.amount, m.document, m.description) for m in result.accounts[0].movements][-1] == (
        MovementKind.REFUND,
        D("-150.00"),
        "a-refund-r",
        "credit paid back",
    )


def test_an_opening_balance_pays_an_order_and_the_settlement_day_comes_by_itself() -> None:
    # No top-up: the ledger holds only the order (N), and nothing else puts April 1 on the agenda.
    accounts = (CreditAccount("credit", "credit", opening_balance=D("600.00"), opened=date(2021, 1, 1)),)
    events = _service(auto_renew=False, period=Period.ANNUAL)
    result = bill(_tariff(), Account("a", "h", "CZ", credit_accounts=accounts), events, date(2021, 4, 1))
    assert [(d.kind, d.date) for d in result.documents] == [(DocumentKind.SETTLEMENT, date(2021, 4, 1))]
    assert result.accounts[0].balance == D("60.00")


def test_a_run_resumed_on_a_settlement_day_finds_the_next_one() -> None:
    # Billed through April 1 (its settlement issued), resumed: the renewal of 04-22 settles on May 1.
    account = Account("a", "h", "CZ", credit_accounts=PREPAID)
    first = bill(_tariff(), account, [*_funded(), *_service()], date(2021, 4, 1))
    later = bill(_tariff(), account, [], date(2021, 5, 1), load_state(dump_state(first.state)))
    assert [(d.kind, d.date) for d in later.documents] == [(DocumentKind.SETTLEMENT, date(2021, 5, 1))]
    assert [ln.cause for ln in later.documents[0].lines] == ["renewal-20210422-shop", "a-20210501-settlement-credit"]


def test_a_settle_event_takes_a_service_created_that_day_and_each_account_gets_its_own_settlement() -> None:
    events = [*_funded(), *_second_account_with_blog(), *_service(period=Period.ANNUAL)]
    events.append(Settle("s", date(2021, 3, 2), "credit"))
    result = bill(_tariff(), Account("a", "h", "CZ", credit_accounts=TWO), events, date(2021, 4, 1))
    assert [d.number for d in result.documents if d.kind is DocumentKind.SETTLEMENT] == [
        "a-settlement-s",
        "a-20210401-settlement-second",
    ]


def test_payments_in_parts_are_counted_per_invoice() -> None:
    tariff = _tariff("fakturia")
    acct = Account("a", "h", "CZ", credit_accounts=(CreditAccount("main", "post"),))
    events = [
        BuyPlan("b", date(2021, 3, 1), "pro", Period.MONTHLY),
        RecordPayment("p1", date(2021, 4, 5), "a-20210301-regular", D("100.00")),
        RecordPayment("p2", date(2021, 4, 6), "a-20210401-regular"),  # all of April's: 363.00
        RecordPayment("p3", date(2021, 4, 7), "a-20210301-regular"),  # the rest of March's: 263.00
    ]
    moves = bill(tariff, acct, events, date(2021, 4, 30)).accounts[0].movements
    assert [(m.kind, m.amount) for m in moves if m.kind is MovementKind.PAYMENT] == [
        (MovementKind.PAYMENT, D("100.00")),
        (MovementKind.PAYMENT, D("363.00")),
        (MovementKind.PAYMENT, D("263.00")),
    ]


def test_a_saved_ledger_is_checked_against_the_contracts_and_the_catalog() -> None:
    account = Account("a", "h", "CZ", credit_accounts=PREPAID)
    created = dump_state(bill(_tariff(), account, [*_funded(), *_service()], date(2021, 3, 5)).state)
    # a running service whose ledger is gone: nothing says which account pays its renewals
    with pytest.raises(StateError) as info:
        bill(_tariff(), account, [], date(2021, 4, 5), load_state({**created, "accounts": None}))
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [
        ("state.accounts", "saved state of account a: service `service:shop` runs without the account that pays it")
    ]
    # an order waiting for its service, of a product the catalog no longer has (no service running)
    ordered = dump_state(bill(_tariff(), account, [*_funded(), _service()[0]], date(2021, 3, 5)).state)
    ordered["accounts"]["orders"][0]["product"] = "gone"
    with pytest.raises(StateError) as info:
        bill(_tariff(), account, [], date(2021, 4, 5), load_state(ordered))
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [
        ("state.accounts.orders[0].product", "saved state of account a: order `o` is for `gone`, not in catalog `h`")
    ]


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (lambda led: {k: [] for k in led}, "state.accounts", "expected null for a ledger with nothing in it, got a "
         "mapping of empty lists"),
        (lambda led: {k: v for k, v in led.items() if k != "limits"}, "state.accounts", 'missing key "limits"'),
        (lambda led: {**led, "limits": {}}, "state.accounts.limits", "expected a list, got a mapping"),
        (lambda led: {**led, "held": [{"document": {}, "charges": []}]}, "state.accounts.held[0].document",
         'missing key "account"'),
        (lambda led: {**led, "held": [{"document": {}, "charges": {}}]}, "state.accounts.held[0]",
         "expected a mapping of `document` and a list of `charges`"),
    ],
)  # fmt: skip
def test_a_damaged_saved_ledger_is_refused_at_its_path(change: Any, where: str, message: str) -> None:
    account = Account("a", "h", "CZ", credit_accounts=PREPAID)
    saved = dump_state(bill(_tariff(), account, _funded(), date(2021, 3, 5)).state)
    saved["accounts"] = change(saved["accounts"])
    with pytest.raises(StateError) as info:
        load_state(saved)
    found = [(str(d.location), d.message.split(": ", 1)[1]) for d in info.value.diagnostics]
    assert found[0] == (where, message)


def test_the_automatic_settlement_settles_each_account_and_what_was_used_before_its_day() -> None:
    # Under settlement_day 15: services used on 03-02 are settled on 03-15; one created on 03-15 itself
    # waits for 04-15. Each prepaid account gets its own settlement invoice.
    tariff = _tariff(**{"accounts.settlement_day": "15"})
    events = [
        *_funded("2000.00"),
        *_second_account_with_blog(),
        *_service(auto_renew=False, period=Period.ANNUAL),
        OrderService("o3", date(2021, 3, 14), "credit", "wiki", "web", Period.ANNUAL),
        CreateService("c3", date(2021, 3, 15), "o3"),
    ]
    result = bill(tariff, Account("a", "h", "CZ", credit_accounts=TWO), events, date(2021, 4, 15))
    settlements = [
        (d.number, [ln.item for ln in d.lines]) for d in result.documents if d.kind is DocumentKind.SETTLEMENT
    ]
    assert settlements == [
        ("a-20210315-settlement-credit", ["service:shop", "credit:credit"]),
        ("a-20210315-settlement-second", ["service:blog", "credit:second"]),
        ("a-20210415-settlement-credit", ["service:wiki", "credit:credit"]),
    ]


def test_a_service_cannot_be_ordered_under_the_name_of_one_that_runs() -> None:
    events = [*_funded(), *_service(), OrderService("o2", date(2021, 3, 3), "credit", "shop", "web", Period.MONTHLY)]
    with pytest.raises(EventError) as info:
        bill(_tariff(), Account("a", "h", "CZ", credit_accounts=PREPAID), events, date(2021, 3, 3))
    assert [(d.message, d.hint) for d in info.value.diagnostics] == [
        (
            "event o2 (order_service on 2021-03-03): `service:shop` is already running or ordered",
            "give the new service another name",
        )
    ]


def test_a_loaded_state_whose_service_is_not_in_the_catalog_is_refused_at_its_product() -> None:
    # The quick look at a loaded state's names covers every contract kind (a service's product is a catalog
    # product); it once skipped services, and such a state reached the renewal.
    account = Account("a", "h", "CZ", credit_accounts=PREPAID)
    saved = dump_state(bill(_tariff(), account, [*_funded(), *_service()], date(2021, 3, 5)).state)
    (i,) = [i for i, c in enumerate(saved["contracts"]) if c["kind"] == "service"]
    saved["contracts"][i]["product"] = "gone"
    with pytest.raises(StateError) as info:
        bill(_tariff(), account, [], date(2021, 4, 5), load_state(saved))
    assert [(str(d.location), d.code) for d in info.value.diagnostics] == [
        (f"state.contracts[{i}].product", "bad-state")
    ]


# -- carried forward (docs/accounts.md "Carried forward") ----------------------------------------------------
def _moved(account: str, day: str, kind: MovementKind, amount: str, flag: Flag = Flag.CLEAR) -> Movement:
    return Movement(account, date.fromisoformat(day), kind, D(amount), flag, "x", "", "", None, "", None, None)


OLD_LEDGER = Ledger(
    movements=(
        _moved("credit", "2025-01-05", MovementKind.TOP_UP, "400.00"),
        _moved("credit", "2025-02-03", MovementKind.ORDER, "-50.00"),  # settled: clear
        _moved("credit", "2025-03-10", MovementKind.ORDER, "-165.00", Flag.BLOCKED),  # still reserved
        _moved("usd", "2025-05-01", MovementKind.TOP_UP, "10.00"),
        _moved("credit", "2025-09-30", MovementKind.RENEWAL, "-50.00"),
        _moved("credit", "2025-10-01", MovementKind.TOP_UP, "200.00"),  # on the cutoff: kept
    ),
    services=(Service("service:web", "credit", True), Service("service:gone", "credit", True)),
)


def _forward(account: str, day: str, amount: str, cutoff: str) -> Movement:
    what = f"movements before {cutoff} carried forward"
    return Movement(account, date.fromisoformat(day), MovementKind.CARRIED_FORWARD, D(amount), Flag.CLEAR, "", "",
                    what, None, "", None, None)  # fmt: skip


def _web() -> Contract:
    day = date(2025, 1, 1)
    return new_contract("service:web", ContractKind.SERVICE, "web", "Web", Period.MONTHLY, day, D("50.00"), "web")


def test_cleared_movements_before_the_cutoff_are_carried_forward_one_per_account() -> None:
    # until 2026-10-15, 12 months kept: the cutoff is 2025-10-01. Cleared before it: credit 400.00 - 50.00
    # - 50.00 = 300.00, usd 10.00; the reservation of 2025-03-10 stays, as does the top-up on the cutoff.
    web = _web()
    kept = carried_forward(_tariff(), OLD_LEDGER, (web,), date(2026, 10, 15))
    assert kept.movements == (
        _forward("credit", "2025-09-30", "300.00", "2025-10-01"),
        _forward("usd", "2025-09-30", "10.00", "2025-10-01"),
        OLD_LEDGER.movements[2],
        OLD_LEDGER.movements[5],
    )
    assert kept.services == (OLD_LEDGER.services[0],)  # service:gone has no contract in the state any more
    # the balance is unchanged: 300.00 - 165.00 + 200.00 = 335.00 on credit
    assert sum(m.amount for m in kept.movements if m.account == "credit") == D("335.00")
    # the next month folds the carried-forward movement again, with the top-up now before the cutoff
    later = carried_forward(_tariff(), kept, (web,), date(2026, 11, 1))
    assert later.movements == (
        _forward("credit", "2025-10-31", "500.00", "2025-11-01"),
        _forward("usd", "2025-10-31", "10.00", "2025-11-01"),
        OLD_LEDGER.movements[2],
    )
    assert carried_forward(_tariff(), later, (web,), date(2026, 11, 30)) == later  # the same month: the same


def test_nothing_before_the_cutoff_leaves_the_ledger_as_it_is() -> None:
    web = _web()
    young = OLD_LEDGER._replace(movements=OLD_LEDGER.movements[5:], services=OLD_LEDGER.services[:1])
    assert carried_forward(_tariff(), young, (web,), date(2026, 10, 31)) is young
    assert carried_forward(_tariff(), EMPTY, (), date(2026, 10, 31)) is EMPTY


def test_the_months_kept_come_from_the_rules() -> None:
    # keep_movements_months: 1 and until 2025-11-20: the cutoff is 2025-10-01, as 12 months from 2026-10
    tariff = _tariff_keeping(1)
    web = _web()
    assert carried_forward(tariff, OLD_LEDGER, (web,), date(2025, 11, 20)).movements[0] == _forward(
        "credit", "2025-09-30", "300.00", "2025-10-01"
    )


def _tariff_keeping(months: int) -> Any:
    texts = dict(rule_texts())
    text = texts["rules/wedos.yaml"].replace("rule_set: wedos", "rule_set: keeping")
    texts["rules/keeping.yaml"] = text.replace("accounts:\n", f"accounts:\n  keep_movements_months: {months}\n")
    return prepare(load_texts({**texts, "plans/h.yaml": CATALOG.format(rules="keeping")}), "h")


def test_a_resumed_account_carries_forward_what_one_run_does_and_says_so_in_json() -> None:
    # keep 1 month. Top-up 400.00 paid 2021-03-01; web ordered and created 2021-03-02 (-50.00), term to
    # 04-01; it renews from credit 10 days before each expiry: 03-23, 04-22, 05-23, 06-22 (-50.00 each);
    # what was used before a 1st is settled (cleared) on it. On 2021-06-25 the cutoff is 2021-05-01: cleared
    # before it 400.00 - 50.00 - 50.00 - 50.00 = 250.00, dated 2021-04-30; kept: the renewal of 05-23
    # (settled 06-01) and that of 06-22 (N). Balance 250.00 - 50.00 - 50.00 = 150.00.
    # Resumed: billed to 2021-05-15 first (cutoff 2021-04-01: 400.00 - 50.00 - 50.00 = 300.00 dated
    # 2021-03-31, the renewal of 04-22 kept), then to 06-25, where 300.00 - 50.00 is folded again.
    tariff = _tariff_keeping(1)
    account = Account("a", "h", "CZ", credit_accounts=PREPAID)
    events = [*_funded("400.00"), *_service()]
    whole = bill(tariff, account, events, date(2021, 6, 25))
    (acct,) = whole.accounts
    assert [(m.date.isoformat(), m.kind.value, str(m.amount), m.flag.value) for m in acct.movements] == [
        ("2021-04-30", "carried_forward", "250.00", ""),
        ("2021-05-23", "renewal", "-50.00", ""),
        ("2021-06-22", "renewal", "-50.00", "N"),
    ]
    assert acct.balance == D("150.00")
    first = bill(tariff, account, events, date(2021, 5, 15))
    assert [(m.date.isoformat(), str(m.amount)) for m in first.accounts[0].movements] == [
        ("2021-03-31", "300.00"),
        ("2021-04-22", "-50.00"),
    ]
    resumed = bill(tariff, account, [], date(2021, 6, 25), load_state(dump_state(first.state)))
    assert resumed.accounts == whole.accounts
    assert dump_state(resumed.state) == dump_state(whole.state)
    assert dump_state(whole.state)["accounts"]["movements"][0] == {
        "account": "credit", "date": "2021-04-30", "kind": "carried_forward", "amount": "250.00", "flag": "",
        "cause": "", "document": "", "description": "movements before 2021-05-01 carried forward", "used": None,
        "service": "", "start": None, "end": None,
    }  # fmt: skip


def test_a_service_ordered_again_under_an_ended_ones_name_renews_as_the_new_order_says() -> None:
    # "shop" is ordered without auto-renewal and cancelled: it ends at its expiry (2021-04-02). Ordered again
    # on 2021-04-05 with auto_renew, its term runs to 2021-05-04 and renews 10 days before its expiry, on
    # 2021-04-25, from the credit (-50.00, N): not by a payment request, as the first order would have.
    day = date(2021, 4, 5)
    events = [
        *_funded(),
        *_service(auto_renew=False),
        Cancel("x", date(2021, 3, 10), "service:shop"),
        OrderService("o2", day, "credit", "shop", "web", Period.MONTHLY, True),
        CreateService("c2", day, "o2"),
    ]
    result = bill(_tariff(), Account("a", "h", "CZ", credit_accounts=PREPAID), events, date(2021, 4, 26))
    assert [d.kind for d in result.documents if d.kind is DocumentKind.PAYMENT_REQUEST] == []
    (acct,) = result.accounts
    assert [(m.date.isoformat(), m.kind.value, str(m.amount), m.flag.value) for m in acct.movements][-1] == (
        "2021-04-25", "renewal", "-50.00", "N"
    )


def test_an_order_id_used_again_after_its_memory_leaves_the_older_order_as_it_was() -> None:
    # 24 months of movements kept, event ids remembered 400 days: the order `o` of 2021-03-02 (shop, settled on
    # 2021-04-01) is still in the ledger when a new order under the same id `o` (shop2) is created on
    # 2022-04-25. Only the new, reserved movement becomes N: the settlement of 2022-05-01 has shop2's 50.00
    # alone, and the old movement keeps its term and its settlement invoice (it was re-dated and settled again).
    tariff = _tariff_keeping(24)
    account = Account("a", "h", "CZ", credit_accounts=PREPAID)
    events = [*_funded(), *_service(auto_renew=False), Cancel("k", date(2021, 3, 5), "service:shop")]
    first = bill(tariff, account, events, date(2022, 4, 20))
    day = date(2022, 4, 25)
    again = [OrderService("o", day, "credit", "shop2", "web", Period.MONTHLY), CreateService("c", day, "o")]
    result = bill(tariff, account, again, date(2022, 5, 2), load_state(dump_state(first.state)))
    (acct,) = result.accounts
    assert [(m.date, m.kind, m.amount, m.document, m.start, m.end) for m in acct.movements] == [
        (date(2021, 3, 1), MovementKind.TOP_UP, D("1000.00"), "a-advance-t", None, None),
        (date(2021, 3, 2), MovementKind.ORDER, D("-50.00"), "a-20210401-settlement-credit", date(2021, 3, 2),
         date(2021, 4, 2)),
        (day, MovementKind.ORDER, D("-50.00"), "a-20220501-settlement-credit", day, date(2022, 5, 25)),
    ]  # fmt: skip
    (settlement,) = result.documents
    assert [(ln.item, ln.amount) for ln in settlement.lines] == [
        ("service:shop2", D("50.00")),
        ("credit:credit", D("-50.00")),
    ]
    assert acct.balance == D("900.00")

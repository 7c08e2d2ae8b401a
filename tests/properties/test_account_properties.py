"""Customer accounts (docs/accounts.md) over generated timelines: top-ups paid or not, orders created,
cancelled or left waiting, services renewing from credit or by payment request, manual settlements and
refunds (WEDOS prepaid credit); monthly invoices against a postpaid account's limit, payments and limit
changes (Fakturia). Events the engine refuses (an order the credit does not cover, a payment of an invoice
that is held) are dropped and the timeline billed again, so every property runs on a timeline that bills.

    the balance is the sum of the movements, and agrees with the documents: paid top-ups, less refunds,
        less what settlement invoices billed, less what still waits for one (B and N)
    a prepaid balance never goes below zero, after any movement
    every service used from credit is on exactly one settlement invoice, once its settlement day has come
    no issued invoice takes a postpaid account's open receivables over its limit
    a held invoice is issued at most once, and never while it is still held
    billing in two runs (the state saved as JSON between them) gives what one run gives
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from billingcore.catalog.loader import load_texts
from billingcore.catalog.model import Period
from billingcore.documents import DocumentKind, DocumentType, LineKind
from billingcore.engine import Account, bill, prepare
from billingcore.errors import EventError, StateError
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
from billingcore.ledger import CLEAR, Movement, MovementKind
from billingcore.snapshot import dump_state, load_state
from billingcore.tariff import CreditAccount
from inline_catalogs import inline_tariff, rule_texts
from properties.test_state_codec import JSON_VALUES, _assert_located, _places

START = date(2021, 3, 1)
PREPAID_CATALOG = """
catalog: w
currency: CZK
rules: wedos
seller_country: CZ
products:
  - {id: web, name: Web, kind: service, prices: {monthly: "50.00", annual: "540.00"}}
  - {id: vps, name: VPS, kind: service, prices: {monthly: "165.00"}}
account_types: [{id: credit, kind: prepaid, minimum_top_up: "100.00"}]
"""
PREPAID = inline_tariff("w", PREPAID_CATALOG)
POSTPAID_CATALOG = """
catalog: f
currency: EUR
rules: fakturia
seller_country: DE
plans:
  - {id: pro, name: Pro, rank: 1, versions: [{available_from: 2020-01-01, prices: {monthly: "300.00"}}]}
account_types: [{id: post, kind: postpaid, credit_limit: "1000.00"}]
"""
POSTPAID = inline_tariff("f", POSTPAID_CATALOG)
WEDOS = Account("w1", "w", "CZ", credit_accounts=(CreditAccount("credit", "credit"),))


def _keeping(catalog: str, text: str, rule_set: str, months: int) -> Any:
    """The catalog `text` under a copy of the rule set `rule_set` that keeps `months` months of movements."""
    texts = dict(rule_texts())
    copy_ = texts[f"rules/{rule_set}.yaml"].replace(f"rule_set: {rule_set}", f"rule_set: kept-{months}")
    texts[f"rules/kept-{months}.yaml"] = copy_.replace("accounts:\n", f"accounts:\n  keep_movements_months: {months}\n")
    plan = text.replace(f"rules: {rule_set}", f"rules: kept-{months}")
    return prepare(load_texts({**texts, f"plans/{catalog}.yaml": plan}), catalog)


FAKTURIA = Account("f1", "f", "DE", credit_accounts=(CreditAccount("main", "post"),))
_REFUSED = re.compile(r"^event (\S+) \(")


def _billable(tariff: Any, account: Account, events: list[Any], until: date) -> tuple[list[Any], Any]:
    """The events through `until` without those the engine refuses (again, until none is), and what they
    bill."""
    events = [e for e in events if e.date <= until]
    for _ in range(len(events) + 1):
        try:
            return events, bill(tariff, account, events, until)
        except EventError as exc:
            refused = {m.group(1) for d in exc.diagnostics if (m := _REFUSED.match(d.message))}
            assert refused, exc.diagnostics  # noqa: PT017  (only events are refused here, never the account)
            events = [e for e in events if e.id not in refused]
    raise AssertionError("the refusals did not settle")


@st.composite
def prepaid_timelines(draw: st.DrawFn) -> list[Any]:
    """A top-up paid on the first day, then top-ups (paid or not), orders (mostly created a few days
    later, some cancelled, some left waiting), manual settlements and refunds."""
    first = Decimal(draw(st.sampled_from(["300.00", "1000.00", "2500.00"])))
    events: list[Any] = [TopUp("t", START, "credit", first), RecordPayment("tp", START, "w1-advance-t")]
    day = START
    for i in range(draw(st.integers(1, 10))):
        day += timedelta(days=draw(st.integers(0, 12)))
        kind = draw(st.sampled_from(["top_up", "order", "order", "order", "settle", "refund"]))
        n = f"e{i}"
        if kind == "top_up":
            amount = Decimal(draw(st.sampled_from(["100.00", "250.50", "1000.00", "99.00"])))
            events.append(TopUp(n, day, "credit", amount))
            if draw(st.booleans()):
                events.append(RecordPayment(f"p{i}", day + timedelta(days=draw(st.integers(0, 5))), f"w1-advance-{n}"))
        elif kind == "order":
            product, period = draw(
                st.sampled_from([("web", Period.MONTHLY), ("web", Period.ANNUAL), ("vps", Period.MONTHLY)])
            )
            events.append(OrderService(n, day, "credit", f"s{i}", product, period, draw(st.booleans())))
            then = day + timedelta(days=draw(st.integers(0, 5)))
            fate = draw(st.sampled_from(["create", "create", "create", "cancel", "wait"]))
            if fate == "create":
                events.append(CreateService(f"c{i}", then, n))
            elif fate == "cancel":
                events.append(CancelOrder(f"x{i}", then, n))
        elif kind == "settle":
            events.append(Settle(n, day, "credit"))
        else:
            events.append(Refund(n, day, "credit"))
    return sorted(events, key=lambda e: e.date)  # a payment or creation may come after later events


@settings(deadline=None)
@given(prepaid_timelines(), st.integers(40, 200))
def test_a_prepaid_account_balances_and_settles_every_used_service_once(events: list[Any], days: int) -> None:
    until = START + timedelta(days=days)
    events, result = _billable(PREPAID, WEDOS, events, until)
    (acct,) = result.accounts
    moves = acct.movements
    # the balance is the sum of the movements, and never below zero after any of them
    running = Decimal(0)
    for m in moves:
        running += m.amount
        assert running >= 0, moves
    assert acct.balance == running
    docs = result.documents
    # ... and agrees with the documents
    paid = {m.document for m in moves if m.kind is MovementKind.TOP_UP}
    topped = sum((d.net for d in docs if d.kind is DocumentKind.ADVANCE and d.number in paid), Decimal(0))
    refunded = sum((d.net for d in docs if d.kind is DocumentKind.REFUND), Decimal(0))
    settled_lines = [
        ln for d in docs if d.kind is DocumentKind.SETTLEMENT for ln in d.lines if ln.kind is LineKind.CHARGE
    ]
    waiting = sum((-m.amount for m in moves if m.flag in ("B", "N")), Decimal(0))
    assert acct.balance == topped + refunded - sum((ln.amount for ln in settled_lines), Decimal(0)) - waiting
    # every used service (an order created, a renewal from credit) is on exactly one settlement invoice
    on_invoices = Counter(ln.cause for ln in settled_lines)
    used = [m for m in moves if m.kind in (MovementKind.ORDER, MovementKind.RENEWAL) and m.used is not None]
    for m in used:
        assert on_invoices[m.cause] == (1 if m.document else 0), (m, on_invoices)
        if m.document:
            (doc,) = [d for d in docs if d.number == m.document]
            assert (doc.net, doc.gross, sum(v.amount for v in doc.vat)) == (0, 0, 0)
    assert sum(on_invoices.values()) == len([m for m in used if m.document])
    last_settlement_day = date(until.year, until.month, 1)
    assert not [m for m in used if m.flag == "N" and m.used < last_settlement_day <= until]  # type: ignore[operator]
    _resumes_as_one_run(PREPAID, WEDOS, events, until)


@st.composite
def postpaid_timelines(draw: st.DrawFn) -> list[Any]:
    start = draw(st.dates(date(2021, 1, 1), date(2021, 1, 28)))
    events: list[Any] = [BuyPlan("buy", start, "pro", Period.MONTHLY)]
    for i in range(draw(st.integers(0, 8))):
        month = draw(st.integers(0, 8))
        bill_day = date(2021, 1 + month, start.day)
        paid = bill_day + timedelta(days=draw(st.integers(0, 60)))
        events.append(RecordPayment(f"p{i}", paid, f"f1-{bill_day:%Y%m%d}-regular"))
    if draw(st.booleans()):
        day = start + timedelta(days=draw(st.integers(20, 250)))
        events.append(ChangeCreditLimit("limit", day, "main", Decimal(draw(st.sampled_from(["500.00", "2000.00"])))))
    return sorted(events, key=lambda e: e.date)


@settings(deadline=None)
@given(postpaid_timelines())
def test_no_issued_invoice_takes_a_postpaid_account_over_its_limit(events: list[Any]) -> None:
    until = date(2021, 12, 31)
    events, result = _billable(POSTPAID, FAKTURIA, events, until)
    (acct,) = result.accounts
    limits = sorted((e.date, e.limit) for e in events if isinstance(e, ChangeCreditLimit))

    def limit_on(day: date) -> Decimal:
        return next((lim for changed, lim in reversed(limits) if changed <= day), Decimal("1000.00"))

    owed = Decimal(0)
    for m in acct.movements:
        owed -= m.amount
        if m.kind is MovementKind.INVOICE:  # on the day a limit changes, an invoice may come before the change
            assert owed <= max(limit_on(m.date), limit_on(m.date - timedelta(days=1))), acct.movements
    assert acct.balance == -owed
    numbers = [d.number for d in result.documents]
    assert len(numbers) == len(set(numbers))  # a held invoice is issued at most once
    assert not set(acct.held) & set(numbers)  # and never while it is still held
    invoices = [d for d in result.documents if d.type is DocumentType.INVOICE]
    posted = [m.document for m in acct.movements if m.kind is MovementKind.INVOICE]
    assert posted == [d.number for d in invoices]  # every issued invoice is posted, once, in order
    _resumes_as_one_run(POSTPAID, FAKTURIA, events, until)


# Keeping a month of movements against keeping ten years: the same documents, and the same ledger with the
# cleared movements before the cutoff summed into one (docs/accounts.md "Carried forward").
PREPAID_KEEPING = (_keeping("w", PREPAID_CATALOG, "wedos", 1), _keeping("w", PREPAID_CATALOG, "wedos", 120))
POSTPAID_KEEPING = (_keeping("f", POSTPAID_CATALOG, "fakturia", 1), _keeping("f", POSTPAID_CATALOG, "fakturia", 120))


@settings(deadline=None)
@given(prepaid_timelines(), st.integers(40, 500))
def test_a_prepaid_ledger_kept_for_a_month_is_the_whole_one_with_its_old_cleared_movements_summed(
    events: list[Any], days: int
) -> None:
    _carries_forward(*PREPAID_KEEPING, WEDOS, events, START + timedelta(days=days))


@settings(deadline=None)
@given(postpaid_timelines(), st.dates(date(2021, 3, 1), date(2022, 6, 30)))
def test_a_postpaid_ledger_kept_for_a_month_is_the_whole_one_with_its_old_cleared_movements_summed(
    events: list[Any], until: date
) -> None:
    _carries_forward(*POSTPAID_KEEPING, FAKTURIA, events, until)


def _carries_forward(short: Any, long: Any, account: Account, events: list[Any], until: date) -> None:
    events, whole = _billable(long, account, events, until)
    kept = bill(short, account, events, until)
    assert (kept.documents, kept.notices) == (whole.documents, whole.notices)
    (everything,), (acct,) = whole.accounts, kept.accounts
    cutoff = (until.replace(day=1) - timedelta(days=1)).replace(day=1)  # a month before until's month
    old = [m for m in everything.movements if m.flag is CLEAR and m.date < cutoff]
    summed = [
        Movement(acct.id, cutoff - timedelta(days=1), MovementKind.CARRIED_FORWARD, sum(m.amount for m in old), CLEAR,
                 "", "", f"movements before {cutoff} carried forward", None, "", None, None)
    ]  # fmt: skip
    rest = [m for m in everything.movements if m not in old]
    assert list(acct.movements) == (summed if old else []) + rest
    assert acct.balance == everything.balance
    _resumes_as_one_run(short, account, events, until)


def _resumes_as_one_run(tariff: Any, account: Account, events: list[Any], until: date) -> None:
    """Billed to every date between the events and resumed from the saved state (through JSON): the same
    documents, notices and accounts as one run."""
    whole = bill(tariff, account, events, until)
    cut = events[len(events) // 2].date if events else until
    first = bill(tariff, account, [e for e in events if e.date <= cut], cut)
    saved = load_state(json.loads(json.dumps(dump_state(first.state))))
    second = bill(tariff, account, [e for e in events if e.date > cut], until, saved)
    assert first.documents + second.documents == whole.documents
    assert first.notices + second.notices == whole.notices
    assert second.accounts == whole.accounts


@settings(deadline=None)
@given(prepaid_timelines(), st.data())
def test_a_changed_saved_ledger_loads_as_written_or_is_refused_at_a_path(
    events: list[Any], data: st.DataObject
) -> None:
    """As test_state_codec.py does for the whole state: any one value of the `accounts` part changed, a key
    dropped or added, and load_state gives back exactly that, or a StateError naming where."""
    until = START + timedelta(days=70)
    _, result = _billable(PREPAID, WEDOS, events, until)
    saved = dump_state(result.state)
    places = [("accounts", *p) for p in _places(saved["accounts"])] or [("accounts",)]
    path = data.draw(st.sampled_from(places), label="path")
    changed = copy.deepcopy(saved)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    how = data.draw(st.sampled_from(["set", "set", "drop", "add"]), label="how")
    if how == "drop" and isinstance(parent, dict) and len(path) > 1:
        del parent[path[-1]]
    elif how == "add" and isinstance(parent, dict) and len(path) > 1:
        parent["note"] = data.draw(JSON_VALUES, label="value")
    else:
        parent[path[-1]] = data.draw(JSON_VALUES, label="value")
    changed = json.loads(json.dumps(changed))
    try:
        state = load_state(changed)
    except StateError as refused:
        _assert_located(refused)
        return
    assert dump_state(state) == changed

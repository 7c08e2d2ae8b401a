"""Customer accounts (docs/accounts.md): prepaid credit (WEDOS "zálohový účet", Fakturia prepaid) and
postpaid accounts with a credit limit (Fakturia), kept in a ledger (billingcore.ledger).

    top_up               an advance invoice of the amount + VAT; once paid, the credit grows by the amount
    record_payment       the host saw a document paid: an advance invoice, a payment request, a postpaid invoice
    order_service        an order paid from credit: its price reserved (B)
    create_service       the ordered service is created: its term starts, the reservation is used (N)
    cancel_order         an order cancelled before its service was created: the reservation released
    settle               a settlement invoice now of everything used (N) so far
    refund               the whole credit paid back, with its VAT (a credit note)
    change_credit_limit  a postpaid account's limit: raising it issues what it held back

Once a month, on `accounts.settlement_day`, each prepaid account's services used (N) before that day go
on one settlement invoice, less the credit they were paid with: its total is 0 (the feature's own date).
A service paid from credit renews `renewal.lead_days` before it expires: from the credit when it is
marked auto_renew and the credit covers it, else with a payment request (renewal.insufficient_credit).
The credit limit itself and the settlement's VAT are stages of the adjustment pipeline (account_stages.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import ClassVar

import attrs

from billingcore import adjustments
from billingcore.catalog.fields import Money, SourceRef, field, src_field
from billingcore.catalog.model import AccountKind, Period
from billingcore.catalog.rules import InsufficientCredit
from billingcore.charges import RENEWAL, Charge, InvoiceGroup, term_charge
from billingcore.contracts import Contract, ContractKind, new_contract, renewed, running
from billingcore.dates import add_months, iso
from billingcore.documents import DocumentKind, DocumentType, LineKind, Notice
from billingcore.features.base import ContractEnded, Feature, Outcome, Part, Problem, View, refuse, unknown
from billingcore.invoicing import Draft
from billingcore.ledger import (
    BLOCKED,
    CLEAR,
    EMPTY,
    LEDGER,
    NOT_INVOICED,
    Ledger,
    Movement,
    MovementKind,
    OpenDocument,
    Order,
    Service,
    Terms,
    balance,
    carried_forward,
    cleared,
    dump,
    load,
    problems,
    terms_of,
)
from billingcore.money import CURRENCY_EXPONENTS, ONE, ZERO, Rounding, add, fmt, quantize
from billingcore.tariff import CreditAccount, Tariff

_ADVANCE, _REQUEST = DocumentKind.ADVANCE, DocumentKind.PAYMENT_REQUEST
_SERVICE = ContractKind.SERVICE
_PREPAID, _POSTPAID = AccountKind.PREPAID, AccountKind.POSTPAID


# -- events -------------------------------------------------------------------------------------------------
@attrs.frozen
class TopUp:
    """Top up a prepaid account by `amount` without VAT: an advance invoice of the amount + VAT is issued."""

    TYPE: ClassVar[str] = "top_up"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day the top-up was asked for.")
    account: str = field("The prepaid credit account's id.")
    amount: Money = field('Amount without VAT, e.g. "2500.00".')
    src: SourceRef = src_field()


@attrs.frozen
class RecordPayment:
    """The host received a payment of `document`: an advance invoice (the credit grows by its net), a payment
    request, or an invoice of a postpaid account (in part or in full)."""

    TYPE: ClassVar[str] = "record_payment"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day the payment was received.")
    document: str = field("The document's number.")
    amount: Money | None = field("Amount paid (gross); left out: all that is open.", default=None)
    src: SourceRef = src_field()


@attrs.frozen
class OrderService:
    """Order a service paid from a prepaid account: the price of its first term is reserved (B) until the
    service is created."""

    TYPE: ClassVar[str] = "order_service"  # its `type:` in files
    id: str = field("Event id (the order's number).")
    date: date = field("Day of the order.")
    account: str = field("The prepaid credit account that pays.")
    service: str = field("Name of the service (its contract is `<product kind>:<service>`).")
    product: str = field("Product id.")
    period: Period = field("Term length.")
    auto_renew: bool = field("Renew it from the credit before it expires (else a payment request).", default=False)
    src: SourceRef = src_field()


@attrs.frozen
class CreateService:
    """The ordered service was created: its first term starts today and the reserved amount is used (N)."""

    TYPE: ClassVar[str] = "create_service"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day the service was created.")
    order: str = field("The order_service event's id.")
    src: SourceRef = src_field()


@attrs.frozen
class CancelOrder:
    """Cancel an order before its service is created: the reservation is released."""

    TYPE: ClassVar[str] = "cancel_order"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of the cancellation.")
    order: str = field("The order_service event's id.")
    src: SourceRef = src_field()


@attrs.frozen
class Settle:
    """Issue a settlement invoice now of every service used (N) so far ("Fakturierung durchführen")."""

    TYPE: ClassVar[str] = "settle"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of the settlement.")
    account: str = field("The prepaid credit account.")
    src: SourceRef = src_field()


@attrs.frozen
class Refund:
    """Pay the whole credit back: a credit note of the balance and its VAT ("Rückerstattung")."""

    TYPE: ClassVar[str] = "refund"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of the refund.")
    account: str = field("The prepaid credit account.")
    src: SourceRef = src_field()


@attrs.frozen
class ChangeCreditLimit:
    """Set a postpaid account's credit limit; invoices it held back are issued as far as it allows."""

    TYPE: ClassVar[str] = "change_credit_limit"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day the limit changes.")
    account: str = field("The postpaid account.")
    limit: Money = field('The new limit, e.g. "2000.00".')
    src: SourceRef = src_field()


class SettlementDay:
    """The month's settlement day has come (this feature's own event, never from a file or a host)."""

    TYPE: ClassVar[str] = "settlement"
    __slots__ = ("date", "id", "src")

    def __init__(self, day: date):
        self.id, self.date, self.src = f"settlement-{iso(day)}", day, None


# -- handlers -----------------------------------------------------------------------------------------------
def _ledger(view: View) -> Ledger:
    found: Ledger = view.parts[LEDGER]
    return found


def _terms(view: View, account: str, kind: AccountKind | None = None) -> Terms | Problem:
    """The credit account `account` of the customer, of `kind` when given, or why not."""
    accounts = view.account.credit_accounts
    for acct in accounts:
        if acct.id == account:
            terms = terms_of(view.tariff, acct, _ledger(view))
            if kind is not None and terms.kind is not kind:
                hint = f"use a {kind.value} account: {_names(accounts, view.tariff, kind)}"
                return Problem(f"account `{account}` is {terms.kind.value}: {_CANNOT[kind]}", hint)
            return terms
    if not accounts:
        hint = (
            "the account has no credit accounts: add them under credit_accounts in the account data (docs/accounts.md)"
        )
        return Problem(f"unknown credit account `{account}`", hint)
    return unknown("credit account", account, [a.id for a in accounts])


_CANNOT = {_PREPAID: "it has no prepaid credit", _POSTPAID: "it has no credit limit"}


def _names(accounts: Iterable[CreditAccount], tariff: Tariff, kind: AccountKind) -> str:
    """The ids of the customer's credit accounts of `kind`, for a hint."""
    found = [a.id for a in accounts if tariff.account_types[a.type].kind is kind]
    return ", ".join(found) or "none"


def _amount_problem(amount: Decimal, currency: str, what: str, hint: str = "", zero: bool = False) -> Problem | None:
    """Why `amount` is no amount of `currency` for `what` (positive, or with `zero` at least 0), or None."""
    if amount < ZERO or (amount == ZERO and not zero):
        sign = "must not be negative" if zero else "must be positive"
        return Problem(f"{what} {sign}, got {fmt(amount)}", hint or f'give an amount in {currency}, e.g. "100.00"')
    return _decimals_problem(amount, currency, what)


def _decimals_problem(amount: Decimal, currency: str, what: str) -> Problem | None:
    places = CURRENCY_EXPONENTS[currency]
    if -amount.as_tuple().exponent > places:  # type: ignore[operator]
        return Problem(f"{what}: money in {currency} has {places} decimals, got {fmt(amount)}", "round it")
    return None


def top_up(view: View, e: TopUp) -> Outcome:
    terms = _terms(view, e.account, _PREPAID)
    if isinstance(terms, Problem):
        return Outcome(problem=terms)
    cur = terms.currency
    problem = _amount_problem(e.amount, cur, "a top-up")
    if problem is not None:
        return Outcome(problem=problem)
    if e.amount < terms.minimum:
        return refuse(
            f"a top-up of {fmt(e.amount)} {cur} is below the minimum of {fmt(terms.minimum)} {cur} (without VAT)",
            f"top up at least {fmt(terms.minimum)} {cur}; VAT is added on the advance invoice",
        )
    why = f"top-up of credit account {terms.id}: {fmt(e.amount)} {cur} without VAT; the credit grows by it once paid"
    name = view.tariff.labels.top_up(terms.id)
    line = _line(f"credit:{terms.id}", name, LineKind.TOP_UP, e.date, e.amount, why, e.id)
    draft = Draft(DocumentType.INVOICE, _ADVANCE, f"{view.account.id}-advance-{e.id}", e.date, (line,), cur)
    doc = adjustments.tax(view, draft)  # type: ignore[arg-type]  # the gross the payment must bring
    waiting = OpenDocument(draft.number, terms.id, _ADVANCE, e.date, e.amount, doc.gross, ZERO)
    ledger = _ledger(view)
    return Outcome(part=ledger._replace(open=(*ledger.open, waiting)), documents=(draft,))


def _line(item: str, name: str, kind: LineKind, day: date, amount: Decimal, why: str, cause: str) -> Charge:
    return Charge(item, name, kind, InvoiceGroup.MONTHLY, day, None, None, ONE, amount, amount, why, cause)


def record_payment(view: View, e: RecordPayment) -> Outcome:
    ledger = _ledger(view)
    doc = next((d for d in ledger.open if d.number == e.document), None)
    if doc is None:
        waiting = ", ".join(d.number for d in ledger.open) or "none"
        return refuse(
            f"no document `{e.document}` of account {view.account.id} is waiting for a payment",
            f"waiting: {waiting} (payments are followed for advance invoices, payment requests and invoices of "
            "postpaid accounts)",
        )
    rest = add(doc.gross, -doc.paid)
    paid = rest if e.amount is None else e.amount
    currency = _currency(view, doc.account)
    hint = f"record at most {fmt(rest)}, or leave amount out for all that is open"
    problem = _amount_problem(paid, currency, "a payment", hint)
    if problem is not None:
        return Outcome(problem=problem)
    if doc.kind is _ADVANCE and paid != rest:  # the credit grows by the top-up: all of it, or nothing yet
        return refuse(f"`{doc.number}` must be paid in full: {fmt(rest)}, got {fmt(paid)}", "record the whole amount")
    if paid > rest:
        return refuse(
            f"`{doc.number}` has {fmt(rest)} open, got a payment of {fmt(paid)}", f"record at most {fmt(rest)}"
        )
    others = tuple(d for d in ledger.open if d is not doc)
    if add(doc.paid, paid) < doc.gross:
        others = tuple(d._replace(paid=add(doc.paid, paid)) if d is doc else d for d in ledger.open)
    if not doc.account:  # a payment request outside any postpaid account: nothing moves on an account
        return Outcome(part=ledger._replace(open=others))
    if doc.kind is _ADVANCE:
        move = cleared(doc.account, e.date, MovementKind.TOP_UP, doc.net, e.id, doc.number, "top-up paid")
    else:
        move = cleared(doc.account, e.date, MovementKind.PAYMENT, paid, e.id, doc.number, "payment received")
    ledger = ledger._replace(open=others, movements=(*ledger.movements, move))
    return Outcome(part=ledger, documents=_released(ledger, doc.account, e.date))


def _currency(view: View, account: str) -> str:
    """The currency of the customer's credit account `account` (the catalog's for none)."""
    found = next((a for a in view.account.credit_accounts if a.id == account), None)
    return (found.currency if found is not None else None) or view.tariff.catalog.currency


def _released(ledger: Ledger, account: str, day: date) -> tuple[Draft, ...]:
    """The invoices `account`'s limit holds back, dated `day`: the credit-limit stage issues them in order as
    far as the limit allows, and holds the rest again."""
    return tuple(Draft(h.type, h.kind, h.number, day, charges) for h, charges in ledger.held if h.account == account)


def order_service(view: View, e: OrderService) -> Outcome:
    terms = _terms(view, e.account, _PREPAID)
    if isinstance(terms, Problem):
        return Outcome(problem=terms)
    t = view.tariff
    if terms.currency != t.catalog.currency:
        return refuse(
            f"account `{terms.id}` is in {terms.currency}; services are priced in {t.catalog.currency}",
            f"pay from a prepaid account in {t.catalog.currency}: {_in_currency(view, t.catalog.currency)}",
        )
    product = t.products.get(e.product)
    if product is None:
        return Outcome(problem=unknown("product", e.product, t.products))
    price = product.prices.get(e.period)
    if price is None:
        periods = ", ".join(str(p) for p in product.prices)
        return refuse(f"product `{e.product}` has no {e.period!s} price", f"its periods: {periods}")
    key = f"{product.kind}:{e.service}"
    ledger = _ledger(view)
    if running(view.contracts, key) is not None or any(o.service == key for o in ledger.orders):
        return refuse(f"`{key}` is already running or ordered", "give the new service another name")
    have = balance(ledger, terms)
    if have < price:
        return refuse(
            f"the credit of `{terms.id}`, {fmt(have)} {terms.currency}, does not cover the order of {fmt(price)} "
            f"{terms.currency}",
            f"top up at least {fmt(max(add(price, -have), terms.minimum))} {terms.currency} first (top_up)",
        )
    name = t.labels.item(product.name, e.service)
    order = Order(e.id, terms.id, key, name, product.id, e.period, price, e.auto_renew)
    what = f"{name} ({e.period!s}), ordered"
    move = Movement(terms.id, e.date, MovementKind.ORDER, -price, BLOCKED, e.id, "", what, None, key, None, None)
    return Outcome(part=ledger._replace(movements=(*ledger.movements, move), orders=(*ledger.orders, order)))


def _in_currency(view: View, currency: str) -> str:
    t = view.tariff
    found = [
        a.id
        for a in view.account.credit_accounts
        if (a.currency or t.catalog.currency) == currency and t.account_types[a.type].kind is _PREPAID
    ]
    return ", ".join(found) or "none"


def _order(view: View, order: str) -> Order | Problem:
    ledger = _ledger(view)
    found = next((o for o in ledger.orders if o.id == order), None)
    if found is not None:
        return found
    done = next((m for m in ledger.movements if m.kind is MovementKind.ORDER and m.cause == order), None)
    if done is not None and done.used is not None:  # created: it became N on that day
        return Problem(
            f"the service of order `{order}` was created already", f"to end it: set_dont_renew {done.service}"
        )
    if done is not None:
        return Problem(
            f"order `{order}` was cancelled already",
            "its reservation was released; order the service again with order_service",
        )
    waiting = ", ".join(o.id for o in ledger.orders) or "none"
    return Problem(f"no order `{order}` is waiting for its service", f"waiting orders: {waiting}")


def create_service(view: View, e: CreateService) -> Outcome:
    order = _order(view, e.order)
    if isinstance(order, Problem):
        return Outcome(problem=order)
    item = order.service.split(":", 1)[1]
    c = new_contract(
        order.service, ContractKind.SERVICE, order.product, order.name, order.period, e.date, order.price, item
    )
    ledger = _ledger(view)
    moves = tuple(
        m._replace(
            flag=NOT_INVOICED, used=e.date, start=c.term_start, end=c.term_end, description=f"{c.name} ({c.period!s})"
        )
        if m.kind is MovementKind.ORDER and m.cause == order.id and m.flag is BLOCKED  # not an older order's id
        else m
        for m in ledger.movements
    )
    part = ledger._replace(
        movements=moves,
        orders=tuple(o for o in ledger.orders if o is not order),
        # a service of an ended one's name (still in the state, or forgotten today) replaces its entry
        services=(*(s for s in ledger.services if s.key != c.key), Service(c.key, order.account, order.auto_renew)),
    )
    return Outcome(contracts=(c,), part=part)


def cancel_order(view: View, e: CancelOrder) -> Outcome:
    order = _order(view, e.order)
    if isinstance(order, Problem):
        return Outcome(problem=order)
    ledger = _ledger(view)
    moves = tuple(
        m._replace(flag=CLEAR) if m.kind is MovementKind.ORDER and m.cause == order.id and m.flag is BLOCKED else m
        for m in ledger.movements  # the reserved one: an id used again after remember_ids_days names older ones too
    )
    back = cleared(order.account, e.date, MovementKind.RELEASE, order.price, e.id, "", f"order {order.id} cancelled")
    part = ledger._replace(movements=(*moves, back), orders=tuple(o for o in ledger.orders if o is not order))
    return Outcome(part=part)


def settle(view: View, e: Settle) -> Outcome:
    terms = _terms(view, e.account, _PREPAID)
    if isinstance(terms, Problem):
        return Outcome(problem=terms)
    ledger = _ledger(view)
    number = f"{view.account.id}-settlement-{e.id}"
    settled = _settlement(view, ledger, terms.id, e.date, number, lambda used: used <= e.date)
    if settled is None:
        return refuse(f"nothing to settle on account `{terms.id}`", "no service paid from it waits for its invoice (N)")
    return settled


def _settlement(
    view: View, ledger: Ledger, account: str, day: date, number: str, taken: Callable[[date], bool]
) -> Outcome | None:
    """The settlement invoice of `account`'s movements used (N) on the days `taken` accepts, and those
    movements settled by it; None when there are none."""
    due = [m for m in ledger.movements if m.account == account and m.flag == NOT_INVOICED and taken(m.used)]  # type: ignore[arg-type]
    if not due:
        return None
    lines = [
        Charge(m.service, m.description, LineKind.CHARGE, InvoiceGroup.MONTHLY, day, m.start, m.end, ONE, -m.amount,
               -m.amount, f"paid from credit account {account} on {iso(m.used)}: {fmt(-m.amount)}", m.cause)  # type: ignore[arg-type]
        for m in due
    ]  # fmt: skip
    total = ZERO
    for m in due:
        total = add(total, -m.amount)
    why = f"paid from credit account {account}: {fmt(total)} without VAT; its VAT was paid with the top-ups"
    name = view.tariff.labels.paid_from_credit(account)
    lines.append(_line(f"credit:{account}", name, LineKind.CREDIT_DEDUCTION, day, -total, why, number))
    settled = {id(m) for m in due}
    moves = tuple(m._replace(flag=CLEAR, document=number) if id(m) in settled else m for m in ledger.movements)
    draft = Draft(DocumentType.INVOICE, DocumentKind.SETTLEMENT, number, day, tuple(lines))
    return Outcome(part=ledger._replace(movements=moves), documents=(draft,))


def refund(view: View, e: Refund) -> Outcome:
    terms = _terms(view, e.account, _PREPAID)
    if isinstance(terms, Problem):
        return Outcome(problem=terms)
    ledger = _ledger(view)
    if any(o.account == terms.id for o in ledger.orders):
        waiting = ", ".join(o.id for o in ledger.orders if o.account == terms.id)
        return refuse(f"account `{terms.id}` has reserved orders ({waiting})", "create or cancel them first")
    have = balance(ledger, terms)
    if have <= ZERO:
        shown = fmt(quantize(have, terms.currency, Rounding.HALF_UP))
        return refuse(
            f"nothing to refund: the credit of `{terms.id}` is {shown} {terms.currency}",
            "there is no credit to pay back: a top-up counts once its advance invoice is paid (record_payment)",
        )
    number = f"{view.account.id}-refund-{e.id}"
    why = f"the credit of account {terms.id} paid back: {fmt(have)} {terms.currency} without VAT, with its VAT"
    line = _line(f"credit:{terms.id}", view.tariff.labels.refund(terms.id), LineKind.REFUND, e.date, -have, why, e.id)
    draft = Draft(DocumentType.CREDIT_NOTE, DocumentKind.REFUND, number, e.date, (line,), terms.currency)
    move = cleared(terms.id, e.date, MovementKind.REFUND, -have, e.id, number, "credit paid back")
    return Outcome(part=ledger._replace(movements=(*ledger.movements, move)), documents=(draft,))


def change_credit_limit(view: View, e: ChangeCreditLimit) -> Outcome:
    terms = _terms(view, e.account, _POSTPAID)
    if isinstance(terms, Problem):
        return Outcome(problem=terms)
    problem = _amount_problem(e.limit, terms.currency, "a credit limit", "give an amount of at least 0", zero=True)
    if problem is not None:
        return Outcome(problem=problem)
    ledger = _ledger(view)
    limits = (*(x for x in ledger.limits if x[0] != terms.id), (terms.id, e.limit))
    ledger = ledger._replace(limits=limits)
    return Outcome(part=ledger, documents=_released(ledger, terms.id, e.date))


# -- the settlement day and renewals ---------------------------------------------------------------------------
def settlement_day(view: View) -> date | None:
    """The next settlement day after the last agenda date, while some prepaid service waits for one (N)."""
    ledger = _ledger(view)
    if not any(m.flag == NOT_INVOICED for m in ledger.movements):
        return None
    after: date = view.as_of  # type: ignore[attr-defined]
    day = view.tariff.rules.accounts.settlement_day
    this = after.replace(day=day)
    return this if this > after else add_months(this, 1, day)


def on_settlement_day(view: View, day: date) -> SettlementDay | None:
    """The settlement day's own event (settling nothing when nothing was used before it)."""
    return SettlementDay(day) if day.day == view.tariff.rules.accounts.settlement_day else None


def settlement(view: View, e: SettlementDay) -> Outcome:
    """One settlement invoice per prepaid account of what it paid before today."""
    ledger, drafts = _ledger(view), list[Draft]()
    stamp = iso(e.date).replace("-", "")
    for acct in view.account.credit_accounts:
        number = f"{view.account.id}-{stamp}-settlement-{acct.id}"
        settled = _settlement(view, ledger, acct.id, e.date, number, lambda used: used < e.date)
        if settled is not None:
            ledger = settled.part
            drafts += settled.documents
    return Outcome(part=ledger, documents=tuple(drafts))


def renew_service(view: View, c: Contract, day: date) -> Outcome | None:
    """A service paid from credit renews from it when it is marked auto_renew and the credit covers its
    price; otherwise a payment request of the next term (price + VAT) is issued and the service renews
    (or, under renewal.insufficient_credit: skip_renewal, it ends at its expiry)."""
    ledger = _ledger(view)
    service = next((s for s in ledger.services if s.key == c.key), None)  # pragma: no mutate
    if service is None:  # pragma: no cover  (every service contract is paid from an account: _unknown)
        return None
    t = view.tariff
    nxt = renewed(c)  # a service runs on its own anniversaries from its creation, whatever the alignment
    acct = next(a for a in view.account.credit_accounts if a.id == service.account)
    terms = terms_of(t, acct)  # a prepaid account: no limit to look up
    stamp = iso(day).replace("-", "")
    if service.auto_renew and balance(ledger, terms) >= c.unit_price:
        what = f"{c.name} ({c.period!s}), renewed"
        move = Movement(
            terms.id, day, MovementKind.RENEWAL, -c.unit_price, NOT_INVOICED, f"renewal-{stamp}-{c.item}", "", what,
            day, c.key, nxt.term_start, nxt.term_end,
        )  # fmt: skip
        return Outcome(contracts=(nxt,), part=ledger._replace(movements=(*ledger.movements, move)))
    code = "insufficient_credit" if service.auto_renew else "payment_request"
    short = f"credit {fmt(balance(ledger, terms))} {terms.currency} < {fmt(c.unit_price)}" if service.auto_renew else ""
    if service.auto_renew and t.rules.renewal.insufficient_credit is InsufficientCredit.SKIP_RENEWAL:
        # not renewed: it runs to its expiry and ends there, as a service set not to renew does
        note = Notice(day, view.account.id, code, f"{c.key} not renewed: {short}; it ends on {iso(c.term_end)}")
        if c.term_end <= day:  # at its expiry already (lead_days 0): no later agenda day would end it
            ended = c._replace(ended=True)
            return Outcome(contracts=(ended,), signals=(note, ContractEnded(ended, RENEWAL, c.term_end)))
        return Outcome(contracts=(c._replace(dont_renew=True),), signals=(note,))
    number = f"{view.account.id}-{stamp}-request-{c.item}"
    draft = Draft(DocumentType.INVOICE, _REQUEST, number, day, (term_charge(nxt, day, RENEWAL),))
    doc = adjustments.tax(view, draft)  # type: ignore[arg-type]
    waiting = OpenDocument(number, "", _REQUEST, day, doc.net, doc.gross, ZERO)
    because = f" ({short})" if short else ""
    note = Notice(day, view.account.id, code, f"{c.key}: payment request {number} of {fmt(doc.gross)}{because}")
    part = ledger._replace(open=(*ledger.open, waiting))
    return Outcome(contracts=(nxt,), part=part, documents=(draft,), signals=(note,))


def _unknown(tariff: Tariff, ledger: Ledger, contracts: tuple[Contract, ...]) -> list[tuple[str, str]]:
    """Every running service contract is paid from an account the ledger names, and every order waiting for
    its service is of a product of the catalog."""
    if ledger is EMPTY and (not tariff.account_types or not any(c.kind is _SERVICE for c in contracts)):
        return []  # most customers: a resumed state runs this per account (the state-json path)
    running_ = {c.key for c in contracts if c.kind is _SERVICE and not c.ended}
    paid = {s.key for s in ledger.services}
    found = [("", f"service `{key}` runs without the account that pays it") for key in sorted(running_ - paid)]
    catalog = tariff.catalog.catalog
    return found + [
        (f".orders[{i}].product", f"order `{o.id}` is for `{o.product}`, not in catalog `{catalog}`")
        for i, o in enumerate(ledger.orders)
        if o.product not in tariff.products
    ]


FEATURE = Feature(
    name=LEDGER,
    events={
        TopUp: top_up,
        RecordPayment: record_payment,
        OrderService: order_service,
        CreateService: create_service,
        CancelOrder: cancel_order,
        Settle: settle,
        Refund: refund,
        ChangeCreditLimit: change_credit_limit,
    },
    renewals={ContractKind.SERVICE: renew_service},
    part=Part("accounts", EMPTY, dump, load, problems, _unknown, carried_forward),
    next_date=settlement_day,
    on_date=on_settlement_day,
    dated=lambda catalog: any(a.kind is _PREPAID for a in catalog.account_types),  # settlements: prepaid only
    own_events={SettlementDay: settlement},
)

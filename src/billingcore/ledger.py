"""The customer's credit accounts and their ledger (docs/accounts.md): every movement of money on a
prepaid or postpaid account, the documents waiting for a payment, the orders waiting for their service,
the services paid from credit, and the invoices held back by a credit limit.

A prepaid account (WEDOS "zálohový účet", Fakturia prepaid) is kept without VAT: a top-up is invoiced with
VAT in advance and the credit grows by its net once paid; services are paid from it at their net price.
A postpaid account (Fakturia) is a debtor account: invoices in, payments out, kept gross. The balance of
an account is its opening balance plus the sum of its movements, always: nothing else moves it.

Pure data and pure functions over it; the `accounts` feature changes it, the two account stages of the
adjustment pipeline read and post to it.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from billingcore.catalog.model import AccountKind, Period
from billingcore.catalog.validate import check_money
from billingcore.charges import Charge
from billingcore.codegen import QUANTITIES, Codec, StateValueError, json_got, record_codec
from billingcore.dates import add_months, iso
from billingcore.documents import DocumentKind, DocumentType
from billingcore.errors import DataPath, Diagnostic, Location
from billingcore.money import CURRENCY_EXPONENTS, ZERO, Rounding, add, fmt, quantize
from billingcore.tariff import CreditAccount, Tariff

Day = date  # a date field's type inside a record that has a field named `date`
_DAY = timedelta(days=1)


class MovementKind(StrEnum):
    """What moved money on an account (the seed's "Art": Zahlung oder Kaution, and what was paid)."""

    OPENING = "opening"  # the opening balance ("Eröffnungs-Saldo"), from the account data
    TOP_UP = "top_up"  # an advance invoice paid: the credit grows by its net
    ORDER = "order"  # an order paid from credit: reserved (B), used once its service is created (N)
    RELEASE = "release"  # an order cancelled before its service was created: its reservation back
    RENEWAL = "renewal"  # a service renewed from credit (N until its settlement)
    REFUND = "refund"  # the credit paid back
    INVOICE = "invoice"  # postpaid: an invoice issued to the account (gross, negative)
    CREDIT_NOTE = "credit_note"  # postpaid: a credit note (gross, positive)
    PAYMENT = "payment"  # postpaid: a payment received
    # older cleared movements, summed into one when the saved state is written (accounts.keep_movements_months)
    CARRIED_FORWARD = "carried_forward"


class Flag(StrEnum):
    """A movement's state now (the seed's "Zahlungskennzeichen")."""

    BLOCKED = "B"  # blokováno: reserved for an order whose service is not created yet
    NOT_INVOICED = "N"  # nefakturováno: used, not yet on a settlement invoice
    CLEAR = ""  # nothing pending


BLOCKED, NOT_INVOICED, CLEAR = Flag.BLOCKED, Flag.NOT_INVOICED, Flag.CLEAR


class Movement(NamedTuple):
    """One line of "Kontobewegungen". `flag` is the movement's state now: an order is B while reserved,
    N once used and not yet on a settlement invoice, then clear with that invoice's number in `document`."""

    account: str  # the credit account's id
    date: date
    kind: MovementKind
    amount: Decimal  # prepaid: without VAT; postpaid: gross; + in, - out
    flag: Flag
    cause: str  # the event id; a renewal's `renewal-<YYYYMMDD>-<service>`; a posted document's number
    document: str  # the advance invoice, settlement invoice, refund or posted document ("" none yet)
    description: str
    used: Day | None  # the day it became N (a settlement takes what was used before its day)
    service: str  # the service contract it paid for ("" none)
    start: Day | None  # the term it paid for, [start, end)
    end: Day | None


def cleared(account: str, day: date, kind: MovementKind, amount: Decimal, cause: str, doc: str, what: str) -> Movement:
    """A movement with nothing pending (flag clear) and no service term: a payment, a top-up paid, a release,
    a refund, a posted document, the opening balance, a carried-forward sum."""
    return Movement(account, day, kind, amount, CLEAR, cause, doc, what, None, "", None, None)


class OpenDocument(NamedTuple):
    """A document the host may record a payment of: an advance invoice, a payment request, or an invoice
    posted to a postpaid account."""

    number: str
    account: str  # the credit account it belongs to ("" for a payment request outside any account)
    kind: DocumentKind
    date: date
    net: Decimal
    gross: Decimal
    paid: Decimal


class Order(NamedTuple):
    """An order paid from credit whose service is not created yet (its movement is B)."""

    id: str  # the order_service event's id
    account: str
    service: str  # the contract key the service will have
    name: str  # the service's name on documents
    product: str
    period: Period
    price: Decimal
    auto_renew: bool


class Service(NamedTuple):
    """A service paid from credit: which account pays its renewals, and whether it renews from it."""

    key: str  # its contract key
    account: str
    auto_renew: bool


class Held(NamedTuple):
    """An invoice held back by a postpaid account's credit limit: its draft, issued when the limit allows
    (in the catalog's currency, as every invoice the engine makes is)."""

    account: str
    type: DocumentType
    kind: DocumentKind
    number: str
    date: date  # the day it was drafted (issued, it is dated the day it is let through)


class Ledger(NamedTuple):
    """The `accounts` feature's part of the saved state."""

    movements: tuple[Movement, ...] = ()
    open: tuple[OpenDocument, ...] = ()
    orders: tuple[Order, ...] = ()
    services: tuple[Service, ...] = ()
    held: tuple[tuple[Held, tuple[Charge, ...]], ...] = ()  # in the order they were held
    limits: tuple[tuple[str, Decimal], ...] = ()  # credit limits changed by events, by account
    paused: tuple[str, ...] = ()  # postpaid accounts whose billing is paused (a notice was sent)


EMPTY = Ledger()
LEDGER = "accounts"  # the feature's name: its part of the state (engine.bill reads it for the statements)


# -- the account data, resolved against the catalog -----------------------------------------------------
class Terms(NamedTuple):
    """A credit account as billing reads it: its kind, currency, minimum top-up and credit limit."""

    id: str
    kind: AccountKind
    currency: str
    minimum: Decimal  # prepaid: the smallest top-up (0: any amount above zero)
    limit: Decimal | None  # postpaid: the credit limit (changed by change_credit_limit)
    opening: Decimal
    opened: date | None


def terms_of(tariff: Tariff, acct: CreditAccount, ledger: Ledger = EMPTY) -> Terms:
    """What `acct` is under the catalog: its type's kind, and the minimum and limit that apply (its own,
    else its type's when it is in the catalog's currency, else the rules' per currency)."""
    kind_of = tariff.account_types[acct.type]
    currency = acct.currency or tariff.catalog.currency
    same = currency == tariff.catalog.currency
    minimum: Decimal | None = acct.minimum_top_up
    if minimum is None and same:
        minimum = kind_of.minimum_top_up
    if minimum is None:
        minimum = tariff.rules.accounts.minimum_top_up.get(currency) or ZERO
    limit: Decimal | None = acct.credit_limit if acct.credit_limit is not None else kind_of.credit_limit
    limit = dict(ledger.limits).get(acct.id, limit)
    return Terms(acct.id, kind_of.kind, currency, minimum, limit, acct.opening_balance, acct.opened)


def balance(ledger: Ledger, terms: Terms) -> Decimal:
    """The opening balance plus every movement of the account: what the customer has (prepaid) or, when
    negative, owes (postpaid)."""
    total = terms.opening
    for m in ledger.movements:
        if m.account == terms.id:
            total = add(total, m.amount)
    return total


def carried_forward(tariff: Tariff, ledger: Ledger, contracts: tuple[Any, ...], until: date) -> Ledger:
    """What a saved state keeps of the ledger as of `until` (docs/accounts.md "Carried forward"): each credit
    account's cleared movements dated before the cutoff -- the 1st of the month `keep_movements_months` before
    `until`'s month -- summed into one movement dated the day before it, first in the ledger (by account id),
    every other movement in its order; and only the services whose contract is still in the state. Reserved
    (B) and used (N) movements stay whatever their age: orders and settlements find them by their flag. The
    cutoff depends on `until` alone, so a resumed run's ledger equals one full run's, and the balance (the sum)
    is unchanged."""
    if ledger is EMPTY:  # most customers
        return ledger
    cutoff = add_months(date(until.year, until.month, 1), -tariff.rules.accounts.keep_movements_months)
    folded: dict[str, Decimal] = {}
    kept = []
    for m in ledger.movements:
        if m.flag is CLEAR and m.date < cutoff:
            folded[m.account] = add(folded.get(m.account, ZERO), m.amount)
        else:
            kept.append(m)
    keys = {c.key for c in contracts}
    services = tuple(s for s in ledger.services if s.key in keys)
    if not folded and len(services) == len(ledger.services):
        return ledger
    day, what = cutoff - _DAY, f"movements before {iso(cutoff)} carried forward"
    forward = [
        cleared(acct, day, MovementKind.CARRIED_FORWARD, folded[acct], "", "", what)
        for acct in sorted(folded)
    ]
    return ledger._replace(movements=(*forward, *kept), services=services)


class Statement(NamedTuple):
    """A credit account at the end of a bill run, for the host to show ("Kontobewegungen", "Stav kreditu")."""

    id: str
    type: str
    kind: AccountKind
    currency: str
    balance: Decimal
    credit_limit: Decimal | None  # postpaid
    held: tuple[str, ...]  # postpaid: the numbers of the invoices its limit holds back
    movements: tuple[Movement, ...]  # the opening balance first (when there is one)


def statements(tariff: Tariff, accounts: tuple[CreditAccount, ...], ledger: Ledger) -> tuple[Statement, ...]:
    """Each of the customer's credit accounts: kind, currency, balance and every movement, in the order
    they happened."""
    out = []
    for acct in accounts:
        terms = terms_of(tariff, acct, ledger)
        moves = tuple(m for m in ledger.movements if m.account == acct.id)
        if terms.opening:
            opened = terms.opened or date.min  # credit_account_problems insists on it
            moves = (_opening(acct.id, opened, terms.opening), *moves)
        held = tuple(h.number for h, _ in ledger.held if h.account == acct.id)
        limit = terms.limit if terms.kind is AccountKind.POSTPAID else None
        total = quantize(balance(ledger, terms), terms.currency, Rounding.HALF_UP)  # exact: at the currency's scale
        out.append(Statement(acct.id, acct.type, terms.kind, terms.currency, total, limit, held, moves))
    return tuple(out)


def _opening(account: str, day: date, amount: Decimal) -> Movement:
    return cleared(account, day, MovementKind.OPENING, amount, "opening", "", "opening balance")


def statement_json(s: Statement) -> dict[str, Any]:
    out: dict[str, Any] = {"id": s.id, "type": s.type, "kind": s.kind.value, "currency": s.currency}
    out["balance"] = fmt(s.balance)
    if s.kind is AccountKind.POSTPAID:
        out["credit_limit"] = None if s.credit_limit is None else fmt(s.credit_limit)
        out["held"] = list(s.held)
    out["movements"] = [movement_json(m) for m in s.movements]
    return out


def movement_json(m: Movement) -> dict[str, Any]:
    return {
        "date": iso(m.date),
        "kind": m.kind.value,
        "amount": fmt(m.amount),
        "flag": m.flag.value,
        "cause": m.cause,
        "document": m.document,
        "description": m.description,
    }


# -- the account data's own checks (a scenario's `account:`, a host's Account) ----------------------------
def credit_account_problems(tariff: Tariff, accounts: tuple[CreditAccount, ...]) -> list[tuple[str, str, str]]:
    """Every problem of the customer's credit accounts under this catalog: (path below the account, message,
    hint), e.g. ("credit_accounts[1].type", "unknown account type `prepad`", "did you mean `prepaid`?")."""
    found: list[tuple[str, str, str]] = []
    types, catalog_currency = tariff.account_types, tariff.catalog.currency
    postpaid: dict[str, str] = {}
    seen: set[str] = set()
    for i, acct in enumerate(accounts):
        at = f"credit_accounts[{i}]"
        if acct.id in seen:
            found.append((f"{at}.id", f"a second credit account `{acct.id}`", "give each account its own id"))
        seen.add(acct.id)
        kind_of = types.get(acct.type)
        if kind_of is None:
            known = ", ".join(sorted(types)) or "none: add `account_types` to the plan file"
            found.append((f"{at}.type", f"unknown account type `{acct.type}`", f"the catalog's account types: {known}"))
            continue
        currency = acct.currency or catalog_currency
        if currency not in CURRENCY_EXPONENTS:
            found.append((f"{at}.currency", f"unknown currency `{currency}`", "an ISO 4217 code such as EUR, USD, CZK"))
            continue
        found += _money_problems(at, acct, currency)
        if kind_of.kind is AccountKind.PREPAID and acct.credit_limit is not None:
            found.append((f"{at}.credit_limit", "a prepaid account has no credit limit", "remove credit_limit"))
        if kind_of.kind is AccountKind.POSTPAID:
            if acct.minimum_top_up is not None:
                found.append((f"{at}.minimum_top_up", "a postpaid account has no top-ups", "remove minimum_top_up"))
            if currency != catalog_currency and acct.credit_limit is None:  # (a postpaid type has a limit: validate)
                message = (
                    f"account type `{acct.type}`'s credit limit is in {catalog_currency}, the account in {currency}"
                )
                found.append((f"{at}.credit_limit", message, f"give the account its own credit_limit in {currency}"))
            if currency in postpaid:
                message = f"a second postpaid account in {currency}: `{postpaid[currency]}` takes its invoices"
                found.append((f"{at}.currency", message, "one postpaid account per currency receives the invoices"))
            postpaid.setdefault(currency, acct.id)
        if acct.opening_balance and acct.opened is None:
            found.append((at, "an opening balance needs the day the account was opened", "add `opened: YYYY-MM-DD`"))
    return found


def _money_problems(at: str, acct: CreditAccount, currency: str) -> list[tuple[str, str, str]]:
    """The catalog's own money checks (decimals of the currency, not below zero) on the account's amounts;
    an opening balance may be below zero (owed already, on a postpaid account)."""
    found = []
    for name in ("opening_balance", "minimum_top_up", "credit_limit"):
        for d in check_money(getattr(acct, name), currency, _NOWHERE, name):
            if not (name == "opening_balance" and d.code == "negative-price"):
                found.append((f"{at}.{name}", d.message, d.hint))
    return found


_NOWHERE = Location("", 0, 0)  # check_money's diagnostics are placed at the account's path instead


def foreign_accounts(ledger: Ledger, accounts: tuple[CreditAccount, ...]) -> list[tuple[str, str]]:
    """Where the ledger names a credit account the account data does not have: (path below the ledger,
    the account's id), e.g. (".movements[0].account", "gone")."""
    named = {a.id for a in accounts}
    found = []
    for key in ("movements", "open", "orders", "services"):
        found += [(f".{key}[{i}].account", r.account) for i, r in enumerate(getattr(ledger, key)) if r.account]
    found += [(f".held[{i}].document.account", h.account) for i, (h, _) in enumerate(ledger.held)]
    found += [(f".limits[{i}].account", a) for i, (a, _) in enumerate(ledger.limits)]
    found += [(f".paused[{i}]", a) for i, a in enumerate(ledger.paused)]
    return [(path, name) for path, name in found if name not in named]


def account_diagnostics(tariff: Tariff, accounts: tuple[CreditAccount, ...], who: str) -> list[Diagnostic]:
    """credit_account_problems as diagnostics at `account.credit_accounts[i].field`."""
    return [
        Diagnostic(DataPath(f"account.{path}"), f"account {who}: {message}", hint, "bad-account")
        for path, message, hint in credit_account_problems(tariff, accounts)
    ]


# -- the saved state -------------------------------------------------------------------------------------
# Amounts are read as plain decimals: a ledger holds money of several currencies (a USD account under a
# CZK catalog), each written with its own currency's decimals.
def _codec(cls: Any, omitted: tuple[str, ...] = ()) -> Codec:
    quantities = tuple(f for f, t in cls.__annotations__.items() if "Decimal" in str(t))
    return record_codec(cls, quantities=quantities, omitted=omitted)


_MOVEMENT, _OPEN, _ORDER, _SERVICE, _HELD = map(_codec, (Movement, OpenDocument, Order, Service, Held))
_CHARGE = _codec(Charge, omitted=("discount",))  # as the state's pending charges (snapshot._CHARGE)
_LISTS: dict[str, Codec] = {"movements": _MOVEMENT, "open": _OPEN, "orders": _ORDER, "services": _SERVICE}


def dump(ledger: Ledger) -> dict[str, Any] | None:
    """The ledger as JSON-ready data; null for the empty one (a customer without credit account
    movements: every saved state has the key, and most customers have none)."""
    if ledger is EMPTY:
        return None
    data: dict[str, Any] = {key: [codec.dump(r) for r in getattr(ledger, key)] for key, codec in _LISTS.items()}
    data["held"] = [{"document": _HELD.dump(h), "charges": [_CHARGE.dump(c) for c in cs]} for h, cs in ledger.held]
    data["limits"] = [{"account": a, "limit": fmt(limit)} for a, limit in ledger.limits]
    data["paused"] = list(ledger.paused)
    return data


def load(data: Any) -> Ledger:
    if data is None:
        return EMPTY
    if type(data) is not dict or data.keys() != {*_LISTS, "held", "limits", "paused"}:
        raise StateValueError("not what dump wrote")
    if not all(type(data[key]) is list for key in ("held", "limits", "paused")):
        raise StateValueError("expected a list")
    lists = {}
    for key, codec in _LISTS.items():
        if type(data[key]) is not list:
            raise StateValueError("expected a list")
        lists[key] = tuple([codec.load(r, None) for r in data[key]])
    held = tuple(
        (_HELD.load(h["document"], None), tuple([_CHARGE.load(c, None) for c in h["charges"]])) for h in data["held"]
    )
    limits = tuple((_text(x["account"]), _amount(x["limit"])) for x in data["limits"])
    paused = tuple(_text(a) for a in data["paused"])
    if any(type(x) is not dict or len(x) != 2 for x in data["held"]) or not all(
        type(x) is dict for x in data["limits"]
    ):
        raise StateValueError("not what dump wrote")
    ledger = Ledger(**lists, held=held, limits=limits, paused=paused)
    if ledger == EMPTY:  # dump writes null for it: an empty mapping is not what dump wrote
        raise StateValueError("an empty ledger is written as null")
    return ledger


def problems(data: Any) -> list[tuple[str, str]]:
    """Every problem of a ledger that failed to load, at its path below `accounts`."""
    if data is None:
        return []
    if type(data) is not dict:
        return [("", f"expected null or a mapping, got {json_got(data)}")]
    found = [("", f"unknown key {json.dumps(k)}") for k in data if k not in {*_LISTS, "held", "limits", "paused"}]
    found += [("", f"missing key {json.dumps(k)}") for k in (*_LISTS, "held", "limits", "paused") if k not in data]
    for key, codec in _LISTS.items():
        found += _each(key, data.get(key, []), codec)
    for key in ("held", "limits", "paused"):
        if key in data and not isinstance(data[key], list):
            found.append((f".{key}", f"expected a list, got {json_got(data[key])}"))
    for i, h in enumerate(data.get("held", []) if isinstance(data.get("held"), list) else []):
        if not isinstance(h, dict) or h.keys() != {"document", "charges"} or not isinstance(h["charges"], list):
            found.append((f".held[{i}]", "expected a mapping of `document` and a list of `charges`"))
            continue
        found += _each(f"held[{i}].document", [h["document"]], _HELD, single=True)
        found += _each(f"held[{i}].charges", h["charges"], _CHARGE)
    found += _plain_problems(data)
    if not found and all(data[key] == [] for key in (*_LISTS, "held", "limits", "paused")):
        found.append(("", "expected null for a ledger with nothing in it, got a mapping of empty lists"))
    return found


def _each(key: str, records: Any, codec: Codec, single: bool = False) -> list[tuple[str, str]]:
    if not isinstance(records, list):
        return [(f".{key}", f"expected a list, got {json_got(records)}")]
    found = []
    for i, r in enumerate(records):
        at = f".{key}" if single else f".{key}[{i}]"
        found += [(f"{at}{'.' + f if f else ''}", p) for f, p in codec.problems(r, None)]
    return found


def _plain_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for i, x in enumerate(data.get("limits", []) if isinstance(data.get("limits"), list) else []):
        if type(x) is not dict or x.keys() != {"account", "limit"}:
            found.append((f".limits[{i}]", "expected a mapping of `account` and `limit`"))
            continue
        for key, read in (("account", _text), ("limit", _amount)):
            try:
                read(x[key])
            except StateValueError as exc:
                found.append((f".limits[{i}].{key}", str(exc)))
    for i, a in enumerate(data.get("paused", []) if isinstance(data.get("paused"), list) else []):
        if type(a) is not str:
            found.append((f".paused[{i}]", f"expected text, got {json_got(a)}"))
    return found


def _text(value: Any) -> str:
    if type(value) is not str:
        raise StateValueError(f"expected text, got {json_got(value)}")
    return value


def _amount(value: Any) -> Decimal:
    return QUANTITIES[value]

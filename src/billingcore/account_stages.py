"""The two account stages of the adjustment pipeline (adjustments.py), after tax:

    prepaid credit   a settlement invoice's services were paid from prepaid credit: their VAT shows as
                     paid with the top-ups, and the invoice totals 0 (WEDOS)
    credit limit     an invoice that would take a postpaid account's open receivables over its limit is
                     held back, and the account's billing pauses until a payment or a higher limit lets it
                     through (Fakturia); every issued invoice and credit note is posted to the account

Each reads the customer's credit accounts and writes the ledger (billingcore.ledger): a stage changes the
account's part of the state and may send a notice, through the Ledger protocol of adjustments.py.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from billingcore.catalog.model import AccountKind, Catalog
from billingcore.catalog.rules import CreditLimitAction, RuleSet
from billingcore.dates import iso
from billingcore.documents import Document, DocumentKind, DocumentType, LineKind, Notice, VatAmount
from billingcore.invoicing import Draft
from billingcore.ledger import LEDGER, Held, Ledger, MovementKind, OpenDocument, balance, cleared, terms_of
from billingcore.money import ZERO, Rounding, add, fmt, quantize
from billingcore.tax import vat_at

Stage = Callable[[Any, Draft, Document], Document | None]

# Documents of a prepaid account itself: never posted to a postpaid one, never held.
_OWN = frozenset({DocumentKind.ADVANCE, DocumentKind.SETTLEMENT, DocumentKind.REFUND})
_DEDUCTION = LineKind.CREDIT_DEDUCTION


def prepaid_credit(catalog: Catalog, rules: RuleSet) -> Stage | None:
    """The stage when the catalog has prepaid accounts, else None."""
    if not any(a.kind is AccountKind.PREPAID for a in catalog.account_types):
        return None

    def paid_from_credit(run: Any, draft: Draft, doc: Document) -> Document:
        """A settlement invoice: VAT shown twice at its rate, once on the services (+) and once on the
        credit that paid them (-), which was taxed when the top-ups were paid. Net, VAT and gross: 0."""
        if doc.kind is not DocumentKind.SETTLEMENT:
            return doc
        services = [line for line in doc.lines if line.kind is not _DEDUCTION]
        rate = doc.vat[0].rate
        on_services, vat = vat_at(services, rate, doc.currency, rules.tax)
        paid = VatAmount(rate, -on_services.base, -vat)
        return doc._replace(vat=(VatAmount(rate, on_services.base, vat), paid))

    return paid_from_credit


def credit_limit(catalog: Catalog, rules: RuleSet) -> Stage | None:
    """The stage when the catalog has postpaid accounts, else None."""
    if not any(a.kind is AccountKind.POSTPAID for a in catalog.account_types):
        return None
    pause = rules.accounts.credit_limit is CreditLimitAction.PAUSE_AND_NOTIFY

    def within_limit(run: Any, draft: Draft, doc: Document) -> Document | None:
        """Post `doc` to the customer's postpaid account in its currency; an invoice over the limit (or
        behind one held already) is held instead. None: held."""
        accounts = run.account.credit_accounts
        if not accounts or doc.kind in _OWN or (doc.gross == ZERO and doc.type is DocumentType.INVOICE):
            return doc  # an invoice of 0.00 owes nothing (and zero_total: skip may not issue it)
        tariff, ledger = run.tariff, run.parts[LEDGER]
        acct = next(
            (
                a
                for a in accounts
                if tariff.account_types[a.type].kind is AccountKind.POSTPAID
                and (a.currency or tariff.catalog.currency) == doc.currency
            ),
            None,
        )
        if acct is None:
            return doc
        terms = terms_of(tariff, acct, ledger)
        owed = -balance(ledger, terms)
        open_now = owed if owed > ZERO else ZERO
        held = [h.number for h, _ in ledger.held if h.account == acct.id]
        limit: Decimal = terms.limit  # type: ignore[assignment]  # a postpaid account has one (checks)
        over = add(open_now, doc.gross) > limit
        if doc.type is DocumentType.INVOICE and (over or (held and held[0] != doc.number)):
            if pause:
                run.parts[LEDGER] = _hold(run, ledger, acct.id, draft, doc, open_now, limit, held)
                return None
            notice = _over(run, acct.id, doc, open_now, limit, "credit_limit_exceeded", "issued all the same")
            run.notices.append(notice)
        run.parts[LEDGER] = _post(run, ledger, acct.id, doc)
        return doc

    return within_limit


def _hold(run: Any, ledger: Ledger, account: str, draft: Draft, doc: Document, owed: Decimal, limit: Decimal,
          held: list[str]) -> Ledger:  # fmt: skip
    """`doc` held back (once: a held invoice that still does not fit stays where it was)."""
    if doc.number not in held:
        head = Held(account, doc.type, doc.kind, doc.number, draft.date)
        ledger = ledger._replace(held=(*ledger.held, (head, tuple(draft.charges))))
    if account not in ledger.paused:
        why = "billing paused until a payment or a higher limit"
        run.notices.append(_over(run, account, doc, owed, limit, "credit_limit_reached", why))
        ledger = ledger._replace(paused=(*ledger.paused, account))
    return ledger


def _over(run: Any, account: str, doc: Document, owed: Decimal, limit: Decimal, code: str, then: str) -> Notice:
    owed = quantize(owed, doc.currency, Rounding.HALF_UP)  # "0.00", not "0", when nothing is open
    message = (
        f"account {account}: invoice {doc.number} of {fmt(doc.gross)} {doc.currency} would take the open "
        f"{fmt(owed)} over the credit limit of {fmt(limit)}: {then}"
    )
    return Notice(doc.date, run.account.id, code, message)


def _post(run: Any, ledger: Ledger, account: str, doc: Document) -> Ledger:
    """An issued document on the postpaid account: an invoice owed (and open for a payment), a credit note
    owed less; a held invoice leaves the held ones, and with the last one billing resumes."""
    invoice = doc.type is DocumentType.INVOICE
    kind = MovementKind.INVOICE if invoice else MovementKind.CREDIT_NOTE
    what = f"{'invoice' if invoice else 'credit note'} {doc.number}"
    move = cleared(account, doc.date, kind, -doc.gross, doc.number, doc.number, what)
    opened = tuple(d for d in ledger.open if d.number != doc.number)  # a payment request: now the account's
    if invoice:  # (an invoice of 0.00 is not posted at all; one with credits outweighing is a credit note)
        opened = (*opened, OpenDocument(doc.number, account, doc.kind, doc.date, doc.net, doc.gross, ZERO))
    held = tuple(h for h in ledger.held if h[0].number != doc.number)
    paused = ledger.paused
    if account in paused and not any(h.account == account for h, _ in held):
        paused = tuple(a for a in paused if a != account)
        note = f"account {account}: billing resumed on {iso(doc.date)}, the held invoices issued"
        run.notices.append(Notice(doc.date, run.account.id, "billing_resumed", note))
    return ledger._replace(movements=(*ledger.movements, move), open=opened, held=held, paused=paused)

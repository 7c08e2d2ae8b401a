"""The adjustment pipeline: what happens to a document between "these charges are due" and "this
document is issued", in a fixed order that no rule set changes:

    (as each charge is made)             price tiers (pricing.py), discount scales and coupons
                                         (features/discounts.py): before the document exists
    before tax                           draft stages (none shipped)
    tax                                  VAT rate per line, VAT per rate, totals: the draft becomes a document
    prepaid credit                       pay the gross from the customer's prepaid account (WEDOS)
    credit limit                         hold back a postpaid document over the limit (Fakturia)
    then invoicing.zero_total            an invoice of 0.00 is issued or skipped

Discounts come before tax because VAT is due on what the customer pays (EU VAT directive art. 79:
price reductions are not part of the taxable amount). They are taken off each charge as it is made, not
off a draft, because a contract must remember what its term cost after discount: a later credit for the
unused part gives back what was paid. Prepaid credit and the credit limit act on the gross a customer
owes, so they come after tax (account_stages.py): a settlement invoice shows the VAT of its services as
paid with the prepaid top-ups, and an invoice over a postpaid account's limit is held back. A tariff's
pipeline holds them only when its catalog has prepaid or postpaid account types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from billingcore import account_stages
from billingcore.catalog.model import Catalog
from billingcore.catalog.rules import RuleSet
from billingcore.documents import Document, Notice
from billingcore.invoicing import Draft, charge_line, issued, make_document
from billingcore.tariff import Account, Pipeline, Tariff
from billingcore.tax import TaxPosition


class Ledger(Protocol):
    """What a stage may read and report to: the account being billed and its tax position; the account
    stages also keep the ledger (the `accounts` part of the state) and send notices."""

    @property
    def tariff(self) -> Tariff: ...

    @property
    def account(self) -> Account: ...

    notes: tuple[str, ...]  # the reverse-charge note: printed on every document the reverse charge applies to
    position: TaxPosition

    def vat_rate(self, day: date) -> Decimal: ...

    parts: dict[str, Any]  # each feature's part of the state (the account stages write `accounts`)
    notices: list[Notice]  # the host hears of a held invoice


DraftStage = Callable[[Ledger, Draft], Draft]
DocumentStage = Callable[[Ledger, Draft, Document], Document | None]  # None: the document is held back


DraftBuilder = Callable[[Catalog, RuleSet], DraftStage | None]
DocumentBuilder = Callable[[Catalog, RuleSet], DocumentStage | None]

# The stages in their order, each with the builder that gives a tariff its stage (or None when the
# catalog does not use it). A builder of None: a stage without a feature yet (tests build such pipelines).
BEFORE_TAX: tuple[tuple[str, DraftBuilder | None], ...] = ()  # discounts are taken as charges are made
AFTER_TAX: tuple[tuple[str, DocumentBuilder | None], ...] = (
    ("prepaid credit", account_stages.prepaid_credit),  # a settlement paid from prepaid credit (WEDOS)
    ("credit limit", account_stages.credit_limit),  # postpaid accounts (Fakturia)
)


def pipeline_for(
    catalog: Catalog,
    rules: RuleSet,
    before_tax: Sequence[tuple[str, DraftBuilder | None]] = BEFORE_TAX,
    after_tax: Sequence[tuple[str, DocumentBuilder | None]] = AFTER_TAX,
) -> Pipeline:
    """The stages this catalog and rule set use, in the fixed order: each builder gives its stage, or
    None when the catalog and rules do not use it. (The tables are parameters so that tests can build
    pipelines before the features that fill them arrive.)"""
    before = [build(catalog, rules) for _, build in before_tax if build is not None]
    after = [build(catalog, rules) for _, build in after_tax if build is not None]
    return Pipeline(tuple(s for s in before if s is not None), tuple(s for s in after if s is not None))


def tax(ledger: Ledger, draft: Draft) -> Document:
    """Stage 3: every line at the customer's VAT rate on the document's date, VAT per rate (or per line,
    by rule), net and gross."""
    rate = ledger.vat_rate(draft.date)
    lines = [charge_line(charge, rate) for charge in draft.charges]
    tariff, account = ledger.tariff, ledger.account
    terms = tariff.payment_terms if account.terms is None else account.terms  # the account's own, else by rule
    parties = (tariff.seller, account.customer, terms)
    reverse = ledger.position.reversed_on(draft.date)  # GB's only before 2021 (tax.TaxPosition)
    notes = ledger.notes if reverse else ()
    return make_document(tariff.billing, draft, account.id, lines, notes, rate, parties, reverse)


def run(pipeline: Pipeline, ledger: Ledger, drafts: Sequence[Draft]) -> list[Document]:
    """The issued documents of `drafts`, each taken through every stage in order."""
    before_tax, after_tax = pipeline
    docs = []
    for draft in drafts:
        for before in before_tax:
            draft = before(ledger, draft)
        doc: Document | None = tax(ledger, draft)
        for after in after_tax:
            if doc is None:
                break
            doc = after(ledger, draft, doc)
        if doc is not None:
            docs.append(doc)
    return issued(ledger.tariff.billing, docs)

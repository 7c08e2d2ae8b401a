"""The adjustment pipeline: its stages in their fixed order, discounts before tax, held-back documents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from billingcore import adjustments
from billingcore.catalog.loader import Library
from billingcore.catalog.model import Period
from billingcore.documents import Document
from billingcore.engine import Account, bill, prepare
from billingcore.events import BuyPlan
from billingcore.invoicing import Draft
from billingcore.tariff import Pipeline


def test_the_stages_stand_in_their_fixed_order_around_tax() -> None:
    assert adjustments.BEFORE_TAX == ()  # discounts are taken off charges as they are made (features/discounts.py)
    assert [name for name, _ in adjustments.AFTER_TAX] == ["prepaid credit", "credit limit"]


def test_a_tariff_holds_only_the_stages_it_uses(library: Library) -> None:
    assert prepare(library, "duda").pipeline == Pipeline((), ())


def _half_off(ledger: adjustments.Ledger, draft: Draft) -> Draft:
    """A stand-in for a coupon for German customers: every charge at half its amount."""
    if ledger.account.country != "DE":
        return draft
    half = [c._replace(amount=c.amount / 2, unit_price=c.unit_price / 2) for c in draft.charges]
    return draft._replace(charges=half)


def _hold_invoices(ledger: adjustments.Ledger, draft: object, doc: Document) -> Document | None:
    """A stand-in for the credit limit: hold back every invoice, let credit notes through."""
    return None if doc.type == "invoice" else doc


def _billed(library: Library, pipeline: Pipeline) -> list[Document]:
    tariff = attrs.evolve(prepare(library, "duda"), pipeline=pipeline)
    events = [BuyPlan("p", date(2021, 1, 10), "team", Period.MONTHLY)]
    return list(bill(tariff, Account("a", "duda", "DE"), events, date(2021, 1, 10)).documents)


def test_a_stage_before_tax_changes_what_vat_is_due_on(library: Library) -> None:
    (doc,) = _billed(library, Pipeline((_half_off,), ()))
    # Team 29.00 a month at half: 14.50; VAT 19 % on 14.50 = 2.755 -> 2.76 (half up); gross 17.26
    assert (doc.net, doc.vat[0].base, doc.vat[0].amount, doc.gross) == (
        Decimal("14.50"),
        Decimal("14.500"),
        Decimal("2.76"),
        Decimal("17.26"),
    )


def test_a_stage_after_tax_may_hold_a_document_back(library: Library) -> None:
    assert _billed(library, Pipeline((), (_hold_invoices,))) == []


def _hold_monthly(ledger: adjustments.Ledger, draft: object, doc: Document) -> Document | None:
    """Hold back the monthly invoice; note the account on the others."""
    return None if doc.kind == "monthly" else doc._replace(notes=(f"checked for {ledger.account.id}",))


def _second(ledger: adjustments.Ledger, draft: object, doc: Document) -> Document | None:
    return doc._replace(notes=(*doc.notes, "second"))


def test_a_document_held_back_leaves_the_next_documents_of_the_day_alone(library: Library) -> None:
    # Jan 10: Team monthly (29.00) on the monthly invoice, blog annual (117.00) on the annual one. The
    # monthly invoice, first of the day, is held by the first stage (the second stage never sees it); the
    # annual one passes both stages, with both notes.
    from billingcore.events import PublishSite

    tariff = attrs.evolve(prepare(library, "duda"), pipeline=Pipeline((), (_hold_monthly, _second)))
    events = [
        BuyPlan("p", date(2021, 1, 10), "team", Period.MONTHLY),
        PublishSite("h", date(2021, 1, 10), "home"),
        PublishSite("b", date(2021, 1, 10), "blog", Period.ANNUAL),
    ]
    docs = bill(tariff, Account("a", "duda", "US"), events, date(2021, 1, 10)).documents
    assert [(d.kind, str(d.net), d.notes) for d in docs] == [("annual", "117.00", ("checked for a", "second"))]


def test_each_builder_gets_the_catalog_and_rules_and_a_stage_not_used_is_left_out(library: Library) -> None:
    catalog, rules = library.catalog("duda"), library.rule_sets["duda"]
    asked: list[tuple[str, str, str]] = []

    def builder(name: str, used: bool, stage: object) -> object:
        def build(c: object, r: object) -> object:
            asked.append((name, c.catalog, r.rule_set))  # type: ignore[attr-defined]
            return stage if used else None

        return build

    before = [("tiers", builder("tiers", False, _half_off)), ("coupons", builder("coupons", True, _half_off))]
    after = [("prepaid", builder("prepaid", True, _hold_invoices)), ("limit", None)]
    pipeline = adjustments.pipeline_for(catalog, rules, before, after)  # type: ignore[arg-type]
    assert pipeline == Pipeline((_half_off,), (_hold_invoices,))
    assert asked == [("tiers", "duda", "duda"), ("coupons", "duda", "duda"), ("prepaid", "duda", "duda")]

"""The invoice fields of issue 14: payment terms and due dates, the seller (catalog) and customer (account)
blocks, and the discount a line and a saved pending charge carry. Exact values, worked out in comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from billingcore import Account, EventError, InputError, PostalAddress, bill, structure_account
from billingcore.catalog.model import Period
from billingcore.documents import Address, Customer, Seller, document_json
from billingcore.events import AddComponent, BuyPlan, Cancel, RedeemCoupon
from billingcore.scenarios import load_scenario
from billingcore.snapshot import dump_state, load_state
from inline_catalogs import inline_tariff

CATALOG = """
catalog: c
currency: EUR
rules: duda
seller_country: DE
seller:
  name: Beispiel GmbH
  address: {lines: [Musterstraße 1], postcode: "10115", city: Berlin}
  vat_id: DE123456788
  iban: DE09 1234 5678 0001 2345 67
plans:
  - {id: p, name: P, rank: 1, versions: [{available_from: 2000-01-01, prices: {monthly: "31.00"}}]}
components:
  - {id: seats, name: Seats, type: quantity, unit_price: "6.20", unit: seat}
coupons:
  - {code: HALF, percent_off: "50", applies_to: [seats], duration: forever}
"""
TARIFF = inline_tariff("c", CATALOG)
DAY = date(2021, 3, 1)


def test_the_seller_comes_from_the_catalog_and_the_customer_from_the_account() -> None:
    account = Account(
        "k", "c", "DE", vat_id="DE129273398", name="Kunde AG",
        address=PostalAddress(("Weg 2", "Hinterhaus"), "80331", "München"), email="k@kunde.example",
    )  # fmt: skip
    (doc,) = bill(TARIFF, account, [BuyPlan("b", DAY, "p", Period.MONTHLY)], DAY).documents
    assert doc.seller == Seller(
        "Beispiel GmbH", Address(("Musterstraße 1",), "10115", "Berlin", "DE"), "DE123456788", None, None,
        "DE09123456780001234567", None,  # the plan file's spaces left out
    )  # fmt: skip
    assert doc.customer == Customer(
        "k", "Kunde AG", Address(("Weg 2", "Hinterhaus"), "80331", "München", "DE"), "DE129273398", "k@kunde.example"
    )
    out = document_json(doc)
    assert out["seller"] == {
        "name": "Beispiel GmbH",
        "address": {"lines": ["Musterstraße 1"], "postcode": "10115", "city": "Berlin", "country": "DE"},
        "vat_id": "DE123456788",
        "email": None,
        "tax_number": None,
        "iban": "DE09123456780001234567",
        "bic": None,
        "legal_registration": None,
    }
    assert out["customer"]["address"] == {
        "lines": ["Weg 2", "Hinterhaus"], "postcode": "80331", "city": "München", "country": "DE"
    }  # fmt: skip
    # each document gets dicts of its own: a host editing one changes no other
    assert out["customer"] is not document_json(doc)["customer"]


def test_due_date_by_rule_by_account_and_none_on_a_credit_note() -> None:
    events = [BuyPlan("b", DAY, "p", Period.MONTHLY), Cancel("x", date(2021, 3, 11), "plan")]
    # duda: payment_terms_days 0, due on issue
    by_rule = bill(TARIFF, Account("k", "c", "DE"), events[:1], DAY).documents[0]
    assert document_json(by_rule)["due_date"] == "2021-03-01"
    # the account's 30 days win: 2021-03-01 + 30 = 2021-03-31
    own = Account("k", "c", "DE", payment_terms_days=30)
    assert document_json(bill(TARIFF, own, events[:1], DAY).documents[0])["due_date"] == "2021-03-31"
    # a rule set of 10 days: 2021-03-11; an account's own 0 days still win over it (due on issue)
    invoicing = attrs.evolve(TARIFF.rules.invoicing, payment_terms_days=10)
    ten = attrs.evolve(TARIFF, rules=attrs.evolve(TARIFF.rules, invoicing=invoicing))
    assert bill(ten, Account("k", "c", "DE"), events[:1], DAY).documents[0].due_date == date(2021, 3, 11)
    assert bill(ten, Account("k", "c", "DE", payment_terms_days=0), events[:1], DAY).documents[0].due_date == DAY
    # a cancellation on 03-11 (duda: the day counts as used; 03-12..03-31 unused, 20 of 31 days):
    # 31.00 x 20/31 = 20.00 lands on the next billing day alone: a credit note
    docs = bill(TARIFF, own, events, date(2021, 4, 1)).documents
    note = document_json(docs[-1])
    assert (note["type"], note["credits"], note["amount_due"], note["due_date"]) == (
        "credit_note",
        "20.00",
        "0.00",
        None,
    )


def test_totals_of_an_invoice_with_a_discount_and_a_credit_line() -> None:
    # 03-01: HALF on seats, plan 31.00 monthly, 4 seats: 4 x 6.20 = 24.80, half off 12.40 -> 12.40.
    # 03-11 the plan is cancelled, its seats with it (duda: 03-11 used, 20 of 31 days unused): credits
    # 31.00 x 20/31 = 20.00 and the seats' billed 12.40 x 20/31 = 8.00 (what was paid after the discount);
    # they land on the next billing day (04-01), where nothing else is due: a credit note.
    events = [
        RedeemCoupon("r", DAY, "HALF"), BuyPlan("b", DAY, "p", Period.MONTHLY),
        AddComponent("s", DAY, "seats", Decimal(4)), Cancel("x", date(2021, 3, 11), "plan"),
    ]  # fmt: skip
    first, second = (
        document_json(d) for d in bill(TARIFF, Account("k", "c", "DE"), events, date(2021, 4, 1)).documents
    )
    # subtotal 31.00 + 24.80 = 55.80; discounts 12.40; net 43.40; VAT 19 % 8.246 -> 8.25; gross 51.65
    assert [first[k] for k in ("subtotal", "discounts", "credits", "net", "gross", "amount_due")] == [
        "55.80", "12.40", "0.00", "43.40", "51.65", "51.65"
    ]  # fmt: skip
    assert [(line["item"], line["amount"], line["discount"]) for line in first["lines"]] == [
        ("plan", "31.00", "0.00"), ("component:seats", "12.40", "12.40")
    ]  # fmt: skip
    # credits 20.00 + 8.00 = 28.00: a credit note of -28.00 net
    assert [second[k] for k in ("type", "subtotal", "discounts", "credits", "net")] == [
        "credit_note", "0.00", "0.00", "28.00", "-28.00"
    ]  # fmt: skip


def test_a_pending_discounted_charge_keeps_its_discount_through_a_saved_state() -> None:
    # 03-01 plan bought (billing day the 1st); 03-11 HALF and 2 seats for the rest of March:
    # 2 x 6.20 = 12.40 x 21/31 = 8.40 (rounded down), half off 4.20 -> 4.20 waits for 04-01.
    events = [BuyPlan("b", DAY, "p", Period.MONTHLY), RedeemCoupon("r", date(2021, 3, 11), "HALF")]
    events.append(AddComponent("s", date(2021, 3, 11), "seats", Decimal(2)))
    account = Account("k", "c", "DE")
    saved = dump_state(bill(TARIFF, account, events, date(2021, 3, 31)).state)
    (pending,) = saved["pending"]
    assert (pending["amount"], pending["discount"]) == ("4.20", "4.20")
    resumed = bill(TARIFF, account, [], date(2021, 4, 1), load_state(saved)).documents[0]
    seats = [line for line in resumed.lines if line.item == "component:seats"]
    assert [(line.amount, line.discount) for line in seats] == [
        (Decimal("4.20"), Decimal("4.20")),
        (Decimal("6.20"), Decimal("6.20")),
    ]
    assert document_json(resumed)["discounts"] == "10.40"


def test_a_saved_state_without_discounts_is_written_as_before_and_an_older_one_loads() -> None:
    account = Account("k", "c", "DE")
    state = bill(TARIFF, account, [BuyPlan("b", DAY, "p", Period.MONTHLY)], date(2021, 3, 10)).state
    saved = dump_state(state)
    assert saved["format"] == 8  # issue 14 added no key a state without discounts writes (8: renewals ahead)
    # a pending charge of a state written before issue 14 has no `discount`: read as 0
    older = {**saved, "pending": [{k: v for k, v in c.items() if k != "discount"} for c in saved["pending"]]}
    assert load_state(older) == state
    with_zero = dump_state(bill(TARIFF, account, [], date(2021, 3, 10), load_state(older)).state)
    assert with_zero == saved


def test_the_account_fields_from_a_host_dict_and_their_errors_at_their_path() -> None:
    data = {
        "id": "k", "country": "DE", "name": "Kunde AG", "email": "k@kunde.example", "payment_terms_days": 14,
        "address": {"lines": ["Weg 2"], "postcode": "80331", "city": "München"}, "buyer_reference": "04011000-1-03",
    }  # fmt: skip
    account, problems = structure_account(data)
    assert problems == []
    assert account is not None
    assert account.account("c").customer == Customer(
        "k", "Kunde AG", Address(("Weg 2",), "80331", "München", "DE"), None, "k@kunde.example", "04011000-1-03"
    )
    (doc,) = bill(TARIFF, account.account("c"), [BuyPlan("b", DAY, "p", Period.MONTHLY)], DAY).documents
    assert document_json(doc)["customer"]["buyer_reference"] == "04011000-1-03"  # EN 16931 BT-10
    _, problems = structure_account({**data, "payment_terms_days": 366, "email": "kunde"})
    assert [(str(d.location), d.message, d.code) for d in problems] == [
        ("account.payment_terms_days", "payment_terms_days must be a whole number from 0 to 365, got 366", "day-range"),
        ("account.email", "'kunde' is not an e-mail address", "bad-email"),
    ]
    _, problems = structure_account({**data, "address": {"street": "Weg 2"}})
    assert [d.code for d in problems] == ["unknown-key"]
    _, problems = structure_account({**data, "buyer_reference": 42})
    assert [(str(d.location), d.message) for d in problems] == [("account", "buyer_reference: expected text, got 42")]


def test_bill_refuses_customer_fields_of_the_wrong_type_or_range() -> None:
    account = Account("k", "c", "DE", name=7, address=PostalAddress(["Weg"]), payment_terms_days=-1)  # type: ignore[arg-type]
    with pytest.raises(EventError) as info:
        bill(TARIFF, account, [], DAY)
    assert [str(d.location) for d in info.value.diagnostics] == [
        "account.address.lines", "account.name", "account.payment_terms_days"
    ]  # fmt: skip
    with pytest.raises(EventError) as info:
        bill(TARIFF, Account("k", "c", "DE", buyer_reference=42), [], DAY)  # type: ignore[arg-type]
    assert [str(d.location) for d in info.value.diagnostics] == ["account.buyer_reference"]


def test_a_scenario_files_account_fields_are_refused_at_their_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(CATALOG.lstrip())
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "scenario: s\nsource: this test\ncatalog: plan.yaml\nuntil: 2021-03-01\n"
        "account: {id: k, country: DE, payment_terms_days: 400,\n"
        "          address: {lines: [Weg 2], zip: '80331'}}\n"
        "events: []\nexpect: {documents: []}\n"
    )
    with pytest.raises(InputError) as info:
        load_scenario(str(scenario))
    assert [(d.location.line, d.location.col, d.code) for d in info.value.diagnostics] == [  # type: ignore[union-attr]
        (6, 37, "unknown-key")  # `zip`: 10 spaces, "address: {", "lines: [Weg 2], "
    ]
    scenario.write_text(scenario.read_text().replace(", zip: '80331'", ""))
    with pytest.raises(InputError) as info:
        load_scenario(str(scenario))
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [
        (f"{scenario}:5:51", "payment_terms_days must be a whole number from 0 to 365, got 400")
    ]


def test_the_customer_fields_come_with_the_account_on_every_resumed_run() -> None:
    # A saved state holds what billing needs, not the customer's name and address: a host passes the account
    # (its record) with every run, so a changed address is on the next documents, never a stale copy.
    account = Account("k", "c", "DE", name="Kunde AG", payment_terms_days=7)
    saved = dump_state(bill(TARIFF, account, [BuyPlan("b", DAY, "p", Period.MONTHLY)], DAY).state)
    assert not {"name", "address", "email", "payment_terms_days"} & set(saved)
    moved = attrs.evolve(account, address=PostalAddress(("Neuer Weg 1",), "20095", "Hamburg"))
    (doc,) = bill(TARIFF, moved, [], date(2021, 4, 1), load_state(saved)).documents
    assert document_json(doc)["customer"] == {
        "id": "k",
        "name": "Kunde AG",
        "address": {"lines": ["Neuer Weg 1"], "postcode": "20095", "city": "Hamburg", "country": "DE"},
        "vat_id": None,
        "email": None,
        "buyer_reference": None,
    }
    assert doc.due_date == date(2021, 4, 8)  # 04-01 + 7 days

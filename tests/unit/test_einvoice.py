"""EN 16931 e-invoices (billingcore.render.einvoice, `billingcore einvoice`): hand-built document JSON (the
stable JSON plus the invoice fields seller, customer, due_date, amount_due) written as CII XML, read back at
the CII XPaths, validated against drafthorse's EN 16931 XSD and the Factur-X EN 16931 Schematron, and its
arithmetic checked against figures worked out here from the JSON (docs/einvoice.md)."""

from __future__ import annotations

import copy
import decimal
import functools
import json
import random
import re
import sys
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from billingcore.cli import main
from billingcore.render.einvoice import EInvoiceError, cii_xml, invoice_terms
from billingcore.scenarios import find_scenarios, load_scenario, run_scenario

ROOT = Path(__file__).resolve().parents[2]
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
TX = "rsm:SupplyChainTradeTransaction"
SETTLEMENT = f"{TX}/ram:ApplicableHeaderTradeSettlement"
TOTALS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
SELLER = f"{TX}/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty"
BUYER = f"{TX}/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty"
LINES = f"{TX}/ram:IncludedSupplyChainTradeLineItem"

SELLER_DE = {
    "name": "Beispiel Software GmbH",
    "address": {"lines": ["Hauptstraße 1", "Hinterhaus"], "postcode": "10115", "city": "Berlin", "country": "DE"},
    "vat_id": "DE123456789",
    "email": "rechnung@beispiel.example",
    "tax_number": "12/345/67890",
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
}


def line(item: str, description: str, quantity: str, price: str, amount: str, rate: str, **more: Any) -> dict[str, Any]:
    kind = more.pop("kind", "charge")
    start, end = more.pop("period", (None, None))
    explanation = more.pop("explanation", f"{quantity} x {price} = {amount}")
    return {
        "item": item,
        "description": description,
        "kind": kind,
        "quantity": quantity,
        "unit_price": price,
        "amount": amount,
        "vat_rate": rate,
        "period_start": start,
        "period_end": end,
        "explanation": explanation,
        "cause": "e1",
    }


def german_invoice() -> dict[str, Any]:
    """DE seller to a DE business, 19 %: a plan term with its period, a one-off without, and a negative credit
    line (credit_as: negative_line). 29.00 + 2 x 5.00 - 8.80 = 30.20; 19 % of 30.20 = 5.738 -> 5.74; 35.94."""
    return {
        "type": "invoice",
        "kind": "monthly",
        "number": "acme-20240301-monthly",
        "account": "acme",
        "date": "2024-03-01",
        "currency": "EUR",
        "lines": [
            line("plan", "Team plan (monthly)", "1", "29.00", "29.00", "19.00", period=("2024-03-01", "2024-03-31")),
            line("sms", "SMS credit", "2", "5.00", "10.00", "19.00", kind="one_off"),
            line(
                "site:blog",
                "Credit: Website blog (monthly), unused part",
                "1",
                "-8.80",
                "-8.80",
                "19.00",
                kind="credit",
                period=("2024-03-11", "2024-03-31"),
                explanation="13.00 x 21/31 days unused = 8.80, rounded down",
            ),
        ],
        "net": "30.20",
        "vat": [{"rate": "19.00", "base": "30.20", "amount": "5.74"}],
        "gross": "35.94",
        "subtotal": "39.00",
        "discounts": "0.00",
        "credits": "8.80",
        "amount_due": "35.94",
        "due_date": "2024-03-15",
        "seller": copy.deepcopy(SELLER_DE),
        "customer": {
            "id": "acme",
            "name": "Acme Maschinenbau AG",
            "address": {"lines": ["Marktplatz 5"], "postcode": "80331", "city": "München", "country": "DE"},
            "vat_id": "DE811907980",
            "email": "buchhaltung@acme.example",
        },
        "notes": [],
    }


REVERSE_CHARGE_NOTE = "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)."


def reverse_charge_invoice() -> dict[str, Any]:
    """DE seller to a Czech business with a CZ VAT ID: 0 %, the reverse-charge note (billingcore.tax)."""
    doc = german_invoice()
    doc.update(
        number="prag-sro-20210301-regular",
        account="prag-sro",
        date="2021-03-01",
        lines=[
            line(
                "plan",
                "Cloud Starter plan (monthly)",
                "1",
                "29.00",
                "29.00",
                "0",
                period=("2021-03-01", "2021-03-31"),
            )
        ],
        net="29.00",
        vat=[{"rate": "0", "base": "29.00", "amount": "0.00"}],
        gross="29.00",
        subtotal="29.00",
        credits="0.00",
        amount_due="29.00",
        due_date="2021-03-15",
        customer={
            "id": "prag-sro",
            "name": "Praha Cloud s.r.o.",
            "address": {"lines": ["Václavské náměstí 1"], "postcode": "110 00", "city": "Praha", "country": "CZ"},
            "vat_id": "CZ27082440",
            "email": None,
        },
        notes=[REVERSE_CHARGE_NOTE],
    )
    return doc


def credit_note() -> dict[str, Any]:
    """billingcore's credit note carries negative amounts: the unused part of a plan (-19.65) and a charge that
    nets with it (+5.00). net -14.65; 19 % of -14.65 = -2.7835 -> -2.78; gross -17.43."""
    doc = german_invoice()
    doc.update(
        type="credit_note",
        kind="interim",
        number="acme-credit-e2",
        date="2024-03-11",
        lines=[
            line(
                "plan",
                "Credit: Team plan (monthly), unused part",
                "1",
                "-19.65",
                "-19.65",
                "19.00",
                kind="credit",
                period=("2024-03-11", "2024-03-31"),
            ),
            line("setup", "Set-up fee", "1", "5.00", "5.00", "19.00", kind="one_off"),
        ],
        net="-14.65",
        vat=[{"rate": "19.00", "base": "-14.65", "amount": "-2.78"}],
        gross="-17.43",
        subtotal="5.00",
        credits="19.65",
        amount_due="0.00",
        due_date=None,
    )
    return doc


def parsed(xml: bytes) -> ET.Element:
    return ET.fromstring(xml)


def at(root: ET.Element, path: str) -> str:
    found = root.findall(path, NS)
    assert len(found) == 1, f"{path}: {len(found)} elements"
    return found[0].text or ""


def all_at(root: ET.Element, path: str) -> list[str]:
    return [e.text or "" for e in root.findall(path, NS)]


# -- the German B2B invoice: values at their CII XPaths


def test_a_german_b2b_invoice_fills_the_en16931_terms_at_their_cii_paths() -> None:
    root = parsed(cii_xml(german_invoice()))
    ctx = "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
    assert at(root, ctx) == "urn:cen.eu:en16931:2017"  # BT-24
    assert at(root, "rsm:ExchangedDocument/ram:ID") == "acme-20240301-monthly"  # BT-1
    assert at(root, "rsm:ExchangedDocument/ram:TypeCode") == "380"  # BT-3
    assert at(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") == "20240301"  # BT-2
    assert at(root, f"{SETTLEMENT}/ram:InvoiceCurrencyCode") == "EUR"  # BT-5
    due = f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"
    assert at(root, due) == "20240315"  # BT-9
    # seller BG-4: name, address (three lines at most), e-mail, tax number (FC) and VAT ID (VA)
    assert at(root, f"{SELLER}/ram:Name") == "Beispiel Software GmbH"
    assert at(root, f"{SELLER}/ram:PostalTradeAddress/ram:LineOne") == "Hauptstraße 1"
    assert at(root, f"{SELLER}/ram:PostalTradeAddress/ram:LineTwo") == "Hinterhaus"
    assert at(root, f"{SELLER}/ram:PostalTradeAddress/ram:PostcodeCode") == "10115"
    assert at(root, f"{SELLER}/ram:PostalTradeAddress/ram:CityName") == "Berlin"
    assert at(root, f"{SELLER}/ram:PostalTradeAddress/ram:CountryID") == "DE"
    assert at(root, f"{SELLER}/ram:URIUniversalCommunication/ram:URIID[@schemeID='EM']") == "rechnung@beispiel.example"
    assert at(root, f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == "DE123456789"
    assert at(root, f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']") == "12/345/67890"
    # buyer BG-7: the account id as BT-46, name, address, VAT ID
    assert at(root, f"{BUYER}/ram:ID") == "acme"
    assert at(root, f"{BUYER}/ram:Name") == "Acme Maschinenbau AG"
    assert at(root, f"{BUYER}/ram:PostalTradeAddress/ram:CityName") == "München"
    assert at(root, f"{BUYER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == "DE811907980"
    # BG-16: SEPA credit transfer to the seller's IBAN
    means = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
    assert at(root, f"{means}/ram:TypeCode") == "58"
    assert at(root, f"{means}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == "DE89370400440532013000"
    assert at(root, f"{means}/ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID") == "COBADEFFXXX"
    # BG-23 and BG-22
    assert at(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CategoryCode") == "S"
    assert at(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:RateApplicablePercent") == "19.00"
    assert at(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:BasisAmount") == "30.20"
    assert at(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CalculatedAmount") == "5.74"
    assert at(root, f"{TOTALS}/ram:LineTotalAmount") == "30.20"
    assert at(root, f"{TOTALS}/ram:TaxBasisTotalAmount") == "30.20"
    assert at(root, f"{TOTALS}/ram:TaxTotalAmount[@currencyID='EUR']") == "5.74"
    assert at(root, f"{TOTALS}/ram:GrandTotalAmount") == "35.94"
    assert at(root, f"{TOTALS}/ram:DuePayableAmount") == "35.94"
    assert all_at(root, f"{TOTALS}/ram:TotalPrepaidAmount") == []


def test_lines_carry_id_name_quantity_price_amount_vat_and_period() -> None:
    root = parsed(cii_xml(german_invoice()))
    assert all_at(root, f"{LINES}/ram:AssociatedDocumentLineDocument/ram:LineID") == ["1", "2", "3"]
    assert all_at(root, f"{LINES}/ram:SpecifiedTradeProduct/ram:SellerAssignedID") == ["plan", "sms", "site:blog"]
    assert all_at(root, f"{LINES}/ram:SpecifiedTradeProduct/ram:Name") == [
        "Team plan (monthly)",
        "SMS credit",
        "Credit: Website blog (monthly), unused part",
    ]
    # the credit line: the price stays positive (BR-27), quantity and line amount carry the sign
    assert all_at(root, f"{LINES}/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity") == ["1", "2", "-1"]
    units = {e.get("unitCode") for e in root.findall(f"{LINES}/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", NS)}
    assert units == {"C62"}
    net_price = f"{LINES}/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount"
    assert all_at(root, net_price) == ["29.00", "5.00", "8.80"]
    settlement = f"{LINES}/ram:SpecifiedLineTradeSettlement"
    amounts = f"{settlement}/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
    assert all_at(root, amounts) == ["29.00", "10.00", "-8.80"]
    assert all_at(root, f"{settlement}/ram:ApplicableTradeTax/ram:CategoryCode") == ["S", "S", "S"]
    assert all_at(root, f"{settlement}/ram:ApplicableTradeTax/ram:RateApplicablePercent") == ["19.00"] * 3
    period = f"{settlement}/ram:BillingSpecifiedPeriod"
    assert all_at(root, f"{period}/ram:StartDateTime/udt:DateTimeString") == ["20240301", "20240311"]
    assert all_at(root, f"{period}/ram:EndDateTime/udt:DateTimeString") == ["20240331", "20240331"]
    notes = all_at(root, f"{LINES}/ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content")
    assert notes[2] == "13.00 x 21/31 days unused = 8.80, rounded down"  # BT-127: how the amount came about


def test_the_legal_number_is_the_invoice_number_when_bound() -> None:
    doc = german_invoice() | {"legal_number": "RE-2024-000123"}
    assert at(parsed(cii_xml(doc)), "rsm:ExchangedDocument/ram:ID") == "RE-2024-000123"


def test_a_buyer_reference_in_the_customer_block_is_bt_10() -> None:
    doc = german_invoice()
    doc["customer"]["buyer_reference"] = "04011000-12345-03"  # a Leitweg-ID for XRechnung
    path = f"{TX}/ram:ApplicableHeaderTradeAgreement/ram:BuyerReference"
    assert at(parsed(cii_xml(doc)), path) == "04011000-12345-03"
    assert all_at(parsed(cii_xml(german_invoice())), path) == []


def test_without_an_iban_there_is_no_payment_instruction() -> None:
    doc = german_invoice()
    doc["seller"]["iban"] = None
    assert all_at(parsed(cii_xml(doc)), f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == []


# -- reverse charge, not subject to VAT, credit notes, settlements


def test_reverse_charge_is_category_ae_with_its_exemption_reason() -> None:
    root = parsed(cii_xml(reverse_charge_invoice()))
    tax = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert at(root, f"{tax}/ram:CategoryCode") == "AE"
    assert at(root, f"{tax}/ram:RateApplicablePercent") == "0"
    assert at(root, f"{tax}/ram:BasisAmount") == "29.00"
    assert at(root, f"{tax}/ram:CalculatedAmount") == "0.00"
    assert at(root, f"{tax}/ram:ExemptionReasonCode") == "VATEX-EU-AE"
    assert at(root, f"{tax}/ram:ExemptionReason") == REVERSE_CHARGE_NOTE
    assert at(root, f"{LINES}/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode") == "AE"
    assert at(root, f"{BUYER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == "CZ27082440"
    assert at(root, "rsm:ExchangedDocument/ram:IncludedNote/ram:Content") == REVERSE_CHARGE_NOTE  # BT-22
    assert at(root, f"{TOTALS}/ram:GrandTotalAmount") == "29.00"


def test_reverse_charge_needs_the_sellers_vat_id_not_only_a_tax_number() -> None:
    doc = reverse_charge_invoice()
    doc["seller"]["vat_id"] = None
    with pytest.raises(EInvoiceError) as info:
        cii_xml(doc)
    assert [(str(d.location), d.code) for d in info.value.diagnostics] == [("seller.vat_id", "einvoice-missing")]
    assert "BT-31 Seller VAT identifier is missing; EN 16931 requires it (BR-AE-2" in info.value.diagnostics[0].message


def not_subject_invoice() -> dict[str, Any]:
    """A US customer (rules/vat.yaml: 0 %, no reverse charge): VAT category O."""
    doc = reverse_charge_invoice()
    doc["customer"]["address"]["country"] = "US"
    doc["customer"]["vat_id"] = "12-3456789"
    doc["seller"]["legal_registration"] = "HRB 123456 B"  # BT-30: identifies the seller without its VAT ID
    doc["notes"] = []
    return doc


def test_zero_rate_without_reverse_charge_is_not_subject_to_vat_without_vat_ids() -> None:
    root = parsed(cii_xml(not_subject_invoice()))
    tax = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert at(root, f"{tax}/ram:CategoryCode") == "O"
    assert at(root, f"{tax}/ram:ExemptionReasonCode") == "VATEX-EU-O"
    assert at(root, f"{tax}/ram:ExemptionReason") == "Not subject to VAT"
    line_tax = f"{LINES}/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"
    assert at(root, f"{line_tax}/ram:CategoryCode") == "O"
    assert all_at(root, f"{line_tax}/ram:RateApplicablePercent") == []  # BR-O-5
    # BR-O-2: neither VAT ID; the seller is identified by its legal registration (BR-CO-26)
    assert all_at(root, f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == []
    assert all_at(root, f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']") == ["12/345/67890"]
    assert at(root, f"{SELLER}/ram:SpecifiedLegalOrganization/ram:ID") == "HRB 123456 B"
    assert all_at(root, f"{BUYER}/ram:SpecifiedTaxRegistration/ram:ID") == []


def test_not_subject_to_vat_needs_the_sellers_legal_registration() -> None:
    doc = not_subject_invoice()
    doc["seller"]["legal_registration"] = None
    assert headlines(doc) == [
        "seller.legal_registration: document prag-sro-20210301-regular: BT-30 Seller legal registration "
        "identifier is missing; EN 16931 requires it (BR-CO-26: BR-O-2 leaves the VAT ID out beside VAT category "
        "O) [einvoice-missing]"
    ]


def test_a_tax_number_alone_does_not_identify_the_seller() -> None:
    doc = german_invoice()
    doc["seller"]["vat_id"] = None
    assert headlines(doc) == [
        "seller.vat_id: document acme-20240301-monthly: BT-31 Seller VAT identifier (or BT-30 Seller legal "
        "registration identifier, seller.legal_registration) is missing; EN 16931 requires it (BR-CO-26) "
        "[einvoice-missing]"
    ]
    doc["seller"]["legal_registration"] = "HRB 123456 B"
    assert at(parsed(cii_xml(doc)), f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID") == "12/345/67890"


def test_a_credit_note_is_type_381_with_its_amounts_positive() -> None:
    root = parsed(cii_xml(credit_note()))
    assert at(root, "rsm:ExchangedDocument/ram:TypeCode") == "381"
    amounts = f"{LINES}/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation"
    assert all_at(root, f"{amounts}/ram:LineTotalAmount") == ["19.65", "-5.00"]  # the charge it nets against
    assert all_at(root, f"{LINES}/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity") == ["1", "-1"]
    price = f"{LINES}/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount"
    assert all_at(root, price) == ["19.65", "5.00"]
    assert at(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:BasisAmount") == "14.65"
    assert at(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CalculatedAmount") == "2.78"
    assert at(root, f"{TOTALS}/ram:LineTotalAmount") == "14.65"
    assert at(root, f"{TOTALS}/ram:TaxTotalAmount") == "2.78"
    assert at(root, f"{TOTALS}/ram:GrandTotalAmount") == "17.43"
    assert at(root, f"{TOTALS}/ram:DuePayableAmount") == "17.43"  # what it credits (BR-CO-16)
    # a credit note asks for no payment and has no due date
    assert all_at(root, f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == []
    assert all_at(root, f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString") == []


def test_a_settlements_two_vat_entries_at_one_rate_are_one_breakdown() -> None:
    doc = settlement()
    root = parsed(cii_xml(doc))
    assert all_at(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:BasisAmount") == ["0.00"]
    assert all_at(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CalculatedAmount") == ["0.00"]
    assert at(root, f"{TOTALS}/ram:DuePayableAmount") == "0.00"


def test_an_amount_due_below_the_gross_is_the_rest_after_the_prepaid_amount() -> None:
    doc = german_invoice() | {"amount_due": "30.00"}
    root = parsed(cii_xml(doc))
    assert at(root, f"{TOTALS}/ram:TotalPrepaidAmount") == "5.94"
    assert at(root, f"{TOTALS}/ram:DuePayableAmount") == "30.00"


# -- validation: the XSD, the Schematron, and EN 16931's arithmetic worked out here


def settlement() -> dict[str, Any]:
    """A WEDOS settlement: services + VAT, less the prepaid credit that paid them: total 0."""
    doc = german_invoice()
    doc.update(
        kind="settlement",
        lines=[
            line("hosting", "Hosting (monthly)", "1", "100.00", "100.00", "19.00"),
            line("credit", "Paid from prepaid credit", "1", "-100.00", "-100.00", "19.00", kind="credit_deduction"),
        ],
        net="0.00",
        vat=[
            {"rate": "19.00", "base": "100.00", "amount": "19.00"},
            {"rate": "19.00", "base": "-100.00", "amount": "-19.00"},
        ],
        gross="0.00",
        amount_due="0.00",
    )
    return doc


def rounded_line_invoice() -> dict[str, Any]:
    """A line whose amount is its quantity times its price rounded (1.5 x 0.99 = 1.485 -> 1.49), and an amount
    due below the gross (5.00 paid before): 29.00 + 1.49 - 8.80 = 21.69; 19 % = 4.1211 -> 4.12; 25.81."""
    doc = german_invoice()
    doc["lines"][1].update(quantity="1.5", unit_price="0.99", amount="1.49")
    doc.update(
        net="21.69", vat=[{"rate": "19.00", "base": "21.69", "amount": "4.12"}], gross="25.81", amount_due="20.81"
    )
    return doc


def examples() -> dict[str, dict[str, Any]]:
    return {
        "invoice": german_invoice(),
        "reverse charge": reverse_charge_invoice(),
        "credit note": credit_note(),
        "not subject": not_subject_invoice(),
        "settlement": settlement(),
        "rounded line": rounded_line_invoice(),
    }


EXAMPLES = list(examples())


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_xml_validates_against_the_en16931_xsd_drafthorse_ships(name: str) -> None:
    import drafthorse
    from lxml import etree

    xsd = Path(drafthorse.__file__).parent / "schema" / "Factur-X_1.0.07_EN16931.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    xml = etree.fromstring(cii_xml(examples()[name]))
    assert schema.validate(xml), schema.error_log
    xml.find(f"{{{NS['rsm']}}}ExchangedDocument").append(etree.Element(f"{{{NS['ram']}}}Nonsense"))
    assert not schema.validate(xml)  # the check can fail


@functools.cache
def _schematron() -> Any:
    """The Factur-X EN 16931 Schematron (the compiled XSLT that the factur-x package ships), compiled once by
    Saxon-HE: EN 16931's business rules, which the XSD does not check."""
    import facturx
    from saxonche import PySaxonProcessor

    xslt = Path(facturx.__file__).parent / "xsd_and_schematron" / "facturx-en16931" / "FACTUR-X_EN16931.xslt"
    saxon = PySaxonProcessor(license=False)
    return saxon, saxon.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(xslt))


def schematron_failures(xml: bytes) -> list[tuple[str, str]]:
    """(rule id, flag) of every failed assertion of the EN 16931 Schematron."""
    saxon, stylesheet = _schematron()
    report = stylesheet.transform_to_string(xdm_node=saxon.parse_xml(xml_text=xml.decode()))
    svrl = "{http://purl.oclc.org/dsdl/svrl}"
    failed = ET.fromstring(report.encode()).iter(f"{svrl}failed-assert")
    return sorted((f.get("id") or "", f.get("flag") or "fatal") for f in failed)


# PEPPOL-EN16931-R008 warns of empty elements: CII requires ApplicableHeaderTradeDelivery, and billingcore has
# no delivery information (BG-13) to put in it. A warning, not an error (docs/einvoice.md "Validation").
EMPTY_DELIVERY = ("PEPPOL-EN16931-R008", "warning")


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_xml_passes_the_en16931_schematron(name: str) -> None:
    assert schematron_failures(cii_xml(examples()[name])) == [EMPTY_DELIVERY]


def test_the_schematron_check_can_fail() -> None:
    xml = cii_xml(german_invoice()).replace(b"<ram:BasisAmount>30.20<", b"<ram:BasisAmount>30.21<")
    assert schematron_failures(xml) == [("BR-S-08", "fatal"), EMPTY_DELIVERY]  # the base is not its lines' sum


def money(text: str) -> Decimal:
    return Decimal(text)


def expected_totals(doc: dict[str, Any]) -> dict[str, Decimal]:
    """EN 16931's totals worked out from the JSON alone, with a credit note's signs turned (type 381)."""
    sign = Decimal(-1) if doc["type"] == "credit_note" else Decimal(1)
    lines = sum((money(li["amount"]) for li in doc["lines"]), Decimal(0)) * sign
    tax = sum((money(v["amount"]) for v in doc["vat"]), Decimal(0)) * sign
    return {"lines": lines, "tax": tax, "grand": lines + tax}


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_arithmetic_business_rules_hold(name: str) -> None:
    doc = examples()[name]
    root = parsed(cii_xml(doc))
    want = expected_totals(doc)

    def amount(path: str) -> Decimal:
        return money(at(root, path))

    line_amounts = [
        money(t)
        for t in all_at(root, f"{LINES}//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")
    ]
    # BR-CO-10: the sum of the line net amounts is BT-106 (and is what the JSON's lines add up to)
    assert sum(line_amounts, Decimal(0)) == amount(f"{TOTALS}/ram:LineTotalAmount") == want["lines"]
    # BR-CO-13: BT-109 = BT-106 (no document-level allowances or charges)
    assert amount(f"{TOTALS}/ram:TaxBasisTotalAmount") == amount(f"{TOTALS}/ram:LineTotalAmount")
    # BR-CO-14: BT-110 is the sum of the breakdown's tax amounts
    breakdown = root.findall(f"{SETTLEMENT}/ram:ApplicableTradeTax", NS)
    tax_amounts = [money(b.findtext("ram:CalculatedAmount", "", NS)) for b in breakdown]
    assert amount(f"{TOTALS}/ram:TaxTotalAmount") == sum(tax_amounts, Decimal(0)) == want["tax"]
    # BR-CO-15: BT-112 = BT-109 + BT-110
    grand = amount(f"{TOTALS}/ram:GrandTotalAmount")
    assert grand == amount(f"{TOTALS}/ram:TaxBasisTotalAmount") + amount(f"{TOTALS}/ram:TaxTotalAmount")
    assert grand == want["grand"]
    # BR-CO-16: BT-115 = BT-112 - BT-113
    prepaid = sum((money(t) for t in all_at(root, f"{TOTALS}/ram:TotalPrepaidAmount")), Decimal(0))
    assert amount(f"{TOTALS}/ram:DuePayableAmount") == grand - prepaid
    # BR-S-8 / BR-AE-8: each category and rate's taxable amount is the sum of its lines; BR-S-9: its tax is
    # the rate applied to it, rounded to the cent
    line_tax = f"{LINES}/ram:SpecifiedLineTradeSettlement"
    for b in breakdown:
        category, rate = b.findtext("ram:CategoryCode", "", NS), money(b.findtext("ram:RateApplicablePercent", "", NS))
        of_lines = [
            money(s.findtext("ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", "", NS))
            for s in root.findall(line_tax, NS)
            if s.findtext("ram:ApplicableTradeTax/ram:CategoryCode", "", NS) == category
            and money(s.findtext("ram:ApplicableTradeTax/ram:RateApplicablePercent", "0", NS)) == rate  # O: none
        ]
        base = money(b.findtext("ram:BasisAmount", "", NS))
        assert base == sum(of_lines, Decimal(0))
        tax = (base * rate / 100).quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)
        assert money(b.findtext("ram:CalculatedAmount", "", NS)) == tax


def test_the_output_is_byte_identical_whatever_the_callers_decimal_context() -> None:
    plain = cii_xml(credit_note())
    with decimal.localcontext(decimal.Context(prec=3, rounding=decimal.ROUND_FLOOR, traps=[decimal.Inexact])):
        assert cii_xml(credit_note()) == plain
    assert plain.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<rsm:CrossIndustryInvoice")


# -- refusals: every missing term at once, in billingcore's own exception


def headlines(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(EInvoiceError) as info:
        cii_xml(doc)
    return [f"{d.headline()} [{d.code}]" for d in info.value.diagnostics]


def test_a_document_without_seller_lists_every_missing_business_term() -> None:
    doc = german_invoice() | {"seller": None}
    n = "document acme-20240301-monthly"
    assert headlines(doc) == [
        f"seller.address.country: {n}: BT-40 Seller country code is missing; EN 16931 requires it (BR-9) "
        "[einvoice-missing]",
        f"seller.name: {n}: BT-27 Seller name is missing; EN 16931 requires it (BR-6) [einvoice-missing]",
        f"seller.vat_id: {n}: BT-31 Seller VAT identifier (or BT-32 Seller tax registration identifier, "
        "seller.tax_number) is missing; EN 16931 requires it (BR-S-2: VAT charged) [einvoice-missing]",
    ]


def test_todays_document_json_without_the_invoice_fields_is_refused_not_a_key_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The stable JSON as billing gives it before the invoice fields (seller, customer, due_date) exist."""
    monkeypatch.chdir(ROOT)
    doc = run_scenario(load_scenario("tests/scenarios/vat/reverse-charge-credit-note.yaml")).actual["documents"][0]
    for key in ("seller", "customer", "due_date", "amount_due"):
        doc.pop(key, None)
    n = "document prag-sro-20210301-regular"
    assert headlines(doc) == [
        f"customer.address.country: {n}: BT-55 Buyer country code is missing; EN 16931 requires it (BR-11) "
        "[einvoice-missing]",
        f"customer.name: {n}: BT-44 Buyer name is missing; EN 16931 requires it (BR-7) [einvoice-missing]",
        f"due_date: {n}: BT-9 Payment due date is missing; EN 16931 requires it (BR-CO-25: an amount is due) "
        "[einvoice-missing]",
        f"seller.address.country: {n}: BT-40 Seller country code is missing; EN 16931 requires it (BR-9) "
        "[einvoice-missing]",
        f"seller.name: {n}: BT-27 Seller name is missing; EN 16931 requires it (BR-6) [einvoice-missing]",
        f"seller.vat_id: {n}: BT-31 Seller VAT identifier (or BT-30 Seller legal registration identifier, "
        "seller.legal_registration) is missing; EN 16931 requires it (BR-CO-26) [einvoice-missing]",
    ]


def test_malformed_values_and_totals_that_do_not_add_up_are_located() -> None:
    doc = german_invoice()
    doc["lines"][1]["amount"] = 10.0  # a float: not billingcore's JSON
    doc["lines"][0]["period_end"] = "2024-02-30"
    doc["gross"] = "35.95"
    doc["customer"]["name"] = "  "
    n = "document acme-20240301-monthly"
    assert headlines(doc) == [
        f"customer.name: {n}: BT-44 Buyer name is missing; EN 16931 requires it (BR-7) [einvoice-missing]",
        f"gross: {n}: states 35.95, but BT-112 net + VAT is 25.94: the e-invoice's totals would not add up "
        "[einvoice-invalid]",
        f"lines[0].period_end: {n}: expected a date YYYY-MM-DD, got '2024-02-30' [einvoice-invalid]",
        f'lines[1].amount: {n}: BT-131 Invoice line net amount: expected a decimal string like "13.00", got 10.0 '
        "[einvoice-invalid]",
        f"net: {n}: states 30.20, but BT-106 the sum of the line amounts is 20.20: the e-invoice's totals would "
        "not add up [einvoice-invalid]",
        f"vat: {n}: states 30.20, but BT-116 the sum of the lines at 19.00 % is 20.20: the e-invoice's totals "
        "would not add up [einvoice-invalid]",
    ]


def test_the_terms_are_read_without_drafthorse() -> None:
    terms = invoice_terms(credit_note())
    assert (terms.type_code, terms.line_total, terms.tax_total, terms.grand_total, terms.due_amount) == (
        "381",
        Decimal("14.65"),
        Decimal("2.78"),
        Decimal("17.43"),
        Decimal("17.43"),
    )
    assert [(b.category, b.rate, b.base, b.amount) for b in terms.vat] == [
        ("S", Decimal("19.00"), Decimal("14.65"), Decimal("2.78"))
    ]


# -- billingcore einvoice


def test_the_command_writes_one_xml_per_document_named_by_its_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "documents.json"
    legal = reverse_charge_invoice() | {"legal_number": "RE/2021/0001"}
    source.write_text(json.dumps({"documents": [german_invoice(), legal, credit_note()]}))
    out = tmp_path / "xml"
    assert main(["einvoice", str(source), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "RE_2021_0001.xml",
        "acme-20240301-monthly.xml",
        "acme-credit-e2.xml",
    ]
    assert (out / "acme-credit-e2.xml").read_bytes() == cii_xml(credit_note())
    assert capsys.readouterr().out.splitlines()[-1] == f"3 e-invoices (EN 16931, CII XML) written to {out}"


def test_the_command_refuses_a_scenario_whose_documents_lack_terms_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The billwerk demo catalog names its seller, but this scenario's account has no name (BT-44)."""
    monkeypatch.chdir(ROOT)
    out = tmp_path / "xml"
    assert main(["einvoice", "tests/scenarios/vat/reverse-charge-credit-note.yaml", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "documents[0].customer.name: document prag-sro-20210301-regular: BT-44 Buyer name is missing; EN 16931 "
        "requires it (BR-7) [einvoice-missing]\n"
        "  hint: the customer's details come from the account; a host writing the JSON itself adds the "
        "`customer` block (docs/einvoice.md)\n"
    )
    assert err.count("[einvoice-missing]") == 4  # one term, each of the four documents
    assert err.endswith("4 errors\n")
    assert not out.exists()  # nothing written when any document fails


def test_a_billed_german_b2b_scenario_becomes_valid_e_invoices_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No hand-built JSON: the seller from plans/billwerk-demo.yaml, the customer from the scenario's account,
    the due date from its payment terms, the totals from the engine; every XML passes the XSD and the
    Schematron, and says what the document's JSON says."""
    monkeypatch.chdir(ROOT)
    scenario = "tests/scenarios/invoicing/german-b2b-invoice-fields.yaml"
    documents = {d["number"]: d for d in run_scenario(load_scenario(scenario)).actual["documents"]}
    assert main(["einvoice", scenario, "-o", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(f"{number}.xml" for number in documents)
    for number, doc in documents.items():
        xml = (tmp_path / f"{number}.xml").read_bytes()
        assert schematron_failures(xml) == [EMPTY_DELIVERY]
        root = parsed(xml)
        assert at(root, "rsm:ExchangedDocument/ram:TypeCode") == ("380" if doc["type"] == "invoice" else "381")
        assert at(root, f"{TOTALS}/ram:GrandTotalAmount") == doc["gross"].lstrip("-")
        assert at(root, f"{SELLER}/ram:Name") == "Beispiel Cloud GmbH"
        assert at(root, f"{SELLER}/ram:SpecifiedLegalOrganization/ram:ID") == "HRB 123456 B, Amtsgericht Charlottenburg"
        assert at(root, f"{BUYER}/ram:Name") == "Beispielkunde AG"
        assert at(root, f"{TX}/ram:ApplicableHeaderTradeAgreement/ram:BuyerReference") == "PO-2021-0042"
    first = parsed((tmp_path / "b2b-fields-20210301-regular.xml").read_bytes())
    due = f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"
    assert at(first, due) == "20210315"  # 14 days' payment terms
    assert at(first, f"{TOTALS}/ram:DuePayableAmount") == "58.31"
    means = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount/ram:IBANID"
    assert at(first, means) == "DE09123456780001234567"  # the plan file's grouping dropped
    assert capsys.readouterr().out.endswith("4 e-invoices (EN 16931, CII XML) written to " + str(tmp_path) + "\n")


def test_the_command_locates_a_json_file_that_is_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "documents.json"
    source.write_text('{"documents": [\n  {"type": "invoice",,}\n]}\n')
    assert main(["einvoice", str(source), "-o", str(tmp_path / "xml")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{source}:2:22: not JSON: Expecting property name enclosed in double quotes")
    assert '  2 |   {"type": "invoice",,}\n' in err


def test_docs_list_every_error_code_and_the_terms_the_errors_name() -> None:
    docs = (ROOT / "docs" / "einvoice.md").read_text()
    source = (ROOT / "src" / "billingcore" / "render" / "einvoice.py").read_text()
    codes = set(re.findall(r'"(einvoice-[a-z]+)"', source))
    assert codes == {"einvoice-missing", "einvoice-invalid", "einvoice-schema", "einvoice-unavailable"}
    assert sorted(c for c in codes if f"`{c}`" not in docs) == []
    terms = set(re.findall(r'"(BT-\d+) ', source))  # the terms a refusal names
    table = docs.split("## Business terms")[1].split("### Signs")[0]
    assert sorted(t for t in terms if not re.search(rf"\b{t}\b", table)) == []


def test_a_character_xml_cannot_carry_is_located_not_a_schema_error() -> None:
    doc = german_invoice()
    doc["customer"]["name"] = "Acme\x1b[31m AG"
    doc["lines"][0]["description"] = "Team plan\x00"
    n = "document acme-20240301-monthly"
    assert headlines(doc) == [
        f"customer.name: {n}: holds a character XML cannot carry: 'Acme\\x1b[31m AG' [einvoice-invalid]",
        f"lines[0].description: {n}: holds a character XML cannot carry: 'Team plan\\x00' [einvoice-invalid]",
    ]


def test_without_drafthorse_the_error_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "drafthorse.models.document", None)  # import fails as if not installed
    with pytest.raises(EInvoiceError) as info:
        cii_xml(german_invoice())
    assert info.value.render() == (
        "e-invoices need drafthorse, which is not installed [einvoice-unavailable]\n"
        "  hint: pip install 'billingcore[einvoice]'"
    )
    assert invoice_terms(german_invoice()).grand_total == Decimal("35.94")  # reading needs no drafthorse


def test_the_command_refuses_files_without_documents_and_unwritable_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "documents.json"
    source.write_text('{"documents": "none"}')
    assert main(["einvoice", str(source), "-o", str(tmp_path / "xml")]) == 1
    assert capsys.readouterr().err.startswith(f"{source}:1:1: holds no documents [not-documents]\n")
    source.write_bytes(b'{"documents": ["\xff"]}')
    assert main(["einvoice", str(source), "-o", str(tmp_path / "xml")]) == 1
    assert capsys.readouterr().err.startswith(f"{source}:1:1: not UTF-8 text: invalid start byte [encoding]\n")
    source.write_text(json.dumps([german_invoice()]))
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert main(["einvoice", str(source), "-o", str(blocked / "xml")]) == 1
    assert capsys.readouterr().err == f"billingcore einvoice: Not a directory: {blocked / 'xml'}\n"


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    return [path] + [p for key, child in children for p in _paths(child, (*path, key))]


def test_any_value_of_the_wrong_kind_anywhere_ends_in_a_located_error_or_an_xml() -> None:
    """Seeded: 1 to 3 values of a document replaced by values of other kinds; only EInvoiceError may come out."""
    rng = random.Random(14)
    odd: list[Any] = [None, 1, 1.5, True, [], {}, "", "x", "-1", "NaN", "1E+3", "2024-13-01", ["a"], [None], {"a": 1}]
    outcomes = {"xml": 0, "refused": 0}
    for _ in range(600):
        doc = rng.choice(list(examples().values()))
        for _ in range(rng.randint(1, 3)):
            *parents, last = rng.choice(_paths(doc)[1:])
            node = doc
            for key in parents:
                node = node[key]
            if isinstance(node, (dict, list)):
                node[last] = rng.choice(odd)
        try:
            xml = cii_xml(doc)
        except EInvoiceError as exc:
            codes = {d.code for d in exc.diagnostics}
        else:
            codes = {"xml"} if xml.startswith(b"<?xml") else set()
        outcome = "xml" if codes == {"xml"} else "refused" if codes and all("einvoice-" in c for c in codes) else ""
        assert outcome, codes
        outcomes[outcome] += 1
    assert outcomes["xml"] > 50
    assert outcomes["refused"] > 300


def with_invoice_fields(scenario: Any, doc: dict[str, Any]) -> dict[str, Any]:
    """A billed document with the invoice fields as the contract describes them: the seller in the catalog's
    seller country, the customer as the scenario's account, 14 days to pay."""
    country = scenario.library.catalogs[scenario.catalog].seller_country
    seller = SELLER_DE | {"address": SELLER_DE["address"] | {"country": country}, "vat_id": f"{country}123456789"}
    account = scenario.account
    customer = {
        "id": account.id,
        "name": f"Customer {account.id}",
        "address": {"lines": [], "postcode": None, "city": None, "country": account.country},
        "vat_id": account.vat_id,
        "email": None,
    }
    due = (date.fromisoformat(doc["date"]) + timedelta(days=14)).isoformat() if doc["type"] == "invoice" else None
    amount_due = doc["gross"] if doc["type"] == "invoice" else "0.00"
    return doc | {
        "seller": seller | {"legal_registration": "HRB 123456 B"},
        "customer": customer,
        "due_date": due,
        "amount_due": amount_due,
    }


def test_every_document_of_the_golden_scenarios_passes_the_en16931_schematron(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every document the golden scenarios bill (invoices, credit notes, negative lines, settlements, reverse
    charge, US customers at 0 %, rounded and discounted lines), with the invoice fields added: about 450."""
    monkeypatch.chdir(ROOT)
    files, _ = find_scenarios(["tests/scenarios"])
    failures: dict[str, list[tuple[str, str]]] = {}
    categories: set[str] = set()
    exported = 0
    for path in files:
        scenario = load_scenario(path)
        for doc in run_scenario(scenario).actual["documents"]:
            xml = cii_xml(with_invoice_fields(scenario, doc))
            exported += 1
            categories.update(all_at(parsed(xml), f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CategoryCode"))
            failed = schematron_failures(xml)
            if failed != [EMPTY_DELIVERY]:
                failures[f"{path} {doc['number']}"] = failed
    assert failures == {}
    assert categories == {"S", "AE", "O"}
    assert exported > 400


def test_the_cores_reverse_charge_decides_ae_by_date_for_a_member_that_left(monkeypatch: pytest.MonkeyPatch) -> None:
    """A GB business was reverse-charged while the UK was in the EU VAT area (rules/vat.yaml eu_until): the
    document's `reverse_charge`, not a fixed list of members, makes its 0 % category AE (found in review)."""
    monkeypatch.chdir(ROOT)
    docs = run_scenario(load_scenario("tests/scenarios/vat/gb-b2b-brexit.yaml")).actual["documents"]
    assert [d["reverse_charge"] for d in docs] == [True, True, False]
    categories = []
    for doc in docs:
        doc["customer"]["name"] = "London Ltd"
        root = parsed(cii_xml(doc))
        categories.append(at(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CategoryCode"))
        if doc["reverse_charge"]:
            assert at(root, f"{BUYER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == "GB980780684"
    assert categories == ["AE", "AE", "S"]
    not_reversed = reverse_charge_invoice() | {"reverse_charge": False}
    not_reversed["seller"] = not_reversed["seller"] | {"legal_registration": "HRB 123456 B"}  # O: BR-CO-26
    assert at(parsed(cii_xml(not_reversed)), f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CategoryCode") == "O"


def test_a_country_or_currency_that_is_no_code_is_refused_though_the_xsd_takes_it() -> None:
    """EN 16931's code lists: ISO 3166 countries, ISO 4217 currencies (found in review: "Germany" and "EURO"
    passed the XSD)."""
    doc = german_invoice() | {"currency": "EURO"}
    doc["seller"]["address"]["country"] = "Germany"
    with pytest.raises(EInvoiceError) as info:
        cii_xml(doc)
    assert [(str(d.location), d.message, d.code) for d in info.value.diagnostics] == [
        ("currency", "document acme-20240301-monthly: BT-5 Invoice currency code: expected an ISO 4217 code: EUR, "
         "got 'EURO'", "einvoice-invalid"),
        ("seller.address.country", "document acme-20240301-monthly: BT-40 Seller country code: expected an ISO 3166 "
         "code: DE, got 'Germany'", "einvoice-invalid"),
    ]  # fmt: skip

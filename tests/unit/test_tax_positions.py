"""A tariff remembers tax positions by what they depend on - the customer's country and whether the customer
has a VAT ID - not by the VAT ID itself: a bill run over many business customers keeps a handful of entries
(issue 13: a million distinct VAT IDs once kept a million), and every customer still gets its own position."""

from __future__ import annotations

from datetime import date

from billingcore.catalog.loader import Library
from billingcore.catalog.model import Period
from billingcore.engine import Account, bill, prepare
from billingcore.events import BuyPlan
from vat_id_examples import VAT_IDS, french_vat_id


def test_many_vat_ids_share_one_remembered_position_per_country(library: Library) -> None:
    tariff = prepare(library, "billwerk-demo")  # a German seller
    day = date(2021, 3, 1)
    accounts = [Account(f"fr{i}", "billwerk-demo", "FR", vat_id=french_vat_id(i)) for i in range(50)]
    accounts += [Account("fr-consumer", "billwerk-demo", "FR")]
    accounts += [Account("de-business", "billwerk-demo", "DE", VAT_IDS["DE"])]
    buy = [BuyPlan("p", day, "cloud-starter", Period.MONTHLY)]
    docs = {a.id: bill(tariff, a, buy, day).documents[0] for a in accounts}
    assert len(tariff._positions) == 3  # (FR, VAT ID), (FR, none), (DE, VAT ID)
    # 29.00: French businesses under reverse charge (0 %, with the note), the French consumer at France's
    # 20 % (5.80), the German business at Germany's 19 % (5.51): each its own position
    assert {str(docs[f"fr{i}"].gross) for i in range(50)} == {"29.00"}
    assert docs["fr7"].notes == (
        "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC).",
    )
    assert (str(docs["fr-consumer"].gross), docs["fr-consumer"].notes) == ("34.80", ())
    assert (str(docs["de-business"].gross), docs["de-business"].notes) == ("34.51", ())


def test_a_member_that_left_is_reverse_charged_through_its_last_day_on_either_side() -> None:
    """The reverse charge needs seller and customer to be members on the document's date: the earlier of their
    `eu_until` days ends it, whichever side left (tax.tax_position, rules/vat.yaml GB)."""
    from billingcore.catalog.rules import CountryVat, TaxRules, VatRate, VatTable
    from billingcore.tax import rate_on, tax_position

    def country(rate: str, eu: bool, until: date | None = None) -> CountryVat:
        return CountryVat(name="x", eu=eu, rates=(VatRate(rate=rate, valid_from=date(2000, 1, 1)),), eu_until=until)

    table = VatTable(
        vat_rates={
            "DE": country("19", True),
            "GB": country("20", True, date(2020, 12, 31)),
            "XX": country("10", True, date(2019, 6, 30)),
            "US": country("0", False),
        }
    )
    rules = TaxRules()
    gb_business = tax_position(table, rules, "DE", "GB", "GB980780684")
    assert gb_business.reverse_until == date(2020, 12, 31)
    assert [gb_business.reversed_on(d) for d in (date(2020, 12, 31), date(2021, 1, 1))] == [True, False]
    assert [str(rate_on(table, gb_business, d)) for d in (date(2020, 12, 31), date(2021, 1, 1))] == ["0", "20"]
    # a British seller selling to a German business: the same day ends it
    assert tax_position(table, rules, "GB", "DE", "DE129273398").reverse_until == date(2020, 12, 31)
    # both left: the earlier day
    assert tax_position(table, rules, "XX", "GB", "GB980780684").reverse_until == date(2019, 6, 30)
    # members with no last day, and positions without a reverse charge, have none
    assert tax_position(table, rules, "DE", "DE", "DE129273398").reverse_until is None  # same country
    assert tax_position(table, rules, "DE", "GB", None).reverse_until is None  # a consumer
    assert tax_position(table, rules, "DE", "US", "US-1").reverse_charge is False

"""Price models reproduced to the cent from the vendors' own worked examples (docs/plans.md "Price models").

Stripe: docs.stripe.com/subscriptions/pricing-models/tiered-pricing, "Graduated pricing", "Volume-based
pricing" and "Add a flat rate"; docs.stripe.com/billing/subscriptions/usage-based/transform-quantities.
Lago: its documentation's charge models "Volume" and "Package" (guide/plans/charges/charge-models), and
the graduated example with a flat fee per tier from its charge-model tests (in cents there: 0/1/10/11/12
units cost 0/12/102/110/115 cents)."""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest

from billingcore.catalog.model import Component, ComponentType, PriceModel, PriceTier
from billingcore.money import Rounding
from billingcore.pricing import priced, priced_between, total


def _component(model: PriceModel, tiers: list[tuple[str | None, str, str | None]] = (), **kw: object) -> Component:  # type: ignore[assignment]
    made = tuple(
        PriceTier(
            up_to=None if u is None else Decimal(u), unit_price=Decimal(p), flat_fee=None if f is None else Decimal(f)
        )
        for u, p, f in tiers
    )
    return Component(id="c", name="C", type=ComponentType.METERED, price_model=model, tiers=made, **kw)  # type: ignore[arg-type]


FONTS = [("5", "7.00", None), ("10", "6.50", None), (None, "6.00", None)]  # Stripe's font tiers
FLAT = [("5", "5", "10"), ("10", "4", "20"), ("15", "3", "30"), ("20", "2", "40"), (None, "1", "50")]


def _total(component: Component, quantity: str, currency: str = "USD") -> Decimal:
    return total(priced(component, Decimal(quantity), currency, Rounding.HALF_UP))


@pytest.mark.parametrize(
    ("quantity", "expected"), [("1", "7.00"), ("5", "35.00"), ("6", "41.50"), ("20", "127.50"), ("25", "157.50")]
)
def test_stripe_graduated_fonts(quantity: str, expected: str) -> None:
    assert _total(_component(PriceModel.GRADUATED, FONTS), quantity) == Decimal(expected)


@pytest.mark.parametrize(
    ("quantity", "expected"), [("1", "7.00"), ("5", "35.00"), ("6", "39.00"), ("20", "120.00"), ("25", "150.00")]
)
def test_stripe_volume_fonts(quantity: str, expected: str) -> None:
    assert _total(_component(PriceModel.VOLUME, FONTS), quantity) == Decimal(expected)


def test_stripe_graduated_with_flat_rates_shows_each_tier_and_fee_as_a_line() -> None:
    # "(5 x 5 USD + 10 USD) + (5 x 4 USD + 20 USD) + (2 x 3 USD + 30 USD) = 111 USD"
    parts = priced(_component(PriceModel.GRADUATED, FLAT), Decimal(12), "USD", Rounding.HALF_UP)
    assert [(p.label, p.quantity, p.unit_price, p.amount) for p in parts] == [
        ("up to 5", 5, 5, Decimal("25.00")),
        ("up to 5, flat fee", 1, 10, Decimal("10.00")),
        ("over 5 up to 10", 5, 4, Decimal("20.00")),
        ("over 5 up to 10, flat fee", 1, 20, Decimal("20.00")),
        ("over 10 up to 15", 2, 3, Decimal("6.00")),
        ("over 10 up to 15, flat fee", 1, 30, Decimal("30.00")),
    ]
    assert total(parts) == Decimal("111.00")


def test_stripe_volume_with_flat_rates() -> None:
    # "12 x 3 USD + 30 USD = 66 USD": only the tier the quantity falls in
    parts = priced(_component(PriceModel.VOLUME, FLAT), Decimal(12), "USD", Rounding.HALF_UP)
    assert [(p.label, p.amount) for p in parts] == [
        ("all units, over 10 up to 15", Decimal("36.00")),
        ("over 10 up to 15, flat fee", Decimal("30.00")),
    ]


def test_lago_volume_65000_api_calls_cost_49() -> None:
    # "65,000 API calls would cost 65,000 x $0.0006 + $10 = $49"
    tiers = [("10000", "0.0010", "10"), ("50000", "0.0008", "10"), ("100000", "0.0006", "10"), (None, "0.0004", "10")]
    assert _total(_component(PriceModel.VOLUME, tiers), "65000") == Decimal("49.00")


@pytest.mark.parametrize(("quantity", "cents"), [("0", 0), ("1", 12), ("10", 102), ("11", 110), ("12", 115)])
def test_lago_graduated_flat_fee_per_tier_reached_and_none_for_no_usage(quantity: str, cents: int) -> None:
    tiers = [("10", "0.10", "0.02"), (None, "0.05", "0.03")]
    assert _total(_component(PriceModel.GRADUATED, tiers), quantity) == Decimal(cents) / 100


def test_lago_package_201_units_with_100_free_cost_10() -> None:
    # "$5 per 100 units and offer the first 100 units ... 201 units would cost $0 + $5 + $5 = $10": the free
    # units are a free quota netted before the price model (usage.py), so 101 units are priced
    package = _component(PriceModel.PACKAGE, unit_price=Decimal(5), package_size=Decimal(100), unit="units")
    parts = priced(package, Decimal(101), "USD", Rounding.HALF_UP)
    assert [(p.label, p.quantity, p.unit_price, p.amount) for p in parts] == [("2 x 100 units", 2, 5, Decimal("5") * 2)]


@pytest.mark.parametrize(("minutes", "expected"), [("150", "30.00"), ("60", "10.00"), ("61", "20.00"), ("0", "0")])
def test_stripe_divide_by_60_round_up(minutes: str, expected: str) -> None:
    # "charged 30 USD for 3 hours of rental (2 hours and 30 minutes, rounded up)"
    hours = _component(PriceModel.PACKAGE, unit_price=Decimal(10), package_size=Decimal(60), unit="minutes")
    assert _total(hours, minutes) == Decimal(expected)


def test_per_unit_rounds_each_line_once_by_the_rule() -> None:
    per_unit = _component(PriceModel.PER_UNIT, unit_price=Decimal("0.0125"))
    assert _total(per_unit, "3", "EUR") == Decimal("0.04")  # 0.0375 half up
    assert total(priced(per_unit, Decimal(3), "EUR", Rounding.DOWN)) == Decimal("0.03")


def test_the_callers_decimal_context_changes_nothing() -> None:
    with decimal.localcontext(decimal.Context(prec=3, rounding=decimal.ROUND_DOWN)):
        assert _total(_component(PriceModel.GRADUATED, FONTS), "25") == Decimal("157.50")
        assert _total(
            _component(PriceModel.PACKAGE, unit_price=Decimal(10), package_size=Decimal(60)), "12345"
        ) == Decimal("2060.00")


@pytest.mark.parametrize("model", list(PriceModel))
def test_no_units_make_no_line_under_any_model(model: PriceModel) -> None:
    tiered = model in (PriceModel.GRADUATED, PriceModel.VOLUME)
    component = _component(
        model, FLAT if tiered else (), unit_price=None if tiered else Decimal(5), package_size=Decimal(10)
    )
    assert priced(component, Decimal(0), "USD", Rounding.HALF_UP) == []


def test_a_per_unit_line_has_no_tier_label_and_the_last_tier_says_over() -> None:
    per_unit = _component(PriceModel.PER_UNIT, unit_price=Decimal("0.50"))
    assert priced(per_unit, Decimal(3), "EUR", Rounding.HALF_UP) == [
        ("", 3, Decimal("0.50"), Decimal("1.50"), "3 x 0.50 = 1.50")
    ]
    parts = priced(_component(PriceModel.GRADUATED, FONTS), Decimal(12), "USD", Rounding.HALF_UP)
    assert [p.label for p in parts] == ["up to 5", "over 5 up to 10", "over 10"]


# -- a period billed in pieces (an interim bill, then the period's end): priced_between ------------------------


def _between(component: Component, before: int, quantity: int, currency: str = "USD") -> list[tuple[object, ...]]:
    parts = priced_between(component, Decimal(before), Decimal(quantity), currency, Rounding.HALF_UP)
    return [(p.label, p.quantity, p.unit_price, p.amount) for p in parts]


def test_graduated_units_after_an_interim_bill_continue_in_the_tier_they_reached() -> None:
    # Stripe's fonts, 3 billed before, 12 by the period's end: units 4-5 at 7.00, 6-10 at 6.50, 11-12 at 6.00 =
    # 14.00 + 32.50 + 12.00 = 58.50 = 79.50 for all 12 less 21.00 for the first 3
    fonts = _component(PriceModel.GRADUATED, FONTS)
    assert _between(fonts, 3, 12) == [
        ("up to 5", 2, Decimal("7.00"), Decimal("14.00")),
        ("over 5 up to 10", 5, Decimal("6.50"), Decimal("32.50")),
        ("over 10", 2, Decimal("6.00"), Decimal("12.00")),
    ]


def test_a_tier_flat_fee_is_billed_once_when_the_tier_is_first_reached() -> None:
    # Stripe's flat-rate tiers: 5 units billed before (5 x 5 + 10 = 35), 12 by the end: tier 2 is reached
    # now (5 x 4 + 20), tier 3 too (2 x 3 + 30): 76 = 111 for all 12 less 35; tier 1's fee not again
    flat = _component(PriceModel.GRADUATED, FLAT)
    assert _between(flat, 5, 12) == [
        ("over 5 up to 10", 5, Decimal("4"), Decimal("20.00")),
        ("over 5 up to 10, flat fee", 1, Decimal("20"), Decimal("20.00")),
        ("over 10 up to 15", 2, Decimal("3"), Decimal("6.00")),
        ("over 10 up to 15, flat fee", 1, Decimal("30"), Decimal("30.00")),
    ]


def test_volume_after_an_interim_bill_reprices_every_unit_less_what_was_billed() -> None:
    # fonts by volume: 3 billed at 7.00 = 21.00; 6 by the end all cost 6.50 = 39.00; less 21.00 billed: 18.00
    volume = _component(PriceModel.VOLUME, FONTS)
    assert _between(volume, 3, 6) == [
        ("all units, over 5 up to 10", 6, Decimal("6.50"), Decimal("39.00")),
        ("billed before: 3 unit", 1, Decimal("-21.00"), Decimal("-21.00")),
    ]


def test_packages_after_an_interim_bill_are_the_ones_started_since() -> None:
    # 100 units a package at 5.00: 150 units billed as 2 packages; 201 by the end start a 3rd: 1 x 5.00
    package = _component(PriceModel.PACKAGE, unit_price=Decimal("5.00"), package_size=Decimal(100))
    assert _between(package, 150, 201) == [("1 x 100 unit", 1, Decimal("5.00"), Decimal("5.00"))]
    assert _between(package, 150, 200) == []  # no package started since


def test_pieces_of_a_period_add_up_to_the_whole_cent_for_cent() -> None:
    # 0.013 a unit: 974 units = 12.662 -> 12.66; one more: all 975 = 12.675 -> 12.68, so the piece is 0.02
    # (1 x 0.013 alone would round to 0.01 and the period would cost a cent less than billed whole)
    per_unit = _component(PriceModel.PER_UNIT, unit_price=Decimal("0.013"))
    (part,) = priced_between(per_unit, Decimal(974), Decimal(975), "EUR", Rounding.HALF_UP)
    assert (part.quantity, part.amount) == (1, Decimal("0.02"))
    assert part.explanation == "975 x 0.013 = 12.68 less 974 billed before (12.66) = 0.02"
    assert priced_between(per_unit, Decimal(975), Decimal(975), "EUR", Rounding.HALF_UP) == []
    assert priced_between(per_unit, Decimal(0), Decimal(2), "EUR", Rounding.HALF_UP) == priced(
        per_unit, Decimal(2), "EUR", Rounding.HALF_UP
    )

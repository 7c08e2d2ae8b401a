"""billing_day.short_month through a whole bill run: under next_month_first an account whose billing day is
the 31st is billed on the 1st after a month without a 31st, while its contract's terms still follow their
own anchor under alignment: subscription, and the billing days under alignment: billing_day; a fixed
billing day's anchor is saved as its nominal date (docs/rules.md "billing_day")."""

from __future__ import annotations

from datetime import date

import attrs

from billingcore.catalog.loader import Library
from billingcore.catalog.model import Period
from billingcore.catalog.rules import ShortMonth
from billingcore.engine import Account, bill, prepare
from billingcore.events import BuyPlan


def test_under_next_month_first_a_missing_31st_moves_the_billing_day_to_the_1st(library: Library) -> None:
    tariff = prepare(library, "duda")
    rules = attrs.evolve(
        tariff.rules, billing_day=attrs.evolve(tariff.rules.billing_day, short_month=ShortMonth.NEXT_MONTH_FIRST)
    )
    tariff = attrs.evolve(tariff, rules=rules, billing=attrs.evolve(tariff.billing, rules=rules))
    result = bill(tariff, Account("a", "duda", "US"), [BuyPlan("p", date(2021, 1, 31), "team", Period.MONTHLY)],
                  date(2021, 5, 31))  # fmt: skip
    # Team 29.00 from Jan 31; its terms end on the 31st or the month's last day (Feb 28, Apr 30)
    assert [(str(d.date), str(ln.period_start), str(ln.period_end)) for d in result.documents for ln in d.lines] == [
        ("2021-01-31", "2021-01-31", "2021-02-27"),
        ("2021-03-01", "2021-02-28", "2021-03-30"),  # no Feb 31: billed on Mar 1, not Feb 28
        ("2021-03-31", "2021-03-31", "2021-04-29"),
        ("2021-05-01", "2021-04-30", "2021-05-30"),  # no Apr 31: billed on May 1
        ("2021-05-31", "2021-05-31", "2021-06-29"),
    ]


def test_under_first_of_month_a_purchase_mid_month_is_first_billed_on_the_next_1st(library: Library) -> None:
    # WEDOS: the billing days are the 1st; hosting bought Mar 17 is first billed on Apr 1, which the saved
    # state keeps as the billing anchor (billing days are computed from it).
    from billingcore.events import AddItem
    from billingcore.snapshot import dump_state

    events = [AddItem("e1", date(2021, 3, 17), "webhosting-nolimit", "web", Period.MONTHLY)]
    state = dump_state(bill(prepare(library, "wedos"), Account("a", "wedos", "CZ"), events, date(2021, 3, 17)).state)
    assert (state["billing_anchor"], state["billing_day"], state["billings_done"]) == ("2021-04-01", 1, 0)


def _roll_tariff() -> object:
    from inline_catalogs import TEST_RULES, inline_tariff

    catalog = (
        'catalog: cal\ncurrency: EUR\nrules: killbill-roll\nseller_country: DE\nplans:\n  - {id: base, name: Base, '
        'rank: 1, versions: [{available_from: 2020-01-01, prices: {monthly: "30.00"}}]}\n'
    )
    return inline_tariff("cal", catalog, TEST_RULES)


def test_a_fixed_billing_day_rolled_out_of_february_is_saved_as_its_nominal_date_and_resumes() -> None:
    # killbill-roll (tests/rules): account billing day 31, short months roll to the 1st. Bought 2021-02-10,
    # the first billing day is February's, rolled to 03-01; the state keeps February's nominal date
    # (2021-02-28, the 31st clamped into it) with day 31, and a resume from any day bills what one run bills.
    from billingcore.snapshot import dump_state, load_state

    tariff = _roll_tariff()
    account = Account("a", "cal", "DE", billing_day=31)
    events = [BuyPlan("p", date(2021, 2, 10), "base", Period.MONTHLY)]
    first = bill(tariff, account, events, date(2021, 2, 10))  # type: ignore[arg-type]
    state = dump_state(first.state)
    assert (state["billing_anchor"], state["billing_day"], state["billings_done"]) == ("2021-02-28", 31, 0)
    full = bill(tariff, account, events, date(2021, 6, 1))  # type: ignore[arg-type]
    for stop in (date(2021, 2, 28), date(2021, 3, 1), date(2021, 3, 15), date(2021, 5, 1)):
        head = bill(tariff, account, events, stop)  # type: ignore[arg-type]
        rest = bill(tariff, account, [], date(2021, 6, 1), load_state(dump_state(head.state)))  # type: ignore[arg-type]
        assert head.documents + rest.documents == full.documents
    assert [(str(d.date), str(d.net)) for d in full.documents] == [
        ("2021-02-10", "19.66"),  # 02-10..02-28 of the period 01-31..02-28 (29 days): 30.00 x 19/29 = 19.655
        ("2021-03-01", "30.00"),  # 03-01..03-30
        ("2021-03-31", "30.00"),  # 03-31..04-30
        ("2021-05-01", "30.00"),  # no Apr 31: 05-01..05-30
        ("2021-05-31", "30.00"),
    ]


def test_under_next_month_first_a_purchase_on_a_rolled_billing_day_has_no_leading_part() -> None:
    # killbill-roll, billing day 31: February 2021's billing day rolls to 03-01. A plan bought on 03-01 is
    # bought on a billing day: whole terms from it (03-01..03-30), billed that day; then 03-31..04-30 on
    # 03-31 and 05-01..05-30 on 05-01 (April has no 31st either).
    tariff = _roll_tariff()
    result = bill(tariff, Account("a", "cal", "DE", billing_day=31), [BuyPlan("p", date(2021, 3, 1), "base",  # type: ignore[arg-type]
                  Period.MONTHLY)], date(2021, 5, 1))  # fmt: skip
    assert [(str(d.date), d.kind.value, str(d.net), str(ln.period_start), str(ln.period_end))
            for d in result.documents for ln in d.lines] == [
        ("2021-03-01", "regular", "30.00", "2021-03-01", "2021-03-30"),
        ("2021-03-31", "regular", "30.00", "2021-03-31", "2021-04-30"),
        ("2021-05-01", "regular", "30.00", "2021-05-01", "2021-05-30"),
    ]  # fmt: skip


def test_under_next_month_first_a_leading_part_counts_the_days_from_the_rolled_billing_day() -> None:
    # killbill-roll, billing day 31, bought 03-10: the next billing day is 03-31; the whole period ending
    # there starts on February's billing day, rolled to 03-01 (not the clamped 02-28): 30 days, of which
    # 03-10..03-30 = 21: 30.00 x 21/30 = 21.00 (not 30.00 x 21/31 = 20.32).
    tariff = _roll_tariff()
    result = bill(tariff, Account("a", "cal", "DE", billing_day=31), [BuyPlan("p", date(2021, 3, 10), "base",  # type: ignore[arg-type]
                  Period.MONTHLY)], date(2021, 3, 31))  # fmt: skip
    first = result.documents[0]
    assert (str(first.date), first.kind.value, str(first.lines[0].amount), first.lines[0].explanation) == (
        "2021-03-10", "interim", "21.00", "30.00 x 21/30 days = 21.00, rounded half up"
    )

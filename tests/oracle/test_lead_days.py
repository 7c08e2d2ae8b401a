"""The oracle's reading of renewal.lead_days on four hand-computed timelines (tests/rules/duda-lead-10.yaml:
duda with lead_days 10), so the model's renewal day, don't-renew end, clear inside the lead window, changes
after the renewal was charged and changes on the term end day (the charged term's first day, a clamped
anchor's too) are pinned by exact values, not only by agreeing with the engine (test_oracle.py generates
the rest)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billingcore.catalog.model import Period
from billingcore.engine import Account, bill
from billingcore.events import BuyPlan, Cancel, ChangePlan, ClearDontRenew, ConvertSite, PublishSite, SetDontRenew
from oracle.test_oracle import expected_documents, summary
from properties.strategies import BillingCase, CatalogSpec, OneOffSpec, PlanSpec, PlanVersionSpec, ProductSpec

CATALOG = CatalogSpec(
    currency="EUR",
    seller_country="DE",
    plans=(PlanSpec("basic", "Basic", 1, (PlanVersionSpec(date(2000, 1, 1), {"monthly": Decimal("20.00")}, 0),)),),
    products=(ProductSpec("site", "Website", "site", {"monthly": Decimal("5.00")}),),
    one_offs=(OneOffSpec("image-1", "Premium image 1", Decimal("2.00")),),  # a catalog lists one at least
)
# Billing days: the 1st (the plan is bought on Mar 1). Renewal day = term end (exclusive) - 10 days.
EVENTS = (
    BuyPlan("e1", date(2021, 3, 1), "basic", Period.MONTHLY),  # 03-01..03-31, renewal day 03-22
    PublishSite("e2", date(2021, 3, 5), "s2", Period.MONTHLY, "site"),  # 03-05..04-04, renewal day 03-26
    PublishSite("e3", date(2021, 3, 11), "s1", Period.MONTHLY, "site"),  # 03-11..04-10, renewal day 04-01
    SetDontRenew("e4", date(2021, 4, 5), "plan"),  # term 04-01..04-30: its renewal day 04-21 is skipped
    SetDontRenew("e5", date(2021, 4, 10), "site:s2"),  # term 04-05..05-04: its renewal day 04-25 is skipped
    SetDontRenew("e6", date(2021, 4, 15), "site:s1"),  # term 04-11..05-10: not renewed 05-01, ends 05-11
    ClearDontRenew("e7", date(2021, 4, 25), "plan"),  # after its renewal day: renews today, 05-01..05-31
    ClearDontRenew("e8", date(2021, 4, 28), "site:s2"),  # renews today, 05-05..06-04: on the 05-01 invoice
    SetDontRenew("e9", date(2021, 5, 5), "plan"),  # runs to 05-31 and ends on 06-01
)
CASE = BillingCase(CATALOG, "duda-lead-10", Account("a", "gen", "DE"), EVENTS, date(2021, 6, 1))

# (date, lines (item, kind, amount, first day, last day), net, gross); a German consumer pays 19 %.
HAND_COMPUTED = [
    ("2021-03-01", [("plan", "charge", "20.00", "2021-03-01", "2021-03-31")], "20.00", "23.80"),
    (
        "2021-04-01",
        [
            ("plan", "charge", "20.00", "2021-04-01", "2021-04-30"),  # charged 03-22
            ("site:s2", "charge", "5.00", "2021-03-05", "2021-04-04"),
            ("site:s2", "charge", "5.00", "2021-04-05", "2021-05-04"),  # charged 03-26
            ("site:s1", "charge", "5.00", "2021-03-11", "2021-04-10"),
            ("site:s1", "charge", "5.00", "2021-04-11", "2021-05-10"),  # charged 04-01, before invoicing
        ],
        "40.00",
        "47.60",
    ),
    (
        "2021-05-01",
        [
            ("plan", "charge", "20.00", "2021-05-01", "2021-05-31"),  # charged 04-25
            ("site:s2", "charge", "5.00", "2021-05-05", "2021-06-04"),  # charged 04-28 (at its term end: 06-01)
        ],
        "25.00",
        "29.75",
    ),
    # The plan ended on 06-01 (no charge); s1 ended on 05-11; s2's renewal day 05-26.
    ("2021-06-01", [("site:s2", "charge", "5.00", "2021-06-05", "2021-07-04")], "5.00", "5.95"),
]


# Changes inside the lead window after the renewal was charged (docs/rules.md `lead_days`): the term charged
# is credited in full plus the running term's unused part as without lead days (each rounded on its own:
# duda-lead-10 rounds `down`, the change day is used), on one line up to the charged term's last day. The
# renewal's charge stays on its invoice, so each change bills in total what it would with lead_days 0.
CHANGES_CATALOG = CatalogSpec(
    currency="EUR",
    seller_country="DE",
    plans=(
        PlanSpec("basic", "Basic", 1, (PlanVersionSpec(date(2000, 1, 1), {"monthly": Decimal("20.00")}, 0),)),
        PlanSpec("team", "Team", 2, (PlanVersionSpec(date(2000, 1, 1), {"monthly": Decimal("31.00")}, 0),)),
    ),
    products=(ProductSpec("site", "Website", "site", {"monthly": Decimal("5.00"), "annual": Decimal("50.00")}),),
    one_offs=(OneOffSpec("image-1", "Premium image 1", Decimal("2.00")),),
)
CHANGES = (
    BuyPlan("e1", date(2021, 3, 1), "basic", Period.MONTHLY),  # 03-01..03-31, renewal day 03-22
    PublishSite("e2", date(2021, 3, 5), "s1", Period.MONTHLY, "site"),  # paid: 03-05..04-04, renewal day 03-26
    # After the plan's renewal (03-22: 20.00 for 04-01..04-30): 20.00 + 20 x 4/31 (03-28..03-31) = 2.58
    ChangePlan("e3", date(2021, 3, 27), "team", Period.MONTHLY),  # credit 22.58; team 03-27..04-26, renewal 04-17
    Cancel("e4", date(2021, 3, 30), "site:s1"),  # after its renewal (03-26): 5.00 + 5 x 5/31 (03-31..04-04) = 0.80
    PublishSite("e5", date(2021, 4, 3), "s2", Period.MONTHLY, "site"),  # 04-03..05-02, renewal day 04-23
    SetDontRenew("e6", date(2021, 4, 20), "plan"),  # after its renewal (04-17): runs to 05-26, ends 05-27
    # After s2's renewal (04-23: 5.00 for 05-03..06-02): 5.00 + 5 x 4/30 (04-29..05-02) = 0.66
    ConvertSite("e7", date(2021, 4, 28), "s2", Period.ANNUAL),  # credit 5.66; annual 2021-04-28..2022-04-27
)
CHANGES_CASE = BillingCase(CHANGES_CATALOG, "duda-lead-10", Account("a", "gen", "DE"), CHANGES, date(2021, 6, 1))

# Lead days 0 would bill: basic used 20.00 - 2.58 = 17.42, team 31.00, s1 5.00 - 0.80 = 4.20: 52.62 by 04-01;
# here 20.00 + 20.00 + 31.00 + 5.00 + 5.00 - 22.58 - 5.80 = 52.62 as well; s2 5.00 - 0.66 = 4.34 = 5.00 + 5.00
# - 5.66. The credit goes on the invoice of the site's new (annual) term, the renewal's charge stays monthly.
CHANGES_HAND_COMPUTED = [
    ("2021-03-01", [("plan", "charge", "20.00", "2021-03-01", "2021-03-31")], "20.00", "23.80"),
    (
        "2021-04-01",
        [
            ("plan", "charge", "20.00", "2021-04-01", "2021-04-30"),  # the renewal of 03-22 stays
            ("plan", "credit", "-22.58", "2021-03-28", "2021-04-30"),  # 20.00 + 2.58
            ("plan", "charge", "31.00", "2021-03-27", "2021-04-26"),
            ("site:s1", "charge", "5.00", "2021-03-05", "2021-04-04"),
            ("site:s1", "charge", "5.00", "2021-04-05", "2021-05-04"),  # the renewal of 03-26 stays
            ("site:s1", "credit", "-5.80", "2021-03-31", "2021-05-04"),  # 5.00 + 0.80
        ],
        "32.62",
        "38.82",  # VAT 32.62 x 19 % = 6.1978 -> 6.20
    ),
    (
        "2021-05-01",
        [
            ("plan", "charge", "31.00", "2021-04-27", "2021-05-26"),  # charged 04-17, before don't-renew
            ("site:s2", "charge", "5.00", "2021-04-03", "2021-05-02"),
            ("site:s2", "charge", "5.00", "2021-05-03", "2021-06-02"),  # the renewal of 04-23 stays
        ],
        "41.00",
        "48.79",
    ),
    (
        "2021-05-01",
        [
            ("site:s2", "charge", "50.00", "2021-04-28", "2022-04-27"),
            ("site:s2", "credit", "-5.66", "2021-04-29", "2021-06-02"),  # 5.00 + 0.66
        ],
        "44.34",
        "52.76",  # VAT 44.34 x 19 % = 8.4246 -> 8.42
    ),
    # 06-01: nothing; the plan ended 05-27, after the term charged before don't-renew was set.
]


# On a term end day (the charged term's first day) a change still comes before the term charged ahead begins,
# as with lead_days 0 it comes before the renewal and replaces it (docs/rules.md `lead_days`): that term is
# credited in full plus the running term's unused part, none on the term end day, on one line from the charged
# term's first day (under duda-lead-10 the change day is used, so the first unused day, the day after, is later).
TERM_END_DAY = (
    BuyPlan("e1", date(2021, 3, 1), "basic", Period.MONTHLY),  # renewal day 03-22: 20.00 for 04-01..04-30
    PublishSite("e2", date(2021, 3, 5), "s1", Period.MONTHLY, "site"),  # renewal day 03-26: 5.00, 04-05..05-04
    Cancel("e3", date(2021, 4, 1), "plan"),  # 20.00 + 0.00 for 04-01..04-30
    ConvertSite("e4", date(2021, 4, 5), "s1", Period.ANNUAL),  # 5.00 + 0.00 for 04-05..05-04; annual from 04-05
)
TERM_END_DAY_CASE = BillingCase(
    CHANGES_CATALOG, "duda-lead-10", Account("a", "gen", "DE"), TERM_END_DAY, date(2021, 5, 1)
)
# Lead days 0 would bill: basic 20.00 (03-01..03-31) and nothing after, s1 5.00 (03-05..04-04) then 50.00:
# 75.00 in all; here 20.00 + 20.00 - 20.00 + 5.00 + 5.00 + 50.00 - 5.00 = 75.00 as well.
TERM_END_DAY_HAND_COMPUTED = [
    ("2021-03-01", [("plan", "charge", "20.00", "2021-03-01", "2021-03-31")], "20.00", "23.80"),
    (
        "2021-04-01",
        [
            ("plan", "charge", "20.00", "2021-04-01", "2021-04-30"),  # the renewal of 03-22 stays
            ("plan", "credit", "-20.00", "2021-04-01", "2021-04-30"),
            ("site:s1", "charge", "5.00", "2021-03-05", "2021-04-04"),
            ("site:s1", "charge", "5.00", "2021-04-05", "2021-05-04"),  # the renewal of 03-26 stays
        ],
        "10.00",
        "11.90",  # VAT 10.00 x 19 % = 1.90
    ),
    (
        "2021-05-01",
        [
            ("site:s1", "charge", "50.00", "2021-04-05", "2022-04-04"),
            ("site:s1", "credit", "-5.00", "2021-04-05", "2021-05-04"),
        ],
        "45.00",
        "53.55",  # VAT 45.00 x 19 % = 8.55
    ),
]


# A plan changed on the term end day of a clamped anchor keeps the contract's anchor day, as a renewal-day change
# does with lead_days 0: basic bought 01-31 ends its first term 02-27 (renewal day 02-18: 20.00 for 02-28..03-30);
# team from 02-28 ends its terms on the 31st's day, 03-30, 04-29 (renewal days 03-21, 04-20), not on the 28th.
CLAMPED = (
    BuyPlan("e1", date(2021, 1, 31), "basic", Period.MONTHLY),
    ChangePlan("e2", date(2021, 2, 28), "team", Period.MONTHLY),  # credit 20.00 + 0.00 for 02-28..03-30
)
CLAMPED_CASE = BillingCase(CHANGES_CATALOG, "duda-lead-10", Account("a", "gen", "DE"), CLAMPED, date(2021, 4, 30))
# Billing days from the purchase: 01-31, 02-28, 03-31, 04-30.
CLAMPED_HAND_COMPUTED = [
    ("2021-01-31", [("plan", "charge", "20.00", "2021-01-31", "2021-02-27")], "20.00", "23.80"),
    (
        "2021-02-28",
        [
            ("plan", "charge", "20.00", "2021-02-28", "2021-03-30"),  # the renewal of 02-18 stays
            ("plan", "credit", "-20.00", "2021-02-28", "2021-03-30"),
            ("plan", "charge", "31.00", "2021-02-28", "2021-03-30"),
        ],
        "31.00",
        "36.89",  # VAT 31.00 x 19 % = 5.89
    ),
    ("2021-03-31", [("plan", "charge", "31.00", "2021-03-31", "2021-04-29")], "31.00", "36.89"),  # charged 03-21
    ("2021-04-30", [("plan", "charge", "31.00", "2021-04-30", "2021-05-30")], "31.00", "36.89"),  # charged 04-20
]


# Each timeline above: the oracle gives what was computed by hand, and the engine what the oracle gives.
TIMELINES = {
    "renewals ahead, don't-renew at the term end": (CASE, HAND_COMPUTED),
    "changes in the lead window: the charged term and the unused days on one line": (
        CHANGES_CASE,
        CHANGES_HAND_COMPUTED,
    ),
    "changes on the term end day: the charged term in full": (TERM_END_DAY_CASE, TERM_END_DAY_HAND_COMPUTED),
    "a plan changed on a clamped term end day keeps its anchor day": (CLAMPED_CASE, CLAMPED_HAND_COMPUTED),
}


@pytest.mark.parametrize("name", TIMELINES)
def test_the_oracle_bills_the_hand_computed_timeline(name: str) -> None:
    case, hand_computed = TIMELINES[name]
    got = [
        (d["date"], [line[:5] for line in d["lines"]], d["net"], d["gross"])
        for d in map(summary, expected_documents(case))
    ]
    assert got == [(day, sorted(lines), net, gross) for day, lines, net, gross in hand_computed]


@pytest.mark.parametrize("name", TIMELINES)
def test_the_engine_agrees_with_the_oracle_on_the_timeline(name: str) -> None:
    case, _ = TIMELINES[name]
    engine = bill(case.tariff(), case.account, case.events, case.until).documents
    assert [summary(d) for d in engine] == [summary(d) for d in expected_documents(case)]

"""What the independent oracle found where the engine and the written rules parted ways, one minimal
reproduction each. Each was a strict xfail while the engine billed otherwise; the engine was fixed (or, for
a change on a clamped renewal day, the rule was written down: docs/rules.md "A change on a contract's
renewal day"), and each now pins the behaviour. The oracle property (test_oracle.py) covers all of these
situations again."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from billingcore.catalog.loader import Library, load_texts
from billingcore.catalog.model import Period
from billingcore.documents import Document
from billingcore.engine import Account, bill, prepare
from billingcore.events import (
    BuyPlan,
    Cancel,
    ChangePlan,
    ConvertSite,
    PublishSite,
    SetDontRenew,
    UnpublishSite,
)
from properties.strategies import rule_texts

M, A = Period.MONTHLY, Period.ANNUAL


def inline(rule_set: str, body: str) -> Library:
    header = f"catalog: c\nname: Repro\ncurrency: USD\nrules: {rule_set}\nseller_country: US\n"
    return load_texts({**rule_texts(), "plans/c.yaml": header + body})


def run(library: Library, catalog: str, events: list[Any], until: date) -> list[Document]:
    return list(bill(prepare(library, catalog), Account("a", catalog, "US"), events, until).documents)


def lines_on(docs: list[Document], day: date) -> list[tuple[str, str, str, str]]:
    return [
        (line.item, line.kind, str(line.amount), f"{line.period_start} - {line.period_end}")
        for doc in docs if doc.date == day for line in doc.lines
    ]


VERSIONED = """plans:
  - {id: team, name: Team, rank: 2, versions: [
      {available_from: 2020-01-01, prices: {monthly: "10.00"}, included: {site: 1}},
      {available_from: 2020-02-15, prices: {monthly: "20.00"}, included: {site: 3}}]}
  - {id: agency, name: Agency, rank: 3, versions: [
      {available_from: 2020-01-01, prices: {monthly: "30.00"}, included: {site: 4}}]}
products:
  - {id: site, name: Website, kind: site, prices: {monthly: "13.00"}}
"""


@pytest.mark.parametrize("rule_set", ["duda", "lago"])
def test_a_downgrade_at_term_end_keeps_the_terms_it_was_asked_on(rule_set: str) -> None:
    # Agency 30.00 from Feb 1; on Feb 10 the customer downgrades to Team, which costs 10.00 that day. From
    # Feb 15 Team costs 20.00. The downgrade takes effect on Mar 1 at the terms chosen on Feb 10.
    docs = run(inline(rule_set, VERSIONED), "c",
               [BuyPlan("e1", date(2020, 2, 1), "agency", M), ChangePlan("e2", date(2020, 2, 10), "team", M)],
               date(2020, 3, 1))
    assert lines_on(docs, date(2020, 3, 1)) == [("plan", "charge", "10.00", "2020-03-01 - 2020-03-31")]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (ChangePlan("e2", date(2019, 2, 28), "basic", A), ("plan", "charge", "168.00", "2019-02-28 - 2020-02-28")),
        (ChangePlan("e2", date(2019, 2, 28), "team", M), ("plan", "charge", "29.00", "2019-02-28 - 2019-03-29")),
    ],
    ids=["period-change", "upgrade"],
)
def test_a_change_on_a_clamped_renewal_day_keeps_the_contracts_anniversary(
    library: Library, change: Any, expected: tuple[str, ...]
) -> None:
    # Basic monthly from Jan 30: its renewal day in February is Feb 28. A change that day replaces the renewal
    # and keeps the 30th (docs/rules.md): the next terms end on Mar 30, or on "Feb 30" 2020 = Feb 29 (leap).
    docs = run(library, "duda", [BuyPlan("e1", date(2019, 1, 30), "basic", M), change], date(2019, 2, 28))
    assert lines_on(docs, date(2019, 2, 28)) == [expected]


def test_a_site_converted_on_a_clamped_renewal_day_keeps_its_anniversary(library: Library) -> None:
    events = [
        BuyPlan("e1", date(2019, 1, 30), "basic", A),
        PublishSite("e2", date(2019, 1, 30), "home"),
        PublishSite("e3", date(2019, 1, 30), "blog", M),
        ConvertSite("e4", date(2019, 2, 28), "blog", A),
    ]
    docs = run(library, "duda", events, date(2019, 2, 28))
    # blog was bought on Jan 30: its year from Feb 28, 2019 ends on the 30th clamped, Feb 29, 2020
    assert ("site:blog", "charge", "117.00", "2019-02-28 - 2020-02-28") in lines_on(docs, date(2019, 2, 28))


def test_a_plan_ended_by_dont_renew_ends_its_included_slots(library: Library) -> None:
    events = [
        BuyPlan("e1", date(2020, 1, 10), "team", M),
        PublishSite("e2", date(2020, 1, 10), "home"),  # takes Team's included slot
        PublishSite("e3", date(2020, 1, 10), "blog", M),  # pays 13.00, so there is an invoice after the plan
        SetDontRenew("e4", date(2020, 1, 20), "plan"),  # Team ends on Feb 10
    ]
    docs = run(library, "duda", events, date(2020, 2, 10))
    assert lines_on(docs, date(2020, 2, 10)) == [("site:blog", "charge", "13.00", "2020-02-10 - 2020-03-09")]


def test_a_cancelled_plan_ends_its_included_slots(library: Library) -> None:
    """The companion that passes: the same timeline with a cancel instead of don't-renew."""
    events = [
        BuyPlan("e1", date(2020, 1, 10), "team", M),
        PublishSite("e2", date(2020, 1, 10), "home"),
        PublishSite("e3", date(2020, 1, 10), "blog", M),
        Cancel("e4", date(2020, 1, 20), "plan"),
    ]
    docs = run(library, "duda", events, date(2020, 3, 10))
    assert lines_on(docs, date(2020, 3, 10)) == [("site:blog", "charge", "13.00", "2020-03-10 - 2020-04-09")]


def test_an_unpublished_site_takes_no_slot_at_an_upgrade(library: Library) -> None:
    events = [
        BuyPlan("e1", date(2020, 1, 10), "basic", M),
        PublishSite("e2", date(2020, 1, 10), "home"),  # Basic's one slot
        PublishSite("e3", date(2020, 1, 15), "blog", M),  # pays 13.00 a month
        UnpublishSite("e4", date(2020, 1, 20), "blog"),  # offline, keeps paying
        ChangePlan("e5", date(2020, 2, 1), "agency", M),  # Agency has 8 slots; blog is offline
    ]
    docs = run(library, "duda", events, date(2020, 3, 10))
    assert lines_on(docs, date(2020, 2, 10)) == [
        ("site:home", "included", "0.00", "2020-02-10 - 2020-03-09"),
        ("site:blog", "charge", "13.00", "2020-01-15 - 2020-02-14"),
        ("plan", "credit", "-4.90", "2020-02-02 - 2020-02-09"),
        ("plan", "charge", "74.00", "2020-02-01 - 2020-02-29"),
    ]
    assert ("site:blog", "charge", "13.00", "2020-02-15 - 2020-03-14") in lines_on(docs, date(2020, 3, 10))


def _gains_slots(slots: int) -> str:
    small = f'{{available_from: 2020-01-01, prices: {{monthly: "10.00"}}, included: {{site: {slots}}}}}'
    return f"""plans:
  - {{id: small, name: Small, rank: 1, versions: [{small}]}}
  - {{id: big, name: Big, rank: 2, versions: [{{available_from: 2020-01-01, prices: {{monthly: "30.00"}}}}]}}
products:
  - {{id: site, name: Website, kind: site, prices: {{monthly: "13.00"}}}}
"""


def _downgrade_on_the_sites_renewal_day(slots: int) -> list[tuple[str, str, str, str]]:
    # Big has no slots, so blog pays 13.00 from Jan 10. The downgrade to Small waits for the term end, Feb 10,
    # which is also blog's renewal day: from then Small's free slot(s) are there for blog.
    events = [
        BuyPlan("e1", date(2020, 1, 10), "big", M),
        PublishSite("e2", date(2020, 1, 10), "blog", M),
        ChangePlan("e3", date(2020, 1, 20), "small", M),
    ]
    return lines_on(run(inline("duda", _gains_slots(slots)), "c", events, date(2020, 2, 10)), date(2020, 2, 10))


def test_a_site_renewing_when_a_downgrade_frees_slots_takes_one() -> None:
    """Passes: with two free slots blog becomes included on Feb 10 instead of paying again."""
    assert _downgrade_on_the_sites_renewal_day(slots=2) == [
        ("site:blog", "included", "0.00", "2020-02-10 - 2020-03-09"),
        ("plan", "charge", "10.00", "2020-02-10 - 2020-03-09"),
    ]


def test_a_site_renewing_when_a_downgrade_frees_one_slot_takes_it() -> None:
    assert _downgrade_on_the_sites_renewal_day(slots=1) == [
        ("site:blog", "included", "0.00", "2020-02-10 - 2020-03-09"),
        ("plan", "charge", "10.00", "2020-02-10 - 2020-03-09"),
    ]


TIERS = """plans:
  - {id: a, name: A, rank: 1, versions: [{available_from: 2000-01-01, prices: {monthly: "10.00"}}]}
  - {id: b, name: B, rank: 2, versions: [{available_from: 2000-01-01, prices: {monthly: "20.00"}}]}
  - {id: c, name: C, rank: 3, versions: [{available_from: 2000-01-01, prices: {monthly: "30.00"}}]}
"""


def test_fixed_30_credits_a_prorated_term_for_the_days_it_covered() -> None:
    events = [
        BuyPlan("e1", date(2021, 1, 1), "a", M),
        ChangePlan("e2", date(2021, 1, 11), "b", M),  # B for Jan 11-31: 20.00 x 21/30 = 14.00
        ChangePlan("e3", date(2021, 1, 21), "c", M),  # Jan 21-31 of B unused: 11 days
    ]
    docs = run(inline("killbill-30", TIERS), "c", events, date(2021, 1, 21))
    assert ("plan", "credit", "-7.33", "2021-01-21 - 2021-01-31") in lines_on(docs, date(2021, 1, 21))


def test_a_credit_under_credit_notes_is_a_credit_note_when_a_downgrade_takes_effect() -> None:
    # Big (no slots) from Feb 1; blog pays 13.00 from Feb 10; the downgrade to Small (2 slots) asked on Feb 15
    # takes effect on Mar 1, when blog moves into a slot: Mar 1-9 of its term (9 of 28 days) are credited.
    events = [
        BuyPlan("e1", date(2021, 2, 1), "big", M),
        PublishSite("e2", date(2021, 2, 10), "blog", M),
        ChangePlan("e3", date(2021, 2, 15), "small", M),
    ]
    docs = run(inline("lago", _gains_slots(2)), "c", events, date(2021, 3, 1))
    notes = [d for d in docs if d.date == date(2021, 3, 1) and d.type == "credit_note"]
    assert [[(line.item, str(line.amount)) for line in d.lines] for d in notes] == [[("site:blog", "-4.18")]]


def test_after_a_change_on_a_clamped_renewal_day_the_later_terms_keep_the_anniversary(library: Library) -> None:
    # The upgrade above, billed on: Team from Feb 28 renews on the 30th (Mar 30, Apr 30), not on the 28th.
    events = [BuyPlan("e1", date(2019, 1, 30), "basic", M), ChangePlan("e2", date(2019, 2, 28), "team", M)]
    docs = run(library, "duda", events, date(2019, 4, 30))
    assert lines_on(docs, date(2019, 3, 30)) == [("plan", "charge", "29.00", "2019-03-30 - 2019-04-29")]
    assert lines_on(docs, date(2019, 4, 30)) == [("plan", "charge", "29.00", "2019-04-30 - 2019-05-29")]

"""Term alignment (docs/rules.md "billing_day"), the cases a review found: an account whose first purchase
is an item (not a plan) under a fixed billing day, a store added to a site bought the same day under
alignment, and the state `bill` returns (pickled, copied, changed in place)."""

from __future__ import annotations

import copy
import pickle
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest

from billingcore.catalog.model import Period
from billingcore.catalog.rules import ChangeTerm
from billingcore.engine import Account, State, bill
from billingcore.events import AddItem, AddStore, PublishSite
from billingcore.state import BilledState
from inline_catalogs import inline_tariff

ROOT = Path(__file__).resolve().parents[2]
M = Period.MONTHLY
SEATS = """
catalog: seats
currency: EUR
rules: {rules}
seller_country: DE
plans:
  - {{id: base, name: Base, rank: 1, versions: [{{available_from: 2020-01-01, prices: {{monthly: "30.00"}}}}]}}
products:
  - {{id: seat, name: Seat, kind: seat, prices: {{monthly: "12.00"}}}}
"""


def _tariff(rules: str) -> Any:
    return inline_tariff("seats", SEATS.format(rules=rules))


@pytest.mark.parametrize(
    ("rules", "billing_day", "bought", "expected"),
    [
        # lago-calendar: 12.00 x 15/31 = 5.806 -> 5.81 for 03-17..03-31 at once, then whole months on the 1st
        ("lago-calendar", None, date(2021, 3, 17),
         [("2021-03-17", "5.81"), ("2021-04-01", "12.00"), ("2021-05-01", "12.00"), ("2021-06-01", "12.00")]),
        # killbill, the account's own day 15: 03-01..03-14 of 02-15..03-14 (28 days) = 12.00 x 14/28 = 6.00
        ("killbill", 15, date(2021, 3, 1),
         [("2021-03-01", "6.00"), ("2021-03-15", "12.00"), ("2021-04-15", "12.00"), ("2021-05-15", "12.00")]),
    ],
)  # fmt: skip
def test_an_item_as_the_first_purchase_fixes_the_billing_day(
    rules: str, billing_day: int | None, bought: date, expected: list[tuple[str, str]]
) -> None:
    # Found by review: when the first term to bill was a leading part (landing as a change), the billing
    # day was never fixed and every renewal stayed pending for ever.
    account = Account("a", "seats", "DE", billing_day=billing_day)
    result = bill(_tariff(rules), account, [AddItem("e1", bought, "seat", "alice", M)], date(2021, 6, 1))
    assert [(str(d.date), str(d.net)) for d in result.documents] == expected
    assert result.state.billing_day == (billing_day or 1)


def test_a_store_added_the_day_its_site_was_bought_does_not_restart_the_site_under_alignment() -> None:
    # Found by review: under alignment a site's term_start is the whole period's (03-05), not the purchase
    # day (03-10), so a store bought with it restarted the site: credited and charged again. Duda's rule
    # restarts a site bought on an earlier day only. killbill with change_term: restart, billing day 5.
    duda = (ROOT / "plans" / "duda.yaml").read_text().replace("rules: duda", "rules: killbill")
    tariff = inline_tariff("duda", duda)
    rules = attrs.evolve(tariff.rules, proration=attrs.evolve(tariff.rules.proration, change_term=ChangeTerm.RESTART))
    tariff = attrs.evolve(tariff, rules=rules, billing=attrs.evolve(tariff.billing, rules=rules))
    events = [
        PublishSite("s0", date(2021, 3, 5), "blog", M),
        PublishSite("s1", date(2021, 3, 10), "shop", M),
        AddStore("st", date(2021, 3, 10), "shop", "store-standard", M),
    ]
    result = bill(tariff, Account("a", "duda", "US"), events, date(2021, 3, 10))
    lines = [(ln.item, ln.kind.value) for d in result.documents for ln in d.lines]
    assert ("site:shop", "credit") not in lines
    assert lines.count(("site:shop", "charge")) == 1


def test_a_returned_state_pickles_and_copies_as_a_plain_state_without_its_tariff() -> None:
    # Found by review: BilledState's tariff made the state unpicklable (a host's process pool).
    tariff = _tariff("killbill")
    state = bill(tariff, Account("a", "seats", "DE"), [AddItem("e1", date(2021, 3, 1), "seat", "s", M)],
                 date(2021, 3, 1)).state  # fmt: skip
    assert type(state) is BilledState
    for copied in (pickle.loads(pickle.dumps(state)), copy.deepcopy(state), copy.copy(state)):
        assert type(copied) is State
        assert copied == state
    with pytest.raises(TypeError):
        state.parts["items"] = {}  # type: ignore[index]  # a returned state's parts are read-only

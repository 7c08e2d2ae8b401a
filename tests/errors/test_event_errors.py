"""Impossible timelines and damaged saved states are refused with every problem at once, located in the
file where there is one, and no document. Each diagnostic is checked whole: location, message, code and
hint (an empty hint is asserted as such, so adding one is a deliberate change to this file)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import attrs
import pytest

from billingcore.catalog.loader import Library
from billingcore.catalog.model import Period
from billingcore.cli import main
from billingcore.engine import Account, State, bill, prepare
from billingcore.errors import EventError, InputError
from billingcore.events import (
    EVENT_TYPES,
    AddStore,
    BuyPlan,
    Cancel,
    ChangePlan,
    PublishSite,
    SetDontRenew,
    UpgradeStore,
)
from billingcore.scenarios import load_scenario, run_scenario

ROOT = Path(__file__).resolve().parents[2]
CASE = "tests/errors/events/impossible-actions.yaml"


def test_every_impossible_action_is_reported_at_its_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    with pytest.raises(EventError) as info:
        run_scenario(load_scenario(CASE))
    got = [(str(d.location), d.message, d.code, d.hint) for d in info.value.diagnostics]
    assert got == [
        (f"{CASE}:7:5", "event e1 (buy_plan on 2020-01-10): unknown plan `teem`", "bad-event", "did you mean `team`?"),
        (
            f"{CASE}:10:5",
            "event e4 (publish_site on 2020-01-12): site `blog` is already published",
            "bad-event",
            "give the new site another name",
        ),
        (
            f"{CASE}:11:5",
            "event e5 (remove_app on 2020-01-13): app `app-crm` is not on site `blog`",
            "bad-event",
            "only an app on the site can be removed",
        ),
        (
            f"{CASE}:12:5",
            "event e6 (add_store on 2020-01-14): site `shop` does not exist",
            "bad-event",
            "publish it first (sites: blog)",
        ),
        (
            f"{CASE}:13:5",
            "event e7 (buy_one_off on 2020-01-09): events out of order: 2020-01-09 comes after 2020-01-14",
            "bad-event",
            "list events by date",
        ),
    ]


def test_cli_run_renders_event_errors_with_code_excerpt_caret_and_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["run", CASE]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    blocks = err.split("\n\n")
    # the first block: the caret under column 5, the `{` that opens event e1
    assert blocks[0].splitlines() == [
        f"{CASE}:7:5: event e1 (buy_plan on 2020-01-10): unknown plan `teem` [bad-event]",
        "  6 | events:",
        "  7 |   - {id: e1, date: 2020-01-10, type: buy_plan, plan: teem, period: annual}",
        "    |     ^",
        "  8 |   - {id: e2, date: 2020-01-10, type: buy_plan, plan: team, period: annual}",
        "  hint: did you mean `team`?",
    ]
    # the last block; line 14 of the file is empty, hence the bare "14 | "
    assert blocks[4].splitlines() == [
        f"{CASE}:13:5: event e7 (buy_one_off on 2020-01-09): events out of order: 2020-01-09 comes after "
        "2020-01-14 [bad-event]",
        "  12 |   - {id: e6, date: 2020-01-14, type: add_store, site: shop, store: store-standard, period: annual}",
        "  13 |   - {id: e7, date: 2020-01-09, type: buy_one_off, item: premium-image}",
        "     |     ^",
        "  14 | ",
        "  hint: list events by date",
    ]
    # the blocks between: headline with code, three excerpt lines with the caret under the event's `{`, hint
    assert [b.splitlines()[0] for b in blocks[1:4]] == [
        f"{CASE}:10:5: event e4 (publish_site on 2020-01-12): site `blog` is already published [bad-event]",
        f"{CASE}:11:5: event e5 (remove_app on 2020-01-13): app `app-crm` is not on site `blog` [bad-event]",
        f"{CASE}:12:5: event e6 (add_store on 2020-01-14): site `shop` does not exist [bad-event]",
    ]
    assert [b.splitlines()[3:] for b in blocks[1:4]] == [
        [
            "     |     ^",
            "  11 |   - {id: e5, date: 2020-01-13, type: remove_app, site: blog, app: app-crm}",
            "  hint: give the new site another name",
        ],
        [
            "     |     ^",
            "  12 |   - {id: e6, date: 2020-01-14, type: add_store, site: shop, store: store-standard, period: annual}",
            "  hint: only an app on the site can be removed",
        ],
        [
            "     |     ^",
            "  13 |   - {id: e7, date: 2020-01-09, type: buy_one_off, item: premium-image}",
            "  hint: publish it first (sites: blog)",
        ],
    ]
    assert blocks[5:] == ["5 errors\n"]


def test_python_events_name_the_event_without_a_location(library: Library) -> None:
    tariff = prepare(library, "duda")
    events = [
        BuyPlan("p1", date(2020, 1, 10), "team", Period.ANNUAL),
        BuyPlan("p2", date(2020, 2, 1), "team", Period.ANNUAL),
    ]
    with pytest.raises(EventError) as info:
        bill(tariff, Account("a", "duda", "US"), events, date(2020, 3, 1))
    assert [(d.location, d.message, d.code, d.hint) for d in info.value.diagnostics] == [
        (
            None,
            "event p2 (buy_plan on 2020-02-01): the account already has a plan",
            "bad-event",
            "to move to another plan or period, use change_plan",
        ),
    ]
    # without a file there is no excerpt: headline with its code, then the hint
    assert info.value.render() == (
        "event p2 (buy_plan on 2020-02-01): the account already has a plan [bad-event]\n"
        "  hint: to move to another plan or period, use change_plan"
    )


def test_resuming_with_an_event_before_the_saved_state_is_refused(library: Library) -> None:
    tariff = prepare(library, "duda")
    state = State("a", date(2020, 2, 1), catalog="duda", currency="USD")
    with pytest.raises(EventError) as info:
        bill(tariff, Account("a", "duda", "US"), [PublishSite("s", date(2020, 1, 31), "x")], date(2020, 3, 1), state)
    assert _problems(info.value) == [
        (
            "bad-event",
            "event s (publish_site on 2020-01-31): event dated 2020-01-31 is not after the saved state (2020-02-01)",
            "resume only with events after the state's date",
        ),
    ]


def test_a_plan_period_without_a_price_is_refused(library: Library) -> None:
    tariff = prepare(library, "duda")
    with pytest.raises(EventError) as info:
        bill(
            tariff,
            Account("a", "duda", "US"),
            [BuyPlan("p", date(2020, 1, 1), "team", Period.QUARTERLY)],
            date(2020, 2, 1),
        )
    assert _problems(info.value) == [
        (
            "bad-event",
            "event p (buy_plan on 2020-01-01): plan `team` has no quarterly price",
            "choose a period it has: monthly, annual",
        ),
    ]


def _problems(error: InputError) -> list[tuple[str, str, str]]:
    """(code, message, hint) of each diagnostic, for errors about events built in Python (no location)."""
    assert all(d.location is None for d in error.diagnostics)
    return [(d.code, d.message, d.hint) for d in error.diagnostics]


def _located(error: InputError) -> list[tuple[str, str, str, str]]:
    """(location, code, message, hint) of each diagnostic: a JSON path for Python arguments and states."""
    return [(str(d.location), d.code, d.message, d.hint) for d in error.diagnostics]


def _errors(library: Library, events: list[object], rule_set: str | None = None) -> list[tuple[str, str, str]]:
    tariff = prepare(library, "duda")
    if rule_set is not None:
        tariff = attrs.evolve(
            tariff,
            rules=library.rule_sets[rule_set],
            billing=attrs.evolve(tariff.billing, rules=library.rule_sets[rule_set]),
        )
    with pytest.raises(EventError) as info:
        bill(tariff, Account("a", "duda", "US"), events, date(2021, 1, 1))  # type: ignore[arg-type]
    return _problems(info.value)


def test_a_change_before_the_contract_exists_is_refused(library: Library) -> None:
    assert _errors(library, [ChangePlan("c", date(2020, 1, 5), "team", Period.ANNUAL)]) == [
        (
            "bad-event",
            "event c (change_plan on 2020-01-05): the account has no plan to change",
            "buy one first with buy_plan",
        ),
    ]


def test_a_change_after_the_contract_ended_is_refused(library: Library) -> None:
    events = [
        BuyPlan("p", date(2020, 1, 10), "basic", Period.MONTHLY),
        PublishSite("s", date(2020, 1, 10), "shop"),
        AddStore("st", date(2020, 1, 10), "shop", "store-standard", Period.MONTHLY),
        SetDontRenew("d", date(2020, 1, 20), "store:shop"),
        UpgradeStore("u", date(2020, 3, 1), "shop", "store-advanced"),
    ]
    assert _errors(library, events) == [
        (
            "bad-event",
            "event u (upgrade_store on 2020-03-01): site `shop` has no store to upgrade",
            "add one first (add_store)",
        ),
    ]


def test_an_upgrade_to_the_same_plan_is_refused(library: Library) -> None:
    events = [
        BuyPlan("p", date(2020, 1, 10), "team", Period.ANNUAL),
        ChangePlan("c", date(2020, 2, 1), "team", Period.ANNUAL),
    ]
    assert _errors(library, events) == [
        (
            "bad-event",
            "event c (change_plan on 2020-02-01): the account is already on plan `team` (annual)",
            "change to another plan or period",
        ),
    ]


def test_a_downgrade_the_rule_set_forbids_names_the_rule(library: Library) -> None:
    events = [
        BuyPlan("p", date(2020, 1, 10), "team", Period.ANNUAL),
        ChangePlan("c", date(2020, 2, 1), "basic", Period.ANNUAL),
    ]
    assert _errors(library, events, rule_set="wedos") == [
        (
            "bad-event",
            "event c (change_plan on 2020-02-01): changing the plan from `team` to `basic` is a downgrade, which rule "
            "set `wedos` forbids",
            "proration.downgrades: forbidden in the rule set; choose a higher tier, or cancel and buy anew",
        ),
    ]


def test_cancelling_an_included_site_is_refused(library: Library) -> None:
    events = [
        BuyPlan("p", date(2020, 1, 10), "team", Period.ANNUAL),
        PublishSite("s", date(2020, 1, 10), "home"),
        Cancel("c", date(2020, 2, 1), "site:home"),
    ]
    assert _errors(library, events) == [
        (
            "bad-event",
            "event c (cancel on 2020-02-01): no running contract `site:home` to cancel",
            "running: plan; an included site ends by unpublishing it",
        ),
    ]


def test_an_account_country_missing_from_the_vat_table_is_refused(library: Library) -> None:
    with pytest.raises(EventError) as info:
        bill(prepare(library, "duda"), Account("a", "duda", "XX"), [], date(2021, 1, 1))
    assert _problems(info.value) == [
        (
            "unknown-country",
            "account a: country `XX` is not in the VAT table",
            "add it to rules/vat.yaml (known: AT, BE, BG, CH, CY, CZ, DE, DK, EE, ES, FI, FR, GB, GR, HR, HU, IE, IT, "
            "LT, LU, LV, MT, NL, NO, PL, PT, RO, SE, SI, SK, US)",
        ),
    ]


def test_a_date_without_a_vat_rate_is_refused_not_billed_at_zero(library: Library) -> None:
    # rules/vat.yaml has German rates from 2007-01-01 on
    with pytest.raises(EventError) as info:
        bill(
            prepare(library, "duda"),
            Account("a", "duda", "DE"),
            [BuyPlan("p", date(2006, 3, 1), "team", Period.ANNUAL)],
            date(2006, 3, 1),
        )
    assert _problems(info.value) == [
        (
            "no-vat-rate",
            "account a: no VAT rate for DE on 2006-03-01",
            "extend the country's rates in rules/vat.yaml to cover this date",
        ),
    ]


def test_event_form_errors_are_located_with_a_hint() -> None:
    from billingcore.catalog.yamlsource import read_text
    from billingcore.errors import Diagnostic
    from billingcore.timeline import structure_events

    diagnostics: list[Diagnostic] = []
    doc = read_text(
        "e.yaml",
        "- {id: e1, date: 2020-01-10, type: publish_sight, site: x}\n"
        "- {id: e2, date: 2020-02-30, type: buy_plan, plan: team, period: fortnightly}\n",
        diagnostics,
    )
    events, problems = structure_events(doc.data, doc.root_loc)
    assert events == []
    assert [(str(d.location), d.code, d.message, d.hint) for d in problems] == [
        (
            "e.yaml:1:36",
            "unknown-event",
            "event e1: unknown event type `publish_sight`",
            "did you mean `publish_site`?",
        ),
        ("e.yaml:2:18", "bad-date", "event e2: date: 2020-02-30 is not a calendar date", "check the month and day"),
        (
            "e.yaml:2:66",
            "unknown-choice",
            "event e2: period: expected one of daily, weekly, biweekly, monthly, quarterly, semiannual, annual, "
            "biennial or every N days / weeks / months / years, up to 366 days or 24 months, got 'fortnightly'",
            "choose one of: daily, weekly, biweekly, monthly, quarterly, semiannual, annual, biennial or every N days "
            "/ weeks / months / years, up to 366 days or 24 months",
        ),
    ]


def test_plain_event_dicts_get_the_same_diagnostics_as_the_fast_path_skips() -> None:
    """Host dicts go through generated structurers; a bad one falls back to the located checks. Issue 9:
    each problem says which event it is in, by id and by its path `events[<index>]` (before: neither),
    and `root` is optional (there is no file)."""
    from billingcore.events import BuyPlan, PublishSite
    from billingcore.timeline import structure_events

    events, problems = structure_events(
        [
            {"id": "p", "date": "2020-01-10", "type": "buy_plan", "plan": "team", "period": "annual"},
            {"id": "s", "date": "2020-01-10", "type": "publish_site", "site": "a"},
            {"id": "x", "date": "2020-01-10", "type": ["buy_plan"]},
            {"id": "y", "date": "2020-01-10", "type": "buy_plan", "plan": "team", "period": "annual", "qty": 1},
            {"id": "z", "date": "2020-01-10", "type": "publish_site", "site": "b", "period": None},
            {"date": "2020-01-32", "type": "publish_site", "site": "c"},
            ["not", "a", "mapping"],
        ]
    )
    assert events == [
        BuyPlan("p", date(2020, 1, 10), "team", Period.ANNUAL),
        PublishSite("s", date(2020, 1, 10), "a", None, "site"),
        PublishSite("z", date(2020, 1, 10), "b", None, "site"),
    ]
    assert [(str(d.location), d.code, d.message, d.hint) for d in problems] == [
        ("events[2]", "wrong-type", "event x: an event's `type` is a word, got list",
         f"one of: {', '.join(EVENT_TYPES)}"),
        (
            "events[3]",
            "unknown-key",
            "event y: unknown key `qty` in buy plan",
            "known keys here: date, id, period, plan",
        ),
        ("events[5]", "missing-key", "missing required key `id`", "add `id: ...` here"),
        ("events[5]", "bad-date", "date: 2020-01-32 is not a calendar date", "check the month and day"),
        (
            "events[6]",
            "missing-key",
            "an event needs a `type`",
            "one of: start_trial, buy_plan, change_plan, publish_site, unpublish_site, convert_site, add_item, "
            "remove_item, add_store, upgrade_store, buy_app, upgrade_app, remove_app, buy_one_off, add_component, "
            "change_quantity, remove_component, record_usage, bill_usage, redeem_coupon, cancel, set_dont_renew, "
            "clear_dont_renew, top_up, record_payment, order_service, create_service, cancel_order, settle, refund, "
            "change_credit_limit",
        ),
    ]
    _, not_a_list = structure_events({"id": "p"})
    assert [(str(d.location), d.code, d.message) for d in not_a_list] == [
        ("events", "wrong-type", "events must be a list of mappings")
    ]


def test_a_damaged_saved_state_is_refused_with_every_broken_part_named(library: Library) -> None:
    from billingcore.errors import StateError
    from billingcore.snapshot import dump_state, load_state

    day = date(2020, 1, 10)
    result = bill(prepare(library, "duda"), Account("a", "duda", "US"), [BuyPlan("p", day, "team", Period.ANNUAL)], day)
    saved = dump_state(result.state)
    del saved["contracts"][0]["billed"]
    saved["as_of"] = "2020-13-01"
    saved["items"] = [["blog"]]
    with pytest.raises(StateError) as info:
        load_state(saved)
    hint = 'load only what dump_state wrote (docs/scenarios.md, "Saved state")'
    assert _located(info.value) == [
        ("state.as_of", "bad-state", 'saved state of account a: the string "2020-13-01" is not a calendar date', hint),
        ("state.contracts[0]", "bad-state", 'saved state of account a: missing key "billed"', hint),
        ("state.items[0]", "bad-state", "saved state of account a: expected a mapping, got a list", hint),
    ]
    with pytest.raises(StateError) as not_a_mapping:
        load_state([])  # type: ignore[arg-type]
    assert _located(not_a_mapping.value) == [("state", "bad-state", "a saved state is a mapping, got a list", hint)]


def test_an_account_of_another_catalog_is_refused(library: Library) -> None:
    with pytest.raises(EventError) as info:
        bill(prepare(library, "duda"), Account("a", "wedos", "CZ"), [], date(2021, 1, 1))
    assert _problems(info.value) == [
        (
            "wrong-catalog",
            "account a is on catalog `wedos`, not `duda`",
            "bill it with the tariff of its own catalog: prepare(library, 'wedos')",
        ),
    ]


def _resume(library: Library, account: str, until: date) -> None:
    """Bill account `account` until `until` from account a's state saved on 2020-01-10."""
    tariff = prepare(library, "duda")
    day = date(2020, 1, 10)
    saved = bill(tariff, Account("a", "duda", "US"), [BuyPlan("p", day, "team", Period.ANNUAL)], day).state
    bill(tariff, Account(account, "duda", "US"), [], until, saved)


def test_resuming_an_account_from_another_accounts_state_is_refused(library: Library) -> None:
    from billingcore.errors import StateError

    with pytest.raises(StateError) as info:
        _resume(library, "b", date(2020, 2, 10))
    assert _located(info.value) == [
        (
            "state.account",
            "wrong-account",
            "the saved state is account a's, not account b's",
            "resume each account from its own saved state",
        ),
    ]


def test_billing_until_a_date_before_the_saved_state_is_refused(library: Library) -> None:
    with pytest.raises(EventError) as info:
        _resume(library, "a", date(2020, 1, 9))
    assert _located(info.value) == [
        (
            "until",
            "bad-until",
            "account a: billing until 2020-01-09 would go back before the saved state (2020-01-10)",
            "bill until a date on or after the state's as_of",
        ),
    ]


def test_two_events_with_one_id_are_both_named(library: Library) -> None:
    events = [BuyPlan("p", date(2020, 1, 10), "team", Period.ANNUAL), PublishSite("p", date(2020, 1, 10), "blog")]
    with pytest.raises(EventError) as info:
        bill(prepare(library, "duda"), Account("a", "duda", "US"), events, date(2020, 2, 1))
    assert _problems(info.value) == [
        ("bad-event", "event p (publish_site on 2020-01-10): duplicate event id `p`", "give every event its own id"),
    ]


def test_an_event_id_billed_before_a_saved_state_is_refused_after_it_like_in_one_run(library: Library) -> None:
    """Issue 9: a duplicate id split across a save/resume issued two documents with one number, while
    one full run refuses it. The state remembers every id it billed."""
    tariff, account = prepare(library, "duda"), Account("a", "duda", "US")
    first = [BuyPlan("p", date(2020, 1, 10), "team", Period.ANNUAL), PublishSite("x", date(2020, 1, 12), "blog")]
    saved = bill(tariff, account, first, date(2020, 1, 31)).state
    with pytest.raises(EventError) as info:
        bill(tariff, account, [PublishSite("x", date(2020, 2, 1), "shop", Period.MONTHLY)], date(2020, 3, 1), saved)
    assert _problems(info.value) == [
        (
            "bad-event",
            "event x (publish_site on 2020-02-01): duplicate event id `x`: an event before the saved state had it",
            "give every event its own id",
        ),
    ]


def test_an_event_on_the_saved_states_own_date_is_refused_and_until_that_date_bills_nothing(library: Library) -> None:
    tariff = prepare(library, "duda")
    day = date(2020, 1, 10)
    saved = bill(tariff, Account("a", "duda", "US"), [BuyPlan("p", day, "team", Period.ANNUAL)], day).state
    again = bill(tariff, Account("a", "duda", "US"), [], day, saved)  # the same day again: nothing new
    assert (again.documents, again.state) == ((), saved)
    with pytest.raises(EventError) as info:
        bill(tariff, Account("a", "duda", "US"), [PublishSite("s", day, "blog")], date(2020, 2, 1), saved)
    assert _problems(info.value) == [
        (
            "bad-event",
            "event s (publish_site on 2020-01-10): event dated 2020-01-10 is not after the saved state (2020-01-10)",
            "resume only with events after the state's date",
        ),
    ]


def test_events_on_the_same_day_are_in_order_and_an_earlier_one_after_them_is_not(library: Library) -> None:
    day = date(2020, 1, 10)
    events = [
        BuyPlan("p", day, "team", Period.ANNUAL),
        PublishSite("s", day, "home"),  # the same day: in order
        PublishSite("t", date(2020, 1, 9), "blog", Period.MONTHLY),
    ]
    with pytest.raises(EventError) as info:
        bill(prepare(library, "duda"), Account("a", "duda", "US"), events, date(2020, 2, 1))
    assert _problems(info.value) == [
        (
            "bad-event",
            "event t (publish_site on 2020-01-09): events out of order: 2020-01-09 comes after 2020-01-10",
            "list events by date",
        ),
    ]


def test_an_unknown_name_with_nothing_close_lists_what_is_known_or_says_none() -> None:
    from billingcore.features.base import Problem, unknown

    assert unknown("plan", "zz", ["team", "basic"]) == Problem("unknown plan `zz`", "known: basic, team")
    assert unknown("one-off item", "x", []) == Problem("unknown one-off item `x`", "known: none")

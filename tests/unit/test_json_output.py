"""The JSON field names host applications read are stable: this test pins them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from billingcore.cli import main
from billingcore.scenarios import load_scenario, run_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "tests/scenarios/duda/billing-example.yaml"


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_document_and_line_fields_are_pinned() -> None:
    doc = run_scenario(load_scenario(EXAMPLE)).actual["documents"][0]
    assert list(doc) == [
        "type",
        "kind",
        "number",
        "account",
        "date",
        "currency",
        "lines",
        "net",
        "vat",
        "gross",
        "subtotal",
        "discounts",
        "credits",
        "amount_due",
        "due_date",
        "seller",
        "customer",
        "reverse_charge",
        "notes",
    ]
    assert list(doc["lines"][0]) == [
        "item",
        "description",
        "kind",
        "quantity",
        "unit_price",
        "amount",
        "discount",
        "vat_rate",
        "period_start",
        "period_end",
        "explanation",
        "cause",
    ]
    assert list(doc["vat"][0]) == ["rate", "base", "amount"]
    assert list(doc["customer"]) == ["id", "name", "address", "vat_id", "email", "buyer_reference"]
    assert list(doc["customer"]["address"]) == ["lines", "postcode", "city", "country"]


def test_first_invoice_of_the_billing_example_as_json() -> None:
    doc = run_scenario(load_scenario(EXAMPLE)).actual["documents"][0]
    assert doc == {
        "type": "invoice",
        "kind": "annual",
        "number": "acme-20200110-annual",
        "account": "acme",
        "date": "2020-01-10",
        "currency": "USD",
        "lines": [
            {
                "item": "site:site-1",
                "description": "Website site-1 (included in plan)",
                "kind": "included",
                "quantity": "1",
                "unit_price": "0.00",
                "amount": "0.00",
                "discount": "0.00",
                "vat_rate": "0",
                "period_start": "2020-01-10",
                "period_end": "2020-02-09",
                "explanation": "included in the plan: 0.00",
                "cause": "billing_day",
            },
            {
                "item": "plan",
                "description": "Team plan (annual)",
                "kind": "charge",
                "quantity": "1",
                "unit_price": "264.00",
                "amount": "264.00",
                "discount": "0.00",
                "vat_rate": "0",
                "period_start": "2020-01-10",
                "period_end": "2021-01-09",
                "explanation": "annual term from 2020-01-10: 264.00",
                "cause": "e3",
            },
        ],
        "net": "264.00",
        "vat": [{"rate": "0", "base": "264.00", "amount": "0.00"}],
        "gross": "264.00",
        "subtotal": "264.00",
        "discounts": "0.00",
        "credits": "0.00",
        "amount_due": "264.00",
        "due_date": "2020-01-10",  # rules/duda.yaml: payment terms 0 days, due on issue
        "seller": None,  # plans/duda.yaml names no seller
        "customer": {
            "id": "acme",
            "name": None,
            "address": {"lines": [], "postcode": None, "city": None, "country": "US"},
            "vat_id": None,
            "email": None,
            "buyer_reference": None,
        },
        "reverse_charge": False,  # a US customer: its 0 % is the US rate, not the reverse charge
        "notes": [],
    }


def test_run_prints_json_for_host_applications(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", EXAMPLE, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(d["date"], d["kind"], d["gross"]) for d in out["documents"][:4]] == [
        ("2020-01-10", "annual", "264.00"),
        ("2020-02-10", "monthly", "13.00"),
        ("2020-03-10", "monthly", "13.00"),
        ("2020-03-10", "annual", "117.00"),
    ]


def test_run_prints_a_readable_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", EXAMPLE]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "2020-01-10  invoice annual    acme-20200110-annual  USD"
    assert lines[1].split() == [
        "Website",
        "site-1",
        "(included",
        "in",
        "plan)",
        "2020-01-10",
        "to",
        "2020-02-09",
        "0.00",
    ]
    assert lines[2] == "      included in the plan: 0.00"  # each line's explanation under it (issue 14)
    assert lines[3].split() == ["Team", "plan", "(annual)", "2020-01-10", "to", "2021-01-09", "264.00"]
    assert lines[4] == "      annual term from 2020-01-10: 264.00"


def test_update_goldens_rewrites_only_the_expect_block(tmp_path: Path) -> None:
    text = (ROOT / EXAMPLE).read_text().replace("../../../plans/duda.yaml", str(ROOT / "plans" / "duda.yaml"))
    head = text[: text.index("\nexpect:") + 1]
    scenario_dir = tmp_path / "scenarios"
    scenario_dir.mkdir()
    path = scenario_dir / "example.yaml"
    path.write_text(head + "expect:\n  documents: []\n")
    allow = ["--allow", str(ROOT)]  # the scenario is outside the repository it bills from
    assert main(["test", str(path), *allow]) == 1
    assert main(["test", str(path), "--update-goldens", *allow]) == 0
    updated = path.read_text()
    assert updated.startswith(head)  # the comments and everything above expect: are kept
    assert main(["test", str(path), *allow]) == 0
    assert updated.count("number: acme-20200110-annual") == 1


def test_a_scenario_without_expectations_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / EXAMPLE).read_text().replace("../../../plans/duda.yaml", str(ROOT / "plans" / "duda.yaml"))
    path = tmp_path / "example.yaml"
    path.write_text(text[: text.index("\nexpect:") + 1])
    assert main(["test", str(path), "--allow", str(ROOT)]) == 1
    assert "the scenario has no `expect:` block" in capsys.readouterr().out


def test_saved_state_format_is_pinned() -> None:
    """Hosts store states between bill runs: the mapping, its field names and value forms are stable,
    and a stored state loads back to the same State."""
    from datetime import date

    from billingcore.catalog.loader import load
    from billingcore.catalog.model import Period
    from billingcore.engine import Account, bill, prepare
    from billingcore.events import BuyApp, BuyPlan, PublishSite
    from billingcore.snapshot import dump_state, load_state

    tariff = prepare(load(["plans/duda.yaml", "rules"]), "duda")
    day = date(2020, 1, 10)
    events = [
        BuyPlan("p", day, "basic", Period.MONTHLY),
        PublishSite("s", day, "blog", Period.ANNUAL),
        BuyApp("x", date(2020, 1, 20), "blog", "app-crm", Period.MONTHLY),
    ]
    state = bill(tariff, Account("a", "duda", "US"), events, date(2020, 1, 31)).state
    saved = dump_state(state)
    assert [c["key"] for c in saved["contracts"]] == ["plan", "site:blog", "app:blog:app-crm"]
    saved_app = {**saved, "contracts": saved["contracts"][2:]}
    assert saved_app == (
        {
            "format": 8,
            "account": "a",
            "catalog": "duda",
            "currency": "USD",
            "as_of": "2020-01-31",
            "billing_day": 10,
            "billing_anchor": "2020-01-10",
            "billings_done": 1,
            "event_ids": {"p": "2020-01-10", "s": "2020-01-10", "x": "2020-01-20"},
            "contracts": [
                {
                    "key": "app:blog:app-crm",
                    "kind": "addon",
                    "product": "app-crm",
                    "name": "CRM app on blog",
                    "period": "monthly",
                    "item": "blog",
                    "started": "2020-01-20",
                    "anchor_day": 20,
                    "unit_price": "5.00",
                    "bought": "2020-01-20",
                    "term_start": "2020-01-20",
                    "term_end": "2020-02-20",
                    "terms": 1,
                    "billed": "5.00",
                    "billed_from": "2020-01-20",
                    "included": False,
                    "dont_renew": False,
                    "ended": False,
                }
            ],
            "pending": [
                {
                    "contract": "app:blog:app-crm",
                    "description": "CRM app on blog (monthly)",
                    "kind": "charge",
                    "group": "monthly",
                    "due": "2020-01-20",
                    "start": "2020-01-20",
                    "end": "2020-02-20",
                    "quantity": "1",
                    "unit_price": "5.00",
                    "amount": "5.00",
                    "explanation": "monthly term from 2020-01-20: 5.00",
                    "cause": "x",
                }
            ],
            "trial": None,
            "downgrade": None,
            "items": [
                {
                    "name": "blog",
                    "product": "site",
                    "key": "site:blog",
                    "active": True,
                    "order": 1,
                    "includable": True,
                    "removed": False,
                }
            ],
            "components": [],
            "coupons": [],
            "accounts": None,
        }
    )
    assert load_state(json.loads(json.dumps(saved))) == state

"""`billingcore impact OLD NEW` (docs/impact.md): the scenarios of a catalog billed under two versions of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from billingcore.cli import main
from billingcore.errors import InputError
from billingcore.impact import format_impact_text, impact, impact_json

ROOT = Path(__file__).resolve().parents[2]
DUDA = ROOT / "plans" / "duda.yaml"
SCENARIOS = ROOT / "tests" / "scenarios"
EXAMPLE = SCENARIOS / "duda" / "billing-example.yaml"
TEAM_ANNUAL = 'annual: "264.00"   # seed: "Jährliche Zahlung für den Team-Tarifplan: $264"'


def _copy(tmp_path: Path, old: str, new: str) -> str:
    text = DUDA.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "my-duda.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return str(path)


def test_the_team_plans_annual_price_in_the_billing_example(tmp_path: Path) -> None:
    # By hand from the scenario's expectations: the Team plan's annual term is billed on 2020-01-10 and
    # renewed on 2021-01-10, 264.00 each; at 300.00 each is 36.00 more. The account is in the US (VAT 0 %):
    # net = gross. The 13 monthly invoices (13.00) and the site's annual ones (117.00) do not change.
    new = _copy(tmp_path, TEAM_ANNUAL, 'annual: "300.00"')
    report = impact_json(impact(str(DUDA), new, [str(EXAMPLE)]))
    assert report["scenarios"] == [
        {
            "path": str(EXAMPLE),
            "status": "compared",
            "documents": [
                {
                    "number": "acme-20200110-annual",
                    "date": "2020-01-10",
                    "kind": "annual",
                    "currency": "USD",
                    "old": {"net": "264.00", "vat": "0.00", "gross": "264.00"},
                    "new": {"net": "300.00", "vat": "0.00", "gross": "300.00"},
                    "difference": "36.00",
                },
                {
                    "number": "acme-20210110-annual",
                    "date": "2021-01-10",
                    "kind": "annual",
                    "currency": "USD",
                    "old": {"net": "264.00", "vat": "0.00", "gross": "264.00"},
                    "new": {"net": "300.00", "vat": "0.00", "gross": "300.00"},
                    "difference": "36.00",
                },
            ],
        }
    ]
    assert report["summary"] == {
        "compared": 1,
        "skipped": 0,
        "failing": 0,
        "documents_changed": 2,
        "difference": {"USD": "72.00"},
    }


def test_a_site_price_with_vat(tmp_path: Path) -> None:
    # The monthly site 13.00 -> 14.00 in the billing example: site-2 is on every monthly invoice from
    # 2020-02-10 to 2021-03-10 (14 invoices), +1.00 each (US: VAT 0 %), +14.00 in all.
    new = _copy(tmp_path, 'monthly: "13.00"   # seed', 'monthly: "14.00"   # seed')
    report = impact(str(DUDA), new, [str(EXAMPLE)])
    changes = report.scenarios[0].changes
    assert [c.date for c in changes][:2] == ["2020-02-10", "2020-03-10"]
    assert len(changes) == 14
    assert {str(c.difference) for c in changes} == {"1.00"}
    assert report.totals() == {"USD": 14}


def test_an_unchanged_catalog_changes_nothing(tmp_path: Path) -> None:
    new = _copy(tmp_path, TEAM_ANNUAL, TEAM_ANNUAL)
    report = impact(str(DUDA), new, [str(SCENARIOS / "duda")])
    assert report.count("compared") > 30
    assert report.count("failing") == 0
    assert [s.path for s in report.scenarios if s.changes] == []
    assert report.totals() == {}
    assert format_impact_text(report).endswith("0 documents changed; difference in gross: none\n")


def test_a_removed_plan_fails_the_scenarios_that_buy_it(tmp_path: Path) -> None:
    text = DUDA.read_text(encoding="utf-8")
    start = text.index("  - id: team\n")
    end = text.index("  - id: agency\n")
    new = tmp_path / "no-team.yaml"
    new.write_text(text[:start] + text[end:], encoding="utf-8")
    report = impact(str(DUDA), str(new), [str(EXAMPLE)])
    (only,) = report.scenarios
    assert (only.status, only.side) == ("failing", "new")
    assert "billing-example.yaml:15:5: event e3 (buy_plan on 2020-01-10): unknown plan `team`" in only.reason
    assert "team" in only.reason
    data = impact_json(report)
    assert data["scenarios"][0]["under"] == "new"
    assert data["summary"]["failing"] == 1


def test_other_catalogs_and_inline_catalogs_are_skipped(tmp_path: Path) -> None:
    new = _copy(tmp_path, TEAM_ANNUAL, 'annual: "300.00"')
    inline = SCENARIOS / "vat" / "per-rate-rounding.yaml"
    other = SCENARIOS / "saas" / "pro-plan-seats-api-coupon.yaml"
    report = impact_json(impact(str(DUDA), new, [str(other), str(inline)]))
    assert [(s["path"], s["status"], s["reason"]) for s in report["scenarios"]] == [
        (str(other), "skipped", "catalog saas-pro"),
        (str(inline), "skipped", "inline catalog"),
    ]
    assert report["summary"]["skipped"] == 2


def test_the_command_prints_json_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = _copy(tmp_path, TEAM_ANNUAL, 'annual: "300.00"')
    assert main(["impact", str(DUDA), new, "--scenarios", str(EXAMPLE), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sorted(data) == ["catalog", "new", "old", "scenarios", "summary"]
    assert data["catalog"] == "duda"
    assert data["summary"]["difference"] == {"USD": "72.00"}


def test_the_command_prints_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = _copy(tmp_path, TEAM_ANNUAL, 'annual: "300.00"')
    assert main(["impact", str(DUDA), new, "--scenarios", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "acme-20210110-annual" in out
    assert "264.00 ->     300.00      +36.00 USD" in out
    assert out.endswith("2 documents changed; difference in gross: +72.00 USD\n")


def test_bad_input_is_a_located_error_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(DUDA.read_text(encoding="utf-8").replace('"264.00"', "264.00"), encoding="utf-8")
    assert main(["impact", str(DUDA), str(broken), "--scenarios", str(EXAMPLE)]) == 1
    assert "broken.yaml:28:" in capsys.readouterr().err
    other = ROOT / "plans" / "wedos.yaml"
    if other.exists():
        with pytest.raises(InputError, match="holds catalog"):
            impact(str(DUDA), str(other), [str(EXAMPLE)])
    with pytest.raises(InputError, match="does not exist"):
        impact(str(DUDA), str(tmp_path / "missing.yaml"), [str(EXAMPLE)])


def test_the_docs_report_is_the_real_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # docs/impact.md shows the report on the shipped scenarios; its lines must be what the command prints.
    monkeypatch.chdir(ROOT)
    new = _copy(tmp_path, TEAM_ANNUAL, 'annual: "300.00"')
    text = format_impact_text(impact("plans/duda.yaml", new)).replace(new, "my-duda.yaml")
    docs = (ROOT / "docs" / "impact.md").read_text(encoding="utf-8")
    example = docs[docs.index("$ billingcore impact plans/duda.yaml my-duda.yaml\n") :].split("```")[0]
    shown = [line for line in example.splitlines()[1:] if line and line != "..."]
    assert [line for line in shown if line not in text.splitlines()] == []
    assert len(shown) > 10


def test_without_tests_scenarios_the_scenarios_of_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A folder holding only the plan file, its copy and a scenario: the plan files are not taken for scenarios.
    (tmp_path / "duda.yaml").write_text(DUDA.read_text(encoding="utf-8"), encoding="utf-8")
    _copy(tmp_path, TEAM_ANNUAL, 'annual: "300.00"')
    scenario = EXAMPLE.read_text(encoding="utf-8").replace("../../../plans/duda.yaml", "duda.yaml")
    (tmp_path / "example.yaml").write_text(scenario, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["impact", "duda.yaml", "my-duda.yaml", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["path"] for s in data["scenarios"]] == ["example.yaml"]
    assert data["summary"]["difference"] == {"USD": "72.00"}

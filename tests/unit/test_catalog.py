"""The shipped plans/ and rules/ load, and hold the values the seeds document."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billingcore.catalog.loader import Library, load_texts
from billingcore.catalog.model import Period
from billingcore.catalog.rules import ChangeDay, DayBasis, ProrationLands
from billingcore.cli import main, schema_text
from billingcore.errors import Location, PlanError
from billingcore.money import Rounding

ROOT = Path(__file__).resolve().parents[2]


def test_duda_prices_from_the_seed(library: Library) -> None:
    duda = library.catalog("duda")
    team = duda.plan("team")
    site = duda.product("site")
    store = duda.product("store-standard")
    assert team is not None
    assert site is not None
    assert store is not None
    assert str(team.version_on(date(2020, 1, 10)).prices[Period.ANNUAL]) == "264.00"
    assert {p.value: str(v) for p, v in site.prices.items()} == {"monthly": "13.00", "annual": "117.00"}
    assert str(store.prices[Period.ANNUAL]) == "87.00"
    assert duda.currency == "USD"


def test_agency_includes_eight_sites_before_july_2020_and_four_after(library: Library) -> None:
    agency = library.catalog("duda").plan("agency")
    assert agency is not None
    assert agency.version_on(date(2020, 6, 30)).included == {"site": 8}
    assert agency.version_on(date(2020, 7, 1)).included == {"site": 4}


def test_legacy_unlimited_site_is_never_includable(library: Library) -> None:
    unlimited = library.catalog("duda").product("unlimited-site")
    assert unlimited is not None
    assert unlimited.includable is False


def test_duda_rule_set_matches_the_documented_proration(library: Library) -> None:
    rules = library.rules_for(library.catalog("duda"))
    assert rules.proration.day_basis is DayBasis.ACTUAL
    assert rules.proration.change_day is ChangeDay.USED
    assert rules.proration.rounding is Rounding.DOWN
    assert rules.proration.lands is ProrationLands.NEXT_BILLING_DAY


def test_german_vat_was_16_percent_in_the_second_half_of_2020(library: Library) -> None:
    assert library.vat is not None
    de = library.vat.vat_rates["DE"]
    rates = {d: de.rate_on(d) for d in (date(2020, 6, 30), date(2020, 7, 1), date(2020, 12, 31), date(2021, 1, 1))}
    assert [str(r.rate) if r else None for r in rates.values()] == ["19", "16", "16", "19"]


def test_wedos_minimum_top_up_is_100_czk(library: Library) -> None:
    assert str(library.rule_sets["wedos"].accounts.minimum_top_up["CZK"]) == "100.00"
    assert library.rule_sets["wedos"].renewal.lead_days == 10


def test_objects_keep_their_source_location(library: Library) -> None:
    team = library.catalog("duda").plan("team")
    assert team is not None
    assert team.src == Location("plans/duda.yaml", 21, 5)


def test_rules_files_may_omit_sections_and_get_documented_defaults() -> None:
    lib = load_texts({"r.yaml": "rule_set: minimal\n"})
    rules = lib.rule_sets["minimal"]
    assert rules.proration.rounding is Rounding.HALF_UP
    assert rules.proration.change_day is ChangeDay.USED
    assert rules.renewal.lead_days == 0


def test_all_errors_of_all_files_come_at_once() -> None:
    with pytest.raises(PlanError) as info:
        load_texts(
            {
                "a.yaml": "rule_set: a\nproration: {rounding: nearest}\n",
                "b.yaml": "rule_set: b\nrenewal: {lead_days: -1, auto_renew: yes}\n",
            }
        )
    got = [(str(d.location), d.code) for d in info.value.diagnostics]
    assert got == [("a.yaml:2:23", "unknown-choice"), ("b.yaml:2:38", "yaml11-bool")]


def test_committed_schemas_match_the_code() -> None:
    for kind in ("plan", "rules"):
        committed = (ROOT / "schema" / f"{kind}.schema.json").read_text()
        assert committed == schema_text(kind), f"schema/{kind}.schema.json is stale: run `make schema`"


def test_plan_schema_describes_fields_and_forbids_unknown_keys() -> None:
    schema = json.loads(schema_text("plan"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["catalog", "currency", "rules", "seller_country"]
    product = schema["definitions"]["Product"]
    assert product["properties"]["kind"]["enum"] == ["site", "store", "app", "service"]
    assert product["properties"]["prices"]["propertyNames"] == {"enum": ["monthly", "quarterly", "annual", "biennial"]}


@pytest.mark.parametrize("path", sorted((ROOT / "plans").glob("*.yaml")), ids=lambda p: p.name)
def test_every_plan_file_names_the_committed_schema(path: Path) -> None:
    assert path.read_text().splitlines()[0] == "# yaml-language-server: $schema=../schema/plan.schema.json"


@pytest.mark.parametrize("path", sorted((ROOT / "rules").glob("*.yaml")), ids=lambda p: p.name)
def test_every_rules_file_names_the_committed_schema(path: Path) -> None:
    assert path.read_text().splitlines()[0] == "# yaml-language-server: $schema=../schema/rules.schema.json"


def test_check_accepts_the_shipped_plans_and_rules(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["check", "plans", "rules"]) == 0
    assert capsys.readouterr().out == "ok: 13 files, 4 catalogs, 8 rule sets, VAT table loaded\n"


def test_check_of_one_plan_file_finds_the_rules_beside_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["check", "plans/duda.yaml"]) == 0
    assert capsys.readouterr().out.startswith("ok: 10 files, 1 catalogs")


def test_money_in_catalogs_stays_exact() -> None:
    lib = load_texts(
        {
            "r.yaml": "rule_set: r\n",
            "v.yaml": 'vat_rates: {DE: {name: Germany, eu: true, rates: [{rate: "19", valid_from: 2007-01-01}]}}\n',
            "c.yaml": "catalog: c\ncurrency: JPY\nrules: r\nseller_country: DE\n"
            'one_offs: [{id: image, name: Image, price: "500"}]\n',
        }
    )
    image = lib.catalog("c").one_off("image")
    assert image is not None
    assert image.price == Decimal("500")
    assert str(image.price) == "500"

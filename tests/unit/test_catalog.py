"""The shipped plans/ and rules/ load, and hold the values the seeds document."""

from __future__ import annotations

import ast
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billingcore.catalog.loader import Library, load_texts
from billingcore.catalog.model import Period
from billingcore.catalog.rules import ChangeDay, DayBasis, ProrationLands
from billingcore.catalog.structure import diagnostics_from
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
    for kind in ("plan", "rules", "scenario"):
        committed = (ROOT / "schema" / f"{kind}.schema.json").read_text()
        assert committed == schema_text(kind), f"schema/{kind}.schema.json is stale: run `make schema`"


def test_plan_schema_describes_fields_and_forbids_unknown_keys() -> None:
    schema = json.loads(schema_text("plan"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["catalog", "currency", "rules", "seller_country"]
    product = schema["definitions"]["Product"]
    kind = product["properties"]["kind"]
    assert (kind["type"], kind["pattern"]) == ("string", "^[a-z0-9][a-z0-9_-]*$")
    assert kind["examples"] == ["site", "seat", "mailbox", "store", "app", "service"]
    periods = ["daily", "weekly", "biweekly", "monthly", "quarterly", "semiannual", "annual", "biennial"]
    every = {"type": "string", "pattern": "^every ([1-9][0-9]{0,2}) (day|week|month|year)s?$"}  # every 3 weeks
    assert product["properties"]["prices"]["propertyNames"] == {"anyOf": [{"enum": periods}, every]}


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
    assert capsys.readouterr().out == "ok: 15 files, 5 catalogs, 9 rule sets, VAT table loaded\n"


def test_check_of_one_plan_file_finds_the_rules_beside_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["check", "plans/duda.yaml"]) == 0
    assert capsys.readouterr().out.startswith("ok: 11 files, 1 catalog, ")


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


def _diagnostics(texts: dict[str, str]) -> list[tuple[str, str, str, str]]:
    with pytest.raises(PlanError) as info:
        load_texts(texts)
    return [(str(d.location), d.code, d.message, d.hint) for d in info.value.diagnostics]


_VAT = 'vat_rates: {US: {name: United States, eu: false, rates: [{rate: "0", valid_from: 2000-01-01}]}}\n'


def test_references_into_an_empty_section_say_how_to_define_the_thing() -> None:
    # "none is defined" told a product manager nothing: each hint says where the missing thing goes.
    catalog = (
        "catalog: c\ncurrency: USD\nrules: r\nseller_country: US\n"
        'components: [{id: seat, name: Seat, type: quantity, unit_price: "5.00", discount_scale: seats}]\n'
        'plans: [{id: p, name: P, rank: 1, versions: [{available_from: 2020-01-01, prices: {monthly: "1.00"},\n'
        "  included: {site: 1}, free_quota: {traffic: 10}}]}]\n"
    )
    got = _diagnostics({"r.yaml": "rule_set: r\n", "v.yaml": _VAT, "c.yaml": catalog})
    assert got == [
        (
            "c.yaml:5:89",
            "unknown-discount-scale",
            "unknown discount scale `seats`",
            "this catalog defines no discount scales; define it under `discount_scales:` as `- id: seats` with its "
            "`steps:`, or remove `discount_scale`",
        ),
        (
            "c.yaml:7:14",
            "unknown-product",
            "included item `site` is not a product of this catalog",
            "this catalog defines no products; add `site` under `products:`",
        ),
        (
            "c.yaml:7:37",
            "unknown-component",
            "free quota for `traffic`, which is not a component of this catalog",
            "this catalog has no metered components; define one under `components:` with `type: metered`",
        ),
    ]


def test_a_file_with_two_kinds_says_so() -> None:
    got = _diagnostics({"x.yaml": "rule_set: r\nvat_rates: {}\n"})
    assert got == [
        (
            "x.yaml:1:1",
            "unknown-file-kind",
            "cannot tell what this file holds",
            "this file has `rule_set:` and `vat_rates:`; each belongs in a file of its own",
        )
    ]


def test_vat_rates_listed_newest_first_are_told_to_be_reordered() -> None:
    vat = (
        "vat_rates:\n  DE:\n    name: Germany\n    eu: true\n    rates:\n"
        '      - {rate: "19", valid_from: 2021-01-01}\n'
        '      - {rate: "16", valid_from: 2020-07-01, valid_until: 2020-12-31}\n'
    )
    assert _diagnostics({"v.yaml": vat}) == [
        (
            "v.yaml:7:34",
            "vat-overlap",
            "DE rates overlap: 2020-07-01 is not after the end of the previous rate",
            "list the DE rates oldest first",
        )
    ]


def test_a_settlement_day_below_one_is_not_told_about_days_29_to_31() -> None:
    assert _diagnostics({"r.yaml": "rule_set: r\naccounts: {settlement_day: 0}\n"}) == [
        (
            "r.yaml:2:28",
            "day-range",
            "settlement_day must be a day from 1 to 28, got 0",
            "write a day of the month from 1 to 28",
        )
    ]


def test_too_many_decimals_in_a_currency_without_cents_suggests_a_whole_amount() -> None:
    catalog = 'catalog: c\ncurrency: JPY\nrules: r\nseller_country: US\none_offs: [{id: i, name: I, price: "500.5"}]\n'
    assert _diagnostics({"r.yaml": "rule_set: r\n", "v.yaml": _VAT, "c.yaml": catalog}) == [
        (
            "c.yaml:5:36",
            "too-many-decimals",
            "price: money in JPY has no decimals, got 500.5 (1 decimal)",
            'round it to a whole amount, e.g. "501"',
        )
    ]


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ('"$13.00"', 'write the number only, without a currency sign or code: "13.00"'),
        ('"13.00 EUR"', 'write the number only, without a currency sign or code: "13.00"'),
        ('".5"', 'write it as "0.5"'),
        ("[13]", 'write it as a quoted decimal, e.g. "13.00"'),
    ],
)
def test_not_decimal_hints_show_the_accepted_spelling(value: str, hint: str) -> None:
    head = "catalog: c\ncurrency: USD\nrules: r\nseller_country: US\n"
    catalog = f"{head}one_offs: [{{id: i, name: I, price: {value}}}]\n"
    got = _diagnostics({"r.yaml": "rule_set: r\n", "v.yaml": _VAT, "c.yaml": catalog})
    assert [(code, h) for _, code, _, h in got] == [("not-decimal", hint)]


@pytest.mark.parametrize(
    ("value", "hint"),
    [('"2"', "remove the quotes: 2"), ("2.5", "write a whole number, without decimals")],
)
def test_wrong_type_hints_for_whole_numbers_match_what_was_written(value: str, hint: str) -> None:
    got = _diagnostics({"r.yaml": f"rule_set: r\nrenewal: {{lead_days: {value}}}\n"})
    assert [(code, h) for _, code, _, h in got] == [("wrong-type", hint)]


def test_an_unexpected_structuring_failure_still_gets_a_code_and_a_hint() -> None:
    # invalid-value is the fallback for an exception that is not a FieldError; no plan or rules file is
    # known to reach it (a non-mapping where a mapping belongs is wrong-type), so it is tested here.
    [diagnostic] = diagnostics_from(RuntimeError("something unexpected"), None, Location("x.yaml", 1, 1))
    assert diagnostic.code == "invalid-value"
    assert diagnostic.message == "something unexpected"
    assert "docs/plans.md" in diagnostic.hint


def _codes_in_catalog_source() -> set[str]:
    """Every diagnostic code the catalog package can emit, read from its source: the `code` argument of
    each Diagnostic, FieldError and reader error, plus the duplicate-<kind> codes built from `KINDS`."""
    codes: set[str] = set()
    for path in (ROOT / "src" / "billingcore" / "catalog").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ("Diagnostic", "FieldError", "error"):
                continue
            args = [kw.value for kw in node.keywords if kw.arg == "code"] or node.args[-1:]
            if len(node.args) + len(node.keywords) >= 3 and args and isinstance(args[0], ast.Constant):
                codes.add(args[0].value)
    codes.update({"duplicate-rule-set", "duplicate-catalog"})  # f"duplicate-{key}" in loader._register
    return codes


def _error_table() -> dict[str, str]:
    """code -> its reproducer cell, from the plan and rules table of docs/errors.md."""
    text = (ROOT / "docs" / "errors.md").read_text().split("## Timeline errors")[0]
    table: dict[str, str] = {}
    for row in re.findall(r"^\| (`.+?`) \| (.+?) \|", text, re.M):
        for code in re.findall(r"`([a-z0-9-]+)`", row[0]):
            table[code] = row[1]
    return table


def test_every_catalog_error_code_is_in_the_error_reference_with_its_reproducer() -> None:
    table = _error_table()
    assert sorted(_codes_in_catalog_source() - set(table)) == []
    cases = ROOT / "tests" / "errors" / "cases"
    for code, cell in table.items():
        if cell == "(unit test)":
            continue
        files = [f.strip() for f in cell.split(",")]
        for name in files:
            assert (cases / name).is_file(), f"{code}: {name} is not in tests/errors/cases"
        headers = "".join((cases / name).read_text() for name in files)
        assert f"[{code}]" in headers, f"{code}: no `# expect:` with [{code}] in {cell}"


def test_every_reproducer_is_listed_in_the_error_reference() -> None:
    listed = {f.strip() for cell in _error_table().values() for f in cell.split(",")}
    cases = {p.name for p in (ROOT / "tests" / "errors" / "cases").glob("*.yaml")}
    assert sorted(cases - listed) == []


def test_two_plan_versions_on_one_day_are_not_told_to_be_reordered() -> None:
    catalog = (
        "catalog: c\ncurrency: USD\nrules: r\nseller_country: US\nplans:\n  - id: p\n    name: P\n    rank: 1\n"
        "    versions:\n"
        '      - {available_from: 2020-01-01, prices: {monthly: "1.00"}}\n'
        '      - {available_from: 2020-01-01, prices: {monthly: "2.00"}}\n'
    )
    assert _diagnostics({"r.yaml": "rule_set: r\n", "v.yaml": _VAT, "c.yaml": catalog}) == [
        (
            "c.yaml:11:26",
            "version-order",
            "plan versions must be in ascending date order; 2020-01-01 is not after 2020-01-01",
            "two versions cannot start on the same day: change one date or merge the versions",
        )
    ]

"""What a host gets from the installed package alone (issue 14): the packaged rule sets, VAT table and JSON
Schemas, used unless the user's own files replace them (docs/rules.md "Packaged rule sets"); the host API,
every name importable from `billingcore`; `billingcore --version`. The same from a wheel in a clean virtualenv:
`make wheel-check` (tools/wheel_check.py)."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import os
import re
import tomllib
from pathlib import Path

import pytest

import billingcore
from billingcore.catalog.loader import load, load_texts, packaged_documents, packaged_rule_set_names
from billingcore.cli import main, schema_text
from billingcore.errors import PlanError
from billingcore.scenarios import load_scenario, run_scenario

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(billingcore.__file__).parent
PACKAGED_RULES = sorted(p.name for p in (ROOT / "rules").glob("*.yaml"))
RULE_SETS = ["billwerk", "chargebee", "duda", "fakturia", "killbill", "killbill-30", "lago", "lago-calendar", "wedos"]


# -- one copy --------------------------------------------------------------------------------------------------
@pytest.mark.skipif("MUTANT_UNDER_TEST" in os.environ, reason="make mutate copies rules/ and schema/ as folders")
def test_rules_and_schema_of_the_repository_are_the_packaged_folders() -> None:
    # One copy: rules/ and schema/ link to the package's folders, so a rule changed in rules/ is the packaged rule.
    assert (ROOT / "rules").is_symlink()
    assert (ROOT / "schema").is_symlink()
    assert (ROOT / "rules").resolve() == ROOT / "src" / "billingcore" / "defaults" / "rules"
    assert (ROOT / "schema").resolve() == ROOT / "src" / "billingcore" / "defaults" / "schema"


def test_the_packaged_documents_are_every_shipped_rule_set_and_the_vat_table() -> None:
    assert sorted(os.path.basename(d.path) for d in packaged_documents()) == PACKAGED_RULES
    assert packaged_rule_set_names() == RULE_SETS


@pytest.mark.parametrize("kind", ["plan", "rules", "scenario"])
def test_the_packaged_schemas_are_what_billingcore_schema_prints(kind: str) -> None:
    packaged = importlib.resources.files("billingcore").joinpath("defaults", "schema", f"{kind}.schema.json")
    assert packaged.read_text(encoding="utf-8") == schema_text(kind)


@pytest.mark.parametrize("name", PACKAGED_RULES)
def test_each_rules_files_schema_modeline_resolves_from_the_repository_and_from_the_package(name: str) -> None:
    # `$schema=../schema/rules.schema.json`: from rules/ it reaches schema/ (a link), from the package's
    # defaults/rules/ the package's defaults/schema/: an editor finds the schema either way.
    first = (ROOT / "rules" / name).read_text().splitlines()[0]
    target = re.fullmatch(r"# yaml-language-server: \$schema=(.+)", first)
    assert target
    for folder in (ROOT / "rules", PACKAGE / "defaults" / "rules"):
        assert os.path.isfile(os.path.join(folder, target[1])), (folder, target[1])


# -- override semantics ----------------------------------------------------------------------------------------
DUDA = (ROOT / "plans" / "duda.yaml").read_text()


def _only_the_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    plan = tmp_path / "my-plan.yaml"
    plan.write_text(DUDA)
    return plan


def test_a_plan_file_alone_loads_with_the_packaged_rule_set_and_vat_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _only_the_plan(tmp_path, monkeypatch)
    library = load(["my-plan.yaml"])
    assert library.files == ("my-plan.yaml",)
    assert sorted(os.path.basename(p) for p in library.packaged) == ["duda.yaml", "vat.yaml"]
    assert sorted(library.rule_sets) == ["duda"]  # only what a catalog names: the others cost nothing
    assert library.vat is not None
    assert "DE" in library.vat.vat_rates
    assert library.rules_for(library.catalog("duda")).proration.rounding.value == "down"


def test_check_of_a_plan_file_alone_says_what_was_packaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _only_the_plan(tmp_path, monkeypatch)
    assert main(["check", "my-plan.yaml"]) == 0
    assert capsys.readouterr().out == (
        "ok: 1 file, 1 catalog, 1 rule set, VAT table loaded (packaged with billingcore: duda, the VAT table)\n"
    )


def test_a_users_rule_set_of_the_same_name_replaces_the_packaged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _only_the_plan(tmp_path, monkeypatch)
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "duda.yaml").write_text("rule_set: duda\nproration: {rounding: half_up}\n")
    library = load(["my-plan.yaml", "rules"])
    assert library.rules_for(library.catalog("duda")).proration.rounding.value == "half_up"
    assert [os.path.basename(p) for p in library.packaged] == ["vat.yaml"]


def test_a_users_vat_table_replaces_the_packaged_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _only_the_plan(tmp_path, monkeypatch)
    (tmp_path / "vat.yaml").write_text(
        'vat_rates: {US: {name: USA, eu: false, rates: [{rate: "0", valid_from: 2000-01-01}]}}\n'
    )
    library = load(["my-plan.yaml", "vat.yaml"])
    assert library.vat is not None
    assert sorted(library.vat.vat_rates) == ["US"]
    assert [os.path.basename(p) for p in library.packaged] == ["duda.yaml"]


def test_a_repository_with_its_own_rules_uses_nothing_packaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    library = load(["plans", "rules"])
    assert library.packaged == ()
    assert len(library.rule_sets) == len(RULE_SETS)


def test_a_rule_set_found_nowhere_is_located_with_the_packaged_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _only_the_plan(tmp_path, monkeypatch)
    Path("my-plan.yaml").write_text(DUDA.replace("rules: duda", "rules: stripe"))
    with pytest.raises(PlanError) as info:
        load(["my-plan.yaml"])
    (d,) = info.value.diagnostics
    assert (str(d.location), d.code, d.message) == ("my-plan.yaml:8:8", "unknown-rule-set", "unknown rule set `stripe`")
    assert (
        d.hint
        == f"known rule sets: {', '.join(RULE_SETS)} (rule sets are rules/*.yaml; packaged with billingcore: "
        + (f"{', '.join(RULE_SETS)})")
    )


def test_without_the_packaged_files_only_the_files_named_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _only_the_plan(tmp_path, monkeypatch)
    with pytest.raises(PlanError) as info:
        load(["my-plan.yaml"], packaged=False)
    assert [(d.code, d.hint) for d in info.value.diagnostics] == [
        ("unknown-rule-set", "no rule set is loaded: name your rules/ as well (rule sets are rules/*.yaml)")
    ]


def test_a_host_keeping_only_its_plan_text_loads_it_with_the_packaged_rules() -> None:
    library = load_texts({"plans/duda.yaml": DUDA})
    assert sorted(library.rule_sets) == ["duda"]
    assert library.vat is not None


def test_check_in_an_empty_folder_says_what_to_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Once `plans:1:1: cannot read file`: the default folders are only those that exist.
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 1
    assert capsys.readouterr().err == (
        "no plan or rules files given, and no plans/ folder here [no-files]\n"
        "  hint: name your plan files: billingcore check my-plan.yaml (the packaged rule sets and VAT table are used "
        "unless your own rule files, named too, replace them)\n"
        "\n"
        "1 error\n"
    )


# -- a scenario beside only its plan file ------------------------------------------------------------------------
SCENARIO = """\
scenario: Duda's billing example beside its plan file alone
seed: 002_fe0a6c63abee1658.txt
catalog: my-plan.yaml
{rule_set}until: 2020-03-10
account: {{id: acme, country: US}}
events:
  - {{id: e1, date: 2020-01-10, type: buy_plan, plan: team, period: annual}}
  - {{id: e2, date: 2020-01-10, type: publish_site, site: site-1}}
  - {{id: e3, date: 2020-01-20, type: publish_site, site: site-2, period: monthly}}
expect:
  documents:
  - {{date: '2020-01-10', gross: '264.00'}}
  - {{date: '2020-02-10', gross: '13.00'}}
  - {{date: '2020-03-10', gross: '13.00'}}
"""


def test_a_scenario_beside_its_plan_file_alone_bills_with_the_packaged_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _only_the_plan(tmp_path, monkeypatch)
    Path("scenario.yaml").write_text(SCENARIO.format(rule_set=""))
    assert run_scenario(load_scenario("scenario.yaml")).passed
    assert main(["run", "scenario.yaml"]) == 0
    assert capsys.readouterr().out.startswith("2020-01-10  invoice annual    acme-20200110-annual  USD\n")


def test_a_scenario_may_bill_under_another_packaged_rule_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _only_the_plan(tmp_path, monkeypatch)
    Path("scenario.yaml").write_text(SCENARIO.format(rule_set="rule_set: chargebee\n"))
    scenario = load_scenario("scenario.yaml")
    assert scenario.library.catalog("duda").rules == "chargebee"
    assert "chargebee" in scenario.library.rule_sets


def test_an_inline_catalog_without_rules_bills_with_the_packaged_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _only_the_plan(tmp_path, monkeypatch)
    inline = "catalog:\n" + "".join(f"  {line}\n" for line in DUDA.splitlines() if line and not line.startswith("#"))
    Path("scenario.yaml").write_text(SCENARIO.format(rule_set="").replace("catalog: my-plan.yaml\n", inline))
    assert run_scenario(load_scenario("scenario.yaml")).passed


# -- the host API and the version ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", billingcore.__all__)
def test_every_name_of_the_host_api_imports_from_billingcore(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from billingcore import {name}", namespace)
    assert namespace[name] is getattr(billingcore, name)


def test_every_event_class_is_part_of_the_host_api() -> None:
    assert {cls.__name__ for cls in billingcore.EVENT_TYPES.values()} <= set(billingcore.__all__)


def test_version_is_the_projects_and_the_installed_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert billingcore.__version__ == project["version"]
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"billingcore {importlib.metadata.version('billingcore')}\n"

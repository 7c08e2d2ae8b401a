"""`billingcore schema scenario` (issue 14): every shipped scenario names the committed schema in its first
line, for an editor, and validates against it; the schema knows every event type and its fields."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from billingcore.cli import main, schema_text
from billingcore.features import EVENT_TYPES
from billingcore.scenarios import scenario_files

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = scenario_files(str(ROOT / "tests" / "scenarios"))
SCHEMA = json.loads(schema_text("scenario"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


class _Yaml12(yaml.SafeLoader):
    """Dates stay text, as YAML 1.2 (and an editor's language server) reads them."""


_Yaml12.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _errors(data: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(data)]


def _read(path: str) -> Any:
    return yaml.load(Path(path).read_text(encoding="utf-8"), _Yaml12)


def _name(path: str) -> str:
    return os.path.relpath(path, ROOT / "tests" / "scenarios")


@pytest.mark.parametrize("path", SCENARIOS, ids=_name)
def test_every_scenario_names_the_committed_schema(path: str) -> None:
    schema = os.path.relpath(ROOT / "schema" / "scenario.schema.json", os.path.dirname(path))
    first = Path(path).read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={schema}", "run tools/scenario_modelines.py"


@pytest.mark.parametrize("path", SCENARIOS, ids=_name)
def test_every_scenario_validates_against_the_schema(path: str) -> None:
    assert _errors(_read(path)) == []


def test_the_schema_has_a_branch_for_every_event_type_with_its_documented_fields() -> None:
    branches = [
        SCHEMA["definitions"][b["$ref"].rsplit("/", 1)[1]] for b in SCHEMA["properties"]["events"]["items"]["oneOf"]
    ]
    assert [b["properties"]["type"]["const"] for b in branches] == list(EVENT_TYPES)
    buy_plan = SCHEMA["definitions"]["event_buy_plan"]
    assert buy_plan["required"] == ["type", "id", "date", "plan", "period"]
    assert buy_plan["properties"]["plan"]["description"] == "Plan id from the catalog."
    assert buy_plan["additionalProperties"] is False


EXAMPLE = _read(str(ROOT / "tests" / "scenarios" / "duda" / "billing-example.yaml"))


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda d: d.pop("source"), None),  # optional
        (lambda d: d.pop("until"), "[]: 'until' is a required property"),
        (lambda d: d.update(seed="002"), "[]: "),  # both names
        (lambda d: d.update(sede="002"), "[]: Additional properties are not allowed ('sede' was unexpected)"),
        (lambda d: d["events"].append({"id": "x", "date": "2020-02-01", "type": "buy_plan", "plan": "team"}), "["),
        (lambda d: d["events"].append({"id": "x", "date": "2020-02-01", "type": "buy_plans"}), "["),
    ],
    ids=["no-source", "no-until", "seed-and-source", "unknown-key", "event-without-period", "unknown-event"],
)
def test_the_schema_refuses_what_the_runner_refuses(change: Any, error: str | None) -> None:
    data = json.loads(json.dumps(EXAMPLE))
    change(data)
    errors = _errors(data)
    if error is None:
        assert errors == []
    else:
        assert errors, "the schema took it"
        assert errors[0].startswith(error), errors


def test_billingcore_schema_scenario_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "scenario"]) == 0
    assert capsys.readouterr().out == (ROOT / "schema" / "scenario.schema.json").read_text()

"""JSON Schema (draft-07) of a scenario file (docs/scenarios.md), generated from the models the runner reads
with: the head keys (scenarios.ScenarioHead), the account (timeline.AccountData), an inline catalog (the plan
schema's Catalog) and every event class of billingcore.features.EVENT_TYPES, one `oneOf` branch per `type:`
with its fields and their docs. `expect:` is typed loosely: any fields of the documents, notices and accounts
the JSON output has (docs/scenarios.md "The JSON output").
"""

from __future__ import annotations

from typing import Any

from billingcore.catalog.model import Catalog
from billingcore.catalog.schema import class_schema, type_schema
from billingcore.features import EVENT_TYPES
from billingcore.scenarios import ScenarioHead
from billingcore.timeline import AccountData


def _event_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    """One event class: its fields, and `type:` its word."""
    out = class_schema(cls, defs)
    kind = {"const": cls.TYPE, "description": "The event's type."}  # type: ignore[attr-defined]
    out["properties"] = {"type": kind, **out["properties"]}
    out["required"] = ["type", *out.get("required", [])]
    return out


def scenario_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    head = class_schema(ScenarioHead, defs)
    props = dict(head["properties"])
    catalog_doc = props["catalog"].get("description", "")
    props["catalog"] = {"anyOf": [{"type": "string"}, type_schema(Catalog, defs)], "description": catalog_doc}
    props["account"] = type_schema(AccountData, defs)
    branches = []
    for cls in EVENT_TYPES.values():
        name = f"event_{cls.TYPE}"
        defs[name] = _event_schema(cls, defs)
        branches.append({"$ref": f"#/definitions/{name}"})
    props["events"] = {
        "type": "array",
        "description": "The customer's dated events, in date order (docs/scenarios.md, the events table).",
        "items": {"oneOf": branches},
    }
    loose = {"type": "array", "items": {"type": "object"}}
    props["expect"] = {
        "type": "object",
        "description": "The documents expected: only the fields written are compared (docs/scenarios.md "
        '"Comparison rules").',
        "properties": {"documents": loose, "notices": loose, "accounts": loose},
        "required": ["documents"],
        "additionalProperties": False,
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "billingcore scenario file (tests/scenarios/**/*.yaml)",
        "type": "object",
        "properties": props,
        "required": [*head.get("required", []), "account", "events"],
        "additionalProperties": False,
        "not": {"required": ["seed", "source"], "description": "`seed:` is the old name of `source:`: one of them"},
        "definitions": defs,
    }

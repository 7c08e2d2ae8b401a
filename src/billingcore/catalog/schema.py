"""JSON Schema (draft-07) for plan and rules files, generated from the attrs models.

Generated, not hand-written, so the schema cannot drift from what the loader accepts; the committed
copies in schema/ are compared against this output by a test.
"""

from __future__ import annotations

import types
import typing
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import attrs

from billingcore.catalog.fields import Money, Percent, Quantity
from billingcore.catalog.model import PERIOD_PATTERN, Catalog, Period
from billingcore.catalog.rules import RuleSet, VatTable

# The limits of docs/plans.md "Limits" and docs/scenarios.md "Supported dates", so an editor flags them too
# (money.MAX_AMOUNT_DIGITS, MAX_QUANTITY_DIGITS, MAX_DECIMALS; dates.FIRST_DAY, LAST_DAY).
_MONEY_PATTERN = r"^-?(0|[1-9][0-9]{0,11})(\.[0-9]+)?$"
_QUANTITY_PATTERN = r"^-?(0|[1-9][0-9]{0,8})(\.[0-9]{1,4})?$"
_PERCENT_PATTERN = r"^-?(0|[1-9][0-9]*)(\.[0-9]{1,4})?$"
_DATE_PATTERN = r"^(19[0-9]{2}|2[01][0-9]{2})-[0-9]{2}-[0-9]{2}$"


def _words(tp: type[Enum]) -> dict[str, Any]:
    """An enum's words; a period may also be `every N months` / `every N years` (docs/plans.md)."""
    words = {"enum": [m.value for m in tp]}
    if tp is Period:
        return {"anyOf": [words, {"type": "string", "pattern": PERIOD_PATTERN}]}
    return words


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if tp is Money:
        return {
            "type": "string",
            "pattern": _MONEY_PATTERN,
            "description": 'Money as a quoted decimal, e.g. "13.00", at most 12 digits before the point.',
        }
    if tp in (Quantity, Decimal):
        return {
            "anyOf": [{"type": "integer", "maximum": 999_999_999}, {"type": "string", "pattern": _QUANTITY_PATTERN}]
        }
    if tp is Percent:
        return {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": _PERCENT_PATTERN}]}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is date:
        return {"type": "string", "pattern": _DATE_PATTERN, "description": "A date, YYYY-MM-DD, 1900 to 2199."}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _words(tp)
    if attrs.has(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            defs[name] = _class_schema(tp, defs)
        return {"$ref": f"#/definitions/{name}"}
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple:
        return {"type": "array", "items": _type_schema(args[0], defs)}
    if origin is dict:
        out: dict[str, Any] = {"type": "object", "additionalProperties": _type_schema(args[1], defs)}
        if isinstance(args[0], type) and issubclass(args[0], Enum):
            out["propertyNames"] = _words(args[0])
        return out
    if origin in (typing.Union, types.UnionType):
        non_null = [a for a in args if a is not type(None)]
        if len(non_null) == 1:
            return _type_schema(non_null[0], defs)
    raise TypeError(f"no schema for {tp!r}")  # pragma: no cover - a new field type needs a rule here


def _class_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    props: dict[str, Any] = {}
    required = []
    for a in attrs.fields(cls):
        if a.metadata.get("src"):
            continue
        schema = dict(_type_schema(hints[a.name], defs))
        if a.metadata.get("doc"):
            schema["description"] = a.metadata["doc"]
        schema.update(a.metadata.get("schema", {}))  # a field's own constraints and examples
        props[a.name] = schema
        if a.default is attrs.NOTHING:
            required.append(a.name)
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    if cls.__doc__:
        out["title"] = cls.__doc__.strip().splitlines()[0]
    return out


def schema_for(cls: type, title: str) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    root = _class_schema(cls, defs)
    return {"$schema": "http://json-schema.org/draft-07/schema#", "title": title, **root, "definitions": defs}


def plan_schema() -> dict[str, Any]:
    return schema_for(Catalog, "billingcore plan file (plans/*.yaml)")


def rules_schema() -> dict[str, Any]:
    """Rules files are either a rule set or the VAT table."""
    defs: dict[str, Any] = {}
    rule_set = _type_schema(RuleSet, defs)
    vat = _type_schema(VatTable, defs)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "billingcore rules file (rules/*.yaml)",
        "oneOf": [rule_set, vat],
        "definitions": defs,
    }


SCHEMAS = {"plan": plan_schema, "rules": rules_schema}

# For the schemas of other models (billingcore.scenario_schema): the same rules for every field type.
type_schema = _type_schema
class_schema = _class_schema

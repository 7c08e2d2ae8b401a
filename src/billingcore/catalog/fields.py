"""Field helpers shared by the catalog and rules models: documented fields and scalar NewTypes.

The `doc` metadata becomes the description in the JSON Schema, so editor completion shows the same
words as docs/plans.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NewType

import attrs

from billingcore.errors import Location

# A money amount in the catalog's currency, written as a quoted decimal string ("13.00").
Money = NewType("Money", Decimal)
# A percentage written as a quoted decimal string ("19", "7.5").
Percent = NewType("Percent", Decimal)
# A quantity of units (sites, seats, GB), an integer or a quoted decimal string.
Quantity = NewType("Quantity", Decimal)


def field(doc: str, schema: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """An attrs field with a description for the schema and the docs (`schema`: more JSON Schema keywords
    for it, such as a pattern and examples)."""
    return attrs.field(metadata={"doc": doc, "schema": schema or {}}, **kwargs)


def src_field() -> Any:
    """Where the object was defined; not part of equality, never read from YAML."""
    return attrs.field(default=None, eq=False, repr=False, metadata={"src": True})


SourceRef = Location | None

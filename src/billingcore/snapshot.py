"""Saved states as JSON-ready dicts: `dump_state` to store between bill runs, `load_state` to resume.

Money is written as decimal strings and dates as ISO strings, so a state survives JSON unchanged.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import cattrs

from billingcore.engine import State
from billingcore.money import fmt

# States are our own output, not user input: skip detailed validation (several times faster).
_CONVERTER = cattrs.Converter(detailed_validation=False)
_CONVERTER.register_unstructure_hook(Decimal, fmt)
_CONVERTER.register_structure_hook(Decimal, lambda v, _: Decimal(v))
_CONVERTER.register_unstructure_hook(date, date.isoformat)
_CONVERTER.register_structure_hook(date, lambda v, _: date.fromisoformat(v))


def dump_state(state: State) -> dict[str, Any]:
    out: dict[str, Any] = _CONVERTER.unstructure(state)
    return out


def load_state(data: dict[str, Any]) -> State:
    return _CONVERTER.structure(data, State)

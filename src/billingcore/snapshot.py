"""Saved states as JSON-ready dicts: `dump_state` to store between bill runs, `load_state` to resume.

Money is written as decimal strings and dates as ISO strings, so a state survives JSON unchanged.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import cattrs
from cattrs.cols import is_namedtuple, namedtuple_dict_structure_factory, namedtuple_dict_unstructure_factory

from billingcore.engine import State
from billingcore.money import fmt

# States are our own output, not user input: skip detailed validation (several times faster).
_CONVERTER = cattrs.Converter(detailed_validation=False)
_CONVERTER.register_unstructure_hook(Decimal, fmt)
_CONVERTER.register_structure_hook(Decimal, lambda v, _: Decimal(v))
_CONVERTER.register_unstructure_hook(date, date.isoformat)
_CONVERTER.register_structure_hook(date, lambda v, _: date.fromisoformat(v))
# NamedTuple records (pending charges) as readable mappings, not positional lists
_CONVERTER.register_unstructure_hook_factory(is_namedtuple, namedtuple_dict_unstructure_factory)
_CONVERTER.register_structure_hook_factory(is_namedtuple, namedtuple_dict_structure_factory)


def dump_state(state: State) -> dict[str, Any]:
    out: dict[str, Any] = _CONVERTER.unstructure(state)
    return out


def load_state(data: dict[str, Any]) -> State:
    return _CONVERTER.structure(data, State)

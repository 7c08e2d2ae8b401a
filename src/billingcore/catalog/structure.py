"""Structuring located YAML data into frozen models with cattrs, errors mapped back to file:line:col.

cattrs runs with detailed validation and forbidden extra keys, so a single pass reports every bad
field and every unknown key. Its exception tree carries the path of each failure (attribute names,
list indexes, mapping keys); we walk that path through the `SourceMap`/`SourceList` tree to find the
line and column. Scalar hooks are strict: no str() or int() coercion of the wrong YAML type.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from enum import Enum, StrEnum
from typing import Any

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_mapping_structure_fn, override

from billingcore.catalog.fields import Money, Percent, Quantity
from billingcore.catalog.model import PERIOD_FORMS, Period, period
from billingcore.catalog.yamlsource import REJECTED, PlainFloat, SourceList, SourceMap
from billingcore.dates import SUPPORTED_DATES, SUPPORTED_DATES_HINT, in_supported_range
from billingcore.errors import Diagnostic, Location
from billingcore.money import MAX_AMOUNT_DIGITS, MAX_DECIMALS, MAX_QUANTITY_DIGITS, decimals_of, is_decimal_text

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_WHOLE = re.compile(r"^[-+]?[0-9]+$")


class FieldError(ValueError):
    """A value of the wrong form; message and hint are shown to the person who wrote the file."""

    def __init__(self, message: str, hint: str = "", code: str = "invalid-value"):
        super().__init__(message)
        self.message, self.hint, self.code = message, hint, code


def _got(value: Any) -> str:
    if isinstance(value, PlainFloat):
        return f"the unquoted number {value}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (SourceMap, dict)):
        return "a mapping"
    if isinstance(value, (SourceList, list)):
        return "a list"
    if value is None:
        return "nothing"
    return f"{value!r}" if isinstance(value, str) else f"{value}"


def _str(value: Any, _: Any) -> str:
    if type(value) is str or (isinstance(value, str) and not isinstance(value, PlainFloat)):
        return value
    raise FieldError(f"expected text, got {_got(value)}", _text_hint(value), "wrong-type")


def _text_hint(value: Any) -> str:
    """How to turn what YAML read as a number, boolean, mapping or list into text."""
    if isinstance(value, bool):
        return f'quote it: "{str(value).lower()}"'
    if isinstance(value, (int, PlainFloat)):
        return f'quote it: "{value}"'
    if value is None:
        return "write the text after the colon"
    return f"write text here, not {_got(value)}"


def _unquoted(value: Any) -> str | None:
    """The text of a quoted string, for hints; None for anything else."""
    return value if isinstance(value, str) and not isinstance(value, PlainFloat) else None


def _int(value: Any, _: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _unquoted(value)
    if text is not None and _WHOLE.match(text):
        hint = f"remove the quotes: {text}"
    elif isinstance(value, PlainFloat):
        hint = "write a whole number, without decimals"
    else:
        hint = "write a whole number without quotes, e.g. 3"
    raise FieldError(f"expected a whole number, got {_got(value)}", hint, "wrong-type")


def _bool(value: Any, _: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _unquoted(value)
    if text is not None and text.lower() in ("true", "false"):
        hint = f"remove the quotes: {text.lower()}"
    else:
        hint = "write true or false, without quotes"
    raise FieldError(f"expected true or false, got {_got(value)}", hint, "wrong-type")


def _decimal_text(value: Any, what: str, example: str) -> Decimal:
    if isinstance(value, PlainFloat):
        loses = "loses cents" if what == "money" else "is not exact"
        raise FieldError(
            f'{what} must be a decimal string like "{example}", got the unquoted number {value}',
            f'quote it: "{value}" (an unquoted decimal is a float in YAML and {loses})',
            "float",
        )
    if isinstance(value, str) and is_decimal_text(value):
        return Decimal(value)
    raise FieldError(
        f'{what} must be a decimal string like "{example}", got {_got(value)}',
        _decimal_hint(_unquoted(value), example),
        "not-decimal",
    )


def _decimal_hint(text: str | None, example: str) -> str:
    """Advice for text that is not a plain decimal: a comma, a % or currency sign, or another spelling."""
    if text is not None:
        text = text.strip()
        if is_decimal_text(text.replace(",", ".")) and "," in text:
            return f'write a point, not a comma: "{text.replace(",", ".")}"'
        if text.endswith("%") and is_decimal_text(text[:-1].strip()):
            return f'write the number without %: "{text[:-1].strip()}"'
        bare = re.sub(r"^[^\d\s.+-]+\s*|\s*[^\d\s.]+$", "", text)  # a currency sign or code before or after
        if bare != text and is_decimal_text(bare):
            return f'write the number only, without a currency sign or code: "{bare}"'
        try:
            number = Decimal(text)
        except ArithmeticError:
            number = None
        if (
            number is not None
            and number.is_finite()
            and -20 < number.adjusted() < 20
            and is_decimal_text(f"{number:f}")
        ):
            return f'write it as "{number:f}"'
    return f'write it as a quoted decimal, e.g. "{example}"'


def _limited(
    number: Decimal, what: str, digits: int | None, decimals: int | None, noun: tuple[str, str] = ("", "")
) -> Decimal:
    """`number` if it keeps the limits of docs/plans.md "Limits": at most `digits` digits before the decimal
    point and `decimals` after it (None: no such limit here). `noun` names the value in the hint: (one, many)."""
    if digits is not None and number.adjusted() >= digits:  # adjusted(): the first digit's power of ten
        text = f"{number:f}"  # never an exponent, whatever the decimal context
        shown = text if len(text) <= 24 else f"{text[:20]}..."  # a 40-digit typo need not be repeated whole
        got = f"{shown} ({number.adjusted() + 1} digits)"
        raise FieldError(
            f"{what} has at most {digits} digits before the decimal point, got {got}",
            f'check the {noun[0]}: billingcore bills {noun[1]} below 1{"0" * digits} (docs/plans.md, "Limits")',
            "too-large",
        )
    places = decimals_of(number)
    if decimals is not None and places > decimals:
        context = Context(prec=len(number.as_tuple().digits) + 1)  # enough for any number written
        rounded = number.quantize(Decimal(1).scaleb(-decimals, context), rounding=ROUND_HALF_UP, context=context)
        raise FieldError(
            f"{what} has at most {decimals} decimals, got {number:f} ({places} decimals)",
            f'round it to {decimals} decimals, e.g. "{rounded:f}"',
            "too-many-decimals",
        )
    return number


def _money(value: Any, _: Any) -> Decimal:
    if isinstance(value, int) and not isinstance(value, bool):
        raise FieldError(
            f'money must be a decimal string like "{value}.00", got the unquoted number {value}',
            f'quote it with its cents: "{value}.00" (in a currency without cents, such as JPY: "{value}")',
            "money-not-string",
        )
    # Its decimals depend on the currency: validate.check_money counts them.
    return _limited(_decimal_text(value, "money", "13.00"), "money", MAX_AMOUNT_DIGITS, None, ("amount", "amounts"))


def _percent(value: Any, _: Any) -> Decimal:
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)  # its range, 0 to 100, is validate.check_percent's
    return _limited(_decimal_text(value, "a percentage", "19"), "a percentage", None, MAX_DECIMALS)


def _quantity(value: Any, _: Any) -> Decimal:
    if isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    else:
        number = _decimal_text(value, "a quantity", "1.5")
    return _limited(number, "a quantity", MAX_QUANTITY_DIGITS, MAX_DECIMALS, ("quantity", "quantities"))


def _date(value: Any, _: Any) -> date:
    known = _DATES.get(value) if type(value) is str else None
    if known is not None:  # a bill run's events share a few hundred date texts: parse each once
        return known
    if isinstance(value, str) and _DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise FieldError(f"{value} is not a calendar date", "check the month and day", "bad-date") from None
        if not in_supported_range(day):  # read from a file or a host: plan and VAT dates, events, `until`
            message = f"{value} is outside the supported dates {SUPPORTED_DATES}"
            raise FieldError(message, SUPPORTED_DATES_HINT, "date-range")
        if len(_DATES) > 100_000:  # bounded, like dates.iso
            _DATES.clear()
        _DATES[value] = day
        return day
    raise FieldError(f"expected a date YYYY-MM-DD, got {_got(value)}", "write e.g. 2020-07-01", "bad-date")


_DATES: dict[str, date] = {}  # date texts already checked and parsed


def _enum(value: Any, cls: type[Enum]) -> Enum:
    member = cls._value2member_map_.get(value) if isinstance(value, str) else None
    if member is not None:
        return member
    if isinstance(value, str):
        try:  # an enum that makes members on demand: Period's `every N months`
            return cls(value)
        except ValueError:
            pass
    choices = [str(m.value) for m in cls]
    more = f" {PERIOD_FORMS}" if cls is Period else ""
    close = difflib.get_close_matches(str(value), choices, n=1)
    hint = f"did you mean `{close[0]}`?" if close else f"choose one of: {', '.join(choices)}{more}"
    raise FieldError(f"expected one of {', '.join(choices)}{more}, got {_got(value)}", hint, "unknown-choice")


def make_converter(on_structured: Callable[[Any, SourceMap], Any]) -> cattrs.Converter:
    """A strict converter; `on_structured(obj, mapping)` sees every attrs object with its mapping."""
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    # Singledispatch picks the closest class in the MRO. Our enums are StrEnums, and StrEnum comes
    # before str in their MRO, so registering StrEnum keeps them out of the plain-text hook.
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook(int, _int)
    conv.register_structure_hook(bool, _bool)
    conv.register_structure_hook(StrEnum, _enum)
    conv.register_structure_hook(Enum, _enum)
    conv.register_structure_hook(date, _date)
    conv.register_structure_hook(Money, _money)
    conv.register_structure_hook(Percent, _percent)
    conv.register_structure_hook(Quantity, _quantity)
    conv.register_structure_hook(Decimal, _quantity)

    def mapping_hook(cls: Any) -> Callable[[Any, Any], Any]:
        has_src = any(a.name == "src" for a in attrs.fields(cls))
        overrides: dict[str, Any] = {"src": override(omit=True)} if has_src else {}
        base = make_dict_structure_fn(
            cls, conv, _cattrs_forbid_extra_keys=True, _cattrs_detailed_validation=True, **overrides
        )

        def hook(value: Any, _: Any) -> Any:
            if not isinstance(value, dict):
                raise FieldError(
                    f"expected a mapping of {_label(cls)} settings, got {_got(value)}",
                    "write its settings as `key: value` pairs, one per line indented below, or inside `{...}`",
                    "wrong-type",
                )
            obj = base(value, cls)
            if has_src and isinstance(value, SourceMap):
                obj = attrs.evolve(obj, src=value.loc)
            if isinstance(value, SourceMap):
                on_structured(obj, value)
            return obj

        return hook

    def dict_hook(t: Any) -> Callable[[Any, Any], Any]:
        key_type, value_type = t.__args__
        base = make_mapping_structure_fn(t, conv, key_type=key_type, val_type=value_type, detailed_validation=True)

        def hook(value: Any, _: Any) -> Any:
            if not isinstance(value, dict):
                raise FieldError(
                    f"expected a mapping, got {_got(value)}",
                    "write `key: value` pairs, one per line indented below, or inside `{...}`",
                    "wrong-type",
                )
            out = base(value, t)
            if key_type is Period and len(out) < len(value):  # `every 6 months` beside `semiannual`
                by_period: dict[Period, list[str]] = {}
                for key in value:
                    by_period.setdefault(period(key), []).append(key)
                same = next(keys for keys in by_period.values() if len(keys) > 1)
                raise FieldError(
                    f"{' and '.join(f'`{k}`' for k in same)} are the same period",
                    "give each period one price: keep one of these keys", "duplicate-key",
                )  # fmt: skip
            return out

        return hook

    conv.register_structure_hook_factory(attrs.has, mapping_hook)
    conv.register_structure_hook_factory(_is_dict, dict_hook)
    conv.register_structure_hook_func(_is_tuple, lambda v, t: _sequence(conv, v, t))
    return conv


def _is_dict(t: Any) -> bool:
    return getattr(t, "__origin__", None) is dict


def _is_tuple(t: Any) -> bool:
    return getattr(t, "__origin__", None) is tuple


def _sequence(conv: cattrs.Converter, value: Any, t: Any) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise FieldError(
            f"expected a list, got {_got(value)}",
            "write one `- item` per line indented below, or `[a, b]`",
            "wrong-type",
        )
    item_type = t.__args__[0]
    errors: list[Exception] = []
    out = []
    for i, item in enumerate(value):
        try:
            out.append(conv.structure(item, item_type))
        except Exception as exc:  # collected below with its index, like cattrs does for lists
            exc.__notes__ = [*getattr(exc, "__notes__", []), IterableValidationNote(f"index {i}", i, item_type)]
            errors.append(exc)
    if errors:
        raise IterableValidationError(f"While structuring {t!r}", errors, t)
    return tuple(out)


def _label(cls: type) -> str:
    return re.sub(r"(?<!^)([A-Z])", r" \1", cls.__name__).lower()


def diagnostics_from(exc: BaseException, data: Any, root: Location) -> list[Diagnostic]:
    """Flatten a cattrs exception tree into located diagnostics."""
    out: list[Diagnostic] = []
    _walk(exc, (), data, root, out)
    return out


def _step(note: Any) -> Any:
    name = getattr(note, "name", None)
    if isinstance(name, str):
        return name
    index = getattr(note, "index", None)
    if index is not None and not callable(index):
        return index
    return None


def _walk(exc: BaseException, path: tuple[Any, ...], data: Any, root: Location, out: list[Diagnostic]) -> None:
    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        for sub in exc.exceptions:
            steps = [s for s in (_step(n) for n in getattr(sub, "__notes__", [])) if s is not None]
            _walk(sub, path + tuple(steps[:1]), data, root, out)
        return
    if _node_at(data, path) is REJECTED:
        return  # the YAML reader already reported this value; a second message would be noise
    if isinstance(exc, ForbiddenExtraKeysError):
        node = _node_at(data, path)
        allowed = sorted(a.name for a in attrs.fields(exc.cl) if a.name != "src")
        for key in sorted(exc.extra_fields):
            loc = node.key_locs.get(key, root) if isinstance(node, SourceMap) else root
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"known keys here: {', '.join(allowed)}"
            out.append(Diagnostic(loc, f"unknown key `{key}` in {_label(exc.cl)}", hint, "unknown-key"))
        return
    if isinstance(exc, KeyError):  # a required key is missing: point at the mapping that lacks it
        key = path[-1] if path else exc.args[0]
        parent = _node_at(data, path[:-1])
        loc = parent.loc if isinstance(parent, (SourceMap, SourceList)) else root
        out.append(Diagnostic(loc, f"missing required key `{key}`", f"add `{key}: ...` here", "missing-key"))
        return
    loc = _loc_at(data, path, root)
    if isinstance(exc, FieldError):
        out.append(Diagnostic(loc, f"{_where(path)}{exc.message}", exc.hint, exc.code))
        return
    out.append(
        Diagnostic(
            loc,
            f"{_where(path)}{exc}",
            "this value does not fit here; docs/plans.md (plan files) and docs/rules.md (rules files) say what each "
            "key takes",
            "invalid-value",
        )
    )


def _where(path: tuple[Any, ...]) -> str:
    names = [p for p in path if isinstance(p, str)]
    return f"{names[-1]}: " if names else ""


def _node_at(data: Any, path: tuple[Any, ...]) -> Any:
    node = data
    for step in path:
        if (isinstance(node, dict) and step in node) or (
            isinstance(node, list) and isinstance(step, int) and step < len(node)
        ):
            node = node[step]
        else:
            return None
    return node


def _loc_at(data: Any, path: tuple[Any, ...], root: Location) -> Location:
    """Location of the value at `path`; falls back to the nearest located ancestor."""
    node, loc = data, root
    for step in path:
        if isinstance(node, SourceMap) and step in node:
            loc = node.value_locs[step]
            node = node[step]
        elif isinstance(node, SourceList) and isinstance(step, int) and step < len(node):
            loc = node.item_locs[step]
            node = node[step]
        else:
            break
    return loc

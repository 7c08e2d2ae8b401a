"""Structure an account and its dated events from plain data (YAML, JSON or Python dicts).

Pure: takes data already read (with locations when it came from a file via the strict YAML reader)
and returns typed events or diagnostics, each naming its event by id and located at its file:line:col,
or for a host's plain data at its JSON path (`events[3]`). Each event is a mapping with `type` naming it:

    - {id: e3, date: 2020-01-10, type: buy_plan, plan: team, period: annual}
"""

from __future__ import annotations

import difflib
import typing
from typing import Any

import attrs

from billingcore.catalog.structure import diagnostics_from, make_converter
from billingcore.catalog.yamlsource import SourceList, SourceMap
from billingcore.codegen import compile_code
from billingcore.errors import DataPath, Diagnostic, Location
from billingcore.events import EVENT_TYPES, Event
from billingcore.tariff import Account, CreditAccount, PostalAddress, customer_problems

_CONVERTER = make_converter(lambda obj, mapping: None)


def _compile(cls: type[Any]) -> Any:
    """A structuring function for one event class, generated as straight-line code (as cattrs does)
    with the same strict hooks, minus cattrs' error bookkeeping: a bill run structures every event of
    every account, and a loop over fields with a keyword dict cost twice as much. Any problem raises,
    and the caller redoes the event through cattrs for located diagnostics."""
    attrs.resolve_types(cls)
    ns: dict[str, Any] = {"cls": cls}
    args = []
    for i, a in enumerate(f for f in attrs.fields(cls) if not f.metadata.get("src")):
        tp, value = a.type, f"item[{a.name!r}]"
        if type(None) in typing.get_args(tp):  # Optional[X]: None stays None, anything else is an X
            (tp,) = (t for t in typing.get_args(tp) if t is not type(None))
            value = f"(None if {value} is None else h{i}({value}, t{i}))"
        else:
            value = f"h{i}({value}, t{i})"
        ns[f"h{i}"], ns[f"t{i}"] = _CONVERTER.get_structure_hook(tp), tp
        if a.default is not attrs.NOTHING:
            if isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
                raise TypeError(f"{cls.__name__}.{a.name}: the generated structurer takes plain defaults only")
            ns[f"d{i}"] = a.default
            value = f"({value} if {a.name!r} in item else d{i})"
        args.append(value)  # positional, in field order: a frozen attrs class takes keywords 40 % slower
    ns["keys"] = frozenset(a.name for a in attrs.fields(cls) if not a.metadata.get("src")) | {"type"}
    code = (
        "def structure(item):\n"
        "    if not item.keys() <= keys:\n"
        "        raise KeyError('unknown key')\n"
        f"    return cls({', '.join(args)})\n"
    )
    return compile_code(f"{cls.__name__} structurer", code, ns)["structure"]


_FAST = {cls: _compile(cls) for cls in EVENT_TYPES.values()}


@attrs.frozen
class AccountData:
    """An account as written in a scenario or sent by a host application."""

    id: str
    country: str
    vat_id: str | None = None
    billing_day: int | None = None
    credit_accounts: tuple[CreditAccount, ...] = ()
    name: str | None = None  # what the documents say of the customer (issue 14)
    address: PostalAddress | None = None
    email: str | None = None
    payment_terms_days: int | None = None  # 0 to 365; None: the rule set's invoicing.payment_terms_days
    buyer_reference: str | None = None  # the customer's reference for its invoices (EN 16931 BT-10)

    def account(self, catalog: str) -> Account:
        """The Account to bill, on `catalog`."""
        return Account(
            self.id, catalog, self.country, self.vat_id, self.billing_day, self.credit_accounts,
            self.name, self.address, self.email, self.payment_terms_days, self.buyer_reference,
        )  # fmt: skip


def structure_account(data: Any, root: Location | None = None) -> tuple[AccountData | None, list[Diagnostic]]:
    """The account; without `root` (a host's dict, not a file) its problems are located at `account`."""
    try:
        account: AccountData = _CONVERTER.structure(data, AccountData)
    except Exception as exc:  # cattrs errors become located diagnostics
        return None, _placed(diagnostics_from(exc, data, root or _NOWHERE), DataPath("account"), "")
    found = customer_problems(account.payment_terms_days, account.email)
    if not found:
        return account, []
    locs = data.value_locs if isinstance(data, SourceMap) else {}
    return None, [
        Diagnostic(locs.get(key) or DataPath(f"account.{key}"), message, hint, code)
        for key, message, hint, code in found
    ]


def structure_events(data: Any, root: Location | None = None) -> tuple[list[Event], list[Diagnostic]]:
    """Events in order; every problem in every event is reported, each naming its event by id
    (`event e4: period: expected one of ...`) and located: at file:line:col for events read from a file
    (`root` is the file's location), or, without `root` (the default: a host's list of dicts), at the
    event's JSON path, `events[3]` (the fourth event)."""
    if not isinstance(data, list):
        hint = "write one `- {id: ..., date: ...}` per event"
        return [], [Diagnostic(root or DataPath("events"), "events must be a list of mappings", hint, "wrong-type")]
    events: list[Event] = []
    diagnostics: list[Diagnostic] = []
    for i, item in enumerate(data):
        if type(item) is dict:  # plain data from a host (a SourceMap from a file keeps its locations)
            try:
                events.append(_FAST[EVENT_TYPES[item["type"]]](item))
                continue
            except Exception:  # malformed: the checks below report exactly what is wrong
                pass
        loc = data.item_locs[i] if isinstance(data, SourceList) else root or _NOWHERE
        where: Location | DataPath = loc if loc is not _NOWHERE else DataPath(f"events[{i}]")
        name = f"event {item['id']}: " if isinstance(item, dict) and isinstance(item.get("id"), str) else ""
        if not isinstance(item, dict) or "type" not in item:
            message = f"{name}an event needs a `type`"
            diagnostics.append(Diagnostic(where, message, f"one of: {', '.join(EVENT_TYPES)}", "missing-key"))
            continue
        at = item.value_locs["type"] if isinstance(item, SourceMap) else where
        if not isinstance(item["type"], str):  # not quoted: a nested value's text can be endless
            message = f"{name}an event's `type` is a word, got {type(item['type']).__name__}"
            diagnostics.append(Diagnostic(at, message, f"one of: {', '.join(EVENT_TYPES)}", "wrong-type"))
            continue
        kind = EVENT_TYPES.get(item["type"])
        if kind is None:
            close = difflib.get_close_matches(item["type"], EVENT_TYPES, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"one of: {', '.join(EVENT_TYPES)}"
            diagnostics.append(Diagnostic(at, f"{name}unknown event type `{item['type']}`", hint, "unknown-event"))
            continue
        body = _without_type(item)
        try:
            event = _CONVERTER.structure(body, kind)
        except Exception as exc:  # cattrs errors become located diagnostics
            diagnostics.extend(_placed(diagnostics_from(exc, body, loc), where, name))
            continue
        events.append(event)  # the converter already set `src` from the mapping's location
    return events, diagnostics


# The location diagnostics_from gives a problem in data without a file; _placed puts the JSON path there.
_NOWHERE = Location("", 0, 0)


def _placed(diagnostics: list[Diagnostic], where: Location | DataPath, name: str) -> list[Diagnostic]:
    """The diagnostics with `name` ("event e4: ") before each message, and `where` as the location of
    those that had none of their own."""
    return [
        attrs.evolve(d, location=where if d.location == _NOWHERE else d.location, message=f"{name}{d.message}")
        for d in diagnostics
    ]


def _without_type(item: dict[str, Any]) -> dict[str, Any]:
    if isinstance(item, SourceMap):
        body = SourceMap({k: v for k, v in item.items() if k != "type"})
        body.loc, body.key_locs, body.value_locs = item.loc, item.key_locs, item.value_locs
        return body
    return {k: v for k, v in item.items() if k != "type"}

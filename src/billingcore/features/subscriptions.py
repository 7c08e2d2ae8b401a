"""What a customer can do with any running contract: cancel it now (the unused part credited by the
proration rules), or stop it renewing and take that back. Renewals themselves are the engine's:
every contract renews on its own anniversary unless a feature takes the renewal over."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import attrs

from billingcore.catalog.fields import SourceRef, field, src_field
from billingcore.charges import proration_credit
from billingcore.contracts import Contract, ContractKind, running, running_keys
from billingcore.features.base import ContractEnded, Feature, Outcome, View, put, refuse


@attrs.frozen
class Cancel:
    """End a contract now; the unused part of its term is credited (credit note or negative line). A service
    paid from prepaid credit is not cut short: it stops renewing and runs to its expiry (WEDOS)."""

    TYPE: ClassVar[str] = "cancel"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of the cancellation.")
    contract: str = field("Contract key: plan, site:NAME, store:NAME or app:NAME:APP.")
    src: SourceRef = src_field()


@attrs.frozen
class SetDontRenew:
    """Don't renew a contract: it ends at its current term end. `contract` is `plan`, `site:NAME`,
    `store:NAME` or `app:NAME:APP`."""

    TYPE: ClassVar[str] = "set_dont_renew"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day the customer asked.")
    contract: str = field("Contract key.")
    src: SourceRef = src_field()


@attrs.frozen
class ClearDontRenew:
    """Undo don't-renew while the contract is still running."""

    TYPE: ClassVar[str] = "clear_dont_renew"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day the customer asked.")
    contract: str = field("Contract key.")
    src: SourceRef = src_field()


def _runs(view: View, key: str) -> Contract | None:
    c = running(view.contracts, key)
    return c if c is not None and not c.included else None


def cancel(view: View, e: Cancel) -> Outcome:
    old = _runs(view, e.contract)
    if old is None:
        return refuse(
            f"no running contract `{e.contract}` to cancel",
            f"running: {running_keys(view.contracts)}; an included site ends by unpublishing it",
        )
    if old.kind is ContractKind.SERVICE:  # WEDOS: "die Kündigung des Dienstes hat keinerlei Auswirkungen auf
        return put(old._replace(dont_renew=True))  # sein Ablaufdatum": paid from credit, it runs to its expiry
    t = view.tariff
    credit = proration_credit(old, e.date, t.catalog.currency, t.rules.proration, e.id, t.labels.credit)
    changes = (credit,) if credit.amount else ()  # on its last day nothing is left to credit
    return Outcome(contracts=(old._replace(ended=True),), changes=changes, signals=(ContractEnded(old, e.id, e.date),))


def set_dont_renew(view: View, e: SetDontRenew) -> Outcome:
    return _dont_renew(view, e.contract, True)


def clear_dont_renew(view: View, e: ClearDontRenew) -> Outcome:
    return _dont_renew(view, e.contract, False)


def _dont_renew(view: View, key: str, value: bool) -> Outcome:
    contract = _runs(view, key)
    if contract is None:
        return refuse(f"no running contract `{key}`", f"running: {running_keys(view.contracts)}")
    return put(contract._replace(dont_renew=value))


FEATURE = Feature(
    name="subscriptions",
    events={Cancel: cancel, SetDontRenew: set_dont_renew, ClearDontRenew: clear_dont_renew},
)

"""The account plan: buying it (the first purchase may fix the billing day), changing it at once or at
the term end, and buying the plan a trial converts to (the `trials` feature's TrialConverted; a plan bought
during a trial with a length starts on the trial's end day under trial.purchase: after_trial). Included
slots are not handled here: the `slots` feature reacts to the PlanBought and PlanChanged signals this
feature sends."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple

import attrs

from billingcore.alignment import first_term
from billingcore.catalog.fields import SourceRef, field, src_field
from billingcore.catalog.model import Period, Plan
from billingcore.catalog.rules import Downgrades
from billingcore.charges import RENEWAL
from billingcore.codegen import record_codec
from billingcore.contracts import Contract, ContractKind, charged_ahead, new_contract, running
from billingcore.features.base import (
    Feature,
    Outcome,
    Part,
    PlanBought,
    PlanChanged,
    Problem,
    TrialConverted,
    View,
    refuse,
    unknown,
)
from billingcore.features.changes import change, price_for
from billingcore.features.trials import first_day
from billingcore.tariff import Tariff

PLAN = "plan"  # the plan contract's key: an account has one plan at a time
_PLAN = ContractKind.PLAN  # bound once: see charges.py
_new = tuple.__new__  # an Outcome without the keyword machinery (one per plan purchase)


@attrs.frozen
class BuyPlan:
    """Buy the account plan; the first paid plan purchase fixes the billing day (Duda)."""

    TYPE: ClassVar[str] = "buy_plan"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of purchase.")
    plan: str = field("Plan id from the catalog.")
    period: Period = field("Billing period of the plan contract.")
    src: SourceRef = src_field()


@attrs.frozen
class ChangePlan:
    """Change the account plan or its period (Basic -> Team, monthly -> annual). Upgrades are prorated;
    downgrades follow the rule set (`proration.downgrades`). Included sites are re-allocated."""

    TYPE: ClassVar[str] = "change_plan"  # its `type:` in files
    id: str = field("Event id.")
    date: date = field("Day of the change.")
    plan: str = field("The new plan id.")
    period: Period = field("The new billing period.")
    src: SourceRef = src_field()


class Downgrade(NamedTuple):
    """A downgrade waiting for the plan's term end (proration.downgrades: at_term_end), on the terms
    of the plan version in force the day it was asked (a customer downgrades to the price they saw)."""

    plan: str
    period: Period
    asked: date


def plan_label(view: View, plan: Plan) -> str:
    """The plan's line label, from the catalog (Duda: "Team plan")."""
    return view.tariff.labels.plan(plan.name)


def buy_plan(view: View, e: BuyPlan) -> Outcome:
    t = view.tariff
    start = first_day(view, e.date)
    if start != e.date:  # bought in a trial, its first term starts when the trial ends (trial.purchase)
        e = attrs.evolve(e, date=start)
    plan = t.plans.get(e.plan)
    if plan is None:
        return Outcome(problem=unknown("plan", e.plan, t.plans))
    if running(view.contracts, PLAN) is not None:
        return refuse("the account already has a plan", "to move to another plan or period, use change_plan")
    price = price_for(plan.version_on(e.date).prices, e.period, "plan", plan.id)
    if isinstance(price, Problem):
        return Outcome(problem=price)
    label = t.labels.plan(plan.name)  # plan_label, inlined: one per purchase
    contract, charge = first_term(view, new_contract(PLAN, _PLAN, plan.id, label, e.period, e.date, price), e.id)
    signals = (PlanBought(e.date, e.id),)
    return _new(Outcome, ((contract,), (), None, (), (charge,), (), signals, None, ()))


def convert_trial(view: View, signal: TrialConverted) -> Outcome:
    """A trial that ended without a plan bought converts: its plan bought on its end day, as buy_plan buys
    it, as if the start_trial event had (its id: the cause)."""
    return buy_plan(view, BuyPlan(signal.cause, signal.day, signal.plan, signal.period))


def change_plan(view: View, e: ChangePlan) -> Outcome:
    t = view.tariff
    old = running(view.contracts, PLAN)
    if old is None:
        return refuse("the account has no plan to change", "buy one first with buy_plan")
    plan = t.plans.get(e.plan)
    if plan is None:
        return Outcome(problem=unknown("plan", e.plan, t.plans))
    if plan.id == old.product and e.period is old.period:
        return refuse(
            f"the account is already on plan `{plan.id}` ({e.period.value})", "change to another plan or period"
        )
    price = price_for(plan.version_on(e.date).prices, e.period, "plan", plan.id)
    if isinstance(price, Problem):
        return Outcome(problem=price)
    if (plan.rank, e.period.nominal_days) < (t.plans[old.product].rank, old.period.nominal_days):
        # a lower plan, or the same plan for a shorter period
        downgrades = t.rules.proration.downgrades
        if downgrades is Downgrades.FORBIDDEN:
            return Outcome(problem=forbidden("changing the plan", old.product, plan.id, t.rules.rule_set))
        if downgrades is Downgrades.AT_TERM_END:
            return Outcome(part=Downgrade(plan.id, e.period, e.date))
    new, charges = change(view, old, e.date, plan.id, plan_label(view, plan), e.period, price, e.id)
    return Outcome(
        contracts=(new,),
        removed=(old.key,),
        part=None,
        changes=tuple(charges),
        signals=(PlanChanged(e.date, e.id, old),),
    )


def forbidden(what: str, old: str, new: str, rule_set: str) -> Problem:
    return Problem(
        f"{what} from `{old}` to `{new}` is a downgrade, which rule set `{rule_set}` forbids",
        "proration.downgrades: forbidden in the rule set; choose a higher tier, or cancel and buy anew",
    )


def renew_plan(view: View, c: Contract, day: date) -> Outcome | None:
    """At the term end a waiting downgrade starts the next term on the lower plan."""
    waiting: Downgrade | None = view.parts["plans"]
    if waiting is None:
        return None
    plan = view.tariff.plans[waiting.plan]
    price: Decimal = plan.version_on(waiting.asked).prices[waiting.period]
    label, period = plan_label(view, plan), waiting.period
    new = new_contract(c.key, c.kind, plan.id, label, period, c.term_end, price, anchor_day=c.anchor_day)
    new, charge = first_term(view, new._replace(bought=waiting.asked), RENEWAL)  # its slots: the asked version's
    new = charged_ahead(new, c, day)  # on its renewal day, before the term end: the term it follows kept
    return Outcome(
        contracts=(new,),
        removed=(c.key,),
        part=None,
        charges=(charge,),
        signals=(PlanChanged(c.term_end, RENEWAL, c),),
    )


_DOWNGRADE = record_codec(Downgrade)


def _dump(waiting: Downgrade | None) -> Any:
    return None if waiting is None else _DOWNGRADE.dump(waiting)


def _load(data: Any) -> Downgrade | None:
    return None if data is None else _DOWNGRADE.load(data, None)


def _problems(data: Any) -> list[tuple[str, str]]:
    return [] if data is None else [(f".{f}" if f else "", p) for f, p in _DOWNGRADE.problems(data, None)]


def _unknown(tariff: Tariff, waiting: Downgrade | None, _: object) -> list[tuple[str, str]]:
    """A waiting downgrade must be to a plan of the catalog with a price for its period on the day asked."""
    if waiting is None:
        return []
    plan = tariff.plans.get(waiting.plan)
    if plan is None:
        return [(".plan", f"a downgrade to `{waiting.plan}`, not in catalog `{tariff.catalog.catalog}`")]
    if waiting.period not in plan.version_on(waiting.asked).prices:
        return [(".period", f"plan `{plan.id}` has no {waiting.period.value} price on {waiting.asked}")]
    return []


FEATURE = Feature(
    name="plans",
    events={BuyPlan: buy_plan, ChangePlan: change_plan},
    signals={TrialConverted: convert_trial},
    renewals={ContractKind.PLAN: renew_plan},
    part=Part("downgrade", None, _dump, _load, _problems, _unknown),
)

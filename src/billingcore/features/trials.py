"""Trials: the account starts before it buys a plan. Two kinds, one event (`start_trial`):

- without a plan, Duda's open-ended trial: it starts the account (under billing_day.anchor: account_start
  it fixes the billing day) and items added during it wait for the plan's included slots; nothing else;
- with a plan whose version has a `trial:` length (docs/plans.md), a trial of that plan for that long:
  [start, start + length). Its end day, start + length, is the first day after it. A plan bought before
  then ends it (PlanBought; under trial.purchase: after_trial the `plans` feature starts that plan's first
  term on the end day). Reached with no plan bought, the end day is a date of this feature's own: by
  trial.at_end it converts (TrialConverted: `plans` buys the trial's plan in its period as buy_plan would,
  caused by the start_trial event, so its charges and any interim document carry that event's id) or
  stops (a `trial_ended` notice, and the account has no plan).

Its part of the saved state: the trial with a length that is running, or null.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any, ClassVar, NamedTuple

import attrs

from billingcore.catalog.fields import SourceRef, field, src_field
from billingcore.catalog.model import Period
from billingcore.catalog.rules import AtTrialEnd, TrialPurchase
from billingcore.codegen import record_codec
from billingcore.contracts import Contract, ContractKind
from billingcore.dates import ONE_DAY, add_months
from billingcore.documents import Notice
from billingcore.features.base import (
    NOTHING,
    Feature,
    Outcome,
    Part,
    PlanBought,
    Problem,
    TrialConverted,
    TrialStarted,
    View,
    refuse,
    unknown,
)
from billingcore.features.changes import price_for
from billingcore.tariff import Tariff

TRIALS = "trials"  # this feature's name: its part is view.parts[TRIALS]
_PLAN = ContractKind.PLAN


@attrs.frozen
class StartTrial:
    """Start the account with a trial. Without `plan` it is open-ended (Duda): sites published during it
    wait for the plan's included slots. With a plan whose version has a `trial:` length it runs that long,
    then converts to the plan or stops, by the rule set (trial.at_end). Under `billing_day.anchor:
    account_start` it fixes the billing day."""

    TYPE: ClassVar[str] = "start_trial"  # its `type:` in files
    id: str = field("Event id, unique within the account.")
    date: date = field("Day the event happens.")
    plan: str | None = field(
        "Plan id whose version on this day has a `trial:` length; omit for an open-ended trial.", default=None
    )
    period: Period | None = field(
        "Period the trial converts to (with `plan`); default: the first price of the plan version.", default=None
    )
    src: SourceRef = src_field()


class Trial(NamedTuple):
    """A trial with a length, running: a trial of `plan` that ends on `ends` (the first day after it)."""

    cause: str  # the start_trial event's id: the conversion's charges and documents carry it
    plan: str
    period: Period  # what it converts to
    ends: date


@dataclasses.dataclass(frozen=True)
class TrialEnds:
    """The end day of a running trial has come (this feature's own event: never from a file or a host,
    whose events are attrs classes). Its id is the start_trial event's."""

    TYPE: ClassVar[str] = "trial_end"
    id: str
    date: date
    src: None = None


def running_trial(view: View) -> Trial | None:
    """The trial with a length that is running, if any."""
    trial: Trial | None = view.parts.get(TRIALS)
    return trial


def first_day(view: View, day: date) -> date:
    """The first day of a plan bought on `day`: the running trial's end day under trial.purchase:
    after_trial, else `day` itself. (Asked by every plan purchase: the part is read directly.)"""
    trial: Trial | None = view.parts.get(TRIALS)
    if trial is not None and view.tariff.rules.trial.purchase is TrialPurchase.AFTER_TRIAL:
        return max(day, trial.ends)  # bought on the end day (the day's events come first): that day
    return day


def start_trial(view: View, e: StartTrial) -> Outcome:
    if e.plan is None:
        if e.period is not None:
            message = "a period without a plan: an open-ended trial converts to nothing"
            return refuse(message, "name the plan the trial is of (`plan:`), or leave out `period`")
        return Outcome(signals=(TrialStarted(e.date, e.id),))  # Duda's open-ended trial
    t = view.tariff
    plan = t.plans.get(e.plan)
    if plan is None:
        return Outcome(problem=unknown("plan", e.plan, t.plans))
    if any(c.kind is _PLAN and not c.ended for c in view.contracts.values()):
        return refuse("the account already has a plan", "a trial comes before the plan; change_plan moves to another")
    running = running_trial(view)
    if running is not None:
        return refuse(
            f"the trial {running.cause} of plan `{running.plan}` runs until {running.ends - ONE_DAY}",
            "a trial at a time: buy a plan to end it",
        )
    version = plan.version_on(e.date)
    length = version.trial
    if length is None:
        with_trial = sorted(p.id for p in t.plans.values() if p.version_on(e.date).trial is not None)
        hint = (
            f"plans with a trial on {e.date}: {', '.join(with_trial)}"
            if with_trial
            else "give the plan version a length (`trial: {days: 14}`, docs/plans.md), or leave out `plan` for an "
            "open-ended trial"
        )
        return refuse(f"plan `{plan.id}` has no trial on {e.date}", hint)
    period = e.period if e.period is not None else next(iter(version.prices))
    price = price_for(version.prices, period, "plan", plan.id)
    if isinstance(price, Problem):
        return Outcome(problem=price)
    ends = e.date + timedelta(days=length.days) if length.days is not None else add_months(e.date, length.months or 0)
    trial = Trial(e.id, plan.id, period, ends)
    if t.rules.trial.at_end is AtTrialEnd.CONVERT:
        problem = _no_conversion(t, trial)
        if problem is not None:
            return Outcome(problem=problem)
    return Outcome(part=trial, signals=(TrialStarted(e.date, e.id),))


def _no_conversion(t: Tariff, trial: Trial) -> Problem | None:
    """Why the trial could not convert on its end day (the plan's version then has no price for its
    period), or None."""
    prices = t.plans[trial.plan].version_on(trial.ends).prices
    if trial.period in prices:
        return None
    have = ", ".join(p.value for p in prices)
    message = f"plan `{trial.plan}` has no {trial.period.value} price on {trial.ends}, when the trial converts to it"
    return Problem(message, f"give start_trial a period the plan has then: {have}")


def end_day(view: View) -> date | None:
    """The running trial's end day: a date of this feature's own on the agenda. (Asked on every agenda day
    of every account, like on_end_day: the part is read directly.)"""
    trial: Trial | None = view.parts[TRIALS]
    return None if trial is None else trial.ends


def on_end_day(view: View, day: date) -> TrialEnds | None:
    trial: Trial | None = view.parts[TRIALS]
    return None if trial is None or trial.ends != day else TrialEnds(trial.cause, day)


def end_trial(view: View, e: TrialEnds) -> Outcome:
    """No plan was bought during the trial (a purchase would have ended it): convert or stop, by rule."""
    trial = running_trial(view)
    if trial is None:  # on_end_day gives this event only for a running trial
        return NOTHING
    t = view.tariff
    if t.rules.trial.at_end is AtTrialEnd.STOP:
        message = (
            f"the trial of plan `{trial.plan}` (start_trial {trial.cause}) ended on {e.date - ONE_DAY} without a plan "
            "bought: the account has no plan (trial.at_end: stop)"
        )
        return Outcome(part=None, signals=(Notice(e.date, view.account.id, "trial_ended", message),))
    # The plan has a price for the period today: start_trial checked it under this tariff, and bill refuses a
    # saved state (one this tariff did not bill) whose trial this tariff cannot convert (_unknown). The
    # purchase `plans` makes ends the trial, as any purchase does (PlanBought: plan_bought).
    return Outcome(signals=(TrialConverted(e.date, trial.cause, trial.plan, trial.period),))


_ENDED = Outcome(part=None)  # the trial is over (with none running, none stays running)


def plan_bought(view: View, signal: PlanBought) -> Outcome:
    """A plan bought during the trial ends it (trial.purchase says when that plan's first term starts), and so
    does the purchase a conversion makes."""
    return _ENDED


_TRIAL = record_codec(Trial)


def _dump(trial: Trial | None) -> Any:
    return None if trial is None else _TRIAL.dump(trial)


def _load(data: Any) -> Trial | None:
    return None if data is None else _TRIAL.load(data, None)


def _problems(data: Any) -> list[tuple[str, str]]:
    return [] if data is None else [(f".{f}" if f else "", p) for f, p in _TRIAL.problems(data, None)]


def _unknown(tariff: Tariff, trial: Trial | None, contracts: tuple[Contract, ...]) -> list[tuple[str, str]]:
    """A running trial must be of a plan of the catalog that, if it converts, has a price for its period on
    its end day; and no plan may run beside it (a purchase ends the trial)."""
    if trial is None:
        return []
    plan = tariff.plans.get(trial.plan)
    if plan is None:
        return [(".plan", f"a trial of `{trial.plan}`, not in catalog `{tariff.catalog.catalog}`")]
    if tariff.rules.trial.at_end is AtTrialEnd.CONVERT and _no_conversion(tariff, trial) is not None:
        converts = f"plan `{plan.id}` has no {trial.period.value} price on {trial.ends}, when the trial converts"
        return [(".period", converts)]
    if any(c.kind is _PLAN and not c.ended for c in contracts):
        return [("", f"a trial of `{plan.id}` is running beside a plan, which a purchase would have ended")]
    return []


FEATURE = Feature(
    name=TRIALS,
    events={StartTrial: start_trial},
    signals={PlanBought: plan_bought},
    part=Part("trial", None, _dump, _load, _problems, _unknown),
    next_date=end_day,
    on_date=on_end_day,
    own_events={TrialEnds: end_trial},
)

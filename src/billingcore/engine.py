"""The engine: an agenda over dates that hands events and days to the features and what they produce to
invoicing: `bill(tariff, account, events, until, state=None) -> Result(documents, notices, state)`.

Each agenda date is the earliest of: the next event, a contract's renewal, the next billing day, a feature's
own date. On that date, in this order: the day's events (each to the feature that handles it; the signals it
sends to the features that react), a feature's own event on its date, the renewals due (a feature may take
over the renewal of its own contracts), then, on a billing day, invoicing; last, the contracts that ended
and that nothing waits for are forgotten. The engine knows no product by name. Pure: nothing here reads
clocks, files or the environment. The returned `State`, fed back with later events, gives one run's documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from billingcore import adjustments, invoicing
from billingcore.billing_day import anchored
from billingcore.charges import RENEWAL, Charge, InvoiceGroup, included_charge, term_charge
from billingcore.checks import billing_days_add_up, check_arguments, event_error, refuse_account, without_retries
from billingcore.contracts import Contract, ContractKind, forget_ended, renewed
from billingcore.dates import billing_date
from billingcore.documents import Document, Notice
from billingcore.errors import Diagnostic, EventError
from billingcore.events import Event
from billingcore.features.base import UNCHANGED, ContractEnded, Outcome, PlanBought, Problem, TrialStarted, forgotten
from billingcore.invoicing import Draft, billing_day_drafts, event_numbers, immediate, land, renewal_numbers
from billingcore.ledger import LEDGER, statements
from billingcore.money import ZERO
from billingcore.prepare import make_tariff, prepare
from billingcore.state import Result, State, billed_state, kept_parts, remembered
from billingcore.tariff import Account, CreditAccount, Tariff
from billingcore.tax import no_rate, rate_on
from billingcore.timing import due, route

_NEVER = date.max  # no next agenda date
_RENEWAL_ORDER = dict.fromkeys(ContractKind, 1) | {ContractKind.PLAN: 0}  # the plan first, then as bought
_NEW = State(account="", as_of=date.min)  # the state of an account nothing was billed for yet


def bill(tariff: Tariff, account: Account, events: Sequence[Event], until: date, state: State | None = None) -> Result:
    """Bill `account` through `until` (inclusive). Raises EventError, listing every bad event, and then
    produces no documents at all."""
    errors = check_arguments(tariff, account, events, until, state)  # raises when it cannot be billed at all
    run = _Run(tariff, account, state)
    anchor, billing_day, next_billing = run.billing_anchor, run.billing_day, run.next_billing  # the state's
    if (
        state is not None
        and anchor is not None
        and billing_day is not None
        and next_billing is not None
        and not billing_days_add_up(next_billing, anchor, billing_day, state, tariff)
    ):
        refuse_account(tariff, account, until, state)  # says what does not add up
    todo, retried = without_retries(account.id, [e for e in events if e.date <= until], state)
    run.notices.extend(retried)  # a usage record sent again changes nothing; the host hears of it
    i, n = 0, len(todo)
    day = run.next_date(todo[0].date if todo else None)
    while day is not None and day <= until:
        # A change dated on a renewal day replaces that renewal (billwerk: "no credit note ... the next
        # invoice uses the new quantity"), so the day's events come before its renewals.
        while i < n and todo[i].date == day:
            problem = run.apply(todo[i])
            if problem is not None:
                errors.append(event_error(todo[i], problem))
            i += 1
        for on_date in tariff.features.on_dates:  # a feature's own date: an event of its own, or None
            own = on_date(run, day)
            if own is not None and (problem := run.apply(own)) is not None:
                errors.append(event_error(own, problem))
        run.renew(day)
        if tariff.billing.weekly_when_due:  # weekly terms on their own invoice, the day they fall due
            run.weekly_run(day)
        if run.next_billing == day:
            run.billing_day_run(day)
        if run.ended:
            _forget(run, day)
        day = run.next_date(todo[i].date if i < n else None)
    errors += run.problems
    if errors:
        raise EventError(errors)
    state = run.snapshot(until, todo)  # the statements show the ledger as the state keeps it (Part.kept)
    accounts = statements(tariff, account.credit_accounts, state.parts[LEDGER]) if account.credit_accounts else ()
    return Result(tuple(run.documents), tuple(run.notices), state, accounts)


class _Run:
    """One account's working state during `bill`: the View handlers read and the Ledger the adjustment
    stages read. It changes only by applying Outcomes; `snapshot` freezes it again."""

    __slots__ = (
        "_rate", "account", "as_of", "billing_anchor", "billing_day", "billings_done", "contracts", "documents",
        "ended", "event_ids", "next_billing", "notes", "notices", "parts", "pending", "position", "problems", "tariff",
    )  # fmt: skip

    def __init__(self, tariff: Tariff, account: Account, state: State | None):
        self.tariff = tariff
        self.account = account
        self.position = tariff.position(account.country, account.vat_id)
        self.notes: tuple[str, ...] = (self.position.note,) if self.position.note else ()  # when reversed_on
        state = state or _NEW  # a new account: nothing billed yet
        self.as_of = state.as_of
        self.billing_day = state.billing_day
        self.billing_anchor = state.billing_anchor
        self.billings_done = state.billings_done
        self.event_ids = state.event_ids
        self.contracts: dict[str, Contract] = {c.key: c for c in state.contracts}
        # Whether forget_ended may find a contract to drop: one that ended while a charge of it waited (a state
        # `bill` wrote forgets every other ended contract but the plan).
        self.ended = bool(state.pending) and any(c.ended for c in state.contracts)
        self.pending: list[Charge] = list(state.pending)
        self.parts: dict[str, Any] = dict(state.parts or tariff.features.empty_parts)
        self.documents: list[Document] = []
        self.problems: list[Diagnostic] = []  # found while billing (a date without a VAT rate)
        self.notices: list[Notice] = []
        self.next_billing = self._next_billing()
        self._rate: tuple[date, Decimal] | None = None  # the last VAT rate looked up, and its day

    # -- the agenda ---------------------------------------------------------------------------
    def _next_billing(self) -> date | None:
        if self.billing_anchor is None or self.billing_day is None:
            return None
        return billing_date(self.billing_anchor, self.billings_done, self.billing_day, self.tariff.roll_short_months)

    def next_date(self, next_event: date | None) -> date | None:
        """The next agenda date after the last one processed: an event, a billing day, a renewal or a
        feature's own date."""
        after, lead = self.as_of, self.tariff.lead
        best = _NEVER
        if next_event is not None and after < next_event:
            best = next_event
        billing = self.next_billing
        if billing is not None and after < billing < best:
            best = billing
        for c in self.contracts.values():
            if not c.ended and not c.included:
                d = c.term_end - lead if lead and self.tariff.renews_ahead(c) else c.term_end  # ends on time
                if after < d < best:
                    best = d
        if self.tariff.billing.weekly_when_due:  # a weekly term in arrears falls due at its end
            best = min([best, *(c.due for c in self.pending if c.group is InvoiceGroup.WEEKLY and after < c.due)])
        for own_date in self.tariff.own_dates:
            d = own_date(self)
            if d is not None and after < d < best:
                best = d
        if best is _NEVER:
            return None
        self.as_of = best
        return best

    def snapshot(self, until: date, billed: Sequence[Event]) -> State:
        t = self.tariff
        ids = remembered(self.event_ids, billed, until - t.id_memory)
        contracts, pending = tuple(self.contracts.values()), tuple(self.pending)
        return billed_state(
            t, self.account.id, until, self.billing_day, self.billing_anchor, self.billings_done, contracts, pending,
            MappingProxyType(kept_parts(t, self.parts, contracts, until)), t.catalog.catalog, t.billing.currency, ids,
        )  # fmt: skip

    # -- events and the signals they send -------------------------------------------------------
    def apply(self, event: Event) -> Problem | None:
        """Apply one event, or say why it cannot be applied (and apply nothing of it)."""
        found = self.tariff.handlers.get(type(event))
        if found is None:
            return Problem(f"no feature of this tariff handles {type(event).__name__} events")
        outcome: Outcome = found[1](self, event)
        put, removed, part, changes, charges, now, signals, problem, own = outcome  # one unpack, not 9 lookups
        if problem is not None:
            return problem
        if signals:
            changes, charges, now, own = self._cascade(found[0], outcome)
        else:  # the usual event: one outcome, nothing to collect (_put, inlined)
            contracts = self.contracts
            for key in removed:
                del contracts[key]
            for c in put:
                contracts[c.key] = c
                self.ended = self.ended or c.ended
            if part is not UNCHANGED:
                self.parts[found[0]] = part
        t = self.tariff
        if t.discounts and (changes or charges or now):  # discount scales and coupons, off each charge made
            changes, charges, now = self._discounted(changes), self._discounted(charges), self._discounted(now)
        if charges and self.billing_anchor is None:  # the first term to bill starts the account (by rule)
            self._open(event.date, False)
        if t.aligned or t.any_arrears:  # leading parts land as changes; terms in arrears wait (timing.py)
            self.pending, changes, charges = route(t, self.contracts, self.pending, changes, charges, event.date)
        if changes:
            drafts, later = land(t.billing, event_numbers(self.account.id, event.id), event.date, changes)
            self.pending.extend(later)
            self._issue(drafts)
        if charges:
            self.pending.extend(charges)
        if now:
            self._issue([immediate(self.account.id, event.id, event.date, now)])
        if own:  # a feature's own documents (an advance invoice, a settlement)
            self._issue(own)
        return None

    def _put(self, feature: str, outcome: Outcome) -> None:
        contracts = self.contracts
        for key in outcome.removed:
            del contracts[key]
        for c in outcome.contracts:
            contracts[c.key] = c
            self.ended = self.ended or c.ended
        if outcome.part is not UNCHANGED:
            self.parts[feature] = outcome.part

    def _cascade(self, feature: str, outcome: Outcome) -> tuple[Any, ...]:
        """Apply `outcome` of `feature` and, depth first, every reaction to its signals (each reaction
        sees all that was applied before it); what they all bill: (changes, charges, immediate, documents)."""
        billed: tuple[list[Any], ...] = ([], [], [], [])
        self._react(feature, outcome, billed)
        return tuple(billed[0]), tuple(billed[1]), tuple(billed[2]), tuple(billed[3])

    def _react(self, feature: str, outcome: Outcome, billed: tuple[list[Any], ...]) -> None:
        self._put(feature, outcome)
        billed[0].extend(outcome.changes)
        billed[1].extend(outcome.charges)
        billed[2].extend(outcome.immediate)
        billed[3].extend(outcome.documents)
        reactions = self.tariff.features.signals
        for signal in outcome.signals:
            kind = type(signal)
            if kind is PlanBought or kind is TrialStarted:  # may fix the billing day (billing_day.anchor)
                self._open(signal.day, kind is PlanBought)
            for reacting, reaction in reactions.get(kind, ()):
                self._react(reacting, reaction(self, signal), billed)
            if kind is Notice:  # for the host, too
                self.notices.append(signal)

    def _open(self, day: date, plan_purchase: bool) -> None:
        """The first event the rule set names fixes the billing day; later events leave it alone."""
        if self.billing_anchor is not None:
            return
        found = anchored(self.tariff.rules, self.account, day, plan_purchase)
        if found is not None:
            (self.billing_anchor, self.billing_day), self.billings_done = found, 0
            self.next_billing = self._next_billing()

    # -- renewals ---------------------------------------------------------------------------------
    def renew(self, day: date) -> None:
        """Renew every contract due (lead_days before its term end, or at it: Tariff.renews_ahead): a new term and its
        charge, unless it ends or its kind's feature takes it over (a downgrade waiting, a freed slot)."""
        t, soon, contracts, due = self.tariff, day + self.tariff.lead, self.contracts, []  # renewing by `soon`
        for c in contracts.values():  # a plain loop: on most agenda days nothing is due
            if not c.ended and not c.included and c.term_end <= soon and (c.term_end <= day or t.renews_ahead(c)):
                due.append(c)
        if len(due) > 1:  # the plan first: a downgrade taking effect changes the slots the others renew into
            due.sort(key=lambda c: _RENEWAL_ORDER[c.kind])
        for c in due:
            if contracts.get(c.key) is c:  # not already settled today by an earlier renewal
                self._renew(c, day)

    def _renew(self, c: Contract, day: date) -> None:
        t = self.tariff
        if c.dont_renew or not t.rules.renewal.auto_renew:  # it ends; what depended on it follows
            ended = c._replace(ended=True)
            outcome = Outcome(contracts=(ended,), signals=(ContractEnded(ended, RENEWAL, c.term_end),))
            self._after_renewal(day, *self._cascade("", outcome))
            return
        hook = t.features.renewals.get(c.kind)
        if hook is not None:
            taken: Outcome | None = hook[1](self, c, day)  # None: the feature lets it renew as usual
            if taken is not None:
                self._after_renewal(day, *self._cascade(hook[0], taken))
                return
        nxt = renewed(c, t.roll_terms, day)
        self.contracts[c.key] = nxt
        charge = term_charge(nxt, day, RENEWAL)  # its renewal date, or a later day: don't-renew cleared in the lead
        if t.discounts:  # coupons and discount scales
            (charge,) = self._discounted((charge,))
        self.pending.append(due(t, self.contracts, charge))

    def _after_renewal(
        self, day: date, changes: Sequence[Charge], charges: Sequence[Charge], _: object, drafts: Sequence[Draft] = ()
    ) -> None:
        """What a renewal started or changed waits for the billing day (a credit is a credit note at once
        under credit_as: credit_note); a feature's own documents (a payment request) are issued at once."""
        if (t := self.tariff).discounts and (changes or charges):
            changes, charges = self._discounted(changes), self._discounted(charges)
        if t.aligned or t.any_arrears:
            self.pending, changes, charges = route(t, self.contracts, self.pending, changes, charges, day)
        self.pending.extend(charges)
        if changes:
            numbers = renewal_numbers(self.account.id, day)
            landed, later = land(t.billing, numbers, day, changes, at_renewal=True)
            self.pending.extend(later)
            self._issue(landed)
        if drafts:
            self._issue(drafts)

    # -- billing days and documents -----------------------------------------------------------------
    def billing_day_run(self, day: date) -> None:
        due = [c for c in self.pending if c.due <= day]
        self.pending = [c for c in self.pending if c.due > day]
        self.billings_done += 1
        self.next_billing = self._next_billing()
        end = self.next_billing or day
        billing = self.tariff.billing
        zero, note, label = billing.zero, billing.included_note, self.tariff.labels.included
        included = [
            included_charge(c.key, label(c.name), day, day, end, zero, zero, note)
            for c in self.contracts.values()
            if c.included and not c.ended
        ]
        if due:
            self._issue(billing_day_drafts(billing, self.account.id, day, due, included))

    def _discounted(self, charges: Sequence[Charge]) -> tuple[Charge, ...]:
        """`charges` less what each feature's discounts take off; the contracts they lowered put back."""
        found = tuple(charges)
        for discount in self.tariff.discounts:
            found, lowered = discount(self, found)
            self.contracts.update((c.key, c) for c in lowered)
        return found

    def weekly_run(self, day: date) -> None:
        drafts, self.pending = invoicing.weekly_drafts(self.account.id, day, self.pending)
        self._issue(drafts)

    def vat_rate(self, day: date) -> Decimal:
        # A cache of one: a mutated entry only looks the same rate up again (equivalent mutants).
        last = self._rate  # pragma: no mutate
        if last is not None and last[0] == day:  # pragma: no mutate  (a billing day's invoices share it)
            return last[1]
        rate = rate_on(self.tariff.vat, self.position, day)
        if rate is None:
            self.problems.append(no_rate(self.account.id, self.position, day))
            return ZERO
        self._rate = (day, rate)  # pragma: no mutate
        return rate

    def _issue(self, drafts: Sequence[Draft]) -> None:
        self.documents.extend(adjustments.run(self.tariff.pipeline, self, drafts))


def _forget(run: _Run, day: date) -> None:
    """What ended and nothing waits for leaves the account; features drop what they kept for it (an item)."""
    keys, run.ended = forget_ended(run.contracts, {c.contract for c in run.pending})
    if keys:
        run._cascade("", forgotten(day, keys))


__all__ = ["Account", "CreditAccount", "Result", "State", "Tariff", "bill", "make_tariff", "prepare"]

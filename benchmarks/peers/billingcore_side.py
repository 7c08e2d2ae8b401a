"""billingcore's side of the peer benchmark (benchmarks/peers/run.py): N accounts of benchmarks/peers/shared.py,
resumed from saved states built untimed (signup on SIGNUP, billed through the day before), billed one
period on, single thread. Paths:

  typed  `bill(tariff, account, (), day, state)` from pre-built typed `State`s, Result objects out
         (benchmarks/bill_run.py's renewal path)
  host   the host's real path, as `billingcore bill-run` takes it per account: the record line (the account
         and its saved state, JSON text) parsed, structured, `bill`, and the output lines written (a line
         per document, a line {"account", "state"}): billrun.bill_record and billrun.result_lines
  dicts  the host's path without the JSON text: the state dict in, document dicts and the state dict out
         (benchmarks/bill_run.py's state-json path)

Run: PYTHONPATH=src .venv/bin/python benchmarks/peers/billingcore_side.py N --path host [--passes P]
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from shared import BILLS, COUNTRY, SIGNUP, SUBSCRIPTIONS, account_id, report, side_arguments, timed

from billingcore.billrun import Billed, bill_record, result_lines
from billingcore.catalog.loader import load
from billingcore.catalog.model import Period
from billingcore.documents import document_json
from billingcore.engine import Account, State, Tariff, bill, prepare
from billingcore.events import AddItem, BuyPlan, Event
from billingcore.snapshot import dump_state, load_state

HERE = os.path.dirname(os.path.abspath(__file__))


def tariff(here: str = HERE) -> Tariff:
    root = os.path.dirname(os.path.dirname(here))
    return prepare(load([os.path.join(here, "peers.yaml"), os.path.join(root, "rules")]), "peers")


def signup_events() -> list[Event]:
    return [
        BuyPlan("p", SIGNUP, "base", Period.MONTHLY),
        AddItem("i1", SIGNUP, "pro", "pro", Period.MONTHLY),
        AddItem("i2", SIGNUP, "support", "support", Period.ANNUAL),
    ]


def saved_states(tariff: Tariff, n: int, day: Any) -> tuple[list[Account], list[State]]:
    """Each account's saved state as of the day before `day`, as a production bill run has them."""
    accounts = [Account(account_id(i), "peers", COUNTRY) for i in range(n)]
    events = signup_events()
    return accounts, [bill(tariff, a, events, day - timedelta(days=1)).state for a in accounts]


def typed_path(t: Tariff, accounts: list[Account], states: list[State], day: Any) -> Callable[[], int]:
    def run() -> int:
        return sum(len(bill(t, a, (), day, s).documents) for a, s in zip(accounts, states))

    return run


def host_path(t: Tariff, accounts: list[Account], states: list[State], day: Any) -> Callable[[], int]:
    """What `billingcore bill-run` does per account: the record line (account and saved state) parsed,
    structured and billed, its output lines written (billrun.bill_record and billrun.result_lines)."""
    texts = [
        json.dumps({"account": {"id": a.id, "country": a.country}, "state": dump_state(s)})
        for a, s in zip(accounts, states)
    ]

    def run() -> int:
        documents = 0
        for line, text in enumerate(texts, 1):
            result = bill_record(t, line, text, day)
            assert isinstance(result, Billed)
            documents += len(result_lines(result)["documents"])
        return documents

    return run


def dicts_path(t: Tariff, accounts: list[Account], states: list[State], day: Any) -> Callable[[], int]:
    state_dicts = [dump_state(s) for s in states]

    def run() -> int:
        documents = 0
        for a, sd in zip(accounts, state_dicts):
            result = bill(t, a, (), day, load_state(sd))
            documents += len([document_json(d) for d in result.documents])
            dump_state(result.state)
        return documents

    return run


PATHS = {"typed": typed_path, "host": host_path, "dicts": dicts_path}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", choices=PATHS, required=True)
    args = side_arguments(parser)
    day = BILLS[args.bill]
    t = tariff()
    accounts, states = saved_states(t, args.n, day)
    first = bill(t, accounts[0], (), day, states[0]).documents
    times, documents = timed(PATHS[args.path](t, accounts, states, day), args.passes, args.warmup)
    product = {key: name for name, key, _, _, _ in SUBSCRIPTIONS}
    sample: list[Any] = [
        [product[ln.item], str(ln.amount), ln.period_start and ln.period_start.isoformat(),
         ln.period_end and ln.period_end.isoformat()]
        for d in first
        for ln in d.lines
    ]  # fmt: skip
    report(args.path, args.n, times, documents, args.n * sum(len(d.lines) for d in first), sample)


if __name__ == "__main__":
    main()

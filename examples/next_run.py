"""Host glue for the next bill run: each account's saved state from the last run, and its events since.

    python3 examples/next_run.py LAST_RUN/states.jsonl NEW_EVENTS.jsonl > accounts.jsonl

LAST_RUN/states.jsonl is what `billingcore bill-run` wrote ({"account": id, "state": {...}} per line);
NEW_EVENTS.jsonl holds the events since, one {"account": id, "event": {...}} per line, in date order. The
output is the next run's input (docs/billrun.md "The record of an account"): one record per account of the
last run, in its order, with its state and its new events. A real host takes each account's own data
(country, VAT ID) from its customer records; this example from ACCOUNTS below, its three accounts.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict

ACCOUNTS = {  # what the host keeps per customer (examples/accounts.jsonl)
    "acme": {"id": "acme", "country": "US"},
    "brot": {"id": "brot", "country": "DE"},
    "cafe": {"id": "cafe", "country": "FR", "vat_id": "FR40303265045"},
}


def main(states_path: str, events_path: str) -> None:
    events = defaultdict(list)
    with open(events_path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            events[record["account"]].append(record["event"])
    with open(states_path, encoding="utf-8") as lines:
        for line in lines:
            saved = json.loads(line)
            who = saved["account"]
            record = {"account": ACCOUNTS[who], "events": events.pop(who, []), "state": saved["state"]}
            print(json.dumps(record, separators=(",", ":")))
    if events:
        raise SystemExit(f"events for accounts the last run did not bill: {', '.join(sorted(events))}")


if __name__ == "__main__":
    main(*sys.argv[1:3])

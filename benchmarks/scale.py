"""Bill runs at scale (issue 13): a million accounts in little memory, one malformed account among 100 000,
a churning account's resume step after 240 months against after 12, and a prepaid customer's too.

Not a test. Subcommands (figures: docs/performance.md, "Bill runs"; how to run them: docs/billrun.md):
  generate N OUT [--bad LINE]  N Duda account records as JSON Lines (docs/billrun.md), written as they are
           made: half businesses with distinct VAT IDs in the EU countries of rules/vat.yaml, half consumers;
           plan + 3 sites + 1 app, monthly and annual mixed, signed up over 28 days. --bad LINE: that record
           is malformed (--bad-kind date: an event dated 2026-02-30; plan: a plan the catalog lacks)
  million [N] [--workers W]    `billingcore bill-run` over N (1 000 000) generated accounts under
           /usr/bin/time -v: accounts, documents, wall time, peak RSS; PASS when all are billed and the
           largest process stayed under 100 MiB
  malformed [N] [--bad LINE]   one malformed record (line 50 001) among N (100 000): PASS when bill-run
           exits 1, errors.jsonl holds that record alone with its line and id, and every other account is
           billed and written (its state; its documents; a sample compared with billing it alone)
  churn [--months 12,240]      a Duda account that publishes a site, buys an app, removes an older site and
           its app every month (and changes plan twice a year): its saved state after M months (built
           untimed), then the resume step timed: load_state + bill of the next month's events through the
           next billing day + document_json + dump_state. PASS when the last M's step is within 1.5x of the
           first's. --instructions: callgrind instructions per step instead of seconds; --profile: cProfile
           of the last M's step, top 15 by own time
  ledger [--months 12,240]     a WEDOS customer with one prepaid credit account who each month tops it up
           (and pays the advance invoice), orders and creates a monthly service paid from credit, and sets
           the service of two months before to don't renew; two services renew from credit a month and the
           settlement invoice on the 1st clears them. Its saved state after M months (built untimed), then the
           resume step timed as for churn, the statements of its credit accounts (statement_json) too,
           through the next settlement day. PASS when the last M's step is within 1.5x of the first's.
           --instructions and --profile as for churn
  many-items [--sites 100,1600]  one Duda Agency account publishing S monthly sites over four weeks, billed
           through its second billing day: the cost per site. PASS when the last S's cost per site is within
           1.5x of the first's (no pass over every item for each one added). --instructions as for churn
Run: .venv/bin/python benchmarks/scale.py SUBCOMMAND ...   (or: make bench-scale; SCALE_MILLION=1 adds million)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMIT_MIB = 100  # the million's peak RSS
CHURN_LIMIT = 1.5  # a resume step (churn, ledger): the last M's step within this of the first M's
MANY_LIMIT = 1.5  # many-items: the cost per site with the most sites within this of the fewest

# -- the generated accounts -------------------------------------------------------------------------------

SIGNUP = date(2026, 3, 1)  # account i signs up on SIGNUP + i % 28 days
UNTIL = date(2026, 4, 28)  # the run's date: every account's signup and its first monthly billing day after it
PLANS = ("basic", "team", "agency")
PERIODS = ("monthly", "annual")
CONSUMER_COUNTRIES = ("US", "DE", "FR", "NL", "AT", "PL", "CZ", "SK")  # every country of rules/vat.yaml


def _fr(n: int) -> str:
    siren = _luhn(f"1{n:07d}")  # 9 digits, the SIREN's own Luhn check; then the VAT key (12 + 3 x SIREN) mod 97
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def _luhn(body: str) -> str:
    from stdnum import luhn

    return body + luhn.calc_check_digit(body)


def _mod11(body: str, weights: tuple[int, ...], last: int) -> str | None:
    """body + the digit d with sum(weights x body) + last x d = 0 mod 11, or None when d would be 10."""
    d = (-sum(w * int(c) for w, c in zip(weights, body)) * pow(last, -1, 11)) % 11
    return None if d == 10 else body + str(d)


def _leading(make: Any, n: int) -> str:
    """The first of make(lead, n) for lead 1..9 that has a check digit (a body holds n either way)."""
    for lead in "123456789":
        found = make(lead, n)
        if found is not None:
            return str(found)
    raise ValueError(f"no VAT ID for {n}")  # never for n < 10**7: one lead in nine fails at most a few


def _de(n: int) -> str:
    from stdnum.iso7064 import mod_11_10

    body = f"1{n:07d}"  # a German USt-IdNr. does not start with 0
    return f"DE{body}{mod_11_10.calc_check_digit(body)}"


def _at(n: int) -> str:
    from stdnum.at import uid

    return f"ATU{n:07d}{uid.calc_check_digit(f'U{n:07d}')}"


def _cz(n: int) -> str:
    from stdnum.cz import dic

    return f"CZ{n:07d}{dic.calc_check_digit_legal(f'{n:07d}')}"  # a legal entity's DIČ (not from 9: n < 9 x 10**6)


def _nl(n: int) -> str:  # the btw-id's first 9 digits pass the elfproef (weights 9..2, the last -1)
    return _leading(lambda lead, n: (b := _mod11(f"{lead}{n:07d}", (9, 8, 7, 6, 5, 4, 3, 2), -1)) and f"NL{b}B01", n)


def _pl(n: int) -> str:  # NIP: weights 6 5 7 2 3 4 5 6 7, the last digit the sum mod 11
    return _leading(lambda lead, n: (b := _mod11(f"{lead}{n:08d}", (6, 5, 7, 2, 3, 4, 5, 6, 7), -1)) and f"PL{b}", n)


def _sk(n: int) -> str:  # IČ DPH: 10 digits divisible by 11 (10**k mod 11 alternates 10, 1), the third digit 7
    digits, weights = f"{n:07d}", (10, 1, 10, 1, 10, 1, 10, 1, 10)
    return _leading(lambda lead, n: (b := _mod11(f"{lead}{digits[0]}7{digits[1:]}", weights, 1)) and f"SK{b}", n)


# The EU countries of the benchmark's businesses, each with its VAT number's form (the EU's VIES formats)
# and check digits (python-stdnum's algorithms; billingcore refuses a VAT ID whose check digits do not
# match), distinct for each n < 9 x 10**6 (a CZ legal entity's DIČ does not start with 9).
VAT_ID_FORMS: tuple[tuple[str, Any], ...] = (
    ("DE", _de),
    ("FR", _fr),
    ("NL", _nl),
    ("AT", _at),
    ("PL", _pl),
    ("CZ", _cz),
    ("SK", _sk),
)


def account_id(i: int) -> str:
    return f"acct-{i:07d}"


def record(i: int, bad: str | None = None) -> dict[str, Any]:
    """The record of account i (0-based; line i + 1 of a generated file). Even i: a business with its own
    VAT ID (distinct: it holds i); odd i: a consumer. bad="date": its plan purchase is dated 2026-02-30;
    bad="plan": it buys a plan the catalog does not have (the JSON stays valid either way)."""
    if i % 2 == 0:
        country, form = VAT_ID_FORMS[(i // 2) % len(VAT_ID_FORMS)]
        account = {"id": account_id(i), "country": country, "vat_id": form(i)}
    else:
        account = {"id": account_id(i), "country": CONSUMER_COUNTRIES[(i // 2) % len(CONSUMER_COUNTRIES)]}
    d = (SIGNUP + timedelta(days=i % 28)).isoformat()
    events = [
        {"id": "e1", "date": d, "type": "buy_plan", "plan": PLANS[i % 3], "period": PERIODS[i % 2]},
        {"id": "e2", "date": d, "type": "publish_site", "site": "home", "period": "monthly"},
        {"id": "e3", "date": d, "type": "publish_site", "site": "shop", "period": PERIODS[(i // 2) % 2]},
        {"id": "e4", "date": d, "type": "publish_site", "site": "blog", "period": "annual"},
        {"id": "e5", "date": d, "type": "buy_app", "site": "home", "app": "app-crm", "period": PERIODS[(i // 3) % 2]},
    ]
    if bad == "date":
        events[0]["date"] = "2026-02-30"
    elif bad == "plan":
        events[0]["plan"] = "enterprise"
    return {"account": account, "events": events, "state": None}


def record_line(i: int, bad: str | None = None) -> str:
    return json.dumps(record(i, bad), separators=(",", ":")) + "\n"


def write_accounts(n: int, path: str, bad_line: int | None = None, bad_kind: str = "date") -> None:
    """N records to `path` as JSON Lines, one at a time (never all in memory); line `bad_line` malformed."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for i in range(n):
            out.write(record_line(i, bad_kind if i + 1 == bad_line else None))


# -- running billingcore bill-run -------------------------------------------------------------------------


class Run:
    """One `billingcore bill-run` as a child process: its exit status, stdout, wall time and peak RSS."""

    def __init__(self, source: str, out: str, workers: int, until: date = UNTIL) -> None:
        command = [
            *(sys.executable, "-m", "billingcore.cli", "bill-run", source, "--catalog", "duda"),
            *("--until", until.isoformat(), "--out", out, "--progress", "off", "--workers", str(workers)),
            *("--plans", os.path.join(ROOT, "plans"), os.path.join(ROOT, "rules")),
        ]
        timing = os.path.join(os.path.dirname(out), "time-v.txt")
        gnu_time = shutil.which("time", path="/usr/bin")
        if gnu_time:
            command = [gnu_time, "-v", "-o", timing, *command]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        self.wall = time.perf_counter() - start
        self.code, self.stdout, self.stderr = done.returncode, done.stdout, done.stderr
        # The largest process's peak: GNU time's wait4 figure; without it, the children's (RUSAGE_CHILDREN:
        # the largest child waited for, the workers of a pool too). Both in KiB.
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        self.peak_by = "getrusage(RUSAGE_CHILDREN)"
        if gnu_time:
            with open(timing, encoding="utf-8") as fh:
                found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", fh.read())
            if found:
                peak, self.peak_by = int(found.group(1)), "/usr/bin/time -v"
        self.peak_mib = peak / 1024
        summary = re.search(r"billed (\d+) accounts, (\d+) documents; (\d+) failed", self.stdout)
        self.billed, self.documents, self.failed = map(int, summary.groups()) if summary else (-1, -1, -1)


def _engine_source() -> str:
    import billingcore

    return os.path.dirname(billingcore.__file__)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def million(n: int, workers: int, keep: bool) -> bool:
    print(f"million: {n:,} accounts, --workers {workers}, billingcore from {_engine_source()}", flush=True)
    tmp = tempfile.mkdtemp(prefix="billingcore-scale-")
    try:
        source = os.path.join(tmp, "accounts.jsonl")
        start = time.perf_counter()
        write_accounts(n, source)
        print(f"  generated {os.path.getsize(source) / 2**20:,.0f} MiB in {time.perf_counter() - start:.1f} s")
        run = Run(source, os.path.join(tmp, "out"), workers)
        out_mib = sum(e.stat().st_size for e in os.scandir(os.path.join(tmp, "out"))) / 2**20
    finally:
        if keep:
            print(f"  kept: {tmp}")
        else:
            shutil.rmtree(tmp)
    ok = run.code == 0 and run.billed == n and run.failed == 0 and run.peak_mib < LIMIT_MIB
    print(
        f"  billed {run.billed:,} accounts, {run.documents:,} documents, {run.failed} failed (exit {run.code}); "
        f"{out_mib:,.0f} MiB written\n  wall {run.wall:.1f} s ({n / run.wall:,.0f} accounts/s), "
        f"peak RSS {run.peak_mib:.1f} MiB (largest process, {run.peak_by})\n"
        f"{_verdict(ok)}: peak RSS under {LIMIT_MIB} MiB, every account billed"
    )
    if run.code not in (0, 1):
        print(run.stderr, file=sys.stderr)
    return ok


def malformed(n: int, bad: int, kind: str, workers: int, sample: int) -> bool:
    print(f"malformed: line {bad:,} ({kind}) among {n:,} accounts, --workers {workers}", flush=True)
    bad_id = account_id(bad - 1)
    with tempfile.TemporaryDirectory(prefix="billingcore-scale-") as tmp:
        source, out = os.path.join(tmp, "accounts.jsonl"), os.path.join(tmp, "out")
        write_accounts(n, source, bad, kind)
        run = Run(source, out, workers)
        errors = _json_lines(os.path.join(out, "errors.jsonl"))
        # A sample of the others, billed alone in this process, must be what the run wrote for them.
        picked = {account_id(i) for i in _sample(n, bad - 1, sample)}
        written: dict[str, dict[str, Any]] = {who: {"documents": [], "state": None} for who in picked}
        states = others = documents = 0
        expected = (account_id(i) for i in range(n) if i != bad - 1)
        documented: set[str] = set()
        for line in _lines(os.path.join(out, "states.jsonl")):
            who = json.loads(line)["account"]
            states += 1
            others += who == next(expected, None)
            if who in written:
                written[who]["state"] = json.loads(line)["state"]
        for line in _lines(os.path.join(out, "documents.jsonl")):
            documents += 1
            doc = json.loads(line)
            documented.add(doc["account"])
            if doc["account"] in written:
                written[doc["account"]]["documents"].append(doc)
    alone = _billed_alone(sorted(int(who.split("-")[1]) for who in picked))
    same = sum(written[who] == alone[who] for who in picked)
    (error,) = errors if len(errors) == 1 else (None,)
    checks = {
        "exit status 1": run.code == 1,
        f"errors.jsonl: one record, line {bad}, account {bad_id}": error is not None
        and (error["line"], error["account"]) == (bad, bad_id),
        f"states.jsonl: {n - 1:,} lines, the other accounts in input order": states == others == n - 1,
        f"documents for each of the {n - 1:,} others, none for {bad_id}": documented
        == {account_id(i) for i in range(n) if i != bad - 1},
        f"{len(picked)} sampled accounts written as billed alone": same == len(picked),
    }
    codes = [e["code"] for e in error["errors"]] if error else []
    paths = [e["path"] for e in error["errors"]] if error else []
    print(
        f"  billed {run.billed:,}, {run.documents:,} documents ({documents:,} lines), {run.failed} failed, "
        f"exit {run.code}; wall {run.wall:.1f} s, peak RSS {run.peak_mib:.1f} MiB\n"
        f"  errors.jsonl: {len(errors)} record(s); line {error and error['line']}, account "
        f"{error and error['account']}, errors {codes} at {paths}"
    )
    for what, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    ok = all(checks.values())
    print(f"{_verdict(ok)}: one malformed account reported with its id and line, the other {n - 1:,} written")
    return ok


def _lines(path: str) -> Iterator[str]:
    with open(path, encoding="utf-8") as fh:
        yield from fh


def _json_lines(path: str) -> list[Any]:
    return [json.loads(line) for line in _lines(path)]


def _sample(n: int, bad: int, k: int) -> list[int]:
    """The bad record's neighbours, the first and last, and k spread evenly: the others to compare."""
    spread = {round(j * (n - 1) / max(k - 1, 1)) for j in range(k)}
    return sorted(i for i in {0, n - 1, bad - 1, bad + 1} | spread if 0 <= i < n and i != bad)


def _billed_alone(indexes: list[int]) -> dict[str, dict[str, Any]]:
    from billingcore.billrun import Billed, bill_record
    from billingcore.catalog.loader import load
    from billingcore.engine import prepare

    tariff = prepare(load([os.path.join(ROOT, "plans"), os.path.join(ROOT, "rules")]), "duda")
    alone = {}
    for i in indexes:
        result = bill_record(tariff, i + 1, record(i), UNTIL)
        assert isinstance(result, Billed), result
        # Through JSON, as the run wrote it (a tuple in a dict reads back as a list).
        alone[result.account] = json.loads(json.dumps({"documents": result.documents, "state": result.state}))
    return alone


# -- the churning account ---------------------------------------------------------------------------------

CHURN_START = date(2010, 1, 10)  # its plan bought, so its billing day is the 10th
CHURN_ACCOUNT = {"id": "churner", "country": "DE", "vat_id": "DE123456788"}  # check digit: stdnum


def _month(k: int, day: int, start: date = CHURN_START) -> date:
    """Day `day` of the k-th month after `start`'s."""
    years, month = divmod(start.month - 1 + k, 12)
    return date(start.year + years, month + 1, day)


def churn_events(k: int) -> list[dict[str, Any]]:
    """Month k's events (on the 15th): a new site with an app on it; from the third month the site of two
    months before and its app removed; twice a year a plan change (up to Agency in month 3 of each year,
    back down to Team in month 9). So each month ends two contracts and removes an item: before issue 13's
    compaction they all stayed in the saved state."""
    d = _month(k, 15).isoformat()
    events = [
        {"id": f"site-{k}", "date": d, "type": "publish_site", "site": f"site-{k}", "period": "monthly"},
        {"id": f"app-{k}", "date": d, "type": "buy_app", "site": f"site-{k}", "app": "app-crm", "period": "monthly"},
    ]
    if k >= 2:
        old = f"site-{k - 2}"
        events.append({"id": f"remove-app-{k}", "date": d, "type": "remove_app", "site": old, "app": "app-crm"})
        # removed, not unpublished: an unpublished site is still the customer's (Duda) and stays in the state
        events.append({"id": f"remove-{k}", "date": d, "type": "remove_item", "item": old})
    if k % 6 == 3:
        plan = "agency" if k % 12 == 3 else "team"
        events.append({"id": f"plan-{k}", "date": d, "type": "change_plan", "plan": plan, "period": "monthly"})
    return events


def churn_inputs(months: int) -> dict[str, Any]:
    """The churning account after `months` months: its saved state as of the 14th of month `months` (after
    that month's billing day, before its events), and the resume step's inputs: that month's events and
    the next billing day. Built untimed."""
    from billingcore.engine import bill
    from billingcore.snapshot import dump_state
    from billingcore.timeline import structure_events

    tariff, account = _churn_tariff()
    history = [{"id": "plan", "date": CHURN_START.isoformat(), "type": "buy_plan", "plan": "team", "period": "monthly"}]
    for k in range(months):
        history += churn_events(k)
    events, problems = structure_events(history)
    assert not problems, problems
    state = dump_state(bill(tariff, account, events, _month(months, 14)).state)
    return {
        "case": "churn",
        "state": state,
        "events": churn_events(months),
        "until": _month(months + 1, 10).isoformat(),
    }


def _churn_tariff() -> Any:
    from billingcore.catalog.loader import load
    from billingcore.engine import Account, prepare

    tariff = prepare(load([os.path.join(ROOT, "plans", "duda.yaml"), os.path.join(ROOT, "rules")]), "duda")
    return tariff, Account(CHURN_ACCOUNT["id"], "duda", CHURN_ACCOUNT["country"], CHURN_ACCOUNT["vat_id"])


# -- the prepaid customer (ledger) ------------------------------------------------------------------------

LEDGER_START = date(2013, 1, 1)  # rules/vat.yaml has CZ's rate from 2013: 240 months end in 2033
LEDGER_SETTLEMENT_DAY = 1  # rules/wedos.yaml's accounts.settlement_day: the settlement invoice's day
# A month uses 150.00 of credit (one order, two renewals; 100.00 in the first): topping up 200.00 a month,
# the credit grows by 50.00 a month and always covers the renewals (no payment request, no notice).
LEDGER_TOP_UP = "200.00"
LEDGER_CUSTOMER = "prepaid"


def ledger_events(k: int) -> list[dict[str, Any]]:
    """Month k's events: a top-up on the 2nd and its advance invoice paid on the 3rd; on the 5th a monthly
    service ordered from credit (auto_renew) and created, and from the third month the service of two
    months before set to don't renew. Each service renews from credit (movement N) ten days before its
    expiry, twice; the settlement invoice on the 1st clears the month's N movements. So the customer has
    two or three services at any time, and four movements a month: before issue 13's compaction they all
    stayed in the saved state."""

    def on(day: int) -> str:
        return _month(k, day, LEDGER_START).isoformat()

    events = [
        {"id": f"t{k}", "date": on(2), "type": "top_up", "account": "credit", "amount": LEDGER_TOP_UP},
        {"id": f"p{k}", "date": on(3), "type": "record_payment", "document": f"{LEDGER_CUSTOMER}-advance-t{k}"},
        {"id": f"o{k}", "date": on(5), "type": "order_service", "account": "credit", "service": f"web-{k}",
         "product": "webhosting-nolimit", "period": "monthly", "auto_renew": True},
        {"id": f"c{k}", "date": on(5), "type": "create_service", "order": f"o{k}"},
    ]  # fmt: skip
    if k >= 2:
        events.append({"id": f"d{k}", "date": on(5), "type": "set_dont_renew", "contract": f"service:web-{k - 2}"})
    return events


def ledger_inputs(months: int) -> dict[str, Any]:
    """The prepaid customer after `months` months: its saved state as of the settlement day of month
    `months` (that day's settlement invoice issued), and the resume step's inputs: that month's events and
    the next settlement day. Built untimed."""
    from billingcore.engine import bill
    from billingcore.snapshot import dump_state
    from billingcore.timeline import structure_events

    tariff, account = _ledger_tariff()
    events, problems = structure_events([e for k in range(months) for e in ledger_events(k)])
    assert not problems, problems
    state = dump_state(bill(tariff, account, events, _month(months, LEDGER_SETTLEMENT_DAY, LEDGER_START)).state)
    until = _month(months + 1, LEDGER_SETTLEMENT_DAY, LEDGER_START)
    return {"case": "ledger", "state": state, "events": ledger_events(months), "until": until.isoformat()}


def _ledger_tariff() -> Any:
    from billingcore.catalog.loader import load
    from billingcore.engine import Account, prepare
    from billingcore.tariff import CreditAccount

    tariff = prepare(load([os.path.join(ROOT, "plans", "wedos.yaml"), os.path.join(ROOT, "rules")]), "wedos")
    return tariff, Account(LEDGER_CUSTOMER, "wedos", "CZ", credit_accounts=(CreditAccount("credit", "credit"),))


# -- a resume step after M months (churn, ledger) ---------------------------------------------------------

CASES = {"churn": (churn_inputs, _churn_tariff), "ledger": (ledger_inputs, _ledger_tariff)}


def resume_step(inputs: dict[str, Any]) -> Any:
    """The timed step, as a host's monthly run does it for this account: the saved state dict read, the
    month's events billed through the next billing (or settlement) day, the documents, the new state and
    the statements of its credit accounts (none for churn) as JSON."""
    from billingcore.documents import document_json
    from billingcore.engine import bill
    from billingcore.ledger import statement_json
    from billingcore.snapshot import dump_state, load_state
    from billingcore.timeline import structure_events

    tariff, account = CASES[inputs["case"]][1]()
    events, problems = structure_events(inputs["events"])
    assert not problems, problems
    state_dict, until = inputs["state"], date.fromisoformat(inputs["until"])

    def step() -> int:
        result = bill(tariff, account, events, until, load_state(state_dict))
        documents = [document_json(d) for d in result.documents]
        dump_state(result.state)
        [statement_json(s) for s in result.accounts]
        return len(documents)

    return step


def _state_figures(state: dict[str, Any]) -> str:
    """Its size and what it holds; read leniently, so that a later layout of the state (ended contracts
    compacted, old movements carried forward) is measured too."""
    contracts = state.get("contracts") or []
    ended = sum(1 for c in contracts if c.get("ended"))
    figures = (
        f"state {len(json.dumps(state)):>9,} bytes, {len(contracts):>3} contracts ({ended} ended), "
        f"{len(state.get('event_ids') or ()):>4} event ids, {len(state.get('items') or ()):>3} items"
    )
    ledger = state.get("accounts")  # None while the customer has no credit account's movements
    if ledger:
        figures += (
            f", ledger: {len(ledger.get('movements') or ()):>4} movements, "
            f"{len(ledger.get('services') or ()):>3} services"
        )
    return figures


def resume(case: str, months: list[int], repeat: int, instructions: bool, profile: bool) -> bool:
    """The `case` subcommand (churn, ledger): its resume step after each of `months` months."""
    inputs_of = CASES[case][0]
    unit = "instructions" if instructions else "µs"
    after = ", ".join(map(str, months))
    print(f"{case}: resume step after {after} months ({unit}), billingcore from {_engine_source()}")
    costs = []
    for m in months:
        inputs = inputs_of(m)
        if instructions:
            cost = _instructions(inputs)
            figure = f"{cost:>12,.0f} instructions"
        else:
            cost = _seconds(resume_step(inputs), repeat) * 1e6
            figure = f"{cost:>10,.0f} µs"
        costs.append(cost)
        print(f"  {m:>4} months: {figure} per step; {_state_figures(inputs['state'])}", flush=True)
        if not instructions:
            parts = ", ".join(f"{name} {t * 1e6:,.0f}" for name, t in _parts(inputs, repeat).items())
            print(f"               of which µs: {parts}", flush=True)
    ratio = costs[-1] / costs[0]
    ok = ratio <= CHURN_LIMIT
    print(f"{_verdict(ok)}: after {months[-1]} months {ratio:.2f}x after {months[0]} (limit {CHURN_LIMIT}x)")
    if profile:
        _profile(resume_step(inputs_of(months[-1])), months[-1])
    return ok


def _parts(inputs: dict[str, Any], repeat: int) -> dict[str, float]:
    """Seconds per step of each of its parts, each timed alone as _seconds times the whole step (the
    statements only when the customer has credit accounts)."""
    from billingcore.documents import document_json
    from billingcore.engine import bill
    from billingcore.ledger import statement_json
    from billingcore.snapshot import dump_state, load_state
    from billingcore.timeline import structure_events

    tariff, account = CASES[inputs["case"]][1]()
    events, _ = structure_events(inputs["events"])
    state_dict, until = inputs["state"], date.fromisoformat(inputs["until"])
    state = load_state(state_dict)
    result = bill(tariff, account, events, until, state)
    parts = {
        "load_state": _seconds(lambda: load_state(state_dict), repeat),
        "bill": _seconds(lambda: bill(tariff, account, events, until, state), repeat),
        "document_json": _seconds(lambda: [document_json(d) for d in result.documents], repeat),
        "dump_state": _seconds(lambda: dump_state(result.state), repeat),
    }
    if result.accounts:
        parts["statements"] = _seconds(lambda: [statement_json(s) for s in result.accounts], repeat)
    return parts


PASS_SECONDS = 0.2  # a timed pass runs at least this long (a test shortens it)


def _seconds(step: Any, repeat: int) -> float:
    """Seconds per step: the best of `repeat` passes of enough steps for PASS_SECONDS each (a noisy VM: the
    best pass is the least disturbed)."""
    step()  # warm: the codecs' memories of date and amount texts filled
    number, took = 1, 0.0
    while took < PASS_SECONDS:
        number *= 2
        start = time.perf_counter()
        for _ in range(number):
            step()
        took = time.perf_counter() - start
    gc.collect()
    best = took / number
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            step()
        best = min(best, (time.perf_counter() - start) / number)
    return best


STEPS = 10  # resume steps per pass under callgrind


def _instructions(inputs: dict[str, Any]) -> float:
    """Instructions per step under callgrind: one process runs one pass of STEPS steps, another two; the
    difference is one pass (start-up and reading the inputs cancel out), divided by STEPS."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(inputs, fh)
    try:
        once, twice = (_collected(["resume-step", fh.name], passes) for passes in (1, 2))
    finally:
        os.remove(fh.name)
    return (twice - once) / STEPS


def _collected(child: list[str], passes: int) -> int:
    """Instructions callgrind counts in this script's `child` subcommand run with `--passes`."""
    command = [
        *("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"),
        *(sys.executable, os.path.abspath(__file__), *child, "--passes", str(passes)),
    ]
    same_layouts = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dict and set layouts in every run
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=same_layouts)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if not found:
        raise SystemExit(f"no instruction count from callgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def resume_step_child(path: str, passes: int) -> None:
    """callgrind's child (churn and ledger --instructions): the resume step of the inputs in `path`, STEPS
    per pass."""
    with open(path, encoding="utf-8") as fh:
        step = resume_step(json.load(fh))
    step()  # warm, as in the timed runs
    for _ in range(passes * STEPS):
        step()


def _profile(step: Any, months: int) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(lambda: [step() for _ in range(50)])
    print(f"\ncProfile: 50 resume steps after {months} months, top 15 by own time")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


# -- many items: an agency's sites ----------------------------------------------------------------------


def many_items_bill(sites: int) -> Any:
    """One Agency account: the plan on 2026-03-01, `sites` monthly sites published over the next four weeks
    (the first eight take the plan's slots), billed through 2026-05-01; returns the bill as a callable."""
    from billingcore.engine import Account, bill
    from billingcore.timeline import structure_events

    tariff, _ = _churn_tariff()
    plan = {"id": "p", "date": "2026-03-01", "type": "buy_plan", "plan": "agency", "period": "monthly"}
    published = [
        {"id": f"s{i}", "date": (SIGNUP + timedelta(days=i * 28 // sites)).isoformat(), "type": "publish_site",
         "site": f"site-{i}", "period": "monthly"}
        for i in range(sites)
    ]  # fmt: skip
    events, problems = structure_events([plan, *published])
    assert not problems, problems
    account = Account("agency", tariff.catalog.catalog, "US")
    return lambda: bill(tariff, account, events, date(2026, 5, 1))


def many_items(sizes: list[int], repeat: int, instructions: bool) -> bool:
    unit = "instructions" if instructions else "µs"
    print(f"many-items: cost per site of an Agency account with {', '.join(map(str, sizes))} sites ({unit}), "
          f"billingcore from {_engine_source()}")  # fmt: skip
    costs = []
    for sites in sizes:
        if instructions:
            once, twice = (_collected(["many-items-step", str(sites)], passes) for passes in (1, 2))
            cost = (twice - once) / sites
        else:
            cost = _seconds(many_items_bill(sites), repeat) * 1e6 / sites
        costs.append(cost)
        print(f"  {sites:>5} sites: {cost:>12,.1f} {unit} per site", flush=True)
    ratio = costs[-1] / costs[0]
    ok = ratio <= MANY_LIMIT
    print(f"{_verdict(ok)}: with {sizes[-1]} sites {ratio:.2f}x per site of {sizes[0]} (limit {MANY_LIMIT}x)")
    return ok


def many_items_step(sites: int, passes: int) -> None:
    """callgrind's child (many-items --instructions): `passes` bills of the account, after one to warm up."""
    run = many_items_bill(sites)
    for _ in range(passes + 1):
        run()


# -- the command line -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="N account records as JSON Lines")
    gen.add_argument("n", type=int)
    gen.add_argument("out")
    gen.add_argument("--bad", type=int, metavar="LINE", help="make the record on this line malformed")
    gen.add_argument("--bad-kind", choices=("date", "plan"), default="date")
    big = sub.add_parser("million", help="bill-run over N generated accounts: wall time and peak RSS")
    big.add_argument("n", nargs="?", type=int, default=1_000_000)
    big.add_argument("--workers", type=int, default=2)
    big.add_argument("--keep", action="store_true", help="keep the input and outputs (the folder is printed)")
    bad = sub.add_parser("malformed", help="one malformed account among N")
    bad.add_argument("n", nargs="?", type=int, default=100_000)
    bad.add_argument("--bad", type=int, default=50_001, metavar="LINE")
    bad.add_argument("--bad-kind", choices=("date", "plan"), default="date")
    bad.add_argument("--workers", type=int, default=1)
    bad.add_argument("--sample", type=int, default=100, help="accounts compared with billing them alone")
    for case, who in (("churn", "a churning account's"), ("ledger", "a prepaid customer's")):
        chu = sub.add_parser(case, help=f"{who} resume step after M months")
        chu.add_argument("--months", default="12,240", help="comma-separated; the last is compared with the first")
        chu.add_argument("--repeat", type=int, default=7, help="timed passes; the best is shown")
        chu.add_argument("--instructions", action="store_true", help="callgrind instructions per step (valgrind)")
        chu.add_argument("--profile", action="store_true", help="cProfile the last M's step: top 15 by own time")
    one = sub.add_parser("resume-step", help="internal: a resume step under callgrind (churn, ledger --instructions)")
    one.add_argument("inputs")
    one.add_argument("--passes", type=int, default=1)
    many = sub.add_parser("many-items", help="an Agency account's cost per site with few and many sites")
    many.add_argument("--sites", default="100,1600", help="comma-separated; the last is compared with the first")
    many.add_argument("--repeat", type=int, default=7, help="timed passes; the best is shown")
    many.add_argument("--instructions", action="store_true", help="callgrind instructions per site (valgrind)")
    step = sub.add_parser("many-items-step", help="internal: the account billed under callgrind")
    step.add_argument("sites", type=int)
    step.add_argument("--passes", type=int, default=1)
    args = parser.parse_args(argv)
    if args.command == "generate":
        if args.bad is not None and not 1 <= args.bad <= args.n:
            parser.error(f"--bad must be a line from 1 to {args.n}")
        write_accounts(args.n, args.out, args.bad, args.bad_kind)
        return 0
    if args.command == "million":
        return 0 if million(args.n, args.workers, args.keep) else 1
    if args.command == "malformed":
        if not 1 <= args.bad <= args.n:
            parser.error(f"--bad must be a line from 1 to {args.n}")
        return 0 if malformed(args.n, args.bad, args.bad_kind, args.workers, args.sample) else 1
    if args.command in CASES:
        months = [int(m) for m in args.months.split(",")]
        return 0 if resume(args.command, months, args.repeat, args.instructions, args.profile) else 1
    if args.command == "many-items":
        sizes = [int(n) for n in args.sites.split(",")]
        return 0 if many_items(sizes, args.repeat, args.instructions) else 1
    if args.command == "many-items-step":
        many_items_step(args.sites, args.passes)
        return 0
    resume_step_child(args.inputs, args.passes)
    return 0


if __name__ == "__main__":
    sys.exit(main())

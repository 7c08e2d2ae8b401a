"""Bill runs (docs/billrun.md): many account records billed under one tariff, each result on its own, one
bad record never costing the others anything; `billingcore bill-run` over JSON Lines."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from billingcore.billrun import Billed, Failed, bill_record, bill_run, failed_json
from billingcore.catalog.loader import load
from billingcore.catalog.model import Period
from billingcore.cli import main
from billingcore.documents import document_json
from billingcore.engine import Account, bill, prepare
from billingcore.events import BuyPlan, PublishSite
from billingcore.snapshot import dump_state

ROOT = Path(__file__).resolve().parents[2]
UNTIL = date(2020, 3, 10)


@pytest.fixture(scope="module")
def tariff() -> Any:
    return prepare(load([str(ROOT / "plans" / "duda.yaml"), str(ROOT / "rules")]), "duda")


def _record(i: int, plan: str = "team") -> dict[str, Any]:
    return {
        "account": {"id": f"acct-{i}", "country": "US"},
        "events": [
            {"id": "p", "date": "2020-01-10", "type": "buy_plan", "plan": plan, "period": "monthly"},
            {"id": "s", "date": "2020-01-20", "type": "publish_site", "site": "blog", "period": "monthly"},
        ],
        "state": None,
    }


def test_each_account_is_billed_as_bill_bills_it(tariff: Any) -> None:
    (result,) = bill_run(tariff, [(1, _record(1))], UNTIL)
    events = [BuyPlan("p", date(2020, 1, 10), "team", Period.MONTHLY), PublishSite("s", date(2020, 1, 20), "blog")]
    alone = bill(tariff, Account("acct-1", "duda", "US"), events, UNTIL)
    assert isinstance(result, Billed)
    assert (result.line, result.account) == (1, "acct-1")
    assert result.documents == [document_json(d) for d in alone.documents]
    assert result.state == dump_state(alone.state)
    assert (result.notices, result.accounts) == ([], [])


def test_a_bad_record_fails_alone_with_its_line_and_its_problems_at_their_paths(tariff: Any) -> None:
    records = [
        (1, _record(1)),
        (2, _record(2, plan="teem")),  # an unknown plan: refused by bill, at its event
        (3, "not json"),
        (4, json.dumps(_record(4))),  # a JSON Lines line, as text
        (5, {"account": {"id": "acct-5", "country": "US"}, "event": []}),
        (6, {"account": {"country": "US"}, "events": [{"id": "x", "type": "buy_plan"}], "state": {"format": 0}}),
        (7, [1, 2]),
    ]
    results = list(bill_run(tariff, records, UNTIL))
    assert [(type(r).__name__, r.line, r.account) for r in results] == [
        ("Billed", 1, "acct-1"),
        ("Failed", 2, "acct-2"),
        ("Failed", 3, None),
        ("Billed", 4, "acct-4"),
        ("Failed", 5, "acct-5"),
        ("Failed", 6, None),
        ("Failed", 7, None),
    ]
    assert [failed_json(r) for r in results if isinstance(r, Failed)][:2] == [
        {
            "line": 2,
            "account": "acct-2",
            "errors": [
                {
                    "path": "events[0]",
                    "code": "bad-event",
                    "message": "event p (buy_plan on 2020-01-10): unknown plan `teem`",
                    "hint": "did you mean `team`?",
                }
            ],
        },
        {
            "line": 3,
            "account": None,
            "errors": [
                {
                    "path": "record",
                    "code": "not-json",
                    "message": "not a JSON record: invalid literal, expected 'null': line 1 column 1 (char 0)",
                    "hint": 'one JSON object per line: {"account": {"id": ..., "country": ...}, "events": [...], '
                    '"state": null}',
                }
            ],
        },
    ]
    assert [(str(d.location), d.code) for d in results[4].diagnostics] == [("record", "unknown-key")]  # type: ignore[union-attr]
    six = [(str(d.location), d.code) for d in results[5].diagnostics]  # type: ignore[union-attr]
    assert six == [
        ("account", "missing-key"),  # id
        ("events[0]", "missing-key"),  # date
        ("events[0]", "missing-key"),  # plan
        ("events[0]", "missing-key"),  # period
        ("state.format", "bad-state"),
    ]
    # the others are billed exactly as alone
    assert results[0] == bill_record(tariff, 1, _record(1), UNTIL)


def test_a_saved_state_from_one_run_resumes_in_the_next(tariff: Any) -> None:
    (first,) = bill_run(tariff, [(1, _record(1))], date(2020, 2, 1))
    assert isinstance(first, Billed)
    later = {"account": {"id": "acct-1", "country": "US"}, "events": [], "state": first.state}
    (second,) = bill_run(tariff, [(1, later)], UNTIL)
    (whole,) = bill_run(tariff, [(1, _record(1))], UNTIL)
    assert isinstance(second, Billed)
    assert isinstance(whole, Billed)
    assert first.documents + second.documents == whole.documents
    assert second.state == whole.state


def test_the_command_writes_json_lines_a_summary_and_fails_when_an_account_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    source = tmp_path / "accounts.jsonl"
    lines = [json.dumps(_record(i)) for i in range(4)]
    lines.insert(2, '{"account": {"id": "broken"')  # line 3: cut off
    source.write_text("\n".join(lines) + "\n\n")
    out = tmp_path / "out"
    code = main(["bill-run", str(source), "--catalog", "duda", "--until", "2020-03-10", "--out", str(out)])
    printed = capsys.readouterr().out.splitlines()
    assert code == 1
    assert printed == [
        "billed 4 accounts, 12 documents; 1 failed",
        "  USD 348.00",  # each account: Team 29.00 on Jan 10, Feb 10 and Mar 10 (its site in the plan)
        f"the failed accounts and why: {out / 'errors.jsonl'}",
    ]
    documents = [json.loads(x) for x in (out / "documents.jsonl").read_text().splitlines()]
    assert [d["account"] for d in documents] == [f"acct-{i}" for i in (0, 1, 2, 3) for _ in range(3)]
    states = [json.loads(x) for x in (out / "states.jsonl").read_text().splitlines()]
    assert [s["account"] for s in states] == ["acct-0", "acct-1", "acct-2", "acct-3"]
    (error,) = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    assert (error["line"], error["account"], error["errors"][0]["code"]) == (3, None, "not-json")
    assert (out / "notices.jsonl").read_text() == (out / "accounts.jsonl").read_text() == ""


def test_the_command_says_when_it_cannot_read_its_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.jsonl"
    code = main(["bill-run", str(missing), "--catalog", "duda", "--until", "2020-03-10", "--out", str(tmp_path)])
    assert (code, capsys.readouterr().err) == (1, f"billingcore bill-run: No such file or directory: {missing}\n")


def test_workers_write_what_one_process_writes_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    source = tmp_path / "accounts.jsonl"
    lines = [json.dumps(_record(i, plan=("basic", "team", "teem")[i % 3])) for i in range(7)]
    source.write_text("\n".join(lines) + "\n")
    args = ["bill-run", str(source), "--catalog", "duda", "--until", "2020-03-10", "--progress", "off"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 1  # acct-2 and acct-5: plan `teem`
    serial = capsys.readouterr().out.replace(str(tmp_path / "one"), "OUT")
    assert main([*args, "--out", str(tmp_path / "two"), "--workers", "2", "--chunk", "2"]) == 1
    assert capsys.readouterr().out.replace(str(tmp_path / "two"), "OUT") == serial
    for name in ("documents", "notices", "accounts", "states", "errors"):
        assert (tmp_path / "two" / f"{name}.jsonl").read_bytes() == (tmp_path / "one" / f"{name}.jsonl").read_bytes()
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == sorted(p.name for p in (tmp_path / "one").iterdir())
    errors = [json.loads(x)["line"] for x in (tmp_path / "two" / "errors.jsonl").read_text().splitlines()]
    assert errors == [3, 6]


def test_dask_with_two_local_workers_writes_what_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed")
    monkeypatch.chdir(ROOT)
    source = tmp_path / "accounts.jsonl"
    lines = [json.dumps(_record(i, plan=("basic", "team", "teem")[i % 3])) for i in range(30)]
    lines.insert(10, "")  # a blank line is skipped, and counted in the line numbers
    source.write_text("\n".join(lines) + "\n")
    args = ["bill-run", str(source), "--catalog", "duda", "--until", "2020-03-10", "--progress", "off"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 1
    serial = capsys.readouterr().out.replace(str(tmp_path / "one"), "OUT")
    from distributed import Client, LocalCluster

    from billingcore.dask_run import write_results_on_dask

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        summary = write_results_on_dask(
            client, ["plans", "rules"], "duda", str(source), UNTIL, str(tmp_path / "dask"), blocksize="2KiB"
        )
    import dask.bag

    assert dask.bag.read_text(str(source), blocksize="2KiB").npartitions == 3  # billed in several partitions
    assert (summary.billed, summary.failed) == (20, 10)
    for name in ("documents", "notices", "accounts", "states", "errors"):
        assert (tmp_path / "dask" / f"{name}.jsonl").read_bytes() == (tmp_path / "one" / f"{name}.jsonl").read_bytes()
    assert not (tmp_path / "dask" / ".parts").exists()
    assert serial.startswith("billed 20 accounts")


def test_a_dask_input_is_cut_into_about_four_partitions_per_worker_thread() -> None:
    from billingcore.dask_run import partition_size

    # 52 542 858 bytes on 2 threads: 8 partitions of 6 567 858 (rounded up); a small file: 1 MiB partitions
    assert partition_size(52_542_858, 2) == 6_567_858
    assert partition_size(1000, 2) == 1 << 20
    assert partition_size(80 << 20, 0) == 20 << 20  # no thread reported: as one

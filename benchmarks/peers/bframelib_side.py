"""bframelib's side of the peer benchmark (benchmarks/peers/run.py). Runs under its own venv,
benchmarks/peers/.venv, with bframelib from PyPI (run.py creates it); billingcore's venv never has it.

bframelib (https://github.com/bframe-work/bframelib) is a billing framework in SQL views over an
in-process DuckDB: products, a pricebook with list prices, contracts; `Client.execute` expands the
`bframe.*` views (templates) of a query and DuckDB runs it. Invoices are computed from the contracts on
every query (read_mode VIRTUAL, nothing stored): there is no saved state in or out.

The same account as billingcore's (benchmarks/peers/shared.py): one pricebook with three list prices
(19.99 and 90.00 every month, 499.00 every 12 months, invoiced in advance, no proration), one contract per
account from SIGNUP. Untimed: the tenant, the catalog and N customers with their contracts inserted.
Timed, one pass: the billing period's invoices and line items for all N accounts (the rating range
[bill day, bill day + 1 month)), each fetched as numpy columns (`fetchnumpy`): one query
`SELECT ... FROM bframe.invoices`, one `SELECT ... FROM bframe.line_items`. DuckDB runs on one thread.

Run: benchmarks/peers/.venv/bin/python benchmarks/peers/bframelib_side.py N [--passes P] [--bill renewal]
"""

from __future__ import annotations

import gc
from typing import Any

import duckdb  # type: ignore[import-not-found]
from bframelib import Client  # type: ignore[import-not-found]
from shared import BILLS, PERIOD_END, SIGNUP, SUBSCRIPTIONS, account_id, report, side_arguments, timed

INVOICES = "SELECT id, contract_id, invoice_delivery, started_at, ended_at, status, total FROM bframe.invoices"
LINES = (
    "SELECT id, invoice_id, contract_id, product_uid, invoice_delivery, started_at, ended_at, status, quantity, "
    "amount FROM bframe.line_items"
)


def client(n: int, which: str) -> Any:
    day, end = BILLS[which].isoformat(), PERIOD_END[which].isoformat()
    con = duckdb.connect(config={"threads": 1})
    con.execute("SET TimeZone = 'UTC'")
    bf = Client(
        {
            "org_id": 1,
            "env_id": 1,
            "branch_id": 1,
            "rating_range": [day, end],
            "rating_as_of_dt": day,
            "prod_system_dt": "2030-01-01",  # everything inserted is in force
        },
        con=con,
    )
    products = ", ".join(
        f"(1, 1, 1, {k}, '{product}', 'FIXED')" for k, (product, _, _, _, _) in enumerate(SUBSCRIPTIONS, 1)
    )
    prices = ", ".join(
        f"(1, 1, 1, {k}, '{price}', 'ADVANCED', {months}, false, {k}, 1)"
        for k, (_, _, _, price, months) in enumerate(SUBSCRIPTIONS, 1)
    )
    bf.execute(f"""
        INSERT INTO src.organizations (id, name) VALUES (1, 'peers');
        INSERT INTO src.environments (id, org_id, name) VALUES (1, 1, 'PROD');
        INSERT INTO src.branches (id, org_id, env_id, name) VALUES (1, 1, 1, 'main');
        INSERT INTO src.products (org_id, env_id, branch_id, id, name, ptype) VALUES {products};
        INSERT INTO src.pricebooks (org_id, env_id, branch_id, id, durable_id, name, invoice_delivery,
            invoice_schedule, prorate) VALUES (1, 1, 1, 1, 'peers', 'peers', 'ADVANCED', 1, false);
        INSERT INTO src.list_prices (org_id, env_id, branch_id, id, price, invoice_delivery, invoice_schedule,
            prorate, product_uid, pricebook_uid) VALUES {prices};
        INSERT INTO src.customers (org_id, env_id, branch_id, id, durable_id, name)
            SELECT 1, 1, 1, i, 'acct-' || i, 'acct-' || i FROM range({n}) t(i);
        INSERT INTO src.contracts (org_id, env_id, branch_id, id, durable_id, customer_id, pricebook_id,
            started_at, ended_at, effective_at)
            SELECT 1, 1, 1, i, 'acct-' || i, 'acct-' || i, 'peers', '{SIGNUP}', '2031-03-01', '{SIGNUP}'
            FROM range({n}) t(i);
    """)
    assert account_id(0) == "acct-0"
    return bf


def sample(bf: Any) -> list[Any]:
    """Account 0's lines as bframelib gives them: [product, amount (a float), first day, end (exclusive)]."""
    rows = bf.execute(
        "SELECT p.name, li.amount, li.started_at::DATE::TEXT, li.ended_at::DATE::TEXT FROM bframe.line_items li "
        "JOIN bframe.products p ON p.id = li.product_uid WHERE li.contract_id = 'acct-0' "
        "ORDER BY li.ended_at, li.product_uid"
    ).fetchall()
    return [list(r) for r in rows]


def main() -> None:
    args = side_arguments()
    bf = client(args.n, args.bill)
    counted: list[int] = []

    def run() -> int:
        invoices = bf.execute(INVOICES).fetchnumpy()
        items = bf.execute(LINES).fetchnumpy()
        counted[:] = [len(items["id"])]
        return len(invoices["id"])

    times, documents = timed(run, args.passes, args.warmup)
    report("bframelib", args.n, times, documents, counted[0], sample(bf))
    bf.con.close()
    gc.unfreeze()  # duckdb's bindings report "leaked" objects at exit that a frozen generation still holds


if __name__ == "__main__":
    main()

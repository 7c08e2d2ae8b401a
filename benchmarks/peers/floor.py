"""A hand-written pure-Python floor for the peer benchmark's bill: how fast any Python could bill it.

The least code that gives the invoices billingcore gives for this account (benchmarks/peers/shared.py):
for each subscription whose next term starts on or before the billing day, a line of 1 x its price (a
Decimal read from its string once, rounded half up to the cent), the term's first and last day computed
from its anchor with clamped month arithmetic; monthly and annual terms on separate invoices (the rule
set's `split: by_period`); each invoice's net, VAT by rate (the US rate, 0 %, rounded half up to the
cent) and gross; the document number; and the account's new state, the terms billed per subscription.
Inputs are pre-built plain Python (Decimal prices, dates, ints), nothing is read or written. What it
leaves out of billingcore's documents: each line's explanation and cause texts, notices, every check.

Run under billingcore's venv (run.py does): it checks account 0's invoices against billingcore's.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared import BILLS, SIGNUP, SUBSCRIPTIONS, account_id, report, side_arguments, timed

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ONE = Decimal("1")
ZERO = Decimal("0")
VAT_RATE = Decimal("0")  # rules/vat.yaml: US
DAY = timedelta(days=1)
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# A subscription: (key, description, price, months per term, anchor, terms billed)
Sub = tuple[str, str, Decimal, int, date, int]
Line = tuple[str, str, Decimal, Decimal, Decimal, Decimal, date, date]
Invoice = tuple[str, str, date, list[Line], Decimal, tuple[tuple[Decimal, Decimal, Decimal], ...], Decimal]


def add_months(anchor: date, months: int) -> date:
    """`anchor` moved by `months`, on the anchor's day clamped to the month's last day."""
    idx = anchor.year * 12 + anchor.month - 1 + months
    year, month, day = idx // 12, idx % 12 + 1, anchor.day
    if day > 28:
        last = 29 if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else _DAYS[month - 1]
        day = min(day, last)
    return date(year, month, day)


def bill(account: str, subs: list[Sub], day: date) -> tuple[list[Invoice], list[Sub]]:
    """The invoices of `day` and the subscriptions with their new terms."""
    monthly: list[Line] = []
    longer: list[Line] = []
    new: list[Sub] = []
    for key, description, price, months, anchor, terms in subs:
        start = add_months(anchor, terms * months)
        while start <= day:
            terms += 1
            end = add_months(anchor, terms * months)
            amount = price.quantize(CENT, ROUND_HALF_UP)  # 1 x price
            (monthly if months == 1 else longer).append(
                (key, description, ONE, price, amount, VAT_RATE, start, end - DAY)
            )
            start = end
        new.append((key, description, price, months, anchor, terms))
    invoices: list[Invoice] = []
    for kind, lines in (("monthly", monthly), ("annual", longer)):
        if lines:
            net = sum((line[4] for line in lines), ZERO)
            vat = (net * VAT_RATE / HUNDRED).quantize(CENT, ROUND_HALF_UP)
            number = f"{account}-{day:%Y%m%d}-{kind}"
            invoices.append((kind, number, day, lines, net, ((VAT_RATE, net, vat),), net + vat))
    return invoices, new


def inputs(n: int, day: date) -> list[tuple[str, list[Sub]]]:
    """Each account's subscriptions as saved the day before `day`: every term before it billed."""
    out = []
    for i in range(n):
        subs = []
        for _, key, description, price, months in SUBSCRIPTIONS:
            terms = 0
            while add_months(SIGNUP, terms * months) < day:
                terms += 1
            subs.append((key, description, Decimal(price), months, SIGNUP, terms))
        out.append((account_id(i), subs))
    return out


def check_against_billingcore(which: str, invoices: list[Invoice]) -> None:
    """Account 0's invoices equal billingcore's: every line's amount and days, every total."""
    import os

    from billingcore_side import saved_states, tariff

    from billingcore.engine import bill as bc_bill

    tariff_ = tariff(os.path.dirname(os.path.abspath(__file__)))
    day = BILLS[which]
    accounts, states = saved_states(tariff_, 1, day)
    docs = bc_bill(tariff_, accounts[0], (), day, states[0]).documents
    ours = [
        (kind, number, net, vat, gross, [(ln[0], ln[1], ln[2], ln[3], ln[4], ln[5], ln[6], ln[7]) for ln in lines])
        for kind, number, _, lines, net, vat, gross in invoices
    ]
    theirs = [
        (
            d.kind.value,
            d.number,
            d.net,
            tuple((v.rate, v.base, v.amount) for v in d.vat),
            d.gross,
            [
                (x.item, x.description, x.quantity, x.unit_price, x.amount, x.vat_rate, x.period_start, x.period_end)
                for x in d.lines
            ],
        )
        for d in docs
    ]
    assert ours == theirs, f"floor and billingcore differ for account 0:\n{ours}\n{theirs}"


def main() -> None:
    args = side_arguments()
    day = BILLS[args.bill]
    accounts = inputs(args.n, day)
    first, _ = bill(*accounts[0], day)
    check_against_billingcore(args.bill, first)

    def run() -> int:
        return sum(len(bill(account, subs, day)[0]) for account, subs in accounts)

    times, documents = timed(run, args.passes, args.warmup)
    lines = args.n * sum(len(inv[3]) for inv in first)  # every account bills what account 0 bills
    product = {key: name for name, key, _, _, _ in SUBSCRIPTIONS}
    sample: list[Any] = [
        [product[ln[0]], str(ln[4]), ln[6].isoformat(), ln[7].isoformat()] for inv in first for ln in inv[3]
    ]
    report("floor", args.n, times, documents, lines, sample)


if __name__ == "__main__":
    main()

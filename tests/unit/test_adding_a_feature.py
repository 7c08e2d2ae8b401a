"""The walkthrough of docs/architecture.md, "Adding a feature", as code: a `domains` feature written
outside the package, registered in a tariff with one line, billed by the unchanged engine."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import ClassVar

import attrs
import pytest

from billingcore.catalog.fields import SourceRef, field, src_field
from billingcore.catalog.loader import load_texts
from billingcore.catalog.model import Period
from billingcore.charges import term_charge
from billingcore.contracts import ContractKind, new_contract, running
from billingcore.documents import document_json
from billingcore.engine import Account, bill, make_tariff
from billingcore.features import FEATURES
from billingcore.features.base import Feature, Outcome, Problem, View, put, refuse, started, unknown
from billingcore.features.changes import price_for

ROOT = Path(__file__).resolve().parents[2]


@attrs.frozen
class RegisterDomain:
    """Register a domain for a year."""

    TYPE: ClassVar[str] = "register_domain"
    id: str = field("Event id.")
    date: date = field("Day of registration.")
    domain: str = field("The domain name, e.g. example.cz.")
    product: str = field("Domain product id from the catalog.", default="domain")
    src: SourceRef = src_field()


@attrs.frozen
class TransferDomain:
    """Transfer a domain away: the paid year runs out, it does not renew."""

    TYPE: ClassVar[str] = "transfer_domain"
    id: str = field("Event id.")
    date: date = field("Day of the transfer.")
    domain: str = field("The domain name.")
    src: SourceRef = src_field()


def register(view: View, e: RegisterDomain) -> Outcome:
    product = view.tariff.products.get(e.product)
    if product is None:
        return Outcome(problem=unknown("domain product", e.product, view.tariff.products))
    key = f"domain:{e.domain}"
    if running(view.contracts, key) is not None:
        return refuse(f"domain `{e.domain}` is already registered", "transfer or renew it instead")
    price = price_for(product.prices, Period.ANNUAL, "product", product.id)
    if isinstance(price, Problem):
        return Outcome(problem=price)
    label = view.tariff.labels.item(product.name, e.domain)
    contract = new_contract(key, ContractKind.ITEM, product.id, label, Period.ANNUAL, e.date, price, e.domain)
    return started(contract, term_charge(contract, e.date, e.id))


def transfer(view: View, e: TransferDomain) -> Outcome:
    contract = running(view.contracts, f"domain:{e.domain}")
    if contract is None:
        return refuse(f"domain `{e.domain}` is not registered here", "register it first")
    return put(contract._replace(dont_renew=True))


DOMAINS = Feature(name="domains", events={RegisterDomain: register, TransferDomain: transfer})

CATALOG = """
catalog: hosting
currency: CZK
rules: wedos
seller_country: CZ
products:
  - {id: domain, name: Domain, kind: domain, prices: {annual: "250.00"}}
"""


def test_a_feature_written_outside_the_package_bills_through_the_unchanged_engine() -> None:
    rules = {f"rules/{name}": (ROOT / "rules" / name).read_text() for name in os.listdir(ROOT / "rules")}
    library = load_texts({**rules, "plans/hosting.yaml": CATALOG})
    catalog = library.catalog("hosting")
    tariff = make_tariff(catalog, library.rules_for(catalog), library.vat, (*FEATURES, DOMAINS))  # the one line
    events = [
        RegisterDomain("d1", date(2021, 3, 17), "example.cz"),
        RegisterDomain("d2", date(2021, 4, 2), "example.com"),
        TransferDomain("t1", date(2021, 5, 1), "example.com"),
    ]
    result = bill(tariff, Account("cz-1", "hosting", "CZ"), events, date(2022, 5, 1))
    # WEDOS rules: billing on the 1st; a renewal is charged 10 days before the term end (lead_days)
    assert [
        (d["date"], [(line["description"], line["amount"], line["cause"]) for line in d["lines"]], d["gross"])
        for d in map(document_json, result.documents)
    ] == [
        ("2021-04-01", [("Domain example.cz (annual)", "250.00", "d1")], "302.50"),
        ("2021-05-01", [("Domain example.com (annual)", "250.00", "d2")], "302.50"),
        ("2022-04-01", [("Domain example.cz (annual)", "250.00", "renewal")], "302.50"),
    ]


def test_a_reaction_learns_which_event_or_renewal_ended_a_contract() -> None:
    # A feature outside the package may react to ContractEnded (e.g. to charge an exit fee caused by it):
    # the signal carries the ended contract and its cause — the cancel's event id, or `renewal` for a
    # contract that was not renewed at its term end.
    from billingcore.features.base import NOTHING, ContractEnded
    from billingcore.features.subscriptions import Cancel, SetDontRenew

    seen: list[tuple[str, str]] = []

    def note(view: View, signal: ContractEnded) -> Outcome:
        seen.append((signal.contract.key, signal.cause))  # test only: a real reaction returns what it does
        return NOTHING

    rules = {f"rules/{name}": (ROOT / "rules" / name).read_text() for name in os.listdir(ROOT / "rules")}
    library = load_texts({**rules, "plans/hosting.yaml": CATALOG})
    catalog = library.catalog("hosting")
    watcher = Feature(name="watcher", signals={ContractEnded: note})
    tariff = make_tariff(catalog, library.rules_for(catalog), library.vat, (*FEATURES, DOMAINS, watcher))
    events = [
        RegisterDomain("d1", date(2021, 3, 17), "example.cz"),
        RegisterDomain("d2", date(2021, 3, 17), "example.com"),
        Cancel("stop", date(2021, 6, 1), "domain:example.cz"),
        SetDontRenew("keep", date(2021, 6, 1), "domain:example.com"),
    ]
    bill(tariff, Account("cz-1", "hosting", "CZ"), events, date(2022, 4, 1))
    assert seen == [("domain:example.cz", "stop"), ("domain:example.com", "renewal")]


def test_a_part_changed_together_with_a_signal_is_kept() -> None:
    # The engine applies an outcome's part whether or not it also sends signals (a signal goes through
    # the cascade, a plain outcome through the engine's fast path): a counter counts both kinds of event.
    from typing import NamedTuple

    from billingcore.features.base import Part

    class Counted(NamedTuple):
        day: date

    @attrs.frozen
    class Count:
        TYPE: ClassVar[str] = "count"
        id: str = field("Event id.")
        date: date = field("Day.")
        loud: bool = field("Also send a signal.", default=False)
        src: SourceRef = src_field()

    seen: list[int] = []

    def count(view: View, e: Count) -> Outcome:
        seen.append(view.parts["counter"])  # test only: what the handler saw
        return Outcome(part=view.parts["counter"] + 1, signals=(Counted(e.date),) if e.loud else ())

    def echo(view: View, signal: Counted) -> Outcome:  # another feature's reaction keeps its own part
        return Outcome(part=view.parts["echo"] + 1)

    counter = Feature(name="counter", events={Count: count}, part=Part("counter", 0, int, int))
    echoes = Feature(name="echo", signals={Counted: echo}, part=Part("echo", 0, int, int))
    rules = {f"rules/{name}": (ROOT / "rules" / name).read_text() for name in os.listdir(ROOT / "rules")}
    library = load_texts({**rules, "plans/hosting.yaml": CATALOG})
    catalog = library.catalog("hosting")
    tariff = make_tariff(catalog, library.rules_for(catalog), library.vat, (*FEATURES, counter, echoes))
    day = date(2021, 3, 1)
    events = [Count("a", day), Count("b", day, loud=True), Count("c", day), Count("d", day, loud=True), Count("e", day)]
    result = bill(tariff, Account("cz-1", "hosting", "CZ"), events, day)
    assert seen == [0, 1, 2, 3, 4]
    assert (result.state.parts["counter"], result.state.parts["echo"]) == (5, 2)


def test_an_event_of_a_feature_the_tariff_does_not_have_is_refused() -> None:
    from billingcore.errors import EventError

    rules = {f"rules/{name}": (ROOT / "rules" / name).read_text() for name in os.listdir(ROOT / "rules")}
    library = load_texts({**rules, "plans/hosting.yaml": CATALOG})
    catalog = library.catalog("hosting")
    tariff = make_tariff(catalog, library.rules_for(catalog), library.vat)  # without DOMAINS
    events = [RegisterDomain("d1", date(2021, 3, 17), "a.cz")]
    with pytest.raises(EventError) as caught:
        bill(tariff, Account("cz-1", "hosting", "CZ"), events, date(2021, 4, 1))
    assert [(d.code, d.message) for d in caught.value.diagnostics] == [
        (
            "bad-event",
            "event d1 (register_domain on 2021-03-17): no feature of this tariff handles RegisterDomain events",
        )
    ]


def test_the_agenda_visits_each_event_billing_day_renewal_and_a_features_own_date() -> None:
    # The agenda's days, as a feature's next_date sees them (it is asked after each day): the event
    # (Mar 17), the feature's own date (Mar 20), WEDOS's billing days (the 1st), and the domain's renewal
    # 10 days (lead_days) before its term ends on Mar 17, 2022: Mar 7, 2022.
    from billingcore.features.base import Feature

    seen: list[date] = []

    def reminder(view: View) -> date | None:
        seen.append(view.as_of)  # type: ignore[attr-defined]  # test only: the day just processed
        return date(2021, 3, 20) if view.as_of < date(2021, 3, 20) else None  # type: ignore[attr-defined]

    rules = {f"rules/{name}": (ROOT / "rules" / name).read_text() for name in os.listdir(ROOT / "rules")}
    library = load_texts({**rules, "plans/hosting.yaml": CATALOG})
    catalog = library.catalog("hosting")
    features = (*FEATURES, DOMAINS, Feature(name="reminder", next_date=reminder))
    tariff = make_tariff(catalog, library.rules_for(catalog), library.vat, features)
    bill(tariff, Account("cz-1", "hosting", "CZ"), [RegisterDomain("d1", date(2021, 3, 17), "a.cz")], date(2022, 4, 1))
    assert seen[1:] == [  # the first is the new account's empty state
        date(2021, 3, 17),
        date(2021, 3, 20),
        *(date(2021, month, 1) for month in range(4, 13)),
        *(date(2022, month, 1) for month in range(1, 4)),
        date(2022, 3, 7),
        date(2022, 4, 1),
    ]


def test_an_unchanged_part_shows_as_such_when_debugging() -> None:
    from billingcore.features.base import UNCHANGED

    assert repr(Outcome()) == (
        "Outcome(contracts=(), removed=(), part=UNCHANGED, changes=(), charges=(), immediate=(), signals=(), "
        "problem=None, documents=())"
    )
    assert repr(UNCHANGED) == "UNCHANGED"


def test_a_reaction_to_a_contract_ending_at_its_term_end_may_bill_a_fee() -> None:
    # A deletion fee of 100.00 when a domain ends without renewing. WEDOS rules: the domain's renewal
    # falls due 10 days (lead_days) before its term ends on Mar 17, 2022, i.e. on Mar 7; not renewed, it
    # ends then, and the fee, caused by the renewal, is billed with the renewals on the next billing day,
    # Apr 1 (not on an interim invoice): 100.00 + 21 % Czech VAT = 121.00.
    from decimal import Decimal

    from billingcore.charges import RENEWAL, Charge, InvoiceGroup, LineKind
    from billingcore.features.base import NOTHING, ContractEnded
    from billingcore.features.subscriptions import SetDontRenew

    def fee(view: View, signal: ContractEnded) -> Outcome:
        if not signal.contract.key.startswith("domain:"):
            return NOTHING
        price, key, due = Decimal("100.00"), f"fee:{signal.contract.key}", signal.contract.term_end
        monthly, explanation = InvoiceGroup.MONTHLY, "1 x 100.00"
        charge = Charge(key, "Deletion fee", LineKind.ONE_OFF, monthly, due, None, None, Decimal(1), price, price,
                        explanation, signal.cause)  # fmt: skip
        return Outcome(changes=(charge,))

    rules = {f"rules/{name}": (ROOT / "rules" / name).read_text() for name in os.listdir(ROOT / "rules")}
    library = load_texts({**rules, "plans/hosting.yaml": CATALOG})
    catalog = library.catalog("hosting")
    fees = Feature(name="fees", signals={ContractEnded: fee})
    tariff = make_tariff(catalog, library.rules_for(catalog), library.vat, (*FEATURES, DOMAINS, fees))
    events = [RegisterDomain("d1", date(2021, 3, 17), "a.cz"), SetDontRenew("n", date(2021, 6, 1), "domain:a.cz")]
    result = bill(tariff, Account("cz-1", "hosting", "CZ"), events, date(2022, 4, 1))
    assert [
        (str(d.date), d.type, [(ln.item, str(ln.amount), ln.cause) for ln in d.lines], str(d.gross))
        for d in result.documents
    ] == [
        ("2021-04-01", "invoice", [("domain:a.cz", "250.00", "d1")], "302.50"),
        ("2022-04-01", "invoice", [("fee:domain:a.cz", "100.00", RENEWAL)], "121.00"),
    ]

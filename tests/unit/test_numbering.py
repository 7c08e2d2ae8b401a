"""billingcore.numbering: the core's stable document numbers bound to a host's gapless legal sequence."""

from __future__ import annotations

from typing import Any

import pytest

from billingcore import LegalSeries, NumberingError, bind_numbers, load_series, series_json


def _doc(account: str, number: str, day: str, type_: str = "invoice") -> dict[str, Any]:
    return {"type": type_, "kind": "monthly", "number": number, "account": account, "date": day, "gross": "1.00"}


DOCS = [
    _doc("b", "b-20210301-monthly", "2021-03-01"),
    _doc("a", "a-credit-e7", "2021-02-15", "credit_note"),
    _doc("a", "a-20210301-monthly", "2021-03-01"),
    _doc("a", "a-20210301-annual", "2021-03-01"),
]


def test_numbers_follow_document_order_date_then_core_number_and_the_input_order_is_kept() -> None:
    out, series = bind_numbers(DOCS, LegalSeries("INV-{year}-{seq:06d}", next_numbers={("", ""): 41}))
    assert [(d["number"], d["legal_number"]) for d in out] == [
        ("b-20210301-monthly", "INV-2021-000044"),
        ("a-credit-e7", "INV-2021-000041"),  # 15 February comes first
        ("a-20210301-monthly", "INV-2021-000043"),
        ("a-20210301-annual", "INV-2021-000042"),  # "annual" sorts before "monthly"
    ]
    assert series.next_numbers == {("", ""): 45}
    assert "legal_number" not in DOCS[0]  # the input is not changed


def test_binding_again_burns_no_number_and_a_new_document_takes_the_next() -> None:
    first, series = bind_numbers(DOCS[:2], LegalSeries("R{seq}"))
    again, series = bind_numbers([*DOCS[:2], DOCS[2]], series)  # a host re-runs the day, one document more
    assert [d["legal_number"] for d in first] == ["R2", "R1"]
    assert [d["legal_number"] for d in again] == ["R2", "R1", "R3"]
    assert series.next_numbers == {("", ""): 4}


def test_a_document_that_carries_a_legal_number_keeps_it() -> None:
    bound = {**DOCS[0], "legal_number": "OLD-7"}
    out, series = bind_numbers([bound, DOCS[2]], LegalSeries("R{seq}"))
    assert [d["legal_number"] for d in out] == ["OLD-7", "R1"]
    assert series.bound == {("b", "b-20210301-monthly"): "OLD-7", ("a", "a-20210301-monthly"): "R1"}


def test_per_customer_sequences_reset_yearly_with_the_account_in_the_pattern() -> None:
    docs = [*DOCS, _doc("a", "a-20220101-monthly", "2022-01-01")]
    out, series = bind_numbers(docs, LegalSeries("{account}-{year}-{seq:03d}", scope="customer", reset="yearly"))
    assert [d["legal_number"] for d in out] == ["b-2021-001", "a-2021-001", "a-2021-003", "a-2021-002", "a-2022-001"]
    assert series.next_numbers == {("a", "2021"): 4, ("b", "2021"): 2, ("a", "2022"): 2}


def test_monthly_reset_and_only_the_types_asked_for() -> None:
    out, series = bind_numbers(DOCS, LegalSeries("{year}{month:02d}-{seq}", reset="monthly"), types=("invoice",))
    assert [d.get("legal_number") for d in out] == ["202103-3", None, "202103-2", "202103-1"]
    assert series.next_numbers == {("", "2021-03"): 4}


def test_a_series_survives_json() -> None:
    _, series = bind_numbers(DOCS, LegalSeries("R-{account}-{seq}", scope="customer"))
    assert load_series(series_json(series)) == series
    assert series_json(series)["next_numbers"] == [["a", "", 4], ["b", "", 2]]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("INV-{year}", "`INV-{year}` must name {seq} once, the number in the sequence"),
        ("INV-{seq}-{customer}", "`INV-{seq}-{customer}` names {customer}, which is none of seq, year, month, account"),
        ("INV-{seq", "`INV-{seq` is not a pattern: expected '}' before end of string"),
        ("{account:d}-{seq}", "`{account:d}-{seq}` cannot be filled: Unknown format code 'd' for object of type 'str'"),
    ],
)
def test_a_pattern_it_cannot_fill_is_refused_at_its_field(pattern: str, message: str) -> None:
    with pytest.raises(NumberingError) as info:
        LegalSeries(pattern)
    assert [(str(d.location), d.message, d.code) for d in info.value.diagnostics] == [
        ("series.pattern", message, "bad-series")
    ]


def test_an_unknown_scope_and_a_negative_next_number_are_refused() -> None:
    with pytest.raises(NumberingError) as info:
        LegalSeries("R{seq}", scope="tenant", next_numbers={("", ""): -1})
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [  # InputError sorts them by path
        ("series.next_numbers[('', '')]", "expected a whole number of at least 0, got -1"),
        ("series.scope", "expected organization or customer, got 'tenant'"),
    ]


def test_documents_without_a_date_are_refused_at_their_path() -> None:
    with pytest.raises(NumberingError) as info:
        bind_numbers([_doc("a", "a-1", "1 March")], LegalSeries("R{seq}"))
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [
        ("documents[0].date", "expected YYYY-MM-DD, got '1 March'")
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scope": "tenant"}, "not a series series_json wrote: 'tenant' is not a valid Scope"),
        (
            {"next_numbers": [[1, "", 4]]},
            "not a series series_json wrote: next_numbers: expected [account, period, next number] lists",
        ),
        (
            {"bound": [["a", "a-1"]]},
            "not a series series_json wrote: bound: expected [account, core number, legal number] lists of text",
        ),
        (
            {"extra": 1},
            "not a series series_json wrote: expected the keys ['bound', 'first', 'next_numbers', 'pattern', "
            "'reset', 'scope'], got ['bound', 'extra', 'first', 'next_numbers', 'pattern', 'reset', 'scope']",
        ),
    ],
)
def test_a_stored_series_that_series_json_did_not_write_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(NumberingError) as info:
        load_series({**series_json(LegalSeries("R{seq}")), **change})
    assert [(str(d.location), d.message, d.hint, d.code) for d in info.value.diagnostics] == [
        ("series", message, "store what series_json returns", "bad-series")
    ]


def test_months_october_to_december_have_their_own_monthly_sequences() -> None:
    """The month is the date's two digits: October is 10, not 0 (mutation testing found no test past September)."""
    docs = [_doc("a", "a-1", "2021-09-30"), _doc("a", "a-2", "2021-10-01"), _doc("a", "a-3", "2021-12-31")]
    out, series = bind_numbers(docs, LegalSeries("{year:04d}/{month:02d}/{seq:03d}", reset="monthly"))
    assert [d["legal_number"] for d in out] == ["2021/09/001", "2021/10/001", "2021/12/001"]
    assert series.next_numbers == {("", "2021-09"): 2, ("", "2021-10"): 2, ("", "2021-12"): 2}


def test_every_problem_of_a_series_is_named_at_its_field_with_a_hint() -> None:
    with pytest.raises(NumberingError) as info:
        LegalSeries(7, scope=["customer"], reset="daily", first=-1, next_numbers={("a", ""): "3"})  # type: ignore[arg-type]
    assert [(str(d.location), d.message, d.hint, d.code) for d in info.value.diagnostics] == [
        ("series.first", "expected a whole number of at least 0, got -1", "1, or where the sequence starts",
         "bad-series"),
        ("series.next_numbers[('a', '')]", "expected a whole number of at least 0, got '3'", "the next number to give",
         "bad-series"),
        ("series.pattern", "expected text, got int", 'e.g. "INV-{year}-{seq:06d}"', "bad-series"),
        ("series.reset", "expected never, yearly or monthly, got 'daily'", 'reset="yearly": a sequence a year',
         "bad-series"),
        ("series.scope", "expected organization or customer, got ['customer']", 'scope="customer": one per account',
         "bad-series"),
    ]  # fmt: skip
    with pytest.raises(NumberingError) as info:
        LegalSeries("INV-{seq}-{customer}")
    assert [d.hint for d in info.value.diagnostics] == [
        'name {seq} once, and only {year}, {month}, {account} beside it: "INV-{year}-{seq:06d}"'
    ]


def test_every_problem_of_the_documents_is_named_at_its_path() -> None:
    documents = [["not", "a", "mapping"], {"type": "invoice", "account": 7, "number": "n", "date": "2021-3-1"}]
    with pytest.raises(NumberingError) as info:
        bind_numbers(documents, LegalSeries("R{seq}"))  # type: ignore[arg-type]
    hint = "give the documents as document_json writes them"
    assert [(str(d.location), d.message, d.hint, d.code) for d in info.value.diagnostics] == [
        ("documents[0]", "expected a document mapping", hint, "bad-document"),
        ("documents[1].account", "expected text at `account`, got 7", hint, "bad-document"),
        ("documents[1].date", "expected YYYY-MM-DD, got '2021-3-1'", hint, "bad-document"),
    ]


@pytest.mark.parametrize("day", ["2021-03-1", "20a1-03-01", "2021-x3-01"])
def test_a_date_not_written_yyyy_mm_dd_is_refused(day: str) -> None:
    with pytest.raises(NumberingError) as info:
        bind_numbers([_doc("a", "a-1", day)], LegalSeries("R{seq}"))
    assert [d.message for d in info.value.diagnostics] == [f"expected YYYY-MM-DD, got {day!r}"]


def test_a_sequence_may_start_at_zero() -> None:
    out, series = bind_numbers(DOCS[:1], LegalSeries("R{seq}", first=0))
    assert (out[0]["legal_number"], series.next_numbers) == ("R0", {("", ""): 1})
    out, _ = bind_numbers([_doc("c", "c-1", "2021-03-02")], LegalSeries("R{seq}", next_numbers={("", ""): 0}))
    assert out[0]["legal_number"] == "R0"


@pytest.mark.parametrize(
    ("series", "problem"),
    [
        (
            {"pattern": "INV-{seq}", "reset": "yearly"},
            ("series.pattern", "`INV-{seq}` must name {year} (scope organization, reset yearly): else one number is "
             "given twice"),
        ),
        (
            {"pattern": "INV-{year}-{seq}", "reset": "monthly"},
            ("series.pattern", "`INV-{year}-{seq}` must name {month} (scope organization, reset monthly): else one "
             "number is given twice"),
        ),
        (
            {"pattern": "INV-{seq}", "scope": "customer"},
            ("series.pattern", "`INV-{seq}` must name {account} (scope customer, reset never): else one number is "
             "given twice"),
        ),
        (
            {"pattern": "INV-{year}-{seq}", "reset": "yearly", "next_numbers": {("", ""): 1234}},
            ("series.next_numbers[('', '')]", "the period '' does not fit reset yearly"),
        ),
        (
            {"pattern": "INV-{account}-{seq}", "scope": "customer", "next_numbers": {("", ""): 5}},
            ("series.next_numbers[('', '')]", "the account '' does not fit scope customer"),
        ),
        (
            {"pattern": "INV-{seq}", "next_numbers": {"2021": 5}},
            ("series.next_numbers['2021']", "expected a key (account, period), got '2021'"),
        ),
        ({"pattern": "INV-{seq}", "next_numbers": [1]}, ("series.next_numbers", "expected a mapping, got list")),
        (
            {"pattern": "INV-{seq}", "bound": 5},
            ("series.bound", "expected a mapping of (account, core number) to a legal number"),
        ),
    ],
)  # fmt: skip
def test_a_series_that_would_give_a_number_twice_or_ignore_a_start_is_refused(
    series: dict[str, Any], problem: tuple[str, str]
) -> None:
    """Found in review: a yearly series without {year} gave INV-0001 in two years; a start number under a key
    bind_numbers never uses was ignored, and the sequence started again at 1."""
    with pytest.raises(NumberingError) as info:
        LegalSeries(**series)
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [problem]


def test_a_yearly_series_continues_from_its_years_start_number() -> None:
    series = LegalSeries("INV-{year}-{seq:06d}", reset="yearly", next_numbers={("", "2021"): 1234})
    out, _ = bind_numbers([_doc("a", "a-1", "2021-12-31"), _doc("a", "a-2", "2022-01-01")], series)
    assert [d["legal_number"] for d in out] == ["INV-2021-001234", "INV-2022-000001"]


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (lambda: bind_numbers(None, LegalSeries("R{seq}")),  # type: ignore[arg-type]
         ("documents", "expected a list of documents, got NoneType")),
        (lambda: bind_numbers({"number": "a-1"}, LegalSeries("R{seq}")),  # type: ignore[arg-type]
         ("documents", "expected a list of documents, got dict")),
        (lambda: bind_numbers(DOCS, {"pattern": "R{seq}"}), ("series", "expected a LegalSeries, got dict")),  # type: ignore[arg-type]
        (lambda: bind_numbers(DOCS, LegalSeries("R{seq}"), types="invoice"),
         ("types", "expected a list of document types, got 'invoice'")),
        (lambda: bind_numbers([_doc("a", "a-1", "2021-02-30")], LegalSeries("R{seq}")),
         ("documents[0].date", "expected YYYY-MM-DD, got '2021-02-30'")),
        (lambda: bind_numbers([_doc("a", "a-1", "2021-W01-1")], LegalSeries("R{seq}")),
         ("documents[0].date", "expected YYYY-MM-DD, got '2021-W01-1'")),
    ],
)  # fmt: skip
def test_wrong_arguments_are_numbering_errors_not_python_errors(call: Any, problem: tuple[str, str]) -> None:
    with pytest.raises(NumberingError) as info:
        call()
    assert [(str(d.location), d.message) for d in info.value.diagnostics] == [problem]


COUNTER_HINT = (
    '(account, period): the account "" unless scope is customer; the period "" (reset never), "2021" (yearly) '
    'or "2021-03" (monthly)'
)


@pytest.mark.parametrize(
    ("series", "problems"),
    [
        ({"next_numbers": [1]}, [("series.next_numbers", "expected a mapping, got list", "{(account, period): n}")]),
        ({"next_numbers": {("a", 1): 2}}, [("series.next_numbers[('a', 1)]", "expected a key (account, period), got "
                                            "('a', 1)", COUNTER_HINT)]),
        ({"next_numbers": {("x",): 2}}, [("series.next_numbers[('x',)]", "expected a key (account, period), got "
                                          "('x',)", COUNTER_HINT)]),
        ({"bound": {("a", "n"): 5}}, [("series.bound", "expected a mapping of (account, core number) to a legal "
                                       "number", "leave it to bind_numbers")]),
        ({"bound": {("a",): "R1"}}, [("series.bound", "expected a mapping of (account, core number) to a legal "
                                      "number", "leave it to bind_numbers")]),
        # an unknown reset is reported at reset alone: the sequences' checks wait for a reset they know
        ({"reset": "daily", "next_numbers": {("", ""): 1}}, [("series.reset", "expected never, yearly or monthly, "
                                                            "got 'daily'", 'reset="yearly": a sequence a year')]),
    ],
)  # fmt: skip
def test_next_numbers_and_bound_of_the_wrong_form_are_named_with_a_hint(
    series: dict[str, Any], problems: list[tuple[str, str, str]]
) -> None:
    with pytest.raises(NumberingError) as info:
        LegalSeries("R{seq}", **series)
    assert [(str(d.location), d.message, d.hint) for d in info.value.diagnostics] == problems
    assert {d.code for d in info.value.diagnostics} == {"bad-series"}


def test_the_errors_of_wrong_arguments_carry_their_hint_and_code() -> None:
    calls = [
        (lambda: bind_numbers(None, LegalSeries("R{seq}")), "give the documents as document_json writes them",  # type: ignore[arg-type]
         "bad-document"),
        (lambda: bind_numbers(DOCS, {}), "load a stored one with load_series", "bad-series"),  # type: ignore[arg-type]
        (lambda: bind_numbers(DOCS, LegalSeries("R{seq}"), types="invoice"), 'e.g. ("invoice",)', "bad-document"),
    ]  # fmt: skip
    for call, hint, code in calls:
        with pytest.raises(NumberingError) as info:
            call()
        assert [(d.hint, d.code) for d in info.value.diagnostics] == [(hint, code)]
    with pytest.raises(NumberingError) as info:
        LegalSeries("R-{seq}", reset="monthly")
    assert [d.message for d in info.value.diagnostics] == [
        "`R-{seq}` must name {year} and {month} (scope organization, reset monthly): else one number is given twice"
    ]

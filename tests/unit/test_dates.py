from __future__ import annotations

from datetime import date

from billingcore.dates import add_months, billing_date, days_in_month, on_day


def test_anchor_31_clamps_in_short_months_and_realigns_afterwards() -> None:
    start = date(2020, 1, 31)
    got = [add_months(start, n) for n in range(5)]
    assert got == [date(2020, 1, 31), date(2020, 2, 29), date(2020, 3, 31), date(2020, 4, 30), date(2020, 5, 31)]


def test_non_leap_february_and_year_rollover() -> None:
    assert add_months(date(2021, 1, 31), 1) == date(2021, 2, 28)
    assert add_months(date(2021, 11, 30), 3) == date(2022, 2, 28)
    assert add_months(date(2020, 2, 29), 12) == date(2021, 2, 28)
    assert add_months(date(2020, 2, 29), 48) == date(2024, 2, 29)


def test_explicit_anchor_day_wins_over_the_start_day() -> None:
    # a term that started on a clamped Feb 28 still renews on the 31st when the anchor is 31
    assert add_months(date(2021, 2, 28), 1, anchor_day=31) == date(2021, 3, 31)


def test_billing_dates_come_from_the_anchor_clamped_or_rolled_to_the_first() -> None:
    anchor = date(2021, 1, 31)
    assert [billing_date(anchor, n, 31) for n in range(4)] == [
        date(2021, 1, 31),
        date(2021, 2, 28),
        date(2021, 3, 31),
        date(2021, 4, 30),
    ]
    assert [billing_date(anchor, n, 31, roll_to_next_month=True) for n in range(4)] == [
        date(2021, 1, 31),
        date(2021, 3, 1),
        date(2021, 3, 31),
        date(2021, 5, 1),
    ]


def test_days_in_month_and_on_day() -> None:
    assert [days_in_month(2020, m) for m in (1, 2, 4)] == [31, 29, 30]
    assert days_in_month(1900, 2) == 28
    assert days_in_month(2000, 2) == 29
    assert on_day(2021, 2, 30) == date(2021, 2, 28)


def test_iso_is_isoformat_and_its_memory_stays_bounded() -> None:
    from datetime import timedelta

    from billingcore import dates

    start = date(1900, 1, 1)
    for n in range(100_500):  # more distinct dates than the memory keeps
        day = start + timedelta(days=n)
        assert dates.iso(day) == day.isoformat()
    assert dates.iso(date(2020, 2, 29)) == "2020-02-29"
    assert len(dates._ISO) <= 100_001


def test_event_date_texts_are_parsed_once_and_their_memory_stays_bounded() -> None:
    from datetime import timedelta

    from billingcore.catalog import structure

    start = date(1900, 1, 1)
    for n in range(100_500):  # more distinct texts than the memory keeps
        day = start + timedelta(days=n)
        assert structure._date(day.isoformat(), date) == day
    assert len(structure._DATES) <= 100_001
    assert structure._date("2020-02-29", date) == date(2020, 2, 29)
    assert structure._date("2020-02-29", date) is structure._date("2020-02-29", date)  # remembered

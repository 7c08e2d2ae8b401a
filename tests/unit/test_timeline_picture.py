"""The timeline picture (render/timeline.py, `billingcore timeline`): a scenario's terms, credits, events and
billing days on one time axis, checked as SVG data and as Chromium draws it (docs/timeline.md)."""

from __future__ import annotations

import itertools
import struct
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import browser
from billingcore import Account, BuyPlan, Period, PublishSite, bill, load, prepare
from billingcore.cli import main
from billingcore.documents import Document, DocumentKind, DocumentType, Line, LineKind
from billingcore.render.timeline import outcome_svg, timeline_page, timeline_svg
from billingcore.scenarios import Outcome, load_scenario, run_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests/scenarios/duda/billing-example.yaml"
CREDIT = ROOT / "tests/scenarios/duda/cancel-annual-site-credit-note.yaml"
SVG = "{http://www.w3.org/2000/svg}"


def _outcome(path: Path) -> Outcome:
    return run_scenario(load_scenario(str(path)))


def _svg(path: Path) -> ET.Element:
    return ET.fromstring(outcome_svg(_outcome(path)))


def _groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == cls]


def _x(day: date) -> float:
    """Where the billing example draws `day`, worked out here: its picture starts on 2020-01-01 (the month
    of the first event) and ends on 2022-03-01 (the month after the last day billed, 2022-02-14): 790 days
    at 2.5 px a day is 1975 px, between the least (720) and the most (2400) width, so 2.5 px a day."""
    return (day - date(2020, 1, 1)).days * 2.5


def test_the_billing_example_has_one_lane_per_item_in_the_order_they_first_appear() -> None:
    root = _svg(EXAMPLE)
    assert [g.get("data-item") for g in _groups(root, "lane")] == ["site:site-1", "plan", "site:site-2", "site:site-3"]
    # each lane's label is its item key
    labels = [g.find(f"{SVG}text") for g in _groups(root, "lane")]
    assert ["".join(t.itertext()).removeprefix(t.findtext(f"{SVG}title") or "") for t in labels if t is not None] == [
        "site:site-1",
        "plan",
        "site:site-2",
        "site:site-3",
    ]


def test_the_bars_are_exactly_the_billed_terms_at_their_dates() -> None:
    root = _svg(EXAMPLE)
    assert (root.get("data-origin"), root.get("data-day-width")) == ("2020-01-01", "2.5000")
    x0 = float(root.get("data-x0") or "nan")
    bars = {}
    for lane in _groups(root, "lane"):
        for bar in _groups(lane, "bar"):
            assert bar.get("data-item") == lane.get("data-item")
            key = (bar.get("data-item"), bar.get("data-kind"), bar.get("data-start"), bar.get("data-end"))
            assert key not in bars, f"two bars for {key}"
            bars[key] = bar.find(f"{SVG}rect")
    # The expectations of the scenario file, by hand: site-1 included on the annual bill and on 14 monthly
    # bills, the plan's two annual terms, site-2's 14 monthly terms from 2020-01-20, site-3's two annual terms.
    assert Counter((item, kind) for item, kind, _, _ in bars) == {
        ("site:site-1", "included"): 15,
        ("plan", "charge"): 2,
        ("site:site-2", "charge"): 14,
        ("site:site-3", "charge"): 2,
    }
    terms = [
        ("plan", "charge", date(2020, 1, 10), date(2021, 1, 9)),
        ("plan", "charge", date(2021, 1, 10), date(2022, 1, 9)),
        ("site:site-2", "charge", date(2020, 1, 20), date(2020, 2, 19)),
        ("site:site-2", "charge", date(2021, 2, 20), date(2021, 3, 19)),
        ("site:site-3", "charge", date(2020, 2, 15), date(2021, 2, 14)),
        ("site:site-3", "charge", date(2021, 2, 15), date(2022, 2, 14)),
        ("site:site-1", "included", date(2020, 1, 10), date(2020, 2, 9)),
        ("site:site-1", "included", date(2021, 3, 10), date(2021, 4, 9)),
    ]
    for item, kind, start, end in terms:
        rect = bars[(item, kind, start.isoformat(), end.isoformat())]
        assert rect is not None
        left, width = float(rect.get("x") or "nan"), float(rect.get("width") or "nan")
        assert left == pytest.approx(x0 + _x(start), abs=0.006)
        # to the end of its last day, less the 1 px gap that shows where back-to-back terms meet
        assert left + width + 1 == pytest.approx(x0 + _x(end + timedelta(days=1)), abs=0.011)
    # back-to-back terms share a track: each lane of the example is one row of bars
    for lane in _groups(root, "lane"):
        assert len({rect.get("y") for rect in lane.iter(f"{SVG}rect") if rect.get("height") == "18"}) == 1
    plan = bars[("plan", "charge", "2020-01-10", "2021-01-09")]
    assert (plan.get("x"), plan.get("width")) == (f"{x0 + 22.5:.2f}", "914.00")  # 9 days in, 366 days long


def test_every_line_of_every_document_is_drawn_once() -> None:
    outcome = _outcome(EXAMPLE)
    lines = Counter(
        (line.item, line.kind.value, str(line.period_start), str(line.period_end))
        for doc in outcome.result.documents
        for line in doc.lines
    )
    root = ET.fromstring(outcome_svg(outcome))
    drawn = Counter(
        (bar.get("data-item"), bar.get("data-kind"), bar.get("data-start"), bar.get("data-end"))
        for bar in _groups(root, "bar")
    )
    assert drawn == lines
    assert sum(drawn.values()) == 33


def test_the_amount_stands_on_a_bar_where_it_fits() -> None:
    root = _svg(EXAMPLE)
    texts = Counter(bar.findtext(f"{SVG}text") for bar in _groups(root, "bar"))
    # 13.00 a month is 30 days x 2.5 px = 75 px: room for "13.00"; included lines carry none (all 0.00)
    assert texts == {"13.00": 14, "264.00": 2, "117.00": 2, None: 15}


def test_a_credit_is_a_hatched_bar_of_its_own_below_the_term_it_credits() -> None:
    root = _svg(CREDIT)
    lane = next(g for g in _groups(root, "lane") if g.get("data-item") == "site:blog")
    bars = {b.get("data-kind"): b for b in _groups(lane, "bar")}
    assert sorted(bars) == ["charge", "credit"]
    credit, charge = bars["credit"], bars["charge"]
    assert (credit.get("data-start"), credit.get("data-end")) == ("2020-04-21", "2021-02-14")
    assert (charge.get("data-start"), charge.get("data-end")) == ("2020-02-15", "2021-02-14")
    credit_rect, charge_rect = credit.find(f"{SVG}rect"), charge.find(f"{SVG}rect")
    assert credit_rect is not None
    assert charge_rect is not None
    assert credit_rect.get("fill") == "url(#bc-timeline-hatch)"
    assert float(credit_rect.get("y") or 0) == float(charge_rect.get("y") or 0) + 22  # the next track
    assert credit.findtext(f"{SVG}text") == "-95.90"
    assert "Credit: Website blog (annual), unused part" in (credit.findtext(f"{SVG}title") or "")
    # the credit note's day is marked as one
    marks = {m.get("data-day"): m for m in _groups(_groups(root, "documents")[0], "mark")}
    credit_note = marks["2020-05-10"]
    assert credit_note.findtext(f"{SVG}title") == (
        "annual-cancel-20200510-annual: credit note (annual) of 2020-05-10, gross -95.90 USD"
    )
    assert credit_note.findtext(f"{SVG}text") == "annual credit note"
    assert credit_note.find(f"{SVG}path").get("fill") == "#c0392b"  # type: ignore[union-attr]


def test_events_and_billing_days_are_marked_with_what_they_were() -> None:
    root = _svg(EXAMPLE)
    events = _groups(_groups(root, "events")[0], "mark")
    assert [m.findtext(f"{SVG}title") for m in events] == [
        "e1 start_trial on 2020-01-01",
        "e2 publish_site on 2020-01-05: site site-1, product site",
        "e3 buy_plan on 2020-01-10: plan team, period annual",
        "e4 publish_site on 2020-01-20: site site-2, period monthly, product site",
        "e5 publish_site on 2020-02-15: site site-3, period annual, product site",
    ]
    days = [line.get("data-day") for line in root.iter(f"{SVG}line") if line.get("class") == "billing-day"]
    assert days == ["2020-01-10", *(f"{y}-{m:02}-10" for y, m in _months(2020, 2, 2021, 3))]
    documents = _groups(_groups(root, "documents")[0], "mark")
    assert len(documents) == 15
    assert documents[-1].findtext(f"{SVG}title") == (
        "acme-20210310-monthly: invoice (monthly) of 2021-03-10, gross 13.00 USD\n"
        "acme-20210310-annual: invoice (annual) of 2021-03-10, gross 117.00 USD"
    )
    until = next(line for line in root.iter(f"{SVG}line") if line.get("class") == "until")
    assert float(until.get("x1") or "nan") == pytest.approx(float(root.get("data-x0") or 0) + _x(date(2021, 3, 11)))


def test_many_events_on_one_day_share_a_marker_with_each_in_its_tooltip() -> None:
    root = _svg(ROOT / "tests/scenarios/duda/agency-nine-sites.yaml")
    (mark,) = _groups(_groups(root, "events")[0], "mark")
    assert mark.findtext(f"{SVG}text") == "e1 \u2026 e10: 10 events"
    tooltip = (mark.findtext(f"{SVG}title") or "").split("\n")
    assert tooltip[0] == "e1 buy_plan on 2020-06-30: plan agency, period annual"
    assert [t.split()[0] for t in tooltip] == [f"e{n}" for n in range(1, 11)]


def test_lines_without_days_notices_and_credit_accounts_are_drawn_too() -> None:
    outcome = _outcome(ROOT / "tests/scenarios/accounts/wedos-auto-renewal.yaml")
    root = ET.fromstring(outcome_svg(outcome))
    lines = Counter(
        (line.item, line.kind.value, (line.period_start or doc.date).isoformat())
        for doc in outcome.result.documents
        for line in doc.lines
    )
    drawn = Counter((g.get("data-item"), g.get("data-kind"), g.get("data-start")) for g in _groups(root, "bar"))
    drawn += Counter((g.get("data-item"), g.get("data-kind"), g.get("data-day")) for g in _groups(root, "point"))
    assert drawn == lines
    # the top-ups and the settlements' deductions have no days: diamonds on their documents' dates
    points = [(g.get("data-kind"), g.get("data-day"), g.findtext(f"{SVG}text")) for g in _groups(root, "point")]
    assert points == [
        ("top_up", "2021-03-01", "400.00"),
        ("credit_deduction", "2021-04-01", "-315.00"),
        ("top_up", "2021-04-06", "200.00"),
        ("credit_deduction", "2021-05-01", "-215.00"),
    ]
    assert {g.get("data-item") for g in _groups(root, "point")} == {"credit:credit"}
    notice = next(m for m in _groups(_groups(root, "events")[0], "mark") if m.find(f"{SVG}rect") is not None)
    assert notice.findtext(f"{SVG}text") == "insufficient_credit"
    assert notice.findtext(f"{SVG}title") == (
        "notice insufficient_credit on 2021-03-25: service:vps: payment request liberec-20210325-request-vps of "
        "199.65 (credit 85.00 CZK < 165.00)"
    )
    order = next(m for m in _groups(_groups(root, "events")[0], "mark") if m.get("data-day") == "2021-03-03")
    assert order.findtext(f"{SVG}title") == (
        "o1 order_service on 2021-03-03: account credit, service web, product webhosting, period monthly, "
        "auto_renew true"
    )
    assert root.findall(f"{SVG}text")[1].text == "5 documents, 12 events, billed until 2021-05-01"


def _months(y1: int, m1: int, y2: int, m2: int) -> list[tuple[int, int]]:
    return [(y, m) for y in range(y1, y2 + 1) for m in range(1, 13) if (y1, m1) <= (y, m) <= (y2, m2)]


def test_the_picture_is_the_same_every_time() -> None:
    first = outcome_svg(_outcome(EXAMPLE))
    assert outcome_svg(_outcome(EXAMPLE)) == first
    assert first.count("\n") > 100
    assert "e+" not in first


def test_item_names_event_ids_and_titles_from_a_file_are_escaped() -> None:
    hostile = 'site:</text><script>alert(1)</script>&"\x01'
    line = Line(
        hostile, "<b>bold</b>", LineKind.CHARGE, Decimal(1), Decimal("13.00"), Decimal("13.00"), Decimal(0),
        date(2020, 1, 10), date(2020, 2, 9), "13.00 & more", "<e1>",
    )  # fmt: skip
    doc = Document(
        DocumentType.INVOICE, DocumentKind.MONTHLY, "a-<1>", "a", date(2020, 1, 10), "USD", (line,),
        Decimal("13.00"), (), Decimal("13.00"),
    )  # fmt: skip
    event = PublishSite('<e1>&"', date(2020, 1, 10), "<home>")
    svg = timeline_svg([event], [doc], date(2020, 2, 10), title="</title><svg onload=x>")
    assert "<script" not in svg
    assert "<b>" not in svg
    assert "<home>" not in svg
    assert "onload=x>" not in svg
    root = ET.fromstring(svg)  # it parses: every text escaped, the control character replaced
    (lane,) = _groups(root, "lane")
    assert lane.get("data-item") == hostile.replace("\x01", "\ufffd")
    (bar,) = _groups(root, "bar")
    assert "13.00 & more" in (bar.findtext(f"{SVG}title") or "")
    (mark,) = _groups(_groups(root, "events")[0], "mark")
    assert mark.findtext(f"{SVG}title") == '<e1>&" publish_site on 2020-01-10: site <home>, product site'
    assert root.findtext(f"{SVG}title") == "</title><svg onload=x>"
    page = timeline_page(svg, "</title><script>")
    assert "<title>&lt;/title&gt;&lt;script&gt;</title>" in page


def test_twenty_years_fit_the_widest_plot_with_thinned_labels() -> None:
    tariff = prepare(load([str(ROOT / "plans")]), "duda")
    events = [
        BuyPlan("e1", date(2020, 1, 10), "team", Period.MONTHLY),
        PublishSite("e2", date(2020, 1, 20), "blog", Period.ANNUAL),
    ]
    result = bill(tariff, Account("acme", "duda", "US"), events, date(2039, 12, 31))
    root = ET.fromstring(timeline_svg(events, result.documents, date(2039, 12, 31), "twenty years"))
    # 2020-01-01 to 2040-02-01 (the last annual site term billed ends 2040-01-19): 7336 days, 18340 px at 2.5 px
    # a day, more than 2400: 2400 / 7336 = 0.3272 px a day
    assert (root.get("data-origin"), root.get("data-day-width")) == ("2020-01-01", "0.3272")
    axis = _groups(root, "axis")[0]
    months = [float(t.get("x") or 0) for t in axis.iter(f"{SVG}text") if t.get("class") == "month"]
    years = [t.text for t in axis.iter(f"{SVG}text") if t.get("class") == "year"]
    assert years == [str(y) for y in range(2020, 2041)]  # 119.5 px a year: room for every year
    assert len(months) == 2 * 20 + 1  # 9.96 px a month: only January and July are named
    assert min(b - a for a, b in itertools.pairwise(months)) >= 30
    width = float(root.get("width") or 0)
    assert width == pytest.approx(float(root.get("data-x0") or 0) + 7336 * 0.3272 + 24, abs=0.01)
    plan = [b for b in _groups(root, "bar") if b.get("data-item") == "plan"]
    assert len(plan) == 240  # every monthly term is there, too narrow for its amount
    assert {b.findtext(f"{SVG}text") for b in plan} == {None}


def test_a_short_scenario_is_drawn_at_least_720_px_wide() -> None:
    line = Line(
        "plan", "Basic", LineKind.CHARGE, Decimal(1), Decimal("5.00"), Decimal("5.00"), Decimal(0),
        date(2021, 3, 1), date(2021, 3, 7), "", "e1",
    )  # fmt: skip
    doc = Document(
        DocumentType.INVOICE, DocumentKind.WEEKLY, "a-1", "a", date(2021, 3, 1), "USD", (line,), Decimal("5.00"),
        (), Decimal("5.00"),
    )  # fmt: skip
    root = ET.fromstring(timeline_svg([], [doc], date(2021, 3, 1)))
    assert (root.get("data-origin"), root.get("data-day-width")) == ("2021-03-01", "23.2258")  # 720 / 31 days
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "month"] == ["Mar"]


def test_the_timeline_command_prints_svg_or_writes_a_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["timeline", str(EXAMPLE)]) == 0
    printed = capsys.readouterr().out
    assert printed == outcome_svg(_outcome(EXAMPLE))
    assert main(["timeline", str(EXAMPLE), "-o", str(tmp_path / "x.svg")]) == 0
    assert (tmp_path / "x.svg").read_text(encoding="utf-8") == printed
    assert main(["timeline", str(EXAMPLE), "-o", str(tmp_path / "x.html")]) == 0
    page = (tmp_path / "x.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert printed in page
    assert "<title>Duda's documented billing example</title>" in page


def test_the_timeline_command_reports_a_bad_scenario_like_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = ROOT / "tests/scenarios/duda/billing-example.yaml"
    broken = tmp_path / "broken.yaml"
    broken.write_text(bad.read_text().replace("until: 2021-03-10", "until: 2021-13-10"))
    assert main(["timeline", str(broken), "--allow", str(ROOT)]) == 1
    err = capsys.readouterr().err
    assert f"{broken}:10:8: until: 2021-13-10 is not a calendar date" in err
    assert "1 error" in err
    with pytest.raises(SystemExit) as exit_code:
        main(["timeline", str(EXAMPLE), "-o", str(tmp_path / "x.png")])
    assert exit_code.value.code == 2
    assert "expected a file name ending in .svg or .html" in capsys.readouterr().err
    assert main(["timeline", str(EXAMPLE), "-o", str(tmp_path / "nowhere" / "x.svg")]) == 1
    assert "No such file or directory" in capsys.readouterr().err


def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """The rows of an 8-bit RGB or RGBA PNG (what Chromium writes) as bytes, each pixel 3 or 4 bytes."""
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", png[16:29])
    assert depth == 8
    assert colour in (2, 6)
    assert interlace == 0
    size = 3 if colour == 2 else 4
    data, at = b"", 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        if png[at + 4 : at + 8] == b"IDAT":
            data += png[at + 8 : at + 8 + length]
        at += 12 + length
    raw, stride, rows = zlib.decompress(data), width * size, []
    above = bytes(stride)
    for y in range(height):
        kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = row[i - size] if i >= size else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + above[i]) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + above[i]) // 2) & 0xFF
            elif kind == 4:
                corner = above[i - size] if i >= size else 0
                p = left + above[i] - corner
                pa, pb, pc = abs(p - left), abs(p - above[i]), abs(p - corner)
                row[i] = (row[i] + (left if pa <= pb and pa <= pc else above[i] if pb <= pc else corner)) & 0xFF
        rows.append(bytes(row))
        above = bytes(row)
    return width, size, rows


def test_chromium_draws_the_page_with_its_lanes_and_bars(tmp_path: Path) -> None:
    outcome = _outcome(EXAMPLE)
    page = tmp_path / "timeline.html"
    page.write_text(timeline_page(outcome_svg(outcome), "billing example"), encoding="utf-8")
    dom = browser.rendered_dom(page)
    assert dom.count('class="lane"') == 4
    assert dom.count('class="bar"') == 33
    data = browser.screenshot(page, tmp_path / "timeline.png", 1000, 400)
    assert browser.png_size(data) == (1000, 400)
    width, size, rows = _pixels(data)
    colours = Counter(row[i : i + 3] for row in rows for i in range(0, width * size, size))
    white = colours[b"\xff\xff\xff"]
    assert white < 0.9 * 1000 * 400  # not blank
    # the charge bars' blue and the included green, as filled areas: at least a bar's worth of each
    # (the plan's first term alone is 914 x 18 px, cut at the window's edge)
    assert colours[bytes((0x4E, 0x79, 0xA7))] > 10_000
    assert colours[bytes((0xD4, 0xEC, 0xD0))] > 2_000

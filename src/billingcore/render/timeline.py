"""A scenario on one time axis, as SVG: what QA looks at to see a scenario at a glance (docs/timeline.md).

One lane per contract or one-off (the documents' line `item`: plan, site:NAME, app:..., component:...), a
bar for every billed term (a line's period_start to period_end) coloured by the line's kind, the customer's
events and the engine's notices above, a dashed line on every day a document was issued, and `until`.

Pure and deterministic: the same events and documents give byte-identical SVG. Dates become x by whole days
from the first day of the first month shown; pixels are floats written with two decimals (money is never
a float: amounts are the documents' own Decimal text). Every text from a file (item names, event ids, a
scenario's title) is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from billingcore.documents import Document, DocumentType, Line, Notice
from billingcore.money import fmt

if TYPE_CHECKING:
    from billingcore.features.base import Event
    from billingcore.scenarios import Outcome

# The plot is as wide as 2.5 pixels a day (a month about 76 px, a year 913 px), but never narrower than
# 720 px (a one-month scenario still shows its days) nor wider than 2400 px (twenty years stay on a screen
# or two: a month is then 10 px, and month labels give way to year labels).
DAY_WIDTH = 2.5
MIN_PLOT_WIDTH = 720.0
MAX_PLOT_WIDTH = 2400.0

FONT = 11  # px; text widths are estimated at CHAR px a character (DejaVu Sans digits are 0.64 em)
CHAR = 7.0
TRACK = 18  # a bar's height; overlapping bars of one lane (a term and its credit) get a track each
TRACK_GAP = 4
LANE_PAD = 6
LABEL_ROW = 14  # a row of event or document labels
EVENT_LABEL_ROWS = 4  # labels that find no free row are left out (the marker's tooltip still has them)
DOCUMENT_LABEL_ROWS = 2  # a billing day's documents are the same kinds month after month: two rows say enough
RIGHT = 24.0
MAX_ITEM_CHARS = 28  # longer item keys are cut in the lane label (whole in its tooltip)

# Fill, outline and text colour of each line kind; credits are hatched (see _DEFS) so they read as
# "taken back" even in a greyscale print.
KIND_STYLE: dict[str, tuple[str, str, str]] = {
    "charge": ("#4e79a7", "#2f4b68", "#ffffff"),
    "included": ("#d4ecd0", "#59a14f", "#1f4d1a"),
    "credit": ("url(#bc-timeline-hatch)", "#c0392b", "#7b1d14"),
    "usage": ("#b07aa1", "#7a4f6f", "#ffffff"),
    "one_off": ("#f28e2b", "#a85d12", "#5a3000"),
    "top_up": ("#76b7b2", "#3f7b77", "#0f3a37"),
    "credit_deduction": ("#9c755f", "#624836", "#3a2619"),
    "refund": ("#ff9da7", "#c0392b", "#7b1d14"),
}
KIND_NAMES = {
    "charge": "charge (a term)",
    "included": "included in the plan",
    "credit": "credit (unused part)",
    "usage": "usage",
    "one_off": "one-off",
    "top_up": "top-up",
    "credit_deduction": "paid from credit",
    "refund": "refund",
}
_DEFS = (
    '<defs><pattern id="bc-timeline-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fbe3e0"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#c0392b" stroke-width="2.5"/></pattern></defs>'
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not the locale's
# Characters XML 1.0 does not allow even escaped (control characters a YAML string may hold).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Bar(NamedTuple):
    """One document line in its lane: a term (start to end, both inclusive) or a point (a one-off, a
    top-up: `end` is None and it sits on its document's date)."""

    line: Line
    doc: Document
    start: date
    end: date | None


class Scale(NamedTuple):
    origin: date  # the first day shown: the first of a month
    stop: date  # the first day not shown: the first of a month
    x0: float  # where the origin is drawn
    day: float  # pixels per day, rounded to 4 decimals (written in the SVG, so a reader can check any x)

    def x(self, day: date) -> float:
        return self.x0 + (day - self.origin).days * self.day


def timeline_svg(
    events: Sequence[Event],
    documents: Sequence[Document],
    until: date,
    title: str = "",
    notices: Sequence[Notice] = (),
) -> str:
    """The picture of a billed scenario as an SVG document (no XML declaration, so it can also be put
    inline in an HTML page)."""
    lanes = lanes_of(documents)
    label_width = min(max((len(k) for k in lanes), default=4), MAX_ITEM_CHARS) * CHAR + 20
    scale = scale_for(_days_shown(events, documents, notices, until), 12.0 + label_width)
    width = scale.x(scale.stop) + RIGHT
    out: list[str] = []
    y = 22.0
    heading = _cut(title or "Timeline", int((width - 24) / 9))  # 15 px bold: about 9 px a character
    out.append(f'<text x="12" y="{y:.2f}" font-size="15" font-weight="bold">{_text(heading)}</text>')
    y += 16
    summary = f"{_count(documents, 'document')}, {_count(events, 'event')}, billed until {until.isoformat()}"
    out.append(f'<text x="12" y="{y:.2f}" fill="#555">{_text(summary)}</text>')
    y = _legend(out, lanes, bool(notices), y + 10, width)
    y = _point_band(out, "events", _event_marks(events, notices), scale, y + 8, EVENT_LABEL_ROWS)
    y = _point_band(out, "documents", _document_marks(documents), scale, y + 4, DOCUMENT_LABEL_ROWS)
    top = y
    y = _lanes(out, lanes, scale, y)
    _grid_and_days(out, documents, until, scale, top, y)
    y = _axis(out, scale, y)
    height = y + 12
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.2f}" height="{height:.2f}" '
        f'viewBox="0 0 {width:.2f} {height:.2f}" font-family="DejaVu Sans, Verdana, sans-serif" '
        f'font-size="{FONT}" data-origin="{scale.origin.isoformat()}" data-x0="{scale.x0:.2f}" '
        f'data-day-width="{scale.day:.4f}">'
    )
    return "\n".join([head, f"<title>{_text(title or 'Timeline')}</title>", _DEFS, *out, "</svg>"]) + "\n"


def outcome_svg(outcome: Outcome) -> str:
    """The picture of a scenario run (billingcore.scenarios.run_scenario)."""
    scenario = outcome.scenario
    return timeline_svg(
        scenario.events, outcome.result.documents, scenario.head.until, scenario.head.scenario, outcome.result.notices
    )


def timeline_page(svg: str, title: str) -> str:
    """A minimal self-contained HTML page around the picture (no scripts, no outside files)."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_text(title)}</title>\n"
        "<style>body{margin:12px;font-family:'DejaVu Sans',Verdana,sans-serif;background:#fff}"
        ".picture{overflow-x:auto}</style>\n</head>\n<body>\n"
        f'<div class="picture">\n{svg}</div>\n</body>\n</html>\n'
    )


def lanes_of(documents: Iterable[Document]) -> dict[str, list[Bar]]:
    """The document lines by item, lanes in the order their items first appear (the plan usually first)."""
    lanes: dict[str, list[Bar]] = {}
    for doc in documents:
        for line in doc.lines:
            start = line.period_start or doc.date
            lanes.setdefault(line.item, []).append(Bar(line, doc, start, line.period_end))
    return lanes


def scale_for(days: tuple[date, date], x0: float) -> Scale:
    """Whole months from the first day to the last, DAY_WIDTH a day within the plot's least and most width."""
    first, last = days
    origin = first.replace(day=1)
    stop = _next_month(last.replace(day=1))
    span = (stop - origin).days
    plot = min(max(span * DAY_WIDTH, MIN_PLOT_WIDTH), MAX_PLOT_WIDTH)
    return Scale(origin, stop, x0, float(f"{plot / span:.4f}"))


def _days_shown(
    events: Sequence[Event], documents: Sequence[Document], notices: Sequence[Notice], until: date
) -> tuple[date, date]:
    days = [until, *(e.date for e in events), *(n.date for n in notices)]
    for doc in documents:
        days.append(doc.date)
        for line in doc.lines:
            days.extend(d for d in (line.period_start, line.period_end) if d is not None)
    return min(days), max(days)


def _next_month(first: date) -> date:
    return first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)


def _count(things: Sequence[Any], word: str) -> str:
    return f"{len(things)} {word}{'' if len(things) == 1 else 's'}"


def _cut(text: str, most: int) -> str:
    """`text`, or its first `most` - 1 characters and an ellipsis (the whole text is in a tooltip)."""
    return text if len(text) <= most else text[: max(most - 1, 1)] + "\u2026"


def _text(value: str) -> str:
    """Text or attribute content, escaped; characters XML cannot hold at all become U+FFFD."""
    clean = _NOT_XML.sub("\ufffd", value)
    return clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _legend(out: list[str], lanes: dict[str, list[Bar]], notices: bool, y: float, width: float) -> float:
    """Swatches for the line kinds in the picture, then the markers; wraps at the picture's width."""
    present = {bar.line.kind.value for bars in lanes.values() for bar in bars}
    entries = [(k, KIND_NAMES[k]) for k in KIND_STYLE if k in present]
    entries += [("event", "event")] + ([("notice", "notice")] if notices else [])
    entries += [("document", "billing day (a document)"), ("until", "until")]
    x, row = 12.0, y + 12
    out.append('<g class="legend">')
    for key, name in entries:
        step = 22 + len(name) * 6.3 + 14  # legend words are mostly lower case: narrower than CHAR
        if x + step > width and x > 12:
            x, row = 12.0, row + 18
        out.append(_swatch(key, x, row) + f'<text x="{x + 20:.2f}" y="{row + 4:.2f}">{_text(name)}</text>')
        x += step
    out.append("</g>")
    return row + 10


def _swatch(key: str, x: float, y: float) -> str:
    if key in KIND_STYLE:
        fill, stroke, _ = KIND_STYLE[key]
        return f'<rect x="{x:.2f}" y="{y - 6:.2f}" width="16" height="12" fill="{fill}" stroke="{stroke}"/>'
    if key == "event":
        return f'<circle cx="{x + 8:.2f}" cy="{y:.2f}" r="4.5" fill="#e8a33d" stroke="#8a5a12"/>'
    if key == "notice":
        return f'<rect x="{x + 4:.2f}" y="{y - 4:.2f}" width="8" height="8" fill="#fff3b0" stroke="#8a7a12"/>'
    colour, dash = ("#6b6b6b", "4 3") if key == "document" else ("#c0392b", "6 3")
    return (
        f'<line x1="{x + 8:.2f}" y1="{y - 7:.2f}" x2="{x + 8:.2f}" y2="{y + 7:.2f}" stroke="{colour}" '
        f'stroke-dasharray="{dash}"/>'
    )


class Mark(NamedTuple):
    """A marker above the lanes: an event, a notice or a day's documents."""

    day: date
    shape: str  # event, notice, document, credit_note
    label: str
    tooltip: str


def _event_marks(events: Sequence[Event], notices: Sequence[Notice]) -> list[Mark]:
    """An event a marker; more than two on one day share one (`e1 … e9: 9 events`), each in its tooltip."""
    days: dict[date, list[Event]] = {}
    for event in events:
        days.setdefault(event.date, []).append(event)
    marks = []
    for day, same in days.items():
        if len(same) <= 2:
            marks += [Mark(day, "event", f"{e.id} {e.TYPE}", _event_tooltip(e)) for e in same]
        else:
            label = f"{same[0].id} \u2026 {same[-1].id}: {len(same)} events"
            marks.append(Mark(day, "event", label, "\n".join(_event_tooltip(e) for e in same)))
    marks += [Mark(n.date, "notice", n.code, f"notice {n.code} on {n.date.isoformat()}: {n.message}") for n in notices]
    return sorted(marks, key=lambda m: m.day)  # stable: events in file order, a day's notices after its events


def _event_tooltip(event: Event) -> str:
    """`e3 buy_plan on 2020-01-10: plan team, period annual` (the fields the file gave, in their order)."""
    fields = []
    kind: Any = type(event)  # every event class is an attrs class (features/); a Protocol cannot say so
    if attrs.has(kind):
        for a in attrs.fields(kind):
            value = getattr(event, a.name)
            if a.name not in ("id", "date", "src") and value is not None:
                fields.append(f"{a.name} {_plain(value)}")
    return f"{event.id} {event.TYPE} on {event.date.isoformat()}" + (": " + ", ".join(fields) if fields else "")


def _plain(value: Any) -> str:
    """A field as a scenario file writes it: `annual`, `true`, `2020-01-10`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _document_marks(documents: Sequence[Document]) -> list[Mark]:
    """One marker a day: the documents issued on it, labelled by kind (`monthly + annual`)."""
    days: dict[date, list[Document]] = {}
    for doc in documents:
        days.setdefault(doc.date, []).append(doc)
    marks = []
    for day, docs in days.items():
        credit = all(d.type is DocumentType.CREDIT_NOTE for d in docs)
        label = " + ".join(_doc_name(d) for d in docs)
        tooltip = "\n".join(
            f"{d.number}: {d.type.value.replace('_', ' ')} ({d.kind.value.replace('_', ' ')}) of {d.date.isoformat()}, "
            f"gross {fmt(d.gross)} {d.currency}"
            for d in docs
        )
        marks.append(Mark(day, "credit_note" if credit else "document", label, tooltip))
    return sorted(marks, key=lambda m: m.day)


def _doc_name(doc: Document) -> str:
    return doc.kind.value.replace("_", " ") + (" credit note" if doc.type is DocumentType.CREDIT_NOTE else "")


def _point_band(out: list[str], name: str, marks: list[Mark], scale: Scale, y: float, most_rows: int) -> float:
    """Markers on a line, labels above them in the first row where they do not overlap an earlier label."""
    rows: list[float] = []  # the right end of each row's last label
    placed: list[tuple[Mark, int | None]] = []
    for mark in marks:
        x = scale.x(mark.day)
        row = next((i for i, end in enumerate(rows) if x >= end + 4), None)
        if row is None and len(rows) < most_rows:
            rows.append(0.0)
            row = len(rows) - 1
        if row is not None:
            rows[row] = x + len(mark.label) * CHAR
        placed.append((mark, row))
    base = y + len(rows) * LABEL_ROW + 8  # the markers' line
    out.append(f'<g class="{name}">')
    out.append(f'<text x="12" y="{base + 4:.2f}" fill="#555" font-style="italic">{name}</text>')
    for mark, row in placed:  # connectors first: the labels, on a white halo, hide where they cross one
        if row is not None:
            x, ty = scale.x(mark.day), base - 10 - row * LABEL_ROW
            out.append(f'<line x1="{x:.2f}" y1="{ty + 2:.2f}" x2="{x:.2f}" y2="{base - 5:.2f}" stroke="#bbb"/>')
    for mark, row in placed:
        x = scale.x(mark.day)
        out.append(f'<g class="mark" data-day="{mark.day.isoformat()}"><title>{_text(mark.tooltip)}</title>')
        out.append(_marker(mark.shape, x, base))
        if row is not None:
            out.append(
                f'<text x="{x + 2:.2f}" y="{base - 10 - row * LABEL_ROW:.2f}" stroke="#fff" stroke-width="3" '
                f'paint-order="stroke">{_text(mark.label)}</text>'
            )
        out.append("</g>")
    out.append("</g>")
    return base + 8


def _marker(shape: str, x: float, y: float) -> str:
    if shape == "event":
        return f'<circle cx="{x:.2f}" cy="{y:.2f}" r="4.5" fill="#e8a33d" stroke="#8a5a12"/>'
    if shape == "notice":
        return f'<rect x="{x - 4:.2f}" y="{y - 4:.2f}" width="8" height="8" fill="#fff3b0" stroke="#8a7a12"/>'
    fill = "#c0392b" if shape == "credit_note" else "#555"
    return f'<path d="M{x - 5:.2f},{y - 5:.2f} L{x + 5:.2f},{y - 5:.2f} L{x:.2f},{y + 4:.2f} Z" fill="{fill}"/>'


def _tracks(bars: list[Bar], scale: Scale) -> list[tuple[Bar, int]]:
    """Each bar on the first track of its lane that is free on its days: overlapping bars (a term, its
    credit, the dearer term after an upgrade) stack instead of hiding each other."""
    ends: list[float] = []  # the right end (px) of each track's last bar
    placed = []
    for bar in sorted(bars, key=lambda b: (b.start, b.end or b.start)):
        left, right = _extent(bar, scale)
        track = next((i for i, end in enumerate(ends) if left >= end - 0.01), len(ends))
        if track == len(ends):
            ends.append(0.0)
        ends[track] = right if bar.end is not None else left + 12 + len(_amount(bar)) * CHAR
        placed.append((bar, track))
    return placed


def _extent(bar: Bar, scale: Scale) -> tuple[float, float]:
    """A term from its first day's left edge to its last day's right edge; a point at its day's left edge."""
    left = scale.x(bar.start)
    return left, scale.x(bar.end + timedelta(days=1)) if bar.end is not None else left


def _amount(bar: Bar) -> str:
    return fmt(bar.line.amount)


def _lanes(out: list[str], lanes: dict[str, list[Bar]], scale: Scale, y: float) -> float:
    """A lane per item, its key in the column left of the plot, its bars on as many tracks as they need."""
    out.append('<g class="lanes">')
    for n, (item, bars) in enumerate(lanes.items()):
        placed = _tracks(bars, scale)
        height = 2 * LANE_PAD + (1 + max(t for _, t in placed)) * (TRACK + TRACK_GAP) - TRACK_GAP
        shown = _cut(item, MAX_ITEM_CHARS)
        out.append(f'<g class="lane" data-item="{_text(item)}">')
        fill = "#f4f6f8" if n % 2 == 0 else "#ffffff"
        out.append(f'<rect x="0" y="{y:.2f}" width="{scale.x(scale.stop):.2f}" height="{height:.2f}" fill="{fill}"/>')
        out.append(
            f'<text x="12" y="{y + LANE_PAD + TRACK / 2 + 4:.2f}" font-weight="bold" font-size="12">'
            f"<title>{_text(item)}</title>{_text(shown)}</text>"
        )
        for bar, track in placed:
            out.append(_bar(bar, scale, y + LANE_PAD + track * (TRACK + TRACK_GAP)))
        out.append("</g>")
        y += height
    out.append("</g>")
    return y


def _bar(bar: Bar, scale: Scale, y: float) -> str:
    line, doc = bar.line, bar.doc
    kind = line.kind.value
    fill, stroke, ink = KIND_STYLE.get(kind, ("#bab0ac", "#6b6b6b", "#000000"))
    period = (
        f"{bar.start.isoformat()} to {bar.end.isoformat()}" if bar.end is not None else f"on {bar.start.isoformat()}"
    )
    tooltip = (
        f"{line.item}: {kind.replace('_', ' ')} {_amount(bar)} {doc.currency}, {period}\n{line.description}\n"
        f"on {doc.number} of {doc.date.isoformat()}, cause {line.cause}\n{line.explanation}"
    )
    left, right = _extent(bar, scale)
    text = _amount(bar)
    if bar.end is None:  # a point: a diamond on its document's day, its amount beside it
        mid = y + TRACK / 2
        return (
            f'<g class="point" data-item="{_text(line.item)}" data-kind="{kind}" data-day="{bar.start.isoformat()}">'
            f"<title>{_text(tooltip)}</title>"
            f'<path d="M{left:.2f},{y:.2f} L{left + 7:.2f},{mid:.2f} L{left:.2f},{y + TRACK:.2f} '
            f'L{left - 7:.2f},{mid:.2f} Z" fill="{fill}" stroke="{stroke}"/>'
            f'<text x="{left + 10:.2f}" y="{mid + 4:.2f}" fill="#222">{_text(text)}</text></g>'
        )
    # 1 px less than the term, so back-to-back terms show where one ends and the next begins
    width = max(right - left - 1, 1.0)
    label = ""
    if kind != "included" and len(text) * CHAR + 6 <= width:  # included lines are all 0.00: the colour says it
        halo = ' stroke="#fbe3e0" stroke-width="3" paint-order="stroke"' if kind == "credit" else ""  # on hatching
        label = (
            f'<text x="{left + width / 2:.2f}" y="{y + 13:.2f}" fill="{ink}" text-anchor="middle"{halo}>'
            f"{_text(text)}</text>"
        )
    return (
        f'<g class="bar" data-item="{_text(line.item)}" data-kind="{kind}" data-start="{bar.start.isoformat()}" '
        f'data-end="{bar.end.isoformat()}"><title>{_text(tooltip)}</title>'
        f'<rect x="{left:.2f}" y="{y:.2f}" width="{width:.2f}" height="{TRACK}" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="1"/>{label}</g>'
    )


def _grid_and_days(
    out: list[str], documents: Sequence[Document], until: date, scale: Scale, top: float, bottom: float
) -> None:
    """Year lines, then a dashed line on each day a document was issued and one on `until`, over the lanes."""
    out.append('<g class="days">')
    for first in _months(scale):
        if first.month == 1:
            x = scale.x(first)
            out.append(f'<line x1="{x:.2f}" y1="{top:.2f}" x2="{x:.2f}" y2="{bottom:.2f}" stroke="#c8c8c8"/>')
    days = sorted({d.date for d in documents})
    # a line every few pixels (a monthly bill over twenty years) would grey the lanes out: fainter then
    faint = "0.7" if len(days) * 8 <= scale.x(scale.stop) - scale.x0 else "0.3"
    for day in days:
        x = scale.x(day)
        out.append(
            f'<line class="billing-day" data-day="{day.isoformat()}" x1="{x:.2f}" y1="{top - 8:.2f}" x2="{x:.2f}" '
            f'y2="{bottom:.2f}" stroke="#6b6b6b" stroke-dasharray="4 3" stroke-opacity="{faint}"/>'
        )
    x = scale.x(until + timedelta(days=1))  # the end of the day billed until
    near_end = x + 110 > scale.x(scale.stop) + RIGHT  # its label then stands left of the line
    out.append(
        f'<line class="until" data-day="{until.isoformat()}" x1="{x:.2f}" y1="{top - 8:.2f}" x2="{x:.2f}" '
        f'y2="{bottom + 40:.2f}" stroke="#c0392b" stroke-dasharray="6 3" stroke-width="1.5"/>'
        f'<text x="{x - 3 if near_end else x + 3:.2f}" y="{bottom + 44:.2f}" fill="#c0392b" stroke="#fff" '
        f'stroke-width="3" paint-order="stroke" text-anchor="{"end" if near_end else "start"}">'
        f"until {until.isoformat()}</text>"
    )
    out.append("</g>")


def _months(scale: Scale) -> list[date]:
    months, first = [], scale.origin
    while first <= scale.stop:
        months.append(first)
        first = _next_month(first)
    return months


def _axis(out: list[str], scale: Scale, y: float) -> float:
    """Month ticks; month names where a month is wide enough (else every third or sixth), years below them
    (every 1, 2, 5 or 10 years, whatever leaves room for the label)."""
    month_px = 30.44 * scale.day
    label_every = next((n for n in (1, 3, 6) if n * month_px >= 30), 0)
    year_every = next((n for n in (1, 2, 5, 10, 20, 50) if n * 12 * month_px >= 44), 100)
    left, right = scale.x(scale.origin), scale.x(scale.stop)
    out.append('<g class="axis">')
    out.append(f'<line x1="{left:.2f}" y1="{y:.2f}" x2="{right:.2f}" y2="{y:.2f}" stroke="#333"/>')
    for n, first in enumerate(_months(scale)):
        x = scale.x(first)
        tall = 8 if first.month == 1 else 4
        out.append(f'<line x1="{x:.2f}" y1="{y:.2f}" x2="{x:.2f}" y2="{y + tall:.2f}" stroke="#333"/>')
        if first == scale.stop:
            continue
        if label_every and (first.month - 1) % label_every == 0:
            out.append(
                f'<text class="month" x="{x + 2:.2f}" y="{y + 16:.2f}" fill="#444">{_MONTHS[first.month - 1]}</text>'
            )
        # a year under its January; the first month's year too, unless its January label is near
        first_year = n == 0 and (first.month == 1 or (13 - first.month) * month_px >= 44)
        if first_year or (first.month == 1 and first.year % year_every == 0):
            out.append(f'<text class="year" x="{x + 2:.2f}" y="{y + 30:.2f}" font-weight="bold">{first.year}</text>')
    out.append("</g>")
    return y + 50  # and a row for the label of `until`

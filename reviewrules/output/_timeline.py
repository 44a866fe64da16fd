"""One child's timeline: periods of care, reviews held and due, preparation and record
windows, escalations and notices on one time axis, as inline SVG.

``timeline(result, case)`` lays the picture out (rows, marks, ticks: plain data);
the templates draw it (``_timeline.html.j2``) and list every item below it in
tables whose rows are anchors: each mark is a link to its row, where the rule and
its quoted source are, and carries a ``<title>`` tooltip saying the same in one
line. ``render_case_page`` is the page of ``reviewrules render-case``;
``render_explain_page`` is ``reviewrules explain --format html``: the chain of
rules behind the items asked about, then the same picture with them outlined.

What is drawn (docs/report.md, "A child's timeline"):

* a period of care: a band from its start to its last day (or past the right edge);
* a review: at its due date, a hollow circle while pending, a red square once
  overdue (with a line to the as-of date), grey when not applicable or superseded;
  a review held is a filled circle on the day held, blue on time, orange late (with
  a line back to the due date); a review booked and not yet held, a triangle on the
  day booked;
* a task that belongs to a review (preparation before it, records after it): the
  same marks on its own row, and a thin bar for its window, from its due date to the
  review's meeting (held, else booked, else due), or from the meeting to its due date;
* an escalation: a bar from the day raised to the day resolved, or while unresolved to
  the as-of date (or the last day of its period, if that ended first); a notice: a
  diamond on its date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Sequence

from ..case._model import Case
from ..engine._result import Escalation, Obligation, Result
from ._report_env import environment, require

__all__ = ["STATUS_COLOURS", "Shape", "Mark", "Row", "Timeline", "timeline", "item_ids", "render_case_page", "render_explain_page"]

STATUS_COLOURS = {
    "met": "#2166ac",
    "late": "#e08214",
    "overdue": "#b2182b",
    "pending": "#5e3c99",
    "not_applicable": "#8a8a8a",
    "superseded": "#8a8a8a",
}
_ESCALATION = "#b2182b"
_NOTICE = "#1b7837"
_PERIOD = "#d9e6f2"

WIDTH = 1000
LABEL_WIDTH = 220
RIGHT = 24
ROW = 26
TOP = 44  # room for the tick labels and the as-of label
_GROUPS = ("review.", "prep.", "post.")


@dataclass(frozen=True)
class Shape:
    """One SVG element: its tag and attributes, in order."""

    tag: str
    attrs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Mark:
    """One item drawn: a link to its row in the tables, a tooltip, its shapes."""

    href: str
    title: str
    shapes: tuple[Shape, ...]
    focus: bool = False


@dataclass(frozen=True)
class Row:
    label: str
    y: float
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    sub: str = ""


@dataclass(frozen=True)
class Timeline:
    """The picture's layout: everything the template draws, in SVG user units."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    top: int
    bottom: float
    rows: tuple[Row, ...]
    ticks: tuple[Tick, ...]
    as_of_x: float | None
    as_of_anchor: str  # where the as-of label hangs from its line: start, middle or end
    as_of: str
    start: str
    end: str
    legend_y: float
    description: str


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _shape(tag: str, **attrs: Any) -> Shape:
    return Shape(tag, tuple((k.rstrip("_").replace("_", "-"), _num(v) if isinstance(v, float) else str(v)) for k, v in attrs.items()))


@dataclass
class _Scale:
    start: date
    end: date
    left: float = LABEL_WIDTH
    right: float = WIDTH - RIGHT

    def x(self, day: date) -> float:
        span = max((self.end - self.start).days, 1)
        day = min(max(day, self.start), self.end)
        return self.left + (day - self.start).days / span * (self.right - self.left)


def item_ids(result: Result) -> dict[int, str]:
    """The anchor of each obligation, escalation and notice (keyed by ``id()`` of the item)."""
    ids: dict[int, str] = {}
    for prefix, items in (("o", result.obligations), ("e", result.escalations), ("n", result.notices)):
        for number, item in enumerate(items, 1):
            ids[id(item)] = f"{prefix}{number}"
    return ids


def _meetings(result: Result, case: Case | None) -> dict[tuple[date | None, int], date]:
    """The meeting date of each review (period, number): held, else booked, else due."""
    booked: dict[tuple[date | None, int], date] = {}
    if case is not None:
        for event in case.of_type("review_scheduled"):
            period = next((p.start for p in result.periods if p.start <= event.date and (p.end is None or event.date <= p.end)), None)
            if event.review is not None:
                booked[(period, event.review)] = event.date
    out: dict[tuple[date | None, int], date] = {}
    for o in result.obligations:
        if o.kind.startswith("review.") and o.review is not None and o.status != "superseded":
            key = (o.period, o.review)
            out[key] = o.done or booked.get(key) or o.due
    return out


def _what(o: Obligation) -> str:
    return o.kind + (f" (review {o.review})" if o.review is not None else "")


def _tooltip(o: Obligation) -> str:
    done = f", done {o.done.isoformat()}" if o.done else ""
    return f"{_what(o)}: due {o.due.isoformat()}{done}, {o.status.replace('_', ' ')}; rule {o.rule}: \u201c{o.source.quote}\u201d"


def _obligation_shapes(o: Obligation, y: float, scale: _Scale, until: date, meeting: date | None) -> list[Shape]:
    colour = STATUS_COLOURS.get(o.status, "#444")
    shapes: list[Shape] = []
    due_x = scale.x(o.due)
    if meeting is not None and not o.kind.startswith("review."):
        a, b = sorted((scale.x(meeting), due_x))
        shapes.append(_shape("rect", x=a, y=y - 3.0, width=max(b - a, 1.0), height=6.0, fill=colour, opacity="0.25", class_="window"))
    if o.status in ("met", "late") and o.done is not None:
        done_x = scale.x(o.done)
        if o.status == "late":
            shapes.append(_shape("line", x1=due_x, y1=y, x2=done_x, y2=y, stroke=colour, stroke_width="2"))
            shapes.append(_shape("line", x1=due_x, y1=y - 6.0, x2=due_x, y2=y + 6.0, stroke=colour, stroke_width="2"))
        shapes.append(_shape("circle", cx=done_x, cy=y, r="6", fill=colour, stroke="#fff", stroke_width="1", class_="mark"))
    elif o.status == "overdue":
        shapes.append(_shape("line", x1=due_x, y1=y, x2=scale.x(max(until, o.due)), y2=y, stroke=colour, stroke_width="1.5", stroke_dasharray="4 3", opacity="0.7"))
        shapes.append(_shape("rect", x=due_x - 6.0, y=y - 6.0, width="12", height="12", fill="#fff", stroke=colour, stroke_width="2.5", class_="mark"))
    elif o.status == "pending":
        shapes.append(_shape("circle", cx=due_x, cy=y, r="6", fill="#fff", stroke=colour, stroke_width="2.5", class_="mark"))
    else:
        shapes.append(_shape("circle", cx=due_x, cy=y, r="4", fill="#fff", stroke=colour, stroke_width="1.5", stroke_dasharray="2 1", class_="mark"))
    return shapes


def _escalation_mark(e: Escalation, scale: _Scale, as_of: date, until: date, href: str, focus: bool) -> Mark:
    """A bar from the day raised to the day resolved; while unresolved, filled, to the as-of
    date, or hollow and dashed to the last day of a period that ended first."""
    about = e.about.kind + (f" (review {e.about.review})" if e.about.review is not None else "")
    style: dict[str, Any] = {"fill": "#fff"}
    if e.resolved is not None:
        end, state = e.resolved, f"resolved {e.resolved.isoformat()}"
    elif until < as_of:
        end, state = until, f"not resolved; the period of care ended on {until.isoformat()}"
        style["stroke_dasharray"] = "4 2"
    else:
        end, state = until, "still open"
        style["fill"] = _ESCALATION
    x1, x2 = scale.x(e.raised), scale.x(max(end, e.raised))
    title = f"{e.kind} about {about}: raised {e.raised.isoformat()} to {e.to or '-'}, {state}; rule {e.rule}: \u201c{e.source.quote}\u201d"
    shape = _shape("rect", x=x1, y=float(-6), width=max(x2 - x1, 4.0), height="12", stroke=_ESCALATION, stroke_width="2", class_="mark", **style)
    return Mark(href, title, (shape,), focus)


def _row_order(label: str) -> tuple[int, str]:
    """Reviews first, then preparation, then records, then the rest, each by kind."""
    if label == "reviews":
        return (0, "")
    for rank, prefix in enumerate(_GROUPS):
        if label.startswith(prefix):
            return (rank, label)
    return (len(_GROUPS), label)


def _label(kind: str) -> str:
    return "reviews" if kind.startswith("review.") else kind


def _dates(result: Result) -> list[date]:
    days = [p.start for p in result.periods] + [result.as_of]
    for o in result.obligations:
        days += [o.due] + ([o.done] if o.done else [])
    for e in result.escalations:
        days += [e.raised] + ([e.resolved] if e.resolved else [])
    days += [n.date for n in result.notices]
    days += [p.end for p in result.periods if p.end is not None and p.end <= max(days)]
    return days


def _ticks(scale: _Scale) -> list[Tick]:
    span = (scale.end - scale.start).days
    step = next((s for s in (1, 2, 3, 6, 12) if span / 30.44 / s <= 13), 24)
    ticks: list[Tick] = []
    year, month = scale.start.year, scale.start.month
    first = True
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        day = date(year, month, 1)
        if day > scale.end:
            break
        if (month - 1) % step or (step >= 12 and month != 1) or (step == 24 and year % 2):
            continue
        label = str(year) if step >= 12 else day.strftime("%b")
        sub = str(year) if step < 12 and (month == 1 or first) else ""
        ticks.append(Tick(scale.x(day), label, sub))
        first = False
    return ticks


def timeline(result: Result, case: Case | None = None, focus: Sequence[Obligation | Escalation] = ()) -> Timeline:
    """The layout of ``result``'s picture; ``focus`` items are outlined."""
    days = _dates(result)
    start, end = min(days), max(days)
    pad = timedelta(days=max(7, (end - start).days // 30))
    scale = _Scale(start - pad, end + pad)
    ids = item_ids(result)
    focused = {id(item) for item in focus}
    meetings = _meetings(result, case)
    # What is still missed is drawn up to the as-of date, or to the last day of its period if earlier.
    # Keyed by date | None: it is looked up with an item's period, which may be None (then the as-of date).
    ends: dict[date | None, date] = {p.start: min(result.as_of, p.end) if p.end else result.as_of for p in result.periods}
    rows: list[tuple[str, list[Mark]]] = [("periods of care", [])]
    for number, period in enumerate(result.periods, 1):
        x1 = scale.x(period.start)
        x2 = scale.right if period.end is None or period.end > scale.end else scale.x(period.end)
        last = f"to {period.end.isoformat()}" if period.end else "still open"
        ended = f" ({period.ended_by.replace('_', ' ')})" if period.ended_by else ""
        shapes = (_shape("rect", x=x1, y=float(-8), width=max(x2 - x1, 2.0), height="16", fill=_PERIOD, stroke="#4a7ab0", class_="mark"),)
        rows[0][1].append(Mark(f"#p{number}", f"Period of care {number}: from {period.start.isoformat()} {last}{ended}", shapes))
    by_kind: dict[str, list[Obligation]] = {}
    for o in result.obligations:
        by_kind.setdefault(_label(o.kind), []).append(o)
    for label in sorted(by_kind, key=_row_order):
        marks = []
        for o in by_kind[label]:
            meeting = meetings.get((o.period, o.review)) if o.review is not None else None
            drawn = _obligation_shapes(o, 0.0, scale, ends.get(o.period, result.as_of), meeting)
            marks.append(Mark(f"#{ids[id(o)]}", _tooltip(o), tuple(drawn), id(o) in focused))
        if label == "reviews" and case is not None:
            marks += _booked(result, case, meetings, scale)
        rows.append((label, marks))
    escalations: dict[str, list[Mark]] = {}
    for e in result.escalations:
        until = ends.get(e.period, result.as_of)
        mark = _escalation_mark(e, scale, result.as_of, until, f"#{ids[id(e)]}", id(e) in focused)
        escalations.setdefault(e.kind, []).append(mark)
    rows += sorted(escalations.items())
    if result.notices:
        marks = []
        for n in result.notices:
            x = scale.x(n.date)
            points = f"{_num(x)},-7 {_num(x + 7)},0 {_num(x)},7 {_num(x - 7)},0"
            title = f"{n.kind} on {n.date.isoformat()} ({n.trigger}); rule {n.rule}: \u201c{n.source.quote}\u201d"
            marks.append(Mark(f"#{ids[id(n)]}", title, (_shape("polygon", points=points, fill=_NOTICE, class_="mark"),)))
        rows.append(("notices", marks))
    placed = tuple(Row(label, TOP + ROW * k + ROW / 2, tuple(marks)) for k, (label, marks) in enumerate(rows))
    bottom = TOP + ROW * len(rows)
    as_of_x = scale.x(result.as_of)
    description = (
        f"Timeline of child {result.child} from {scale.start.isoformat()} to {scale.end.isoformat()}: "
        f"{len(result.periods)} period(s) of care, {len(result.obligations)} obligation(s), "
        f"{len(result.escalations)} escalation(s), {len(result.notices)} notice(s); as of {result.as_of.isoformat()}."
    )
    return Timeline(
        width=WIDTH,
        height=int(bottom + 90),
        plot_left=LABEL_WIDTH,
        plot_right=WIDTH - RIGHT,
        top=TOP,
        bottom=bottom,
        rows=placed,
        ticks=tuple(_ticks(scale)),
        as_of_x=as_of_x,
        as_of_anchor="end" if as_of_x > WIDTH - RIGHT - 70 else "start" if as_of_x < LABEL_WIDTH + 70 else "middle",
        as_of=result.as_of.isoformat(),
        start=scale.start.isoformat(),
        end=scale.end.isoformat(),
        legend_y=bottom + 34,
        description=description,
    )


def _booked(result: Result, case: Case, meetings: dict[tuple[date | None, int], date], scale: _Scale) -> list[Mark]:
    """A triangle on the day a review not yet held is booked for."""
    held = {(o.period, o.review) for o in result.obligations if o.kind.startswith("review.") and o.done is not None}
    marks = []
    for event in case.of_type("review_scheduled"):
        period = next((p.start for p in result.periods if p.start <= event.date and (p.end is None or event.date <= p.end)), None)
        if event.review is None or (period, event.review) in held:
            continue
        x = scale.x(event.date)
        points = f"{_num(x)},-7 {_num(x + 7)},6 {_num(x - 7)},6"
        number = event.index + 1  # events are numbered from 1 in the case, as in every message
        title = f"review {event.review} booked for {event.date.isoformat()} (event {number} in the case)"
        shape = _shape("polygon", points=points, fill="#fff", stroke="#333", stroke_width="1.5", class_="mark")
        marks.append(Mark(f"#booked-{number}", title, (shape,)))
    return marks


@dataclass(frozen=True)
class _PageItem:
    anchor: str
    item: Any
    focus: bool = False


@dataclass(frozen=True)
class _Tables:
    obligations: tuple[_PageItem, ...]
    escalations: tuple[_PageItem, ...]
    notices: tuple[_PageItem, ...]
    booked: tuple[Any, ...] = field(default=())


def _tables(result: Result, case: Case | None, focus: Iterable[Any]) -> _Tables:
    ids = item_ids(result)
    focused = {id(item) for item in focus}
    held = {(o.period, o.review) for o in result.obligations if o.kind.startswith("review.") and o.done is not None}
    booked = []
    if case is not None:
        for event in case.of_type("review_scheduled"):
            period = next((p.start for p in result.periods if p.start <= event.date and (p.end is None or event.date <= p.end)), None)
            if event.review is not None and (period, event.review) not in held:
                booked.append(event)
    return _Tables(
        tuple(_PageItem(ids[id(o)], o, id(o) in focused) for o in result.obligations),
        tuple(_PageItem(ids[id(e)], e, id(e) in focused) for e in result.escalations),
        tuple(_PageItem(ids[id(n)], n) for n in result.notices),
        tuple(booked),
    )


def _context(result: Result, case: Case | None, focus: Sequence[Any], version: str) -> dict[str, Any]:
    require("jinja2")
    return {
        "result": result,
        "picture": timeline(result, case, focus),
        "tables": _tables(result, case, focus),
        "colours": STATUS_COLOURS,
        "escalation_colour": _ESCALATION,
        "notice_colour": _NOTICE,
        "period_colour": _PERIOD,
        "policy": result.policy,
        "as_of": result.as_of.isoformat(),
        "reviewrules_version": version,
    }


def render_case_page(result: Result, case: Case | None = None, *, version: str = "") -> str:
    """The page of ``reviewrules render-case``: the timeline and every item in tables."""
    return environment().get_template("timeline.html.j2").render(**_context(result, case, (), version))


def render_explain_page(result: Result, items: Sequence[Obligation | Escalation], case: Case | None = None, *, version: str = "") -> str:
    """The page of ``reviewrules explain --format html``: each item's chain of rules, then the timeline."""
    context = _context(result, case, items, version)
    ids = item_ids(result)
    context["explained"] = [(ids[id(item)], item) for item in items]
    return environment().get_template("explain.html.j2").render(**context)

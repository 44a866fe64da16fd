"""The caseload report: one self-contained HTML page for a head of service.

``render_report(data, command=...)`` lays out a ``ReportData`` (the summary's
figures, reviews held by month, what is overdue and due soon by kind and owner,
the longest overdue, every warning and refusal with its fix, and what is needed
to reproduce it) through the ``report.html.j2`` template, with the charts inlined
as SVG. Inline CSS, no script, no external font, image or link fetched: the page
opens offline, prints on A4 and reads on a phone. The same data give the same bytes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .._calendar import months_back, window_end
from ._report_charts import monthly_spec, pending_spec, to_svg
from ._report_data import ReportData
from ._report_env import environment, require
from ._summary import DUE_SOON_DAYS

__all__ = ["ERRORS_DOC", "render_report", "long_date"]

# Where the error codes are explained, relative to a report written at the top of a checkout.
ERRORS_DOC = "docs/errors.md"
# The figures drawn in red when not zero.
_ATTENTION = frozenset({"reviews_overdue_now", "children_overdue_now", "escalations_open"})


def long_date(day: date) -> str:
    """31 March 2022."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _pending(d: dict[str, Any], by: str, name: str, overdue_key: str, soon_key: str) -> dict[str, Any]:
    overdue = {k: v for k, v in d[overdue_key].items() if k != "total"}
    soon = {k: v for k, v in d[soon_key].items() if k != "total"}
    names = sorted(set(overdue) | set(soon))
    rows = [(n, overdue.get(n, 0), soon.get(n, 0)) for n in names]
    svg = ""
    if rows:
        description = f"Reviews overdue now and due in the next {DUE_SOON_DAYS} days, by {by}"
        svg = to_svg(pending_spec(overdue, soon, by, description), name)
    return {"by": by, "name": name, "rows": rows, "svg": svg}


def render_report(data: ReportData, *, command: str, errors_doc: str = ERRORS_DOC) -> str:
    """The report page as text (UTF-8 when written)."""
    require("jinja2", "vl_convert")
    from markupsafe import Markup

    d = data.summary
    as_of = date.fromisoformat(d["as_of"])
    kinds = sorted({r.kind for r in data.monthly})
    monthly_svg = ""
    if sum(r.held for r in data.monthly_totals):
        description = f"Reviews held each month, on time and late, in the {data.months} months to {d['as_of']}"
        monthly_svg = to_svg(monthly_spec(data.monthly, data.monthly_totals, description), "monthly")
    cells = {(r.month, r.kind): (r.on_time, r.held) for r in data.monthly}
    table = []
    for total in data.monthly_totals:
        row = [(total.on_time, total.held)] + [cells.get((total.month, k), (0, 0)) for k in kinds]
        table.append((total.month, row))
    pending = [
        _pending(d, "review kind", "by-kind", "reviews_overdue_now", "reviews_due_next_28_days"),
        _pending(d, "owner", "by-owner", "overdue_by_owner", "due_soon_by_owner"),
    ]
    for part in pending:
        part["svg"] = Markup(part["svg"])
    template = environment().get_template("report.html.j2")
    return template.render(
        d=data,
        policy=d["policy"] or {"id": "-", "version": None, "digest": "-"},
        as_of=d["as_of"],
        as_of_long=long_date(as_of),
        since=months_back(as_of, 12).isoformat(),
        soon=window_end(as_of, DUE_SOON_DAYS).isoformat(),
        first_month_long=long_date(data.first_month),
        due_soon_days=DUE_SOON_DAYS,
        attention=_ATTENTION,
        charts={"monthly": Markup(monthly_svg)},
        monthly_kinds=["all"] + kinds,
        monthly_table=table,
        pending=pending,
        command=command,
        errors_doc=errors_doc,
        reviewrules_version=data.reviewrules_version,
    )

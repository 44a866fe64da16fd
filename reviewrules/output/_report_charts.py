"""The report's charts: Vega-Lite specifications rendered to SVG by vl-convert-python.

vl-convert runs Vega-Lite in an embedded JavaScript engine inside the Python
process: no browser, no network, no font or script fetched. The SVG it gives is
plain markup with the text as ``<text>`` and an ARIA role and label on every mark
and axis, and the same specification gives the same bytes (docs/report.md,
"Charting library"). The Vega-Lite version is fixed here, so that a newer
vl-convert with a newer default does not change the pictures.

Every chart is inlined in the page; each SVG's ids (clip paths, gradients) are
prefixed with the chart's name, since several SVGs share one page's ids.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from ._report_data import MonthRow
from ._report_env import require

__all__ = ["VEGA_LITE_VERSION", "COLOURS", "monthly_spec", "pending_spec", "to_svg"]

VEGA_LITE_VERSION = "5.21"

# Blue and orange: told apart with the common colour-vision deficiencies; each
# series is also named in the legend and in the table beside the chart.
COLOURS = {
    "on time": "#2166ac",
    "late": "#e08214",
    "overdue now": "#b2182b",
    "due in the next 28 days": "#5e3c99",
}

_CONFIG: dict[str, Any] = {
    "font": "sans-serif",
    "view": {"stroke": "#bbb"},
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": "#111", "titleColor": "#111"},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "top", "symbolType": "square", "symbolSize": 150},
    "header": {"labelFontSize": 13, "labelFontWeight": "bold", "labelOrient": "top", "labelAnchor": "start"},
}


def _month_label(month: str) -> str:
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    year, number = month.split("-")
    return f"{names[int(number) - 1]} {year}"


def monthly_spec(rows: Iterable[MonthRow], totals: Iterable[MonthRow], description: str) -> dict[str, Any]:
    """Reviews held each month, on time and late, stacked; one panel for all kinds, then one per kind."""
    totals = list(totals)
    order = [_month_label(r.month) for r in totals]
    values: list[dict[str, Any]] = []
    panels = ["all review kinds"]
    for row in list(totals) + list(rows):
        panel = "all review kinds" if row.kind == "all" else row.kind
        if panel not in panels:
            panels.append(panel)
        for outcome, count in (("on time", row.on_time), ("late", row.late)):
            month = _month_label(row.month)
            label = f"{panel}, {month}: {count} held {outcome}"
            values.append({"panel": panel, "month": month, "outcome": outcome, "reviews": count, "label": label})
    return {
        "$schema": f"https://vega.github.io/schema/vega-lite/v{VEGA_LITE_VERSION.split('.')[0]}.json",
        "description": description,
        "data": {"values": values},
        "facet": {"row": {"field": "panel", "type": "nominal", "sort": panels, "title": None}},
        "spec": {
            "width": 800,
            "height": 120,
            "mark": {"type": "bar"},
            "encoding": {
                "x": {
                    "field": "month",
                    "type": "ordinal",
                    "sort": order,
                    "title": "month the review was held",
                    "axis": {"labelAngle": -60, "labelOverlap": False},
                },
                "y": {"field": "reviews", "type": "quantitative", "stack": "zero", "title": "reviews held", "axis": {"tickMinStep": 1}},
                "color": {
                    "field": "outcome",
                    "type": "nominal",
                    "sort": ["on time", "late"],
                    "scale": {"domain": ["on time", "late"], "range": [COLOURS["on time"], COLOURS["late"]]},
                    "title": "reviews held",
                },
                "order": {"field": "outcome", "sort": "descending"},
                "description": {"field": "label"},
            },
        },
        "resolve": {"scale": {"y": "independent"}},
        "config": _CONFIG,
    }


def pending_spec(overdue: dict[str, int], due_soon: dict[str, int], by: str, description: str) -> dict[str, Any]:
    """Overdue now and due in the next 28 days, side by side for each review kind or owner."""
    names = sorted(set(overdue) | set(due_soon))
    values = []
    for name in names:
        for what, counts in (("overdue now", overdue), ("due in the next 28 days", due_soon)):
            count = counts.get(name, 0)
            values.append({by: name, "what": what, "reviews": count, "label": f"{name}: {count} {what}"})
    series = ["overdue now", "due in the next 28 days"]
    encoding: dict[str, Any] = {
        "y": {"field": by, "type": "nominal", "sort": names, "title": None},
        "yOffset": {"field": "what", "sort": series},
        "x": {"field": "reviews", "type": "quantitative", "title": "reviews", "axis": {"tickMinStep": 1}},
        "color": {
            "field": "what",
            "type": "nominal",
            "sort": series,
            "scale": {"domain": series, "range": [COLOURS[w] for w in series]},
            "title": None,
        },
    }
    return {
        "$schema": f"https://vega.github.io/schema/vega-lite/v{VEGA_LITE_VERSION.split('.')[0]}.json",
        "description": description,
        "data": {"values": values},
        "width": 640,
        "height": {"step": 16},
        "encoding": encoding,
        "layer": [
            {
                "mark": {"type": "bar"},
                "encoding": {"description": {"field": "label"}},
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 3, "fontSize": 11, "fill": "#111"},
                "encoding": {"text": {"field": "reviews", "type": "quantitative"}},
            },
        ],
        "config": _CONFIG,
    }


_ID = re.compile(r'\bid="([^"]+)"')


def to_svg(spec: dict[str, Any], name: str) -> str:
    """The chart as one SVG element, its ids prefixed with ``name``."""
    require("vl_convert")
    import vl_convert

    svg: str = vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION)
    for found in sorted(set(_ID.findall(svg)), key=len, reverse=True):
        svg = svg.replace(f'id="{found}"', f'id="{name}-{found}"').replace(f"url(#{found})", f"url(#{name}-{found})")
    svg = svg.replace("<svg ", f'<svg aria-labelledby="{name}-title" ', 1)
    return svg.strip()

"""The caseload report: the caseload summary's figures, the monthly counts, every warning with
its fix, a self-contained deterministic page; and, in Debian's Chromium through Playwright,
the report and a child's timeline open with no console error and no request, charts drawn.

The browser tests skip where Chromium or Playwright is missing: `apt-get install -y chromium`
(never `playwright install`: the system browser is used).
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from in_process import run

import reviewrules
from reviewrules._errors import HINTS
from reviewrules.engine._result import Obligation, PolicyRef, Result
from reviewrules.output._report_data import MonthlyReviews
from reviewrules.output._summary import CaseloadSummary
from reviewrules.policy._model import Source

ROOT = Path(__file__).resolve().parent.parent
DEMAND = "tests/fixtures/903/fake/cs-demand-model"
AS_OF = "2022-03-31"

MIXED = """\
children:
  - child: {id: GOOD-1}
    events:
      - {type: became_looked_after, date: 2024-01-08}
      - {type: review_held, date: 2024-01-30}
  - child: {id: "<b>LATE</b>&2"}
    events:
      - {type: became_looked_after, date: 2024-01-08}
      - {type: significant_event, date: 2023-12-01, category: missing}
  - child: {id: NO-START}
    events:
      - {type: review_held, date: 2024-03-20}
"""


def summary_figures(text: str) -> dict[str, Any]:
    """What ``caseload --format summary`` prints, read back: each row's value and detail, the
    on-time rows, and the warnings and refusals by code."""
    rows: dict[str, tuple[str, str]] = {}
    on_time: dict[str, tuple[str, str, str]] = {}
    counts: dict[str, dict[str, str]] = {}
    section = "figures"
    for line in text.splitlines()[1:]:
        if line.startswith("Reviews held in the 12 months"):
            section = "on-time"
            continue
        head, _, rest = line.partition(": ")
        if head in ("Warnings", "Refusals", "Read but not used"):
            counts[head] = dict(item.rsplit(" ", 1) for item in rest.split(", "))
            continue
        if section == "on-time":
            m = re.match(r"^  (\S+)\s+(\S+)\s+([\d,]+) of ([\d,]+)$", line)
            assert m, line
            on_time[m[1]] = (m[2], m[3], m[4])
        else:
            m = re.match(r"^  (.+?)\s{2,}([\d,]+)(?:  (.*))?$", line)
            assert m, line
            rows[m[1]] = (m[2], m[3] or "")
    return {"rows": rows, "on_time": on_time, "counts": counts}


class _Page(HTMLParser):
    """The figures, tables, links and tags of a report page, and whether every element closes."""

    VOID: ClassVar[frozenset[str]] = frozenset({"meta", "br", "col", "wbr", "link", "img", "input", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.figures: dict[str, dict[str, str]] = {}
        self.issues: list[dict[str, str]] = []
        self._figure: str | None = None
        self._part: str | None = None
        self._issue: dict[str, str] | None = None
        self._cell = -1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        self.attrs += attrs
        if "data-figure" in a:
            self._figure = a["data-figure"]
            self.figures[self._figure] = {"label": "", "value": "", "detail": ""}
        if self._figure and tag in ("dt",):
            self._part = "label"
        if self._figure and a.get("class") in ("value", "detail"):
            self._part = a["class"]
        if "data-code" in a:
            self._issue = {"group": a["data-group"] or "", "code": a["data-code"] or "", "cells": "", "href": ""}
            self.issues.append(self._issue)
            self._cell = -1
        if self._issue is not None and tag == "td":
            self._cell += 1
        if self._issue is not None and tag == "a":
            self._issue["href"] = a.get("href") or ""
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("dt", "span"):
            self._part = None
        if tag == "dl":
            self._figure = None
        if tag == "tr":
            self._issue = None
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self._figure and self._part:
            self.figures[self._figure][self._part] += data
        if self._issue is not None and self._cell >= 0:
            self._issue["cells"] += f"{self._cell}:{data}|"


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def demand(tmp_path_factory) -> dict[str, Any]:
    """The report of the demand model's five years, and caseload's summary of the same."""
    target = tmp_path_factory.mktemp("report") / "r.html"
    status, out, err = run("report", DEMAND, "--policy", "england", "--as-of", AS_OF, "-o", str(target), cwd=ROOT)
    s_status, summary, s_err = run("caseload", DEMAND, "--policy", "england", "--as-of", AS_OF, "--format", "summary", cwd=ROOT)
    return {
        "status": status,
        "stdout": out,
        "stderr": err,
        "path": target,
        "page": target.read_text(encoding="utf-8"),
        "summary": summary,
        "summary_status": s_status,
        "summary_stderr": s_err,
    }


# --- the figures ------------------------------------------------------------------


def test_the_demand_models_report_shows_the_same_figures_as_caseload_format_summary(demand):
    assert demand["status"] == demand["summary_status"] == 0
    assert demand["stdout"] == ""
    assert demand["stderr"].splitlines()[-1] == demand["summary_stderr"].splitlines()[-1] == "820 children evaluated, 0 refused"
    expected = summary_figures(demand["summary"])
    shown = parse(demand["page"]).figures
    by_label = {f["label"]: (f["value"], f["detail"]) for key, f in shown.items() if key != "reviews_held_on_time"}
    assert set(by_label) == set(expected["rows"])
    for label, (value, detail) in expected["rows"].items():
        assert by_label[label][0] == value, label
        assert by_label[label][1] == detail or not detail, label
    # The summary text does not split the reviews missed in ended periods by kind; the report
    # does, from the same CaseloadSummary: the parts add up to the figure.
    missed = by_label["reviews missed in periods that have ended"]
    assert sum(int(part.rsplit(" ", 1)[1]) for part in missed[1].split(", ")) == int(missed[0])
    assert expected["rows"]["reviews overdue now"] == ("57", "review.initial 3, review.second 4, review.subsequent 50")
    on_time = shown["reviews_held_on_time"]
    share, met, held = expected["on_time"]["all"]
    assert (on_time["value"], on_time["detail"]) == (share, f"{met} of {held} reviews held in the 12 months to {AS_OF}")


def test_the_reports_table_of_reviews_held_on_time_has_the_summarys_rows(demand):
    expected = summary_figures(demand["summary"])["on_time"]
    table = demand["page"].split('data-table="on-time"')[1].split("</table>")[0]
    rows = re.findall(
        r'<tr data-kind="([^"]+)"><th scope="row">[^<]+</th><td class="n">([\d,]+)</td><td class="n">([\d,]+)</td><td class="n">([^<]+)</td></tr>',
        table,
    )
    assert {kind: (share, met, held) for kind, met, held, share in rows} == expected
    assert list(expected) == ["review.initial", "review.second", "review.subsequent", "all"]


def test_every_warning_and_refusal_count_of_the_summary_is_listed_with_its_fix_and_a_link_into_errors_md(demand, tmp_path):
    expected = summary_figures(demand["summary"])["counts"]
    issues = parse(demand["page"]).issues
    warnings = {i["code"]: i for i in issues if i["group"] == "warning"}
    assert {code: re.search(r"2:([\d,]+)\|", i["cells"])[1] for code, i in warnings.items()} == expected["Warnings"]
    documented = set(re.findall(r'^\| <a id="([a-z0-9-]+)"></a>`\1` \|', (ROOT / "docs" / "errors.md").read_text(), re.M))
    for code, issue in warnings.items():
        assert issue["href"] == f"docs/errors.md#{code}"
        assert code in documented
        assert f"3:{HINTS[code]}|" in issue["cells"]
    # The tables read but not used belong to no child: listed as problems, from the reader.
    problems = {i["code"]: i for i in issues if i["group"] == "problem"}
    assert set(problems) == {"table-not-mapped"} and "2:10|" in problems["table-not-mapped"]["cells"]
    # The link is relative (it works beside a checkout); the page also says how to read the page without one.
    assert "<code>reviewrules docs errors</code> prints wherever the package is installed" in demand["page"]

    cases = tmp_path / "mixed.yaml"
    cases.write_text(MIXED, encoding="utf-8")
    status, _, err = run("report", str(cases), "--policy", "england", "--as-of", "2024-06-01", "-o", str(tmp_path / "m.html"), cwd=ROOT)
    assert status == 1 and err.splitlines()[-1] == "2 children evaluated, 1 refused"
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    mixed = {(i["group"], i["code"]): i for i in parse(page).issues}
    assert set(mixed) == {("warning", "outside-period"), ("refusal", "no-start")}
    assert f"3:{HINTS['no-start']}|" in mixed[("refusal", "no-start")]["cells"]
    assert mixed[("refusal", "no-start")]["href"] == "docs/errors.md#no-start"
    # A child's id is shown as the input gives it, and escaped.
    longest = page.split('data-table="longest"')[1].split("</table>")[0]
    assert '<td class="mono">&lt;b&gt;LATE&lt;/b&gt;&amp;2</td><td>review.initial</td><td>2024-02-05</td>' in longest
    assert "<b>LATE</b>" not in page


def test_the_report_says_which_policy_version_digest_and_date_it_used_and_the_command_to_reproduce_it(demand):
    policy = reviewrules.load_policy("england")
    meta = demand["page"].split('id="reproduce"')[1]
    for shown in (policy.id, policy.version, policy.digest, AS_OF, DEMAND):
        assert shown in meta
    assert f"<code>reviewrules report {DEMAND} --policy england --as-of {AS_OF}</code>" in meta


# --- the monthly counts -----------------------------------------------------------------

SOURCE = Source("Doc", "1", "quote")


def _obligation(kind: str, due: str, status: str, done: str | None) -> Obligation:
    return Obligation(
        kind=kind,
        review=1,
        due=date.fromisoformat(due),
        status=status,
        done=date.fromisoformat(done) if done else None,
        owner="iro",
        rule="x/r",
        source=SOURCE,
        period=date(2020, 1, 1),
    )


def test_reviews_are_counted_by_the_month_they_were_held_on_time_or_late_within_the_window_only():
    as_of = date(2022, 3, 15)
    monthly = MonthlyReviews(as_of, 12)
    result = Result(
        child="A",
        policy=PolicyRef("x", "1", "sha256:0"),
        as_of=as_of,
        obligations=(
            _obligation("review.initial", "2021-04-10", "met", "2021-04-01"),  # first day of the window
            _obligation("review.initial", "2021-03-10", "late", "2021-03-31"),  # the day before it
            _obligation("review.subsequent", "2022-03-01", "late", "2022-03-15"),  # the as-of date itself
            _obligation("review.subsequent", "2022-03-20", "met", "2022-03-16"),  # after the as-of date
            _obligation("review.subsequent", "2022-01-20", "met", "2022-01-20"),
            _obligation("review.subsequent", "2022-01-25", "overdue", None),  # not held
            _obligation("post.full_record", "2022-01-20", "met", "2022-01-20"),  # not a review
        ),
        escalations=(),
        notices=(),
    )
    monthly.add(result)
    monthly.add(reviewrules.Refusal("B", ()))
    assert monthly.month_labels()[0] == "2021-04" and monthly.month_labels()[-1] == "2022-03"
    held = {(r.month, r.kind): (r.on_time, r.late) for r in monthly.rows() if r.held}
    assert held == {
        ("2021-04", "review.initial"): (1, 0),
        ("2022-01", "review.subsequent"): (1, 0),
        ("2022-03", "review.subsequent"): (0, 1),
    }
    assert len(monthly.rows()) == 12 * 2  # every month, for each kind seen
    assert [(t.month, t.on_time, t.late) for t in monthly.totals() if t.held] == [("2021-04", 1, 0), ("2022-01", 1, 0), ("2022-03", 0, 1)]
    with pytest.raises(ValueError, match="12 to 24"):
        MonthlyReviews(as_of, 25)


def test_when_the_as_of_date_ends_a_month_the_last_12_months_add_up_to_the_summarys_reviews_held():
    policy = reviewrules.load_policy("england")
    as_of = date(2022, 3, 31)
    summary, monthly = CaseloadSummary(as_of), MonthlyReviews(as_of, 24)
    for item in reviewrules.evaluate_many(policy, reviewrules.read_cases(ROOT / DEMAND), as_of, on_error="report"):
        summary.add(item)
        monthly.add(item)
    held = summary.to_dict()["reviews_held_last_12_months"]
    last = [r for r in monthly.rows() if r.month >= "2021-04"]
    for kind in ("review.initial", "review.second", "review.subsequent"):
        rows = [r for r in last if r.kind == kind]
        assert (sum(r.on_time for r in rows), sum(r.held for r in rows)) == (held[kind]["on_time"], held[kind]["held"])
    assert sum(r.held for r in monthly.totals()) > held["all"]["held"]  # the 12 months before count too


# --- the page -------------------------------------------------------------------------------


def test_the_report_is_one_well_formed_page_with_nothing_to_fetch(demand):
    page = demand["page"]
    parsed = parse(page)
    assert parsed.errors == [] and parsed.stack == []
    assert page.startswith('<!DOCTYPE html>\n<html lang="en-GB">')
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(parsed.tags)
    assert not [a for a in parsed.attrs if a[0] == "src" or a[0].startswith("on")]
    assert not re.findall(r"https?://(?!www\.w3\.org/)", page)  # only the SVG and XLink namespaces
    assert "@import" not in page and not re.findall(r"url\((?!#)", page)
    assert parsed.tags.count("svg") == 3
    assert "@media print" in page and 'name="viewport"' in page


def test_the_same_inputs_give_a_byte_identical_report_in_another_process(demand, tmp_path):
    again = tmp_path / "again.html"
    args = [sys.executable, "-m", "reviewrules", "report", DEMAND, "--policy", "england", "--as-of", AS_OF, "-o", str(again)]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert again.read_bytes() == demand["path"].read_bytes()


def test_months_outside_12_to_24_are_refused_in_one_line(tmp_path):
    status, _, err = run("report", DEMAND, "--policy", "england", "--months", "36", "-o", str(tmp_path / "x.html"), cwd=ROOT)
    assert status == 2 and err == "reviewrules report: --months 36: give 12 to 24 months\n"
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize(
    "module, argv",
    [
        ("vl_convert", ["report", "examples/york-worked-example.yaml", "--policy", "york"]),
        ("jinja2", ["render-case", "examples/york-worked-example.yaml", "--policy", "york"]),
        ("jinja2", ["explain", "examples/york-worked-example.yaml", "--policy", "york", "-o", "review.initial", "--format", "html"]),
        ("icalendar", ["ics", "examples/york-worked-example.yaml", "--policy", "york"]),
    ],
)
def test_without_the_report_extra_each_command_says_how_to_install_it_in_one_line(monkeypatch, module, argv):
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed: importing it fails
    status, out, err = run(*argv, "--as-of", "2025-04-01", cwd=ROOT)
    assert status == 2 and out == ""
    assert err.count("\n") == 1
    assert "pip install 'reviewrules[report]'" in err and err.startswith(f"reviewrules {argv[0]}: ")


# --- in a real browser ------------------------------------------------------------------------


def open_page(browser, path: Path, width: int = 1200):
    """The page opened from its file, with its console messages, page errors and requests recorded."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    seen: dict[str, list[str]] = {"console": [], "errors": [], "requests": []}
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    return page, seen


def test_chromium_opens_the_report_with_no_console_error_and_no_request_and_draws_the_charts(browser, demand):
    page, seen = open_page(browser, demand["path"])
    try:
        assert seen == {"console": [], "errors": [], "requests": [demand["path"].as_uri()]}
        assert page.title() == f"Reviews of children in care: england, as of {AS_OF}"
        charts = page.locator("figure.chart svg")
        assert charts.count() == 3
        for k in range(3):
            box = charts.nth(k).bounding_box()
            assert box is not None and box["width"] > 400 and box["height"] > 100
        bars = page.locator("#by-month svg [aria-roledescription='bar']")
        assert bars.count() > 40
        assert "review.subsequent, Mar 2022: 3 held on time" in bars.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
        assert page.locator("#by-month svg text", has_text="review.second").count() >= 1
    finally:
        page.close()


def test_the_figures_chromium_shows_are_caseload_summarys(browser, demand):
    expected = summary_figures(demand["summary"])
    page, _ = open_page(browser, demand["path"])
    try:
        shown = {}
        figures = page.locator("[data-figure]")
        for k in range(figures.count()):
            f = figures.nth(k)
            if f.get_attribute("data-figure") == "reviews_held_on_time":
                continue
            detail = f.locator(".detail")
            shown[f.locator("dt").inner_text()] = (f.locator(".value").inner_text(), detail.inner_text() if detail.count() else "")
            assert f.locator(".value").is_visible()
        assert {label: value for label, (value, _) in shown.items()} == {label: v for label, (v, _) in expected["rows"].items()}
        for label, (_, detail) in expected["rows"].items():
            assert not detail or shown[label][1] == detail
    finally:
        page.close()


def test_on_a_phone_the_report_fits_the_screen_and_in_print_the_contents_are_left_out(browser, demand):
    page, seen = open_page(browser, demand["path"], width=390)
    try:
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        assert page.locator("[data-figure='reviews_overdue_now'] .value").is_visible()
        assert page.locator("nav").is_visible()
        page.emulate_media(media="print")
        assert not page.locator("nav").is_visible()
        assert page.locator("figure.chart svg").first.is_visible()
        assert seen["console"] == [] and seen["errors"] == []
    finally:
        page.close()


def test_chromium_opens_a_childs_timeline_with_no_request_and_each_mark_leads_to_its_rule(browser, tmp_path):
    target = tmp_path / "child.html"
    status, _, err = run("render-case", "examples/york-worked-example.yaml", "--policy", "york", "--as-of", "2025-06-15", "-o", str(target), cwd=ROOT)
    assert status == 0, err
    page, seen = open_page(browser, target)
    try:
        assert seen == {"console": [], "errors": [], "requests": [target.as_uri()]}
        svg = page.locator("figure.timeline svg")
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box is not None and box["width"] > 900 and box["height"] > 300
        links = page.locator("figure.timeline svg a")
        result = reviewrules.evaluate("york", reviewrules.load_cases(ROOT / "examples/york-worked-example.yaml")[0], "2025-06-15")
        assert links.count() == 1 + len(result.obligations) + len(result.escalations) + 1  # a period, a booking
        second = page.locator("figure.timeline svg a", has=page.locator("title", has_text="review.second (review 2): due 2025-05-29"))
        second.locator(".mark").click()
        anchor = 1 + [o.kind for o in result.obligations].index("review.second")
        assert page.url.endswith(f"#o{anchor}")
        row = page.locator("tr:target")
        assert "york/second-review" in row.inner_text() and "within three months (91 days)" in row.inner_text()
        assert seen["console"] == [] and len(seen["requests"]) == 1
    finally:
        page.close()

"""A child's timeline: every period, obligation, escalation and notice drawn once, each mark a
link to its row with the rule and its quote; render-case and explain --format html; one
picture for one input, byte for byte. (The browser test is in test_report.py.)"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from in_process import run

import reviewrules
from reviewrules.output._timeline import item_ids, render_case_page, render_explain_page, timeline

ROOT = Path(__file__).resolve().parent.parent
YORK = ROOT / "examples" / "york-worked-example.yaml"
AS_OF = "2025-06-15"

TWO_PERIODS = """\
children:
  - child: {id: T-1, dob: 2010-01-15}
    events:
      - {type: became_looked_after, date: 2024-01-08}
      - {type: review_held, date: 2024-02-01}
      - {type: significant_event, date: 2024-02-20, category: missing}
      - {type: ceased_looked_after, date: 2024-03-15}
      - {type: became_looked_after, date: 2024-09-02}
      - {type: review_held, date: 2024-10-15}
  - child: {id: T-2}
    events:
      - {type: became_looked_after, date: 2024-01-08}
"""


@pytest.fixture(scope="module")
def york():
    (case,) = reviewrules.load_cases(YORK)
    return case, reviewrules.evaluate("york", case, AS_OF)


def test_every_item_of_the_result_is_one_mark_in_the_picture_with_its_rule_and_quote_in_the_tooltip(york):
    case, result = york
    picture = timeline(result, case)
    marks = [m for row in picture.rows for m in row.marks]
    ids = item_ids(result)
    for o in result.obligations:
        (mark,) = [m for m in marks if m.href == f"#{ids[id(o)]}"]
        assert o.rule in mark.title and o.source.quote in mark.title and o.due.isoformat() in mark.title
    (escalation,) = result.escalations
    (mark,) = [m for m in marks if m.href == f"#{ids[id(escalation)]}"]
    assert mark.title.startswith("escalation.review_overdue about review.second (review 2): raised 2025-05-30 to iro_manager, still open")
    assert [m.href for m in marks if m.href.startswith("#p")] == ["#p1"]
    assert [m.href for m in marks if m.href.startswith("#booked")] == ["#booked-3"]  # review 2 booked for 19 May
    assert len(marks) == len(result.obligations) + len(result.escalations) + 2


def test_rows_run_periods_then_reviews_then_preparation_then_records_then_escalations(york):
    case, result = york
    labels = [row.label for row in timeline(result, case).rows]
    assert labels[:2] == ["periods of care", "reviews"]
    prep = [k for k, label in enumerate(labels) if label.startswith("prep.")]
    post = [k for k, label in enumerate(labels) if label.startswith("post.")]
    assert prep == list(range(2, 2 + len(prep))) and post == list(range(prep[-1] + 1, prep[-1] + 1 + len(post)))
    assert labels[-1] == "escalation.review_overdue"
    assert labels == list(dict.fromkeys(labels))  # one row per kind


def test_a_task_window_runs_between_its_due_date_and_its_reviews_meeting_and_marks_sit_on_the_right_dates(york):
    case, result = york
    picture = timeline(result, case)
    span = date.fromisoformat(picture.end) - date.fromisoformat(picture.start)

    def x(day: str) -> float:
        return picture.plot_left + (date.fromisoformat(day) - date.fromisoformat(picture.start)).days / span.days * (picture.plot_right - picture.plot_left)

    row = next(r for r in picture.rows if r.label == "prep.invitations")
    mark = next(m for m in row.marks if "(review 2)" in m.title)
    window = next(dict(s.attrs) for s in mark.shapes if ("class", "window") in s.attrs)
    # Due 2 May 2025 (10 working days before the meeting booked for 19 May).
    assert float(window["x"]) == pytest.approx(x("2025-05-02"), abs=0.1)
    assert float(window["x"]) + float(window["width"]) == pytest.approx(x("2025-05-19"), abs=0.2)
    held = next(m for m in next(r for r in picture.rows if r.label == "reviews").marks if "review.initial" in m.title)
    circle = next(dict(s.attrs) for s in held.shapes if s.tag == "circle")
    assert float(circle["cx"]) == pytest.approx(x("2025-02-27"), abs=0.1)  # the day held, not the day due
    assert circle["fill"] == "#2166ac"
    assert picture.as_of_x == pytest.approx(x(AS_OF), abs=0.1)


def test_the_page_lists_every_mark_as_a_row_with_that_anchor_and_the_source_quoted(york):
    case, result = york
    page = render_case_page(result, case, version="test")
    hrefs = re.findall(r'<a href="#([a-z0-9-]+)" aria-label="[^"]*"(?: class="focus")?><title>', page)
    rows = set(re.findall(r'<tr id="([a-z0-9-]+)"', page))
    assert len(hrefs) == len(set(hrefs)) == len(result.obligations) + len(result.escalations) + 2
    assert set(hrefs) <= rows
    second = result.obligation("review.second", 2)
    row = page.split(f'<tr id="{item_ids(result)[id(second)]}"')[1].split("</tr>")[0]
    assert "york/second-review" in row and "within three months (91 days)" in row and "overdue" in row
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    assert render_case_page(result, case, version="test") == page


def test_periods_ended_notices_and_a_childs_second_period_are_drawn(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(TWO_PERIODS, encoding="utf-8")
    case = next(c for c in reviewrules.load_cases(path) if c.child_id == "T-1")
    result = reviewrules.evaluate("york", case, "2024-12-01")
    picture = timeline(result, case)
    periods = picture.rows[0].marks
    assert [m.title for m in periods] == [
        "Period of care 1: from 2024-01-08 to 2024-03-15 (ceased looked after)",
        "Period of care 2: from 2024-09-02 to 2028-01-15 (18th birthday)",
    ]
    # The second period runs past the right edge: its band stops there.
    band = dict(periods[1].shapes[0].attrs)
    assert float(band["x"]) + float(band["width"]) == pytest.approx(picture.plot_right, abs=0.1)
    notices = next(r for r in picture.rows if r.label == "notices")
    assert len(notices.marks) == len(result.notices) == 1 and "significant_event:missing" in notices.marks[0].title


def test_render_case_draws_one_child_of_a_file_of_many_or_of_an_ssda903_return(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(TWO_PERIODS, encoding="utf-8")
    target = tmp_path / "t1.html"
    status, out, err = run("render-case", str(path), "--policy", "york", "--as-of", "2024-12-01", "--child", "T-1", "-o", str(target), cwd=ROOT)
    assert (status, out, err) == (0, "", "")
    assert "<title>Child T-1: reviews as of 2024-12-01 (york)</title>" in target.read_text(encoding="utf-8")

    status, _, err = run("render-case", str(path), "--policy", "york", "--as-of", "2024-12-01", cwd=ROOT)
    assert status == 2 and "has more than one child: say which with --child (T-1, T-2, ...)" in err
    status, _, err = run("render-case", str(path), "--policy", "york", "--child", "T-9", cwd=ROOT)
    assert status == 2 and f"no child 'T-9' in {path}" in err

    status, out, err = run("render-case", "tests/fixtures/903/fake/cs-demand-model", "--policy", "england", "--as-of", "2022-03-31", "--child", "718139", cwd=ROOT)
    assert status == 0, err
    assert out.count('<tr id="p') == 3  # three periods of care
    assert "history-incomplete" in out


def test_explain_as_html_gives_the_chain_of_rules_then_the_timeline_with_the_item_outlined():
    status, page, err = run("explain", str(YORK), "-p", "york", "--as-of", AS_OF, "-o", "prep.invitations:2", "--format", "html", cwd=ROOT)
    assert status == 0, err
    case, result = reviewrules.load_cases(YORK)[0], None
    result = reviewrules.evaluate("york", case, AS_OF)
    item = result.obligation("prep.invitations", 2)
    anchor = item_ids(result)[id(item)]
    explained = page.split('<h2 id="timeline">')[0]
    for step in item.trace:
        assert step.text in explained
        if step.arithmetic:
            assert step.arithmetic in explained
    assert "2025-05-19 - 10 working days = 2025-05-02" in explained
    assert "bank holidays skipped: 2025-05-05 May Day" in explained
    assert page.count('class="focus"') == 1
    assert re.search(rf'<a href="#{anchor}" aria-label="[^"]*" class="focus">', page)
    assert f'<tr id="{anchor}" class="focus-row">' in page
    assert render_explain_page(result, [item], case) == render_explain_page(result, [item], case)


def test_what_was_missed_in_a_period_that_has_ended_is_drawn_to_that_periods_last_day_not_to_the_as_of_date():
    (case,) = [c for c in reviewrules.read_cases(ROOT / "tests/fixtures/903/fake/cs-demand-model") if getattr(c, "child_id", None) == "718139"]
    result = reviewrules.evaluate("england", case, "2022-03-31")
    picture = timeline(result, case)
    span = (date.fromisoformat(picture.end) - date.fromisoformat(picture.start)).days

    def x(day: date) -> float:
        return picture.plot_left + (day - date.fromisoformat(picture.start)).days / span * (picture.plot_right - picture.plot_left)

    ended = {p.start: p.end for p in result.periods}
    escalations = next(r for r in picture.rows if r.label == "escalation.review_overdue").marks
    lapsed = [m for m in escalations if "not resolved; the period of care ended on" in m.title]
    assert len(lapsed) == 2
    for mark, e in zip(lapsed, [e for e in result.escalations if e.resolved is None]):
        bar = dict(mark.shapes[0].attrs)
        assert bar["stroke-dasharray"] == "4 2" and bar["fill"] == "#fff"
        assert float(bar["x"]) + float(bar["width"]) == pytest.approx(max(x(ended[e.period]), float(bar["x"]) + 4), abs=0.2)
    reviews = next(r for r in picture.rows if r.label == "reviews").marks
    for o in (o for o in result.obligations if o.status == "overdue"):
        mark = next(m for m in reviews if m.href == f"#{item_ids(result)[id(o)]}")
        line = next(dict(s.attrs) for s in mark.shapes if s.tag == "line")
        assert float(line["x2"]) == pytest.approx(x(max(ended[o.period], o.due)), abs=0.2)
        assert float(line["x2"]) < picture.as_of_x - 100

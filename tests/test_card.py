"""The procedure card: every rule once, in cycle order, plainly worded, escaped, deterministic.

The browser test renders the HTML card in Debian's Chromium through Playwright. It is
skipped where either is missing; to run it: `apt-get install -y chromium` and
`pip install playwright==1.65.2` (never `playwright install`: the system browser is used).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest

import reviewrules
from reviewrules import load_policy
from reviewrules.output._card import STAGES, card_rows, render_card
from reviewrules.policy._readings import register

YORK_QUOTE = "An initial Looked After Review should be conducted within 20 working days of the child becoming Looked After"

EVIL_QUOTE = 'Within 20 days <script>document.title="pwned"</script> | or else & "soon"'

CALENDAR_POLICY = """\
id: calendar-days
title: A policy counting its first review in calendar days
extends: england
document: {title: Calendar test document, version: "1"}
rules:
  - id: initial-review
    override: true
    when: {event: became_looked_after}
    emit: {obligation: review.initial, review: 1, from: event, offset: 20 days after}
    owner: social_worker
    source: {section: "2", quote: "within 20 days of the child being Looked After"}
"""

EVIL_POLICY = """\
id: evil
title: "Fish & Chips <b>Council</b> | reviews"
extends: england
document: {title: "<i>Doc</i> & co", publisher: "A|B", version: "v<1>", last_updated: 2024-01-01}
notes: ["policy note with <em>tags</em> | and a pipe"]
rules:
  - id: initial-review
    override: true
    when: {event: became_looked_after}
    emit: {obligation: review.initial, review: 1, from: event, offset: 20 working days after}
    owner: social_worker
    source:
      section: "2 <sec> | two"
      quote: 'QUOTE'
    notes:
      - "first line\\n| second line <br>"
""".replace("QUOTE", EVIL_QUOTE.replace("'", "''"))


@pytest.fixture(scope="module")
def york():
    return load_policy("york")


def write_policy(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def md_cells(line: str) -> list[str]:
    """The cells of one Markdown table row, splitting only on unescaped pipes."""
    assert line.startswith("|") and line.endswith("|"), line
    return [c.strip() for c in re.split(r"(?<!\\)\|", line[1:-1])]


def md_table(text: str) -> list[list[str]]:
    return [md_cells(line) for line in text.splitlines() if line.startswith("|")]


class _Structure(HTMLParser):
    """Records tags, checks that every element is closed in order, and counts body rows."""

    VOID: ClassVar[frozenset[str]] = frozenset({"meta", "br", "col", "wbr", "link", "img", "input", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.errors: list[str] = []
        self.body_rows = 0  # rows of the timeline (the card's table of rules)
        self.attrs: list[tuple[str, str | None]] = []
        self.tables: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "table":
            self.tables.append(dict(attrs).get("class"))
        if tag == "tr" and "tbody" in self.stack and self.tables[-1] == "timeline":
            self.body_rows += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def structure(text: str) -> _Structure:
    parser = _Structure()
    parser.feed(text)
    parser.close()
    return parser


# --- content and order ---------------------------------------------------------


def test_yorks_card_lists_every_rule_of_york_once_with_its_quote(york):
    rows = card_rows(york)
    assert sorted(r.rule_id for r in rows) == sorted(r.qualified_id for r in york.rules)
    page = render_card(york, "html")
    text = render_card(york, "md")
    for rule in york.rules:
        # Once in the timeline, and once more in the register of readings if the rule has an entry.
        readings = 1 if rule.reading is not None or rule.alternatives else 0
        assert page.count(f'<span class="rule-id">{rule.qualified_id}</span>') == 1 + readings
        assert html.escape(rule.source.quote) in page
        assert rule.source.quote.replace("|", "\\|").replace("[", "\\[").replace("]", "\\]") in text


def test_yorks_card_runs_along_the_cycle_before_the_review_then_the_review_then_after_it_then_escalations_then_notices(york):
    ids = [r.rule_id for r in card_rows(york)]
    assert ids[:5] == [
        "york/change-confirmation",
        "york/consult-child",
        "york/iro-discussion",
        "york/invitations",
        "york/reports-to-iro",
    ]
    assert ids[5:9] == ["york/initial-review", "york/second-review", "york/subsequent-review", "york/adjournment"]
    assert ids[9:14] == [
        "york/decisions-record",
        "york/care-plan-updated",
        "york/full-record",
        "york/record-distributed",
        "york/service-manager-response",  # follows the record of decisions, so after the review too
    ]
    assert ids[14] == "york/review-overdue"
    assert ids.index("york/dispute-cafcass") < ids.index("york/significant-event") < ids.index("york/staying-put")
    stages = [r.stage for r in card_rows(york)]
    assert stages == sorted(stages, key=STAGES.index)
    page = render_card(york, "html")
    positions = [page.index(f'<span class="rule-id">{i}</span>') for i in ids]
    assert positions == sorted(positions)


def test_yorks_first_review_reads_20_working_days_and_a_calendar_day_policy_reads_20_calendar_days(york, tmp_path):
    initial = next(r for r in card_rows(york) if r.rule_id == "york/initial-review")
    assert initial.when == "20 working days after the date of the event"
    assert initial.counted.startswith("Counted in working days (Monday to Friday; bank holidays")
    assert initial.who == "iro"
    assert "first review after becoming looked after (review.initial)" == initial.what
    second = next(r for r in card_rows(york) if r.rule_id == "york/second-review")
    assert second.when.startswith("91 days after") and "calendar days" in second.counted

    calendar = load_policy(write_policy(tmp_path, "calendar-days", CALENDAR_POLICY))
    row = next(r for r in card_rows(calendar) if r.rule_id == "calendar-days/initial-review")
    assert row.when == "20 days after the date of the event"
    assert row.counted.startswith("Counted in calendar days (weekends and bank holidays count)")
    assert "working" not in row.counted
    assert "20 days after the date of the event" in render_card(calendar, "md")


def test_a_count_before_the_meeting_says_it_counts_back(york):
    row = next(r for r in card_rows(york) if r.rule_id == "york/invitations")
    assert row.when == "10 working days before the review meeting (held, else scheduled, else due)"
    assert row.counted.startswith("Counted back in working days")
    assert row.who == "business_support"


def test_an_escalation_names_whom_it_is_raised_to_and_when_the_engine_raises_it(york):
    rows = {r.rule_id: r for r in card_rows(york)}
    overdue = rows["york/review-overdue"]
    assert overdue.who == "raised to iro_manager"
    assert overdue.when == "the day after the triggering obligation falls due"
    # Raised on the day of the event (reviewrules/_derive.py), not "the day after it falls due".
    assert rows["york/second-adjournment"].when == "on the date of the event"


def test_the_card_shows_the_policy_metadata_notes_alternatives_and_versions():
    fixture = Path(__file__).parent / "fixtures" / "policies" / "versioned.yaml"
    versioned = load_policy(fixture)
    text = render_card(versioned, "md")
    assert "- **Extends:** england" in text
    assert "  - v1, in force from 2023-01-01" in text
    assert "  - v2, in force from 2024-03-15; v2 counts the first review in calendar days." in text
    assert "Regulation 33 sets the limits" in text
    york = render_card(load_policy("york"), "html")
    for shown in ("City of York Council", "v47", "2024-03-15", "<dd>england</dd>", "three months, i.e. 3 months after"):
        assert shown in york


@pytest.mark.parametrize("policy_id", reviewrules.bundled_policies())
def test_every_bundled_policy_has_one_row_per_rule_in_stage_order(policy_id):
    policy = load_policy(policy_id)
    rows = card_rows(policy)
    assert sorted(r.rule_id for r in rows) == sorted(r.qualified_id for r in policy.rules)
    assert [r.stage for r in rows] == sorted((r.stage for r in rows), key=STAGES.index)
    assert all(r.what and r.when and r.counted and r.quote for r in rows)
    assert structure(render_card(policy, "html")).body_rows == len(policy.rules)
    assert len(md_table(render_card(policy, "md"))) == len(policy.rules) + 2


# --- formats -------------------------------------------------------------------


def test_the_html_card_is_one_well_formed_self_contained_page_with_a_captioned_table(york):
    page = render_card(york, "html")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en-GB">')
    parsed = structure(page)
    assert parsed.errors == [] and parsed.stack == []
    for tag in ("head", "title", "style", "body"):
        assert parsed.tags.count(tag) == 1, tag
    # The timeline of rules, then the register of readings its rows link to.
    assert parsed.tables == ["timeline", "readings"]
    for tag in ("caption", "thead", "tbody"):
        assert parsed.tags.count(tag) == 2, tag
    assert parsed.body_rows == len(york.rules)
    assert not {"script", "link", "img", "iframe", "object"} & set(parsed.tags)
    # No link leaves the page: a row links only to its reading, further down.
    links = [v for k, v in parsed.attrs if k == "href"]
    assert links and all(v.startswith("#reading-") for v in links)
    ids = {v for k, v in parsed.attrs if k == "id"}
    assert {link[1:] for link in links} <= ids
    assert not [a for a in parsed.attrs if a[0] == "src" or a[0].startswith("on")]
    assert "http" not in page.split("<body>")[0]
    assert "@page { size: A4 landscape" in page


def test_the_markdown_card_has_a_heading_a_metadata_list_and_a_pipe_table_of_one_row_per_rule(york):
    text = render_card(york, "md")
    lines = text.splitlines()
    assert lines[0] == "# City of York Council, Children and Young People in Care Reviews"
    assert "- **Policy id:** york" in lines
    table = md_table(text)
    assert len(table) == len(york.rules) + 2  # header, separator, one row per rule
    assert {len(row) for row in table} == {7}
    assert table[0] == ["Stage", "What", "Who", "When", "Counted how", "Source", "Rule"]
    assert set(table[1]) == {"---"}
    assert [row[6].split(".", 1)[0].removesuffix(" (see Readings)") for row in table[2:]] == [r.rule_id for r in card_rows(york)]
    readings = [line for line in lines if line.startswith("- york/")]
    assert [line.split(":", 1)[0][2:] for line in readings] == [e.rule.qualified_id for e in register(york)]
    assert any("(see Readings)" in row[6] for row in table[2:])


def test_every_value_is_escaped_in_both_formats(tmp_path):
    policy = load_policy(write_policy(tmp_path, "evil", EVIL_POLICY))
    page = render_card(policy, "html")
    assert "<script" not in page and "<b>" not in page and "<i>" not in page and "<em>" not in page
    assert "&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt; | or else &amp; &quot;soon&quot;" in page
    assert "Fish &amp; Chips &lt;b&gt;Council&lt;/b&gt; | reviews" in page
    assert "&lt;i&gt;Doc&lt;/i&gt; &amp; co, 2 &lt;sec&gt; | two" in page
    parsed = structure(page)
    assert parsed.errors == [] and "script" not in parsed.tags

    text = render_card(policy, "md")
    assert not re.search(r"(?<!\\)[<>]", text)  # every angle bracket is backslash-escaped
    table = md_table(text)
    assert {len(row) for row in table} == {7}
    row = next(r for r in table[2:] if r[6].startswith("evil/initial-review"))
    assert "\\<script\\>" in row[5] and "\\| or else" in row[5]
    assert "first line \\| second line \\<br\\>" in row[6]  # the note's line break is gone too
    assert "# Fish & Chips \\<b\\>Council\\</b\\> \\| reviews" in text


def test_the_same_policy_gives_byte_identical_cards(york, tmp_path):
    again = load_policy("york")
    for fmt in ("html", "md"):
        assert render_card(york, fmt) == render_card(york, fmt) == render_card(again, fmt)
    path = write_policy(tmp_path, "evil", EVIL_POLICY)
    assert render_card(load_policy(path), "html") == render_card(load_policy(path), "html")


@pytest.mark.parametrize("fmt", ["pdf", "HTML", "markdown", ""])
def test_an_unknown_format_is_refused(york, fmt):
    with pytest.raises(ValueError, match="unknown card format"):
        render_card(york, fmt)


# --- in a real browser -----------------------------------------------------------




def test_chromium_shows_yorks_card_as_a_table_of_one_row_per_rule_with_the_quote_visible(browser, york):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.set_content(render_card(york, "html"), wait_until="load")
        assert page.title() == f"Procedure card: {york.title}"
        table = page.locator("table.timeline")
        assert table.is_visible()
        assert page.locator("table.timeline > caption").is_visible()
        assert page.locator("table.timeline > thead th").all_inner_texts() == [
            "Stage", "What", "Who", "When", "Counted how", "Source", "Rule",
        ]
        rows = page.locator("table.timeline > tbody > tr")
        assert rows.count() == len(york.rules)
        assert all(rows.nth(k).locator("td").count() == 7 for k in range(rows.count()))
        quote = page.get_by_text(YORK_QUOTE, exact=False)
        assert quote.count() == 1 and quote.is_visible()
        assert YORK_QUOTE in table.inner_text()
        first = rows.first.inner_text()
        assert "york/change-confirmation" in first and "20 working days before" in first
        box = table.bounding_box()
        assert box is not None and box["width"] > 1000 and box["height"] > 500
    finally:
        page.close()


def test_chromium_shows_a_script_in_a_quote_as_text_and_does_not_run_it(browser, tmp_path):
    policy = load_policy(write_policy(tmp_path, "evil", EVIL_POLICY))
    page = browser.new_page()
    try:
        page.set_content(render_card(policy, "html"), wait_until="load")
        assert "pwned" not in page.title()
        assert page.locator("script").count() == 0
        assert page.locator("table.timeline > tbody > tr").count() == len(policy.rules)
        assert EVIL_QUOTE in page.locator("table.timeline").inner_text()
    finally:
        page.close()

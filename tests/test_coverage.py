"""Every sentence of the five source documents that carries a time limit has a home.

The test splits each document under docs/sources/ into sentences and selects, mechanically, every
sentence with time-limit language (the pattern is below). Each selected sentence must have a home:
a rule of the policy encoding that document quotes it, a rule's reading quotes it as conflicting
text, or docs/coverage.md quotes it in that policy's section with the reason it is not a rule.

**Sentences.** Each line of the text is a paragraph, a bullet or a heading. Bullet marks are dropped;
a paragraph is cut after '.', '!', '?' or ';' followed by a space and a capital letter, an opening
bracket or a quotation mark, except after an abbreviation ("e.g.", "i.e.", "Sec."). A line that
starts with a section number and has no sentence punctuation ("7.12 Postponement of Review
Meetings") is a heading; the contents list of the Stoke policy (headings ending in a page number)
is skipped.

**Selection.** A sentence is selected if it contains any of:

- a quantity of time: a number or number word with working days, calendar days, days, weeks,
  months or years ("20 working days", "three months", "**four weeks", "12 month period"), "a year",
  "16 and 3 months";
- an age or a birthday: "16th birthday", "aged 16", "under 5", "over the age of 16", "6 years old",
  "age limit";
- a limit word: "within" followed by a number or a timescale ("within 20", "within the specified
  timescale", "within that initial"), "statutory timescale(s)", "agreed timescales", "timescales
  agreed", "before(hand)", "after" (not "looked after"), "until", "prior to", "in advance",
  "ahead of", "in time for", "following the review/meeting/birthday", "at least", "no later than",
  "not/no more than", "in between", "between ... reviews", "every" (not "every effort" or "every
  opportunity"), "annual(ly)", "monthly", "interval(s)", "once", "regular(ly)", "frequen-",
  "immediately", "as soon as", "promptly", "urgen-", "timely", "sooner", "early/earlier review",
  "first/second/third/2nd/final/next ... review", "brought/bring forward", "adjourn-", "postpone-",
  "re-arrange", "reschedule", "delay(ed)";
- an escalation step: "escalat-", "raise this with", "refer the case", "referral should",
  "referral to CAFCASS", "to the attention of", "take this up with", "report this to", "discuss
  this/the concerns with".

A heading is selected only for a quantity, an age or a birthday ("8.4 Eligible children - Looked
After and aged 16 or 17 (in care on 16th birthday for at least 13 weeks before)").

**Overlap.** A quote gives a sentence a home if the sentence lies inside the quote (a quote may run
over several sentences), or if the quote, of at least six words, lies inside the sentence. Both are
compared after the normalisation below, without the sentence's closing punctuation. A quote in
docs/coverage.md may leave words out with "...": each part is a quote of its own.

**Normalisation.** Curly quotes become straight ones, the bold markers of the Stoke text (``**``)
are dropped and runs of white space become one space.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from reviewrules import load_policy

ROOT = Path(__file__).parent.parent
SOURCES = ROOT / "docs" / "sources"
COVERAGE = ROOT / "docs" / "coverage.md"
POLICIES = ["york", "stoke", "cumbria", "caldecott", "iro-guide"]
MIN_WORDS = 6


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("**", "")
    return re.sub(r"\s+", " ", text).strip()


def _bare(text: str) -> str:
    """Without closing punctuation, for comparing a sentence with a quote."""
    return normalise(text).rstrip(" .;:,")


# --- The pattern --------------------------------------------------------------------------------

_NUMBER = (
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty)"
)
_UNIT = r"(?:working[- ]days?|calendar days?|days?|weeks?|months?|years?)"
QUANTITIES_AND_AGES = [
    rf"\b{_NUMBER}\*{{0,2}}[- ]{_UNIT}\b",
    r"\b\d+ and \d+ months\b",
    r"\ba (?:year|month|week|fortnight)\b",
    r"\b\d+(?:st|nd|rd|th) ?birthday\b",
    r"\bbirthday\b",
    r"\b(?:aged?|age of|under|over) \d+\b",
    r"\b\d+ years? (?:of age|old)\b",
    r"\bage limit\b",
]
LIMIT_WORDS = [
    rf"\bwithin (?:\*\*)?(?:{_NUMBER}\b|(?:a|the|that|agreed|reasonable|statutory|required)\b[^.;]{{0,40}}?\btime-?scales?\b|that initial)",
    r"\bstatutory time-?scales?\b",
    r"\btime-?scales? (?:agreed|set out|applying)\b",
    r"\b(?:agreed|specified) time-?scales?\b",
    r"\bbefore(?:hand)?\b",
    r"(?<!looked )(?<!looked-)\bafter\b",
    r"\buntil\b",
    r"\bprior to\b",
    r"\bin advance\b",
    r"\bahead of\b",
    r"\bin time for\b",
    r"\bfollowing (?:the |a |each |every |their )?(?:\w+ ){0,2}(?:review|birthday|meeting)",
    r"\bat least\b",
    r"\bno later than\b",
    r"\b(?:not|no) more than\b",
    r"\bin between\b",
    r"\bbetween (?:the )?(?:\w+ ){0,3}reviews?\b",
    r"\bevery (?!effort|opportunity)",
    r"\bannual(?:ly)?\b",
    r"\bmonthly\b",
    r"\bintervals?\b",
    r"\bonce\b",
    r"\bregular(?:ly)?\b",
    r"\bfrequen\w+",
    r"\bimmediately\b",
    r"\bas soon as\b",
    r"\bpromptly\b",
    r"\burgen\w+",
    r"\btimely\b",
    r"\bsooner\b",
    r"\bearl(?:y|ier) (?:first )?review",
    r"\b(?:first|second|third|2nd|final|next) (?:[\w/*]+ ){0,3}reviews?\b",
    r"\bbr(?:ought|ing|inging) forward\b",
    r"\badjourn\w*",
    r"\bpostpone\w*",
    r"\bre-?arrang\w*",
    r"\breschedul\w*",
    r"\bdelay(?:ed)?\b",
]
ESCALATION_STEPS = [
    r"\bescalat\w*",
    r"\braise (?:this|it|them)? ?with\b",
    r"\brefer the case\b",
    r"\breferral (?:should|to CAFCASS)\b",
    r"\bto the attention of\b",
    r"\btake (?:this|it) up with\b",
    r"\breport (?:this|it) to\b",
    r"\bdiscuss (?:this|the concerns) with\b",
]
_HEADING_RX = re.compile("|".join(QUANTITIES_AND_AGES), re.I)
_SENTENCE_RX = re.compile("|".join(QUANTITIES_AND_AGES + LIMIT_WORDS + ESCALATION_STEPS), re.I)
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|Sec|No|v|Vol|para|Ref)[.:]$", re.I)
_CONTENTS = re.compile(r"^\d+\.\d+\s.*\s\d+$")
_HEADING = re.compile(r"^\d+(?:\.\d+)*\.?\s+[^.;:]*$")
_BULLET = re.compile(r"^(?:[\u2022\-\u2013]|\d+\.)\s+")
_CUT = re.compile(r"(?<=[.!?;])\s+(?=[A-Z(\"'*])")


def sentences(text: str) -> list[tuple[str, bool]]:
    """The document as (sentence, is_heading), in order."""
    found: list[tuple[str, bool]] = []
    for line in text.splitlines():
        line = re.sub(r"\s+", " ", line).strip()
        if not line or _CONTENTS.match(line):
            continue
        if _HEADING.match(line) and len(line) < 140:
            found.append((line, True))
            continue
        line = _BULLET.sub("", line)
        pending = ""
        for part in _CUT.split(line):
            pending = f"{pending} {part}" if pending else part
            if _ABBREVIATION.search(pending):
                continue
            found.append((pending, False))
            pending = ""
        if pending:
            found.append((pending, False))
    return found


def selected(text: str) -> list[str]:
    """The sentences with time-limit language."""
    return [s for s, heading in sentences(text) if (_HEADING_RX if heading else _SENTENCE_RX).search(s)]


# --- The homes ------------------------------------------------------------------------------------


@cache
def source_text(policy_id: str) -> str:
    policy = load_policy(policy_id)
    assert policy.document.file, policy_id
    return (SOURCES / policy.document.file).read_text(encoding="utf-8")


@cache
def coverage_rows() -> dict[str, list[tuple[int, list[str], list[str]]]]:
    """Per policy section of docs/coverage.md: (line, quotes, names in the 'encoded as' column)."""
    rows: dict[str, list[tuple[int, list[str], list[str]]]] = {}
    section = None
    quote_col = encoded_col = None
    for number, line in enumerate(COVERAGE.read_text(encoding="utf-8").splitlines(), 1):
        anchor = re.match(r'<a id="([a-z-]+)"></a>', line)
        if anchor:
            section, quote_col = anchor.group(1), None
            continue
        if not line.startswith("|"):
            quote_col = encoded_col = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if quote_col is None:  # a table's header row
            headers = [c.lower() for c in cells]
            quote_col = next((i for i, h in enumerate(headers) if h == "quote"), -1)
            encoded_col = next((i for i, h in enumerate(headers) if h.startswith("encoded as")), -1)
            continue
        if set(line) <= set("|-: ") or quote_col < 0 or section is None:
            continue
        quotes = split_quotes(cells[quote_col]) if quote_col < len(cells) else None
        names = re.findall(r"`([^`]+)`", cells[encoded_col]) if 0 <= encoded_col < len(cells) else []
        rows.setdefault(section, []).append((number, quotes, names))
    return rows


def split_quotes(cell: str) -> list[str] | None:
    """The quotes in a quote cell: "..." / "...", each cut at '...' into parts; None if the cell quotes nothing."""
    if not (cell.startswith('"') and cell.endswith('"') and len(cell) > 2):
        return None
    parts = []
    for quote in cell[1:-1].split('" / "'):
        parts += [p.strip() for p in re.split(r"\s*\.\.\.\s*", quote) if p.strip()]
    return parts


@cache
def homes(policy_id: str) -> list[str]:
    """Every quote that can give a sentence of this policy's document a home."""
    policy = load_policy(policy_id)
    title = policy.document.title
    found = []
    for rule in policy.rules:
        if rule.policy != policy_id:
            continue
        if rule.source.document == title:
            found.append(rule.source.quote)
        if rule.reading is not None:
            found += [c.quote for c in rule.reading.conflicts if c.document == title]
    for _, quotes, _ in coverage_rows().get(policy_id, []):
        found += quotes or []
    return [_bare(q) for q in found]


def has_home(sentence: str, quotes: list[str]) -> bool:
    s = _bare(sentence)
    return any(s in q or (len(q.split()) >= MIN_WORDS and q in s) for q in quotes)


# --- The tests --------------------------------------------------------------------------------------


def home_kinds(policy_id: str) -> dict[str, int]:
    """How many selected sentences have each kind of home, the first that fits in this order: a rule
    (an obligation, escalation or lapse), a notice or advice, a reading's conflicting text, a
    docs/coverage.md row only."""
    policy = load_policy(policy_id)
    title = policy.document.title
    kinds: dict[str, list[str]] = {"rules": [], "notices": [], "readings": [], "coverage entries": []}
    for rule in policy.rules:
        if rule.policy != policy_id:
            continue
        if rule.source.document == title:
            notice = rule.emit.fact == "notice" or rule.emit.kind.startswith("advice.")
            kinds["notices" if notice else "rules"].append(_bare(rule.source.quote))
        if rule.reading is not None:
            kinds["readings"] += [_bare(c.quote) for c in rule.reading.conflicts if c.document == title]
    for _, quotes, _ in coverage_rows().get(policy_id, []):
        kinds["coverage entries"] += [_bare(q) for q in quotes or []]
    counts = dict.fromkeys(kinds, 0)
    for sentence in selected(source_text(policy_id)):
        first = next((kind for kind, quotes in kinds.items() if has_home(sentence, quotes)), None)
        if first is not None:
            counts[first] += 1
    return counts


@pytest.mark.parametrize("policy_id", POLICIES)
def test_the_pattern_selects_a_sensible_share_of_each_document(policy_id):
    """Neither empty nor absurd: at least ten sentences, at most half the document. ``pytest -s`` prints
    the counts that docs/coverage.md gives."""
    text = source_text(policy_id)
    everything = sentences(text)
    chosen = selected(text)
    homes_found = ", ".join(f"{n} {kind}" for kind, n in home_kinds(policy_id).items())
    print(f"{policy_id}: {len(chosen)} of {len(everything)} sentences selected; homes: {homes_found}")
    assert 10 <= len(chosen) <= len(everything) // 2


# Sentences the pattern must select: the limits a reader would look for first, and clauses that were
# once missed. If tuning the pattern loses one of these, it has become too narrow.
MUST_SELECT = [
    ("york", "The second Looked After Review should be conducted within three months (91 days) of an Initial Looked After Review;"),
    ("york", "A child should not cease to be a Child in Care until a review has confirmed this decision."),
    ("york", "Monitoring sheets must be completed by the IRO after every review meeting"),
    ("york", "If the senior member of staff disagrees with any of the decisions within that initial five working day period"),
    ("york", "has been in this placement for more than a year"),
    ("york", "If the allocated IRO cannot attend the meeting and it is important that the review meeting is not delayed"),
    ("york", "In the event of a key participant being ill or unable to attend the review"),
    ("stoke", "for up to 6 weeks before foster carer approval is required"),
    ("stoke", "Pathway Plan (if young person aged 16 and 3 months or over)."),
    ("stoke", "in care on 16th birthday for at least 13 weeks before"),
    ("stoke", "Care Planning Meetings, to be held in between statutory reviews"),
    ("stoke", "Each case must first be reviewed within four weeks (20 working days)"),
    ("cumbria", "An Initial Looked After Review should be conducted within 20 days of the child being Looked After;"),
    ("caldecott", "That the preparatory document is completed (by the adult / keyworker-fourteen days prior to the meeting)"),
    ("iro-guide", "There is no lower age limit for a child's attendance"),
]


@pytest.mark.parametrize(("policy_id", "words"), MUST_SELECT)
def test_the_pattern_selects_the_clauses_it_must(policy_id, words):
    chosen = [normalise(s) for s in selected(source_text(policy_id))]
    assert any(normalise(words) in s for s in chosen), words


@pytest.mark.parametrize("policy_id", POLICIES)
def test_every_selected_sentence_has_a_home(policy_id):
    quotes = homes(policy_id)
    homeless = [normalise(s) for s in selected(source_text(policy_id)) if not has_home(s, quotes)]
    assert homeless == [], (
        f"{len(homeless)} sentence(s) of {policy_id}'s document with time-limit language are quoted by no rule, "
        f"reading or docs/coverage.md row:\n  " + "\n  ".join(homeless)
    )


@pytest.mark.parametrize("policy_id", POLICIES)
def test_every_coverage_row_quotes_its_document_word_for_word(policy_id):
    text = normalise(source_text(policy_id))
    rows = coverage_rows().get(policy_id, [])
    assert rows, f"docs/coverage.md has no rows for {policy_id}"
    problems = []
    for line, quotes, _ in rows:
        if quotes is None:
            problems.append(f"docs/coverage.md:{line}: the quote column quotes nothing")
            continue
        problems += [f"docs/coverage.md:{line}: not in the document: {q!r}" for q in quotes if normalise(q) not in text]
    assert problems == []


_RULE_NAME = re.compile(r"^(?:([a-z]+(?:-[a-z]+)*)/)?([a-z][a-z0-9]*(?:-[a-z0-9]+)+|[a-z]+)$")


@pytest.mark.parametrize("policy_id", POLICIES)
def test_every_rule_a_coverage_row_names_exists(policy_id):
    """A hyphenated name in backticks in the 'encoded as' column is a rule (or one of its readings)."""
    known = {}
    for pid in POLICIES + ["england"]:
        policy = load_policy(pid)
        known[pid] = {r.id for r in policy.rules} | {a.id for r in policy.rules for a in r.alternatives}
    problems = []
    for line, _, names in coverage_rows().get(policy_id, []):
        for name in names:
            m = _RULE_NAME.match(name)
            if not m or (m.group(1) is None and "-" not in name):
                continue  # a kind, a category, a field, a file
            owner = m.group(1) or policy_id
            if owner not in known or m.group(2) not in known[owner]:
                problems.append(f"docs/coverage.md:{line}: no rule {name!r} in {owner}")
    assert problems == []

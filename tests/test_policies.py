"""The bundled policies: they load, and every rule cites its document in the document's own words."""

import re
from pathlib import Path

import pytest

from reviewrules import bundled_policies, load_policy

ROOT = Path(__file__).parent.parent
SOURCES = ROOT / "docs" / "sources"
POLICY_IDS = bundled_policies()


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip()


def test_the_statutory_baseline_and_york_are_bundled():
    assert {"england", "york"} <= set(POLICY_IDS)


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_bundled_policy_loads_and_every_rule_has_a_citation(policy_id):
    policy = load_policy(policy_id)
    assert policy.rules
    for rule in policy.rules:
        assert rule.source.document and rule.source.section and rule.source.quote, rule.qualified_id


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_every_quote_appears_word_for_word_in_its_source_document(policy_id):
    policy = load_policy(policy_id)
    if policy.document.file is None:
        pytest.skip(f"{policy_id} quotes legislation, not a bundled source text")
    text = normalise((SOURCES / policy.document.file).read_text(encoding="utf-8"))
    own = [r for r in policy.rules if r.policy == policy_id and r.source.document == policy.document.title]
    assert own
    missing = [r.qualified_id for r in own if normalise(r.source.quote) not in text]
    assert missing == []


def _documents() -> dict[str, tuple[str | None, list[str]]]:
    """Each bundled policy's document title -> (its source text, normalised, or None; its own rule quotes)."""
    documents = {}
    for policy_id in POLICY_IDS:
        policy = load_policy(policy_id)
        text = None
        if policy.document.file is not None:
            text = normalise((SOURCES / policy.document.file).read_text(encoding="utf-8"))
        quotes = [normalise(r.source.quote) for r in policy.rules if r.policy == policy_id]
        documents[policy.document.title] = (text, quotes)
    return documents


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_every_reading_conflict_quote_appears_word_for_word_in_its_document(policy_id):
    """A reading's conflicting text is checked like a rule's quote: word for word in its document.

    A conflict may quote another bundled document (Cumbria against Caldecott's identical sentence);
    one quoting legislation that has no bundled text (regulation 33) must be a quote the policy
    for that legislation already cites, so the two never drift apart.
    """
    policy = load_policy(policy_id)
    documents = _documents()
    problems = []
    for rule in policy.rules:
        if rule.policy != policy_id or rule.reading is None:
            continue
        for conflict in rule.reading.conflicts:
            quote = normalise(conflict.quote)
            if conflict.document not in documents:
                problems.append(f"{rule.qualified_id}: no bundled document is titled {conflict.document!r}")
                continue
            text, cited = documents[conflict.document]
            found = quote in text if text is not None else any(quote in q for q in cited)
            if not found:
                problems.append(f"{rule.qualified_id}: not in {conflict.document!r}: {conflict.quote!r}")
    assert problems == []


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_every_reading_says_what_was_taken_and_why(policy_id):
    policy = load_policy(policy_id)
    for rule in policy.rules:
        if rule.policy == policy_id and rule.reading is not None:
            assert rule.reading.taken.strip() and rule.reading.why.strip(), rule.qualified_id
            assert rule.reading.conflicts or rule.alternatives, f"{rule.qualified_id}: a reading with nothing it was chosen over"


# The readings the register must always hold: (policy, rule, alternative ids, words each conflict quote
# must contain). A rule whose reading is dropped, or whose conflicting text goes missing, fails here.
REQUIRED_READINGS = [
    ("york", "second-review", {"three-months"}, ["not more than three months after the first"]),
    ("york", "subsequent-review", {"six-months"}, ["not more than six months after the date of the previous review"]),
    ("stoke", "initial-review", {"four-weeks"}, ["as though it was the first 4 week review"]),
    ("stoke", "second-review", {"four-months-from-care"}, ["held within 4 months of the child coming into care", "takes place four months after a child has come into care"]),
    ("stoke", "record-distributed", {"fifteen-working-days"}, ["within fifteen working days of the Meeting"]),
    ("cumbria", "initial-review", {"working-days"}, ["within 20 working days of the date on which C becomes looked after"]),
]


@pytest.mark.parametrize(("policy_id", "rule_id", "alternative_ids", "conflicts"), REQUIRED_READINGS)
def test_the_register_holds_the_known_conflicts_with_both_quotes(policy_id, rule_id, alternative_ids, conflicts):
    rule = load_policy(policy_id).rule(rule_id)
    assert rule.reading is not None
    assert alternative_ids <= {a.id for a in rule.alternatives}
    assert all(a.computable for a in rule.alternatives if a.id in alternative_ids)
    quotes = [normalise(c.quote) for c in rule.reading.conflicts]
    for words in conflicts:
        assert any(normalise(words) in q for q in quotes), (rule_id, words)


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_bundled_policy_files_carry_the_editor_schema_header(policy_id):
    first = (ROOT / "policies" / f"{policy_id}.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/policy.schema.json"


def test_england_encodes_regulation_33():
    england = load_policy("england")
    timescales = {r.emit.kind: r.timescale() for r in england.rules if r.emit.fact == "obligation"}
    assert timescales["review.initial"] == "20 working days after the date of the event"
    assert timescales["review.second"].startswith("3 months after")
    assert timescales["review.subsequent"].startswith("6 months after")
    assert all(r.source.section.startswith("reg. 33") for r in england.rules if r.emit.kind.startswith("review."))


def test_york_records_the_other_reading_of_three_months_as_a_note():
    second = load_policy("york").rule("second-review")
    assert second.emit.offset.amount == 91 and second.emit.offset.unit == "days"
    assert second.alternatives[0].offset.unit == "months"


def test_every_rule_of_every_bundled_policy_is_exercised_by_a_bundled_scenario():
    from reviewrules._resources import bundled_scenarios_dir
    from reviewrules._scenarios import find_scenarios, run_scenarios

    report = run_scenarios(find_scenarios([bundled_scenarios_dir()]), backend="python")
    assert report.problems == ()
    assert [o.scenario.file for o in report.outcomes if not o.passed] == []
    assert {p.id for p in report.policies} == set(POLICY_IDS)
    assert report.unexercised() == {}

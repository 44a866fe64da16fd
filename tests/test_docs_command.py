"""``reviewrules docs``: the documentation travels with the package, and every fix hint names a
page an installed user can open with it."""

import re
import tomllib
from pathlib import Path

import pytest
from in_process import run

from reviewrules._errors import HINTS
from reviewrules.cli._docs_command import doc_pages, doc_section

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"


def test_docs_lists_every_page_with_its_title():
    code, out, _ = run("docs")
    assert code == 0
    for page in sorted(DOCS.glob("*.md")):
        title = page.read_text().splitlines()[0].removeprefix("# ").replace("`", "")
        assert re.search(rf"^  {re.escape(page.stem)} +{re.escape(title)}$", out, re.M), page.stem


def test_docs_page_prints_the_page_as_written():
    assert run("docs", "case-format") == (0, (DOCS / "case-format.md").read_text(), "")
    assert run("docs", "docs/case-format.md")[1] == (DOCS / "case-format.md").read_text()


def test_a_section_is_printed_from_its_heading_to_the_next_of_its_level():
    code, out, _ = run("docs", "case-format#events")
    assert code == 0
    assert out.startswith("## Events\n")
    assert "| `became_looked_after` |" in out
    assert not re.search(r"^## (?!Events)", out, re.M)


def test_an_error_code_prints_its_row_of_the_table_with_the_header():
    code, out, _ = run("docs", "errors#two-starts")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert lines[0].startswith("| code |") and lines[1].startswith("|---")
    assert '<a id="two-starts"></a>`two-starts`' in lines[2]


def test_an_unknown_page_or_section_names_what_there_is():
    code, _, err = run("docs", "case")
    assert code == 2 and err == "reviewrules docs: case: no such page (did you mean: case-format, caseload)\n"
    code, _, err = run("docs", "case-format#nowhere")
    assert code == 2 and err.startswith("reviewrules docs: case-format#nowhere: no section 'nowhere' in case-format (sections: case-format,")


def test_the_source_extracts_are_pages_too():
    code, out, _ = run("docs", "sources/england-statute-extracts")
    assert code == 0 and "18" in out and out == (DOCS / "sources" / "england-statute-extracts.txt").read_text()


def _named_pages(text: str) -> list[str]:
    return re.findall(r"reviewrules docs ([\w/-]+)", text)


def test_every_fix_hint_names_a_page_reviewrules_docs_prints_and_no_path_into_a_checkout():
    pages = doc_pages()
    from reviewrules.policy import _schema

    texts = list(HINTS.values()) + [Path(_schema.__file__).read_text()]
    named = [page for text in texts for page in _named_pages(text)]
    assert {"policy-format", "case-format", "ssda903"} <= set(named)
    assert [page for page in named if page not in pages] == []
    assert [hint for hint in HINTS.values() if "docs/" in hint] == []


def test_the_docs_are_package_data_so_an_installed_user_has_them():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "reviewrules.docs" in config["packages"]
    assert config["package-dir"]["reviewrules.docs"] == "docs"
    assert {"*.md", "sources/*.txt"} <= set(config["package-data"]["reviewrules.docs"])


@pytest.mark.parametrize("section", ["two-starts", "adult", "yaml-tag", "date"])
def test_every_error_code_a_hint_can_point_to_has_a_section(section):
    assert doc_section((DOCS / "errors.md").read_text(), section) is not None

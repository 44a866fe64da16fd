"""``reviewrules docs [PAGE]``: the documentation, from the installed package.

Every fix hint names a page here, so a user with only the installed package can
open it. ``PAGE#SECTION`` prints one section: a heading's words (``case-format#events``)
or an error code (``errors#two-starts``).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TextIO

from .._resources import docs_dir
from ._common import EXIT_OK, UsageError

__all__ = ["add_docs_command", "doc_pages", "doc_section"]


def add_docs_command(sub: argparse._SubParsersAction) -> None:
    do = sub.add_parser(
        "docs",
        help="print a documentation page (with no PAGE, list them)",
        description="Print one of the documentation pages shipped with reviewrules, as Markdown. "
        "With no PAGE, list the pages. PAGE#SECTION prints one section: "
        "a heading (case-format#events) or an error code (errors#two-starts).",
    )
    do.add_argument("page", metavar="PAGE", nargs="?", help="a page name from the list, e.g. policy-format, or PAGE#SECTION")
    do.add_argument("--path", action="store_true", help="print where the page is on disk instead of its text")
    do.set_defaults(handler=_docs)


def doc_pages() -> dict[str, Path]:
    """Page name -> file: the Markdown pages, then the source extracts (``sources/NAME``)."""
    root = docs_dir()
    pages = {p.stem: p for p in sorted(root.glob("*.md"))}
    pages.update({f"sources/{p.stem}": p for p in sorted((root / "sources").glob("*.txt"))})
    return pages


def _title(path: Path) -> str:
    if path.suffix == ".txt":
        return "source text, as the policies quote it"
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("# "):
                return line[2:].strip().replace("`", "")
            if line.strip():
                return line.strip()[:70]
    return ""


def _slug(heading: str) -> str:
    """A heading as GitHub anchors it: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def doc_section(text: str, section: str) -> str | None:
    """The part of a page from the heading (or ``<a id="...">`` anchor) named ``section`` to the
    next heading of the same or a higher level; None when there is none."""
    lines = text.splitlines(keepends=True)
    want = section.strip().lower()
    for i, line in enumerate(lines):
        heading = re.match(r"(#+) (.*)", line)
        anchor = re.search(r'<a id="([^"]+)"></a>', line)
        if heading and (_slug(heading.group(2)) == want or heading.group(2).strip().lower() == want):
            level = len(heading.group(1))
        elif anchor and anchor.group(1).lower() == want:
            level = len(heading.group(1)) if heading else 6
        else:
            continue
        end = len(lines)
        for j in range(i + 1, len(lines)):
            other = re.match(r"(#+) ", lines[j])
            if other and len(other.group(1)) <= level or (level == 6 and '<a id="' in lines[j]):
                end = j
                break
        start = i
        if line.startswith("|"):  # a row of a table: with the table's header, to read it by
            top = i
            while top > 0 and lines[top - 1].startswith("|"):
                top -= 1
            if top + 2 <= i:
                return "".join(lines[top : top + 2] + [line]).rstrip("\n") + "\n"
        return "".join(lines[start:end]).rstrip("\n") + "\n"
    return None


def _docs(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    pages = doc_pages()
    if args.page is None:
        width = max(len(name) for name in pages)
        out.write("Pages ('reviewrules docs PAGE' prints one):\n")
        for name, path in pages.items():
            out.write(f"  {name:<{width}}  {_title(path)}\n")
        return EXIT_OK
    name, _, section = args.page.partition("#")
    name = name.removesuffix(".md").removeprefix("docs/")
    if name not in pages:
        close = [p for p in pages if name.lower() in p.lower()]
        known = ", ".join(close or [p for p in pages if not p.startswith("sources/")])
        raise UsageError(f"{args.page}: no such page ({'did you mean' if close else 'pages'}: {known})")
    path = pages[name]
    if args.path:
        out.write(f"{path}\n")
        return EXIT_OK
    text = path.read_text(encoding="utf-8")
    if section:
        part = doc_section(text, section)
        if part is None:
            headings = [_slug(m) for m in re.findall(r"^#+ (.*)$", text, flags=re.M)][:12]
            raise UsageError(f"{args.page}: no section '{section}' in {name} (sections: {', '.join(headings)}, ...)")
        text = part
    out.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK

"""Take the screenshots in docs/report.md with Debian's Chromium (through Playwright).

    python tools/screenshots.py

Writes docs/img/report.png (the top of the demand model's report: the figures and the
monthly chart) and docs/img/timeline.png (the York worked example's timeline as of
15 June 2025, when review 2 is overdue and escalated). Needs the report extra,
Playwright and /usr/bin/chromium (apt-get install -y chromium); downloads nothing.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewrules.cli import main  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = [
    # (name, command, element to end the picture at)
    (
        "report",
        ["report", "tests/fixtures/903/fake/cs-demand-model", "--policy", "england", "--as-of", "2022-03-31"],
        "#by-month figure.chart",
    ),
    (
        "timeline",
        ["render-case", "examples/york-worked-example.yaml", "--policy", "york", "--as-of", "2025-06-15"],
        "figure.timeline",
    ),
]


def render(argv: list[str], target: Path) -> None:
    err = io.StringIO()
    status = main([*argv, "-o", str(target)], stdout=io.StringIO(), stderr=err)
    if status not in (0, 1):
        sys.exit(f"{' '.join(argv)}: exit {status}\n{err.getvalue()}")


def take() -> None:
    from playwright.sync_api import sync_playwright

    out = ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for name, argv, last in SHOTS:
                page_file = Path(tmp) / f"{name}.html"
                render(argv, page_file)
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.goto(page_file.as_uri(), wait_until="load")
                box = page.locator(last).bounding_box()
                assert box is not None, last
                height = int(box["y"] + box["height"] + 16)
                page.screenshot(path=str(out / f"{name}.png"), clip={"x": 0, "y": 0, "width": 1100, "height": height}, full_page=True)
                page.close()
                print(f"docs/img/{name}.png: 1100 x {height}")
        finally:
            browser.close()


if __name__ == "__main__":
    import os

    os.chdir(ROOT)  # the commands' paths are relative to the checkout
    take()

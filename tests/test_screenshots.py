"""Screenshots of the pages readers use most, taken in Chromium, with the layout checks a
reviewer would make by eye: nothing wider than the window, the title and content visible.

The PNGs go to ``$OPSBOOK_SCREENSHOTS`` when set (to look at them), else to a temp folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PAGES = {
    "home": ("", "Acme Product Handbook"),
    "process": ("playbooks/rituals/sprint-review/", "Sprint review"),
    "timeline": ("playbooks/launches/launch-checklist/", "Launch checklist"),
    "comparison": ("compare/roadmap-template/", "Team roadmap template: side by side"),
}


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("OPSBOOK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path_factory.mktemp("screenshots")


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("width", [1280, 390])
def test_page_layout(name: str, width: int, page: Any, repo_site: Path,
                     serve: Callable[[Path], str], shots: Path) -> None:
    url, heading = PAGES[name]
    page.set_viewport_size({"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(serve(repo_site) + url + ("?launch=2027-03-01&tier=tier-2"
                                        if name == "timeline" else ""))
    page.wait_for_load_state("networkidle")
    assert page.locator("article h1").first.inner_text().startswith(heading)
    # Nothing spills sideways out of the window (wide tables scroll inside their own box).
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px window"
    assert page.locator("article").bounding_box()["height"] > 400
    page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    assert errors == []

"""A reader finds the sprint review by a word that appears only inside one of its steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, search

WORD = "demoable"


def test_the_word_is_only_in_one_sprint_review_step() -> None:
    holders = [p.relative_to(ROOT).as_posix() for p in (ROOT / "playbooks").rglob("*.yaml")
               if WORD in p.read_text(encoding="utf-8").lower()]
    assert holders == ["playbooks/rituals/sprint-review.yaml"]


@pytest.mark.browser
def test_search_finds_the_sprint_review_by_a_step_word(repo_site: Path, serve: object,
                                                       page: object) -> None:
    base = serve(repo_site)  # type: ignore[operator]
    page.goto(base)  # type: ignore[attr-defined]
    links = search(page, WORD)
    assert links, "no search results"
    assert all("/playbooks/rituals/sprint-review/" in link for link in links), links
    page.locator(".md-search-result__link").first.click()  # type: ignore[attr-defined]
    page.wait_for_url("**/playbooks/rituals/sprint-review/**")  # type: ignore[attr-defined]
    assert page.title().startswith("Sprint review - ")  # type: ignore[attr-defined]

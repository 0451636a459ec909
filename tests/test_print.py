"""Printing a process or a checklist: one column, no navigation, a box to tick per step and
item (checked in Chromium with print media emulated)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

HIDDEN = [".md-header", ".md-sidebar--primary", ".md-sidebar--secondary", ".md-footer",
          ".md-content__button", ".headerlink"]


def _printed(page: Any, base: str, url: str) -> None:
    page.emulate_media(media="print")
    page.goto(base + url)


def _one_column(page: Any) -> None:
    for selector in HIDDEN:
        shown = page.eval_on_selector_all(
            selector, "els => els.filter(e => getComputedStyle(e).display !== 'none').length")
        assert shown == 0, selector
    article = page.locator("article.md-content__inner").bounding_box()
    width = page.evaluate("document.documentElement.clientWidth")
    assert article["width"] > 0.9 * width


def test_a_process_prints_in_one_column_with_a_box_per_step(repo_site: Path, serve: Any,
                                                            page: Any) -> None:
    _printed(page, serve(repo_site), "playbooks/rituals/sprint-review/")
    _one_column(page)
    boxes = page.eval_on_selector_all("h3", """els => els
        .filter(e => e.nextElementSibling && e.nextElementSibling.classList.contains('ob-step'))
        .map(e => getComputedStyle(e, '::before'))
        .map(s => [s.borderTopStyle, parseFloat(s.width) > 0])""")
    assert boxes == [["solid", True]] * 6
    dod = page.eval_on_selector_all(".ob-dod .ob-box",
                                    "els => els.map(e => getComputedStyle(e).display)")
    assert dod and set(dod) == {"inline-block"}


def test_a_checklist_prints_boxes_instead_of_inputs(repo_site: Path, serve: Any,
                                                   page: Any) -> None:
    _printed(page, serve(repo_site), "playbooks/launches/launch-checklist/")
    _one_column(page)
    cells = page.eval_on_selector_all("tr.ob-item td.ob-col-done", """els => els.map(e => [
        getComputedStyle(e, '::before').content,
        [...e.querySelectorAll('input')].every(i => getComputedStyle(i).display === 'none')])""")
    assert len(cells) > 30
    assert all(content == '"☐"' and inputs_hidden for content, inputs_hidden in cells)

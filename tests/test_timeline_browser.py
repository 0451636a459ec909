"""The launch timeline in a real browser: dates for a launch day and tier, ticks that survive a
reload, the Markdown and CSV exports, and the page read with JavaScript off."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHECKLIST = "playbooks/launches/launch-checklist/"


def _open(page: Any, url: str) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_selector(".ob-timeline-controls")
    return errors


def _plan(page: Any, launch: str, tier: str) -> None:
    page.fill("input.ob-launch", launch)
    page.dispatch_event("input.ob-launch", "change")
    page.select_option("select.ob-tier-pick", tier)


def test_dates_follow_the_launch_day_and_the_tier(
        page: Any, repo_site: Path, serve: Callable[[Path], str]) -> None:
    errors = _open(page, serve(repo_site) + CHECKLIST)
    _plan(page, "2027-03-01", "tier-3")
    # Ship behind a flag is due 21 days before launch, in every tier.
    flag = page.locator("#item-ship-behind-flag")
    assert flag.locator(".ob-date").inner_text() == "Mon 8 Feb 2027"
    assert flag.locator(".ob-date time").get_attribute("datetime") == "2027-02-08"
    assert flag.locator(".ob-offset").inner_text() == "21 days before launch"
    # The launch brief is for tiers 1 and 2 only.
    assert page.locator("#item-write-launch-brief").is_hidden()
    status = page.locator(".ob-timeline-status").inner_text()
    assert status == "Launch on Mon 1 Mar 2027 · Tier 3 - improvement: 8 items, 0 done."
    assert page.locator(".ob-timeline tr.ob-item:visible").count() == 8
    # Launch day itself, and items after it.
    assert page.locator(".ob-timeline tr.ob-item[data-offset='0'] .ob-date").first \
        .inner_text() == "Mon 1 Mar 2027"
    assert errors == []


def test_ticks_are_kept_for_the_launch_date(
        page: Any, repo_site: Path, serve: Callable[[Path], str]) -> None:
    url = serve(repo_site) + CHECKLIST
    _open(page, url)
    _plan(page, "2027-03-01", "tier-2")
    page.check("#item-ship-behind-flag input.ob-tick")
    # The same item in the by-team view follows.
    mirror = page.locator(".ob-timeline-teams tr[data-item='ship-behind-flag'] input.ob-tick")
    assert mirror.is_checked()
    assert "1 done." in page.locator(".ob-timeline-status").inner_text()

    page.reload()  # the address now carries ?launch=...&tier=...
    page.wait_for_selector(".ob-timeline-controls")
    assert page.locator("#item-ship-behind-flag input.ob-tick").is_checked()
    assert page.locator("#item-ship-behind-flag").get_attribute("class").split().count(
        "ob-done") == 1

    page.goto(url)  # no query: the choice comes back from this browser's storage
    page.wait_for_selector(".ob-timeline-controls")
    assert page.input_value("input.ob-launch") == "2027-03-01"
    assert page.input_value("select.ob-tier-pick") == "tier-2"
    assert page.locator("#item-ship-behind-flag input.ob-tick").is_checked()

    _plan(page, "2027-06-07", "tier-2")  # another launch: its own ticks
    assert not page.locator("#item-ship-behind-flag input.ob-tick").is_checked()
    _plan(page, "2027-03-01", "tier-2")
    assert page.locator("#item-ship-behind-flag input.ob-tick").is_checked()


def test_markdown_tasks_and_csv_respect_tier_and_ticks(
        page: Any, repo_site: Path, serve: Callable[[Path], str]) -> None:
    base = serve(repo_site)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base[:-1])
    _open(page, base + CHECKLIST)
    _plan(page, "2027-03-01", "tier-3")
    page.check("#item-ship-behind-flag input.ob-tick")
    page.click("button.ob-copy")
    page.wait_for_selector(".ob-timeline-status:has-text('Copied 8 tasks')")
    text = page.evaluate("navigator.clipboard.readText()")
    tasks = [line for line in text.splitlines() if line.startswith("- [")]
    assert len(tasks) == 8
    assert "- [x] Ship the feature to production behind a flag with a rollback plan " \
        "(Engineering, due 2027-02-08)" in tasks
    assert not any("launch brief" in line for line in tasks)
    assert text.splitlines()[0].startswith("[Launch checklist](http")
    assert "### " in text

    with page.expect_download() as info:
        page.click("button.ob-csv")
    download = info.value
    assert download.suggested_filename == "launch-checklist-2027-03-01-tier-3.csv"
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = content.splitlines()
    assert rows[0] == ('"Phase","Task","Team","Due (days from launch)","Due date","Required",'
                       '"Tiers","Done"')
    assert len(rows) == 9
    assert any(row.startswith('"Get the product ready","Ship the feature to production behind '
                              'a flag with a rollback plan","Engineering","-21","2027-02-08",'
                              '"yes"') and row.endswith('"yes"') for row in rows)


def test_the_timeline_reads_without_javascript(
        browser: Any, repo_site: Path, serve: Callable[[Path], str]) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280,
                                                                        "height": 900})
    try:
        page = context.new_page()
        page.goto(serve(repo_site) + CHECKLIST)
        assert page.locator(".ob-timeline-controls").count() == 0
        rows = page.locator(".ob-timeline tr.ob-item")
        assert rows.count() == 32
        flag = page.locator("#item-ship-behind-flag")
        assert flag.is_visible()
        assert flag.locator(".ob-offset").inner_text() == "21 days before launch"
        assert "Engineering" in flag.locator(".ob-team-cell").inner_text()
        assert page.locator("#phase-readiness h3").inner_text() == "Get the product ready"
        teams = set(rows.evaluate_all("rows => rows.map(r => r.dataset.team)"))
        assert page.locator(".ob-timeline-teams details.ob-team-items").count() == len(teams)
        team = page.locator("#team-engineering")
        team.locator("summary").click()  # <details> opens without JavaScript
        assert team.locator("tr[data-item='ship-behind-flag'] .ob-offset").inner_text() == \
            "21 days before launch"
        assert page.locator("input.ob-tick:not([disabled])").count() == 0
    finally:
        context.close()


def test_the_script_leaves_other_pages_alone(
        page: Any, repo_site: Path, serve: Callable[[Path], str]) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(serve(repo_site) + "rituals/")
    page.wait_for_load_state("load")
    assert page.locator(".ob-timeline-controls").count() == 0
    assert page.locator(".ob-cal-week").is_visible()
    assert errors == []

"""The "Needs review" page: due and overdue playbooks by owner team with the contact, and all
playbooks by next review date, judged on the injectable "today"."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import yaml

from conftest import BIN, ROOT, TODAY, copy_project, env
from opsbook.model import Review, freshness
from pagehtml import assert_resolves, load

PLAYBOOKS = {data["id"]: data for data in (
    yaml.safe_load(p.read_text("utf-8")) for p in sorted((ROOT / "playbooks").rglob("*.yaml")))}
ORG = PLAYBOOKS["organisation"]
TEAMS = {t["id"]: t for t in ORG["teams"]}


def _states(today: dt.date) -> dict[str, tuple[str, dt.date | None]]:
    """Each followed playbook's review state and due date, from the YAML."""
    out = {}
    for pid, data in PLAYBOOKS.items():
        if data.get("status") == "deprecated":
            continue
        review = Review(dt.date.fromisoformat(data["review"]["last_reviewed"]),
                        data["review"]["every"])
        fresh = freshness(review, today, 14)
        out[pid] = (fresh.state, fresh.due)
    return out


def test_due_playbooks_are_grouped_by_owner_with_contact(repo_site: Path) -> None:
    states = _states(dt.date.fromisoformat(TODAY))
    due = {pid for pid, (state, _) in states.items() if state in ("due", "overdue")}
    # The example handbook on the test day: two monthly playbooks fall due in December.
    assert due == {"pm-dashboard-metrics", "customer-feedback-trends"}
    page = load(repo_site, "review/")
    groups = page.find_all("div", cls="ob-review-group")
    owners = {pid: PLAYBOOKS[pid]["owner"] for pid in due}
    assert [g.attrs["data-team"] for g in groups] == sorted(
        set(owners.values()), key=lambda t: TEAMS[t]["name"].lower())
    for group in groups:
        team = TEAMS[group.attrs["data-team"]]
        assert team["contact"] in group.find("p", cls="ob-review-owner").text()
        listed = [row.attrs["data-playbook"] for row in group.find_all("tr")
                  if "data-playbook" in row.attrs]
        assert listed == sorted(pid for pid, owner in owners.items() if owner == team["id"])
        for row in group.find_all("tr", cls="ob-review-row"):
            pid = row.attrs["data-playbook"]
            cells = [c.text() for c in row.find_all("td")]
            assert cells[1] == "Review due"
            assert cells[2] == states[pid][1].isoformat()  # type: ignore[union-attr]
            assert cells[3] == PLAYBOOKS[pid]["review"]["last_reviewed"]
            assert_resolves(repo_site, "review/", row.find("a").attrs["href"])
    headings = [h.text() for h in page.find_all("h3")]
    assert headings == ["Data and Analytics", "Product Operations"]


def test_all_playbooks_by_next_due_date(repo_site: Path) -> None:
    states = _states(dt.date.fromisoformat(TODAY))
    table = load(repo_site, "review/").find("div", cls="ob-review-all")
    rows = [row for row in table.find_all("tr") if "data-playbook" in row.attrs]
    listed = [row.attrs["data-playbook"] for row in rows]
    assert listed == sorted(states, key=lambda pid: (states[pid][1], pid))
    dates = [row.find("td").text() for row in rows]
    assert dates == sorted(dates)
    # The deprecated playbook is not reviewed any more; the page says what replaces it.
    assert "release-demo-day" not in listed
    note = load(repo_site, "review/").find("div", cls="ob-review-deprecated")
    assert [a.text() for a in note.find_all("a")] == ["Release demo day (retired)", "Sprint review"]


def test_overdue_playbooks_come_first_and_warn(tmp_path: Path) -> None:
    """Three months later, most reviews are overdue: the build warns about each one (so
    --strict fails) and the page lists them overdue first, with the days."""
    project = copy_project(tmp_path / "project")
    later = "2027-02-20"
    result = subprocess.run(
        [str(BIN / "mkdocs"), "build", "--site-dir", str(tmp_path / "site")], cwd=project,
        env=env(OPSBOOK_TODAY=later), capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    states = _states(dt.date.fromisoformat(later))
    overdue = sorted(pid for pid, (state, _) in states.items() if state == "overdue")
    assert "sprint-review" in overdue
    for pid in overdue:
        assert f"'{PLAYBOOKS[pid]['owner']}' owns it. Review the playbook" in result.stderr
        assert "[review-overdue]" in result.stderr
    page = load(tmp_path / "site", "review/")
    rows = page.find_all("tr", cls="ob-review-row")
    assert sorted(r.attrs["data-playbook"] for r in rows
                  if "ob-review-row--overdue" in r.classes) == overdue
    ops = page.find("div", cls="ob-review-group", data_team="product-ops")
    kinds = [r.classes[-1] for r in ops.find_all("tr", cls="ob-review-row")]
    assert kinds == sorted(kinds, key=lambda c: c != "ob-review-row--overdue")
    sprint = ops.find("tr", data_playbook="sprint-review").find_all("td")
    days = (dt.date.fromisoformat(later) - states["sprint-review"][1]).days  # type: ignore[operator]
    assert sprint[1].text() == f"Overdue by {days} days"

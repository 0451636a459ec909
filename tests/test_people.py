"""Team and role pages: everything the handbook asks of a team, read from the built site and
checked against the YAML it comes from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, build, copy_project
from pagehtml import assert_resolves, load

ORG = yaml.safe_load((ROOT / "playbooks/organisation/organisation.yaml").read_text("utf-8"))
CHECKLIST = yaml.safe_load((ROOT / "playbooks/launches/launch-checklist.yaml").read_text("utf-8"))
SPRINT = yaml.safe_load((ROOT / "playbooks/rituals/sprint-review.yaml").read_text("utf-8"))
TEAMS = {t["id"]: t for t in ORG["teams"]}
ROLES = {r["id"]: r for r in ORG["roles"]}


def _items(team: str) -> list[dict[str, Any]]:
    """The launch checklist items of ``team``, in the order they fall due (then as written)."""
    items = [item for phase in CHECKLIST["phases"] for item in phase["items"]
             if item["team"] == team]
    return sorted(items, key=lambda item: int(item["due"][:-1]))


def test_marketing_sees_everything_marketing_does_for_a_launch(repo_site: Path) -> None:
    page = load(repo_site, "teams/marketing/")
    assert page.find("h1").text() == "Marketing"
    rows = page.find_all("tr", cls="ob-duty-item")
    expected = _items("marketing")
    assert [row.attrs["data-item"] for row in rows] == [item["id"] for item in expected]
    assert len(rows) == 3
    tier_names = {t["id"]: t["name"] for t in CHECKLIST["tiers"]}
    for row, item in zip(rows, expected, strict=True):
        due, task, _phase, required, tiers = (c.text() for c in row.find_all("td"))
        assert task == item["task"]
        assert item["due"] in due
        assert required == ("Required" if item.get("required", True) else "Optional")
        assert tiers == (", ".join(tier_names[t] for t in item["tiers"])
                         if item.get("tiers") else "All tiers")
        link = row.find("a").attrs["href"]
        assert assert_resolves(repo_site, "teams/marketing/", link) == \
            "playbooks/launches/launch-checklist/"
        assert link.endswith(f"#item-{item['id']}")
    first = rows[0].find_all("td")
    assert first[1].text() == "Write positioning and messaging"
    assert first[0].text() == "28 days before launch -28d"
    assert first[4].text() == "Tier 1 - major launch, Tier 2 - significant feature"
    # Marketing's role takes part in the sprint review and is informed of launch date changes.
    assert "Sprint review" in page.find("div", cls="ob-duty-processes").text()
    raci = page.find("div", cls="ob-duty-raci").find("tbody").rows()
    assert ["Sprint review", "Announce launch date changes", "Marketing", "I"] in raci


@pytest.mark.parametrize("team", sorted(TEAMS))
def test_every_team_has_a_page_with_its_checklist_items(repo_site: Path, team: str) -> None:
    page = load(repo_site, f"teams/{team}/")
    assert page.find("h1").text() == TEAMS[team]["name"]
    assert [row.attrs["data-item"] for row in page.find_all("tr", cls="ob-duty-item")] == \
        [item["id"] for item in _items(team)]
    if TEAMS[team].get("contact"):
        assert page.find("span", cls="ob-contact").text() == TEAMS[team]["contact"]
    roles = [r["name"] for r in ORG["roles"] if r["team"] == team]
    listed = [a.text() for a in page.find("div", cls="ob-party").find_all("a", cls="ob-role")]
    assert sorted(listed) == sorted(roles)


def test_a_role_page_lists_its_steps_raci_letters_and_processes(repo_site: Path) -> None:
    page = load(repo_site, "roles/product-manager/")
    assert page.find("h1").text() == "Product manager"
    steps = page.find("div", cls="ob-duty-steps").find("tbody").rows()
    expected = [f"{n}. {s['title']}" for n, s in enumerate(SPRINT["steps"], start=1)
                if s["owner"] == "product-manager"]
    assert [row[1] for row in steps if row[0] == "Sprint review"] == expected
    for link in page.find("div", cls="ob-duty-steps").find_all("a"):
        assert_resolves(repo_site, "roles/product-manager/", link.attrs["href"])
    raci = page.find("div", cls="ob-duty-raci").find("tbody").rows()
    assert ["Sprint review", "Facilitate the review and keep time", "Product manager", "R A"] \
        in raci
    assert ["Sprint review", "Prepare the demo running order", "Product manager", "C"] in raci
    processes = [row[0] for row in page.find("div", cls="ob-duty-processes").rows()[1:]]
    assert "Sprint review" in processes
    # Deprecated playbooks are nobody's duty any more.
    assert "Release demo day (retired)" not in page.find("article").text()
    assert page.find("a", cls="ob-team").text() == "Product Management"


def test_a_team_page_gathers_its_roles_raci_and_its_own(repo_site: Path) -> None:
    page = load(repo_site, "teams/product-management/")
    raci = page.find("div", cls="ob-duty-raci").find("tbody").rows()
    # Named directly as a team ...
    assert ["Sprint review", "Keep this process and its template current",
            "Product Management", "I"] in raci
    # ... and through its roles.
    assert ["Sprint review", "Announce launch date changes", "Group product manager", "A"] in raci
    assert ["Sprint review", "Announce launch date changes", "Product manager", "R"] in raci


def test_glossary_terms_and_owned_playbooks(repo_site: Path) -> None:
    terms = yaml.safe_load((ROOT / "playbooks/metrics/product-terms.yaml").read_text("utf-8"))
    engineering = [t["term"] for t in terms["terms"] if t.get("owner") == "engineering"]
    page = load(repo_site, "teams/engineering/")
    listed = [row[0] for row in page.find("div", cls="ob-duty-terms").find("tbody").rows()]
    assert set(engineering) <= set(listed)
    assert "Definition of done" in listed
    ops = load(repo_site, "teams/product-ops/")
    owned = [row[0] for row in ops.find("div", cls="ob-owned").find("tbody").rows()]
    assert "Sprint review" in owned
    assert "Release demo day (retired)" in owned  # deprecated, but still owned
    assert owned == sorted(owned, key=str.lower)


def test_teams_index_counts(repo_site: Path) -> None:
    page = load(repo_site, "teams/")
    rows = {row.attrs["data-team"]: [c.text() for c in row.find_all("td")]
            for row in page.find_all("tr") if "data-team" in row.attrs}
    assert sorted(rows) == sorted(TEAMS)
    header = [c.text() for c in page.find("div", cls="ob-teams").find("thead").find_all("th")]
    column = {name: i for i, name in enumerate(header)}
    for team in TEAMS:
        assert rows[team][column["Checklist items"]] == str(len(_items(team)))
        roles = sum(r["team"] == team for r in ORG["roles"])
        assert rows[team][column["Roles"]] == str(roles)
    assert rows["marketing"][column["Contact"]] == "#marketing"
    listed_roles = [row.attrs["data-role"] for row in page.find_all("tr") if "data-role" in
                    row.attrs]
    assert sorted(listed_roles) == sorted(ROLES)


def test_every_team_and_role_link_in_the_site_resolves(repo_site: Path) -> None:
    """party() links on playbook pages, the organisation page and the people pages."""
    checked = 0
    for html_file in sorted(repo_site.rglob("index.html")):
        url = html_file.parent.relative_to(repo_site).as_posix()
        url = "" if url == "." else url + "/"
        page = load(repo_site, url)
        for link in page.find_all("a"):
            if {"ob-team", "ob-role"} & set(link.classes):
                target = assert_resolves(repo_site, url, link.attrs["href"])
                assert target.startswith(("teams/", "roles/")), target
                checked += 1
    assert checked > 100


def test_a_new_kind_naming_a_team_shows_on_its_page(tmp_path: Path) -> None:
    """An organisation's own kind: its team fields are listed under "Also named in", labelled
    with the schema's titles, without any Python change."""
    project = copy_project(tmp_path / "project")
    schema = json.loads((project / "schemas/process.schema.json").read_text("utf-8"))
    envelope = {k: v for k, v in schema["properties"].items()
                if k in ("id", "title", "summary", "owner", "status", "replaced_by", "tags",
                         "links", "review")}
    decision = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Decision", "description": "A decision and who took it.",
        "type": "object", "additionalProperties": False,
        "required": ["kind", "id", "title", "summary", "owner", "decided_by"],
        "properties": {
            "kind": {"$ref": "common.schema.json#/$defs/kind", "const": "decision"},
            **envelope,
            "decided_by": {"title": "Decided by", "$ref": "common.schema.json#/$defs/team"},
        },
    }
    (project / "schemas/decision.schema.json").write_text(json.dumps(decision), "utf-8")
    (project / "playbooks/decisions").mkdir()
    (project / "playbooks/decisions/tier-policy.yaml").write_text(
        "kind: decision\nid: tier-policy\ntitle: Tier policy\nsummary: Who picks the tier.\n"
        "owner: product-ops\nreview:\n  last_reviewed: '2026-11-01'\n  every: yearly\n"
        "decided_by: marketing\n", "utf-8")
    site = tmp_path / "site"
    result = build(project, site)
    assert result.returncode == 0, result.stderr
    page = load(site, "teams/marketing/")
    assert page.find("div", cls="ob-duty-mentions").find("tbody").rows() == \
        [["Tier policy", "Decided by", "Marketing"]]


def test_a_team_with_rituals_links_its_calendar_feed(repo_site: Path) -> None:
    marketing = (repo_site / "teams/marketing/index.html").read_text("utf-8")
    assert 'class="ob-feed" href="../../calendar/marketing.ics"' in marketing
    assert (repo_site / "calendar/marketing.ics").is_file()
    # Legal takes part in no ritual: no feed, no link.
    legal = (repo_site / "teams/legal/index.html").read_text("utf-8")
    assert "ob-feed" not in legal
    assert not (repo_site / "calendar/legal.ics").exists()

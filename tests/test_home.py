"""The home page links every feature of the handbook, and the tags index lists every tag."""

from __future__ import annotations

from pathlib import Path

import yaml

from conftest import ROOT, build, copy_project
from pagehtml import assert_resolves, load

PLAYBOOKS = [yaml.safe_load(p.read_text("utf-8"))
             for p in sorted((ROOT / "playbooks").rglob("*.yaml"))]


def test_the_home_page_links_every_feature(repo_site: Path) -> None:
    article = load(repo_site, "").find("article")
    targets = {assert_resolves(repo_site, "", a.attrs["href"])
               for a in article.find_all("a") if "href" in a.attrs
               and not a.attrs["href"].startswith(("http", "#"))
               and "headerlink" not in a.classes}
    kinds = {f"kinds/{p.name.removesuffix('.schema.json')}/"
             for p in (ROOT / "schemas").glob("*.schema.json")} - {"kinds/common/"}
    features = {"rituals/", "teams/", "teams/marketing/", "review/",
                "compare/roadmap-template/", "playbooks/launches/launch-checklist/",
                "playbooks/metrics/product-terms/", "tags/", "opsbook/macros/",
                "opsbook.json", "schemas/process.schema.json", "schemas/common.schema.json"}
    assert features | kinds <= targets
    assert len(article.find_all("div", cls="ob-embed--week")) == 1


def test_the_tags_index_lists_every_tag_and_its_playbooks(repo_site: Path) -> None:
    page = load(repo_site, "tags/")
    article = page.find("article")
    listed = {span.text() for span in article.find_all("span", cls="md-tag")}
    tags = {tag for data in PLAYBOOKS for tag in data.get("tags", [])}
    assert listed == tags
    titles = {a.text() for a in article.find_all("a")}
    assert {data["title"] for data in PLAYBOOKS if data.get("tags")} <= titles


def test_a_misspelt_link_to_a_generated_file_fails_the_build(tmp_path: Path) -> None:
    """MkDocs checks links to every file it knows, and the export and schemas are generated
    files it knows: a typo in such a link fails --strict like a link to a missing page."""
    project = copy_project(tmp_path / "project")
    home = project / "docs/index.md"
    home.write_text(home.read_text("utf-8").replace("(opsbook.json)", "(opsbok.json)"), "utf-8")
    result = build(project, tmp_path / "site")
    assert result.returncode == 1
    assert "contains a link 'opsbok.json', but the target is not found" in result.stderr

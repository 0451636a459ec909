"""Glossary terms on the built site: every term has an anchor, `[[term]]` links carry the
definition as a tooltip, and a link to a term that does not exist fails with a located error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import ROOT, build, copy_project, run
from opsbook.model import Source, Term
from pagehtml import assert_resolves, ids_of, load

GLOSSARIES = [yaml.safe_load(p.read_text("utf-8"))
              for p in sorted((ROOT / "playbooks").rglob("*.yaml"))
              if "kind: glossary" in p.read_text("utf-8")]


def _short(definition: str) -> str:
    """The tooltip of a term: the first sentence of its definition (see Term.short)."""
    return Term("x", "x", "term", definition, None, None, None, None, (), (), "g",
                Source("x", 1)).short


def test_every_term_has_an_anchor_on_its_glossary_page(repo_site: Path) -> None:
    assert GLOSSARIES
    for glossary in GLOSSARIES:
        url = next(p.relative_to(repo_site).parent.as_posix() + "/"
                   for p in repo_site.rglob(f"{glossary['id']}/index.html"))
        ids = ids_of(repo_site, url)
        for term in glossary["terms"]:
            assert term["id"] in ids, term["id"]


def test_wiki_links_to_terms_carry_the_definition(repo_site: Path) -> None:
    terms = {t["id"]: t for g in GLOSSARIES for t in g["terms"]}
    url = "playbooks/rituals/sprint-review/"
    links = load(repo_site, url).find_all("a", cls="ob-term")
    assert {a.text() for a in links} >= {"Definition of done", "Launch tier",
                                          "Feature adoption rate"}
    for link in links:
        target = assert_resolves(repo_site, url, link.attrs["href"])
        term = terms[link.attrs["href"].rsplit("#", 1)[1]]
        assert target.endswith("/" + next(g["id"] for g in GLOSSARIES
                                          if term in g["terms"]) + "/")
        assert link.attrs["title"] == _short(term["definition"])
        assert link.text() == term["term"]


@pytest.mark.browser
def test_hovering_a_term_shows_its_definition(repo_site: Path, serve: object,
                                             page: object) -> None:
    """Material's content.tooltips turns the title into a tooltip on hover."""
    base = serve(repo_site)  # type: ignore[operator]
    page.goto(base + "playbooks/rituals/sprint-review/")  # type: ignore[attr-defined]
    term = page.locator("a.ob-term", has_text="Definition of done").first  # type: ignore[attr-defined]
    term.hover()
    tooltip = page.locator(".md-tooltip2--active .md-tooltip2__inner")  # type: ignore[attr-defined]
    tooltip.wait_for(state="visible")
    assert tooltip.inner_text().startswith("The checks a backlog item must pass before anyone")


def test_a_link_to_an_undefined_term_fails_with_its_location(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    path = project / "playbooks/rituals/sprint-review.yaml"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "[[definition-of-done]]" in line)
    lines[at] = lines[at].replace("[[definition-of-done]]", "[[definition-of-dun]]", 1)
    path.write_text("".join(lines), "utf-8")
    message = ("'[[definition-of-dun]]' names no playbook or glossary term; did you mean "
               "'definition-of-done'?")
    checked = run(["opsbook", "validate"], project)
    assert checked.returncode == 1
    [problem] = [line for line in checked.stdout.splitlines() if "unknown-ref" in line]
    assert problem.startswith("playbooks/rituals/sprint-review.yaml:")
    assert message in problem
    assert problem.endswith("[unknown-ref]")
    built = build(project, tmp_path / "site")
    assert built.returncode == 1
    assert message in built.stderr
    assert "Traceback" not in built.stderr

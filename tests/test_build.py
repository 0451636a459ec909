"""End to end: real `mkdocs build --strict` of the repository and of a small site, golden
generated pages, byte-identical rebuilds, and located failures with no traceback."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BIN, ROOT, TODAY, build, copy_project, env, run
from opsbook.config import read_options, settings_for
from opsbook.engine import Engine
from opsbook.site import SiteBuilder

SMALL = ROOT / "tests" / "fixtures" / "small"
GOLDEN = ROOT / "tests" / "golden" / "small"
PLAYBOOKS = sorted((ROOT / "playbooks").rglob("*.yaml"))


def _search_text(site: Path) -> str:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return "\n".join(f"{d['title']}\n{d['text']}" for d in index["docs"])


def _plain(text: str) -> str:
    """Text as the search index holds it: tags stripped, entities and spaces normalised."""
    import html

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def test_repository_validates_clean() -> None:
    result = run(["opsbook", "validate"], ROOT)
    assert (result.returncode, result.stdout) == (0, "No problems found.\n"), result.stdout


def test_every_playbook_has_a_page_and_is_searchable(repo_site: Path) -> None:
    import yaml

    search = _plain(_search_text(repo_site))
    for path in PLAYBOOKS:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        folder = path.parent.relative_to(ROOT / "playbooks").as_posix()
        page = repo_site / "playbooks" / folder / data["id"] / "index.html"
        assert page.is_file(), page
        assert _plain(data["title"]) in search, data["title"]
        for step in data.get("steps", []):
            assert _plain(step["title"]) in search, step["title"]
        for phase in data.get("phases", []):
            for item in phase["items"]:
                assert _plain(item["task"]) in search, item["task"]


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.stem)
def test_an_unknown_key_fails_validate_and_build(tmp_path: Path, path: Path) -> None:
    project = copy_project(tmp_path / "project")
    target = project / path.relative_to(ROOT)
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("title:")) + 1
    lines.insert(at, "ownr: product-ops\n")
    target.write_text("".join(lines), encoding="utf-8")
    rel = path.relative_to(ROOT).as_posix()
    expected = (f"{rel}:{at + 1}:1: ownr: 'ownr' is not a field of this playbook; "
                "did you mean 'owner'?")
    checked = run(["opsbook", "validate"], project)
    assert checked.returncode == 1
    assert expected in checked.stdout
    built = build(project, tmp_path / "site")
    assert built.returncode == 1
    assert expected in built.stderr
    for output in (checked.stdout, checked.stderr, built.stdout, built.stderr):
        assert "Traceback" not in output


def _small_pages() -> dict[str, str]:
    settings = settings_for(SMALL, read_options(SMALL / "mkdocs.yml"))
    handbook = Engine(settings).load()
    assert handbook.problems == []
    return {page.src_uri: page.content for page in SiteBuilder(handbook).pages()}


def test_golden_generated_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated Markdown of the small site is pinned; set OPSBOOK_UPDATE_GOLDEN=1 to
    rewrite the files after a deliberate change, then review the diff."""
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    pages = _small_pages()
    golden = {p.relative_to(GOLDEN).as_posix(): p for p in GOLDEN.rglob("*.md")}
    if os.environ.get("OPSBOOK_UPDATE_GOLDEN"):
        for src, content in pages.items():
            (GOLDEN / src).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / src).write_text(content, encoding="utf-8")
        for stale in set(golden) - set(pages):
            golden[stale].unlink()
        return
    assert sorted(golden) == sorted(pages)
    for src, content in pages.items():
        assert content == golden[src].read_text(encoding="utf-8"), src


def test_small_site_builds_and_links(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = build(SMALL, site)
    assert result.returncode == 0, result.stderr
    html = (site / "playbooks" / "rituals" / "standup" / "index.html").read_text(encoding="utf-8")
    assert '<a class="ob-ref" href="../../launch/ship-it/"' in html
    assert 'href="../../terms/metrics/#cycle-time"' in html
    assert "zanzibarish" in _search_text(site)
    export = json.loads((site / "opsbook.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in export["playbooks"]] == ["metrics", "org", "ship-it", "standup"]


def test_same_input_builds_byte_identical_sites(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    assert build(SMALL, first).returncode == 0
    assert build(SMALL, second).returncode == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    different = [f for f in files if (first / f).read_bytes() != (second / f).read_bytes()]
    assert different == []


def test_edit_link_points_at_the_yaml_and_tags_reach_material(repo_site: Path) -> None:
    html = (repo_site / "playbooks/rituals/sprint-review/index.html").read_text("utf-8")
    assert ('href="https://github.com/acme/product-handbook/edit/main/'
            'playbooks/rituals/sprint-review.yaml"') in html
    assert re.findall(r'class="md-tag">([^<]+)', html) == ["delivery", "engineering", "rituals"]


def test_a_broken_override_template_is_named_without_a_traceback(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    override = project / "overrides" / "opsbook" / "kinds" / "glossary.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "_playbook.md.j2" %}\n{% block body %}\n'
                        "{{ data.no_such_field }}\n{% endblock %}\n", encoding="utf-8")
    result = build(project, tmp_path / "site")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(r"overrides/opsbook/kinds/glossary\.md\.j2:3: 'dict object' has no "
                     r"attribute 'no_such_field' \(while rendering playbooks/metrics/"
                     r"[a-z-]+\.md\)\. Fix the page template\.", result.stderr), result.stderr


def test_a_hand_written_page_at_a_generated_path_is_a_located_error(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    clash = project / "docs" / "playbooks" / "rituals" / "sprint-review.md"
    clash.parent.mkdir(parents=True)
    clash.write_text("# Mine\n", encoding="utf-8")
    result = build(project, tmp_path / "site")
    assert result.returncode == 1
    assert ("docs/playbooks/rituals/sprint-review.md:0:0: This hand-written page has the path "
            "of a page the handbook generates from playbooks/rituals/sprint-review.yaml. "
            "Rename or move the hand-written page. [page-clash]") in result.stderr
    assert "Traceback" not in result.stderr


def test_an_overdue_review_is_a_warning_that_fails_strict(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    later = env(OPSBOOK_TODAY="2027-06-01")
    mkdocs = str(BIN / "mkdocs")
    relaxed = subprocess.run([mkdocs, "build", "-d", str(tmp_path / "a")], cwd=project,
                             env=later, capture_output=True, text=True, check=False)
    strict = subprocess.run([mkdocs, "build", "--strict", "-d", str(tmp_path / "b")],
                            cwd=project, env=later, capture_output=True, text=True, check=False)
    assert relaxed.returncode == 0
    assert "[review-overdue]" in relaxed.stderr
    assert strict.returncode == 1
    assert "warnings in strict mode" in strict.stdout + strict.stderr
    assert "Traceback" not in strict.stderr


def test_summaries_that_link_each_other_build(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(SMALL, project)
    shutil.copytree(ROOT / "schemas", project / "schemas")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "schemas_dir: ../../../schemas", "schemas_dir: schemas"), encoding="utf-8")
    ship_it = project / "playbooks" / "launch" / "ship-it.yaml"
    ship_it.write_text(ship_it.read_text(encoding="utf-8").replace(
        "summary: The smallest launch checklist.",
        "summary: The smallest launch checklist, after the [[standup]]."), encoding="utf-8")
    site = tmp_path / "site"
    result = build(project, site)
    assert result.returncode == 0, result.stderr
    html = (site / "playbooks" / "rituals" / "standup" / "index.html").read_text(encoding="utf-8")
    # Each tooltip names the other playbook by its title, not by following its summary again.
    assert 'title="The smallest launch checklist, after the Daily stand-up &amp; sync."' in html


def test_generated_pages_drop_template_indentation_but_not_preformatted_text(
        repo_site: Path) -> None:
    from opsbook.plugin import squeeze

    html = ('<div>\n    <p>a\n\n      b</p>\n  <pre><code>x\n    y\n</code></pre>\n'
            '  <script>\n  var s = "1";\n</script>\n  <textarea>\n  t</textarea>\n'
            '  <prefix>\n</div>')
    assert squeeze(html) == ('<div>\n<p>a\nb</p>\n<pre><code>x\n    y\n</code></pre>\n'
                             '<script>\n  var s = "1";\n</script>\n<textarea>\n  t</textarea>\n'
                             '<prefix>\n</div>')
    page = (repo_site / "playbooks" / "rituals" / "sprint-review" / "index.html").read_text(
        encoding="utf-8")
    outside = re.sub(r"<(pre|script|style|textarea)\b.*?</\1>", "", page, flags=re.S)
    assert not re.search(r"\n[ \t]", outside)
    written = (repo_site / "index.html").read_text(encoding="utf-8")  # hand-written: as is
    assert re.search(r"\n    ", written)

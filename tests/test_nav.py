"""The navigation the plugin builds: every page reachable through it, with JavaScript off, while
no page carries more than a bounded part of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, TODAY, copy_project
from opsbook.config import read_options, settings_for
from opsbook.engine import Engine
from opsbook.site import NAV_SECTION_LIMIT, SiteBuilder, bounded

_PRIMARY = re.compile(r'<nav class="md-nav md-nav--primary".*?</nav>\s*</div>', re.S)
_HREF = re.compile(r'href="([^"#]*)"')


def _builder() -> SiteBuilder:
    settings = settings_for(ROOT, read_options(ROOT / "mkdocs.yml"))
    return SiteBuilder(Engine(settings).load())


def _leaves(entries: list[Any]) -> Iterator[str]:
    for entry in entries:
        if isinstance(entry, str):
            yield entry
            continue
        (value,) = entry.values()
        if isinstance(value, list):
            yield from _leaves(value)
        else:
            yield value


def _sections(entries: list[Any]) -> Iterator[list[Any]]:
    yield entries
    for entry in entries:
        if isinstance(entry, dict):
            (value,) = entry.values()
            if isinstance(value, list):
                yield from _sections(value)


def test_every_generated_page_is_in_the_nav_once() -> None:
    builder = _builder()
    pages = builder.pages()
    leaves = list(_leaves(builder.nav(pages)))
    assert sorted(leaves) == sorted(p.src_uri for p in pages)


def test_bounded_splits_large_sections_in_order() -> None:
    for size in (1, NAV_SECTION_LIMIT, NAV_SECTION_LIMIT + 1, 1000, 5000):
        entries = [{f"Page {i:05d}": f"p/{i}.md"} for i in range(size)]
        nav = bounded(entries)
        assert list(_leaves(nav)) == [f"p/{i}.md" for i in range(size)]
        assert all(len(section) <= NAV_SECTION_LIMIT for section in _sections(nav))
    nav = bounded([{f"Page {i:05d}": f"p/{i}.md"} for i in range(100)])
    assert [next(iter(e)) for e in nav] == ["Page 00000 – Page 00024", "Page 00025 – Page 00049",
                                           "Page 00050 – Page 00074", "Page 00075 – Page 00099"]


def _nav_links(site: Path, page: Path) -> set[Path]:
    html = page.read_text(encoding="utf-8")
    found = _PRIMARY.search(html)
    assert found, page
    out = set()
    for href in _HREF.findall(found.group(0)):
        if "://" in href:
            continue
        target = (page.parent / href).resolve()
        out.add(target / "index.html" if target.is_dir() else target)
    return out


def test_every_page_is_reachable_through_the_nav_without_javascript(repo_site: Path) -> None:
    pages = {p.resolve() for p in repo_site.rglob("index.html")}
    assert len(pages) > 40
    start = (repo_site / "index.html").resolve()
    seen, todo = {start}, [start]
    while todo:
        for target in _nav_links(repo_site, todo.pop()):
            if target in pages and target not in seen:
                seen.add(target)
                todo.append(target)
    assert pages - seen == set()


def test_a_page_carries_a_bounded_nav(repo_site: Path) -> None:
    page = repo_site / "playbooks" / "rituals" / "sprint-review" / "index.html"
    nav = _PRIMARY.search(page.read_text(encoding="utf-8"))
    assert nav is not None
    assert "md-nav__item--pruned" in nav.group(0)  # other sections are single links
    assert nav.group(0).count("<li") < 12 * NAV_SECTION_LIMIT


def test_navigation_rendered_once_per_folder_is_the_navigation_rendered_per_page(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from opsbook import plugin

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    project = copy_project(tmp_path / "project")
    calls = {"swapped": 0, "whole": 0}
    cached = plugin.OpsbookPlugin._nav_page

    def counted(self: Any, whole: Any, own_leaf: Any, page: Any) -> str:
        rendered = []
        html = cached(self, lambda: rendered.append(1) or whole(), own_leaf, page)
        calls["whole" if rendered else "swapped"] += 1
        return html

    def in_full(self: Any, whole: Any, own_leaf: Any, page: Any) -> str:
        return str(whole())

    sites = {}
    for name, method in (("cached", counted), ("full", in_full)):
        monkeypatch.setattr(plugin.OpsbookPlugin, "_nav_page", method)
        config = load_config(config_file=str(project / "mkdocs.yml"),
                             site_dir=str(tmp_path / name))
        build(config)
        sites[name] = {p.relative_to(tmp_path / name): p.read_bytes()
                       for p in (tmp_path / name).rglob("*.html")}
    assert sites["cached"] == sites["full"]
    assert calls["swapped"] > calls["whole"] > 0  # most pages took the short way

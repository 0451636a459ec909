"""Search entries for generated pages: opsbook.searchindex splits HTML into the sections
Material's own parser finds, fragment for fragment, and a site's ``search_index.json`` is the
same byte for byte with the fast path (the default) and without it (OPSBOOK_FAST_SEARCH=0)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from material.plugins.search.plugin import Parser, SearchIndex
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from conftest import ROOT, TODAY, build
from opsbook import searchindex
from opsbook.searchindex import split_sections

SMALL = ROOT / "tests" / "fixtures" / "small"

Fragments = list[tuple[str | None, list[str], list[str]]]


def material(html: str) -> Fragments:
    """The sections Material's search parser finds, as add_entry_from_context reads them."""
    parser = Parser()
    parser.feed(html)
    parser.close()
    return [(s.id, s.title, s.text) for s in parser.data if not s.is_excluded()]


def fast(html: str) -> Fragments | None:
    sections = split_sections(html)
    return None if sections is None else [(s.id, s.title, s.text) for s in sections]


PERMALINK = '<a class="headerlink" href="#{0}" title="Permanent link">&para;</a>'

#: Markup split_sections must reproduce exactly (each also passes through Material's parser).
TRICKY = {
    "entities": '<h1 id="a">A &amp; B</h1>\n<p>1 &lt; 2 &amp;&amp; &quot;x&quot; &#39;y&#39; '
                "&gt; &#34;z&#34; caf&eacute; &amp;amp;</p>",
    "bare ampersand and greater-than": "<h1 id=\"a\">A</h1>\n<p>fish & chips > 3 &c &ampx</p>",
    "non-breaking space alone": '<h1 id="a">A</h1><p>a</p><span>&nbsp;</span><p>b</p>',
    "code": '<h1 id="a">A</h1>\n<p>Run <code>opsbook validate</code> then <code> </code>.</p>',
    "nested lists": '<h1 id="a">A</h1>\n<ul>\n<li>one\n<ul>\n<li>two</li>\n<li></li>\n</ul>\n'
                    "</li>\n<li> </li>\n</ul>\n<ol><li><p>three</p></li></ol>",
    "table": '<h2 id="t">Table</h2>\n<table>\n<thead><tr><th>A</th><th>B</th></tr></thead>\n'
             "<tbody>\n<tr><td>1</td><td></td></tr>\n<tr>\n<td> x </td>\n<td>\n</td></tr>\n"
             "</tbody>\n</table>",
    "empty paragraphs": '<h1 id="a">A</h1>\n<p></p>\n<p> </p>\n<p>x</p>\n<p></p><p>\n</p>',
    "empty paragraph first in a later section":
        '<h1 id="a">A</h1>\n<p>x</p>\n<h2 id="b">B</h2>\n<p>\n</p><p>y</p><p></p>',
    "headings with links and permalinks":
        f'<h1 id="top">The <a href="../x/">linked</a> <code>title</code>{PERMALINK.format("top")}'
        f'</h1>\n<p>Intro.</p>\n<h2 id="s-1">Step <em>one</em>{PERMALINK.format("s-1")}</h2>\n'
        f'<p>Body.</p>\n<h3 id="deep">Deep{PERMALINK.format("deep")}</h3>',
    "text with newlines": '<h1 id="a">A\nB</h1>\n<p>line one\nline two\n\n  indented\tand tab'
                          "</p>\n\n\n<div>\n\n</div>\n<p>after</p>",
    "preface before the first heading": '\n<p>Before</p>\n<h1 id="a">A</h1><p>after</p>',
    "first heading is not h1": '<h2 id="b">B</h2>\n<p>x</p>',
    "no heading at all": "<div><p>only text</p></div>",
    "heading without id, nested, same tag as the section":
        '<h3 id="a">A</h3>\n<section class="ob-phase" id="p1">\n<h3 class="t">Plan</h3>\n'
        "<p>x</p></section>",
    "heading without id, other tag": '<h2 id="a">A</h2>\n<div><h3>Sub</h3><p>x</p></div>',
    "void tags": '<h1 id="a">A<br>B</h1>\n<p>x<br />y<br/>z<img alt="i" src="i.png">'
                 '<input type="checkbox" disabled> <hr></p>',
    "sub and sup": '<h1 id="a">H<sub>2</sub>O</h1>\n<p>x<sup>2</sup><sub></sub></p>',
    "attributes with entities": '<h1 id="a&amp;b">A</h1><p title="&quot;q&quot;">x</p>'
                                '<p><a class="headerlink" href="#x">&para;</a></p>',
    "permalinks and near misses": '<h1 id="a">A<a class="headerlink" href="#a">&para;</a> '
                                  '<a class="headerlink x" href="#a">B</a>'
                                  '<a class="headerlink" class="y">C</a></h1>',
    "details and definition lists": '<h1 id="a">A</h1><details><summary>More</summary>'
                                    "<dl><dt>Term</dt><dd>Meaning</dd></dl></details>",
    "whitespace between kept tags": '<h1 id="a">A</h1>\n<ul> <li> <p> </p> </li> </ul> \n'
                                    "<p>x</p> <ul>\n<li>a</li> </ul>",
    "trailing text with a reference": '<h1 id="a">A</h1>tail &amp',
    "empty": "",
}

#: Markup split_sections must leave to Material's parser.
UNSURE = {
    "comment": '<h1 id="a">A</h1><!-- note --><p>x</p>',
    "pre": '<h1 id="a">A</h1><pre><code>x\n  y</code></pre>',
    "script": '<h1 id="a">A</h1><script>var x = "<p>";</script>',
    "style": "<style>p { color: red }</style>",
    "excluded": '<h1 id="a">A</h1><div data-search-exclude><p>x</p></div>',
    "line numbers": '<table><tr><td class="linenodiv">1</td></tr></table>',
    "line numbers, encoded": '<div class="&#108;inenodiv"><p>1</p></div>',
    "permalink, encoded": '<h1 id="a">A<a class="&#104;eaderlink" href="#a">&para;</a></h1>',
    "stray less-than": '<h1 id="a">A</h1><p>1 < 2</p>',
    "unknown tag": '<h1 id="a">A</h1><svg><path d="M0"></path></svg>',
    "upper-case tag": '<h1 id="a">A</h1><P>x</P>',
    "nested heading with id": '<h1 id="a">A</h1><div><h2 id="b">B</h2></div>',
    "heading with an empty id attribute": "<h1 id>A</h1>",
    "mismatched end tag": '<h1 id="a">A</h1><div><span>x</div></span>',
    "stray end tag": '<h1 id="a">A</h1></p>',
    "unclosed tag": '<h1 id="a">A</h1><div><p>x</p>',
    "self-closing non-void tag": '<h1 id="a">A</h1><div/><p>x</p>',
    "end tag of a void tag": '<h1 id="a">A</h1><p>x</br></p>',
    "single-quoted attribute": "<h1 id='a'>A</h1>",
    "greater-than in an attribute": '<h1 id="a">A</h1><a title="1 > 0">x</a>',
    "unquoted attribute": "<h1 id=a>A</h1>",
    "doctype": "<!DOCTYPE html><p>x</p>",
    "CDATA": "<p><![CDATA[x]]></p>",
}


@pytest.mark.parametrize("html", TRICKY.values(), ids=TRICKY.keys())
def test_tricky_markup_splits_as_material_does(html: str) -> None:
    assert fast(html) == material(html)


@pytest.mark.parametrize("html", UNSURE.values(), ids=UNSURE.keys())
def test_markup_outside_the_subset_is_left_to_material(html: str) -> None:
    assert split_sections(html) is None


def test_material_search_is_the_one_checked() -> None:
    """Another Material's search turns the fast path off: compare its Parser, Element, Section,
    SearchIndex.add_entry_from_context and create_entry_for_section with opsbook.searchindex,
    then update MATERIAL_SEARCH_SHA256."""
    source = searchindex.material_search_source(SearchIndex())
    assert source is not None
    assert hashlib.sha256(source.encode()).hexdigest() == searchindex.MATERIAL_SEARCH_SHA256


def _plugins(index: object) -> dict[str, object]:
    """As much of a MkDocs config's plugins as the fast path reads: Material's search."""
    return {"material/search": SimpleNamespace(search_index=index)}


def _page(meta: dict[str, object], uri: str = "p.md") -> object:
    return SimpleNamespace(
        meta=meta, file=SimpleNamespace(src_uri=uri), url="p/", title="Page",
        toc=[SimpleNamespace(id="top", url="#top", children=[
            SimpleNamespace(id="b", url="#b", children=[])])],
        content='<p>Before</p><h1 id="top">Top</h1><p>x</p><h2 id="b">B</h2><p>y</p>'
                '<h2 id="c">C</h2>')


@pytest.mark.parametrize("meta", [
    {}, {"title": "Front matter title"}, {"tags": ["a", 1, None, {"x": 1}]}, {"tags": "a"},
    {"search": {"boost": 2}}, {"search": {"exclude": True}}, {"search": None},
], ids=str)
def test_fast_path_entries_are_materials(meta: dict[str, object]) -> None:
    page = _page(meta)
    assert split_sections(page.content) is not None  # type: ignore[attr-defined]
    entries = []
    for fast_path in (True, False):
        index = SearchIndex()
        if fast_path:
            searchindex.install(_plugins(index), {"p.md"})
            assert "add_entry_from_context" in vars(index)
        index.add_entry_from_context(page)
        entries.append(index.entries)
    assert entries[0] == entries[1]


def test_fast_path_fails_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    class Other:
        def add_entry_from_context(self, page: object) -> None:
            pass

    other = Other()
    searchindex.install(_plugins(other), {"p.md"})
    assert "add_entry_from_context" not in vars(other)
    searchindex.install({}, {"p.md"})
    index = SearchIndex()
    monkeypatch.setattr(searchindex, "MATERIAL_SEARCH_SHA256", "another Material")
    searchindex.install(_plugins(index), {"p.md"})
    assert "add_entry_from_context" not in vars(index)
    monkeypatch.undo()
    monkeypatch.setenv("OPSBOOK_FAST_SEARCH", "0")
    searchindex.install(_plugins(index), {"p.md"})
    assert "add_entry_from_context" not in vars(index)


@pytest.fixture(scope="module")
def generated_html(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], set[str]]:
    """The HTML of every page split_sections was given in a build of the repository's
    handbook, and the generated pages' paths."""
    seen: list[str] = []

    def spy(html: str) -> object:
        seen.append(html)
        return split_sections(html)

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPSBOOK_TODAY", TODAY)
        patch.setattr(searchindex, "split_sections", spy)
        config = load_config(str(ROOT / "mkdocs.yml"), strict=True,
                             site_dir=str(tmp_path_factory.mktemp("in-process-site")))
        mkdocs_build(config)
    return seen, config.plugins["opsbook"]._generated


@pytest.mark.slow
def test_every_generated_page_splits_as_material_does(
        generated_html: tuple[list[str], set[str]]) -> None:
    pages, generated = generated_html
    assert len(pages) == len(generated) > 50  # generated pages only, each once
    for html in pages:
        assert fast(html) == material(html)


def _search_index(site: Path) -> bytes:
    data = (site / "search" / "search_index.json").read_bytes()
    assert data.count(b'"location"') > 10
    return data


@pytest.mark.slow
def test_repository_search_index_is_the_same_without_the_fast_path(
        repo_site: Path, tmp_path: Path) -> None:
    result = build(ROOT, tmp_path / "site", OPSBOOK_FAST_SEARCH="0")
    assert result.returncode == 0, result.stderr
    assert _search_index(repo_site) == _search_index(tmp_path / "site")


@pytest.mark.slow
def test_small_site_search_index_is_the_same_without_the_fast_path(tmp_path: Path) -> None:
    sites = {}
    for switch in ("1", "0"):
        sites[switch] = tmp_path / f"site-{switch}"
        result = build(SMALL, sites[switch], OPSBOOK_FAST_SEARCH=switch)
        assert result.returncode == 0, result.stderr
    assert _search_index(sites["1"]) == _search_index(sites["0"])

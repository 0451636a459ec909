"""Search entries for generated pages: opsbook.searchindex splits HTML into the sections
Material's own parser finds, fragment for fragment."""

from __future__ import annotations

import pytest
from material.plugins.search.plugin import Parser

from opsbook.searchindex import split_sections

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

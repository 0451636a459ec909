"""Search index sections for the pages Opsbook generates, without a Python callback per tag.

Material's search plugin divides every page's HTML into sections (a heading with an ``id``
starts one) with an ``html.parser.HTMLParser`` subclass, ``Parser`` in
``material/plugins/search/plugin.py``. Its callbacks per tag made it the largest cost of a big
handbook's build after loading. Opsbook writes its own pages' HTML with a small, regular set of
tags, so :func:`split_sections` splits them with one regular expression and replays Parser's
rules on the pieces: the same sections, with the same title and text fragments.

It reproduces Parser only where it is sure to: simple, balanced, lowercase tags from
:data:`TAGS`, attribute values in double quotes, headings with an ``id`` only at the top level.
Anything else (a comment, ``<pre>``, ``<script>``, ``data-search-exclude``, a stray ``<``, an
unknown tag, a class with a character reference) returns None, and the page goes through
Material's own parser. :func:`install` puts it in front of Material's search index for a build.

The rules replayed, as Parser applies them:

* ``h1``-``h6`` with an ``id`` start a section; text before the first one (or before a first
  heading other than ``h1``) goes to an untitled section; the first section, when a heading
  opens the page, has no ``id``.
* Text inside any element with the tag of the current section's heading goes to its title,
  except inside an ``<a class="headerlink">`` permalink.
* ``p code li ol ul sub sup`` (and ``pre``, left to Parser) are kept as bare ``<tag>`` and
  ``</tag>``; an element holding only whitespace is dropped, judged from the first ``<tag>`` of
  the list (Parser's ``index``), so an empty element after a non-empty one stays.
* Character references are decoded, then text is escaped again (``escape(quote=False)``);
  newlines become spaces; a run of text that is only whitespace becomes one space, and in the
  text (not the title) only when the previous fragment is not whitespace.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape, unescape
from typing import Any

#: Parser keeps these tags (``pre`` too, but it changes whitespace rules: not handled here).
KEEP = frozenset({"p", "code", "li", "ol", "ul", "sub", "sup"})
#: Void tags, as in Material's list: never on Parser's stack.
VOID = frozenset({"br", "col", "hr", "img", "input", "wbr"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: Every tag handled here; Parser treats all but KEEP, VOID and HEADINGS alike.
TAGS = KEEP | VOID | HEADINGS | frozenset({
    "a", "abbr", "article", "aside", "b", "blockquote", "caption", "cite", "colgroup", "dd",
    "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "footer", "header", "i",
    "ins", "kbd", "label", "mark", "nav", "q", "s", "section", "small", "span", "strong",
    "summary", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u"})

_ATTRS = r'(?:\s+[a-z][-a-z0-9_:.]*(?:="[^"<>]*")?)*\s*'
#: One tag: a void tag (no group), an end tag (its name), or a start tag (name, attributes).
_TAG = re.compile(rf"<(?:(?:{'|'.join(sorted(VOID))})(?![a-z0-9]){_ATTRS}/?"
                  rf"|/([a-z][a-z0-9]*)|([a-z][a-z0-9]*)({_ATTRS}))>")
_ATTR = re.compile(r'\s+([a-z][-a-z0-9_:.]*)(="([^"]*)")?')
#: A class with a character reference, which could decode to "headerlink" or "linenodiv".
_ENCODED_CLASS = re.compile(r'class="[^"&]*&')
#: What Parser does with a tag beyond keeping track of it.
_GENERIC, _KEEP, _HEADING, _LINK = 0, 1, 2, 3
_KIND = {tag: _KEEP if tag in KEEP else _HEADING if tag in HEADINGS else _LINK if tag == "a"
         else _GENERIC for tag in TAGS - VOID}
_NAMES = {None, *_KIND}
_OPEN = {tag: f"<{tag}>" for tag in KEEP}
_CLOSE = {tag: f"</{tag}>" for tag in KEEP}


@dataclass
class Section:
    """A section as Material's ``create_entry_for_section`` reads it: lists of fragments."""

    id: str | None = None
    title: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


def _attributes(attrs: str) -> dict[str, str | None]:
    """A tag's attributes as HTMLParser reports them (decoded values, the last one wins)."""
    return {name: unescape(value) if equals else None
            for name, equals, value in _ATTR.findall(attrs)}


def split_sections(html: str) -> list[Section] | None:
    """The sections Material's search ``Parser`` finds in ``html``, or None if unsure.

    Args:
        html: A page's content, as MkDocs hands it to the search plugin.

    Returns:
        The sections in page order, or None when ``html`` has anything outside the subset
        reproduced here (see the module docstring); the caller then uses Material's parser.
    """
    if "data-search-exclude" in html or "linenodiv" in html or _ENCODED_CLASS.search(html):
        return None
    parts: list[Any] = _TAG.split(html)  # str, or None for a group that did not take part
    # Every "<" opened a tag the expression accepts, and only known tags.
    if html.count("<") != len(parts) // 4:
        return None
    names = set(parts[1::4])
    names.update(parts[2::4])
    if not names <= _NAMES:
        return None
    sections: list[Section] = []
    section: Section | None = None
    text: list[str] = []
    title: list[str] = []
    heading = "hx"  # the tag of the current section's heading ("hx": none, untitled)
    in_title = 0  # open elements with that tag: text inside goes to the title
    stack: list[str] = []
    permalinks: list[int] = []  # stack depths of the open <a class="headerlink">
    # Text, then (end tag, start tag, attributes, text) per tag: the text before the first
    # tag is read as if after a void tag, which changes nothing.
    pieces = itertools.chain((None, None, None), parts)
    for end, start, attrs, data in zip(pieces, pieces, pieces, pieces, strict=True):
        if end:
            if not stack or stack.pop() != end:
                return None  # Parser would ignore it: not reproduced
            kind = _KIND[end]
            if not kind:
                pass
            elif end == heading:
                in_title -= 1
            elif kind == _LINK:
                if permalinks and permalinks[-1] > len(stack):
                    permalinks.pop()
            elif kind == _KEEP:
                fragments = title if in_title else text
                try:
                    first = fragments.index(_OPEN[end])
                except ValueError:
                    return None
                for index in range(first + 1, len(fragments)):
                    if not fragments[index].isspace():
                        fragments.append(_CLOSE[end])
                        break
                else:
                    del fragments[first:]  # nothing but whitespace since it opened
        elif start:
            kind = _KIND[start]
            if kind == _HEADING and "id" in attrs and "id" in (found := _attributes(attrs)):
                if stack or found["id"] is None:
                    return None  # a nested section: Parser's bookkeeping is not reproduced
                if start != "h1" and not sections:
                    sections.append(Section())
                section = Section(found["id"] if sections else None)
                sections.append(section)
                text, title = section.text, section.title
                heading, in_title = start, 0
            elif section is None:
                section = Section()
                sections.append(section)
                text, title = section.text, section.title
            stack.append(start)
            if not kind:
                pass
            elif start == heading:
                in_title += 1
            elif kind == _LINK:
                if "headerlink" in attrs and _attributes(attrs).get("class") == "headerlink":
                    permalinks.append(len(stack))
            elif kind == _KEEP:
                (title if in_title else text).append(_OPEN[start])
        if not data:
            continue
        if section is None:
            section = Section()
            sections.append(section)
            text, title = section.text, section.title
        # Without "&" or ">" (and no "<" is left), decoding and escaping change nothing.
        special = "&" in data or ">" in data
        if special:
            data = unescape(data)
        if data.isspace():
            if in_title:
                if not permalinks:
                    title.append(" ")
            elif not text or text[-1] != " ":
                text.append(" ")
            continue
        data = data.replace("\n", " ")
        if special:
            data = escape(data, quote=False)
        if not in_title:
            text.append(data)
        elif not permalinks:
            title.append(data)
    if stack:
        return None
    return sections


# -- hooking it into Material's search ------------------------------------------------

#: Set to ``0`` to index every page with Material's own parser (tests compare the two ways).
FAST_SEARCH_ENV = "OPSBOOK_FAST_SEARCH"
#: SHA-256 of the source of the Material search code that opsbook.searchindex reproduces or
#: relies on, as in mkdocs-material 9.8.2 (see material_search_source). Another source turns
#: the fast path off; tests/test_searchindex.py fails then, to have the new code checked.
MATERIAL_SEARCH_SHA256 = "7fd99cd3150fae20c64acd644481412694b9e19518b569a40b034ce5a08da461"


def material_search_source(index: Any) -> str | None:
    """The source of the parts of Material's search that split_sections stands in for, if
    ``index`` is Material's ``SearchIndex``."""
    module = sys.modules.get(type(index).__module__)
    if module is None or module.__name__ != "material.plugins.search.plugin" \
            or type(index) is not getattr(module, "SearchIndex", None):
        return None
    try:
        parts = [inspect.getsource(getattr(module, name))
                 for name in ("Parser", "Element", "Section")]
        parts += [inspect.getsource(getattr(module.SearchIndex, name))
                  for name in ("add_entry_from_context", "create_entry_for_section")]
        parts.append(repr(sorted(module.void)))
    except (AttributeError, OSError, TypeError):
        return None
    return "".join(parts)


def install(plugins: Mapping[str, Any], generated: set[str]) -> None:
    """Have Material's search index the pages Opsbook generates without its HTML parser.

    Material's search plugin calls ``SearchIndex.add_entry_from_context(page)`` for every page;
    it runs a Python ``HTMLParser`` over the page, the largest cost of a big build after
    loading. This replaces that method on this build's index (a new one each build) with one
    that, for a generated page, splits the HTML with :func:`~opsbook.searchindex.split_sections`
    and hands the sections to Material's own ``create_entry_for_section``, exactly as the
    original does: the same entries, at the same place in the index. Hand-written pages, pages
    split_sections is unsure of, and a Material search other than the one split_sections was
    checked against (:data:`MATERIAL_SEARCH_SHA256`) keep Material's parser.
    """
    if os.environ.get(FAST_SEARCH_ENV) == "0":
        return
    search = plugins.get("material/search") or plugins.get("search")
    index: Any = getattr(search, "search_index", None)
    source = material_search_source(index)
    if source is None or hashlib.sha256(source.encode()).hexdigest() != MATERIAL_SEARCH_SHA256:
        return
    add_entry: Callable[[Any], None] = index.add_entry_from_context
    create_entry: Callable[..., None] = index.create_entry_for_section

    def add_entry_from_context(page: Any) -> None:
        meta = page.meta.get("search") or {}
        sections = None
        if page.file.src_uri in generated and page.content is not None \
                and isinstance(meta, dict) and not meta.get("exclude"):
            sections = split_sections(page.content)
        if sections is None:
            add_entry(page)
            return
        for section in sections:
            create_entry(section, page.toc, page.url, page)

    index.add_entry_from_context = add_entry_from_context

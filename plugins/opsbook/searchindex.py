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
Material's own parser.

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

import itertools
import re
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

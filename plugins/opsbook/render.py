"""Rendering helpers: untrusted text to safe HTML, URLs between pages, the Jinja environment.

Text from YAML is untrusted. Markdown fields go through the engine's own Markdown instance with
raw HTML switched off, then through an allowlist sanitizer (nh3, i.e. Ammonia) that keeps only
http, https and mailto links. Text that is certainly one paragraph of plain words and
``[[id]]`` links, the most common case, skips both: :meth:`TextRenderer.shortcut` knows what
they would make of it. Plain fields are HTML-escaped by Jinja's autoescaping, and
:func:`heading` also escapes Markdown so a title cannot become a link in a Markdown heading.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor
from markupsafe import Markup, escape

from opsbook.model import MD_LINK, WIKI_LINK

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h4", "h5", "h6", "hr", "i",
    "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "class"}, "td": {"align"}, "th": {"align"},
                      "abbr": {"title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_MD_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>&~^=:])")
#: What keeps a text from being one plain paragraph (see :func:`plain_paragraph`): characters
#: that start inline markup or need escaping (``[`` and ``]`` also ``[[id]]`` links, ``|``
#: tables), leading or trailing whitespace on a line (indented code, line breaks, blank lines)
#: and what a line may begin a block with: headings, setext underlines, lists, fences.
_NOT_PLAIN = re.compile(r"[\\`*_\[\]<>&|]|^\s|\s$|^(?:[#=+~-]|\d+[.)])", re.MULTILINE)
#: Attribute values the link shortcut writes as they are (see :meth:`TextRenderer.shortcut`).
_NOT_PLAIN_ATTRIBUTE = re.compile(r'[&<>"]')
_PLAIN_URL = re.compile(r"[A-Za-z0-9._~/#-]+")


@dataclass(frozen=True)
class Target:
    """Where a ``[[id]]`` points: link text, site-relative URL, tooltip, CSS class."""

    text: str
    url: str
    tooltip: str
    css: str


Resolver = Callable[[str], Target | None]


def page_url(src_uri: str, directory_urls: bool = True) -> str:
    """The URL (relative to the site root) MkDocs gives the page at ``src_uri``."""
    stem = src_uri.removesuffix(".md")
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return f"{stem}/" if directory_urls else f"{stem}.html"


def relative(from_url: str, to_url: str) -> str:
    """A link from the page at ``from_url`` to ``to_url`` (both site-root relative)."""
    target, hash_, fragment = to_url.partition("#")
    from_dir = from_url if from_url.endswith("/") or not from_url else posixpath.dirname(from_url)
    rel = relpath(target or ".", from_dir or ".")
    if (target.endswith("/") or not target) and not rel.endswith("/"):
        rel += "/"
    return f"{rel}{hash_}{fragment}"


def relpath(path: str, start: str) -> str:
    """``posixpath.relpath(path, start)`` for two site-root-relative paths, without its cost.

    A page links to dozens of others, so this runs tens of thousands of times per build;
    ``posixpath.relpath`` makes both paths absolute against the working directory first, which
    is most of its time. Paths made of plain segments (and ``.`` or empty ones, which it drops
    too) need none of that: drop the common leading segments, climb out of the rest of
    ``start``. Anything else (``..``, an absolute path) goes to ``posixpath.relpath``.
    ``tests/test_render.py`` compares the two.
    """
    if not path or ".." in path or ".." in start or path.startswith("/") \
            or start.startswith("/"):
        return posixpath.relpath(path, start)
    to = [part for part in path.split("/") if part and part != "."]
    here = [part for part in start.split("/") if part and part != "."]
    common = 0
    for a, b in zip(to, here, strict=False):
        if a != b:
            break
        common += 1
    parts = [".."] * (len(here) - common) + to[common:]
    return "/".join(parts) if parts else "."


class _WikiLinks(InlineProcessor):
    def __init__(self, renderer: TextRenderer) -> None:
        super().__init__(WIKI_LINK.pattern)
        self.renderer = renderer

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element, int, int]:
        target = self.renderer.resolve(m.group(1))
        if target is None:
            el = etree.Element("code")
            el.text = m.group(0)
            return el, m.start(0), m.end(0)
        el = etree.Element("a", {"href": relative(self.renderer.base, target.url),
                                 "class": target.css})
        if target.tooltip:
            el.set("title", target.tooltip)
        el.text = target.text
        return el, m.start(0), m.end(0)


class TextRenderer:
    """Markdown from YAML to sanitized HTML, with ``[[id]]`` links resolved.

    Args:
        resolve: Looks up the target of a ``[[id]]``.
        name: Looks up only the text of a ``[[id]]`` link (for :meth:`plain`, which makes the
            tooltips :func:`resolve` returns: two summaries may link each other).
    """

    def __init__(self, resolve: Resolver, name: Callable[[str], str | None]) -> None:
        self.resolve = resolve
        self.name = name
        self.base = ""
        self._md = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"])
        # Raw HTML off: with these two gone, '<' in YAML text is shown as text.
        self._md.preprocessors.deregister("html_block")
        self._md.inlinePatterns.deregister("html")
        self._md.inlinePatterns.register(_WikiLinks(self), "opsbook_wiki", 175)
        self._cache: dict[tuple[str, str, bool], Markup] = {}

    def html(self, text: str, base: str, inline: bool = False) -> Markup:
        """``text`` as safe HTML for the page at ``base``; ``inline`` drops the outer ``<p>``."""
        key = (text, base, inline)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if len(self._cache) > 1000:
            # Pages are rendered one after another, each with its own base: what a page
            # rendered is not asked for again after a while, and 10,000 pages' worth of it
            # would be tens of megabytes.
            self._cache.clear()
        body = self.shortcut(text, base)
        if body is not None:
            clean = Markup(body if inline else f"<p>{body}</p>")
        else:
            clean = self.convert(text, base, inline)
        self._cache[key] = clean
        return clean

    def shortcut(self, text: str, base: str) -> str | None:
        """The HTML inside ``<p>`` that :meth:`convert` makes of ``text`` when ``text`` is
        certainly one paragraph of plain words and ``[[id]]`` links, else None.

        Around the links, the words follow :func:`plain_paragraph` (a link stands in as a
        word). A link to nothing becomes ``<code>[[id]]</code>``. A link to a target whose
        text is plain words, whose address is plain path characters and whose CSS class and
        tooltip hold nothing to escape becomes the element Markdown builds, with its
        attributes in the order the sanitizer writes them. Any other target, and any other
        text, takes the full path. ``tests/test_render.py`` holds this against
        :meth:`convert`.
        """
        if "[[" not in text:
            return plain_paragraph(text)
        if plain_paragraph(WIKI_LINK.sub("x", text)) is None:
            return None
        pieces = WIKI_LINK.split(text)
        for i in range(1, len(pieces), 2):
            link = self._link(pieces[i], base)
            if link is None:
                return None
            pieces[i] = link
        return "".join(pieces).rstrip("\n")

    def _link(self, ref: str, base: str) -> str | None:
        """What :class:`_WikiLinks` and the sanitizer make of ``[[ref]]``, when certain."""
        target = self.resolve(ref)
        if target is None:
            return f"<code>[[{ref}]]</code>"
        href = relative(base, target.url)
        if not (_PLAIN_URL.fullmatch(href) and plain_paragraph(target.text) == target.text
                and all(value.isprintable() and not _NOT_PLAIN_ATTRIBUTE.search(value)
                        for value in (target.css, target.tooltip))):
            return None
        title = f' title="{target.tooltip}"' if target.tooltip else ""
        return f'<a class="{target.css}" href="{href}"{title}>{target.text}</a>'

    def convert(self, text: str, base: str, inline: bool = False) -> Markup:
        """What :meth:`html` gives, always through Markdown and the sanitizer (uncached)."""
        self.base = base
        out = self._md.reset().convert(text)
        if inline and out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
            out = out[3:-4]
        return Markup(nh3.clean(out, tags=set(ALLOWED_TAGS), attributes={
            k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()}, url_schemes=set(URL_SCHEMES),
            link_rel=None))

    def plain(self, text: str) -> str:
        """``text`` with Markdown and ``[[id]]`` reduced to words, for tooltips and exports."""
        def word(m: re.Match[str]) -> str:
            return self.name(m.group(1)) or m.group(1)

        text = WIKI_LINK.sub(word, text)
        text = MD_LINK.sub(r"\1", text)
        return re.sub(r"[*_`#>]", "", " ".join(text.split()))


def plain_paragraph(text: str) -> str | None:
    """The HTML inside ``<p>`` that Markdown and the sanitizer make of ``text`` when it is
    certainly one paragraph of plain words, else None.

    Most Markdown fields are a sentence or two without markup, and Python-Markdown takes far
    longer over them than over anything else Opsbook does. Such text needs neither: no line
    begins a block or has whitespace at either end, nothing starts inline markup, and nothing
    needs escaping (``&``, ``<`` and ``>`` are refused; unprintable characters, such as a
    no-break space the sanitizer writes as ``&nbsp;``, too), so the paragraph holds the text
    itself, lines and all, without the newlines at its end. ``tests/test_render.py`` holds
    this against the full path for every Markdown field of the example and benchmark
    handbooks, for random text and for near misses.
    """
    body = text.rstrip("\n")
    if not body or _NOT_PLAIN.search(body) or not body.replace("\n", "").isprintable():
        return None
    return body


def heading(text: str) -> Markup:
    """A plain field made safe inside a Markdown heading: HTML- and Markdown-escaped."""
    return Markup(_MD_SPECIALS.sub(r"\\\1", str(escape(text))).replace("\\&", "&"))


def front_matter(meta: dict[str, Any]) -> str:
    """YAML front matter; JSON is YAML, and ``json.dumps`` escapes everything needed."""
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in meta.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


@functools.lru_cache(maxsize=8)
def environment(overrides: Path | None) -> jinja2.Environment:
    """Jinja over ``[user overrides, packaged templates]``; autoescaping on, undefined fails.

    One per folder for the process, so serve's rebuilds reuse the compiled templates (Jinja
    compiles a template again when its file changes)."""
    loaders: list[jinja2.BaseLoader] = []
    if overrides is not None and overrides.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(overrides)))
    loaders.append(jinja2.PackageLoader("opsbook", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["heading"] = heading
    env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)
    return env

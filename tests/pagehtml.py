"""A small element tree over :mod:`html.parser` for reading built pages in tests, and helpers
to follow a page's relative links to files of the built site."""

from __future__ import annotations

import html.parser
import posixpath
from collections.abc import Iterator
from pathlib import Path

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "param", "source", "track", "wbr"})


class Node:
    """An element: ``tag``, ``attrs`` and ``children`` (elements and text)."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node | str] = []

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def text(self) -> str:
        """The text inside, whitespace collapsed, without heading permalinks ("¶")."""
        parts: list[str] = []

        def walk(node: Node) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                elif child.tag == "br":
                    parts.append(" ")
                elif "headerlink" not in child.classes:
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    def iter(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None,
                 **attrs: str) -> list[Node]:
        """Descendants with ``tag``, the class ``cls`` and the given attribute values
        (``data_item="x"`` matches ``data-item``)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [n for n in self.iter()
                if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
                and all(n.attrs.get(k) == v for k, v in wanted.items())]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag or '*'}> with class {cls!r} and {attrs}"
        return found[0]

    def rows(self) -> list[list[str]]:
        """The text of each table row's cells (``th`` and ``td``)."""
        return [[c.text() for c in row.children if isinstance(c, Node) and c.tag in ("td", "th")]
                for row in self.find_all("tr")]


class _Builder(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(text: str) -> Node:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


def file_of(site: Path, url: str) -> Path:
    """The file a site-root-relative URL serves (``teams/`` -> ``teams/index.html``)."""
    path = url.split("#", 1)[0]
    return site / (path + "index.html" if path.endswith("/") or not path else path)


def load(site: Path, url: str) -> Node:
    """The parsed page at ``url`` (relative to the site root, such as ``teams/marketing/``)."""
    return parse(file_of(site, url).read_text(encoding="utf-8"))


def target(page_url: str, href: str) -> tuple[str, str]:
    """Where a relative ``href`` on the page at ``page_url`` points: (site URL, fragment)."""
    path, _, fragment = href.partition("#")
    if not path:
        return page_url, fragment
    base = page_url if page_url.endswith("/") or not page_url else posixpath.dirname(page_url)
    joined = posixpath.normpath(posixpath.join(base or ".", path))
    if path.endswith("/") or joined == ".":
        joined = "" if joined == "." else joined + "/"
    return joined, fragment


def ids_of(site: Path, url: str) -> set[str]:
    return {n.attrs["id"] for n in load(site, url).iter() if "id" in n.attrs}


def assert_resolves(site: Path, page_url: str, href: str) -> str:
    """Assert a relative link from ``page_url`` reaches a built file (and its anchor, if any);
    returns the target's site URL."""
    assert "://" not in href and not href.startswith("/"), href
    url, fragment = target(page_url, href)
    assert file_of(site, url).is_file(), f"{href} on {page_url or 'home'} -> {url} is missing"
    if fragment:
        assert fragment in ids_of(site, url), f"{href} on {page_url}: no #{fragment} in {url}"
    return url

"""Shortcuts in rendering give exactly what the long way gives: relative links without
``posixpath.relpath``, plain paragraphs (with ``[[id]]`` links) without Markdown and the
sanitizer, links to playbooks, terms, teams and roles without ``Markup.format``."""

from __future__ import annotations

import posixpath
import random
from dataclasses import replace
from pathlib import Path

import pytest
from markupsafe import Markup

from conftest import ROOT, TODAY, generated_handbook
from opsbook.config import read_options, settings_for
from opsbook.engine import Engine
from opsbook.render import Target, TextRenderer, plain_paragraph, relative, relpath
from opsbook.site import SiteBuilder

#: Path segments, including the ones ``posixpath.relpath`` normalises away or treats apart.
SEGMENTS = ("a", "b", "ab", "teams", "x.md", "index.html", ".", "..", "", "a.b", "..a", "#")


def _path(rng: random.Random) -> str:
    path = "/".join(rng.choice(SEGMENTS) for _ in range(rng.randint(0, 5)))
    return rng.choice(("", "", "/")) + path + rng.choice(("", "/"))


def _posix(path: str, start: str) -> str:
    try:
        return posixpath.relpath(path, start)
    except ValueError as exc:
        return f"ValueError: {exc}"


def _ours(path: str, start: str) -> str:
    try:
        return relpath(path, start)
    except ValueError as exc:
        return f"ValueError: {exc}"


@pytest.mark.parametrize(("path", "start"), [
    ("playbooks/rituals/sprint-review/", "teams/marketing/"),
    ("playbooks/rituals/sprint-review", "playbooks/rituals/sprint-review"),
    ("teams", "teams/marketing/"), ("teams/marketing", "teams"), (".", "."), (".", "teams"),
    ("teams/", "."), ("a//b/./c", "a/b//"), ("", "a"), ("a", ""), ("../a", "b"), ("/a", "b"),
    ("a", "/b"), ("/a/b", "/a/c"),
])
def test_relpath_is_posixpath_relpath(path: str, start: str) -> None:
    assert _ours(path, start) == _posix(path, start)


def test_relpath_is_posixpath_relpath_on_random_paths() -> None:
    rng = random.Random(20261126)
    for _ in range(20000):
        path, start = _path(rng), _path(rng)
        assert _ours(path, start) == _posix(path, start), (path, start)


def _fields(root: Path) -> tuple[SiteBuilder, set[tuple[str, str, bool]]]:
    """Every (Markdown text, page URL, inline) the handbook at ``root`` renders."""
    handbook = Engine(settings_for(root, read_options(root / "mkdocs.yml"))).load()
    assert handbook.problems == []
    builder = SiteBuilder(handbook)
    seen: set[tuple[str, str, bool]] = set()
    html = builder.text.html

    def record(text: str, base: str, inline: bool = False) -> object:
        seen.add((text, base, inline))
        return html(text, base, inline)

    builder.text.html = record  # type: ignore[method-assign]
    builder.pages()
    builder.assets()
    return builder, seen


def _assert_same(renderer: TextRenderer,
                 fields: set[tuple[str, str, bool]]) -> tuple[int, int]:
    """Assert the shortcut and the full path agree on ``fields``; how many took the shortcut,
    and how many of those hold ``[[id]]`` links."""
    shortcuts = linked = 0
    for text, base, inline in sorted(fields):
        if renderer.shortcut(text, base) is not None:
            shortcuts += 1
            linked += "[[" in text
        assert renderer.html(text, base, inline) == renderer.convert(text, base, inline), text
    return shortcuts, linked


def test_plain_paragraphs_of_the_repository_render_as_markdown_would(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    builder, fields = _fields(ROOT)
    shortcuts, linked = _assert_same(TextRenderer(builder._resolve, builder._link_text), fields)
    assert len(fields) > 300
    assert shortcuts > len(fields) // 3
    assert linked > 30


def test_plain_paragraphs_of_the_benchmark_render_as_markdown_would(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    builder, fields = _fields(generated_handbook(tmp_path / "handbook", 120, monkeypatch))
    shortcuts, linked = _assert_same(TextRenderer(builder._resolve, builder._link_text), fields)
    assert len(fields) > 1000
    assert shortcuts > len(fields) * 9 // 10
    assert linked > len(fields) // 4


#: Text that looks plain but is not: each renders other than as itself in a paragraph.
NEAR_MISSES = (
    "a\\(b)", "1986\\. A year", "a | b\n:-: | :-:", "| a | b |\n|---|---|", "Title\n===",
    "Title\n---", "# Title", "See\n# Title", "- item", "+ item", "* item", "1. item",
    "    code", " a", "a  \nb", "a\n\nb", "> quote", "a\n> quote", "~~~\ncode\n~~~",
    "```\ncode\n```", "`code`", "*em*", "_em_", "**b**", "[t](https://e.com)",
    "[t]: https://e.com", "[[sprint-review]]", "<https://e.com>", "<b>", "a & b", "&copy;",
    "a < b", "a > b", "a\xa0b", "a\x02b", "a\tb", "a\rb", "***", "___", "---", "\nfoo", "#",
)


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_text_with_markup_takes_the_full_path(text: str) -> None:
    full = TextRenderer(lambda ref: None, lambda ref: None).convert(text, "teams/marketing/")
    assert full != f"<p>{text}</p>"
    assert plain_paragraph(text) is None


#: Pieces of random text: mostly words and spaces, some Markdown, and every character that
#: might make Markdown or the sanitizer do something, at line starts and ends too.
WORDS = ("word", "Plain", "a", "Ünïcode", "😀", "1", "42", "2026", "e.g.", "(x)", "it's",
         '"quoted"', "a-b", "a+b", "x=y", "50%", "a/b", "why?", "yes!", "see:", "a;b", "{x}",
         "^", "$5", "@me", "C#", "~", "1.", "1)", "١.", "www.example.com",
         "https://example.com", "a_b", "a*b")
MARKUP = ("# Title", "## Title #", "=", "===", "-", "---", "***", "___", "- item", "+ item",
          "* item", "1. item", "2) item", "> quote", "~~~", "```", "`code`", "``", "*em*",
          "_em_", "**strong**", "__strong__", " * ", "\\*", "\\", "a\\b", "[t](https://e.com)",
          "[t]", "[t]: https://e.com", "![i](x.png)", "<https://e.com>", "<a@b.c>", "<b>",
          "&amp;", "&#39;", "&copy;", "&", "[[sprint-review]]", "| a | b |", "a | b",
          "|---|---|", ":-: | :-:", "    code", "\tcode")
TRICKY = tuple("\\`*_[]<>&|#=+~-.)(!:;\"'{}^$%/?@,\t\r\x0c\x00\x02\x03\x85\xa0\xad"
               "\u200b\u2028\u2029\ufeff\ue000\ufffd")
SPACES = (" ", " ", " ", "\n", "\n", "  ", "")
#: Whitespace that makes blocks, line breaks or indented code.
BREAKS = ("\n\n", "   \n", " \n", "\n    ", "  \n", "\n\t", "\n \n", "\t")


def _random_text(rng: random.Random) -> str:
    """Pieces with whitespace between; how much markup and odd whitespace varies by text."""
    markup = rng.choice((0.0, 0.03, 0.1, 0.3))

    def space() -> str:
        return rng.choice(BREAKS) if rng.random() < markup else rng.choice(SPACES)

    text = space().strip(" \n") if rng.random() >= markup else rng.choice(BREAKS)
    for i in range(rng.randint(0, 7)):
        if i:
            text += space()
        roll = rng.random()
        text += (rng.choice(LINKS) if roll > 0.85 else rng.choice(WORDS) if roll >= markup
                 else rng.choice(MARKUP) if roll < markup * 0.6 else rng.choice(TRICKY))
    return text + (rng.choice(("", "\n", "\n\n")) if rng.random() >= markup else space())


#: Link targets for random text: plain ones, and ones with something in their text, address,
#: tooltip or class that Markdown or the sanitizer changes.
TARGETS = {
    "plain": Target("Sprint review", "playbooks/rituals/sprint-review/",
                    "What we show, and why it's done (twice).", "ob-ref"),
    "term": Target("Cycle time", "playbooks/terms/metrics/#cycle-time", "", "ob-term"),
    "no-class": Target("Plain", "teams/", "Tip", ""),
    "marked": Target("Sprint *review*", "playbooks/a/", "Tip", "ob-ref"),
    "amp": Target("R&D", "playbooks/a/", "Tip", "ob-ref"),
    "angle": Target("a <b>", "playbooks/a/", "Tip", "ob-ref"),
    "heading": Target("# Plain", "playbooks/a/", "Tip", "ob-ref"),
    "numbered": Target("1. Plain", "playbooks/a/", "Tip", "ob-ref"),
    "spaced": Target(" Plain ", "playbooks/a/", " Tip  ", "ob-ref"),
    "empty": Target("", "playbooks/a/", "Tip", "ob-ref"),
    "lines": Target("Two\nlines", "playbooks/a/", "Two\nlines", "ob-ref"),
    "nbsp": Target("a\xa0b", "playbooks/a/", "a\xa0b", "ob-ref"),
    "quoted": Target("Plain", "playbooks/a/", 'Say "hi" <now> & later', "ob-ref"),
    "nbsp-tip": Target("Plain", "playbooks/a/", "a\xa0b", "ob-ref"),
    "control-tip": Target("Plain", "playbooks/a/", "a\x02b\x0cc\x00", "ob-ref"),
    "tip-lines": Target("Plain", "playbooks/a/", "Two\nlines", "ob-ref"),
    "nbsp-class": Target("Plain", "playbooks/a/", "Tip", "ob\xa0ref"),
    "apostrophe": Target("It's", "playbooks/a/", "It's", "ob-ref"),
    "class-quote": Target("Plain", "playbooks/a/", "Tip", 'ob"ref'),
    "space-url": Target("Plain", "playbooks/a b/", "Tip", "ob-ref"),
    "colon-url": Target("Plain", "a:b/", "Tip", "ob-ref"),
    "script-url": Target("Plain", "javascript:alert(1)", "Tip", "ob-ref"),
    "unicode-url": Target("Plain", "playbooks/é/", "Tip", "ob-ref"),
    "amp-url": Target("Plain", "playbooks/a&b/", "Tip", "ob-ref"),
    "percent-url": Target("Plain", "playbooks/a%20b/", "Tip", "ob-ref"),
    "unicode": Target("Ünïcode 😀", "playbooks/a/", "Ünïcode 😀", "ob-ref"),
}
LINKS = tuple(f"[[{ref}]]" for ref in (*TARGETS, "plain", "term", "missing", "Not-An-Id"))
BASES = ("", "teams/marketing/", "playbooks/rituals/sprint-review/", "a/b.html")


def test_plain_paragraphs_of_random_text_render_as_markdown_would() -> None:
    rng = random.Random(26)
    renderer = TextRenderer(TARGETS.get, lambda ref: None)
    fields = {(_random_text(rng), rng.choice(BASES), inline) for _ in range(8000)
              for inline in (False, True)}
    shortcuts, linked = _assert_same(renderer, fields)
    assert shortcuts > len(fields) // 5
    assert linked > len(fields) // 40


#: Text that must be escaped everywhere, and braces a format string must not read.
HOSTILE = """<script>alert("x")</script> & 'y' {0} {} \u00a0é"""


def test_links_escape_what_markup_format_escapes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    small = ROOT / "tests" / "fixtures" / "small"
    handbook = Engine(settings_for(small, read_options(small / "mkdocs.yml"))).load()
    builder = SiteBuilder(handbook)
    index = builder.index
    index.teams["ops"] = replace(index.teams["ops"], name=HOSTILE)
    index.roles["pm"] = replace(index.roles["pm"], name=HOSTILE)
    builder._targets["hostile"] = Target(HOSTILE, f"playbooks/{HOSTILE}/", HOSTILE, HOSTILE)
    base = "teams/ops/"
    helpers = builder.helpers("teams/ops.md")
    link, party = helpers["link"], helpers["party"]
    for ref in [*index.playbooks, *index.terms, "hostile", "no-such-id", HOSTILE]:
        target = builder._resolve(ref)
        expected = Markup("<code>{}</code>").format(ref) if target is None else \
            Markup('<a class="{}" href="{}" title="{}">{}</a>').format(
                target.css, relative(base, target.url), target.tooltip, target.text)
        assert link(ref) == expected
    for pid in [*index.teams, *index.roles, "no-such-id", HOSTILE]:
        if pid in index.teams:
            expected = Markup('<a class="ob-team" href="{}">{}</a>').format(
                relative(base, builder.team_url(pid)), index.teams[pid].name)
        elif pid in index.roles:
            expected = Markup('<a class="ob-role" href="{}">{}</a>').format(
                relative(base, builder.role_url(pid)), index.roles[pid].name)
        else:
            expected = Markup("<code>{}</code>").format(pid)
        assert party(pid) == expected
    assert "<script>" not in party("ops") + party("pm") + link("hostile")

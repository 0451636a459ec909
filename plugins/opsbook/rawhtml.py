"""A fast path through Python-Markdown for the pages Opsbook generates.

Generated pages are mostly HTML blocks (a line starting with ``<div ...>`` up to its closing
tag), with Markdown only for headings. Python-Markdown finds raw HTML blocks by feeding the whole
page to ``html.parser``, which made it the largest single cost of building a big handbook. The
HTML of those blocks is Opsbook's own (templates, and text already sanitized), balanced and
written one block per paragraph, so its extent is found by counting the block's tag line by line.
Each block found goes into Markdown's own ``htmlStash``, exactly as Markdown's
``HtmlBlockPreprocessor`` would store it, so the output is the same; anything unexpected (an
unbalanced block, text after the closing tag, ``markdown="1"``) is left to Markdown.

The preprocessor acts only while :attr:`RawHtmlBlocks.active` is true, which the MkDocs plugin
sets for its own pages; hand-written pages go through Markdown unchanged.
"""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

_START = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)[\s>]")
_FENCE = re.compile(r"^(?:```|~~~)")


class _Stash(Preprocessor):
    def __init__(self, md: Markdown, owner: RawHtmlBlocks) -> None:
        super().__init__(md)
        self.owner = owner

    def run(self, lines: list[str]) -> list[str]:
        if not self.owner.active:
            return lines
        out: list[str] = []
        fenced = False
        i = 0
        while i < len(lines):
            line = lines[i]
            if _FENCE.match(line):
                fenced = not fenced
            match = None if fenced else _START.match(line)
            end = self._block_end(lines, i, match.group(1)) if match else None
            if end is None:
                out.append(line)
                i += 1
                continue
            raw = "\n".join(lines[i:end + 1])
            # As HtmlBlockPreprocessor: the block, its following blank line, a placeholder
            # paragraph of its own.
            out.extend(["", self.md.htmlStash.store(raw + "\n"), "", ""])
            i = end + 1
        return out

    def _block_end(self, lines: list[str], start: int, tag: str) -> int | None:
        """The index of the line closing the block opened at ``start``, if it is simple."""
        if not self.md.is_block_level(tag.lower()):
            return None
        opening = re.compile(rf"<{tag}[\s>]")
        closing = f"</{tag}>"
        depth = 0
        for index in range(start, len(lines)):
            line = lines[index]
            if 'markdown="' in line or "markdown='" in line or "<!--" in line:
                return None
            depth += len(opening.findall(line)) - line.count(closing)
            if depth <= 0:
                after = lines[index + 1] if index + 1 < len(lines) else ""
                if depth < 0 or not line.rstrip().endswith(closing) or after.strip():
                    return None
                return index
        return None


class RawHtmlBlocks(Extension):
    """Stash generated pages' HTML blocks before Markdown's slower HTML block finder runs."""

    def __init__(self) -> None:
        super().__init__()
        #: Set by the plugin before each page is converted: true for Opsbook's own pages.
        self.active = False

    def extendMarkdown(self, md: Markdown) -> None:
        # Above "html_block" (20) and below "normalize_whitespace" (30).
        md.preprocessors.register(_Stash(md, self), "opsbook_raw_html", 25)

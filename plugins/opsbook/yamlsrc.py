"""Strict YAML loading that keeps what the author wrote, and where.

Parsing is libyaml's (``yaml.CSafeLoader``'s composer, with every implicit YAML 1.1 resolver
removed); this module then builds plain Python values from the node tree with YAML 1.2 core
meanings for unquoted scalars: only ``true``/``false``, ``null``/``~``/empty, plain decimal
integers and decimal floats get a type. ``no``, ``on``, ``yes``, ``010``, ``0x1f``, ``1:30``
and ``2024-05-01`` stay the strings typed. Keys must be unique strings; tags, anchors and
aliases are refused; size, depth and characters are limited. Each mapping key and sequence
item keeps its 1-based line and column, and each unquoted scalar that got a type (a number,
true/false, empty) keeps the text typed, so a message can quote ``1.10`` rather than ``1.1``.

Every problem carries a fix an author who is not an engineer can follow.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

from opsbook.problems import Problem

MAX_BYTES = 512 * 1024
MAX_DEPTH = 24
# Flow collections nested deeper than this are checked event by event before composing,
# so that libyaml's recursive composer never sees a pathological file.
_FLOW_BRACKETS_BEFORE_SCAN = 256

Path = tuple[str | int, ...]
Position = tuple[int, int]

_PLAIN = "tag:opsbook,2024:plain"
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+)")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
# C0/C1 controls except tab, LF and CR; zero-width and bidirectional formatting characters;
# a byte-order mark anywhere but the start.
# Line and paragraph separators too: YAML 1.1 counts them as line breaks, editors do not.
_HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2069\ufeff]"
)
#: Names an author may have heard of, for the hidden characters met most often.
_DIRECTION = ", which changes the order text is shown in"
_HIDDEN_NAMES = {
    0x061C: "an Arabic letter mark" + _DIRECTION,
    0x200B: "a zero-width space",
    0x200C: "a zero-width non-joiner",
    0x200D: "a zero-width joiner",
    0x200E: "a left-to-right mark" + _DIRECTION,
    0x200F: "a right-to-left mark" + _DIRECTION,
    0x2028: "a line separator",
    0x2029: "a paragraph separator",
    0x202A: "a left-to-right embedding" + _DIRECTION,
    0x202B: "a right-to-left embedding" + _DIRECTION,
    0x202C: "a pop-directional-formatting mark" + _DIRECTION,
    0x202D: "a left-to-right override" + _DIRECTION,
    0x202E: "a right-to-left override" + _DIRECTION,
    0x2060: "a word joiner",
    0x2066: "a left-to-right isolate" + _DIRECTION,
    0x2067: "a right-to-left isolate" + _DIRECTION,
    0x2068: "a first-strong isolate" + _DIRECTION,
    0x2069: "a pop-directional-isolate mark" + _DIRECTION,
    0xFEFF: "a byte-order mark (allowed only as the file's very first character)",
}
_ANCHOR = re.compile(r"(?:^|[\s\[{,:?-])&[^\s,\[\]{}]")


class _Loader(yaml.CSafeLoader):
    """libyaml's parser and composer with no implicit typing: every plain scalar is tagged
    ``_PLAIN`` so this module decides its meaning, and explicit tags stay visible."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - replaces the class table


_Loader.add_implicit_resolver(_PLAIN, re.compile(r".*", re.DOTALL), None)


@dataclass
class Document:
    """A loaded YAML file.

    Attributes:
        data: The value, with YAML 1.2 core meanings.
        positions: Line and column (1-based) of each mapping key and sequence item by path.
        raw: The text typed for each unquoted scalar that is not a string (``1.10``, ``010``
            stays a string and is not here), by path.
    """

    data: Any
    positions: dict[Path, Position] = field(default_factory=dict)
    raw: dict[Path, str] = field(default_factory=dict)

    def locate(self, path: Path) -> Position:
        """The position of ``path``, or of its nearest located ancestor."""
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))


class YamlProblem(Exception):
    """Raised inside the builder; turned into a :class:`Problem` by :func:`load`."""

    def __init__(self, line: int, col: int, code: str, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.line, self.col, self.code, self.message, self.fix = line, col, code, message, fix


_ANCHOR_FIX = "Write the content out in full in each place it is needed."
_TAB_FIX = ("Replace the tab with spaces, two per level (in VS Code: 'Convert Indentation to "
            "Spaces').")
_FILE_FIX = "Start it from `opsbook new KIND ID`, or delete the file."


def _pos(mark: Any) -> Position:
    return (mark.line + 1, mark.column + 1)


def _too_deep(line: int, col: int) -> YamlProblem:
    return YamlProblem(line, col, "too-deep",
                       f"Values are nested more than {MAX_DEPTH} levels deep here.",
                       "Flatten the structure; no kind of playbook nests this deep, so "
                       "the indentation is probably wrong.")


def plain_scalar(value: str) -> Any:
    """The meaning of an unquoted scalar under the YAML 1.2 core schema, narrowed."""
    if value in _NULLS:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.fullmatch(value):
        return int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    return value


def _quote(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


class _Builder:
    def __init__(self) -> None:
        self.positions: dict[Path, Position] = {}
        self.raw: dict[Path, str] = {}
        self.seen: set[int] = set()

    def build(self, node: Any, path: Path, depth: int) -> Any:
        if depth > MAX_DEPTH:
            # The key or item that holds the too-deep value is where the author looks.
            line, col = self.positions.get(path) or _pos(node.start_mark)
            raise _too_deep(line, col)
        if id(node) in self.seen:
            line, col = _pos(node.start_mark)
            raise YamlProblem(line, col, "anchor-alias",
                              "The value anchored here is repeated elsewhere with an alias (*); "
                              "playbooks do not allow anchors or aliases.", _ANCHOR_FIX)
        self.seen.add(id(node))
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            if tag == _PLAIN:
                value = plain_scalar(node.value)
                if not isinstance(value, str):
                    self.raw[path] = node.value
                return value
            if tag == _STR:
                return node.value
        elif isinstance(node, yaml.SequenceNode) and tag == _SEQ:
            items = []
            for index, item in enumerate(node.value):
                sub = (*path, index)
                self.positions[sub] = _pos(item.start_mark)
                items.append(self.build(item, sub, depth + 1))
            return items
        elif isinstance(node, yaml.MappingNode) and tag == _MAP:
            return self._mapping(node, path, depth)
        line, col = _pos(node.start_mark)
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        raise YamlProblem(line, col, "unknown-tag",
                          f"The YAML tag {_quote(shown)} asks for a special type of value; "
                          "playbooks take plain values only.",
                          f"Delete {_quote(shown)} and keep the plain value after it.")

    def _mapping(self, node: Any, path: Path, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line, col = _pos(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in (_PLAIN, _STR):
                raise YamlProblem(line, col, "non-string-key",
                                  "This key is a list, a set of fields or a tagged value, "
                                  "not a word.",
                                  "Write the key as a plain word followed by ': '.")
            key = key_node.value
            if key_node.tag == _PLAIN and not isinstance(plain_scalar(key), str):
                what = "empty" if plain_scalar(key) is None else (
                    "true/false" if isinstance(plain_scalar(key), bool) else "a number")
                shown = f"The key {key!r} reads as {what}" if key else "A key is empty"
                raise YamlProblem(line, col, "non-string-key",
                                  f"{shown}; keys must be words.",
                                  f'Write the key as a word, or in quotes: "{key}".' if key
                                  else "Write the field's name before the ':'.")
            sub = (*path, key)
            if key in out:
                first = self.positions[sub]
                raise YamlProblem(line, col, "duplicate-key",
                                  f"The key {_quote(key)} appears twice: on line {first[0]} "
                                  f"and on line {line}.",
                                  "Keep one of the two and delete the other; otherwise the "
                                  f"value on line {first[0]} would be silently lost.")
            self.positions[sub] = (line, col)
            out[key] = self.build(value_node, sub, depth + 1)
        return out


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    line, col = _pos(mark) if mark is not None else (1, 1)
    problem = exc.problem or ""
    context = exc.context or ""
    if "expected a single document" in context or "expected a single document" in problem:
        return YamlProblem(line, col, "multiple-documents",
                           "A second YAML document starts here; a playbook file holds only one.",
                           "Move what follows into a file of its own, or delete this line "
                           "if it is a stray '---'.")
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "'\\t'" in problem or "\t" in here[: max(col, 1)]:
        tab_col = here.find("\t") + 1 if "\t" in here else col
        return YamlProblem(line, tab_col, "tab-indent",
                           "A tab character is used for indentation; YAML needs spaces.",
                           _TAB_FIX)
    if "exceeded maximum nesting depth" in problem:
        return _too_deep(line, col)
    if here.lstrip().startswith(":"):
        return YamlProblem(line, here.index(":") + 1, "non-string-key",
                           "This line starts with ':', so the field has no name.",
                           "Write the field's name before the ':'.")
    dash = _missing_dash(exc, lines)
    if dash is not None:
        return YamlProblem(*dash, "missing-dash",
                           "This line is part of the list above it but does not start "
                           "with '- '.",
                           "Start it with '- ' like the other entries, or indent it under "
                           "the entry it belongs to.")
    if "undefined tag handle" in problem:
        return YamlProblem(line, col, "unknown-tag",
                           "A YAML tag (a word starting with '!') is used here; playbooks take "
                           "plain values only.",
                           "Delete the tag, or put the whole value in quotes if the '!' "
                           "belongs to the text.")
    if "mapping values are not allowed" in problem:
        return YamlProblem(line, col, "yaml-syntax",
                           "A ': ' appears where YAML did not expect a new key.",
                           "If the value contains ': ', put the whole value in quotes; "
                           "otherwise check the indentation of this line.")
    if "could not find expected ':'" in problem or "could not find expected ':'" in context:
        return YamlProblem(line, col, "yaml-syntax",
                           "A line has no ':' after its key, or a quote is not closed.",
                           "Add the ':' or close the quote.")
    if "expected <block end>" in problem or "did not find expected key" in problem:
        return YamlProblem(line, col, "yaml-syntax",
                           "This line is indented differently from the lines around it.",
                           "Line it up with the other keys of the same level.")
    if "found unknown escape" in problem:
        return YamlProblem(line, col, "yaml-syntax",
                           "A backslash inside double quotes starts an escape YAML does not "
                           "know.",
                           "Write a backslash as \\\\ inside double quotes, or use single "
                           "quotes around the value.")
    if "scanning a quoted scalar" in context and exc.context_mark is not None:
        line, col = _pos(exc.context_mark)
        return YamlProblem(line, col, "yaml-syntax",
                           "The quote that opens this value is never closed.",
                           "Add the closing quote at the end of the value.")
    if "found character that cannot start any token" in problem:
        char = here[col - 1: col] or "?"
        return YamlProblem(line, col, "yaml-syntax",
                           f"A value cannot start with {char!r} unless it is in quotes.",
                           "Put the whole value in quotes.")
    detail = f"{context} {problem}".strip()
    return YamlProblem(line, col, "yaml-syntax", f"The YAML cannot be read here ({detail}).",
                       "Check the indentation and punctuation on this line and the one "
                       "above; put values holding ': ' or ' #' in quotes.")


def _missing_dash(exc: yaml.MarkedYAMLError, lines: list[str]) -> Position | None:
    """Where a list item lost its ``- ``: the line libyaml stumbled on (or the key it was
    scanning) is indented like the ``- `` items just above it but has no dash."""
    for mark in (exc.context_mark, exc.problem_mark):
        if mark is None or mark.line >= len(lines):
            continue
        here = lines[mark.line]
        stripped = here.lstrip(" ")
        if not stripped or stripped.startswith(("-", "#")):
            continue
        indent = len(here) - len(stripped)
        for above in reversed(lines[: mark.line]):
            text = above.lstrip(" ")
            if not text or text.startswith("#"):
                continue
            above_indent = len(above) - len(text)
            if above_indent < indent:
                break
            if above_indent == indent:
                if text.startswith("- "):
                    return (mark.line + 1, indent + 1)
                break
    return None


_UTF8_FIX = ("Save the file as UTF-8 (in VS Code: click the encoding in the status bar, "
             "then 'Save with Encoding', 'UTF-8').")


def _decode(raw: bytes) -> str:
    """The text of ``raw``, which must be UTF-8; a leading byte-order mark is dropped."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlProblem(1, 1, "not-utf8", "The file is saved as UTF-16 text, not UTF-8.",
                          _UTF8_FIX)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start]
        line = good.count(b"\n") + 1
        # Columns count characters, as editors do, not bytes.
        col = len(good[good.rfind(b"\n") + 1:].decode("utf-8")) + 1
        byte = raw[exc.start]
        guess = bytes([byte]).decode("cp1252", errors="replace")
        likely = (f" (probably {guess!r} saved as Windows-1252 or Latin-1)"
                  if guess.isprintable() and guess != "\ufffd" else "")
        raise YamlProblem(line, col, "not-utf8",
                          f"The byte 0x{byte:02X} here is not UTF-8 text{likely}.",
                          _UTF8_FIX) from exc


def _hidden_name(char: str) -> str:
    code = ord(char)
    if code in _HIDDEN_NAMES:
        return _HIDDEN_NAMES[code]
    name = unicodedata.name(char, "")
    return f"the control character {name.lower()}" if name else "a control character"


def _tail(text: str, limit: int = 24) -> str:
    """The last whole words of ``text``, at most ``limit`` characters (``…`` when cut)."""
    if len(text) <= limit:
        return text
    words = text.split(" ")
    kept: list[str] = []
    while words and len(" ".join([words[-1], *kept])) <= limit:
        kept.insert(0, words.pop())
    return "…" + (" ".join(kept) if kept else text[-limit:])


def _check_characters(text: str) -> None:
    match = _HIDDEN.search(text)
    if match:
        before = text[: match.start()]
        line = before.count("\n") + 1
        start = before.rfind("\n") + 1
        col = match.start() - start + 1
        shown = _tail(_HIDDEN.sub("", before[start:]).strip())
        after = f", right after {shown!r}" if shown else " at the start of the line"
        raise YamlProblem(line, col, "hidden-character",
                          f"An invisible character is here{after}: "
                          f"U+{ord(match.group()):04X}, {_hidden_name(match.group())}.",
                          "Delete it: it usually comes with text pasted from a chat, a PDF or "
                          "a web page. Retype the text around it if unsure.")


def _check_events(text: str, anchors: bool, depth: bool) -> None:
    """Walk parser events (no composing) for anchors and for nesting depth."""
    level = 0
    for event in yaml.parse(text, Loader=_Loader):
        if anchors and isinstance(event, yaml.AliasEvent | yaml.NodeEvent) and event.anchor:
            line, col = _pos(event.start_mark)
            sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
            raise YamlProblem(line, col, "anchor-alias",
                              f"A YAML {'alias' if sign == '*' else 'anchor'} "
                              f"({sign}{event.anchor}) is used here; playbooks do not allow "
                              "anchors (&) or aliases (*).", _ANCHOR_FIX)
        if isinstance(event, yaml.CollectionStartEvent):
            level += 1
            if depth and level > MAX_DEPTH:
                raise _too_deep(*_pos(event.start_mark))
        elif isinstance(event, yaml.CollectionEndEvent):
            level -= 1


def parse(raw: bytes) -> Document:
    """Parse one file's bytes strictly.

    Raises:
        YamlProblem: the first problem that makes the file unreadable.
    """
    if len(raw) > MAX_BYTES:
        raise YamlProblem(1, 1, "file-too-large",
                          f"The file is {len(raw):,} bytes; a playbook may be at most "
                          f"{MAX_BYTES:,} bytes.",
                          "Split it into several playbooks that link to each other.")
    text = _decode(raw)
    _check_characters(text)
    anchors = "&" in text and bool(_ANCHOR.search(text))
    deep = text.count("[") + text.count("{") > _FLOW_BRACKETS_BEFORE_SCAN
    try:
        if anchors or deep:
            _check_events(text, anchors, deep)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise _syntax_problem(exc, text) from exc
    except yaml.YAMLError as exc:  # reader errors carry no mark
        raise YamlProblem(1, 1, "yaml-syntax", f"The YAML cannot be read ({exc}).",
                          "Save the file as plain UTF-8 text.") from exc
    if node is None:
        raise YamlProblem(1, 1, "empty-file", "The file is empty or holds only comments.",
                          _FILE_FIX)
    builder = _Builder()
    builder.positions[()] = _pos(node.start_mark)
    data = builder.build(node, (), 0)
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else "a single value"
        raise YamlProblem(*_pos(node.start_mark), "not-a-mapping",
                          f"The file holds {what}, not 'name: value' fields.",
                          "Write one field per line, starting with 'kind:', 'id:' and "
                          "'title:'.")
    return Document(data, builder.positions, builder.raw)


def load(raw: bytes, path: str) -> tuple[Document | None, list[Problem]]:
    """Parse ``raw`` read from ``path``; problems come back located, never raised."""
    try:
        return parse(raw), []
    except YamlProblem as exc:
        return None, [Problem(path, exc.line, exc.col, exc.code, exc.message, exc.fix)]

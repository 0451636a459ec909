"""``opsbook new KIND ID``: a first draft of a playbook that validates as written.

The draft is derived from the kind's schema, so a custom kind gets one too: every required
field with a placeholder that passes the schema and the cross-checks (the owner is a team of
the registry, the review date is today, a list holds one entry), each field's schema
description as a comment above it, and the ``yaml-language-server`` modeline that gives VS
Code completion and checking as the author types. Nothing is ever overwritten: an existing
file or an id in use is refused before anything is written.
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsbook.checks import ID, RESERVED, normalised
from opsbook.describe import suggest
from opsbook.engine import YAML_SUFFIXES, Handbook, discover, rel_path
from opsbook.schemas import Kind, Shape
from opsbook.yamlsrc import parse, plain_scalar

WIDTH = 100
MODELINE = "# yaml-language-server: $schema={schema}"
#: Plain words YAML 1.1 tools still read as true/false; the draft quotes them.
_YAML11_WORDS = frozenset({"yes", "no", "on", "off", "y", "n"})
_PLAIN_SAFE = re.compile(r"[A-Za-z][A-Za-z0-9 _./()'-]*")


class ScaffoldError(Exception):
    """The draft cannot be written; the message says why and what to do instead."""


@dataclass(frozen=True)
class Draft:
    """A playbook ready to be written.

    Attributes:
        path: Where it goes.
        rel: The same path relative to the project root, for messages.
        text: The file's content.
        notes: What the author should know (placeholders that need a real value first).
    """

    path: Path
    rel: str
    text: str
    notes: tuple[str, ...] = ()


@dataclass
class _Context:
    """What placeholders may refer to, and the ids already taken."""

    pid: str
    today: str
    team: str
    role: str
    taken: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    roles: frozenset[str] = frozenset()
    role_noted: bool = False

    def fresh(self, stem: str) -> str:
        """``stem-1`` (or the next free number): ids of entries that must be unique."""
        number = 1
        while f"{stem}-{number}" in self.taken:
            number += 1
        value = f"{stem}-{number}"
        self.taken.add(value)
        return value


def default_folder(handbook: Handbook, kind: str) -> str:
    """The folder most playbooks of ``kind`` live in (the first by name on a tie), else the
    kind's name."""
    folders = Counter("/".join(p.folder) for p in handbook.by_kind(kind))
    if not folders:
        return kind
    most = max(folders.values())
    return sorted(f for f, n in folders.items() if n == most)[0]


def plan(handbook: Handbook, kind_name: str, pid: str, folder: str | None = None) -> Draft:
    """The draft of a new playbook; nothing is written.

    Raises:
        ScaffoldError: the kind is unknown, the id or folder is not allowed, or the id or
            the file is already taken.
    """
    settings = handbook.settings
    kinds = handbook.schemas.kinds
    if kind_name not in kinds:
        near = suggest(kind_name, list(kinds))
        raise ScaffoldError(f"{kind_name!r} is not a kind of this handbook{near or '.'} "
                            f"The kinds are: {', '.join(kinds) or 'none'}.")
    kind = kinds[kind_name]
    _check_id(pid)
    folder = (folder if folder is not None else default_folder(handbook, kind_name)).strip("/")
    parts = folder.split("/") if folder else []
    for part in parts:
        if not ID.fullmatch(part) or part in RESERVED:
            raise ScaffoldError(f"The folder {folder!r} is not allowed: each folder name must be "
                                "lower-case words joined by dashes, like 'launch-plans'.")
    target = settings.playbooks.joinpath(*parts, f"{pid}.yaml")
    rel = rel_path(target, settings.root)
    _check_free(handbook, pid, target)
    context = _context(handbook, pid)
    data = _document(kind, handbook, context)
    text = render(kind, data, _modeline(kind.path, target.parent), context.today, pid)
    # The draft must mean exactly what was planned, with the loader authors' files go through.
    if parse(text.encode("utf-8")).data != data:
        raise AssertionError(f"the draft of {rel} does not read back as written")
    return Draft(target, rel, text, tuple(context.notes))


def write(draft: Draft) -> None:
    """Create the draft's file; never replaces one (the check and the write are one step).

    Raises:
        ScaffoldError: the file appeared since :func:`plan` looked.
    """
    draft.path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with draft.path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(draft.text)
    except FileExistsError as exc:
        raise ScaffoldError(f"{draft.rel} already exists; it was left unchanged.") from exc


def _check_id(pid: str) -> None:
    if not ID.fullmatch(pid) or len(pid) > 64:
        raise ScaffoldError(f"{pid!r} cannot be an id: ids are up to 64 lower-case letters, "
                            "digits and single dashes, like 'sprint-review'.")
    if pid in RESERVED:
        raise ScaffoldError(f"{pid!r} cannot be an id: the site or Windows reserves that name. "
                            "Choose another id.")


def _check_free(handbook: Handbook, pid: str, target: Path) -> None:
    for suffix in YAML_SUFFIXES:
        other = target.with_suffix(suffix)
        if other.exists() or other.is_symlink():
            raise ScaffoldError(f"{rel_path(other, handbook.settings.root)} already exists; it "
                                "was left unchanged. Choose another id, or edit that file.")
    index = handbook.index
    if pid in index.playbooks:
        raise ScaffoldError(f"The id {pid!r} is already used by "
                            f"{index.playbooks[pid].source.path}; choose another id.")
    if pid in index.terms:
        term = index.terms[pid]
        raise ScaffoldError(f"The id {pid!r} is already a glossary term in {term.source.path}; "
                            "choose another id.")
    # Files that do not validate yet still own their name, in any letter case or form.
    files, _ = discover(handbook.settings.playbooks, handbook.settings.root)
    for path in files:
        if normalised(path.stem) == normalised(pid):
            raise ScaffoldError(f"The id {pid!r} is already used by the file "
                                f"{rel_path(path, handbook.settings.root)}; choose another id.")


def _context(handbook: Handbook, pid: str) -> _Context:
    index = handbook.index
    teams = list(index.teams)
    roles = list(index.roles)
    taken = {*index.playbooks, *index.terms, *index.teams, *index.roles, pid}
    context = _Context(pid, handbook.settings.today.isoformat(), "", "", taken,
                       roles=frozenset(roles))
    context.team = teams[0] if teams else context.fresh("team")
    context.role = roles[0] if roles else context.fresh("role")
    if not teams:
        context.notes.append(f"No organisation registry lists a team yet, so the owner is the "
                             f"placeholder {context.team!r}; add that team to the registry or "
                             "change the owner.")
    return context


def _document(kind: Kind, handbook: Handbook, context: _Context) -> dict[str, Any]:
    shape = kind.shape
    required = set(kind.schema.get("required", []))
    data: dict[str, Any] = {}
    for key, sub in shape.properties.items():
        if key == "status":
            data[key] = "draft"  # a new playbook is a draft until its owner says otherwise
        elif key in required:
            data[key] = _top_value(kind, key, sub, handbook, context)
    return data


def _top_value(kind: Kind, key: str, shape: Shape, handbook: Handbook,
               context: _Context) -> Any:
    if key == "id":
        return context.pid
    if key == "title":
        return context.pid.replace("-", " ").capitalize()
    if key == "summary":
        return f"TODO: say in one or two sentences what this {kind.title.lower()} is for."
    if kind.name == "organisation" and key == "teams" and context.team not in handbook.index.teams:
        # The registry's first team owns the registry itself.
        team = _value(shape.items, "teams", context) if shape.items else {}
        if isinstance(team, dict) and "id" in team:
            team["id"] = context.team
        return [team]
    if kind.name == "instance" and key in ("template", "sections"):
        return _instance_part(key, handbook, context)
    return _value(shape, key, context)


def _instance_part(key: str, handbook: Handbook, context: _Context) -> Any:
    """A filled template names a real template and fills each of its required fields."""
    # The template most filled templates follow, so the draft sits beside its peers.
    used = Counter(str(p.data["template"]) for p in handbook.by_kind("instance"))
    templates = sorted(handbook.by_kind("template"), key=lambda p: (-used[p.id], p.id))
    if not templates:
        if key == "template":
            context.notes.append("No template exists yet: write one first (`opsbook new "
                                 "template ID`), then name it in 'template:'.")
            return "TODO-template"
        return {}
    template = templates[0]
    if key == "template":
        return template.id
    placeholders = {"text": "TODO", "list": ["TODO"], "number": 0,
                    "date": context.today}
    sections: dict[str, Any] = {}
    for section in template.data["sections"]:
        fields: dict[str, Any] = {}
        for spec in section["fields"]:
            if not spec.get("required", True):
                continue
            options = spec.get("options") or ["TODO"]
            fields[spec["id"]] = placeholders.get(spec["type"], options[0])
        if fields:
            sections[section["id"]] = fields
    return sections


def _value(shape: Shape | None, key: str | int, context: _Context, name: str = "",
           example: Any = None) -> Any:
    """A placeholder the schema accepts for ``shape``.

    Args:
        shape: Where the value sits in the kind's schema.
        key: Its key, or for a list entry the list's key made singular (``tiers`` → ``tier``),
            which names entry ids (``tier-1``).
        context: Registry ids for references, today's date, ids already taken.
        name: What a ``TODO`` placeholder names (for a list entry: the list's title).
        example: The value the enclosing object's schema example gives this field, if any.
    """
    schema = shape.schema if shape else {}
    if "const" in schema:
        return schema["const"]
    meaning = shape.meaning if shape else ""
    if meaning in ("team", "party"):
        return context.team
    if meaning == "role":
        if context.role not in context.roles and not context.role_noted:
            context.role_noted = True
            context.notes.append(f"No organisation registry lists a role yet, so roles are the "
                                 f"placeholder {context.role!r}; add that role to the registry "
                                 "or change them.")
        return context.role
    if meaning == "ref":
        return context.pid  # the playbook itself always exists once written
    examples = [e for e in schema.get("examples", []) if e is not None]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        if schema.get("default") in enum:
            return schema["default"]
        if example in enum:
            return example
        return next((e for e in examples if e in enum), enum[0])
    kind = schema.get("type")
    if kind == "object" or (shape and shape.properties and kind is None):
        required = set(schema.get("required", []))
        examples_of = next((e for e in examples if isinstance(e, dict)), {})
        out: dict[str, Any] = {}
        for field_name, sub in (shape.properties if shape else {}).items():
            if field_name in required:
                # An entry's id is named after its list: tier-1, phase-1...
                out[field_name] = _value(sub, key if field_name == "id" else field_name,
                                         context, example=examples_of.get(field_name))
        return out
    if kind == "array":
        count = int(schema.get("minItems", 0))
        stem = str(key).removesuffix("s") if isinstance(key, str) else "entry"
        title = shape.title if shape and shape.title else str(key)
        return [_value(shape.items if shape else None, stem, context, name=title)
                for _ in range(count)]
    if kind == "boolean":
        return bool(schema.get("default", False))
    if kind in ("integer", "number"):
        for candidate in (schema.get("default"), *examples, schema.get("minimum")):
            if isinstance(candidate, int | float) and not isinstance(candidate, bool):
                return candidate
        return 1
    return _text(schema, name or (shape.title if shape and shape.title else str(key)), key,
                 context)


def _text(schema: dict[str, Any], name: str, key: str | int, context: _Context) -> str:
    if schema.get("format") == "date":
        return context.today
    pattern = schema.get("pattern")
    strings = [e for e in schema.get("examples", []) if isinstance(e, str)]
    if pattern == "^[a-z0-9]+(-[a-z0-9]+)*$":
        stem = str(key) if isinstance(key, str) and key != "id" else ""
        example = next((e for e in strings if e not in context.taken), "")
        if example:
            context.taken.add(example)
            return example
        return context.fresh(stem or "entry")
    if pattern and "[^<>" not in pattern:
        match = next((e for e in strings if re.search(pattern, e)), None)
        if match is not None:
            return match
    text = f"TODO: {name.lower()}"
    limit = schema.get("maxLength")
    return text[:limit] if isinstance(limit, int) else text


# -- writing YAML with comments -------------------------------------------------------------


def _modeline(schema_path: Path, folder: Path) -> str:
    relative = Path(os.path.relpath(schema_path, folder)).as_posix()
    return MODELINE.format(schema=relative)


def render(kind: Kind, data: dict[str, Any], modeline: str, today: str, pid: str) -> str:
    """The draft's text: modeline, a header, then each field under its description."""
    lines = [modeline]
    header = (f"A new {kind.title.lower()}, written by `opsbook new {kind.name} {pid}` on "
              f"{today}. Replace every TODO, then check it with `opsbook validate`.")
    lines += _comment(header, 0)
    optional = [k for k in kind.shape.properties if k not in data]
    if optional:
        lines += _comment(f"Fields you may add: {', '.join(optional)}. The kind's reference "
                          f"page ('How to write a {kind.title.lower()}') describes each one.", 0)
    for key, value in data.items():
        lines.append("")
        lines += _field(key, value, kind.shape.child(key), 0)
    return "\n".join(lines) + "\n"


def _comment(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return [f"{pad}# {line}" for line in textwrap.wrap(
        " ".join(text.split()), width=max(WIDTH - indent - 2, 40),
        break_long_words=False, break_on_hyphens=False)]


def _field(key: str, value: Any, shape: Shape | None, indent: int, dash: bool = False
           ) -> list[str]:
    """``key: value`` under its description; ``dash`` starts a list entry (``- key: value``)."""
    pad = " " * indent
    lead = f"{pad[:-2]}- " if dash else pad
    # A list entry's first comment sits at the dash, so it reads as the entry's heading.
    at = indent - 2 if dash else indent
    out = _comment(shape.description, at) if shape and shape.description else []
    if isinstance(value, dict) and value:
        out.append(f"{lead}{key}:")
        for sub_key, sub in value.items():
            out += _field(sub_key, sub, shape.child(sub_key) if shape else None, indent + 2)
    elif isinstance(value, list) and value:
        out.append(f"{lead}{key}:")
        out += _items(value, shape.items if shape else None, indent + 2)
    else:
        out.append(f"{lead}{key}: {yaml_scalar(value)}")
    return out


def _items(values: list[Any], shape: Shape | None, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for item in values:
        if isinstance(item, dict) and item:
            for number, (key, sub) in enumerate(item.items()):
                out += _field(key, sub, shape.child(key) if shape else None, indent + 2,
                              dash=number == 0)
        elif isinstance(item, list) and item:
            raise ValueError("lists of lists are not drafted")
        else:
            out.append(f"{pad}- {yaml_scalar(item)}")
    return out


def yaml_scalar(value: Any) -> str:
    """``value`` as one YAML scalar that reads back as exactly ``value`` (quoted only when
    needed: text that looks like a number, a date or yes/no is quoted)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list):
        return "[]"
    if isinstance(value, dict):
        return "{}"
    text = str(value)
    if (_PLAIN_SAFE.fullmatch(text) and plain_scalar(text) == text and text == text.strip()
            and text.lower() not in _YAML11_WORDS):
        return text
    return json.dumps(text, ensure_ascii=False)

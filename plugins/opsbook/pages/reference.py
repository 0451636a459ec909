"""A "How to write a …" reference page per kind, generated from its schema.

``reference/<kind>.md`` lists every field the kind's schema declares, nested fields included
(``review.last_reviewed``, ``steps[].owner``): its name, type, whether it is required, the
values it allows, its description and an example. The page is read off the same
:class:`~opsbook.schemas.Shape` the engine validates with, so it cannot drift from the schema,
and a custom kind (a new schema file) gets one without any Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from opsbook.scaffold import yaml_scalar
from opsbook.schemas import Kind, Shape

if TYPE_CHECKING:
    from opsbook.site import Job, Page, SiteBuilder

TEMPLATE = "reference.md.j2"
_ID_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
#: What a value with a semantic meaning holds, in the reader's words.
_MEANINGS = {
    "team": "team id",
    "role": "role id",
    "party": "team or role id",
    "ref": "playbook or term id",
    "markdown": "Markdown text",
    "summary": "Markdown text",
}
_TYPES = {
    "string": "text",
    "integer": "whole number",
    "number": "number",
    "boolean": "true or false",
    "array": "list",
    "object": "fields",
    "null": "empty",
}


@dataclass(frozen=True)
class Field:
    """One row of a reference page.

    Attributes:
        path: The field as an author finds it, such as ``steps[].owner``.
        depth: How deeply it is nested (0 for a top-level field).
        title: The schema's title for it.
        type: What it holds, in words (``list of role ids``).
        required: ``"yes"``, ``"no"``, or for a nested field whether its parent needs it.
        allowed: The values or limits it allows, in words.
        description: The schema's description (Markdown).
        example: An example value as it would be typed in YAML, or empty.
    """

    path: str
    depth: int
    title: str
    type: str
    required: str
    allowed: str
    description: str
    example: str

    @property
    def anchor(self) -> str:
        """An HTML id for the row: ``field-steps-owner``."""
        cleaned = "".join(c if c.isalnum() else "-" for c in self.path.replace("[]", ""))
        return "field-" + "-".join(part for part in cleaned.split("-") if part)


def article(word: str) -> str:
    """``a checklist``, ``an organisation``."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def title_of(kind: Kind) -> str:
    """The page's title: ``How to write a checklist``."""
    return f"How to write {article(kind.title.lower())}"


def fields(kind: Kind) -> list[Field]:
    """Every field of ``kind``, in schema order, parents before their children."""
    out: list[Field] = []
    required = set(kind.schema.get("required", []))
    for key, shape in kind.shape.properties.items():
        _walk(key, shape, key in required, 0, out)
    return out


def _walk(path: str, shape: Shape, required: bool, depth: int, out: list[Field],
          parent: str = "") -> None:
    schema = shape.schema
    # An entry named by id (a filled template's section) rarely has a title of its own.
    title = shape.title or (f"Each entry of {parent}" if parent else "")
    description = shape.description or (
        f"One entry of {parent}, under its id." if parent else "")
    out.append(Field(path, depth, title, type_of(shape), "yes" if required else "no",
                     allowed(shape), description, example(shape)))
    children = set(schema.get("required", []))
    for key, sub in shape.properties.items():
        _walk(f"{path}.{key}", sub, key in children, depth + 1, out)
    if shape.additional is not None and (shape.additional.properties or
                                         shape.additional.additional):
        _walk(f"{path}.<id>", shape.additional, False, depth + 1, out, shape.title or path)
    items = shape.items
    if items is not None and (items.properties or items.additional):
        item_required = set(items.schema.get("required", []))
        for key, sub in items.properties.items():
            _walk(f"{path}[].{key}", sub, key in item_required, depth + 1, out)


def type_of(shape: Shape | None) -> str:
    """What a value holds, in words: ``text``, ``list of role ids``, ``date (YYYY-MM-DD)``."""
    if shape is None:
        return "any value"
    schema = shape.schema
    if shape.meaning in _MEANINGS:
        return _MEANINGS[shape.meaning]
    kind = schema.get("type")
    if schema.get("format") == "date":
        return "date (YYYY-MM-DD)"
    if kind == "array":
        inner = type_of(shape.items)
        return "list" if inner == "any value" else f"list of {_plural(inner)}"
    if kind == "object" and shape.additional is not None and not shape.properties:
        return "fields named by id"
    if isinstance(kind, list):
        return " or ".join(_TYPES.get(str(k), str(k)) for k in kind)
    if kind is None:
        choices = schema.get("anyOf") or schema.get("oneOf")
        if isinstance(choices, list):
            words = [_TYPES.get(str(c.get("type")), "value") for c in choices
                     if isinstance(c, dict)]
            return " or ".join(dict.fromkeys(words)) or "any value"
        if "const" in schema or "enum" in schema:
            return "text"
        return "fields" if shape.properties else "any value"
    if kind == "string" and "[^<>" in str(schema.get("pattern", "")):
        return "one line of text"
    return _TYPES.get(str(kind), str(kind))


def _plural(words: str) -> str:
    if words.endswith(" text") or words == "text" or words.startswith(("true", "fields")):
        return words
    if words.endswith(")"):  # date (YYYY-MM-DD)
        head, _, tail = words.partition(" (")
        return f"{head}s ({tail}"
    return words + "s"


def allowed(shape: Shape) -> str:
    """The values or limits a field allows, in words."""
    schema = shape.schema
    parts: list[str] = []
    if "const" in schema:
        parts.append(f"exactly {_yaml(schema['const'])}")
    if isinstance(schema.get("enum"), list):
        parts.append("one of " + ", ".join(_yaml(v) for v in schema["enum"]))
    pattern = schema.get("pattern")
    if pattern == _ID_PATTERN:
        parts.append("lower-case letters, digits and dashes")
    elif isinstance(pattern, str) and "[^<>" in pattern:
        parts.append("no '<' or '>'")
    elif isinstance(pattern, str) and schema.get("format") != "date":
        # A regular expression means little to an author; the example shows the form.
        parts.append("written like the example" if example(shape) else f"matching {pattern}")
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(high, int):
        parts.append(f"up to {high} characters")
    if isinstance(low, int) and low > 1:
        parts.append(f"at least {low} characters")
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        parts.append(f"{low} to {high}")
    elif low is not None:
        parts.append(f"at least {low}")
    elif high is not None:
        parts.append(f"at most {high}")
    low, high = schema.get("minItems"), schema.get("maxItems")
    if isinstance(low, int) and low > 0:
        parts.append(f"at least {low} entr{'y' if low == 1 else 'ies'}")
    if isinstance(high, int):
        parts.append(f"at most {high} entries")
    if schema.get("uniqueItems"):
        parts.append("no entry twice")
    if "default" in schema:
        parts.append(f"default {_yaml(schema['default'])}")
    return "; ".join(parts)


def example(shape: Shape) -> str:
    """The schema's first example, as it would be typed in YAML (flow style for lists)."""
    examples = shape.schema.get("examples")
    if not isinstance(examples, list) or not examples:
        return ""
    return _yaml(examples[0])


def _yaml(value: Any) -> str:
    """``value`` as an author types it: text that would read as something else is quoted."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)  # JSON is YAML's flow style
    return yaml_scalar(value)


def pages(builder: SiteBuilder) -> Iterator[Job]:
    """``reference/<kind>.md`` for every kind, custom kinds included."""
    from opsbook.site import Job

    for kind in builder.handbook.schemas.kinds.values():
        # Shows the kind's schema and how many playbooks it has: no playbook's content.
        yield Job(f"reference/{kind.name}.md", partial(page, builder, kind), set)


def page(builder: SiteBuilder, kind: Kind) -> Page:
    from opsbook.site import Page

    src = f"reference/{kind.name}.md"
    return Page(src, builder.render(
        TEMPLATE, src, {"title": title_of(kind)}, kind=kind, fields=fields(kind),
        page_title=title_of(kind), count=len(builder.handbook.by_kind(kind.name)),
        schema_file=kind.path.name, kind_page=f"kinds/{kind.name}.md"))


def assets(builder: SiteBuilder) -> list[Job]:
    return []

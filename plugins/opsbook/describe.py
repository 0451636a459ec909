"""Turn JSON Schema errors into problems a person can act on.

jsonschema's own messages quote whole values and name keywords; these name the field by its
schema title, quote what the author typed (shortened), and say what to write instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from jsonschema.exceptions import ValidationError

from opsbook.problems import Problem, json_path
from opsbook.schemas import Kind, Shape
from opsbook.yamlsrc import Document, Path

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a set of fields",
    "null": "empty",
}
_TYPE_FIXES = {
    "string": "Put the value in quotes to keep it as text.",
    "integer": "Write a whole number such as 30, without quotes.",
    "number": "Write a number such as 2.5, without quotes.",
    "boolean": "Write true or false (not yes/no, on/off).",
    "array": "Write one entry per line, each starting with '- '.",
    "object": "Write the fields indented below this key, one 'name: value' per line.",
}


def suggest(word: str, choices: list[str] | set[str] | tuple[str, ...]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, or an empty string."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def show(value: Any, limit: int = 40) -> str:
    """A short quotation of what the author typed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "an empty value"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 1] + "…"
        return repr(text)
    return "a list" if isinstance(value, list) else "a set of fields"


def _what(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "empty"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "a set of fields"


def shape_at(kind: Kind, path: Path) -> Shape | None:
    shape: Shape | None = kind.shape
    for part in path:
        if shape is None:
            return None
        shape = shape.child(part)
    return shape


def _label(kind: Kind, path: Path) -> str:
    shape = shape_at(kind, path)
    if shape is not None and shape.title:
        return shape.title
    named = [p for p in path if isinstance(p, str)]
    return named[-1] if named else kind.title


def _located(doc: Document, rel: str, path: Path, code: str, message: str, fix: str = "",
             field: Path | None = None) -> Problem:
    line, col = doc.locate(path)
    return Problem(rel, line, col, code, message, fix, json_path(path if field is None else field))


def describe(error: ValidationError, kind: Kind, doc: Document, rel: str) -> Iterator[Problem]:
    """The problems one validation error stands for (``required`` may name several)."""
    path: Path = tuple(error.absolute_path)
    keyword = error.validator
    value = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    label = _label(kind, path)
    if "propertyNames" in error.relative_schema_path and isinstance(value, str):
        yield _located(doc, rel, (*path, value), "bad-format",
                       f"The key {value!r} is not a valid id.",
                       "Use lower-case letters, digits and dashes, like 'sprint-review'.")
        return
    if keyword == "required" and isinstance(value, dict):
        shape = shape_at(kind, path)
        for name in error.validator_value:
            if name in value:
                continue
            sub = shape.child(name) if shape else None
            title = f" ({sub.title})" if sub and sub.title else ""
            hint = f" {sub.description}" if sub and sub.description else ""
            where = "the file" if not path else label
            yield _located(doc, rel, path, "missing-field",
                           f"{where[0].upper()}{where[1:]} lacks the required field "
                           f"{name!r}{title}.", f"Add '{name}:'.{hint}", (*path, name))
        return
    if keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(value, dict):
        allowed = set(schema.get("properties", {}))
        for key in sorted(set(value) - allowed):
            where = "this playbook" if not path else label
            near = suggest(key, allowed)
            fix = ("" if near else
                   f"The fields allowed here are: {', '.join(sorted(allowed))}.")
            yield _located(doc, rel, (*path, key), "unknown-field",
                           f"{key!r} is not a field of {where}{near or '.'}", fix, (*path, key))
        return
    if keyword == "type":
        expected = error.validator_value
        types = [expected] if isinstance(expected, str) else list(expected)
        want = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        fix = _TYPE_FIXES.get(types[0], "")
        if types[0] == "string" and isinstance(value, bool | int | float) or value is None:
            fix = f'Write it in quotes, like "{show(value)}".' if value is not None else (
                "Write the value after the colon, or delete the line.")
        yield _located(doc, rel, path, "wrong-type",
                       f"{label} must be {want}, but {show(value)} is {_what(value)}.", fix)
        return
    if keyword in ("enum", "const"):
        allowed = error.validator_value if keyword == "enum" else [error.validator_value]
        words = [str(a) for a in allowed]
        near = suggest(str(value), words) if isinstance(value, str) else ""
        yield _located(doc, rel, path, "bad-value",
                       f"{show(value)} is not an allowed value for {label}{near or '.'}",
                       f"Use one of: {', '.join(words)}.")
        return
    if keyword in ("pattern", "format"):
        shape = shape_at(kind, path)
        examples = (shape.schema.get("examples") if shape else None) or schema.get("examples")
        example = f" For example: {examples[0]!r}." if examples else ""
        hint = (shape.description if shape and shape.description else "") or str(
            schema.get("description", ""))
        if schema.get("format") == "date" or error.validator_value == "date":
            message = f"{show(value)} is not a real date written YYYY-MM-DD."
        elif "[^<>" in str(schema.get("pattern", "")):
            message = f"{label} must be one line of plain text without '<' or '>'."
            hint = "Remove the angle brackets and line breaks."
        else:
            message = f"{show(value)} is not in the form {label} needs."
        yield _located(doc, rel, path, "bad-format", message, f"{hint}{example}".strip())
        return
    if keyword in ("minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum",
                   "exclusiveMinimum", "exclusiveMaximum"):
        limit = error.validator_value
        messages = {
            "minLength": f"{label} must not be empty." if limit == 1 else
            f"{label} must be at least {limit} characters long.",
            "maxLength": f"{label} is {len(value) if isinstance(value, str) else '?'} "
            f"characters long; at most {limit} are allowed.",
            "minItems": f"{label} needs at least {limit} "
            f"entr{'y' if limit == 1 else 'ies'}.",
            "maxItems": f"{label} may have at most {limit} entries.",
            "minimum": f"{label} must be at least {limit}, not {show(value)}.",
            "maximum": f"{label} must be at most {limit}, not {show(value)}.",
            "exclusiveMinimum": f"{label} must be more than {limit}, not {show(value)}.",
            "exclusiveMaximum": f"{label} must be less than {limit}, not {show(value)}.",
        }
        yield _located(doc, rel, path, "out-of-range", messages[keyword])
        return
    if keyword == "uniqueItems" and isinstance(value, list):
        seen: set[str] = set()
        for index, item in enumerate(value):
            key = repr(item)
            if key in seen:
                yield _located(doc, rel, (*path, index), "duplicate-item",
                               f"{show(item)} is listed twice in {label}.",
                               "Delete the repeated entry.", (*path, index))
            seen.add(key)
        return
    if keyword in ("anyOf", "oneOf"):
        types: list[str] = []
        for sub in error.validator_value:
            t = sub.get("type") if isinstance(sub, dict) else None
            if isinstance(t, str) and _TYPE_WORDS[t] not in types:
                types.append(_TYPE_WORDS[t])
        if types:
            yield _located(doc, rel, path, "wrong-type",
                           f"{label} must be {', '.join(types[:-1])} or {types[-1]}"
                           f", but {show(value)} is {_what(value)}."
                           if len(types) > 1 else f"{label} must be {types[0]}.")
            return
    message = error.message if len(error.message) <= 200 else error.message[:199] + "…"
    yield _located(doc, rel, path, "schema-violation", f"{label}: {message}.")

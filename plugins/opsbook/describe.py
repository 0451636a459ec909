"""Turn JSON Schema errors into problems a person can act on.

jsonschema's own messages quote whole values and name keywords; these name the field by its
schema title, quote what the author typed (shortened, and as typed: ``1.10``, not ``1.1``),
explain the YAML 1.1 look-alikes that stay text (``yes``, ``010``, ``1:30``), and always say
what to write instead. One mistake gives one problem: a value of the wrong type is not also
reported against the field's allowed values or form, and a misspelt required key is reported
once, as the unknown key with its suggestion.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterator
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
    "string": "Write the text after the colon.",
    "integer": "Write a whole number such as 30, without quotes.",
    "number": "Write a number such as 2.5, without quotes.",
    "boolean": "Write true or false.",
    "array": "Write one entry per line below it, each starting with '- '.",
    "object": "Write the fields indented below this key, one 'name: value' per line.",
}
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list,), "object": (dict,), "null": (type(None),),
}
#: Words YAML 1.1 read as true/false; YAML 1.2 (and Opsbook) keep them as text.
_YAML11_TRUE = frozenset({"yes", "y", "on"})
_YAML11_FALSE = frozenset({"no", "n", "off"})
_ID_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
_ID_WORDS = re.compile(r"[a-z0-9]+")
#: Keywords that only apply to one type: when the value has another type, the ``type``
#: error already says what is wrong.
_TYPED_KEYWORDS = frozenset({
    "enum", "const", "pattern", "format", "minLength", "maxLength", "minItems", "maxItems",
    "uniqueItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minProperties", "maxProperties", "required", "additionalProperties",
    "unevaluatedProperties", "propertyNames", "dependentRequired", "contains"})


def suggest(word: str, choices: Collection[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, or an empty string."""
    close = closest(word, choices)
    return f"; did you mean {close!r}?" if close else ""


def closest(word: str, choices: Collection[str]) -> str:
    """The closest of ``choices`` to ``word`` (ignoring case), or an empty string."""
    folded = {c.casefold(): c for c in sorted(choices)}
    close = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else ""


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


def _typed(doc: Document, path: Path, value: Any) -> str:
    """What the author typed at ``path``: the raw text of a number or true/false, so that
    ``1.10`` is quoted as written and not as the number 1.1."""
    raw = doc.raw.get(path)
    return raw if raw else show(value)


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


def _is_type(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _JSON_TYPES.get(name, (object,)))


def shape_at(kind: Kind, path: Path) -> Shape | None:
    """The :class:`Shape` of the value at ``path`` in a playbook of ``kind``, if declared."""
    shape: Shape | None = kind.shape
    for part in path:
        if shape is None:
            return None
        shape = shape.child(part)
    return shape


def label(kind: Kind, path: Path) -> str:
    """How a message names the value at ``path``: its schema title, else its key, and for
    an untitled list entry ``Entry 2 of Steps``."""
    shape = shape_at(kind, path)
    if shape is not None and shape.title:
        return shape.title
    if not path:
        return f"The {kind.title.lower()}"
    if isinstance(path[-1], int):
        return f"Entry {path[-1] + 1} of {label(kind, path[:-1])}"
    return str(path[-1])


def _rule(error: ValidationError) -> Any:
    """The value of the keyword that failed (``minItems: 1`` → 1)."""
    return error.validator_value


def _inline(name: str) -> str:
    """``name`` in the middle of a sentence (``entry 2 of Steps``, but ``Owner``)."""
    return "e" + name[1:] if name.startswith("Entry ") else name


def _slug(text: str) -> str:
    return "-".join(_ID_WORDS.findall(text.lower()))


def _located(doc: Document, rel: str, path: Path, code: str, message: str, fix: str = "",
             field: Path | None = None) -> Problem:
    line, col = doc.locate(path)
    return Problem(rel, line, col, code, message, fix, json_path(path if field is None else field))


def _required_here(kind: Kind, path: Path) -> bool:
    if not path or isinstance(path[-1], int):
        return True
    parent = shape_at(kind, path[:-1])
    return parent is not None and path[-1] in parent.schema.get("required", ())


def describe(error: ValidationError, kind: Kind, doc: Document, rel: str) -> Iterator[Problem]:
    """The problems one validation error stands for (``required`` may name several)."""
    path: Path = tuple(error.absolute_path)
    keyword = str(error.validator)
    value = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    declared = schema.get("type")
    if keyword in _TYPED_KEYWORDS and isinstance(declared, str) and not _is_type(value, declared):
        return  # the type error for the same value says it all
    name = label(kind, path)
    if "propertyNames" in error.relative_schema_path and isinstance(value, str):
        slug = _slug(value)
        yield _located(doc, rel, (*path, value), "bad-format",
                       f"The key {value!r} in {_inline(name)} is not a valid id: ids are "
                       "lower-case letters, digits and dashes.",
                       f"Write it as {slug!r}." if slug else "Write it like 'sprint-review'.",
                       (*path, value))
        return
    handler = _HANDLERS.get(keyword, _other)
    yield from handler(error, kind, doc, rel, path, value, schema, name)


def _required(error: ValidationError, kind: Kind, doc: Document, rel: str, path: Path,
              value: Any, schema: dict[str, Any], name: str) -> Iterator[Problem]:
    shape = shape_at(kind, path)
    allowed = set(schema.get("properties", {}))
    unknown = [key for key in value if key not in allowed]
    where = "The playbook" if not path else name
    for missing in _rule(error):
        if missing in value:
            continue
        if any(closest(key, allowed) == missing for key in unknown):
            continue  # a misspelling: the unknown key's problem suggests this name
        sub = shape.child(missing) if shape else None
        title = f" ({sub.title})" if sub and sub.title else ""
        hint = f" {sub.description}" if sub and sub.description else ""
        yield _located(doc, rel, path, "missing-field",
                       f"{where} lacks the required field {missing!r}{title}.",
                       f"Add '{missing}:'.{hint}", (*path, missing))


def _unknown_key(error: ValidationError, kind: Kind, doc: Document, rel: str, path: Path,
                 value: Any, schema: dict[str, Any], name: str) -> Iterator[Problem]:
    allowed = set(schema.get("properties", {}))
    where = "this playbook" if not path else _inline(name)
    for key in sorted(set(value) - allowed):
        near = closest(key, allowed)
        if near and near in value:
            line = doc.locate((*path, near))[0]
            message = f"{key!r} is not a field of {where}; did you mean {near!r}?"
            fix = f"Delete it: '{near}' is already given on line {line}."
        elif near:
            message = f"{key!r} is not a field of {where}; did you mean {near!r}?"
            fix = f"Rename it to '{near}', or delete it."
        else:
            message = f"{key!r} is not a field of {where}."
            fix = (f"Delete it (the fields {where} takes are: {', '.join(sorted(allowed))})."
                   if allowed else "Delete it.")
        yield _located(doc, rel, (*path, key), "unknown-field", message, fix, (*path, key))


def _wrong_type(error: ValidationError, kind: Kind, doc: Document, rel: str, path: Path,
                value: Any, schema: dict[str, Any], name: str) -> Iterator[Problem]:
    expected = _rule(error)
    types = [expected] if isinstance(expected, str) else list(expected)
    want = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
    typed = _typed(doc, path, value)
    if value is None:
        key = path[-1] if path and isinstance(path[-1], str) else ""
        after = f" after '{key}:'" if key else ""
        fix = f"Write {want}{after}." if _required_here(kind, path) else (
            f"Write {want}{after}, or delete the line.")
        yield _located(doc, rel, path, "wrong-type", f"{name} has no value; it must be {want}.",
                       fix)
        return
    if isinstance(value, list | dict):
        message = f"{name} must be {want}, not {_what(value)}."
    else:
        message = f"{name} must be {want}, but {typed} is {_what(value)}."
    allowed = schema.get("enum")
    fix = (f"Use one of: {', '.join(str(a) for a in allowed)}." if isinstance(allowed, list)
           else _type_fix(types[0], value, typed))
    yield _located(doc, rel, path, "wrong-type", message, fix)


def _type_fix(want: str, value: Any, typed: str) -> str:
    """What to write instead, explaining the YAML 1.1 look-alikes that stay text."""
    if want == "string" and isinstance(value, bool | int | float):
        return f'Put it in quotes to keep it as text: "{typed}".'
    if want == "boolean" and isinstance(value, str):
        word = value.strip().lower()
        if word in _YAML11_TRUE | _YAML11_FALSE:
            meant = "true" if word in _YAML11_TRUE else "false"
            return (f"Write {meant} instead of {value!r}: only true and false mean yes or no "
                    "here.")
        if word in ("true", "false"):
            return f"Remove the quotes: {word}."
    if want in ("integer", "number") and isinstance(value, str):
        number = _number_meant(value.strip())
        if number is not None:
            return number
    return _TYPE_FIXES.get(want, "")


def _number_meant(text: str) -> str | None:
    sign = "-" if text.startswith("-") else ""
    body = text.lstrip("+-")
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?", body):
        if re.fullmatch(r"0[0-9]+", body):
            return f"Write it without the leading zero: {sign}{int(body)}."
        return f"Remove the quotes: {text}."
    if re.fullmatch(r"0x[0-9a-fA-F]+|0o[0-7]+|0b[01]+", body):
        return f"Write it as an ordinary number: {sign}{int(body, 0)}."
    if re.fullmatch(r"[0-9]+(:[0-5]?[0-9])+", body):
        total = 0
        for part in body.split(":"):
            total = total * 60 + int(part)
        return f"Write one whole number, such as {sign}{total} for {text}."
    if re.fullmatch(r"[0-9]{1,3}([_,][0-9]{3})+", body):
        return f"Write it without separators: {sign}{body.replace('_', '').replace(',', '')}."
    leading = re.match(r"[0-9]+(\.[0-9]+)?", body)
    if leading:
        return f"Write only the number, without the words: {sign}{leading.group()}."
    return None


def _bad_value(error: ValidationError, kind: Kind, doc: Document, rel: str, path: Path,
               value: Any, schema: dict[str, Any], name: str) -> Iterator[Problem]:
    allowed = _rule(error) if error.validator == "enum" else [_rule(error)]
    words = [show(a) if not isinstance(a, str) else a for a in allowed]
    near = closest(value, words) if isinstance(value, str) else ""
    typed = _typed(doc, path, value)
    if len(words) == 1:
        yield _located(doc, rel, path, "bad-value", f"{name} must be {words[0]!r}, not {typed}.",
                       f"Write {words[0]}.")
        return
    yield _located(doc, rel, path, "bad-value",
                   f"{typed} is not an allowed value for {_inline(name)}"
                   + (f"; did you mean {near!r}?" if near else "."),
                   f"Use one of: {', '.join(words)}.")


def _bad_form(error: ValidationError, kind: Kind, doc: Document, rel: str, path: Path,
              value: Any, schema: dict[str, Any], name: str) -> Iterator[Problem]:
    shape = shape_at(kind, path)
    merged = {**schema, **(shape.schema if shape else {})}
    examples = merged.get("examples") or []
    example = next((e for e in examples if isinstance(e, str)), "")
    typed = _typed(doc, path, value)
    if merged.get("format") == "date":
        # Pattern and format give the same words, so the two errors become one problem.
        yield _located(doc, rel, path, "bad-format",
                       f"{name} must be a real date written YYYY-MM-DD, not {typed}.",
                       f"For example: {example or '2026-11-02'}.")
        return
    pattern = str(merged.get("pattern", ""))
    if pattern == _ID_PATTERN and isinstance(value, str):
        slug = _slug(value)
        yield _located(doc, rel, path, "bad-format",
                       f"{name} must be lower-case letters, digits and single dashes, "
                       f"not {typed}.",
                       f"Write {slug!r}." if slug and slug != value else
                       f"For example: {example or 'sprint-review'}.")
        return
    if "[^<>" in pattern:
        yield _located(doc, rel, path, "bad-format",
                       f"{name} must be one line of plain text without '<' or '>'.",
                       "Remove the angle brackets and the line breaks.")
        return
    hint = shape.description if shape and shape.description else str(
        merged.get("description", ""))
    if error.validator == "format":
        message = f"{typed} is not a valid {_rule(error)} for {name}."
    else:
        message = f"{typed} is not written the way {_inline(name)} needs."
    fix = " ".join(filter(None, [hint, f"For example: {example}." if example else ""]))
    yield _located(doc, rel, path, "bad-format", message,
                   fix or f"See how to write {_inline(name)} in the kind's reference page.")


def _out_of_range(error: ValidationError, kind: Kind, doc: Document, rel: str, path: Path,
                  value: Any, schema: dict[str, Any], name: str) -> Iterator[Problem]:
    limit = _rule(error)
    typed = _typed(doc, path, value)
    size = len(value) if isinstance(value, str | list | dict) else 0
    entries = f"entr{'y' if limit == 1 else 'ies'}"
    fields = f"field{'' if limit == 1 else 's'}"
    messages = {
        "minLength": (f"{name} is empty." if limit == 1 and not size else
                      f"{name} is {size} characters long; it must be at least {limit}.",
                      "Write the text after the colon." if limit == 1 else
                      "Write a longer text."),
        "maxLength": (f"{name} is {size} characters long; at most {limit} are allowed.",
                      f"Shorten it to {limit} characters or fewer."),
        "minItems": (f"{name} has {size} {'entry' if size == 1 else 'entries'}; it needs at "
                     f"least {limit}.",
                     f"Add at least {limit} {entries}, one per line, each starting with '- '."),
        "maxItems": (f"{name} has {size} entries; at most {limit} are allowed.",
                     f"Remove entries until {limit} or fewer are left."),
        "minProperties": (f"{name} has {size} {fields}; it needs at least {limit}.",
                          "Add the missing fields."),
        "maxProperties": (f"{name} has {size} {fields}; at most {limit} are allowed.",
                          "Remove fields."),
        "minimum": (f"{name} must be at least {limit}, not {typed}.",
                    f"Write a number of {limit} or more."),
        "maximum": (f"{name} must be at most {limit}, not {typed}.",
                    f"Write a number of {limit} or less."),
        "exclusiveMinimum": (f"{name} must be more than {limit}, not {typed}.",
                             f"Write a number above {limit}."),
        "exclusiveMaximum": (f"{name} must be less than {limit}, not {typed}.",
                             f"Write a number below {limit}."),
        "multipleOf": (f"{name} must be a multiple of {limit}, not {typed}.",
                       f"Write a multiple of {limit}."),
    }
    message, fix = messages[str(error.validator)]
    yield _located(doc, rel, path, "out-of-range", message, fix)


def _duplicates(error: ValidationError, kind: Kind, doc: Document, rel: str, path: Path,
                value: Any, schema: dict[str, Any], name: str) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for index, item in enumerate(value):
        key = repr(item)
        if key in first:
            line = doc.locate((*path, first[key]))[0]
            yield _located(doc, rel, (*path, index), "duplicate-item",
                           f"{show(item)} is listed twice in {_inline(name)}, here and on "
                           f"line {line}.",
                           "Delete one of the two.", (*path, index))
        else:
            first[key] = index


def _alternatives(error: ValidationError, kind: Kind, doc: Document, rel: str, path: Path,
                  value: Any, schema: dict[str, Any], name: str) -> Iterator[Problem]:
    declared = [sub.get("type") if isinstance(sub, dict) else None
                for sub in _rule(error)]
    if declared and all(isinstance(t, str) for t in declared) and not any(
            _is_type(value, str(t)) for t in declared):
        types: list[str] = []
        for t in declared:
            if _TYPE_WORDS.get(str(t), str(t)) not in types:
                types.append(_TYPE_WORDS.get(str(t), str(t)))
        want = f"{', '.join(types[:-1])} or {types[-1]}" if len(types) > 1 else types[0]
        yield _located(doc, rel, path, "wrong-type",
                       f"{name} must be {want}, but {_typed(doc, path, value)} is "
                       f"{_what(value)}.", f"Write {want}.")
        return
    yield from _other(error, kind, doc, rel, path, value, schema, name)


def _dependent(error: ValidationError, kind: Kind, doc: Document, rel: str, path: Path,
               value: Any, schema: dict[str, Any], name: str) -> Iterator[Problem]:
    for given, needed in sorted(_rule(error).items()):
        if given not in value:
            continue
        for other in needed:
            if other not in value:
                yield _located(doc, rel, (*path, given), "missing-field",
                               f"{name} has {given!r}, so it also needs {other!r}.",
                               f"Add '{other}:', or delete '{given}:'.", (*path, other))


def _other(error: ValidationError, kind: Kind, doc: Document, rel: str, path: Path,
           value: Any, schema: dict[str, Any], name: str) -> Iterator[Problem]:
    # Never jsonschema's own message: it can quote a whole (huge) value and names keywords.
    typed = _typed(doc, path, value)
    what = typed if not isinstance(value, list | dict) else _what(value)
    yield _located(doc, rel, path, "schema-violation",
                   f"{what[0].upper()}{what[1:]} breaks the '{error.validator}' rule that "
                   f"the {kind.title.lower()} schema sets for {_inline(name)}.",
                   f"Read what {_inline(name)} takes in 'How to write a {kind.title.lower()}' "
                   f"(reference/{kind.name}).")


_HANDLERS = {
    "required": _required,
    "additionalProperties": _unknown_key,
    "unevaluatedProperties": _unknown_key,
    "type": _wrong_type,
    "enum": _bad_value,
    "const": _bad_value,
    "pattern": _bad_form,
    "format": _bad_form,
    "minLength": _out_of_range,
    "maxLength": _out_of_range,
    "minItems": _out_of_range,
    "maxItems": _out_of_range,
    "minProperties": _out_of_range,
    "maxProperties": _out_of_range,
    "minimum": _out_of_range,
    "maximum": _out_of_range,
    "exclusiveMinimum": _out_of_range,
    "exclusiveMaximum": _out_of_range,
    "multipleOf": _out_of_range,
    "uniqueItems": _duplicates,
    "anyOf": _alternatives,
    "oneOf": _alternatives,
    "dependentRequired": _dependent,
}

"""A quick "certainly valid" for playbooks: JSON Schemas compiled to plain Python predicates.

jsonschema is exact and explains every error, but takes about a millisecond for a 90-line
playbook, most of it in keyword dispatch and ``$ref`` resolution. Nearly every file of a handbook
is valid, so :func:`compile_kind` turns a kind's schema into nested closures that answer one
question: would jsonschema find no error here? A predicate returns True only then: every keyword
is checked at least as strictly as jsonschema checks it (``pattern`` with the same ``re.search``,
``format`` with the same format checker), and any doubt (a float where an integer is wanted,
``uniqueItems`` over mixed values...) answers False. False sends the file to jsonschema, which
finds and explains the errors, so the fast path can make validation faster but never more
lenient. A schema using a keyword not handled here is not compiled: its kind always goes
through jsonschema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urldefrag, urljoin

import referencing
import referencing.exceptions
from jsonschema import FormatChecker

Check = Callable[[Any], bool]

#: Keywords that never make an instance invalid.
ANNOTATIONS = frozenset({"title", "description", "examples", "default", "$comment", "$schema",
                         "$defs", "definitions", "deprecated", "readOnly", "writeOnly",
                         "contentMediaType", "contentEncoding"})


class Unsupported(Exception):
    """The schema uses something this module does not compile; use jsonschema for it."""


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


_TYPES: dict[str, Check] = {
    "string": lambda x: isinstance(x, str),
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    # Stricter than JSON Schema (2.0 is an integer there): doubt goes to jsonschema.
    "integer": lambda x: type(x) is int,
    "number": lambda x: type(x) is int or type(x) is float,
}
_SCALARS = (str, int, float, bool, type(None))


def _scalar_key(value: Any) -> tuple[type, Any] | None:
    """A key that equals another's only if both are the same type and value."""
    return (type(value), value) if type(value) in _SCALARS else None


class _Compiler:
    def __init__(self, registry: referencing.Registry[Any], formats: FormatChecker) -> None:
        self.registry = registry
        self.formats = formats
        self.refs: dict[str, Check] = {}
        self.active: set[str] = set()

    def compile(self, schema: Any, base: str) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Unsupported(f"a schema that is a {type(schema).__name__}")
        checks: list[Check] = []
        for key, value in schema.items():
            if key in ANNOTATIONS or key == "additionalProperties":
                continue  # additionalProperties is compiled with properties
            handler = getattr(self, "_k_" + key.lstrip("$"), None)
            if handler is None:
                raise Unsupported(f"the keyword {key!r}")
            checks.append(handler(value, schema, base))
        if "additionalProperties" in schema and "properties" not in schema:
            checks.append(self._k_properties({}, schema, base))
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        return _all(checks)

    # -- keywords ------------------------------------------------------------------------

    def _k_ref(self, ref: Any, schema: dict[str, Any], base: str) -> Check:
        if not isinstance(ref, str):
            raise Unsupported("a $ref that is not a string")
        target = urljoin(base, ref)
        if target in self.active:
            raise Unsupported("a recursive $ref")
        known = self.refs.get(target)
        if known is not None:
            return known
        try:
            resolved = self.registry.resolver().lookup(target)
        except referencing.exceptions.Unresolvable as exc:
            raise Unsupported(f"an unresolvable $ref {ref!r}") from exc
        self.active.add(target)
        try:
            check = self.compile(resolved.contents, urldefrag(target)[0])
        finally:
            self.active.discard(target)
        self.refs[target] = check
        return check

    def _k_id(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        raise Unsupported("$id inside a schema (it changes how $refs resolve)")

    def _k_type(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or any(n not in _TYPES for n in names):
            raise Unsupported(f"the type {value!r}")
        tests = [_TYPES[n] for n in names]
        if len(tests) == 1:
            return tests[0]
        return lambda x: any(t(x) for t in tests)

    def _k_enum(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        if not isinstance(value, list):
            raise Unsupported("an enum that is not a list")
        allowed = frozenset(k for k in map(_scalar_key, value) if k is not None)

        def enum(x: Any) -> bool:
            return type(x) in _SCALARS and (type(x), x) in allowed

        return enum

    def _k_const(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        return self._k_enum([value], schema, base)

    def _k_pattern(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        try:
            search = re.compile(value).search  # jsonschema uses re.search too
        except (re.error, TypeError) as exc:
            raise Unsupported(f"the pattern {value!r}") from exc
        return lambda x: not isinstance(x, str) or search(x) is not None

    def _k_format(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        conforms = self.formats.conforms
        return lambda x: conforms(x, value)

    def _k_minLength(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        return lambda x: not isinstance(x, str) or len(x) >= value

    def _k_maxLength(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        return lambda x: not isinstance(x, str) or len(x) <= value

    def _k_minItems(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        return lambda x: not isinstance(x, list) or len(x) >= value

    def _k_maxItems(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        return lambda x: not isinstance(x, list) or len(x) <= value

    def _k_minProperties(self, value: Any, schema: dict[str, Any],
                         base: str) -> Check:
        return lambda x: not isinstance(x, dict) or len(x) >= value

    def _k_maxProperties(self, value: Any, schema: dict[str, Any],
                         base: str) -> Check:
        return lambda x: not isinstance(x, dict) or len(x) <= value

    def _number(self, value: Any) -> int | float:
        if type(value) not in (int, float):
            raise Unsupported(f"the bound {value!r}")
        return value  # type: ignore[no-any-return]

    def _k_minimum(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        bound = self._number(value)
        return lambda x: type(x) not in (int, float) or x >= bound

    def _k_maximum(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        bound = self._number(value)
        return lambda x: type(x) not in (int, float) or x <= bound

    def _k_exclusiveMinimum(self, value: Any, schema: dict[str, Any],
                            base: str) -> Check:
        bound = self._number(value)
        return lambda x: type(x) not in (int, float) or x > bound

    def _k_exclusiveMaximum(self, value: Any, schema: dict[str, Any],
                            base: str) -> Check:
        bound = self._number(value)
        return lambda x: type(x) not in (int, float) or x < bound

    def _k_required(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        names = tuple(value)
        return lambda x: not isinstance(x, dict) or all(n in x for n in names)

    def _k_dependentRequired(self, value: Any, schema: dict[str, Any],
                             base: str) -> Check:
        rules = {k: tuple(v) for k, v in value.items()}
        return lambda x: not isinstance(x, dict) or all(
            all(n in x for n in needs) for key, needs in rules.items() if key in x)

    def _k_properties(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        if "patternProperties" in schema:
            raise Unsupported("patternProperties")
        table = {name: self.compile(sub, base) for name, sub in value.items()}
        extra_schema = schema.get("additionalProperties", True)
        extra = self.compile(extra_schema, base)
        closed = extra is _never

        def properties(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            for key, item in x.items():
                check = table.get(key)
                if check is None:
                    if closed or not extra(item):
                        return False
                elif not check(item):
                    return False
            return True

        return properties

    def _k_propertyNames(self, value: Any, schema: dict[str, Any],
                         base: str) -> Check:
        check = self.compile(value, base)
        return lambda x: not isinstance(x, dict) or all(check(k) for k in x)

    def _k_items(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        if "prefixItems" in schema or not isinstance(value, dict | bool):
            raise Unsupported("prefixItems or an array of item schemas")
        check = self.compile(value, base)

        def items(x: Any) -> bool:
            if not isinstance(x, list):
                return True
            for item in x:  # noqa: SIM110 - a loop beats all() over a generator here
                if not check(item):
                    return False
            return True

        return items

    def _k_uniqueItems(self, value: Any, schema: dict[str, Any],
                       base: str) -> Check:
        if value is not True:
            return _always

        def unique(x: Any) -> bool:
            if not isinstance(x, list) or len(x) < 2:
                return True
            # Only plain strings are judged here; anything else goes to jsonschema.
            return all(type(i) is str for i in x) and len(set(x)) == len(x)

        return unique

    def _k_anyOf(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        subs = [self.compile(s, base) for s in value]
        return lambda x: any(s(x) for s in subs)

    def _k_allOf(self, value: Any, schema: dict[str, Any], base: str) -> Check:
        return _all([self.compile(s, base) for s in value])


def _all(checks: list[Check]) -> Check:
    def every(x: Any) -> bool:
        for check in checks:  # noqa: SIM110 - a loop beats all() over a generator here
            if not check(x):
                return False
        return True

    return every


def compile_kind(schema: dict[str, Any], uri: str, registry: referencing.Registry[Any],
                 formats: FormatChecker) -> Check | None:
    """A predicate that is True only for instances jsonschema finds valid against the schema
    at ``uri`` (``schema`` is its content), or None if the schema is not compilable."""
    try:
        return _Compiler(registry, formats).compile(schema, uri)
    except (Unsupported, RecursionError):
        return None

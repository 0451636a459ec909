"""The handbook's kinds: JSON Schemas in ``schemas/``, checked and compiled once.

Every ``*.schema.json`` file is checked against the Draft 2020-12 metaschema before any
playbook is. A file whose ``properties.kind`` has a ``const`` is a kind, named by that const
(which must equal the file name); the others hold shared definitions. ``$ref``s between files
resolve through a :class:`referencing.Registry` built over the folder; nothing is fetched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import referencing
import referencing.exceptions
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing.jsonschema import DRAFT202012

from opsbook.problems import Problem

BASE_URI = "https://opsbook.local/schemas/"
SCHEMA_SUFFIX = ".schema.json"
#: Fields every kind must declare (the shared envelope), and those it must require.
ENVELOPE = ("kind", "id", "title", "summary", "owner", "status", "replaced_by", "tags",
            "links", "review")
ENVELOPE_REQUIRED = ("kind", "id", "title", "summary", "owner")
#: Definitions of ``common.schema.json`` whose values the engine understands.
SEMANTIC_DEFS = frozenset({"team", "role", "party", "ref", "markdown", "summary"})


def _no_retrieval(uri: str) -> referencing.Resource[Any]:
    raise referencing.exceptions.NoSuchResource(ref=uri)  # type: ignore[call-arg]


@dataclass(frozen=True)
class Shape:
    """What the engine knows of a value's place in a kind's schema.

    ``meaning`` is one of :data:`SEMANTIC_DEFS` for a value the engine checks or renders
    (a team id, Markdown text...), or empty.
    """

    title: str = ""
    description: str = ""
    meaning: str = ""
    properties: dict[str, Shape] = field(default_factory=dict)
    additional: Shape | None = None
    items: Shape | None = None
    schema: dict[str, Any] = field(default_factory=dict)

    def child(self, key: str | int) -> Shape | None:
        if isinstance(key, int):
            return self.items
        return self.properties.get(key, self.additional)


@dataclass(frozen=True)
class Kind:
    """One kind of playbook."""

    name: str
    path: Path
    schema: dict[str, Any]
    validator: Draft202012Validator
    shape: Shape

    @property
    def title(self) -> str:
        return str(self.schema.get("title", self.name))

    @property
    def description(self) -> str:
        return str(self.schema.get("description", ""))

    @property
    def plural(self) -> str:
        """The title in the plural, for index pages: ``Processes``, ``Glossaries``."""
        title = self.title
        if title.endswith(("s", "x", "ch", "sh")):
            return f"{title}es"
        if title.endswith("y") and title[-2:-1] not in ("a", "e", "i", "o", "u"):
            return f"{title[:-1]}ies"
        return f"{title}s"


class SchemaSet:
    """All schemas of a handbook, checked, with one validator per kind.

    Attributes:
        kinds: Kinds by name, sorted.
        problems: Problems with the schema files themselves (``bad-schema``).
        files: Every schema file by name, for publishing.
    """

    def __init__(self, folder: Path, root: Path) -> None:
        self.folder = folder
        self.kinds: dict[str, Kind] = {}
        self.problems: list[Problem] = []
        self.files: dict[str, dict[str, Any]] = {}
        self._load(root)

    def _rel(self, path: Path, root: Path) -> str:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()

    def _load(self, root: Path) -> None:
        resources = []
        candidates: list[tuple[str, Path, dict[str, Any]]] = []
        for path in sorted(self.folder.glob(f"*{SCHEMA_SUFFIX}")):
            rel = self._rel(path, root)
            try:
                schema = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                line, col = getattr(exc, "lineno", 0), getattr(exc, "colno", 0)
                self.problems.append(Problem(rel, line, col, "bad-schema",
                                             f"The schema is not readable JSON: {exc}."))
                continue
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as exc:
                where = "/".join(str(p) for p in exc.absolute_path) or "(top)"
                self.problems.append(Problem(rel, 1, 1, "bad-schema",
                                             f"At {where}: {exc.message}.",
                                             "Fix the schema; it must be JSON Schema 2020-12."))
                continue
            self.files[path.name] = schema
            uri = BASE_URI + path.name
            resources.append((uri, referencing.Resource.from_contents(
                schema, default_specification=DRAFT202012)))
            candidates.append((rel, path, schema))
        self.registry: referencing.Registry[Any] = referencing.Registry(
            retrieve=_no_retrieval,  # type: ignore[call-arg]
        ).with_resources(resources).crawl()
        for rel, path, schema in candidates:
            kind_schema = schema.get("properties", {}).get("kind", {})
            name = kind_schema.get("const") if isinstance(kind_schema, dict) else None
            if name is None:
                continue
            stem = path.name.removesuffix(SCHEMA_SUFFIX)
            if name != stem:
                self.problems.append(Problem(rel, 1, 1, "bad-schema",
                                             f"The schema declares kind {name!r} but its file "
                                             f"is named for {stem!r}.",
                                             f"Rename the file to {name}{SCHEMA_SUFFIX}."))
                continue
            missing = [f for f in ENVELOPE if f not in schema.get("properties", {})]
            unrequired = [f for f in ENVELOPE_REQUIRED if f not in schema.get("required", [])]
            if missing or unrequired:
                parts = []
                if missing:
                    parts.append(f"it does not declare {', '.join(missing)}")
                if unrequired:
                    parts.append(f"it does not require {', '.join(unrequired)}")
                detail = "; ".join(parts)
                self.problems.append(Problem(
                    rel, 1, 1, "bad-schema", f"Kind {name!r} lacks the shared envelope: {detail}.",
                    "Declare each envelope field as "
                    '{"$ref": "common.schema.json#/$defs/<field>"}.'))
                continue
            uri = BASE_URI + path.name
            validator = Draft202012Validator(
                {"$ref": uri}, registry=self.registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER)
            try:
                shape = self._shape(schema, uri, depth=0)
            except referencing.exceptions.Unresolvable as exc:
                self.problems.append(Problem(rel, 1, 1, "bad-schema",
                                             f"A $ref cannot be resolved: {exc.ref}.",
                                             "Refer only to files in the schemas folder."))
                continue
            self.kinds[name] = Kind(name, path, schema, validator, shape)

    def _shape(self, schema: Any, base: str, depth: int, meaning: str = "") -> Shape:
        """Fold a schema into a :class:`Shape`, following ``$ref`` within the registry."""
        if not isinstance(schema, dict) or depth > 32:
            return Shape(meaning=meaning)
        title = str(schema.get("title", ""))
        description = str(schema.get("description", ""))
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = urljoin(base, ref)
            doc_uri, fragment = urldefrag(target)
            name = fragment.rsplit("/", 1)[-1]
            if doc_uri == BASE_URI + "common.schema.json" and name in SEMANTIC_DEFS and not meaning:
                meaning = name
            resolved = self.registry.resolver().lookup(target)
            inner = self._shape(resolved.contents, doc_uri, depth + 1, meaning)
            merged = {**inner.schema, **{k: v for k, v in schema.items() if k != "$ref"}}
            return Shape(title or inner.title, description or inner.description,
                         inner.meaning or meaning, inner.properties, inner.additional,
                         inner.items, merged)
        properties = {key: self._shape(sub, base, depth + 1)
                      for key, sub in schema.get("properties", {}).items()}
        additional = schema.get("additionalProperties")
        items = schema.get("items")
        shape = Shape(
            title, description, meaning, properties,
            self._shape(additional, base, depth + 1) if isinstance(additional, dict) else None,
            self._shape(items, base, depth + 1) if isinstance(items, dict) else None,
            schema)
        branches = schema.get("anyOf")
        if isinstance(branches, list) and not (properties or shape.additional or shape.items):
            # A value of one of several types (an instance's answer: text, a number or a list
            # of texts): what each branch means applies to values of its type.
            folded = [self._shape(branch, base, depth + 1) for branch in branches]
            shape = Shape(title, description,
                          meaning or next((b.meaning for b in folded if b.meaning), ""),
                          {}, next((b.additional for b in folded if b.additional), None),
                          next((b.items for b in folded if b.items), None), schema)
        return shape

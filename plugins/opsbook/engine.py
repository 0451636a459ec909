"""The pipeline every entry point shares: discover → load → validate → cross-check.

``opsbook validate`` and the MkDocs plugin both call :meth:`Engine.load`, so they can never
disagree on what is valid. An :class:`Engine` keeps each file's parse and schema result keyed
by its content, so a rebuild under ``mkdocs serve`` re-reads only what changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsbook import checks
from opsbook.describe import describe, show, suggest
from opsbook.model import WIKI_LINK, Playbook, Ref, Source
from opsbook.problems import Problem, sort_problems
from opsbook.schemas import Kind, SchemaSet, Shape
from opsbook.yamlsrc import Document
from opsbook.yamlsrc import Path as JsonPath
from opsbook.yamlsrc import load as load_yaml

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Settings:
    """Where a handbook lives and how strictly to judge it.

    Attributes:
        root: The project root (the folder of ``mkdocs.yml``); paths in problems are
            relative to it.
        playbooks: The playbooks folder.
        schemas: The schemas folder.
        today: The day freshness is judged on (injectable so tests are deterministic).
        review_grace_days: Days past a review's due date before it is a warning.
    """

    root: Path
    playbooks: Path
    schemas: Path
    today: dt.date = field(default_factory=dt.date.today)
    review_grace_days: int = 14


@dataclass
class Stats:
    """What the last :meth:`Engine.load` did, for tests and benchmarks."""

    files: int = 0
    parsed: int = 0
    validated: int = 0


@dataclass
class _Entry:
    digest: bytes
    doc: Document | None
    problems: list[Problem]
    schema_token: int = -1
    schema_problems: list[Problem] = field(default_factory=list)
    kind: str | None = None


@dataclass
class Handbook:
    """Everything loaded: valid playbooks, the registries, and every problem found."""

    settings: Settings
    schemas: SchemaSet
    playbooks: dict[str, Playbook]
    problems: list[Problem]
    index: checks.Index

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def by_kind(self, kind: str) -> list[Playbook]:
        return [p for p in self.playbooks.values() if p.kind == kind]


def rel_path(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def discover(folder: Path, root: Path) -> tuple[list[Path], list[Problem]]:
    """Every YAML file below ``folder`` in sorted order; links and odd files are problems."""
    found: list[Path] = []
    problems: list[Problem] = []

    def walk(directory: Path) -> None:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            rel = rel_path(path, root)
            if entry.is_symlink():
                problems.append(Problem(rel, 0, 0, "symlink",
                                        "This is a symbolic link; Opsbook does not follow links.",
                                        "Replace the link with the file itself."))
            elif entry.is_dir(follow_symlinks=False):
                walk(path)
            elif entry.name.endswith(YAML_SUFFIXES):
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISREG(mode):
                    found.append(path)
                else:
                    problems.append(Problem(rel, 0, 0, "not-a-file",
                                            "This is not a regular file (a pipe, socket or "
                                            "device).", "Remove it from the playbooks folder."))

    walk(folder)
    return found, problems


def find_refs(data: Any, shape: Shape | None, path: JsonPath = ()) -> Iterator[Ref]:
    """Every reference in ``data`` that its kind's schema marks as a team, role, party or id,
    and every ``[[id]]`` inside Markdown text, in document order."""
    if shape is None:
        return
    if isinstance(data, dict):
        for key, value in data.items():
            yield from find_refs(value, shape.child(key), (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from find_refs(value, shape.items, (*path, index))
    elif isinstance(data, str):
        if shape.meaning in ("team", "role", "party", "ref"):
            yield Ref(path, shape.meaning, data)
        elif shape.meaning in ("markdown", "summary"):
            for match in WIKI_LINK.finditer(data):
                yield Ref(path, "wiki", match.group(1))


class Engine:
    """Loads a handbook, keeping per-file results between calls for fast rebuilds."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cache: dict[Path, _Entry] = {}
        self._schemas: SchemaSet | None = None
        self._schema_digest: bytes = b""
        self._schema_token = 0
        self.stats = Stats()

    def _schema_set(self) -> SchemaSet:
        digest = hashlib.blake2b()
        for path in sorted(self.settings.schemas.glob("*.json")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        value = digest.digest()
        if self._schemas is None or value != self._schema_digest:
            self._schemas = SchemaSet(self.settings.schemas, self.settings.root)
            self._schema_digest = value
            self._schema_token += 1
        return self._schemas

    def load(self) -> Handbook:
        """Run the whole pipeline; problems are collected, never raised."""
        settings = self.settings
        self.stats = Stats()
        problems: list[Problem] = []
        for label, folder in (("playbooks", settings.playbooks), ("schemas", settings.schemas)):
            if not folder.is_dir():
                problems.append(Problem(rel_path(folder, settings.root), 0, 0, "bad-config",
                                        f"The {label} folder does not exist.",
                                        f"Create it, or set `{label}_dir` in mkdocs.yml."))
        if problems:
            empty = SchemaSet(settings.schemas, settings.root) if settings.schemas.is_dir() \
                else None
            return Handbook(settings, empty or _EmptySchemas(), {}, problems, checks.Index())
        schemas = self._schema_set()
        problems.extend(schemas.problems)
        files, found = discover(settings.playbooks, settings.root)
        problems.extend(found)
        playbooks: list[Playbook] = []
        rejected: list[checks.Rejected] = []
        live: set[Path] = set()
        for path in files:
            live.add(path)
            playbook, file_problems = self._load_file(path, schemas)
            problems.extend(file_problems)
            if playbook is not None:
                playbooks.append(playbook)
            elif (entry := self._cache.get(path)) and entry.doc and entry.kind in schemas.kinds:
                # Failed its schema: its ids still exist and its references are still checked.
                rejected.append(checks.Rejected(
                    rel_path(path, settings.root), entry.kind, entry.doc,
                    tuple(find_refs(entry.doc.data, schemas.kinds[entry.kind].shape)),
                    frozenset(p.field for p in entry.schema_problems)))
        for stale in set(self._cache) - live:
            del self._cache[stale]
        self.stats.files = len(files)
        index, cross = checks.check(playbooks, settings, rejected)
        problems.extend(cross)
        valid = {p.id: p for p in sorted(index.playbooks.values(), key=lambda p: p.id)}
        return Handbook(settings, schemas, valid, sort_problems(problems), index)

    def _load_file(self, path: Path, schemas: SchemaSet) -> tuple[Playbook | None, list[Problem]]:
        settings = self.settings
        rel = rel_path(path, settings.root)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return None, [Problem(rel, 0, 0, "not-a-file", f"The file cannot be read: "
                                  f"{exc.strerror}.", "Check the file's permissions.")]
        digest = hashlib.blake2b(raw, digest_size=16).digest()
        entry = self._cache.get(path)
        if entry is None or entry.digest != digest:
            doc, problems = load_yaml(raw, rel)
            entry = _Entry(digest, doc, problems)
            self._cache[path] = entry
            self.stats.parsed += 1
        if entry.doc is None:
            return None, entry.problems
        if entry.schema_token != self._schema_token:
            entry.schema_problems, entry.kind = _validate(entry.doc, rel, schemas)
            entry.schema_token = self._schema_token
            self.stats.validated += 1
        if entry.schema_problems or entry.kind is None:
            return None, entry.schema_problems
        kind = schemas.kinds[entry.kind]
        folder = path.parent.relative_to(settings.playbooks).parts
        refs = tuple(find_refs(entry.doc.data, kind.shape))
        playbook = Playbook.from_document(entry.doc, Source(rel, 1), folder, refs)
        return playbook, []


def _validate(doc: Document, rel: str, schemas: SchemaSet) -> tuple[list[Problem], str | None]:
    data = doc.data
    kind_name = data.get("kind")
    if kind_name is None:
        return [Problem(rel, 1, 1, "missing-kind", "The playbook does not say what kind it is.",
                        f"Add a first line 'kind: ...' with one of: "
                        f"{', '.join(schemas.kinds)}.")], None
    if not isinstance(kind_name, str) or kind_name not in schemas.kinds:
        near = suggest(str(kind_name), list(schemas.kinds))
        line, col = doc.locate(("kind",))
        return [Problem(rel, line, col, "unknown-kind",
                        f"{show(kind_name)} is not a kind of this handbook{near or '.'}",
                        f"The kinds are: {', '.join(schemas.kinds)}.", "kind")], None
    kind: Kind = schemas.kinds[kind_name]
    problems = [p for error in kind.validator.iter_errors(data)
                for p in describe(error, kind, doc, rel)]
    return problems, kind_name


class _EmptySchemas(SchemaSet):
    def __init__(self) -> None:  # a handbook whose schemas folder is missing
        self.kinds, self.problems, self.files = {}, [], {}


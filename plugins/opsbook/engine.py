"""The pipeline every entry point shares: discover → load → validate → cross-check.

``opsbook validate`` and the MkDocs plugin both call :meth:`Engine.load`, so they can never
disagree on what is valid. An :class:`Engine` keeps each file's parse and schema result keyed
by its content, so a rebuild under ``mkdocs serve`` re-reads only what changed.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import multiprocessing
import os
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsbook import checks
from opsbook.describe import describe, show, suggest
from opsbook.diskcache import DiskCache
from opsbook.fastcheck import Check, compile_kind
from opsbook.model import WIKI_LINK, Playbook, Ref, Source
from opsbook.problems import Problem, sort_problems
from opsbook.schemas import BASE_URI, Kind, SchemaSet, Shape
from opsbook.yamlsrc import Document, YamlProblem
from opsbook.yamlsrc import Path as JsonPath
from opsbook.yamlsrc import load as load_yaml
from opsbook.yamlsrc import parse as parse_yaml

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
    refs: tuple[Ref, ...] | None = None
    playbook: Playbook | None = None


#: The fields a link to a playbook, or a list of playbooks, shows: its title, its summary (as a
#: tooltip or a column), its owner, status and review, its kind, tags and "see also" links.
FACE = ("kind", "title", "summary", "owner", "status", "replaced_by", "tags", "links", "review")


@dataclass
class Handbook:
    """Everything loaded: valid playbooks, the registries, and every problem found."""

    settings: Settings
    schemas: SchemaSet
    playbooks: dict[str, Playbook]
    problems: list[Problem]
    index: checks.Index
    #: playbook id -> a digest of its file's content (what a rebuild compares)
    versions: dict[str, bytes] = field(default_factory=dict)
    _parts: dict[str, bytes | None] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def by_kind(self, kind: str) -> list[Playbook]:
        return [p for p in self.playbooks.values() if p.kind == kind]

    def version(self, key: str) -> bytes | None:
        """A digest of what ``key`` names, None if there is no such playbook: ``"id"`` its
        whole file, ``"id/face"`` what a link to it shows (:data:`FACE`), ``"id/field"`` one
        top-level field (absent: a digest of nothing)."""
        pid, _, part = key.partition("/")
        if not part:
            return self.versions.get(pid)
        if key not in self._parts:
            playbook = self.playbooks.get(pid)
            names = FACE if part == "face" else (part,)
            self._parts[key] = None if playbook is None else hashlib.blake2b(json.dumps(
                [playbook.data.get(name) for name in names], sort_keys=True,
                ensure_ascii=False, default=str).encode("utf-8", "surrogatepass"),
                digest_size=16).digest()
        return self._parts[key]


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


class _LazyDocument(Document):
    """A document whose data is kept but whose positions (and raw scalar text) are not: they
    were most of a loaded handbook's memory, and only a problem found later needs them. They are
    found by parsing the file again, the first time a line number is asked for."""

    def __init__(self, data: Any, path: Path) -> None:
        # ``positions`` and ``raw`` are left unset on purpose: __getattr__ fills them.
        self.data = data
        self._path = path

    def __getattr__(self, name: str) -> Any:
        if name not in ("positions", "raw"):
            raise AttributeError(name)
        try:
            full = parse_yaml(self._path.read_bytes())
        except (OSError, YamlProblem):  # changed or gone since: no better place to point at
            full = Document(self.data)
        self.positions, self.raw = full.positions, full.raw
        return getattr(self, name)


@dataclass
class _Checked:
    """One file's own result: its data (None if unreadable), and its problems."""

    data: Any
    problems: list[Problem]
    kind: str | None
    refs: tuple[Ref, ...] | None = None  # found in this process, while workers still work


def check_file(rel: str, source: bytes, schemas: SchemaSet,
               fast: dict[str, Check | None]) -> tuple[Document | None, _Checked]:
    """Parse and validate one file against its kind (the per-file part of the pipeline)."""
    doc, problems = load_yaml(source, rel)
    if doc is None:
        return None, _Checked(None, problems, None)
    schema_problems, kind = _validate(doc, rel, schemas, fast)
    return doc, _Checked(doc.data, schema_problems, kind)


def _lazy(result: tuple[Document | None, _Checked], path: Path
          ) -> tuple[Document | None, _Checked]:
    """The result with its document's positions dropped (see :class:`_LazyDocument`)."""
    doc, checked = result
    return (None if doc is None else _LazyDocument(doc.data, path)), checked


#: Files to check before a second process pays for itself (forking, sending results back).
PARALLEL_MIN = 600
_WORKER: tuple[SchemaSet, dict[str, Check | None]] | None = None


def _check_chunk(jobs: list[tuple[str, bytes]]) -> list[_Checked]:
    assert _WORKER is not None  # set before the fork
    return [check_file(rel, source, *_WORKER)[1] for rel, source in jobs]


def can_fork() -> bool:
    # Forking a process that runs threads (mkdocs serve's server) may deadlock in the child.
    return ("fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1 and (os.cpu_count() or 1) > 1)


class Engine:
    """Loads a handbook, keeping per-file results between calls for fast rebuilds.

    Args:
        settings: Where the handbook is.
        cache_dir: A folder for a content-hash cache of per-file results that lasts between
            runs (``opsbook validate --cache``), or None. Cross-file checks always run again.
    """

    def __init__(self, settings: Settings, cache_dir: Path | None = None) -> None:
        self.settings = settings
        self.cache_dir = cache_dir
        self._cache: dict[Path, _Entry] = {}
        self._schemas: SchemaSet | None = None
        self._fast: dict[str, Check | None] = {}
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
            self._fast = fast_checks(self._schemas)
            self._schema_digest = value
            self._schema_token += 1
        return self._schemas

    def load(self) -> Handbook:
        """Run the whole pipeline; problems are collected, never raised."""
        # Loading builds millions of small acyclic objects (parsed YAML); the cyclic garbage
        # collector would scan them again and again for nothing (a quarter of the time of
        # `opsbook validate` at 10,000 playbooks). Reference counting still frees everything.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._load()
        finally:
            if collecting:
                gc.enable()

    def _load(self) -> Handbook:
        settings = self.settings
        self.stats = Stats()
        problems: list[Problem] = []
        for label, folder in (("playbooks", settings.playbooks), ("schemas", settings.schemas)):
            if not folder.is_dir():
                problems.append(Problem(rel_path(folder, settings.root), 0, 0, "bad-config",
                                        f"The {label} folder does not exist.",
                                        f"Create it, or set `{label}_dir` in mkdocs.yml."))
        if problems:
            # A missing schemas folder gives an empty SchemaSet, so `opsbook kinds` still works.
            schemas = SchemaSet(settings.schemas, settings.root)
            return Handbook(settings, schemas, {}, problems, checks.Index())
        schemas = self._schema_set()
        problems.extend(schemas.problems)
        files, found = discover(settings.playbooks, settings.root)
        problems.extend(found)
        unreadable = self._refresh(files, schemas)
        playbooks: list[Playbook] = []
        rejected: list[checks.Rejected] = []
        versions: dict[str, bytes] = {}
        for path in files:
            if path in unreadable:
                problems.append(unreadable[path])
                continue
            playbook, file_problems = self._playbook(path, schemas)
            problems.extend(file_problems)
            if playbook is not None:
                playbooks.append(playbook)
                versions[playbook.id] = self._cache[path].digest
            elif (entry := self._cache.get(path)) and entry.doc and entry.kind in schemas.kinds:
                # Failed its schema: its ids still exist and its references are still checked.
                rejected.append(checks.Rejected(
                    rel_path(path, settings.root), entry.kind, entry.doc,
                    tuple(find_refs(entry.doc.data, schemas.kinds[entry.kind].shape)),
                    frozenset(p.field for p in entry.schema_problems)))
        live = set(files)
        for stale in set(self._cache) - live:
            del self._cache[stale]
        self.stats.files = len(files)
        index, cross = checks.check(playbooks, settings, rejected)
        problems.extend(cross)
        valid = {p.id: p for p in sorted(index.playbooks.values(), key=lambda p: p.id)}
        return Handbook(settings, schemas, valid, sort_problems(problems), index,
                        {pid: versions[pid] for pid in valid})

    def _refresh(self, files: list[Path], schemas: SchemaSet) -> dict[Path, Problem]:
        """Bring every file's entry up to date: read each file, and parse and validate the
        ones whose content (or the schemas) changed; returns the files that cannot be read."""
        unreadable: dict[Path, Problem] = {}
        todo: list[tuple[Path, str, bytes, bytes]] = []
        for path in files:
            rel = rel_path(path, self.settings.root)
            try:
                source = path.read_bytes()
            except OSError as exc:
                unreadable[path] = Problem(rel, 0, 0, "not-a-file", f"The file cannot be "
                                           f"read: {exc.strerror}.",
                                           "Check the file's permissions.")
                continue
            digest = hashlib.blake2b(source, digest_size=16).digest()
            entry = self._cache.get(path)
            if entry is None or entry.digest != digest or entry.schema_token != self._schema_token:
                todo.append((path, rel, source, digest))
        if not todo:
            return unreadable
        disk = DiskCache.open(self.cache_dir, self._schema_digest) if self.cache_dir else None
        fresh: list[tuple[Path, str, bytes, bytes]] = []
        for job in todo:
            path, rel, source, digest = job
            hit = disk.get(rel, digest) if disk else None
            if hit is None:
                fresh.append(job)
            else:
                self._store(path, digest, _LazyDocument(hit.data, path)
                            if hit.data is not None else None, hit)
        for (path, rel, _, digest), (doc, checked) in zip(
                fresh, self._check_all(fresh, schemas), strict=True):
            self.stats.parsed += 1
            self.stats.validated += checked.data is not None
            self._store(path, digest, doc, checked)
            if disk is not None:
                disk.put(rel, digest, checked)
        if disk is not None:
            disk.save({rel_path(p, self.settings.root) for p in files})
        return unreadable

    def _check_all(self, jobs: list[tuple[Path, str, bytes, bytes]], schemas: SchemaSet
                   ) -> list[tuple[Document | None, _Checked]]:
        """Each job's parse and schema result, on every core when there are many."""
        if len(jobs) < PARALLEL_MIN or not can_fork():
            return [_lazy(check_file(rel, source, schemas, self._fast), path)
                    for path, rel, source, _ in jobs]
        global _WORKER
        _WORKER = (schemas, self._fast)
        workers = min(os.cpu_count() or 1, 8)
        # This process takes the first share itself; the rest go to forked workers, whose
        # documents come back as data only (positions are found again if ever needed).
        share = -(-len(jobs) // workers)
        mine, theirs = jobs[:share], jobs[share:]
        chunks = [[(rel, source) for _, rel, source, _ in theirs[i:i + 50]]
                  for i in range(0, len(theirs), 50)]
        context = multiprocessing.get_context("fork")
        try:
            with context.Pool(workers - 1) as pool:
                pending = pool.map_async(_check_chunk, chunks)
                out = [_lazy(check_file(rel, source, schemas, self._fast), path)
                       for path, rel, source, _ in mine]
                for _, checked in out:
                    if checked.kind is not None and not checked.problems:
                        checked.refs = tuple(find_refs(checked.data,
                                                       schemas.kinds[checked.kind].shape))
                results = [c for chunk in pending.get() for c in chunk]
        finally:
            _WORKER = None
        out += [(_LazyDocument(c.data, job[0]) if c.data is not None else None, c)
                for job, c in zip(theirs, results, strict=True)]
        return out

    def _store(self, path: Path, digest: bytes, doc: Document | None, checked: _Checked) -> None:
        if doc is None:
            self._cache[path] = _Entry(digest, None, checked.problems, self._schema_token)
        else:
            self._cache[path] = _Entry(digest, doc, [], self._schema_token, checked.problems,
                                       checked.kind, checked.refs)

    def _playbook(self, path: Path, schemas: SchemaSet) -> tuple[Playbook | None, list[Problem]]:
        entry = self._cache[path]
        if entry.doc is None:
            return None, entry.problems
        if entry.schema_problems or entry.kind is None:
            return None, entry.schema_problems
        if entry.refs is None:
            entry.refs = tuple(find_refs(entry.doc.data, schemas.kinds[entry.kind].shape))
        if entry.playbook is None:
            rel = rel_path(path, self.settings.root)
            folder = path.parent.relative_to(self.settings.playbooks).parts
            entry.playbook = Playbook.from_document(entry.doc, Source(rel, 1), folder,
                                                    entry.refs)
        return entry.playbook, []


def fast_checks(schemas: SchemaSet) -> dict[str, Check | None]:
    """Each kind's compiled "certainly valid" predicate (see :mod:`opsbook.fastcheck`)."""
    out: dict[str, Check | None] = {}
    for name, kind in schemas.kinds.items():
        formats = kind.validator.format_checker
        out[name] = compile_kind(kind.schema, BASE_URI + kind.path.name, schemas.registry,
                                 formats) if formats is not None else None
    return out


def _validate(doc: Document, rel: str, schemas: SchemaSet, fast: dict[str, Check | None]
              ) -> tuple[list[Problem], str | None]:
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
    quick = fast.get(kind_name)
    if quick is not None and quick(data):
        return [], kind_name  # certainly valid: jsonschema would find nothing
    problems = [p for error in kind.validator.iter_errors(data)
                for p in describe(error, kind, doc, rel)]
    return problems, kind_name

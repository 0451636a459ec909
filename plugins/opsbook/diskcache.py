"""A content-hash cache of per-file results for repeated runs (``opsbook validate --cache``).

What one file gives on its own (its data, or its YAML and schema problems) depends only on its
bytes, its path, the schemas and the code that reads them. The cache keeps that result under the
file's path and content digest, in one JSON file, behind a key made of the schemas' digest, the
digest of Opsbook's own source files and the versions of the libraries that parse and validate.
Any change to one of those empties it; a changed file misses. Checks across files (references,
ids, freshness) are never cached: they run again on every load. So a cached run reports exactly
what an uncached run reports. JSON, not pickle: the folder sits in the working tree and must not
be a way to run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsbook.problems import Problem

if TYPE_CHECKING:
    from opsbook.engine import _Checked

FILE_NAME = "validate.json"
FORMAT = 1


@cache
def code_digest() -> str:
    """A digest of Opsbook's Python sources and the versions of the libraries it relies on."""
    digest = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    for name in ("PyYAML", "jsonschema", "referencing"):
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(name.encode())
    return digest.hexdigest()


class DiskCache:
    """Per-file results kept between runs in ``folder``."""

    def __init__(self, folder: Path, key: str, entries: dict[str, Any]) -> None:
        self.folder = folder
        self.key = key
        self.entries = entries
        self.dirty = False

    @classmethod
    def open(cls, folder: Path, schema_digest: bytes) -> DiskCache:
        """The cache in ``folder``, empty unless it was written for the same schemas and code."""
        key = f"{FORMAT}:{code_digest()}:{schema_digest.hex()}"
        entries: dict[str, Any] = {}
        try:
            stored = json.loads((folder / FILE_NAME).read_text(encoding="utf-8"))
            if isinstance(stored, dict) and stored.get("key") == key and isinstance(
                    stored.get("files"), dict):
                entries = stored["files"]
        except (OSError, ValueError):
            pass  # no cache yet, or a damaged one: start again
        return cls(folder, key, entries)

    def get(self, rel: str, digest: bytes) -> _Checked | None:
        from opsbook.engine import _Checked

        entry = self.entries.get(rel)
        if not isinstance(entry, dict) or entry.get("digest") != digest.hex():
            return None
        try:
            problems = [Problem(**p) for p in entry["problems"]]
            return _Checked(entry["data"], problems, entry["kind"])
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, rel: str, digest: bytes, checked: _Checked) -> None:
        self.entries[rel] = {"digest": digest.hex(), "kind": checked.kind, "data": checked.data,
                             "problems": [asdict(p) for p in checked.problems]}
        self.dirty = True

    def save(self, live: set[str]) -> None:
        """Write the cache back, keeping only the files that still exist."""
        stale = set(self.entries) - live
        for rel in stale:
            del self.entries[rel]
        if not (self.dirty or stale):
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"key": self.key, "files": self.entries}, ensure_ascii=False,
                          separators=(",", ":"))
        # Written aside and renamed, so an interrupted run never leaves half a cache.
        handle, name = tempfile.mkstemp(dir=self.folder, prefix=".validate-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            Path(name).replace(self.folder / FILE_NAME)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise

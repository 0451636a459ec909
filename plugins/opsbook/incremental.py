"""Rebuilds that make again only the pages an edit can change (``mkdocs serve``).

Every page and file of a handbook is a :class:`~opsbook.site.Job` that names what it shows of
which playbooks: all of one (``"id"``), what a link to it shows (``"id/face"``), or one of its
fields (``"id/cadence"``). :class:`Memo` keeps what each job made, with a key: the digest of the
site's scope (:meth:`~opsbook.site.SiteBuilder.scope`: settings, schemas, templates, which
files exist, the teams and roles) and of each name with the digest of what it names
(:meth:`~opsbook.engine.Handbook.version`). On the next build a job whose key is unchanged
returns what it made before; any other job is made again.

Why this is safe: a job's ``shows`` is worked out again on every build, from the new handbook. A
page's output is a function of the scope and of what it shows; if the scope, the names and what
each names are the same as last time, so is the page. An edit that makes a page show something
it did not show before (a new link, a new owner) changes the names, and so the key.
``tests/test_incremental.py`` edits every example playbook in several ways and checks that an
incremental rebuild gives exactly the pages and files of a full one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from opsbook.site import Job


@dataclass
class Counts:
    """What the last :meth:`Memo.make` did."""

    made: int = 0
    reused: int = 0


class Memo:
    """What each job made in the previous build, and under which key."""

    def __init__(self) -> None:
        self._made: dict[str, tuple[bytes, Any]] = {}
        self.counts = Counts()

    def make(self, jobs: Iterable[Job], scope: bytes, version: Callable[[str], bytes | None]
             ) -> list[Any]:
        """Each job's page or file, reusing last build's when its key is unchanged.

        Args:
            jobs: This build's jobs (a job missing from it is forgotten).
            scope: The site's scope digest.
            version: The digest of what a name in a job's ``shows`` names (a playbook, its
                face, one of its fields: :meth:`opsbook.engine.Handbook.version`).
        """
        counts = Counts()
        kept: dict[str, tuple[bytes, Any]] = {}
        out = []
        for job in jobs:
            shows = job.shows()
            made = None
            key = b""
            if shows is not None:
                key = _key(scope, shows, version)
                previous = self._made.get(job.path)
                if previous is not None and previous[0] == key:
                    made = previous[1]
                    counts.reused += 1
            if made is None:
                made = job.make()
                counts.made += 1
            if shows is not None:
                kept[job.path] = (key, made)
            out.append(made)
        self._made, self.counts = kept, counts
        return out


def _key(scope: bytes, shows: Iterable[str], version: Callable[[str], bytes | None]) -> bytes:
    digest = hashlib.blake2b(scope, digest_size=16)
    for name in sorted(shows):
        digest.update(name.encode("utf-8", "surrogatepass"))
        digest.update(b"\0" + (version(name) or b"-"))
    return digest.digest()

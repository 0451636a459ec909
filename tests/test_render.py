"""Shortcuts in rendering give exactly what the long way gives: relative links without
``posixpath.relpath``."""

from __future__ import annotations

import posixpath
import random

import pytest

from opsbook.render import relpath

#: Path segments, including the ones ``posixpath.relpath`` normalises away or treats apart.
SEGMENTS = ("a", "b", "ab", "teams", "x.md", "index.html", ".", "..", "", "a.b", "..a", "#")


def _path(rng: random.Random) -> str:
    path = "/".join(rng.choice(SEGMENTS) for _ in range(rng.randint(0, 5)))
    return rng.choice(("", "", "/")) + path + rng.choice(("", "/"))


def _posix(path: str, start: str) -> str:
    try:
        return posixpath.relpath(path, start)
    except ValueError as exc:
        return f"ValueError: {exc}"


def _ours(path: str, start: str) -> str:
    try:
        return relpath(path, start)
    except ValueError as exc:
        return f"ValueError: {exc}"


@pytest.mark.parametrize(("path", "start"), [
    ("playbooks/rituals/sprint-review/", "teams/marketing/"),
    ("playbooks/rituals/sprint-review", "playbooks/rituals/sprint-review"),
    ("teams", "teams/marketing/"), ("teams/marketing", "teams"), (".", "."), (".", "teams"),
    ("teams/", "."), ("a//b/./c", "a/b//"), ("", "a"), ("a", ""), ("../a", "b"), ("/a", "b"),
    ("a", "/b"), ("/a/b", "/a/c"),
])
def test_relpath_is_posixpath_relpath(path: str, start: str) -> None:
    assert _ours(path, start) == _posix(path, start)


def test_relpath_is_posixpath_relpath_on_random_paths() -> None:
    rng = random.Random(20261126)
    for _ in range(20000):
        path, start = _path(rng), _path(rng)
        assert _ours(path, start) == _posix(path, start), (path, start)

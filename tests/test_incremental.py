"""Rebuilds under ``mkdocs serve`` make again only the pages an edit can change, and give
exactly the site a full build gives.

Each playbook of the example handbook, and every sixth of a generated one, is edited in several
ways (its title; its summary, adding a link to another playbook; text deep inside it; its owner;
a ritual's duration, time and participants; its review date), one edit at a time, and after
each edit the incremental rebuild (:class:`opsbook.incremental.Memo`, primed with the build
before) must equal a full build of the edited handbook, page for page and byte for byte. Each
edit is undone before the next, without a build, so each rebuild also sees the previous edit
reverted. An edit that breaks the handbook (a text field with a fixed format) is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import TODAY, copy_project, generated_handbook
from opsbook import config as options
from opsbook.engine import Engine, Handbook
from opsbook.incremental import Memo
from opsbook.site import SiteBuilder

Site = dict[str, Any]


def _site(handbook: Handbook, memos: tuple[Memo, Memo] | None = None) -> Site:
    builder = SiteBuilder(handbook, None, True, site_url="https://handbook.example.com/",
                          site_name="Handbook")
    if memos is None:
        pages, assets = builder.pages(), builder.assets()
    else:
        scope = builder.scope()
        pages = memos[0].make(builder.page_jobs(), scope, handbook.version)
        assets = memos[1].make(builder.asset_jobs(), scope, handbook.version)
    out: Site = {p.src_uri: (p.content, p.source) for p in pages}
    out.update({a.path: a.content for a in assets})
    return out


def _strings(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The paths of the text values below the envelope (in steps, items, fields...)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for n, value in enumerate(data):
            yield from _strings(value, (*path, n))
    elif isinstance(data, str) and len(path) > 1 and " " in data:
        yield path


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _edits(data: dict[str, Any], ids: list[str], teams: list[str]
           ) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, edited copy of ``data``) for each way of editing one playbook."""
    def copy() -> dict[str, Any]:
        return yaml.safe_load(yaml.safe_dump(data))

    edited = copy()
    edited["title"] += " (edited)"
    yield "title", edited
    other = next(i for i in ids if i != data["id"])
    edited = copy()
    edited["summary"] += f" See [[{other}]]."
    yield f"summary links {other}", edited
    deep = list(_strings(data))
    for path in dict.fromkeys([deep[0], deep[-1]] if deep else []):
        edited = copy()
        _set(edited, path, _get(edited, path) + " Edited.")
        yield f"text at {path}", edited
    if data.get("owner") in teams:
        edited = copy()
        edited["owner"] = next(t for t in teams if t != data["owner"])
        yield f"owner {edited['owner']}", edited
    if "duration_minutes" in data:
        edited = copy()
        edited["duration_minutes"] += 5
        yield "duration", edited
    if isinstance(data.get("cadence"), dict) and data["cadence"].get("time"):
        edited = copy()
        edited["cadence"]["time"] = "16:45"
        yield "cadence time", edited
    if data.get("participants"):
        edited = copy()
        edited["participants"] = data["participants"][1:] or [teams[0]]
        yield "participants", edited
    if isinstance(data.get("review"), dict):
        edited = copy()
        edited["review"]["last_reviewed"] = "2026-01-05"
        yield "review date", edited


def _check_every_edit(project: Path, every: int = 1) -> list[str]:
    """Edit every ``every``-th playbook of ``project`` in each way of :func:`_edits`, one edit
    at a time, and check each incremental rebuild against a full one; the edits checked."""
    engine = Engine(options.settings_for(project, dict(options.DEFAULTS)))
    original = engine.load()
    assert not original.errors
    before = _site(original)
    ids = sorted(original.playbooks)
    teams = sorted(original.index.teams)
    memos = (Memo(), Memo())
    assert _site(original, memos) == before
    checked: list[str] = []
    last_kind = ""
    for pid, playbook in sorted(original.playbooks.items())[::every]:
        path = project / playbook.source.path
        text = path.read_text(encoding="utf-8")
        for name, data in _edits(yaml.safe_load(text), ids, teams):
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                            encoding="utf-8")
            edited = engine.load()
            if not edited.errors:
                incremental = _site(edited, memos)
                made = sum(m.counts.made for m in memos)
                if "organisation" not in (playbook.kind, last_kind):  # on every page
                    assert made < len(before), f"{pid}, {name}: nothing was reused"
                full = _site(edited)
                changed = sorted(k for k in full if incremental.get(k) != full[k])
                assert not changed, f"{pid}, {name}: stale {changed}"
                assert incremental.keys() == full.keys(), f"{pid}, {name}"
                checked.append(f"{pid}: {name}")
            # Undone without a build, so the next rebuild sees two files changed.
            path.write_text(text, encoding="utf-8")
            last_kind = playbook.kind
    assert _site(engine.load(), memos) == before
    return checked


@pytest.mark.slow
def test_every_edit_of_the_example_handbook_rebuilds_exactly_the_full_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    project = copy_project(tmp_path / "project")
    checked = _check_every_edit(project)
    playbooks = len(list((project / "playbooks").rglob("*.yaml")))
    assert len(checked) >= 5 * playbooks, checked  # the edits mostly keep it valid


@pytest.mark.slow
def test_edits_of_a_generated_handbook_rebuild_exactly_the_full_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every kind, many teams and instances whose answers link other playbooks."""
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    project = generated_handbook(tmp_path / "handbook", 60, monkeypatch)
    checked = _check_every_edit(project, every=6)
    assert len({line.split(":")[0] for line in checked}) >= 8, checked  # playbooks edited


def test_a_changed_schema_or_setting_makes_everything_again(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    project = copy_project(tmp_path / "project")
    engine = Engine(options.settings_for(project, dict(options.DEFAULTS)))
    memos = (Memo(), Memo())
    handbook = engine.load()
    first = _site(handbook, memos)
    builder = SiteBuilder(handbook)
    everywhere = [job.path for job in builder.page_jobs() + builder.asset_jobs()
                  if job.shows() is None]
    assert sorted(everywhere) == ["opsbook.json", "review.md", "teams/index.md"]
    assert _site(engine.load(), memos) == first
    assert [m.counts.made for m in memos] == [2, 1]  # nothing changed: those three only

    schema = project / "schemas" / "glossary.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace(
        '"description": "', '"description": "Edited. ', 1), encoding="utf-8")
    edited = engine.load()
    total = len(_site(edited))
    assert _site(edited, memos) == _site(edited)
    assert sum(m.counts.made for m in memos) == total

    monkeypatch.setenv("OPSBOOK_TODAY", "2027-03-01")  # another day: freshness moves on
    later = Engine(options.settings_for(project, dict(options.DEFAULTS))).load()
    assert _site(later, memos) == _site(later)
    assert sum(m.counts.made for m in memos) == total

"""``opsbook validate --cache``: repeated runs report exactly what an uncached run reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_project, run

SPRINT = "playbooks/rituals/sprint-review.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def _both(project: Path) -> tuple[str, str]:
    """(cached, uncached) output of opsbook validate, after checking their exit codes agree."""
    cached = run(["opsbook", "validate", "--cache"], project)
    plain = run(["opsbook", "validate"], project)
    assert cached.returncode == plain.returncode, (cached.stdout, plain.stdout)
    return cached.stdout, plain.stdout


def test_cache_is_written_and_changes_nothing(project: Path) -> None:
    first, plain = _both(project)
    assert first == plain == "No problems found.\n"
    assert (project / ".opsbook-cache" / "validate.json").is_file()
    again, _ = _both(project)
    assert again == plain


def test_an_edited_file_is_checked_again(project: Path) -> None:
    _both(project)
    path = project / SPRINT
    path.write_text(path.read_text(encoding="utf-8").replace("\nowner: ", "\nonwer: ", 1),
                    encoding="utf-8")
    cached, plain = _both(project)
    assert cached == plain
    assert "[unknown-field]" in cached


def test_a_changed_schema_empties_the_cache(project: Path) -> None:
    _both(project)
    schema = project / "schemas" / "common.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace('"maxLength": 160',
                                                                 '"maxLength": 12', 1),
                      encoding="utf-8")
    cached, plain = _both(project)
    assert cached == plain
    assert "at most 12" in cached


def test_checks_across_files_always_run(project: Path) -> None:
    _both(project)
    (project / "playbooks" / "launches" / "launch-checklist.yaml").unlink()
    cached, plain = _both(project)
    assert cached == plain
    assert "[unknown-ref]" in cached  # files that link to it were cached, their links are not


def test_a_damaged_cache_is_ignored(project: Path) -> None:
    _both(project)
    (project / ".opsbook-cache" / "validate.json").write_text("{not json", encoding="utf-8")
    cached, plain = _both(project)
    assert cached == plain == "No problems found.\n"

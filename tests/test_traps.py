"""Every YAML trap an author can fall into, each beside the exact `opsbook validate` output.

Each folder of ``tests/cases/`` is a tiny handbook (``mkdocs.yml`` pointing at the
repository's schemas, a ``playbooks/`` folder holding the bad playbooks) with ``expected.txt``,
the exact text `opsbook validate` prints for it. What git cannot hold portably (a symbolic
link, a named pipe, a file larger than the limit, two names that differ only in Unicode form)
is made by :data:`SETUP` in the copy the test runs on.

Run with ``OPSBOOK_UPDATE_CASES=1`` to rewrite the ``expected.txt`` files after a deliberate
change of wording, then read the diff.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ROOT, TODAY, run
from opsbook.config import read_options, settings_for
from opsbook.engine import Engine
from opsbook.yamlsrc import MAX_BYTES, load

CASES = ROOT / "tests" / "cases"
NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def _symlinks(root: Path) -> None:
    rituals = root / "playbooks" / "rituals"
    (rituals / "sprint-review.yaml").symlink_to("weekly-sync.yaml")
    (root / "playbooks" / "shortcut").symlink_to("rituals", target_is_directory=True)


def _fifo(root: Path) -> None:
    os.mkfifo(root / "playbooks" / "rituals" / "pipe.yaml")


def _large(root: Path) -> None:
    head = b"kind: process\nid: huge\npurpose: >-\n"
    line = b"  " + b"All work and no play. " * 4 + b"\n"
    body = line * ((MAX_BYTES - len(head)) // len(line) + 1)
    (root / "playbooks" / "rituals" / "huge.yaml").write_bytes(head + body)


def _decomposed(root: Path) -> None:
    composed = root / "playbooks" / "menus" / (unicodedata.normalize("NFC", "café") + ".yaml")
    drinks = root / "playbooks" / "drinks"
    drinks.mkdir()
    shutil.copy(composed, drinks / (unicodedata.normalize("NFD", "café") + ".yaml"))


SETUP: dict[str, Callable[[Path], None]] = {
    "symlink": _symlinks,
    "not-a-regular-file": _fifo,
    "file-too-large": _large,
    "unicode-collision": _decomposed,
}


def _prepare(name: str, tmp_path: Path) -> Path:
    """A copy of the case at the same depth below a copy of the schemas."""
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    case = tmp_path / "tests" / "cases" / name
    shutil.copytree(CASES / name, case, symlinks=True)
    (case / "expected.txt").unlink(missing_ok=True)
    SETUP.get(name, lambda root: None)(case)
    return case


def test_every_case_has_its_expected_output() -> None:
    assert len(NAMES) >= 25
    for name in NAMES:
        assert (CASES / name / "expected.txt").is_file(), name
        assert (CASES / name / "playbooks").is_dir(), name


@pytest.mark.parametrize("name", NAMES)
def test_trap_is_reported_exactly(name: str, tmp_path: Path) -> None:
    case = _prepare(name, tmp_path)
    result = run(["opsbook", "validate"], case)
    expected_file = CASES / name / "expected.txt"
    if os.environ.get("OPSBOOK_UPDATE_CASES"):
        expected_file.write_text(result.stdout, encoding="utf-8", newline="\n")
    expected = expected_file.read_text(encoding="utf-8")
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == ""
    assert result.stdout == expected
    assert result.returncode == 1
    # Every line but the summary names a file under playbooks/ with a line and a column.
    for line in result.stdout.splitlines()[:-1]:
        path, line_no, col, _ = line.split(":", 3)
        assert path.startswith("playbooks/") and line_no.isdigit() and col.isdigit(), line


@pytest.mark.parametrize("name", NAMES)
def test_every_problem_has_a_fix_and_a_field_title(name: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    case = _prepare(name, tmp_path)
    handbook = Engine(settings_for(case, read_options(case / "mkdocs.yml"))).load()
    assert handbook.errors
    for problem in handbook.problems:
        assert problem.fix.strip(), problem
        assert problem.message.endswith((".", "?")), problem
        assert len(problem.format()) < 600, problem  # never a whole value quoted


def test_yaml_11_look_alikes_are_kept_as_typed() -> None:
    text = ("title: Off\nsummary: 2024-05-01\nday: no\ncount: 010\nat: 1:30\n"
            "flag: yes\nversion: 1.10\n")
    doc, problems = load(text.encode(), "f.yaml")
    assert problems == []
    assert doc is not None
    assert doc.data == {"title": "Off", "summary": "2024-05-01", "day": "no", "count": "010",
                        "at": "1:30", "flag": "yes", "version": 1.1}
    assert doc.raw[("version",)] == "1.10"


def test_look_alike_titles_validate_clean(tmp_path: Path) -> None:
    case = _prepare("yaml11-look-alikes", tmp_path)
    for path in (case / "playbooks").rglob("*.yaml"):
        if path.name not in ("off-day.yaml", "organisation.yaml"):
            path.unlink()
    off_day = case / "playbooks" / "rituals" / "off-day.yaml"
    off_day.write_text(off_day.read_text(encoding="utf-8").replace(
        "summary: 2024-05-01", "summary: A day off, 2024-05-01"), encoding="utf-8")
    result = run(["opsbook", "validate"], case)
    assert (result.returncode, result.stdout) == (0, "No problems found.\n")


def test_alias_bomb_is_the_anchor_problem(tmp_path: Path) -> None:
    raw = (CASES / "alias-bomb" / "playbooks" / "rituals" / "laughs.yaml").read_bytes()
    assert 550 < len(raw) < 700
    doc, problems = load(raw, "laughs.yaml")
    assert doc is None
    assert [(p.code, p.line, p.col) for p in problems] == [("anchor-alias", 1, 7)]

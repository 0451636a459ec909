"""The edit loop: under ``mkdocs serve`` an edit to one playbook re-reads that file only, and
makes again only the pages and files that show it.

``mkdocs serve`` loads the configuration again before each rebuild; MkDocs keeps the plugin
instance (it has ``on_startup``), and the engine with its per-file cache lives on in the plugin
module. The first test does what serve does, in this process, and counts the engine's and the
page memo's work; the second runs the real ``mkdocs serve`` and reads the counts from its
verbose log. (``tests/test_incremental.py`` checks that what is reused is never stale.)
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BIN, TODAY, copy_project, env

EDITED = "playbooks/rituals/sprint-review.yaml"


def _edit(project: Path) -> None:
    path = project / EDITED
    text = path.read_text(encoding="utf-8")
    assert "\ntitle: Sprint review\n" in text
    path.write_text(text.replace("\ntitle: Sprint review\n", "\ntitle: Sprint review (edited)\n"),
                    encoding="utf-8")


@pytest.mark.slow
def test_rebuild_after_one_edit_reads_one_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from opsbook import plugin

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    project = copy_project(tmp_path / "project")
    site = tmp_path / "site"
    total = len(list((project / "playbooks").rglob("*.yaml")))
    seen = []

    def rebuild() -> plugin.Engine:
        # What `mkdocs serve` does on each change: a fresh configuration, then a build.
        config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=str(site))
        if not seen:
            config.plugins.on_startup(command="serve", dirty=False)
        build(config, serve_url="http://127.0.0.1:8000/")
        ours = config.plugins["opsbook"]
        seen.append(ours)
        settings = ours.handbook.settings  # type: ignore[attr-defined]
        return plugin._ENGINES[settings]

    engine = rebuild()
    assert (engine.stats.files, engine.stats.parsed, engine.stats.validated) == (total,) * 3

    pages = sum(m.counts.made for m in seen[0].memos)  # type: ignore[attr-defined]
    assert rebuild() is engine  # the same engine
    assert (engine.stats.files, engine.stats.parsed, engine.stats.validated) == (total, 0, 0)
    unchanged = [m.counts.made for m in seen[-1].memos]  # type: ignore[attr-defined]
    assert unchanged == [1, 2]  # the JSON export, the review page and the teams' index

    _edit(project)
    assert rebuild() is engine
    assert (engine.stats.files, engine.stats.parsed, engine.stats.validated) == (total, 1, 1)
    assert len({id(p) for p in seen}) == 1  # MkDocs kept the plugin instance
    made = sum(m.counts.made for m in seen[-1].memos)  # type: ignore[attr-defined]
    assert 3 < made < pages  # the example handbook is small and closely linked
    page = (site / "playbooks" / "rituals" / "sprint-review" / "index.html").read_text(
        encoding="utf-8")
    assert "Sprint review (edited)" in page


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(log: Path, pattern: str, start: int, seconds: float = 120) -> re.Match[str]:
    """The first match of ``pattern`` in the log after offset ``start``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text(encoding="utf-8", errors="replace")[start:])
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"no {pattern!r} in the serve log:\n{log.read_text(encoding='utf-8')[-3000:]}")


@pytest.mark.slow
def test_real_serve_rereads_only_the_edited_file(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    total = len(list((project / "playbooks").rglob("*.yaml")))
    log = tmp_path / "serve.log"
    counts = r"(\d+) playbook files, (\d+) parsed, (\d+) validated"
    memo = r"(\d+) pages and files made, (\d+) reused"
    with log.open("w", encoding="utf-8") as out:
        server = subprocess.Popen(
            [str(BIN / "mkdocs"), "serve", "--verbose", "-a",
             f"127.0.0.1:{_free_port()}"], cwd=project, env=env(), stdout=out,
            stderr=subprocess.STDOUT)
    try:
        first = _wait_for(log, counts, 0)
        assert first.groups() == (str(total),) * 3
        _wait_for(log, r"Serving on", 0)
        start = len(log.read_text(encoding="utf-8", errors="replace"))
        _edit(project)
        again = _wait_for(log, counts, start)
        assert again.groups() == (str(total), "1", "1")
        made, reused = map(int, _wait_for(log, memo, start).groups())
        assert 3 < made < made + reused == int(_wait_for(log, memo, 0).group(1))
    finally:
        server.terminate()
        server.wait(timeout=30)

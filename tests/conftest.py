"""Shared fixtures: the repository, a built copy of its site, a small site factory, a static
HTTP server and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
#: The day the repository's own handbook is judged on in tests, so freshness is stable.
TODAY = "2026-11-26"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def env(**extra: str) -> dict[str, str]:
    out = dict(os.environ, NO_MKDOCS_2_WARNING="1", OPSBOOK_TODAY=TODAY)
    out.update(extra)
    return out


def run(args: list[str], cwd: Path, *, environ: dict[str, str] | None = None,
        **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command of this virtual environment (``opsbook``, ``mkdocs``) in ``cwd``, with
    ``environ`` added to the environment."""
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=cwd, env=env(**(environ or {})),
                          capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]


def build(project: Path, site: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of ``project`` into ``site``, with ``environ`` added to the
    environment."""
    return run(["mkdocs", "build", "--strict", "--site-dir", str(site)], project,
               environ=environ)


def copy_project(dest: Path, *, playbooks: bool = True) -> Path:
    """A copy of this repository's handbook (config, docs, schemas, playbooks) in ``dest``."""
    for name in ("docs", "schemas") + (("playbooks",) if playbooks else ()):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    if not playbooks:
        (dest / "playbooks").mkdir()
    return dest


def generated_handbook(dest: Path, n: int, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A handbook of ``n`` playbooks from ``benchmarks/generate.py`` (not a package) in
    ``dest``: every kind, many teams, and instances whose answers link other playbooks."""
    spec = importlib.util.spec_from_file_location(
        "benchmark_generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up while they are defined.
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    module.handbook(dest, n)
    return dest


@pytest.fixture(scope="session")
def repo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own handbook, built once with ``mkdocs build --strict``."""
    site = tmp_path_factory.mktemp("repo-site")
    result = build(ROOT, site)
    assert result.returncode == 0, result.stderr
    return site


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def serve() -> Iterator[object]:
    """``serve(folder) -> base URL``: a static HTTP server on localhost for built sites."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright (it cannot download browsers here)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs the Debian package chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    yield tab
    context.close()


def search(tab: object, words: str) -> list[str]:
    """Type ``words`` into Material's search box like a reader; the result links' URLs."""
    tab.keyboard.press("/")  # type: ignore[attr-defined]
    tab.wait_for_selector(".md-search__input:focus")  # type: ignore[attr-defined]
    tab.keyboard.type(words, delay=20)  # type: ignore[attr-defined]
    tab.wait_for_selector(".md-search-result__meta:has-text('matching')",  # type: ignore[attr-defined]
                          timeout=15_000)
    links = tab.locator(".md-search-result__link")  # type: ignore[attr-defined]
    return [str(a.get_attribute("href")) for a in links.all()]

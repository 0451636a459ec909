"""Where a build's time goes: one ``mkdocs build`` with wall time per phase and per plugin.

Usage: ``python benchmarks/phases.py PROJECT_DIR`` (a folder with ``mkdocs.yml``). Prints a
table: MkDocs' own phases (Markdown to HTML, page templates, writing) and each plugin's hooks,
in seconds of wall time. Wall time, not a profiler, so Python-heavy code is not inflated.
"""

from __future__ import annotations

import functools
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mkdocs.commands import build as mkbuild
from mkdocs.config import load_config

spent: dict[str, float] = defaultdict(float)
stack: list[str] = []


def timed(label: str, method: Callable[..., Any]) -> Callable[..., Any]:
    """Time ``method`` under ``label``, excluding time spent in nested timed calls."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        stack.append(label)
        inner_before = spent["__inner__"]
        try:
            return method(*args, **kwargs)
        finally:
            stack.pop()
            elapsed = time.perf_counter() - start
            nested = spent["__inner__"] - inner_before
            spent[label] += elapsed - nested
            spent["__inner__"] = inner_before + elapsed

    return wrapper


def main() -> None:
    project = Path(sys.argv[1]).resolve()
    site = tempfile.mkdtemp(prefix="opsbook-phases-")
    start = time.perf_counter()
    config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=site)
    plugins = config.plugins
    for event, methods in plugins.events.items():
        plugins.events[event] = [
            timed(f"plugin {plugins._event_origins.get(m, '?')}: on_{event}", m)
            for m in methods]
    mkbuild._populate_page = timed("mkdocs: Markdown to HTML", mkbuild._populate_page)
    mkbuild._build_page = timed("mkdocs: page template + write", mkbuild._build_page)
    mkbuild._build_theme_template = timed("mkdocs: theme templates",
                                          mkbuild._build_theme_template)
    config.theme.get_env = timed("mkdocs: theme env", config.theme.get_env)
    mkbuild.build(config)
    total = time.perf_counter() - start
    spent.pop("__inner__", None)
    other = total - sum(spent.values())
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.005:
            print(f"{seconds:8.2f} s  {label}")
    print(f"{other:8.2f} s  everything else (config, files, nav, copying)")
    print(f"{total:8.2f} s  total")


if __name__ == "__main__":
    main()

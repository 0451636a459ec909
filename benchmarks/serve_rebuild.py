"""One ``mkdocs serve`` edit cycle in one process, timed: build, edit one playbook, rebuild.

It does what ``mkdocs serve`` does on a change (``on_startup`` once, then for each build a fresh
config, whose plugin instances MkDocs keeps, and ``build``) and times every hook of the opsbook
plugin. Prints one JSON line. Used by
``benchmarks/run.py serve``; run from the handbook's folder with its path as the argument.
"""

from __future__ import annotations

import functools
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config

from opsbook import plugin

spent = {"s": 0.0, "engine": 0.0}


def timed(method: Callable[..., Any], key: str = "s") -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - start

    return wrapper


def main() -> None:
    project = Path(sys.argv[1]).resolve()
    for name in dir(plugin.OpsbookPlugin):
        if name.startswith("on_") and name in vars(plugin.OpsbookPlugin):
            setattr(plugin.OpsbookPlugin, name, timed(getattr(plugin.OpsbookPlugin, name)))
    plugin.Engine.load = timed(plugin.Engine.load, "engine")  # type: ignore[method-assign]
    site = tempfile.mkdtemp(prefix="opsbook-serve-")

    instances: list[Any] = []

    def rebuild(first: bool = False) -> float:
        start = time.perf_counter()
        config = load_config(config_file=str(project / "mkdocs.yml"), site_dir=site)
        if first:  # as `mkdocs serve`: once, before the first build
            config.plugins.on_startup(command="serve", dirty=False)
        build(config, serve_url="http://127.0.0.1:8000/")
        instances.append(config.plugins["opsbook"])
        return time.perf_counter() - start

    first = rebuild(first=True)
    target = sorted((project / "playbooks").rglob("*process-1.yaml"))[0]
    original = target.read_text(encoding="utf-8")
    spent["s"] = spent["engine"] = 0.0
    try:
        target.write_text(original.replace("\nsteps:\n  - title: ",
                                           "\nsteps:\n  - title: Edited ", 1), encoding="utf-8")
        second = rebuild()
    finally:
        target.write_text(original, encoding="utf-8")
    engine = next(iter(plugin._ENGINES.values()))
    print(json.dumps({
        "first_s": round(first, 3), "rebuild_s": round(second, 3),
        "opsbook_s": round(spent["s"], 3), "opsbook_share": round(spent["s"] / second, 4),
        "engine_s": round(spent["engine"], 3),
        "files": engine.stats.files, "parsed": engine.stats.parsed,
        "validated": engine.stats.validated,
        "made": sum(m.counts.made for m in instances[-1].memos),
        "reused": sum(m.counts.reused for m in instances[-1].memos)}))


if __name__ == "__main__":
    main()

"""A large handbook's pages are made on every core, and come out exactly as on one.

Run in a fresh interpreter: this test process may run threads (the browser tests' HTTP server),
and Opsbook never forks a process that runs threads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT, env

SCRIPT = """
import json, os, sys
from pathlib import Path
from opsbook import config as options, site
from opsbook.engine import Engine, can_fork
from opsbook.site import Job, SiteBuilder, make_all

assert can_fork()
jobs = [Job(str(n), lambda n=n: (n, os.getpid())) for n in range(site.PARALLEL_MIN * 2)]
made = make_all(jobs)
handbook = Engine(options.settings_for(Path(sys.argv[1]), dict(options.DEFAULTS))).load()
one = SiteBuilder(handbook, site_url="https://handbook.example.com/")
alone = (one.pages(), one.assets())
site.PARALLEL_MIN = 1
shared = SiteBuilder(handbook, site_url="https://handbook.example.com/")
print(json.dumps({
    "order": [n for n, _ in made] == list(range(len(jobs))),
    "processes": len({pid for _, pid in made}),
    "pages": len(alone[0]), "chunk": site._CHUNK,
    "same": (shared.pages(), shared.assets()) == alone,
}))
"""


def test_pages_made_on_every_core_are_the_pages_made_on_one() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT)], env=env(),
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["order"]
    assert found["processes"] == min(os.cpu_count() or 1, 8) > 1
    assert found["pages"] > found["chunk"] * 2  # so a worker made some of them
    assert found["same"]

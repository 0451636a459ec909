"""Opsbook's benchmarks: build time, memory and size against stock MkDocs + Material, and
``opsbook validate`` against ``check-jsonschema``.

Usage (``make bench`` runs the first line)::

    .venv/bin/python benchmarks/run.py                      # build + validate + serve, all sizes
    .venv/bin/python benchmarks/run.py build --sizes 100,1000
    .venv/bin/python benchmarks/run.py validate --sizes 1000,10000
    .venv/bin/python benchmarks/run.py serve --sizes 1000
    .venv/bin/python benchmarks/run.py chart                # redraw the chart from results
    .venv/bin/python benchmarks/run.py report               # results as Markdown tables

Every measured command runs in its own child process (cold: imports, schema loading and all),
wrapped by this script so that wall time and peak memory (the largest resident set of the
command's process tree, from ``getrusage(RUSAGE_CHILDREN)``) belong to that command alone.
Generated handbooks and sites go under ``benchmarks/out/`` (not committed); results go to
``benchmarks/results/<mode>.json`` and the chart to ``docs/opsbook/benchmarks.svg``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - the folder is on the path only from here

BIN = Path(sys.executable).parent
OUT = HERE / "out"
RESULTS = HERE / "results"
CHART = ROOT / "docs" / "opsbook" / "benchmarks.svg"
SIZES = (100, 1000, 5000, 10000)
#: Stock Material's build grows with N², so by default it runs only up to this size.
BASELINE_MAX = 1000
ENV = dict(os.environ, NO_MKDOCS_2_WARNING="1", OPSBOOK_TODAY=generate.TODAY,
           PYTHONDONTWRITEBYTECODE="1")


# -- measuring ---------------------------------------------------------------------------

def measure(args: list[str], cwd: Path) -> dict[str, Any]:
    """Run ``args`` in ``cwd`` under a fresh wrapper process; wall seconds and peak RSS."""
    wrapper = [sys.executable, str(Path(__file__).resolve()), "_measure", "--", *args]
    done = subprocess.run(wrapper, cwd=cwd, env=ENV, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0 and not done.stdout.strip():
        raise SystemExit(f"the wrapper failed: {done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _measure_child(args: list[str]) -> None:
    """The wrapper: run the command, then report on it (its own output goes to a log)."""
    log = Path(os.environ.get("OPSBOOK_BENCH_LOG", os.devnull))
    start = time.perf_counter()
    with log.open("a", encoding="utf-8") as sink:
        code = subprocess.run(args, stdout=sink, stderr=sink, check=False).returncode
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time as well as wall time: the machine may be shared, and CPU time suffers less.
    print(json.dumps({"wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
                      "peak_mib": round(usage.ru_maxrss / 1024, 1),  # KiB on Linux
                      "exit": code}))


def tree_size(folder: Path) -> tuple[int, int]:
    """(bytes, files) under ``folder``."""
    total = count = 0
    for base, _, names in os.walk(folder):
        for name in names:
            total += (Path(base) / name).stat().st_size
            count += 1
    return total, count


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "cpus": str(os.cpu_count()),
           "machine": platform.machine()}
    for name in ("opsbook", "mkdocs", "mkdocs-material", "jsonschema", "check-jsonschema",
                 "PyYAML"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def save(mode: str, rows: list[dict[str, Any]], command: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{mode}.json"
    old: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    # Rows are kept per size, so running one size again replaces only that size's row.
    by_n = {row["n"]: row for row in old.get("rows", [])}
    by_n.update({row["n"]: row for row in rows})
    doc = {"command": command, "date": time.strftime("%Y-%m-%d"), "versions": versions(),
           "rows": [by_n[n] for n in sorted(by_n)]}
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return path


def mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"


def prepare(n: int, what: str) -> Path:
    """The generated handbook or baseline of size ``n``, reused when already written."""
    dest = OUT / str(n) / what
    stamp = dest / ".complete"
    if not stamp.exists():
        print(f"  generating the {what} of {n:,}…", flush=True)
        (generate.handbook if what == "handbook" else generate.baseline)(dest, n)
        stamp.write_text("", encoding="utf-8")
    return dest


# -- modes -------------------------------------------------------------------------------

def run_build(sizes: list[int], baseline_max: int, reuse: bool) -> list[dict[str, Any]]:
    rows = []
    path = RESULTS / "build.json"
    earlier = {r["n"]: r for r in json.loads(path.read_text(encoding="utf-8"))["rows"]} \
        if reuse and path.exists() else {}
    for n in sizes:
        print(f"N = {n:,}", flush=True)
        row: dict[str, Any] = {"n": n}
        for what in ("handbook", "baseline"):
            if what == "baseline" and earlier.get(n, {}).get("baseline"):
                row["baseline"] = earlier[n]["baseline"]
                b = row["baseline"]
                print(f"  baseline  {b['wall_s']:>8.2f} s  {b['peak_mib']:>8.1f} MiB peak  "
                      f"{mib(b['site_bytes']):>14}  (from the previous run: --reuse-baseline)",
                      flush=True)
                continue
            if what == "baseline" and n > baseline_max:
                estimate = _estimate_baseline(n, rows)
                print(f"  baseline skipped above --baseline-max {baseline_max:,}: stock "
                      f"Material's time grows with N²{estimate}.", flush=True)
                row["baseline"] = None
                continue
            project = prepare(n, what)
            site = project / "site"
            shutil.rmtree(site, ignore_errors=True)
            args = [str(BIN / "mkdocs"), "build", "--quiet", "--site-dir", str(site)]
            if what == "handbook":
                args.insert(2, "--strict")
            ENV["OPSBOOK_BENCH_LOG"] = str(project / "build.log")
            result = measure(args, project)
            if result["exit"] != 0:
                raise SystemExit(f"the {what} build of {n} failed; see {project}/build.log")
            size, files = tree_size(site)
            result.update(site_bytes=size, site_files=files)
            row[what] = result
            print(f"  {what:<9} {result['wall_s']:>8.2f} s  {result['peak_mib']:>8.1f} MiB peak"
                  f"  {mib(size):>14} in {files:,} files", flush=True)
            shutil.rmtree(site, ignore_errors=True)  # the baseline's sites reach gigabytes
        if row.get("baseline"):
            h, b = row["handbook"], row["baseline"]
            row["time_ratio"] = round(h["wall_s"] / b["wall_s"], 3)
            row["size_ratio"] = round(h["site_bytes"] / b["site_bytes"], 3)
            print(f"  ratios   time {row['time_ratio']:.3f}x   size {row['size_ratio']:.3f}x "
                  "(handbook / baseline)", flush=True)
        rows.append(row)
    by_n = {r["n"]: r for r in rows}
    if 1000 in by_n and 10000 in by_n:
        growth = by_n[10000]["handbook"]["wall_s"] / by_n[1000]["handbook"]["wall_s"]
        print(f"growth  time(10,000) / time(1,000) = {growth:.2f}", flush=True)
    return rows


def _estimate_baseline(n: int, rows: list[dict[str, Any]]) -> str:
    """From this run's largest baseline, else the last results'."""
    path = RESULTS / "build.json"
    if not any(r.get("baseline") for r in rows) and path.exists():
        rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    points = [(r["n"], r["baseline"]["wall_s"]) for r in rows if r.get("baseline")]
    if not points:
        return ""
    top_n, top_s = max(points)
    guess = top_s * (n / top_n) ** 2
    return f" (about {guess / 60:,.0f} minutes by N² from {top_n:,} pages in {top_s:.0f} s)"


def run_validate(sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        print(f"N = {n:,}", flush=True)
        project = prepare(n, "handbook")
        ENV["OPSBOOK_BENCH_LOG"] = str(project / "validate.log")
        row: dict[str, Any] = {"n": n}
        cache = project / ".opsbook-cache"
        shutil.rmtree(cache, ignore_errors=True)
        row["opsbook"] = measure([str(BIN / "opsbook"), "validate"], project)
        if _supports_cache():
            row["opsbook_cache_cold"] = measure([str(BIN / "opsbook"), "validate", "--cache"],
                                                project)
            row["opsbook_cache_warm"] = measure([str(BIN / "opsbook"), "validate", "--cache"],
                                                project)
            shutil.rmtree(cache, ignore_errors=True)
        by_kind: dict[str, list[str]] = {}
        for path in sorted((project / "playbooks").rglob("*.yaml")):
            kind = path.read_text(encoding="utf-8").split("\nkind: ", 1)[1].split("\n", 1)[0]
            by_kind.setdefault(kind, []).append(str(path.relative_to(project)))
        # check-jsonschema takes one schema per run: one run per kind, times added up.
        total = {"wall_s": 0.0, "peak_mib": 0.0, "exit": 0, "runs": 0}
        for kind, files in sorted(by_kind.items()):
            result = measure([str(BIN / "check-jsonschema"), "--schemafile",
                              f"schemas/{kind}.schema.json", *files], project)
            total["wall_s"] = round(total["wall_s"] + result["wall_s"], 3)
            total["peak_mib"] = max(total["peak_mib"], result["peak_mib"])
            total["exit"] = max(total["exit"], result["exit"])
            total["runs"] += 1
        row["check_jsonschema"] = total
        row["speedup"] = round(total["wall_s"] / row["opsbook"]["wall_s"], 2)
        for key in ("opsbook", "opsbook_cache_cold", "opsbook_cache_warm", "check_jsonschema"):
            if key in row:
                r = row[key]
                print(f"  {key:<20} {r['wall_s']:>8.2f} s  {r['peak_mib']:>7.1f} MiB peak  "
                      f"exit {r['exit']}", flush=True)
        print(f"  speedup  {row['speedup']:.1f}x (check-jsonschema / opsbook validate)",
              flush=True)
        rows.append(row)
    return rows


def _supports_cache() -> bool:
    done = subprocess.run([str(BIN / "opsbook"), "validate", "--help"], capture_output=True,
                          text=True, env=ENV, check=False)
    return "--cache" in done.stdout


def run_serve(sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        print(f"N = {n:,}", flush=True)
        project = prepare(n, "handbook")
        done = subprocess.run([sys.executable, str(HERE / "serve_rebuild.py"), str(project)],
                              cwd=project, env=ENV, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"the serve benchmark failed:\n{done.stderr[-3000:]}")
        row = {"n": n, **json.loads(done.stdout.strip().splitlines()[-1])}
        print(f"  first build {row['first_s']:.2f} s; rebuild after a one-file edit "
              f"{row['rebuild_s']:.2f} s, of which opsbook {row['opsbook_s']:.3f} s "
              f"({row['opsbook_share'] * 100:.1f} %; loading and checking the playbooks "
              f"{row['engine_s']:.3f} s); files parsed {row['parsed']}, "
              f"validated {row['validated']}; pages and files made {row['made']}, "
              f"reused {row['reused']}", flush=True)
        rows.append(row)
    return rows


def chart() -> Path | None:
    """Build time against N for both systems, from results/build.json."""
    path = RESULTS / "build.json"
    if not path.exists():
        return None
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "opsbook"  # stable ids: the same data, same file
    matplotlib.rcParams["svg.fonttype"] = "none"
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=100)
    hb = [(r["n"], r["handbook"]["wall_s"]) for r in rows if r.get("handbook")]
    bl = [(r["n"], r["baseline"]["wall_s"]) for r in rows if r.get("baseline")]
    ax.plot(*zip(*hb, strict=True), marker="o", label="Opsbook handbook (mkdocs build --strict)")
    if bl:
        ax.plot(*zip(*bl, strict=True), marker="s",
                label="Stock MkDocs + Material, plain pages")
        top_n, top_s = max(bl)
        far = max(n for n, _ in hb)
        if far > top_n:
            xs = [top_n + (far - top_n) * i / 20 for i in range(21)]
            ax.plot(xs, [top_s * (x / top_n) ** 2 for x in xs], linestyle=":", color="C1",
                    label=f"Stock, N² from {top_n:,} (not run)")
            ax.set_ylim(0, max(s for _, s in hb) * 2.5)
    ax.set_xlabel("pages (playbooks) N")
    ax.set_ylabel("build time, seconds (wall)")
    ax.set_title("Full site build time against N (2 cores)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    CHART.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(CHART, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return CHART


def report() -> None:
    """The results as Markdown tables, for docs/opsbook/benchmarks.md."""
    def load(mode: str) -> list[dict[str, Any]]:
        path = RESULTS / f"{mode}.json"
        rows: list[dict[str, Any]] = (json.loads(path.read_text(encoding="utf-8"))["rows"]
                                      if path.exists() else [])
        return rows

    def size(run: dict[str, Any] | None) -> str:
        return f"{run['site_bytes'] / 2**20:,.0f} MiB" if run else "not run"

    def cell(run: dict[str, Any] | None, key: str, fmt: str, unit: str) -> str:
        return "not run" if not run or key not in run else format(run[key], fmt) + unit

    print("| N | opsbook build | peak memory | site | stock Material build | peak memory | site "
          "| time ratio | size ratio |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in load("build"):
        h, b = r.get("handbook"), r.get("baseline")
        print(f"| {r['n']:,} | {cell(h, 'wall_s', '.1f', ' s')} "
              f"| {cell(h, 'peak_mib', ',.0f', ' MiB')} | {size(h)} "
              f"| {cell(b, 'wall_s', '.1f', ' s')} | {cell(b, 'peak_mib', ',.0f', ' MiB')} "
              f"| {size(b)} "
              f"| {r.get('time_ratio', '–')} | {r.get('size_ratio', '–')} |")
    print()
    print("| N | opsbook validate | with --cache, first run | with --cache, again "
          "| check-jsonschema (one run per kind) | speed-up |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in load("validate"):
        print(f"| {r['n']:,} | {r['opsbook']['wall_s']:.2f} s "
              f"| {cell(r.get('opsbook_cache_cold'), 'wall_s', '.2f', ' s')} "
              f"| {cell(r.get('opsbook_cache_warm'), 'wall_s', '.2f', ' s')} "
              f"| {r['check_jsonschema']['wall_s']:.1f} s | {r['speedup']:.1f}x |")
    print()
    print("| N | first build | rebuild after a one-file edit | opsbook's share (all hooks) "
          "| of which loading and checking | files parsed | files validated "
          "| pages and files made | reused |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in load("serve"):
        print(f"| {r['n']:,} | {r['first_s']:.1f} s | {r['rebuild_s']:.1f} s "
              f"| {r['opsbook_s']:.2f} s ({r['opsbook_share'] * 100:.1f} %) "
              f"| {r['engine_s']:.3f} s ({r['engine_s'] / r['rebuild_s'] * 100:.1f} %) "
              f"| {r['parsed']} | {r['validated']} | {r.get('made', '–')} "
              f"| {r.get('reused', '–')} |")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_measure":
        _measure_child(sys.argv[sys.argv.index("--") + 1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="all",
                        choices=("all", "build", "validate", "serve", "chart", "report"))
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="comma-separated numbers of playbooks (default %(default)s)")
    parser.add_argument("--baseline-max", type=int, default=BASELINE_MAX,
                        help="skip the stock-Material baseline above this N (default "
                             "%(default)s; it takes about an hour at 5,000)")
    parser.add_argument("--reuse-baseline", action="store_true",
                        help="take the stock-Material figures from the previous results instead "
                             "of building the baseline again (it does not change with Opsbook)")
    parser.add_argument("--fresh", action="store_true",
                        help="regenerate the handbooks instead of reusing benchmarks/out/")
    options = parser.parse_args()
    if options.mode == "report":
        report()
        return
    sizes = [int(s.replace("_", "")) for s in options.sizes.split(",") if s]
    if options.fresh:
        shutil.rmtree(OUT, ignore_errors=True)
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:])
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}", flush=True)
    if options.mode in ("all", "build"):
        print("== build: opsbook handbook vs stock MkDocs + Material", flush=True)
        save("build", run_build(sizes, options.baseline_max, options.reuse_baseline), command)
    if options.mode in ("all", "validate"):
        print("== validate: opsbook validate vs check-jsonschema (whole process, cold)",
              flush=True)
        save("validate", run_validate(sizes), command)
    if options.mode in ("all", "serve"):
        print("== serve: rebuild after a one-file edit, in one process", flush=True)
        save("serve", run_serve([n for n in sizes if n <= 1000] or sizes[:1]), command)
    drawn = chart()
    if drawn is not None:
        print(f"chart: {drawn.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""The ``opsbook`` command line: ``validate``, ``kinds`` and ``new``.

Exit codes: 0 no problems (warnings allowed unless ``--strict``); 1 content problems;
2 usage or configuration error (a bad option, a missing folder, a broken schema, a ``new``
that would overwrite a file or reuse an id). ``docs/opsbook/cli.md`` documents them and the
report formats.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from opsbook import report, scaffold
from opsbook.config import DEFAULTS, ConfigError, read_options, settings_for
from opsbook.engine import Engine, Handbook
from opsbook.problems import CONFIG_CODES, Problem

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
DEFAULT_CONFIG = "mkdocs.yml"

_config_option = click.option(
    "-f", "--config-file", "config_file", type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG, show_default=True,
    help="The site's MkDocs configuration; Opsbook reads its `opsbook` plugin options and "
         "resolves folders against its directory.")


#: Where ``opsbook validate --cache`` keeps per-file results, under the project root.
CACHE_DIR = ".opsbook-cache"


def _load(config_file: Path, cache: bool = False) -> Handbook:
    root = config_file.resolve().parent
    try:
        options = _options(config_file)
        settings = settings_for(root, options)
    except ConfigError as exc:
        click.echo(f"opsbook: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    return Engine(settings, cache_dir=root / CACHE_DIR if cache else None).load()


def _options(config_file: Path) -> dict[str, Any]:
    """The plugin options of ``config_file``; a folder without mkdocs.yml gets the defaults."""
    if config_file.exists():
        return read_options(config_file)
    if config_file == Path(DEFAULT_CONFIG):
        return dict(DEFAULTS)
    raise ConfigError(f"{config_file}: no such file.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="opsbook")
def main() -> None:
    """Opsbook: check and scaffold the YAML playbooks of a process handbook.

    The site itself is built with `mkdocs build` (the `opsbook` plugin runs the same checks).
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted(report.FORMATS)), default="text",
              show_default=True,
              help="text: one line a problem; github: workflow commands that annotate a pull "
                   "request; json: a stable document (see docs/opsbook/cli.md).")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (stale reviews...).")
@click.option("--cache", is_flag=True,
              help="Keep each file's own result in .opsbook-cache/ by content, for fast "
                   "repeated runs (pre-commit); a changed file, schema or Opsbook misses, and "
                   "checks across files always run.")
@_config_option
def validate(paths: tuple[Path, ...], fmt: str, strict: bool, cache: bool,
             config_file: Path) -> None:
    """Check every playbook against its kind's schema and against each other.

    The whole handbook is always loaded, since references cross files; with PATHS, only
    problems in those files or folders are reported.

    Exit status: 0 no problems, 1 content problems, 2 usage or configuration error.
    """
    handbook = _load(config_file, cache)
    problems = handbook.problems
    if paths:
        root = config_file.resolve().parent
        wanted = []
        for path in paths:
            full = path.resolve()
            if not full.exists():
                click.echo(f"opsbook: {path}: no such file or folder.", err=True)
                sys.exit(EXIT_USAGE)
            wanted.append(full)
        problems = [p for p in problems if _under(root / p.path, wanted)]
    click.echo(report.FORMATS[fmt](problems), nl=False)
    sys.exit(exit_code(problems, strict))


def _under(path: Path, roots: list[Path]) -> bool:
    full = path.resolve()
    return any(full == r or r in full.parents for r in roots)


def exit_code(problems: list[Problem], strict: bool) -> int:
    """0, 1 or 2 by the worst problem, as the module docstring says."""
    if any(p.code in CONFIG_CODES for p in problems):
        return EXIT_USAGE
    if any(p.is_error or strict for p in problems):
        return EXIT_PROBLEMS
    return EXIT_OK


@main.command()
@_config_option
def kinds(config_file: Path) -> None:
    """List the kinds of playbook this handbook knows, one line each.

    Each line: the kind's name (what `kind:` and `opsbook new` take), how many playbooks it
    has, and the first sentence of its schema's description.
    """
    handbook = _load(config_file)
    schema_problems = [p for p in handbook.problems if p.code in CONFIG_CODES]
    width = max((len(name) for name in handbook.schemas.kinds), default=0) + 2
    for kind in handbook.schemas.kinds.values():
        count = len(handbook.by_kind(kind.name))
        first = kind.description.split(". ")[0].rstrip(".") or kind.title
        plural = "playbook" if count == 1 else "playbooks"
        click.echo(f"{kind.name:<{width}}{count:>3} {plural:<10} {first}.")
    if schema_problems:
        click.echo(report.text(schema_problems), err=True, nl=False)
        sys.exit(EXIT_USAGE)


@main.command()
@click.argument("kind")
@click.argument("playbook_id", metavar="ID")
@click.option("--folder", help="The folder under the playbooks folder to write into (default: "
                               "the folder most playbooks of KIND are in, else KIND).")
@_config_option
def new(kind: str, playbook_id: str, folder: str | None, config_file: Path) -> None:
    """Write a new playbook of KIND with the id ID, ready to fill in.

    It goes to playbooks/FOLDER/ID.yaml, holds every required field with a placeholder that
    validates, each field's description as a comment, and the modeline that gives VS Code
    completion. An existing file or id is never overwritten (exit status 2).
    """
    handbook = _load(config_file)
    broken = [p for p in handbook.problems if p.code in CONFIG_CODES]
    if broken:
        click.echo(report.text(broken), err=True, nl=False)
        sys.exit(EXIT_USAGE)
    try:
        draft = scaffold.plan(handbook, kind, playbook_id, folder)
        scaffold.write(draft)
    except scaffold.ScaffoldError as exc:
        click.echo(f"opsbook: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"Wrote {draft.rel}")
    for note in draft.notes:
        click.echo(f"Note: {note}")
    click.echo("Replace each TODO, then run `opsbook validate`.")

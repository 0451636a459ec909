"""The `opsbook` command line, run for real: report formats, exit codes, `kinds`, `new`, and
the pre-commit hook."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, TODAY, copy_project, run
from opsbook import report
from opsbook.problems import Problem

KINDS = ["checklist", "glossary", "instance", "organisation", "process", "template"]


# -- GitHub workflow commands, parsed the way GitHub's runner parses them -------------------
# A port of ActionCommand.TryParseV2 and its unescaping in actions/runner
# (src/Runner.Common/ActionCommand.cs): the command ends at the second "::", properties are
# split on "," and "=", and unescaped in this order.
_PROPERTY_ESCAPES = [("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")]
_DATA_ESCAPES = [("%0D", "\r"), ("%0A", "\n"), ("%25", "%")]
_COMMANDS = {"error", "warning", "notice", "debug"}


def _unescape(text: str, table: list[tuple[str, str]]) -> str:
    for escaped, token in table:
        text = text.replace(escaped, token)
    return text


def parse_workflow_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """``(command, properties, data)``, or None when the runner would not see a command."""
    line = line.lstrip()
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info = line[2:end]
    name, _, props = info.partition(" ")
    if name not in _COMMANDS:
        return None
    properties: dict[str, str] = {}
    for item in filter(None, props.strip().split(",")):
        key, sep, value = item.partition("=")
        if sep and key and value:
            properties[key] = _unescape(value, _PROPERTY_ESCAPES)
    return name, properties, _unescape(line[end + 2:], _DATA_ESCAPES)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's handbook with an error, a warning, and a file name full of the
    characters workflow commands escape."""
    project = copy_project(tmp_path_factory.mktemp("broken"))
    sprint = project / "playbooks" / "rituals" / "sprint-review.yaml"
    text = sprint.read_text(encoding="utf-8")
    text = text.replace("owner: product-ops\n", "owner: product-ops\nonwer: product-ops\n", 1)
    sprint.write_text(text, encoding="utf-8")
    stale = project / "playbooks" / "rituals" / "pm-dashboard-review.yaml"
    text = stale.read_text(encoding="utf-8")
    stale.write_text(re.sub(r'last_reviewed: "[0-9-]+"', 'last_reviewed: "2025-01-07"', text),
                     encoding="utf-8")
    odd = project / "playbooks" / "rituals" / "odd,name:100%.yaml"
    odd.write_text((project / "playbooks" / "rituals" / "release-demo-day.yaml")
                   .read_text(encoding="utf-8").replace("duration_minutes: 120",
                                                        "duration_minutes: 50%"),
                   encoding="utf-8")
    return project


def test_github_format_is_valid_workflow_commands(broken: Path) -> None:
    github = run(["opsbook", "validate", "--format", "github"], broken)
    listed = json.loads(run(["opsbook", "validate", "--format", "json"], broken).stdout)
    assert github.returncode == 1
    lines = github.stdout.splitlines()
    assert lines[-1] == f"Found {listed['errors']} errors and 1 warning."
    commands = [parse_workflow_command(line) for line in lines[:-1]]
    assert None not in commands
    assert len(commands) == len(listed["problems"])
    for command, problem in zip(commands, listed["problems"], strict=True):
        assert command is not None
        name, props, data = command
        assert name == problem["severity"]
        assert props["file"] == problem["path"]
        assert (int(props["line"]), int(props["col"])) == (problem["line"], problem["column"])
        assert props["title"] == f"Opsbook {problem['code']}"
        assert data == f"{problem['field']}: {problem['message']} {problem['fix']}"
    odd = [c for c in commands if c and c[1]["file"].endswith("odd,name:100%.yaml")]
    assert odd, github.stdout
    assert "file=playbooks/rituals/odd%2Cname%3A100%25.yaml," in github.stdout
    assert any("'50%'" in c[2] for c in odd)
    assert "'50%25'" in github.stdout


def test_github_format_escapes_line_breaks_and_marks_whole_file_problems() -> None:
    problems = [Problem("playbooks/a.yaml", 0, 0, "symlink", "Two\nlines, 100%.", "Fix\r.")]
    line = report.github(problems).splitlines()[0]
    assert line == ("::error file=playbooks/a.yaml,title=Opsbook symlink::"
                    "Two%0Alines, 100%25. Fix%0D.")
    assert parse_workflow_command(line) == (
        "error", {"file": "playbooks/a.yaml", "title": "Opsbook symlink"},
        "Two\nlines, 100%. Fix\r.")


def test_json_format_is_the_documented_shape(broken: Path) -> None:
    result = run(["opsbook", "validate", "--format", "json"], broken)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert list(document) == ["version", "errors", "warnings", "problems"]
    assert document["version"] == report.JSON_VERSION == 1
    keys = ["path", "line", "column", "severity", "code", "field", "message", "fix", "meaning"]
    for problem in document["problems"]:
        assert list(problem) == keys
        assert problem["severity"] in ("error", "warning")
    order = [(p["path"], p["line"], p["column"], p["code"]) for p in document["problems"]]
    assert order == sorted(order)
    assert document["errors"] == sum(p["severity"] == "error" for p in document["problems"])
    assert document["warnings"] == 1
    cli_doc = (ROOT / "docs" / "opsbook" / "cli.md").read_text(encoding="utf-8")
    for key in keys:
        assert f"| `{key}`" in cli_doc or f"`{key}`," in cli_doc, key


def test_text_format_lists_every_problem_sorted(broken: Path) -> None:
    result = run(["opsbook", "validate"], broken)
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert any(re.fullmatch(r"playbooks/rituals/sprint-review\.yaml:\d+:1: onwer: 'onwer' is "
                            r"not a field of this playbook; did you mean 'owner'\? Delete it: "
                            r"'owner' is already given on line \d+\. \[unknown-field\]", line)
               for line in lines), result.stdout
    assert any(": warning: review.last_reviewed: " in line and "[review-overdue]" in line
               for line in lines)
    located = [re.match(r"(.+?\.yaml):(\d+):(\d+): ", line) for line in lines[:-1]]
    keys = [(m[1], int(m[2]), int(m[3])) for m in located if m]
    assert len(keys) == len(lines) - 1
    assert keys == sorted(keys)


def test_paths_narrow_the_report(broken: Path) -> None:
    result = run(["opsbook", "validate", "playbooks/rituals/sprint-review.yaml"], broken)
    assert result.returncode == 1
    assert all(line.startswith("playbooks/rituals/sprint-review.yaml:")
               for line in result.stdout.splitlines()[:-1])
    missing = run(["opsbook", "validate", "playbooks/nope.yaml"], broken)
    assert missing.returncode == 2
    assert "no such file or folder" in missing.stderr


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    sprint = project / "playbooks" / "rituals" / "sprint-review.yaml"
    sprint.write_text(sprint.read_text(encoding="utf-8").replace(
        'last_reviewed: "2026-10-07"', 'last_reviewed: "2025-01-07"'), encoding="utf-8")
    relaxed = run(["opsbook", "validate"], project)
    strict = run(["opsbook", "validate", "--strict"], project)
    assert relaxed.returncode == 0
    assert strict.returncode == 1
    assert relaxed.stdout == strict.stdout
    assert relaxed.stdout.endswith("Found 1 warning.\n")
    assert "warning: review.last_reviewed: The review was due on 2025-04-07" in relaxed.stdout


def test_set_up_problems_exit_2(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    assert run(["opsbook", "validate", "-f", "other.yml"], project).returncode == 2
    assert run(["opsbook", "validate", "--format", "xml"], project).returncode == 2
    (project / "schemas" / "broken.schema.json").write_text('{"type": "objekt"}',
                                                             encoding="utf-8")
    result = run(["opsbook", "validate"], project)
    assert result.returncode == 2
    assert "schemas/broken.schema.json:1:1:" in result.stdout
    assert "[bad-schema]" in result.stdout
    for output in (result.stdout, result.stderr):
        assert "Traceback" not in output


def test_kinds_lists_one_line_each() -> None:
    result = run(["opsbook", "kinds"], ROOT)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == KINDS
    assert re.fullmatch(r"process +\d+ playbooks +A repeatable ritual .*\.", lines[4])


# -- opsbook new --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_new_writes_a_playbook_that_validates_as_written(kind: str, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    result = run(["opsbook", "new", kind, f"first-{kind}"], project)
    assert result.returncode == 0, result.stderr
    wrote = result.stdout.splitlines()[0]
    rel = wrote.removeprefix("Wrote ")
    path = project / rel
    assert path.is_file()
    assert rel.startswith("playbooks/") and rel.endswith(f"/first-{kind}.yaml")
    text = path.read_text(encoding="utf-8")
    schema = f"schemas/{kind}.schema.json"
    depth = rel.count("/")
    assert text.splitlines()[0] == (
        f"# yaml-language-server: $schema={'../' * depth}{schema}")
    assert (path.parent / ("../" * depth) / schema).resolve() == project / schema
    checked = run(["opsbook", "validate"], project)
    assert (checked.returncode, checked.stdout) == (0, "No problems found.\n")
    data = yaml.safe_load(text)
    assert data["id"] == f"first-{kind}"
    assert data["status"] == "draft"
    assert data["review"]["last_reviewed"] == TODAY
    assert data["owner"] == "product-ops"  # the registry's first team


def test_new_goes_where_that_kind_lives_and_carries_descriptions(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    result = run(["opsbook", "new", "process", "design-critique"], project)
    assert result.stdout.splitlines()[0] == "Wrote playbooks/rituals/design-critique.yaml"
    text = (project / "playbooks" / "rituals" / "design-critique.yaml").read_text(
        encoding="utf-8")
    assert "# The team that keeps this playbook current and answers questions about it.\n" \
           "owner: product-ops\n" in text
    assert "  # The id of the role that runs this step.\n" in text
    other = run(["opsbook", "new", "checklist", "partner-launch", "--folder",
                 "launches/partners"], project)
    assert other.stdout.startswith("Wrote playbooks/launches/partners/partner-launch.yaml\n")
    fresh = run(["opsbook", "new", "process", "on-call"], copy_project(tmp_path / "q",
                                                                        playbooks=False))
    assert fresh.stdout.startswith("Wrote playbooks/process/on-call.yaml\n")


def test_new_never_overwrites_a_file_or_reuses_an_id(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    first = run(["opsbook", "new", "process", "design-critique"], project)
    assert first.returncode == 0
    path = project / "playbooks" / "rituals" / "design-critique.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# my notes\n", encoding="utf-8")
    before = path.read_bytes()
    again = run(["opsbook", "new", "process", "design-critique"], project)
    assert again.returncode == 2
    assert again.stdout == ""
    assert "already exists; it was left unchanged" in again.stderr
    assert path.read_bytes() == before
    elsewhere = run(["opsbook", "new", "checklist", "design-critique", "--folder", "launches"],
                    project)
    assert elsewhere.returncode == 2
    assert "already used by playbooks/rituals/design-critique.yaml" in elsewhere.stderr
    assert not (project / "playbooks" / "launches" / "design-critique.yaml").exists()
    term = run(["opsbook", "new", "process", "activation-rate"], project)
    assert term.returncode == 2
    assert "already a glossary term" in term.stderr
    broken = project / "playbooks" / "rituals" / "Half-Done.yaml"
    broken.write_text("kind: process\n", encoding="utf-8")
    case = run(["opsbook", "new", "process", "half-done"], project)
    assert case.returncode == 2
    assert "Half-Done.yaml" in case.stderr
    assert broken.read_text(encoding="utf-8") == "kind: process\n"


@pytest.mark.parametrize(("args", "says"), [
    (["proces", "x"], "did you mean 'process'?"),
    (["process", "Weekly_Sync"], "cannot be an id"),
    (["process", "index"], "reserves that name"),
    (["process", "ok", "--folder", "../outside"], "is not allowed"),
])
def test_new_refuses_bad_requests(args: list[str], says: str, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    result = run(["opsbook", "new", *args], project)
    assert result.returncode == 2
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


# -- pre-commit ---------------------------------------------------------------------------


def test_pre_commit_hook_runs_the_installed_command(tmp_path: Path) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "opsbook-validate"
    assert hook["language"] == "python"  # pre-commit installs this repository's package
    assert hook["pass_filenames"] is False  # references cross files: check them all
    assert set(hook) <= {"id", "name", "description", "entry", "language", "pass_filenames",
                         "types_or", "files", "args"}
    command, *args = hook["entry"].split()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["scripts"]
    assert command in scripts
    project = copy_project(tmp_path / "p")
    assert run([command, *args], project).returncode == 0

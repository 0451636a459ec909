"""A kind added without Python: a schema file (and an optional page template) in a copy of the
handbook, built end to end with `mkdocs build --strict`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import build, copy_project, run

ENVELOPE = {name: {"$ref": f"common.schema.json#/$defs/{name}"}
            for name in ("id", "title", "summary", "owner", "status", "replaced_by", "tags",
                         "links", "review")}
RUNBOOK = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Runbook",
    "description": "What to do, step by step, when something goes wrong. Kept short.",
    "type": "object",
    "additionalProperties": False,
    "required": ["kind", "id", "title", "summary", "owner", "review", "trigger", "actions"],
    "properties": {
        "kind": {"$ref": "common.schema.json#/$defs/kind", "const": "runbook"},
        **ENVELOPE,
        "trigger": {"title": "Trigger", "description": "What starts the runbook (Markdown).",
                    "$ref": "common.schema.json#/$defs/markdown"},
        "severity": {"title": "Severity", "description": "How bad it is.", "type": "string",
                     "enum": ["low", "high"], "default": "low"},
        "actions": {
            "title": "Actions", "description": "What to do, in order.", "type": "array",
            "minItems": 1,
            "items": {"type": "object", "additionalProperties": False,
                      "required": ["do", "who"],
                      "properties": {
                          "do": {"title": "Action", "description": "What to do.",
                                 "$ref": "common.schema.json#/$defs/plain"},
                          "who": {"title": "Who", "description": "The role that does it.",
                                  "$ref": "common.schema.json#/$defs/role"}}}},
    },
}
PLAYBOOK = """# yaml-language-server: $schema=../../schemas/runbook.schema.json
kind: runbook
id: status-page-down
title: Status page is down
summary: What to do when the public status page stops answering.
owner: product-ops
review:
  last_reviewed: "2026-11-01"
  every: quarterly
trigger: The status page check fails twice in a row; see [[sprint-review]].
severity: high
actions:
  - do: Post in the incident channel
    who: product-manager
  - do: Switch to the backup page
    who: engineering-manager
"""
OVERRIDE = """{% extends "_playbook.md.j2" %}
{% block body %}
{% set severity = data.get("severity", "low") %}
<div class="runbook-trigger" data-severity="{{ severity }}">{{ md(data.trigger) }}</div>
<ol class="runbook-actions">
{% for action in data.actions %}
<li>{{ action.do }} ({{ party(action.who) }})</li>
{% endfor %}
</ol>
{% endblock %}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    project = copy_project(tmp_path_factory.mktemp("custom"))
    (project / "schemas" / "runbook.schema.json").write_text(json.dumps(RUNBOOK, indent=2),
                                                             encoding="utf-8")
    folder = project / "playbooks" / "runbooks"
    folder.mkdir()
    (folder / "status-page-down.yaml").write_text(PLAYBOOK, encoding="utf-8")
    templates = project / "overrides" / "opsbook" / "kinds"
    templates.mkdir(parents=True)
    (templates / "runbook.md.j2").write_text(OVERRIDE, encoding="utf-8")
    new = run(["opsbook", "new", "runbook", "payments-outage"], project)
    assert new.returncode == 0, new.stderr
    assert new.stdout.startswith("Wrote playbooks/runbooks/payments-outage.yaml\n")
    checked = run(["opsbook", "validate"], project)
    assert (checked.returncode, checked.stdout) == (0, "No problems found.\n")
    out = project / "site"
    result = build(project, out)
    assert result.returncode == 0, result.stderr
    return project, out


def test_the_kind_is_listed(site: tuple[Path, Path]) -> None:
    project, _ = site
    lines = run(["opsbook", "kinds"], project).stdout.splitlines()
    assert any(line.split()[:2] == ["runbook", "2"] for line in lines), lines


def test_its_playbooks_get_pages_from_the_override(site: tuple[Path, Path]) -> None:
    _, out = site
    html = (out / "playbooks" / "runbooks" / "status-page-down" / "index.html").read_text(
        encoding="utf-8")
    assert 'class="runbook-trigger" data-severity="high"' in html
    assert "Switch to the backup page" in html
    assert 'href="../../rituals/sprint-review/"' in html
    drafted = out / "playbooks" / "runbooks" / "payments-outage" / "index.html"
    assert "TODO: action" in drafted.read_text(encoding="utf-8")


def test_it_gets_an_index_a_nav_section_and_a_reference_page(site: tuple[Path, Path]) -> None:
    _, out = site
    index = (out / "kinds" / "runbook" / "index.html").read_text(encoding="utf-8")
    assert "Status page is down" in index
    assert 'href="../../reference/runbook/"' in index
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="kinds/runbook/"' in home  # "By kind" section of the navigation
    # Its folder's section under "Playbooks", opening on the first runbook by title.
    assert ('href="playbooks/runbooks/payments-outage/" class="md-nav__link"><span '
            'class="md-ellipsis">Runbooks</span>') in home
    ref = (out / "reference" / "runbook" / "index.html").read_text(encoding="utf-8")
    assert "How to write a runbook" in ref
    for field in ("trigger", "severity", "actions", "actions[].do", "actions[].who"):
        assert f'data-field="{field}"' in ref, field
    assert "one of low, high; default low" in ref


def test_a_broken_playbook_of_the_kind_is_reported(site: tuple[Path, Path], tmp_path: Path
                                                   ) -> None:
    project, _ = site
    broken = project / "playbooks" / "runbooks" / "status-page-down.yaml"
    original = broken.read_text(encoding="utf-8")
    try:
        broken.write_text(original.replace("severity: high", "severty: high"), encoding="utf-8")
        result = run(["opsbook", "validate"], project)
        assert result.returncode == 1
        assert ("playbooks/runbooks/status-page-down.yaml:11:1: severty: 'severty' is not a "
                "field of this playbook; did you mean 'severity'? Rename it to 'severity', or "
                "delete it. [unknown-field]") in result.stdout
    finally:
        broken.write_text(original, encoding="utf-8")

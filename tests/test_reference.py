"""The "How to write a …" page of each kind lists every field of its schema, so it cannot go
stale: the fields are read off the same Shape the engine validates with."""

from __future__ import annotations

import json
from html import escape as html_escape
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, TODAY, copy_project
from opsbook.config import read_options, settings_for
from opsbook.engine import Engine
from opsbook.pages import reference
from opsbook.schemas import SchemaSet
from opsbook.site import SiteBuilder

SCHEMAS = SchemaSet(ROOT / "schemas", ROOT)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with a ``$ref`` into common.schema.json merged in (one level is enough to
    reach the properties the kinds declare)."""
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        return schema
    file, _, pointer = ref.partition("#")
    target: Any = SCHEMAS.files[file or "common.schema.json"]
    for part in pointer.strip("/").split("/"):
        target = target[part]
    return {**_resolve(target), **{k: v for k, v in schema.items() if k != "$ref"}}


def _schema_paths(schema: dict[str, Any], prefix: str = "") -> dict[str, bool]:
    """Every field path the schema declares, with whether its parent requires it."""
    out: dict[str, bool] = {}
    schema = _resolve(schema)
    required = set(schema.get("required", []))
    for key, sub in schema.get("properties", {}).items():
        path = f"{prefix}{key}"
        out[path] = key in required
        resolved = _resolve(sub)
        out.update(_schema_paths(resolved, f"{path}."))
        items = resolved.get("items")
        if isinstance(items, dict) and _resolve(items).get("properties"):
            out.update(_schema_paths(items, f"{path}[]."))
        extra = resolved.get("additionalProperties")
        if isinstance(extra, dict) and ("properties" in extra or "additionalProperties" in extra):
            out[f"{path}.<id>"] = False  # entries named by id, like a filled template's sections
            out.update(_schema_paths(extra, f"{path}.<id>."))
    return out


@pytest.mark.parametrize("name", sorted(SCHEMAS.kinds))
def test_every_field_of_the_schema_is_listed(name: str) -> None:
    kind = SCHEMAS.kinds[name]
    listed = {f.path: f.required == "yes" for f in reference.fields(kind)}
    assert listed == _schema_paths(kind.schema)
    for field in reference.fields(kind):
        assert field.title, field.path  # every field of the built-in kinds has a title
        assert field.description, field.path
        assert field.type, field.path


def test_rows_say_type_allowed_values_and_example() -> None:
    rows = {f.path: f for f in reference.fields(SCHEMAS.kinds["process"])}
    assert rows["status"].allowed == "one of draft, active, deprecated; default active"
    assert rows["owner"].type == "team id"
    assert rows["participants"].type == "list of role ids"
    assert rows["review.last_reviewed"].type == "date (YYYY-MM-DD)"
    assert rows["review.last_reviewed"].example == '"2026-11-02"'
    assert rows["duration_minutes"].allowed == "5 to 480"
    assert rows["steps[].owner"].required == "yes"
    assert rows["cadence.time"].example == '"10:00"'
    assert rows["steps[].owner"].anchor == "field-steps-owner"


def test_titles_use_the_right_article() -> None:
    assert reference.title_of(SCHEMAS.kinds["checklist"]) == "How to write a checklist"
    assert reference.title_of(SCHEMAS.kinds["organisation"]) == "How to write an organisation"


def test_built_site_has_a_reference_page_per_kind(repo_site: Path) -> None:
    for name in SCHEMAS.kinds:
        page = repo_site / "reference" / name / "index.html"
        html = page.read_text(encoding="utf-8")
        assert "How to write" in html
        for field in reference.fields(SCHEMAS.kinds[name]):
            assert f'data-field="{html_escape(field.path)}"' in html, (name, field.path)
        index = (repo_site / "kinds" / name / "index.html").read_text(encoding="utf-8")
        assert f'href="../../reference/{name}/"' in index


def test_a_schema_change_shows_on_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.setenv("OPSBOOK_TODAY", TODAY)
    project = copy_project(tmp_path / "p")
    path = project / "schemas" / "process.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["properties"]["channel"] = {
        "title": "Slack channel", "description": "Where the <b>ritual</b> is announced.",
        "type": "string", "enum": ["#rituals", "#general"], "examples": ["#rituals"]}
    path.write_text(json.dumps(schema), encoding="utf-8")
    handbook = Engine(settings_for(project, read_options(project / "mkdocs.yml"))).load()
    pages = {p.src_uri: p.content for p in SiteBuilder(handbook).pages()}
    page = pages["reference/process.md"]
    assert 'data-field="channel"' in page
    assert "Slack channel" in page
    # Quoted as they must be typed: unquoted, '#' would start a comment.
    assert "one of &#34;#rituals&#34;, &#34;#general&#34;" in page
    assert "&lt;b&gt;ritual&lt;/b&gt;" in page  # schema text is untrusted too
    assert "<b>ritual" not in page

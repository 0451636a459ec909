"""The machine-readable handbook: opsbook.json and the schemas, as published in the built site."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import referencing
import yaml
from jsonschema import Draft202012Validator
from referencing.jsonschema import DRAFT202012

from conftest import ROOT
from pagehtml import file_of, ids_of

PLAYBOOKS = {data["id"]: (path, data) for path, data in (
    (p, yaml.safe_load(p.read_text("utf-8")))
    for p in sorted((ROOT / "playbooks").rglob("*.yaml")))}
SCHEMAS = sorted((ROOT / "schemas").glob("*.schema.json"))


@pytest.fixture(scope="module")
def export(repo_site: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((repo_site / "opsbook.json").read_text("utf-8"))
    return document


def test_every_playbook_with_its_id_kind_and_page(repo_site: Path,
                                                  export: dict[str, Any]) -> None:
    assert export["version"] == 1
    records = export["playbooks"]
    assert [r["id"] for r in records] == sorted(PLAYBOOKS)
    for record in records:
        path, data = PLAYBOOKS[record["id"]]
        assert record["kind"] == data["kind"]
        assert record["title"] == data["title"]
        assert record["owner"] == data["owner"]
        assert record["source"] == path.relative_to(ROOT).as_posix()
        folder = path.parent.relative_to(ROOT / "playbooks").as_posix()
        assert record["url"] == f"playbooks/{folder}/{data['id']}/"
        page = file_of(repo_site, record["url"])
        assert page.is_file(), record["url"]
        assert f'data-id="{data["id"]}"' in page.read_text("utf-8")
        assert record["data"] == data
        assert record["review"]["last_reviewed"] == data["review"]["last_reviewed"]
        assert record["review"]["state"] in ("current", "due", "overdue")


def test_referenced_by_matches_the_links(export: dict[str, Any]) -> None:
    by_id = {r["id"]: r for r in export["playbooks"]}
    for record in export["playbooks"]:
        for target in record["links"]:
            assert record["id"] in by_id[target]["referenced_by"], (record["id"], target)
        assert record["referenced_by"] == sorted(record["referenced_by"])


def test_kinds_teams_roles_and_terms_point_at_built_pages(repo_site: Path,
                                                          export: dict[str, Any]) -> None:
    kinds = {p.name.removesuffix(".schema.json") for p in SCHEMAS} - {"common"}
    assert set(export["kinds"]) == kinds
    for name, kind in export["kinds"].items():
        assert kind["schema"] == f"schemas/{name}.schema.json"
        assert file_of(repo_site, kind["index"]).is_file(), kind["index"]
    org = PLAYBOOKS["organisation"][1]
    assert [t["id"] for t in export["teams"]] == sorted(t["id"] for t in org["teams"])
    assert [r["id"] for r in export["roles"]] == sorted(r["id"] for r in org["roles"])
    for entry in export["teams"] + export["roles"]:
        assert file_of(repo_site, entry["url"]).is_file(), entry["url"]
    assert export["terms"], "the example handbook defines terms"
    for term in export["terms"]:
        url, _, anchor = term["url"].partition("#")
        assert anchor == term["id"]
        assert anchor in ids_of(repo_site, url), term["url"]


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda p: p.name)
def test_schemas_are_published_at_stable_urls(repo_site: Path, schema: Path) -> None:
    published = repo_site / "schemas" / schema.name
    assert json.loads(published.read_text("utf-8")) == json.loads(schema.read_text("utf-8"))


def test_published_schemas_validate_the_exported_data(repo_site: Path,
                                                      export: dict[str, Any]) -> None:
    """A tool with only the published site can check playbooks: every record's data is valid
    against the schema the export names, with $refs resolved among the published files."""
    resources = []
    for path in sorted((repo_site / "schemas").glob("*.schema.json")):
        contents = json.loads(path.read_text("utf-8"))
        resources.append((path.name, DRAFT202012.create_resource(contents)))
    registry: referencing.Registry[Any] = referencing.Registry().with_resources(resources)
    for record in export["playbooks"]:
        schema = json.loads((repo_site / record["schema"]).read_text("utf-8"))
        validator = Draft202012Validator(schema, registry=registry)
        errors = [e.message for e in validator.iter_errors(record["data"])]
        assert errors == [], record["id"]

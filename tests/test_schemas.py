"""The kinds' schemas: valid 2020-12, envelope shared, references local, semantics found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsbook.schemas import ENVELOPE, SchemaSet

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    return SchemaSet(SCHEMAS, ROOT)


def test_repository_schemas_are_clean(schemas: SchemaSet) -> None:
    assert schemas.problems == []
    assert sorted(schemas.kinds) == ["checklist", "glossary", "instance", "organisation",
                                     "process", "template"]


def test_every_kind_refs_the_shared_envelope(schemas: SchemaSet) -> None:
    for kind in schemas.kinds.values():
        for name in ENVELOPE:
            ref = kind.schema["properties"][name]["$ref"]
            assert ref == f"common.schema.json#/$defs/{name}", (kind.name, name)


def test_semantic_fields_are_found_through_refs(schemas: SchemaSet) -> None:
    process = schemas.kinds["process"].shape
    assert process.child("owner").meaning == "team"  # type: ignore[union-attr]
    step = process.child("steps").items  # type: ignore[union-attr]
    assert step is not None
    assert step.child("owner").meaning == "role"  # type: ignore[union-attr]
    assert step.child("details").meaning == "markdown"  # type: ignore[union-attr]
    assert step.child("title").title == "Step"  # type: ignore[union-attr]


def _write(folder: Path, name: str, schema: object) -> None:
    (folder / name).write_text(json.dumps(schema), encoding="utf-8")


def test_a_broken_schema_is_reported_not_raised(tmp_path: Path) -> None:
    _write(tmp_path, "common.schema.json", json.loads(
        (SCHEMAS / "common.schema.json").read_text(encoding="utf-8")))
    _write(tmp_path, "bad.schema.json", {"type": "objekt"})
    (tmp_path / "worse.schema.json").write_text("{not json", encoding="utf-8")
    schemas = SchemaSet(tmp_path, tmp_path)
    assert [(p.path, p.code) for p in schemas.problems] == [
        ("bad.schema.json", "bad-schema"), ("worse.schema.json", "bad-schema")]


def test_a_kind_without_the_envelope_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "thing.schema.json", {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "properties": {"kind": {"const": "thing"}}})
    schemas = SchemaSet(tmp_path, tmp_path)
    assert schemas.kinds == {}
    assert "lacks the shared envelope" in schemas.problems[0].message


def test_remote_refs_are_never_fetched(tmp_path: Path) -> None:
    common = json.loads((SCHEMAS / "common.schema.json").read_text(encoding="utf-8"))
    _write(tmp_path, "common.schema.json", common)
    process = json.loads((SCHEMAS / "process.schema.json").read_text(encoding="utf-8"))
    process["properties"]["purpose"] = {"$ref": "https://example.com/evil.json"}
    _write(tmp_path, "process.schema.json", process)
    schemas = SchemaSet(tmp_path, tmp_path)
    assert "process" not in schemas.kinds
    assert [p.code for p in schemas.problems] == ["bad-schema"]

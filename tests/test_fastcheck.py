"""The compiled "certainly valid" predicates never say yes where jsonschema finds an error."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from opsbook.engine import fast_checks
from opsbook.schemas import SchemaSet
from opsbook.yamlsrc import parse


@pytest.fixture(scope="module")
def schemas() -> SchemaSet:
    return SchemaSet(ROOT / "schemas", ROOT)


def _documents() -> list[Path]:
    found = sorted((ROOT / "playbooks").rglob("*.yaml"))
    found += sorted(p for p in (ROOT / "tests").rglob("*.yaml") if "node_modules" not in p.parts)
    return found


def test_every_kind_of_the_repository_compiles(schemas: SchemaSet) -> None:
    fast = fast_checks(schemas)
    assert set(fast) == set(schemas.kinds)
    assert all(check is not None for check in fast.values())


def test_agrees_with_jsonschema_on_every_playbook_and_case(schemas: SchemaSet) -> None:
    fast = fast_checks(schemas)
    checked = valid = 0
    for path in _documents():
        try:
            data = parse(path.read_bytes()).data
        except Exception:
            continue
        kind = data.get("kind") if isinstance(data, dict) else None
        check = fast.get(kind) if isinstance(kind, str) else None
        if check is None:
            continue
        truth = schemas.kinds[kind].validator.is_valid(data)
        assert check(data) == truth, path
        checked += 1
        valid += truth
    assert valid >= 10 and checked > valid  # valid playbooks and broken cases both seen


def _sprint_review() -> dict[str, Any]:
    return parse((ROOT / "playbooks" / "rituals" / "sprint-review.yaml").read_bytes()).data


@pytest.mark.parametrize(("change", "why"), [
    (lambda d: d.__setitem__("duration_minutes", 60.0), "an integral float is an integer"),
    (lambda d: d.__setitem__("duration_minutes", True), "true is not an integer"),
    (lambda d: d.__setitem__("title", "Sprint review\n"), "re.search's $ before a newline"),
    (lambda d: d["review"].__setitem__("last_reviewed", "2026-02-30"), "no such day"),
    (lambda d: d.__setitem__("tags", ["rituals", "rituals"]), "repeated tags"),
    (lambda d: d.__setitem__("status", "Active"), "not in the enum"),
    (lambda d: d.__setitem__("unknown", 1), "additionalProperties: false"),
    (lambda d: d.__delitem__("owner"), "required"),
])
def test_edge_cases_follow_jsonschema_or_defer(schemas: SchemaSet, change: Any, why: str) -> None:
    fast = fast_checks(schemas)["process"]
    assert fast is not None
    data = copy.deepcopy(_sprint_review())
    assert fast(data)
    change(data)
    truth = schemas.kinds["process"].validator.is_valid(data)
    # True only when jsonschema agrees; False may also mean "ask jsonschema".
    assert not fast(data) or truth, why


def test_unsupported_keywords_leave_the_kind_to_jsonschema(tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    for name in ("common.schema.json", "glossary.schema.json"):
        (folder / name).write_bytes((ROOT / "schemas" / name).read_bytes())
    text = (folder / "glossary.schema.json").read_text(encoding="utf-8")
    (folder / "glossary.schema.json").write_text(
        text.replace('"type": "object",', '"type": "object", "not": {"required": ["x"]},', 1),
        encoding="utf-8")
    schemas = SchemaSet(folder, tmp_path)
    assert fast_checks(schemas)["glossary"] is None

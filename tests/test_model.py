"""The typed records and the JSON Schemas must not drift apart."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from opsbook.model import Playbook, Review, Role, Team, Term, freshness
from opsbook.schemas import ENVELOPE

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
#: Record fields that are not schema properties: where the record came from.
PROVENANCE = {"source", "folder", "data", "doc", "refs", "glossary"}
#: Schema property -> record field, where Python needs another name.
RENAMED = {"source": "source_text"}


def _fields(record: type) -> set[str]:
    return {f.name for f in dataclasses.fields(record)} - PROVENANCE


def _properties(kind: str, *path: str) -> set[str]:
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    for key in path:
        schema = schema["properties"][key]
        schema = schema.get("items", schema)
    return {RENAMED.get(name, name) for name in schema["properties"]}


def test_playbook_record_is_the_envelope() -> None:
    assert _fields(Playbook) == set(ENVELOPE)


@pytest.mark.parametrize(("record", "kind", "path"), [
    (Team, "organisation", ("teams",)),
    (Role, "organisation", ("roles",)),
    (Term, "glossary", ("terms",)),
])
def test_registry_records_match_their_schema(record: type, kind: str, path: tuple[str]) -> None:
    assert _fields(record) == _properties(kind, *path)


def test_review_record_matches_its_schema() -> None:
    common = json.loads((SCHEMAS / "common.schema.json").read_text(encoding="utf-8"))
    assert _fields(Review) == set(common["$defs"]["review"]["properties"])
    every = set(common["$defs"]["review"]["properties"]["every"]["enum"])
    assert every == {"monthly", "quarterly", "twice-yearly", "yearly"}


@pytest.mark.parametrize(("last", "every", "due"), [
    ("2026-01-31", "monthly", "2026-02-28"),
    ("2026-11-30", "quarterly", "2027-02-28"),
    ("2024-02-29", "yearly", "2025-02-28"),
    ("2026-05-15", "twice-yearly", "2026-11-15"),
])
def test_review_due_is_calendar_months_later(last: str, every: str, due: str) -> None:
    assert Review(dt.date.fromisoformat(last), every).due == dt.date.fromisoformat(due)


@pytest.mark.parametrize(("today", "state"), [
    ("2026-12-01", "current"),
    ("2026-12-18", "due"),      # within 14 days of the due date
    ("2027-01-01", "due"),      # due, inside the grace period
    ("2027-01-15", "due"),      # last day of grace
    ("2027-01-16", "overdue"),
])
def test_freshness_states(today: str, state: str) -> None:
    review = Review(dt.date(2026, 10, 1), "quarterly")  # due 2027-01-01
    assert freshness(review, dt.date.fromisoformat(today), grace_days=14).state == state

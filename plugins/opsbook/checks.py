"""Checks across playbooks, run once every file has loaded: ids, references, registries,
templates and their instances, checklists, freshness."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opsbook.describe import show, suggest
from opsbook.model import Playbook, Role, Team, Term, freshness, roles_of, teams_of, terms_of
from opsbook.problems import Problem, json_path

if TYPE_CHECKING:
    from opsbook.engine import Settings

ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: Ids a page or a file system reserves: ``index`` would become a section's index page.
RESERVED = frozenset({"index", "con", "prn", "aux", "nul",
                      *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))})


@dataclass
class Index:
    """Lookups over a loaded handbook."""

    playbooks: dict[str, Playbook] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    terms: dict[str, Term] = field(default_factory=dict)
    #: playbook id -> ids of the playbooks that reference it (sorted)
    referenced_by: dict[str, list[str]] = field(default_factory=dict)
    #: playbook id -> ids of the playbooks and terms it references (document order)
    references: dict[str, list[str]] = field(default_factory=dict)


def _at(playbook: Playbook, path: tuple[str | int, ...], code: str, message: str,
        fix: str = "") -> Problem:
    line, col = playbook.doc.locate(path)
    return Problem(playbook.source.path, line, col, code, message, fix, json_path(path))


def check(playbooks: list[Playbook], settings: Settings) -> tuple[Index, list[Problem]]:
    """Build the index and return every problem that needs more than one file to see."""
    problems: list[Problem] = []
    index = Index()
    seen_names: dict[str, Playbook] = {}
    for playbook in sorted(playbooks, key=lambda p: p.source.path):
        stem = playbook.source.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if playbook.id != stem:
            problems.append(_at(playbook, ("id",), "id-mismatch",
                                f"The id {playbook.id!r} differs from the file name {stem!r}.",
                                f"Rename the file to {playbook.id}.yaml or set 'id: {stem}'."))
        if playbook.id in RESERVED:
            problems.append(_at(playbook, ("id",), "reserved-id",
                                f"The id {playbook.id!r} is reserved.", "Choose another id."))
        for part in playbook.folder:
            if not ID.fullmatch(part):
                problems.append(Problem(playbook.source.path, 0, 0, "bad-folder-name",
                                        f"The folder name {part!r} is not lower-case words "
                                        "joined by dashes.",
                                        f"Rename it, for example to {_slug(part)!r}."))
        other = seen_names.get(normalised(stem))
        if other is not None and other.source.path != playbook.source.path:
            problems.append(Problem(playbook.source.path, 0, 0, "id-collision",
                                    f"The file name collides with {other.source.path} once "
                                    "letter case and Unicode form are ignored.",
                                    "Rename one of the two files."))
        seen_names.setdefault(normalised(stem), playbook)
        first = index.playbooks.get(playbook.id)
        if first is not None:
            problems.append(_at(playbook, ("id",), "duplicate-id",
                                f"The id {playbook.id!r} is already used by "
                                f"{first.source.path}.", "Give one of them another id."))
            continue
        index.playbooks[playbook.id] = playbook

    for playbook in index.playbooks.values():
        if playbook.kind == "organisation":
            for team in teams_of(playbook):
                _register(index.teams, team, team.id, problems, "team")
            for role in roles_of(playbook):
                _register(index.roles, role, role.id, problems, "role")
        elif playbook.kind == "glossary":
            for term in terms_of(playbook):
                clash = index.playbooks.get(term.id)
                if clash is not None:
                    problems.append(Problem(term.source.path, term.source.line, 1, "duplicate-id",
                                            f"The term id {term.id!r} is also the id of the "
                                            f"playbook {clash.source.path}.",
                                            "Give the term another id."))
                    continue
                _register(index.terms, term, term.id, problems, "term")

    references: dict[str, list[str]] = {}
    referenced_by: dict[str, set[str]] = defaultdict(set)
    for playbook in index.playbooks.values():
        targets: list[str] = []
        for ref in playbook.refs:
            problem = _check_ref(playbook, ref.path, ref.meaning, ref.target, index)
            if problem is not None:
                problems.append(problem)
                continue
            if ref.meaning in ("ref", "wiki"):
                target = ref.target
                if target in index.terms:
                    target = index.terms[target].glossary
                if target != playbook.id:
                    if target not in targets:
                        targets.append(target)
                    referenced_by[target].add(playbook.id)
        references[playbook.id] = targets
        problems.extend(_status_problems(playbook, index))
        problems.extend(_KIND_CHECKS.get(playbook.kind, _no_checks)(playbook, index))
        fresh = freshness(playbook.review, settings.today, settings.review_grace_days)
        if fresh.state == "overdue" and playbook.status != "deprecated":
            problems.append(_at(playbook, ("review", "last_reviewed"), "review-overdue",
                                f"The review was due on {fresh.due}, {fresh.days_overdue} days "
                                f"ago; {playbook.owner!r} owns it.",
                                "Review the playbook with its owner and update "
                                "review.last_reviewed."))
    index.references = references
    index.referenced_by = {k: sorted(v) for k, v in sorted(referenced_by.items())}
    return index, problems


def normalised(name: str) -> str:
    """How a file system that ignores case and Unicode form sees ``name``."""
    return unicodedata.normalize("NFKC", name).casefold()


def _slug(name: str) -> str:
    return "-".join(ID.findall(name.lower())) or "folder"


def _register(registry: dict[str, Any], record: Any, key: str, problems: list[Problem],
              what: str) -> None:
    first = registry.get(key)
    if first is not None:
        problems.append(Problem(record.source.path, record.source.line, 1, "duplicate-id",
                                f"The {what} id {key!r} is already defined at "
                                f"{first.source.path}:{first.source.line}.",
                                f"Keep one definition of the {what}."))
        return
    registry[key] = record


def _check_ref(playbook: Playbook, path: tuple[str | int, ...], meaning: str, target: str,
               index: Index) -> Problem | None:
    if meaning == "team" and target not in index.teams:
        return _at(playbook, path, "unknown-team",
                   f"{show(target)} is not a team in the organisation registry"
                   f"{suggest(target, set(index.teams)) or '.'}",
                   "Correct the id or add the team to the organisation playbook.")
    if meaning == "role" and target not in index.roles:
        return _at(playbook, path, "unknown-role",
                   f"{show(target)} is not a role in the organisation registry"
                   f"{suggest(target, set(index.roles)) or '.'}",
                   "Correct the id or add the role to the organisation playbook.")
    if meaning == "party" and target not in index.teams and target not in index.roles:
        return _at(playbook, path, "unknown-team",
                   f"{show(target)} is neither a team nor a role in the organisation registry"
                   f"{suggest(target, set(index.teams) | set(index.roles)) or '.'}",
                   "Correct the id or add it to the organisation playbook.")
    if meaning in ("ref", "wiki") and target not in index.playbooks and target not in index.terms:
        written = f"[[{target}]]" if meaning == "wiki" else target
        return _at(playbook, path, "unknown-ref",
                   f"{written!r} names no playbook or glossary term"
                   f"{suggest(target, set(index.playbooks) | set(index.terms)) or '.'}",
                   "Correct the id, or write the playbook or term first.")
    return None


def _status_problems(playbook: Playbook, index: Index) -> list[Problem]:
    out = []
    if playbook.status == "deprecated" and not playbook.replaced_by:
        out.append(_at(playbook, ("status",), "missing-replacement",
                       "This playbook is deprecated but does not say what replaces it.",
                       "Add 'replaced_by:' with the id of the playbook to follow instead."))
    if playbook.status != "deprecated":
        for number, target in enumerate(playbook.links):
            linked = index.playbooks.get(target)
            if (linked is not None and linked.status == "deprecated"
                    and linked.replaced_by != playbook.id):
                better = f" Link to {linked.replaced_by!r} instead." if linked.replaced_by else ""
                out.append(_at(playbook, ("links", number), "deprecated-link",
                               f"{target!r} is deprecated.{better}"))
    return out


def _unique(playbook: Playbook, items: list[Any], base: tuple[str | int, ...], what: str
            ) -> list[Problem]:
    out, seen = [], {}
    for number, item in enumerate(items):
        key = item.get("id")
        if key in seen:
            out.append(_at(playbook, (*base, number, "id"), "duplicate-entry",
                           f"The {what} id {key!r} is already used on line "
                           f"{playbook.line_of((*base, seen[key]))}.",
                           f"Give each {what} its own id."))
        else:
            seen[key] = number
    return out


def _checklist(playbook: Playbook, index: Index) -> list[Problem]:
    data = playbook.data
    out = _unique(playbook, data["tiers"], ("tiers",), "tier")
    out += _unique(playbook, data["phases"], ("phases",), "phase")
    tiers = {t["id"] for t in data["tiers"]}
    items = [(p, i, item) for p, phase in enumerate(data["phases"])
             for i, item in enumerate(phase["items"])]
    seen: dict[str, tuple[str | int, ...]] = {}
    for p, i, item in items:
        here: tuple[str | int, ...] = ("phases", p, "items", i)
        if item["id"] in seen:
            out.append(_at(playbook, (*here, "id"), "duplicate-entry",
                           f"The item id {item['id']!r} is already used on line "
                           f"{playbook.line_of(seen[item['id']])}.",
                           "Give each item its own id; readers' ticks are kept by id."))
        seen.setdefault(item["id"], here)
        for t, tier in enumerate(item.get("tiers", ())):
            if tier not in tiers:
                out.append(_at(playbook, (*here, "tiers", t), "unknown-tier",
                               f"{tier!r} is not a tier of this checklist"
                               f"{suggest(tier, tiers) or '.'}",
                               f"Use one of: {', '.join(sorted(tiers))}."))
    return out


def _template(playbook: Playbook, index: Index) -> list[Problem]:
    sections = playbook.data["sections"]
    out = _unique(playbook, sections, ("sections",), "section")
    for s, section in enumerate(sections):
        out += _unique(playbook, section["fields"], ("sections", s, "fields"), "field")
        for f, fld in enumerate(section["fields"]):
            if fld["type"] == "choice" and not fld.get("options"):
                out.append(_at(playbook, ("sections", s, "fields", f), "template-mismatch",
                               f"The choice field {fld['id']!r} has no options.",
                               "Add 'options:' with the allowed values."))
    return out


_FIELD_TYPES = {"text": "text", "list": "a list of text", "number": "a number",
                "date": "a date written YYYY-MM-DD", "choice": "one of the options"}


def _field_ok(kind: str, value: Any, options: list[str]) -> bool:
    if kind == "text":
        return isinstance(value, str)
    if kind == "list":
        return isinstance(value, list)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "date":
        return isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None
    return value in options


def _instance(playbook: Playbook, index: Index) -> list[Problem]:
    template = index.playbooks.get(playbook.data["template"])
    if template is None:
        return []  # reported as unknown-ref
    if template.kind != "template":
        return [_at(playbook, ("template",), "template-mismatch",
                    f"{template.id!r} is a {template.kind}, not a template.",
                    "Name a playbook of kind template.")]
    out = []
    filled: dict[str, dict[str, Any]] = playbook.data["sections"]
    expected = {s["id"]: s for s in template.data["sections"]}
    for key in filled:
        if key not in expected:
            out.append(_at(playbook, ("sections", key), "template-mismatch",
                           f"The template {template.id!r} has no section {key!r}"
                           f"{suggest(key, set(expected)) or '.'}",
                           f"Its sections are: {', '.join(expected)}."))
    for sid, section in expected.items():
        values = filled.get(sid)
        fields = {f["id"]: f for f in section["fields"]}
        if values is None:
            if any(f.get("required", True) for f in fields.values()):
                out.append(_at(playbook, ("sections",), "template-mismatch",
                               f"The section {sid!r} ({section['title']}) of the template is "
                               "missing.", f"Add '{sid}:' under sections with its fields."))
            continue
        for key, value in values.items():
            if key not in fields:
                out.append(_at(playbook, ("sections", sid, key), "template-mismatch",
                               f"The section {sid!r} of the template has no field {key!r}"
                               f"{suggest(key, set(fields)) or '.'}",
                               f"Its fields are: {', '.join(fields)}."))
                continue
            spec = fields[key]
            if not _field_ok(spec["type"], value, spec.get("options", [])):
                options = f" ({', '.join(spec['options'])})" if spec["type"] == "choice" else ""
                out.append(_at(playbook, ("sections", sid, key), "template-mismatch",
                               f"{spec['label']} must be {_FIELD_TYPES[spec['type']]}{options}, "
                               f"not {show(value)}."))
        for fid, spec in fields.items():
            if spec.get("required", True) and fid not in values:
                out.append(_at(playbook, ("sections", sid), "template-mismatch",
                               f"The required field {fid!r} ({spec['label']}) of section "
                               f"{sid!r} is missing.", f"Add '{fid}:' to the section."))
    return out


def _no_checks(playbook: Playbook, index: Index) -> list[Problem]:
    return []


_KIND_CHECKS = {"checklist": _checklist, "template": _template, "instance": _instance}

"""Checks across playbooks, run once every file has loaded: ids, references, registries,
templates and their instances, checklists, freshness.

A playbook that failed its schema is not in the index, but it is not forgotten either (see
:class:`Rejected`): its id, teams, roles and terms still count as existing, so one mistake in
one file does not turn every link to it into a second error elsewhere, and its own references
are still checked, so all of a file's problems are reported in one go.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opsbook.describe import closest, show, suggest
from opsbook.model import (
    Playbook,
    Ref,
    Role,
    Team,
    Term,
    freshness,
    roles_of,
    teams_of,
    terms_of,
)
from opsbook.problems import Problem, json_path
from opsbook.yamlsrc import Document

if TYPE_CHECKING:
    from opsbook.engine import Settings

ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: Names a page or a file system reserves: ``index`` would become a section's index page (and
#: ``teams/index``, ``roles/index`` are the registry's own pages); the others are device names
#: Windows refuses as file names, whatever the extension.
RESERVED = frozenset({"index", "con", "prn", "aux", "nul",
                      *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))})
_RESERVED_WHY = "it names the index page of a section"
_DEVICE_WHY = "Windows keeps it for a device and cannot save a file of that name"


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
    #: term id -> ids of the playbooks that use the term (sorted)
    term_users: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Rejected:
    """A playbook of a known kind that failed its schema.

    Attributes:
        path: The file, relative to the project root.
        kind: Its kind.
        doc: What was loaded.
        refs: The references its kind's schema marks, as for a valid playbook.
        bad_fields: The fields (JSON paths) with schema problems, whose references are not
            checked again.
    """

    path: str
    kind: str
    doc: Document
    refs: tuple[Ref, ...] = ()
    bad_fields: frozenset[str] = frozenset()

    def ids(self, key: str) -> list[str]:
        """The string ids of the entries of the list at ``key`` (teams, roles, terms)."""
        entries = self.doc.data.get(key)
        if not isinstance(entries, list):
            return []
        return [e["id"] for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)]


@dataclass(frozen=True)
class _Known:
    """Every id that exists, valid or not: what a reference may name without an error."""

    teams: frozenset[str]
    roles: frozenset[str]
    targets: frozenset[str]


def _at(playbook: Playbook, path: tuple[str | int, ...], code: str, message: str,
        fix: str = "") -> Problem:
    return _located(playbook.source.path, playbook.doc, path, code, message, fix)


def _located(rel: str, doc: Document, path: tuple[str | int, ...], code: str, message: str,
             fix: str = "") -> Problem:
    line, col = doc.locate(path)
    return Problem(rel, line, col, code, message, fix, json_path(path))


def check(playbooks: list[Playbook], settings: Settings,
          rejected: list[Rejected] | None = None) -> tuple[Index, list[Problem]]:
    """Build the index and return every problem that needs more than one file to see.

    Args:
        playbooks: The playbooks that passed their schema.
        settings: The handbook's settings (today's date and the review grace period).
        rejected: The playbooks that did not, whose ids still exist and whose references
            are still checked.
    """
    rejected = rejected or []
    problems: list[Problem] = []
    index = Index()
    seen_names: dict[str, Playbook] = {}
    for playbook in sorted(playbooks, key=lambda p: p.source.path):
        stem = playbook.source.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if playbook.id != stem:
            problems.append(_at(playbook, ("id",), "id-mismatch",
                                f"The id {playbook.id!r} differs from the file name {stem!r}.",
                                f"Rename the file to {playbook.id}.yaml, or change the id "
                                f"(it must then be written like 'sprint-review')."
                                if not ID.fullmatch(stem) else
                                f"Rename the file to {playbook.id}.yaml, or set 'id: {stem}'."))
        if playbook.id in RESERVED:
            why = _RESERVED_WHY if playbook.id == "index" else _DEVICE_WHY
            problems.append(_at(playbook, ("id",), "reserved-id",
                                f"The id {playbook.id!r} cannot be used: {why}.",
                                f"Choose another id, such as '{playbook.id}-{playbook.kind}', "
                                "and rename the file to match."))
        problems.extend(_folder_problems(playbook))
        other = seen_names.get(normalised(stem))
        collides = other is not None and other.source.path != playbook.source.path
        if other is not None and collides:
            name = playbook.source.path.rsplit("/", 1)[-1]
            problems.append(_at(playbook, ("id",), "id-collision",
                                f"The file name {name!r} is the same as {other.source.path} "
                                "once letter case and Unicode form are ignored.",
                                "Rename one of the two so that each playbook has a name and an "
                                "id of its own: macOS and Windows treat names that differ only "
                                "in capitals or accents as one."))
        seen_names.setdefault(normalised(stem), playbook)
        first = index.playbooks.get(playbook.id)
        if first is not None:
            if first is not other:  # a collision of the two file names already says it
                problems.append(_at(playbook, ("id",), "duplicate-id",
                                    f"The id {playbook.id!r} is already used by "
                                    f"{first.source.path}.",
                                    "Give one of the two another id, and rename its file to "
                                    "match."))
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

    known = _known(index, rejected)
    for failed in rejected:
        for ref in failed.refs:
            if not any(_within(json_path(ref.path), bad) for bad in failed.bad_fields):
                problem = _check_ref(failed.path, failed.doc, ref, known)
                if problem is not None:
                    problems.append(problem)
    references: dict[str, list[str]] = {}
    referenced_by: dict[str, set[str]] = defaultdict(set)
    term_users: dict[str, set[str]] = defaultdict(set)
    for playbook in index.playbooks.values():
        targets: list[str] = []
        for ref in playbook.refs:
            problem = _check_ref(playbook.source.path, playbook.doc, ref, known)
            if problem is not None:
                problems.append(problem)
                continue
            if ref.meaning in ("ref", "wiki") and (
                    ref.target in index.playbooks or ref.target in index.terms):
                target = ref.target
                if target in index.terms:
                    term_users[target].add(playbook.id)
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
    index.term_users = {k: sorted(v) for k, v in sorted(term_users.items())}
    return index, problems


def _folder_problems(playbook: Playbook) -> list[Problem]:
    out = []
    for part in playbook.folder:
        if not ID.fullmatch(part):
            out.append(Problem(playbook.source.path, 0, 0, "bad-folder-name",
                               f"The folder name {part!r} is not lower-case words joined by "
                               "dashes.", f"Rename the folder, for example to {_slug(part)!r}."))
        elif part in RESERVED - {"index"}:
            out.append(Problem(playbook.source.path, 0, 0, "bad-folder-name",
                               f"The folder name {part!r} cannot be used: {_DEVICE_WHY}.",
                               f"Rename the folder, for example to '{part}-playbooks'."))
    return out


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


def _known(index: Index, rejected: list[Rejected]) -> _Known:
    teams, roles, targets = set(index.teams), set(index.roles), {*index.playbooks, *index.terms}
    for other in rejected:
        # Its id, and its file name in case the id itself is what is wrong.
        stem = other.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for name in (other.doc.data.get("id"), stem):
            if isinstance(name, str) and ID.fullmatch(name):
                targets.add(name)
        if other.kind == "organisation":
            teams.update(other.ids("teams"))
            roles.update(other.ids("roles"))
        elif other.kind == "glossary":
            targets.update(other.ids("terms"))
    return _Known(frozenset(teams), frozenset(roles), frozenset(targets))


def _within(field_path: str, bad: str) -> bool:
    """Whether ``field_path`` is the field ``bad`` or inside it."""
    return field_path == bad or field_path.startswith((f"{bad}.", f"{bad}["))


def _check_ref(rel: str, doc: Document, ref: Ref, known: _Known) -> Problem | None:
    meaning, target, path = ref.meaning, ref.target, ref.path
    if meaning == "team" and target not in known.teams:
        return _unknown(rel, doc, path, "unknown-team", target, known.teams,
                        "is not a team in the organisation registry",
                        "or add the team to the organisation playbook")
    if meaning == "role" and target not in known.roles:
        return _unknown(rel, doc, path, "unknown-role", target, known.roles,
                        "is not a role in the organisation registry",
                        "or add the role to the organisation playbook")
    if meaning == "party" and target not in known.teams and target not in known.roles:
        return _unknown(rel, doc, path, "unknown-team", target, known.teams | known.roles,
                        "is neither a team nor a role in the organisation registry",
                        "or add it to the organisation playbook")
    if meaning in ("ref", "wiki") and target not in known.targets:
        return _unknown(rel, doc, path, "unknown-ref", target, known.targets,
                        "names no playbook or glossary term",
                        "or write that playbook or term first", wiki=meaning == "wiki")
    return None


def _unknown(rel: str, doc: Document, path: tuple[str | int, ...], code: str, target: str,
             known: frozenset[str], what: str, otherwise: str, wiki: bool = False) -> Problem:
    written = f"[[{target}]]" if wiki else target
    near = closest(target, known)
    if near:
        fix = f"Write {f'[[{near}]]' if wiki else near!r} if that is what you meant, {otherwise}."
        return _located(rel, doc, path, code, f"{written!r} {what}; did you mean {near!r}?", fix)
    return _located(rel, doc, path, code, f"{written!r} {what}.", f"Correct the id, {otherwise}.")


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
                fix = (f"Link to {linked.replaced_by!r} instead, which replaces it."
                       if linked.replaced_by else "Remove the link, or link to the playbook "
                       "teams follow now.")
                out.append(_at(playbook, ("links", number), "deprecated-link",
                               f"{target!r} is a deprecated playbook.", fix))
    return out


def _unique(playbook: Playbook, items: list[Any], base: tuple[str | int, ...], what: str
            ) -> list[Problem]:
    out: list[Problem] = []
    seen: dict[Any, int] = {}
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
_FIELD_FIXES = {"text": "Write the text after the colon, in quotes if it looks like a number.",
                "list": "Write one entry per line below it, each starting with '- '.",
                "number": "Write a number without quotes, such as 3.",
                "date": "Write the date like 2026-11-02.",
                "choice": "Use one of the options listed."}


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
                               f"not {show(value)}.", _FIELD_FIXES[spec["type"]]))
        for fid, spec in fields.items():
            if spec.get("required", True) and fid not in values:
                out.append(_at(playbook, ("sections", sid), "template-mismatch",
                               f"The required field {fid!r} ({spec['label']}) of section "
                               f"{sid!r} is missing.", f"Add '{fid}:' to the section."))
    return out


def _no_checks(playbook: Playbook, index: Index) -> list[Problem]:
    return []


_KIND_CHECKS = {"checklist": _checklist, "template": _template, "instance": _instance}

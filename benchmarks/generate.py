"""Synthetic handbooks for the benchmarks: N valid playbooks of every kind, and a baseline
site of N plain Markdown pages of similar length.

The handbook is what a large organisation would write: divisions of teams, each division with
its own organisation registry (teams and roles), and each team with its glossary, rituals,
checklists, templates and filled-in instances that reference each other, the team's roles, the
division's shared playbooks and the company-wide glossary. Everything is seeded, so the same N
always gives the same files.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The day the generated reviews are judged on (none is due or overdue then).
TODAY = "2026-11-26"
TEAMS_PER_DIVISION = 16
#: One team's playbooks, in the order they are written; a handbook of N playbooks takes teams
#: until it has N (the last team may be partial).
TEAM_KINDS = ("glossary", "template", "process", "checklist", "instance", "process",
              "process", "instance", "checklist", "process", "instance", "process",
              "template", "instance", "process", "checklist", "instance", "process",
              "process", "instance", "checklist", "process", "instance", "process", "instance")

_WORDS = (
    "customer onboarding activation retention churn billing invoice payment pricing plan trial "
    "conversion dashboard metric funnel cohort segment interview survey feedback research "
    "roadmap bet outcome launch release rollout incident postmortem escalation support ticket "
    "backlog sprint review demo estimate capacity dependency risk decision approval budget "
    "forecast quarter experiment hypothesis signal baseline target owner stakeholder partner "
    "contract renewal migration integration api reliability latency uptime security privacy "
    "compliance audit accessibility localisation documentation enablement training playbook "
    "handover alignment priority tradeoff scope milestone deadline checklist template glossary"
)
WORDS = tuple(_WORDS.split())
VERBS = ("Agree", "Check", "Collect", "Confirm", "Draft", "Publish", "Review", "Share", "Write",
         "Update", "Prepare", "Present", "Decide", "Record", "Schedule", "Announce", "Test")
_DIVISIONS = (
    "commerce consumer enterprise platform finance growth marketplace mobile payments "
    "partners risk data identity logistics media health education travel security devices "
    "insurance lending hardware retail gaming energy telecom legal people facilities"
)
DIVISION_NAMES = tuple(_DIVISIONS.split())
ROLE_SUFFIXES = (("lead", "Team lead"), ("pm", "Product manager"), ("em", "Engineering manager"),
                 ("designer", "Product designer"), ("analyst", "Data analyst"))


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def sentence(rng: random.Random, count: int = 12) -> str:
    text = words(rng, count)
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, sentences: int = 3, indent: str = "  ",
              links: tuple[str, ...] = ()) -> str:
    """A Markdown paragraph as a YAML block scalar body, wrapped under 100 columns."""
    parts = [sentence(rng, rng.randint(8, 14)) for _ in range(sentences)]
    if links:
        parts.insert(1, f"See [[{rng.choice(links)}]] first.")
    out, line = [], ""
    for word in " ".join(parts).split():
        if len(line) + len(word) + 1 > 90:
            out.append(indent + line)
            line = word
        else:
            line = f"{line} {word}".strip()
    out.append(indent + line)
    return "\n".join(out)


def q(text: str) -> str:
    """A YAML double-quoted scalar (ids, dates and times must stay strings everywhere)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Team:
    id: str
    name: str
    division: str
    roles: list[str]
    terms: list[str] = field(default_factory=list)
    playbooks: list[tuple[str, str]] = field(default_factory=list)  # (id, kind)


@dataclass
class Plan:
    """Who exists and which playbooks each team writes, decided before any file is written."""

    n: int
    divisions: list[str]
    teams: list[Team]
    org_files: dict[str, str]  # division -> id of its organisation playbook


def division_name(number: int) -> str:
    base = DIVISION_NAMES[number % len(DIVISION_NAMES)]
    return base if number < len(DIVISION_NAMES) else f"{base}-{number // len(DIVISION_NAMES) + 1}"


def plan(n: int) -> Plan:
    """Divisions of up to 16 teams, each with one organisation registry; teams of 25."""
    if n < 2:
        raise ValueError("a handbook needs at least 2 playbooks")
    # Organisation files count towards N: one per division.
    team_count = 1
    while True:
        divisions = -(-team_count // TEAMS_PER_DIVISION)
        if divisions + team_count * len(TEAM_KINDS) >= n:
            break
        team_count += 1
    division_ids = [division_name(d) for d in range(divisions)]
    remaining = n - divisions
    teams: list[Team] = []
    for t in range(team_count):
        division = division_ids[t // TEAMS_PER_DIVISION]
        tid = f"{division}-team-{t % TEAMS_PER_DIVISION + 1:02d}"
        team = Team(tid, f"{division.replace('-', ' ').title()} team {t % 16 + 1}", division,
                    [f"{tid}-{suffix}" for suffix, _ in ROLE_SUFFIXES])
        take = min(len(TEAM_KINDS), remaining)
        remaining -= take
        kinds = list(TEAM_KINDS[:take])
        counters: dict[str, int] = {}
        for kind in kinds:
            counters[kind] = counters.get(kind, 0) + 1
            team.playbooks.append((f"{tid}-{kind}-{counters[kind]}", kind))
        if kinds and kinds[0] == "glossary":
            team.terms = [f"{tid}-term-{i}" for i in range(1, 7)]
        teams.append(team)
    return Plan(n, division_ids, teams, {d: f"{d}-organisation" for d in division_ids})


class Writer:
    """Writes one playbook of each kind as YAML text, about 90 lines each."""

    def __init__(self, the_plan: Plan, seed: int = 0) -> None:
        self.plan = the_plan
        self.seed = seed
        self.company_terms = [t for team in the_plan.teams for t in team.terms][:6]

    def rng(self, pid: str) -> random.Random:
        return random.Random(f"{self.seed}:{pid}")

    def envelope(self, rng: random.Random, kind: str, pid: str, title: str, owner: str,
                 links: list[str], depth: int) -> list[str]:
        lines = [f"# yaml-language-server: $schema={'../' * depth}schemas/{kind}.schema.json",
                 f"kind: {kind}", f"id: {pid}", f"title: {title}", "summary: >-",
                 paragraph(rng, 2), f"owner: {owner}", "status: active", "tags:",
                 f"  - {kind}", f"  - {owner.rsplit('-team-', 1)[0]}"]
        if links:
            lines.append("links:")
            lines += [f"  - {link}" for link in links]
        day = 1 + rng.randrange(27)
        lines += ["review:", f'  last_reviewed: "2026-10-{day:02d}"', "  every: quarterly"]
        return lines

    def playbook(self, team: Team, pid: str, kind: str) -> str:
        rng = self.rng(pid)
        same = [p for p, k in team.playbooks if p != pid]
        links = sorted(rng.sample(same, min(2, len(same))))
        terms = tuple(team.terms or self.company_terms)
        number = pid.rsplit("-", 1)[-1]
        title = f"{rng.choice(VERBS)} {words(rng, 3)} ({team.name}, {kind} {number})"
        lines = self.envelope(rng, kind, pid, title, team.id, links, depth=3)
        lines += getattr(self, f"_{kind}")(rng, team, pid, terms)
        return "\n".join(lines) + "\n"

    def _glossary(self, rng: random.Random, team: Team, pid: str,
                  terms: tuple[str, ...]) -> list[str]:
        out = ["terms:"]
        for number, term in enumerate(team.terms):
            out += [f"  - id: {term}", f"    term: {words(rng, 2).title()} {number + 1}",
                    f"    type: {'metric' if number % 2 else 'term'}", "    definition: |",
                    paragraph(rng, 3, "      "), f"    owner: {team.id}", "    aliases:",
                    f"      - {words(rng, 2)}"]
        return out

    def _process(self, rng: random.Random, team: Team, pid: str,
                 terms: tuple[str, ...]) -> list[str]:
        out = ["purpose: |", paragraph(rng, 4, links=terms), "cadence:",
               f"  every: {rng.choice(['week', 'two-weeks', 'month', 'quarter'])}",
               f"  day: {rng.choice(['monday', 'tuesday', 'wednesday', 'thursday'])}",
               '  time: "10:00"', "  timezone: Europe/London", '  starts: "2026-01-07"',
               f"duration_minutes: {rng.choice([30, 45, 60, 90])}", "participants:"]
        out += [f"  - {role}" for role in team.roles[:4]]
        out += ["inputs:", f"  - {sentence(rng, 8)}", f"  - {sentence(rng, 8)}", "steps:"]
        for _ in range(5):
            out += [f"  - title: {rng.choice(VERBS)} {words(rng, 4)}",
                    f"    owner: {rng.choice(team.roles)}",
                    f"    timebox_minutes: {rng.randint(5, 20)}", "    details: |",
                    paragraph(rng, 2, "      ", links=terms)]
        out += ["outputs:", f"  - {sentence(rng, 8)}", "definition_of_done:",
                f"  - {sentence(rng, 8)}", f"  - {sentence(rng, 8)}", "raci:",
                f"  - activity: {rng.choice(VERBS)} {words(rng, 3)}",
                f"    responsible: [{team.roles[1]}]", f"    accountable: {team.roles[0]}",
                f"    consulted: [{team.roles[2]}]", f"    informed: [{team.id}]"]
        return out

    def _checklist(self, rng: random.Random, team: Team, pid: str,
                   terms: tuple[str, ...]) -> list[str]:
        out = ["tiers:"]
        for tier in (1, 2):
            out += [f"  - id: tier-{tier}", f"    name: Tier {tier}", "    description: >-",
                    paragraph(rng, 1, "      ")]
        out.append("phases:")
        for phase, offset in (("prepare", -30), ("launch", 0), ("follow-up", 14)):
            out += [f"  - id: {phase}", f"    title: {phase.replace('-', ' ').capitalize()}",
                    "    items:"]
            for item in range(3):
                due = f"{offset + item:+d}d".replace("+0d", "0d")
                tiers = "[tier-1]" if item == 2 else "[tier-1, tier-2]"
                out += [f"      - id: {phase}-{item + 1}",
                        f"        task: {rng.choice(VERBS)} {words(rng, 4)}",
                        f"        team: {team.id}", f'        due: "{due}"',
                        f"        required: {rng.choice(['true', 'false'])}",
                        f"        tiers: {tiers}", "        details: |",
                        paragraph(rng, 2, "          ", links=terms)]
        return out

    def _template(self, rng: random.Random, team: Team, pid: str,
                  terms: tuple[str, ...]) -> list[str]:
        out = ["guidance: |", paragraph(rng, 3, links=terms), "sections:"]
        for section in ("context", "outcomes", "plan"):
            out += [f"  - id: {section}", f"    title: {section.capitalize()}",
                    "    guidance: |", paragraph(rng, 2, "      "), "    fields:",
                    "      - id: summary", "        label: Summary", "        type: text",
                    f"        help: {sentence(rng, 6)}", "      - id: items",
                    "        label: Items", "        type: list", "      - id: size",
                    "        label: Size", "        type: choice", "        options:",
                    "          - Small", "          - Medium", "          - Large",
                    "      - id: effort", "        label: Effort in weeks", "        type: number",
                    "      - id: due", "        label: Due", "        type: date",
                    "        required: false"]
        return out

    def _instance(self, rng: random.Random, team: Team, pid: str,
                  terms: tuple[str, ...]) -> list[str]:
        templates = [p for p, k in team.playbooks if k == "template"]
        template = templates[rng.randrange(len(templates))] if templates else \
            self.plan.teams[0].playbooks[1][0]
        out = [f"template: {template}", 'period: "2027-H1"', "sections:"]
        for section in ("context", "outcomes", "plan"):
            out += [f"  {section}:", "    summary: |", paragraph(rng, 3, "      ", links=terms),
                    "    items:"]
            out += [f"      - {sentence(rng, 9)}" for _ in range(3)]
            out += [f"    size: {rng.choice(['Small', 'Medium', 'Large'])}",
                    f"    effort: {rng.randint(1, 30)}", '    due: "2027-03-31"']
        return out

    def organisation(self, division: str) -> str:
        rng = self.rng(division)
        teams = [t for t in self.plan.teams if t.division == division]
        owner = teams[0].id
        lines = self.envelope(rng, "organisation", self.plan.org_files[division],
                              f"{division.replace('-', ' ').title()} teams and roles", owner, [],
                              depth=2)
        lines.append("teams:")
        for team in teams:
            lines += [f"  - id: {team.id}", f"    name: {team.name}", "    description: >-",
                      paragraph(rng, 1, "      "), f'    contact: "#{team.id}"']
        lines.append("roles:")
        for team in teams:
            for role, (_, name) in zip(team.roles, ROLE_SUFFIXES, strict=True):
                lines += [f"  - id: {role}", f"    name: {name}, {team.name}",
                          f"    team: {team.id}"]
        return "\n".join(lines) + "\n"

    def files(self) -> Iterator[tuple[str, str, str]]:
        """(relative path, kind, text) of every playbook, organisation files first."""
        for division in self.plan.divisions:
            pid = self.plan.org_files[division]
            yield f"organisation/{pid}.yaml", "organisation", self.organisation(division)
        for team in self.plan.teams:
            for pid, kind in team.playbooks:
                yield (f"{team.division}/{team.id}/{pid}.yaml", kind,
                       self.playbook(team, pid, kind))


MKDOCS_HANDBOOK = """\
site_name: Benchmark handbook ({n} playbooks)
theme:
  name: material
  features:
    - navigation.sections
    - navigation.top
    - navigation.footer
    - search.suggest
    - search.highlight
    - content.tooltips
    - toc.follow
plugins:
  - search
  - tags
  - opsbook:
      playbooks_dir: playbooks
      schemas_dir: schemas
  - macros:
      on_undefined: strict
      on_error_fail: true
markdown_extensions:
  - admonition
  - attr_list
  - tables
  - toc:
      permalink: true
"""

MKDOCS_BASELINE = """\
site_name: Baseline ({n} pages)
theme:
  name: material
plugins:
  - search
"""


def handbook(dest: Path, n: int, seed: int = 0) -> dict[str, list[Path]]:
    """Write a handbook of ``n`` playbooks at ``dest`` (replaced); its files by kind."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "docs").mkdir(parents=True)
    shutil.copytree(ROOT / "schemas", dest / "schemas")
    (dest / "mkdocs.yml").write_text(MKDOCS_HANDBOOK.format(n=n), encoding="utf-8")
    (dest / "docs" / "index.md").write_text(
        f"# Benchmark handbook\n\n{n} generated playbooks.\n", encoding="utf-8")
    by_kind: dict[str, list[Path]] = {}
    for rel, kind, text in Writer(plan(n), seed).files():
        path = dest / "playbooks" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        by_kind.setdefault(kind, []).append(path)
    return by_kind


def markdown_page(text: str) -> str:
    """A plain Markdown page with the same words and about as many lines as a playbook."""
    out = []
    for line in text.splitlines():
        stripped = line.strip().lstrip("- ")
        if line.startswith("title: "):
            out.insert(0, f"# {line[7:]}\n")
        elif ":" in stripped and not stripped.endswith((":", "|", ">-")):
            key, _, value = stripped.partition(":")
            out.append(f"- **{key.strip()}**: {value.strip()}")
        elif stripped.endswith((":", "|", ">-")):
            out.append(f"\n## {stripped.rstrip(':|>- ').replace('_', ' ').capitalize()}\n")
        elif stripped and not stripped.startswith("#"):
            out.append(stripped)
    return "\n".join(out).replace("[[", "").replace("]]", "") + "\n"


def baseline(dest: Path, n: int, seed: int = 0) -> None:
    """Write a stock MkDocs + Material site of ``n`` plain pages at ``dest`` (replaced), in
    the same folders as the handbook's playbooks."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "docs").mkdir(parents=True)
    (dest / "mkdocs.yml").write_text(MKDOCS_BASELINE.format(n=n), encoding="utf-8")
    (dest / "docs" / "index.md").write_text(f"# Baseline\n\n{n} plain pages.\n",
                                            encoding="utf-8")
    for rel, _, text in Writer(plan(n), seed).files():
        path = dest / "docs" / rel.replace(".yaml", ".md")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(markdown_page(text), encoding="utf-8")

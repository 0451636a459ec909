"""The pages and files a handbook adds to a site, as plain strings: no MkDocs here.

:class:`SiteBuilder` turns a loaded :class:`~opsbook.engine.Handbook` into Markdown pages (with
front matter) and static files. Each page is rendered from a Jinja template that a handbook can
override; every collection is sorted by a stable key so the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import posixpath
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from opsbook import export, rituals
from opsbook.engine import Handbook, can_fork
from opsbook.model import WIKI_LINK, Playbook, freshness
from opsbook.pages import FEATURES
from opsbook.render import Target, TextRenderer, environment, front_matter, page_url, relative
from opsbook.schemas import ENVELOPE, Kind

ASSET_DIR = "assets/opsbook"
KIND_TEMPLATE = "kinds/{kind}.md.j2"
GENERIC_TEMPLATE = "kinds/_generic.md.j2"


class RenderError(Exception):
    """A page template failed; the message says which template, where, and for which page."""

    @classmethod
    def from_jinja(cls, exc: jinja2.TemplateError, template: str, src_uri: str) -> RenderError:
        where = getattr(exc, "filename", None) or template
        line = getattr(exc, "lineno", None)
        if line is None:
            # Jinja rewrites tracebacks so template frames carry the template's file and line.
            frames = [f for f in traceback.extract_tb(exc.__traceback__)
                      if f.filename.endswith(".j2")]
            if frames:
                where, line = frames[-1].filename, frames[-1].lineno
        location = f"{where}:{line}" if line else where
        return cls(f"{location}: {exc.message or type(exc).__name__} "
                   f"(while rendering {src_uri}). Fix the page template.")


@dataclass(frozen=True)
class Page:
    """A generated Markdown page.

    Attributes:
        src_uri: Its path as if it were in docs/, such as ``playbooks/rituals/sprint-review.md``.
        content: Markdown with YAML front matter.
        source: The YAML file it comes from (for "edit this page"), or None.
    """

    src_uri: str
    content: str
    source: str | None = None


@dataclass(frozen=True)
class Asset:
    """A generated static file, such as the JSON export or an iCalendar feed."""

    path: str
    content: bytes


#: What a page or file shows (see :class:`Job`), or None for "anything of any playbook".
Shows = Callable[[], Iterable[str] | None]


@dataclass(frozen=True)
class Job:
    """A page or file of the site, not made yet.

    Attributes:
        path: The page's ``src_uri`` or the file's path.
        make: Makes it.
        shows: Everything of the playbooks that can change what ``make`` returns: ``"id"``
            for all of a playbook, ``"id/face"`` for what a link to it shows, ``"id/field"``
            for one top-level field (``None``: anything of any playbook). Under ``mkdocs
            serve`` (see :mod:`opsbook.incremental`) a page is made again only when one of
            these changed, so this must never miss one; what every page depends on (schemas,
            templates, settings, the teams and roles, the set of playbook files) is covered by
            :meth:`SiteBuilder.scope` instead.
    """

    path: str
    make: Callable[[], Any]
    shows: Shows = lambda: None

    @classmethod
    def constant(cls, made: Page | Asset) -> Job:
        """A page or file that shows no playbook (made already)."""
        return cls(made.src_uri if isinstance(made, Page) else made.path, lambda: made, set)


def static_assets() -> list[str]:
    """The packaged stylesheets and scripts, by name, sorted (``opsbook.*`` first)."""
    names = [f.name for f in (resources.files("opsbook") / "assets").iterdir()
             if f.name.endswith((".css", ".js"))]
    return sorted(names, key=lambda n: (not n.startswith("opsbook."), n))


def offset_days(due: str) -> int:
    """``"-14d"`` → -14."""
    return int(due[:-1])


def offset_text(due: str) -> str:
    """``"-14d"`` → ``"14 days before launch"``; ``"0d"`` → ``"Launch day"``."""
    days = offset_days(due)
    if days == 0:
        return "Launch day"
    unit = "day" if abs(days) == 1 else "days"
    return f"{abs(days)} {unit} {'before' if days < 0 else 'after'} launch"


def folder_title(name: str) -> str:
    return name.replace("-", " ").capitalize()


#: Jobs to make before a second process pays for itself (forking, sending pages back).
PARALLEL_MIN = 300
_CHUNK = 25
_JOBS: list[Job] | None = None


def _make_chunk(start: int) -> list[Any]:
    assert _JOBS is not None  # set before the fork
    return [job.make() for job in _JOBS[start:start + _CHUNK]]


def make_all(jobs: list[Job]) -> list[Any]:
    """Each job's page or file, in order; with many, on every core.

    This process takes every n-th run of jobs and forked workers the others (pages differ in
    cost along the list: playbook pages first, then team pages and comparisons); the workers
    send back what they made.
    """
    if len(jobs) < PARALLEL_MIN or not can_fork():
        return [job.make() for job in jobs]
    global _JOBS
    _JOBS = jobs
    workers = min(os.cpu_count() or 1, 8)
    starts = range(0, len(jobs), _CHUNK)
    mine = set(starts[::workers])
    theirs = [start for start in starts if start not in mine]
    try:
        with multiprocessing.get_context("fork").Pool(workers - 1) as pool:
            pending = pool.map_async(_make_chunk, theirs)
            made = {start: _make_chunk(start) for start in sorted(mine)}
            made.update(zip(theirs, pending.get(), strict=True))
    finally:
        _JOBS = None
    return [item for start in starts for item in made[start]]


class SiteBuilder:
    """Renders a handbook's pages.

    Args:
        handbook: The loaded handbook (valid playbooks only are rendered).
        templates: The handbook's template override folder, searched before the packaged one.
        directory_urls: MkDocs' ``use_directory_urls``.
        site_url: The site's absolute address (MkDocs' ``site_url``), or ``""``; files read
            outside the site, such as calendar feeds, need it for links.
        site_name: The site's name, for titles outside the site (calendar names).
    """

    def __init__(self, handbook: Handbook, templates: Path | None = None,
                 directory_urls: bool = True, site_url: str = "",
                 site_name: str = "") -> None:
        self.handbook = handbook
        self.index = handbook.index
        self.directory_urls = directory_urls
        self.site_url = site_url
        self.site_name = site_name
        self.env: jinja2.Environment = environment(templates)
        self.template_dirs = [d for d in (templates, Path(str(
            resources.files("opsbook") / "templates"))) if d is not None and d.is_dir()]
        self.text = TextRenderer(self._resolve, self._link_text)
        self._mentions: dict[str, set[str]] | None = None
        self._instances: dict[str, list[Playbook]] | None = None
        self._by_path: dict[str, str] | None = None
        self._targets: dict[str, Target | None] = {}

    # -- addresses -----------------------------------------------------------------------

    def src_of(self, playbook: Playbook) -> str:
        return posixpath.join("playbooks", *playbook.folder, f"{playbook.id}.md")

    def url(self, src_uri: str) -> str:
        return page_url(src_uri, self.directory_urls)

    def playbook_url(self, pid: str) -> str:
        return self.url(self.src_of(self.index.playbooks[pid]))

    def team_url(self, tid: str) -> str:
        return self.url(f"teams/{tid}.md")

    def role_url(self, rid: str) -> str:
        return self.url(f"roles/{rid}.md")

    def _resolve(self, ref: str) -> Target | None:
        # The same few hundred targets are linked from page after page, and the tooltip of a
        # playbook is its summary reduced to words: look each one up once per build.
        if ref in self._targets:
            return self._targets[ref]
        target = None
        playbook = self.index.playbooks.get(ref)
        if playbook is not None:
            target = Target(playbook.title, self.playbook_url(ref),
                            self.text.plain(playbook.summary), "ob-ref")
        elif (term := self.index.terms.get(ref)) is not None:
            target = Target(term.term, f"{self.playbook_url(term.glossary)}#{term.id}",
                            term.short, "ob-term")
        self._targets[ref] = target
        return target

    def _link_text(self, ref: str) -> str | None:
        """The text of a link to ``ref``: a playbook's title, a term."""
        if (playbook := self.index.playbooks.get(ref)) is not None:
            return playbook.title
        term = self.index.terms.get(ref)
        return None if term is None else term.term

    # -- rendering -----------------------------------------------------------------------

    def helpers(self, src_uri: str) -> dict[str, Any]:
        """Functions templates call, bound to the page at ``src_uri`` for relative links."""
        return self.helpers_at(self.url(src_uri))

    def helpers_at(self, base: str) -> dict[str, Any]:
        """Functions templates call, bound to the page whose URL is ``base``."""
        index = self.index

        def md(text: str | None, inline: bool = False) -> Markup:
            return self.text.html(text, base, inline) if text else Markup("")

        def href(target_url: str) -> str:
            return relative(base, target_url)

        # link() and party() run tens of thousands of times per build. Every value they put in
        # the HTML is a str, for which Markup.format's escaping formatter does no more than
        # escape(), at several times the cost.
        def link(ref: str) -> Markup:
            target = self._resolve(ref)
            if target is None:
                return Markup(f"<code>{escape(ref)}</code>")
            return Markup(f'<a class="{escape(target.css)}" '
                          f'href="{escape(relative(base, target.url))}" '
                          f'title="{escape(target.tooltip)}">{escape(target.text)}</a>')

        def party(pid: str) -> Markup:
            if pid in index.teams:
                return Markup(f'<a class="ob-team" href="{escape(href(self.team_url(pid)))}">'
                              f"{escape(index.teams[pid].name)}</a>")
            if pid in index.roles:
                return Markup(f'<a class="ob-role" href="{escape(href(self.role_url(pid)))}">'
                              f"{escape(index.roles[pid].name)}</a>")
            return Markup(f"<code>{escape(pid)}</code>")

        settings = self.handbook.settings
        return {"md": md, "href": href, "link": link, "party": party, "page_url": base,
                "url_of": self.url, "playbook_url": self.playbook_url,
                "cadence_text": rituals.describe, "offset_days": offset_days,
                "offset_text": offset_text, "envelope": ENVELOPE,
                "freshness": lambda pb: freshness(pb.review, settings.today,
                                                  settings.review_grace_days)}

    def render(self, template: str, src_uri: str, meta: dict[str, Any], **context: Any) -> str:
        """Render ``template`` as the page at ``src_uri``.

        Raises:
            RenderError: the template (often a user's override) is broken; the message names
                its file and line and the page being rendered.
        """
        try:
            body = self.env.get_template(template).render(
                **self.helpers(src_uri), handbook=self.handbook, index=self.index, **context)
        except jinja2.TemplateError as exc:
            raise RenderError.from_jinja(exc, template, src_uri) from exc
        return front_matter({**meta, "render_macros": False}) + body

    def playbook_page(self, playbook: Playbook) -> Page:
        src = self.src_of(playbook)
        settings = self.handbook.settings
        kind = self.handbook.schemas.kinds[playbook.kind]
        name = KIND_TEMPLATE.format(kind=playbook.kind)
        try:
            template = self.env.get_template(name).name or name
        except jinja2.TemplateNotFound:
            template = GENERIC_TEMPLATE
        meta: dict[str, Any] = {"title": playbook.title}
        if playbook.tags:
            meta["tags"] = list(playbook.tags)
        content = self.render(
            template, src, meta, pb=playbook, data=playbook.data, kind=kind,
            fresh=freshness(playbook.review, settings.today, settings.review_grace_days),
            references=self.index.references.get(playbook.id, []),
            referenced_by=self.index.referenced_by.get(playbook.id, []),
            **self._kind_context(playbook, src))
        return Page(src, content, playbook.source.path)

    def _kind_context(self, playbook: Playbook, src: str) -> dict[str, Any]:
        data = playbook.data
        if playbook.kind == "checklist":
            items = [item for phase in data["phases"] for item in phase["items"]]
            all_tiers = [t["id"] for t in data["tiers"]]
            by_team: dict[str, list[Any]] = {}
            for item in sorted(items, key=lambda i: offset_days(i["due"])):
                by_team.setdefault(item["team"], []).append(item)
            return {
                "tier_names": {t["id"]: t["name"] for t in data["tiers"]},
                "items_for_tier": lambda tier: sum(
                    tier in item.get("tiers", all_tiers) for item in items),
                "items_by_team": sorted(by_team.items(), key=lambda kv: self._name(kv[0])),
            }
        if playbook.kind == "glossary":
            return {"term_users": self.index.term_users}
        if playbook.kind == "template":
            return {"filled": self.instances(playbook.id)}
        if playbook.kind == "instance":
            md: Callable[..., Markup] = self.helpers(src)["md"]

            def field_value(spec: dict[str, Any], value: Any) -> Markup:
                if spec["type"] == "text":
                    return md(value)
                if spec["type"] == "list":
                    return Markup("<ul>{}</ul>").format(Markup("").join(
                        Markup("<li>{}</li>").format(md(v, inline=True)) for v in value))
                if spec["type"] == "date":
                    return Markup('<time datetime="{0}">{0}</time>').format(value)
                return Markup("{}").format(value)

            return {"field_value": field_value}
        return {}

    def _name(self, party: str) -> str:
        if party in self.index.teams:
            return self.index.teams[party].name.lower()
        if party in self.index.roles:
            return self.index.roles[party].name.lower()
        return party

    def page_jobs(self) -> list[Job]:
        """Every generated page, to be made."""
        jobs = [Job(self.src_of(p), partial(self.playbook_page, p), partial(self.playbook_shows, p))
                for p in self.handbook.playbooks.values()]
        jobs.extend(self.kind_pages())
        for module in FEATURES:
            jobs.extend(module.pages(self))
        return jobs

    def asset_jobs(self) -> list[Job]:
        """Every generated file, to be made: the stylesheet and script, the JSON export, the
        schemas, and the features' files."""
        package = resources.files("opsbook") / "assets"
        jobs = [Job.constant(Asset(f"{ASSET_DIR}/{name}", (package / name).read_bytes()))
                for name in static_assets()]
        jobs.append(Job("opsbook.json", lambda: Asset(
            "opsbook.json", export.handbook_json(self).encode("utf-8"))))
        for module in FEATURES:
            jobs.extend(module.assets(self))
        for name, schema in sorted(self.handbook.schemas.files.items()):
            text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
            jobs.append(Job.constant(Asset(f"schemas/{name}", text.encode("utf-8"))))
        return jobs

    def pages(self) -> list[Page]:
        """Every generated page, sorted by path."""
        return sort_pages(make_all(self.page_jobs()))

    def assets(self) -> list[Asset]:
        """Every generated file."""
        return make_all(self.asset_jobs())

    def kind_pages(self) -> Iterable[Job]:
        from opsbook.pages.reference import title_of  # the reference module builds on this one

        for kind in self.handbook.schemas.kinds.values():
            src = f"kinds/{kind.name}.md"

            def make(kind: Kind = kind, src: str = src) -> Page:
                playbooks = sorted(self.handbook.by_kind(kind.name),
                                   key=lambda p: p.title.lower())
                return Page(src, self.render("kind-index.md.j2", src, {"title": kind.plural},
                                             kind=kind, playbooks=playbooks,
                                             how_to=title_of(kind)))

            def shows(kind: Kind = kind) -> set[str]:
                return self.faces(p.id for p in self.handbook.by_kind(kind.name))

            yield Job(src, make, shows)

    # -- what each page shows, for rebuilds under `mkdocs serve` (see opsbook.incremental) ---

    def faces(self, ids: Iterable[str]) -> set[str]:
        """What links to the playbooks ``ids`` show (names for :meth:`Handbook.version`):
        each one's face (title; summary as a tooltip; status...), a glossary's terms (a link
        to a term shows the term and its short definition), and the faces of the playbooks
        each summary links to (their titles, inside the tooltip)."""
        out: set[str] = set()
        for pid in ids:
            out.add(f"{pid}/face")
            playbook = self.index.playbooks.get(pid)
            if playbook is None:
                continue
            if playbook.kind == "glossary":
                out.add(f"{pid}/terms")
            for ref in WIKI_LINK.findall(playbook.summary):
                term = self.index.terms.get(ref)
                out.update((f"{term.glossary}/face", f"{term.glossary}/terms") if term
                           else (f"{ref}/face",))
        return out

    def shown_by(self, ids: Iterable[str]) -> set[str]:
        """What a page showing all of the playbooks ``ids`` shows: them, and what its links
        to the playbooks they link to show."""
        shown = set(ids)
        refs = self.index.references
        return shown | self.faces(target for pid in shown for target in refs.get(pid, ()))

    def playbook_shows(self, playbook: Playbook) -> set[str]:
        """A playbook's page shows all of it, what its links show (to the playbooks it links
        and that link it), and an instance's page the sections of its template."""
        pid = playbook.id
        out = self.shown_by([pid]) | self.faces(self.index.referenced_by.get(pid, ()))
        if playbook.kind == "instance":
            out |= self.shown_by([str(playbook.data.get("template"))])
        return out

    def defined_in(self, path: str) -> str | None:
        """The id of the playbook in the file ``path`` (relative to the project)."""
        if self._by_path is None:
            self._by_path = {p.source.path: pid for pid, p in self.handbook.playbooks.items()}
        return self._by_path.get(path)

    def instances(self, template: str) -> list[Playbook]:
        """The instances that fill in the template ``template``, in the handbook's order."""
        if self._instances is None:
            self._instances = {}
            for playbook in self.handbook.by_kind("instance"):
                self._instances.setdefault(str(playbook.data.get("template")), []).append(
                    playbook)
        return self._instances.get(template, [])

    def mentioning(self, parties: Iterable[str]) -> set[str]:
        """The playbooks that name any of ``parties`` (team or role ids) in a team or role
        field (owner, participants, step owners, checklist teams, RACI...)."""
        if self._mentions is None:
            self._mentions = {}
            for playbook in self.handbook.playbooks.values():
                for ref in playbook.refs:
                    if ref.meaning in ("team", "role", "party"):
                        self._mentions.setdefault(ref.target, set()).add(playbook.id)
        return {pid for party in parties for pid in self._mentions.get(party, ())}

    def scope(self) -> bytes:
        """A digest of what any page may show besides the playbooks its job names: the
        settings, schemas and templates, the site's options, which playbook files there are
        (ids, kinds, paths: so URLs and kinds), and the playbooks defining teams and roles
        (whose names, contacts and links appear on nearly every page)."""
        digest = hashlib.blake2b(digest_size=16)
        handbook = self.handbook

        def add(*parts: object) -> None:
            for part in parts:
                digest.update(str(part).encode("utf-8", "surrogatepass") + b"\0")

        add(repr(handbook.settings), self.directory_urls, self.site_url, self.site_name)
        for name, schema in sorted(handbook.schemas.files.items()):
            add(name, json.dumps(schema, sort_keys=True))
        for folder in self.template_dirs:
            for path in sorted(folder.rglob("*")):
                stat = path.stat()
                add(path, stat.st_mtime_ns, stat.st_size)
        for pid, playbook in handbook.playbooks.items():
            add(pid, playbook.kind, playbook.source.path)
        defining = {t.source.path for t in self.index.teams.values()}
        defining.update(r.source.path for r in self.index.roles.values())
        for pid, playbook in handbook.playbooks.items():
            if playbook.source.path in defining:
                add(pid, handbook.versions.get(pid, b"").hex())
        return digest.digest()

    def nav(self, pages: Iterable[Page] = (), extra: Iterable[Any] = ()) -> list[Any]:
        """MkDocs ``nav`` entries for the generated pages.

        Playbooks by folder, then the kind indexes, then every other generated page (``pages``)
        by its top folder, so every page is reachable from the navigation. No section holds
        more than :data:`NAV_SECTION_LIMIT` entries (larger ones are split into ranges), so a
        page's navigation stays the same size however large the handbook grows.
        """
        tree: dict[str, Any] = {}
        for playbook in sorted(self.handbook.playbooks.values(),
                               key=lambda p: (p.folder, p.title.lower(), p.id)):
            node = tree
            for part in playbook.folder:
                node = node.setdefault(part, {})
            node.setdefault("", []).append({playbook.title: self.src_of(playbook)})

        def entries(node: dict[str, Any]) -> list[Any]:
            out: list[Any] = [{folder_title(k): entries(v)} for k, v in sorted(node.items()) if k]
            return bounded(out + list(node.get("", [])))

        kinds = [{k.plural: f"kinds/{k.name}.md"}
                 for k in self.handbook.schemas.kinds.values()]
        return [{"Playbooks": entries(tree)}, {"By kind": kinds}, *nav_of_pages(pages), *extra]


#: The most entries a navigation section holds before it is split into ranges.
NAV_SECTION_LIMIT = 30
_OWN_SECTIONS = ("playbooks/", "kinds/")


def sort_pages(pages: Iterable[Page]) -> list[Page]:
    return sorted(pages, key=lambda p: p.src_uri)


def page_title(page: Page) -> str:
    """The ``title`` of a generated page's front matter, else its file name."""
    head, _, _ = page.content.removeprefix("---\n").partition("\n---\n")
    for line in head.splitlines():
        if line.startswith("title: "):
            value = json.loads(line[len("title: "):])
            if isinstance(value, str) and value:
                return value
    return folder_title(posixpath.basename(page.src_uri).removesuffix(".md"))


def nav_of_pages(pages: Iterable[Page]) -> list[Any]:
    """Nav entries for generated pages outside the playbook tree: pages at the top level as
    links, each top folder as a section (its ``index.md`` first, named after the folder's index
    page), sorted by title."""
    top: list[tuple[str, str]] = []
    folders: dict[str, list[tuple[str, str]]] = {}
    for page in pages:
        if page.src_uri.startswith(_OWN_SECTIONS):
            continue
        folder, _, name = page.src_uri.partition("/")
        if name:
            folders.setdefault(folder, []).append((page_title(page), page.src_uri))
        else:
            top.append((page_title(page), page.src_uri))
    out: list[Any] = [{title: src} for title, src in
                      sorted(top, key=lambda t: (t[0].lower(), t[1]))]
    for folder, items in sorted(folders.items()):
        index = [(t, s) for t, s in items if s == f"{folder}/index.md"]
        others = sorted((i for i in items if i not in index), key=lambda t: (t[0].lower(), t[1]))
        title = index[0][0] if index else folder_title(folder)
        out.append({title: [{t: s} for t, s in index] + bounded([{t: s} for t, s in others])})
    return out


def bounded(entries: list[Any], limit: int = NAV_SECTION_LIMIT) -> list[Any]:
    """``entries`` unchanged when at most ``limit``, else split into sections of consecutive
    entries named by their first and last titles (nested again if there are too many)."""
    if len(entries) <= limit:
        return entries
    groups = -(-len(entries) // limit)
    size = -(-len(entries) // groups)
    chunks = [entries[i:i + size] for i in range(0, len(entries), size)]
    sections = [{f"{_ends(c[0])[0]} – {_ends(c[-1])[1]}": c} for c in chunks]
    return bounded(sections, limit)


def _ends(entry: Any, width: int = 28) -> tuple[str, str]:
    """The first and last titles an entry covers (a range covers two), shortened."""
    title = str(next(iter(entry))) if isinstance(entry, dict) else str(entry)
    is_range = isinstance(entry, dict) and isinstance(entry[title], list) and " – " in title
    first, last = title.split(" – ", 1) if is_range else (title, title)
    cut = [t if len(t) <= width else t[: width - 1].rstrip() + "…" for t in (first, last)]
    return cut[0], cut[1]

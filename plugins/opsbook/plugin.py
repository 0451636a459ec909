"""The MkDocs plugin: a thin adapter between MkDocs and the engine.

It loads the handbook in ``on_config`` (the same pipeline as ``opsbook validate``), logs every
problem located, fails the build on errors, adds the generated pages and files in ``on_files``,
points "edit this page" at the YAML, hands playbook data to mkdocs-macros (and makes its errors
located lines instead of tracebacks), and watches the playbooks and schemas under
``mkdocs serve``.
"""

from __future__ import annotations

import gc
import posixpath
import re
import traceback
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkDocsPage
from mkdocs.utils.templates import TemplateContext

from opsbook import config as options
from opsbook import searchindex
from opsbook.describe import suggest
from opsbook.engine import Engine, Handbook, Settings, rel_path
from opsbook.incremental import Memo
from opsbook.macros import MACRO_NAMES, MacroError, Macros
from opsbook.problems import CONFIG_CODES, Problem
from opsbook.rawhtml import RawHtmlBlocks
from opsbook.site import (
    ASSET_DIR,
    Asset,
    Page,
    RenderError,
    SiteBuilder,
    bounded,
    sort_pages,
    static_assets,
)

log = get_plugin_logger(__name__)

# Engines survive the config reloads `mkdocs serve` does on every rebuild, so an edit re-reads
# only the files that changed (see Engine).
_ENGINES: dict[Settings, Engine] = {}


class OpsbookConfig(Config):  # type: ignore[no-untyped-call]  # mkdocs leaves it untyped
    """Options of the ``opsbook`` plugin in mkdocs.yml (paths relative to mkdocs.yml)."""

    playbooks_dir = c.Type(str, default=options.DEFAULTS["playbooks_dir"])
    """The folder of playbook YAML files; its sub-folders become navigation sections."""
    schemas_dir = c.Type(str, default=options.DEFAULTS["schemas_dir"])
    """The folder of JSON Schemas, one ``<kind>.schema.json`` per kind."""
    templates_dir = c.Type(str, default=options.DEFAULTS["templates_dir"])
    """Page templates that override the packaged ones (``kinds/<kind>.md.j2``...)."""
    review_grace_days = c.Type(int, default=options.DEFAULTS["review_grace_days"])
    """Days after a review falls due before the build warns that it is overdue."""
    today = c.Type(str, default=options.DEFAULTS["today"])
    """The day freshness is judged on, YYYY-MM-DD; empty for the real date.
    The OPSBOOK_TODAY environment variable overrides it."""


#: Theme overrides for Material: a pruned, whitespace-trimmed ``partials/nav.html``.
THEME_DIR = Path(__file__).resolve().parent / "theme"


def _prune_navigation(config: MkDocsConfig) -> None:
    """Keep each page's navigation small, for the navigation this plugin owns.

    Material renders the whole navigation tree into every page, so a build's time and size
    grow with the square of the number of pages (a 3,000-page site writes 2.7 GB). Pruned, a
    page carries the top-level sections and the sections on its own path; every other section
    is one link to its first page, so every page stays reachable, with JavaScript off too.
    Opsbook's ``partials/nav.html`` (after the user's ``custom_dir``) prunes with trimmed
    whitespace; with ``navigation.tabs``, whose markup it does not reproduce, Material's own
    ``navigation.prune`` does. ``navigation.expand`` asks for the whole tree and wins.
    """
    if config.theme.name != "material":
        return
    features = config.theme.get("features")
    if not isinstance(features, list):
        features = config.theme["features"] = []
    if "navigation.expand" in features:
        return
    if "navigation.prune" not in features:
        features.append("navigation.prune")
    if "navigation.tabs" not in features and str(THEME_DIR) not in config.theme.dirs:
        custom = config.theme.custom_dir
        config.theme.dirs.insert(1 if custom and config.theme.dirs[0] == custom else 0,
                                 str(THEME_DIR))


def _link_base(page_url: str) -> tuple[str, str]:
    """The folder a page's navigation links are written relative to, and the way up to it:
    ``a/b/p/`` (directory URLs) links from ``a/b`` through ``../``; ``a/b/p.html`` from ``a/b``."""
    if page_url.endswith("/"):
        return posixpath.dirname(page_url.rstrip("/")), "../"
    return posixpath.dirname(page_url), ""


def nav_href(url: str, page_url: str) -> str:
    """A relative link from the page at ``page_url`` to the site-relative ``url`` that is the
    same for every page in the page's folder (MkDocs' shortest link is not)."""
    folder, up = _link_base(page_url)
    rel = posixpath.relpath(url or ".", folder or ".")
    rel = "" if rel == "." else rel
    if (url.endswith("/") or not url) and rel and not rel.endswith("/"):
        rel += "/"
    return up + rel or "./"


def engine_for(settings: Settings) -> Engine:
    engine = _ENGINES.get(settings)
    if engine is None:
        engine = _ENGINES[settings] = Engine(settings)
    return engine


class OpsbookPlugin(BasePlugin[OpsbookConfig]):  # type: ignore[no-untyped-call]
    """Builds the handbook's pages from validated playbooks."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.handbook: Handbook | None = None
        self.builder: SiteBuilder | None = None
        self.pages: list[Page] = []
        self.assets: list[Asset] = []
        self._asset_files: list[File] = []
        self._nav_html: dict[tuple[int, str, int, str, str], str] = {}
        self._nav_base: tuple[str, str] = ("", "")
        self._nav_pages: dict[tuple[tuple[int, ...], tuple[str, str]],
                              tuple[str, tuple[str, str]]] = {}
        self.raw_html = RawHtmlBlocks()
        self._generated: set[str] = set()
        # Under `mkdocs serve` (which keeps this instance across rebuilds, see on_startup): the
        # pages and files of the previous build, reused where an edit cannot change them.
        self.memos: tuple[Memo, Memo] | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining this hook also makes MkDocs keep this plugin instance across serve's
        # rebuilds. A one-off build keeps nothing between builds: it would only cost memory.
        self.memos = (Memo(), Memo()) if command == "serve" else None

    def on_shutdown(self) -> None:
        self.memos = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        # Loading and rendering make many objects and no cycles; after a serve rebuild the
        # heap still holds the last build, which each full collection would scan.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._configure(config)
        finally:
            if collecting:
                gc.enable()

    def _configure(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path or ".").resolve().parent
        try:
            settings = options.settings_for(root, dict(self.config))
        except options.ConfigError as exc:
            raise PluginError(f"opsbook: {exc}") from exc
        engine = engine_for(settings)
        handbook = engine.load()
        stats = engine.stats
        log.debug(f"{stats.files} playbook files, {stats.parsed} parsed, "
                  f"{stats.validated} validated")
        errors = 0
        for problem in handbook.problems:
            if problem.is_error:
                errors += 1
                log.error(problem.format())
            else:
                log.warning(problem.format())
        if errors:
            setup = any(p.code in CONFIG_CODES for p in handbook.problems)
            raise PluginError(
                f"opsbook: {errors} error{'s' * (errors != 1)} in the "
                f"{'configuration' if setup else 'playbooks'} (listed above); "
                "`opsbook validate` shows the same list.")
        self.handbook = handbook
        templates = root / self.config.templates_dir
        self.builder = SiteBuilder(handbook, templates if templates.is_dir() else None,
                                   config.use_directory_urls, site_url=config.site_url or "",
                                   site_name=config.site_name)
        for folder in (settings.playbooks, settings.schemas, templates):
            if folder.is_dir() and str(folder) not in config.watch:
                config.watch.append(str(folder))
        # Rendered once here: the navigation lists every generated page, and on_files adds them.
        # Assets first: the JSON export needs a lot of memory for a moment, which the pages then
        # reuse instead of adding to the build's peak.
        try:
            # A handbook's own page templates may show anything of any playbook, which the
            # jobs' lists of what they show do not know: those make every page every time.
            if self.memos is None or (templates.is_dir() and any(templates.rglob("*.j2"))):
                self.assets = self.builder.assets()
                self.pages = self.builder.pages()
            else:
                scope = self.builder.scope()
                self.assets = self.memos[0].make(self.builder.asset_jobs(), scope,
                                                 handbook.version)
                self.pages = sort_pages(self.memos[1].make(self.builder.page_jobs(), scope,
                                                           handbook.version))
                made, reused = (sum(m.counts.made for m in self.memos),
                                sum(m.counts.reused for m in self.memos))
                log.debug(f"{made} pages and files made, {reused} reused from the last build")
        except RenderError as exc:
            raise PluginError(f"opsbook: {exc}") from exc
        self._generated = {page.src_uri for page in self.pages}
        config.markdown_extensions.append(self.raw_html)  # type: ignore[arg-type]
        if not config.nav:
            config.nav = self._nav(config)
            _prune_navigation(config)
        for name in static_assets():
            target = config.extra_css if name.endswith(".css") else config.extra_javascript
            target.append(f"{ASSET_DIR}/{name}")
        macros = config.plugins.get("macros")
        if macros is not None:
            _located_errors(macros)
            Macros(self.builder).register(macros)
        # Everything alive now (the handbook, its rendered pages) lasts the whole build: keep the
        # cyclic garbage collector from scanning it on every collection (about a tenth of a
        # 10,000-playbook build). Unfrozen when the build ends, so serve's rebuilds free it.
        gc.freeze()
        return config

    def _nav(self, config: MkDocsConfig) -> list[Any]:
        """Hand-written pages first (home, then by folder), then the handbook's sections."""
        assert self.builder is not None
        docs = Path(config.docs_dir)
        written = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.md"))
        top = [p for p in written if "/" not in p and p != "index.md"]
        nav: list[Any] = [{"Home": "index.md"}] if "index.md" in written else []
        nav += top
        folders: dict[str, list[str]] = {}
        for path in written:
            if "/" in path:
                folders.setdefault(path.split("/", 1)[0], []).append(path)
        return nav + self.builder.nav(self.pages) + [
            {name.replace("-", " ").capitalize(): bounded(pages)}
            for name, pages in sorted(folders.items())]

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        # After every plugin's on_config: Material's search makes its index there.
        searchindex.install(config.plugins, self._generated)

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.builder is not None
        docs_rel = Path(config.docs_dir).resolve()
        root = self.builder.handbook.settings.root
        clashes = [
            Problem(rel_path(Path(clash.abs_src_path), root), 0, 0, "page-clash",
                    "This hand-written page has the path of a page the handbook generates"
                    f"{' from ' + page.source if page.source else ''}.",
                    "Rename or move the hand-written page.")
            for page in self.pages
            if (clash := files.get_file_from_path(page.src_uri)) is not None
            and clash.generated_by is None and clash.abs_src_path]
        for problem in clashes:
            log.error(problem.format())
        if clashes:
            raise PluginError(f"opsbook: {len(clashes)} hand-written page"
                              f"{'s' * (len(clashes) != 1)} clash with generated pages "
                              "(listed above).")
        for page in self.pages:
            file = File.generated(config, page.src_uri, content=page.content)
            if page.source is not None:
                file.edit_uri = posixpath.relpath(
                    (root / page.source).as_posix(), docs_rel.as_posix())
            files.append(file)
        for asset in self.assets:
            file = File.generated(config, asset.path, content=asset.content)
            self._asset_files.append(file)
            files.append(file)
        self.pages, self.assets = [], []  # the files hold the content now
        return files

    def on_page_markdown(self, markdown: str, *, page: MkDocsPage, config: MkDocsConfig,
                         files: Files) -> str:
        # Only Opsbook's own pages take the fast path for HTML blocks (see opsbook.rawhtml).
        self.raw_html.active = page.file.src_uri in self._generated
        return markdown

    def on_page_content(self, html: str, *, page: MkDocsPage, config: MkDocsConfig,
                        files: Files) -> str:
        if page.file.src_uri in self._generated:
            # Converted: MkDocs keeps every page until the build ends, and a generated page's
            # Markdown (twice: the file and the page) is not needed again.
            page.markdown = None
            page.file.content_string = ""
        return html

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig,
               files: Files) -> jinja2.Environment:
        self._nav_html = {}
        self._nav_pages = {}
        env.globals["opsbook_nav_cache"] = self._nav_fragment
        env.globals["opsbook_nav_page"] = self._nav_page
        env.globals["opsbook_href"] = nav_href
        return env

    def _nav_fragment(self, render: Any, item: Any, path: str, level: int, page_url: str) -> str:
        """A navigation item off the current page's path, rendered once for all the pages of a
        folder (see theme/partials/nav.html)."""
        base = _link_base(page_url)
        if base != self._nav_base:
            # MkDocs builds a folder's pages one after another: keep one folder's fragments.
            self._nav_html, self._nav_base = {}, base
        key = (id(item), path, level, *base)
        html = self._nav_html.get(key)
        if html is None:
            html = self._nav_html[key] = str(render(item, path, level))
        return html

    def _nav_page(self, whole: Any, own_leaf: Any, page: MkDocsPage) -> str:
        """A page's navigation: rendered once for the pages under the same sections in the
        same folder, then for each of them with the last page's entry made a plain link again
        and this page's entry made the current one (see theme/partials/nav.html). Rendered in
        full whenever an entry is not found exactly once (a section's index page...)."""
        key = (tuple(id(section) for section in page.ancestors), _link_base(page.url))
        mine = (str(own_leaf(False)), str(own_leaf(True)))
        cached = self._nav_pages.get(key)
        if cached is not None:
            html, (theirs, their_current) = cached
            html = html.replace(their_current, theirs, 1)
            if html.count(mine[0]) == 1:
                html = html.replace(mine[0], mine[1], 1)
                self._nav_pages[key] = (html, mine)
                return html
        html = str(whole())
        if html.count(mine[1]) == 1 and html.count(mine[0]) == 0:
            self._nav_pages[key] = (html, mine)
        return html

    def on_page_context(self, context: TemplateContext, /, *, page: MkDocsPage,
                        config: MkDocsConfig, nav: Navigation) -> TemplateContext:
        # Pages are rendered after static files are copied, so the assets (the JSON export,
        # calendars...) are written by now: let their bytes go.
        for file in self._asset_files:
            file.content_bytes = b""
        self._asset_files = []
        return context

    @event_priority(-100)  # last: every other plugin has seen the page
    def on_post_page(self, output: str, *, page: MkDocsPage, config: MkDocsConfig) -> str:
        if page.file.src_uri in self._generated:
            # Written out next; MkDocs would keep every page's HTML until the build ends,
            # which at 10,000 pages is most of the build's memory.
            page.content = None
            # Not under serve: a preview is not downloaded, and the rebuild is quicker.
            return squeeze(output) if self.memos is None else output
        return output

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        gc.unfreeze()

    def on_build_error(self, *, error: Exception) -> None:
        gc.unfreeze()


_VERBATIM = ("<pre", "<textarea", "<script", "<style")
_INDENT = re.compile(r"\n\s+")


def squeeze(html: str) -> str:
    """``html`` without the indentation and blank lines the theme's templates leave (a tenth
    of a page), except inside ``pre``, ``textarea``, ``script`` and ``style`` elements, where
    whitespace means something. A line break and the spaces after it show as one space
    either way. Tags are found in lower case, as Material and Markdown write them."""
    out: list[str] = []
    done = 0
    ahead = {tag: _tag_at(html, tag, 0) for tag in _VERBATIM}
    while True:
        found = [(at, tag) for tag, at in ahead.items() if at >= 0]
        if not found:
            break
        start, tag = min(found)
        end = html.find(f"</{tag[1:]}>", start)
        if end < 0:
            break
        end += len(tag) + 2
        out += (_INDENT.sub("\n", html[done:start]), html[start:end])
        done = end
        for name, at in ahead.items():
            if 0 <= at < done:
                ahead[name] = _tag_at(html, name, done)
    out.append(_INDENT.sub("\n", html[done:]))
    return "".join(out)


def _tag_at(html: str, tag: str, start: int) -> int:
    """Where the element ``tag`` (``"<pre"``) next opens from ``start``, or -1."""
    at = html.find(tag, start)
    while at >= 0 and html[at + len(tag):at + len(tag) + 1] not in (">", " ", "\n", "\t"):
        at = html.find(tag, at + 1)
    return at


def _template_line(error: BaseException) -> int | None:
    """The line of the page's Markdown where Jinja raised ``error``."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "<template>"]
    return frames[-1].lineno if frames else None


def _page_path(page: Any) -> str:
    """The page's file as the user sees it: ``docs/x.md`` from the project folder."""
    try:
        return Path(page.file.abs_src_path).resolve().relative_to(Path.cwd()).as_posix()
    except (TypeError, ValueError):  # generated page, or docs outside the working folder
        return str(page.file.src_uri)


def _located_errors(macros_plugin: Any) -> None:
    """Make mkdocs-macros report a misspelt name or a wrong macro argument as one located line
    with a suggestion, instead of its default message with a Python traceback.

    mkdocs-macros formats errors through ``mkdocs_macros.errors.format_error``, a
    ``functools.singledispatch`` function meant to be extended per exception type.
    """
    try:
        from mkdocs_macros.errors import format_error
    except ImportError:  # another version or layout: keep its own messages
        return

    def located(error: Exception, markdown: str, page: Any) -> str:
        line = _template_line(error)
        where = _page_path(page)
        where = f"{where}:{line}" if line else where
        message = str(error)
        undefined = re.fullmatch(r"'([^']+)' is undefined", message)
        if undefined:
            names = {str(n) for n in (*macros_plugin.variables, *macros_plugin.macros)}
            hint = suggest(undefined.group(1), names)
            message = (f"{message}{hint or '.'} Check the spelling of the macro or variable "
                       f"(the Opsbook macros are {', '.join(sorted(MACRO_NAMES))}).")
        return f"Macro error at {where}: {message}"

    format_error.register(MacroError, located)
    format_error.register(jinja2.exceptions.UndefinedError, located)

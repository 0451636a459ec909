"""Playbook data for hand-written pages, through mkdocs-macros.

Registered by the plugin when the ``macros`` plugin is enabled: a ``playbooks`` variable (every
playbook by id) and functions that return ready, sanitized HTML. Unknown ids raise
:class:`MacroError`; with mkdocs-macros' ``on_error_fail: true`` that fails the build, and
``on_undefined: strict`` catches a misspelt variable or macro name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from opsbook.describe import suggest

if TYPE_CHECKING:
    from opsbook.site import SiteBuilder


class MacroError(Exception):
    """A macro was called with something the handbook does not have."""


class Macros:
    """The functions and variables a hand-written page can use."""

    def __init__(self, builder: SiteBuilder) -> None:
        self.builder = builder
        self.index = builder.index
        self._plugin: Any = None

    def register(self, macros_plugin: Any) -> None:
        """Hand the variables and macros to a mkdocs-macros plugin instance."""
        self._plugin = macros_plugin
        macros_plugin.register_variables({"playbooks": self.records()})
        macros_plugin.register_macros({"playbook": self.playbook})

    # The page being rendered, for relative links: mkdocs-macros sets ``page`` on itself.
    @property
    def _base(self) -> str:
        page = getattr(self._plugin, "page", None)
        return str(page.url) if page is not None else ""

    def _get(self, pid: str, kind: str | None = None) -> Any:
        playbook = self.index.playbooks.get(pid)
        if playbook is None:
            raise MacroError(f"no playbook has the id {pid!r}"
                             f"{suggest(pid, set(self.index.playbooks)) or '.'}")
        if kind is not None and playbook.kind != kind:
            raise MacroError(f"{pid!r} is a {playbook.kind}, not a {kind}.")
        return playbook

    def records(self) -> dict[str, dict[str, Any]]:
        """Every playbook as a plain dict: envelope fields, ``url`` and the raw ``data``."""
        out = {}
        for pid, pb in self.index.playbooks.items():
            out[pid] = {
                "id": pid, "kind": pb.kind, "title": pb.title, "summary": pb.summary,
                "owner": pb.owner, "status": pb.status, "tags": list(pb.tags),
                "links": list(pb.links), "url": self.builder.playbook_url(pid),
                "source": pb.source.path, "data": pb.data,
            }
        return out

    def playbook(self, pid: str) -> dict[str, Any]:
        """``playbook('sprint-review')``: one playbook's record (see :meth:`records`)."""
        self._get(pid)
        return self.records()[pid]

    def _helpers(self) -> dict[str, Any]:
        return self.builder.helpers_at(self._base)

    def _html(self, html: Markup) -> Markup:
        return Markup('<div class="ob-embed" markdown="0">\n{}\n</div>').format(html)

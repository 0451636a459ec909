"""Pages beyond one per playbook. Each module here has ``pages(builder)`` and
``assets(builder)``, each returning an iterable of :class:`opsbook.site.Job` (one per page or
file: how to make it, and which playbooks it shows); list a new module in :data:`FEATURES`."""

from __future__ import annotations

from types import ModuleType

from opsbook.pages import compare, people, reference, review, rituals_calendar

FEATURES: list[ModuleType] = [
    people,
    review,
    compare,
    rituals_calendar,
    reference,
]

"""The machine-readable handbook: every validated playbook as one JSON document."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opsbook.site import SiteBuilder

#: Version of the export's shape; bumped on any incompatible change.
EXPORT_VERSION = 1


def handbook_json(builder: SiteBuilder) -> str:
    """``opsbook.json``: ids, kinds, page URLs, owners, freshness and the data of every
    playbook, plus the teams, roles and terms; keys sorted so the bytes are stable."""
    handbook = builder.handbook
    index = builder.index
    helpers = builder.helpers_at("")
    playbooks: list[dict[str, Any]] = []
    for pid, pb in handbook.playbooks.items():
        fresh = helpers["freshness"](pb)
        playbooks.append({
            "id": pid, "kind": pb.kind, "title": pb.title, "summary": pb.summary,
            "owner": pb.owner, "status": pb.status, "replaced_by": pb.replaced_by,
            "tags": list(pb.tags), "links": list(pb.links),
            "url": builder.playbook_url(pid), "source": pb.source.path,
            "schema": f"schemas/{pb.kind}.schema.json",
            "review": None if pb.review is None else {
                "last_reviewed": pb.review.last_reviewed.isoformat(), "every": pb.review.every,
                "due": fresh.due.isoformat() if fresh.due else None, "state": fresh.state},
            "referenced_by": index.referenced_by.get(pid, []),
            "data": pb.data,
        })
    document = {
        "version": EXPORT_VERSION,
        "kinds": {k.name: {"title": k.title, "schema": f"schemas/{k.path.name}",
                           "index": builder.url(f"kinds/{k.name}.md")}
                  for k in handbook.schemas.kinds.values()},
        "playbooks": playbooks,
        "teams": [{"id": t.id, "name": t.name, "contact": t.contact,
                   "url": builder.team_url(t.id)} for t in sorted(index.teams.values(),
                                                                  key=lambda t: t.id)],
        "roles": [{"id": r.id, "name": r.name, "team": r.team, "url": builder.role_url(r.id)}
                  for r in sorted(index.roles.values(), key=lambda r: r.id)],
        "terms": [{"id": t.id, "term": t.term, "type": t.type, "glossary": t.glossary,
                   "definition": t.definition, "url": f"{builder.playbook_url(t.glossary)}#{t.id}"}
                  for t in sorted(index.terms.values(), key=lambda t: t.id)],
    }
    # Compact: indenting switches json to its pure-Python encoder, several times slower (and
    # the file a third larger); `python -m json.tool` shows it indented.
    return json.dumps(document, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")) + "\n"

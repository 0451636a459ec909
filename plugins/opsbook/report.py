"""Problem reports in the formats ``opsbook validate --format`` offers."""

from __future__ import annotations

import json

from opsbook.problems import CATALOGUE, Problem

#: Version of the JSON report's shape; bumped on any incompatible change.
JSON_VERSION = 1


def text(problems: list[Problem]) -> str:
    """One line a problem, location first, then a summary line."""
    lines = [p.format() for p in problems]
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    lines.append(_summary(errors, warnings))
    return "\n".join(lines) + "\n"


def _summary(errors: int, warnings: int) -> str:
    if not errors and not warnings:
        return "No problems found."
    parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return f"Found {' and '.join(parts)}."


def _escape_data(value: str) -> str:
    # https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(problems: list[Problem]) -> str:
    """GitHub Actions workflow commands, so problems annotate the pull request's lines."""
    lines = []
    for p in problems:
        level = "error" if p.is_error else "warning"
        props = [f"file={_escape_property(p.path)}"]
        if p.line:
            props.append(f"line={p.line}")
        if p.col:
            props.append(f"col={p.col}")
        props.append(f"title={_escape_property(f'Opsbook {p.code}')}")
        field = f"{p.field}: " if p.field else ""
        body = f"{field}{p.message} {p.fix}".strip()
        lines.append(f"::{level} {','.join(props)}::{_escape_data(body)}")
    errors = sum(p.is_error for p in problems)
    lines.append(_summary(errors, len(problems) - errors))
    return "\n".join(lines) + "\n"


def as_json(problems: list[Problem]) -> str:
    """A stable JSON document: ``{"version", "errors", "warnings", "problems": [...]}``."""
    errors = sum(p.is_error for p in problems)
    document = {
        "version": JSON_VERSION,
        "errors": errors,
        "warnings": len(problems) - errors,
        "problems": [
            {"path": p.path, "line": p.line, "column": p.col, "severity": p.severity.value,
             "code": p.code, "field": p.field, "message": p.message, "fix": p.fix,
             "meaning": CATALOGUE[p.code].meaning}
            for p in problems
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


FORMATS = {"text": text, "github": github, "json": as_json}

"""Problems found in a handbook, and the closed catalogue of their kinds.

Every problem names a file, a line and a column, carries a stable code from :data:`CATALOGUE`
and a plain-English message and fix. ``docs/opsbook/problems.md`` lists the catalogue;
``tests/test_catalogue.py`` fails when the two disagree.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Severity(enum.Enum):
    """How bad a problem is: errors fail every build, warnings fail ``--strict`` builds."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class ProblemKind:
    """One entry of the catalogue: what a code means and the usual fix."""

    code: str
    severity: Severity
    meaning: str
    fix: str


def _kinds(*rows: tuple[str, Severity, str, str]) -> dict[str, ProblemKind]:
    return {code: ProblemKind(code, sev, meaning, fix) for code, sev, meaning, fix in rows}


E, W = Severity.ERROR, Severity.WARNING
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")

CATALOGUE: dict[str, ProblemKind] = _kinds(
    # Files and bytes
    ("not-utf8", E, "The file is not UTF-8 text.",
     "Save the file as UTF-8 (in VS Code: 'Save with Encoding', then 'UTF-8')."),
    ("file-too-large", E, "The file is larger than the limit for one playbook.",
     "Split it into several playbooks that link to each other."),
    ("hidden-character", E,
     "The file holds an invisible control or bidirectional-text character.",
     "Delete the character (it is often pasted in from a chat or a PDF)."),
    ("empty-file", E, "The file holds no playbook.",
     "Start it with `opsbook new KIND ID`, or delete it."),
    ("multiple-documents", E, "The file holds more than one YAML document (a `---` line).",
     "Keep one playbook per file: move the second document into its own file."),
    ("symlink", E, "A symbolic link in the playbooks folder; links are not followed.",
     "Replace the link with the file itself."),
    ("not-a-file", E, "Something in the playbooks folder that is not a regular file.",
     "Remove it from the playbooks folder."),
    # YAML
    ("yaml-syntax", E, "The text is not valid YAML.",
     "Check the indentation and punctuation at the line shown."),
    ("tab-indent", E, "A tab character is used where YAML needs spaces.",
     "Replace the tab with spaces (two per level)."),
    ("missing-dash", E, "A list item lacks its `- ` in front.",
     "Start each list item with a dash and a space: `- `."),
    ("duplicate-key", E, "The same key appears twice in one mapping.",
     "Keep one of the two and delete the other."),
    ("non-string-key", E, "A key is not plain text (a number, true/false, a list...).",
     "Write keys as words, in quotes if needed."),
    ("unknown-tag", E, "A YAML tag (`!something`) is used; playbooks take plain values only.",
     "Delete the tag."),
    ("anchor-alias", E, "A YAML anchor (`&name`) or alias (`*name`) is used.",
     "Write the content out in full where it is needed."),
    ("too-deep", E, "Values are nested deeper than any playbook needs.",
     "Flatten the structure; no playbook nests more than a few levels."),
    ("not-a-mapping", E, "The file is not a set of `key: value` fields.",
     "Start the file with `kind:`, `id:` and `title:` lines."),
    # Schema
    ("missing-kind", E, "The playbook has no `kind`.",
     "Add `kind:` with one of the kinds `opsbook kinds` lists."),
    ("unknown-kind", E, "The `kind` is not one of the handbook's kinds.",
     "Use one of the kinds `opsbook kinds` lists, or add a schema for a new kind."),
    ("missing-field", E, "A required field is missing.",
     "Add the field; the message says what it holds."),
    ("unknown-field", E, "A field the kind does not define (often a typo).",
     "Correct the spelling or delete the field."),
    ("wrong-type", E, "A value is of the wrong type (text where a number is needed...).",
     "Write the value as the message says, quoting text that looks like a number or date."),
    ("bad-value", E, "A value is not one of the allowed values.", "Use one of the values listed."),
    ("bad-format", E, "A value does not have the required form (id, date, time, offset...).",
     "Rewrite it in the form shown."),
    ("out-of-range", E, "A value, text or list is too small or too large.",
     "Bring it within the limits shown."),
    ("duplicate-item", E, "A list holds the same entry twice.", "Delete the repeated entry."),
    ("schema-violation", E, "The value breaks a rule of the kind's schema.",
     "Read what the field takes on the kind's reference page ('How to write a ...')."),
    # Across playbooks
    ("id-mismatch", E, "The playbook's `id` differs from its file name.",
     "Rename the file or change the `id` so they are equal."),
    ("duplicate-id", E, "Two playbooks or glossary terms share an id.",
     "Give one of them another id."),
    ("id-collision", E, "Two file names differ only in letter case or Unicode form.",
     "Rename one of them; they would overwrite each other on macOS and Windows."),
    ("reserved-id", E, "The id is a name the site or an operating system reserves.",
     "Choose another id."),
    ("bad-folder-name", E,
     "A folder name in playbooks/ is not lower-case words and dashes, or is a name Windows "
     "reserves.", "Rename the folder, for example `launch-plans`."),
    ("unknown-ref", E, "A reference names no playbook or glossary term.",
     "Correct the id; `opsbook validate` suggests near matches."),
    ("unknown-team", E, "A team id is not in the organisation registry.",
     "Correct the id or add the team to the organisation playbook."),
    ("unknown-role", E, "A role id is not in the organisation registry.",
     "Correct the id or add the role to the organisation playbook."),
    ("unknown-tier", E, "A checklist item names a launch tier the checklist does not define.",
     "Use one of the checklist's tier ids."),
    ("duplicate-entry", E, "Two entries in one playbook share an id (items, steps, sections...).",
     "Give each entry its own id."),
    ("template-mismatch", E,
     "A filled template lacks a required section or field, or has one the template lacks.",
     "Fill in what the template asks for and nothing else."),
    ("missing-replacement", W, "A deprecated playbook does not say what replaces it.",
     "Add `replaced_by:` with the id of the playbook to follow instead."),
    ("review-overdue", W, "The playbook's review date has passed (after the grace period).",
     "Ask the owner to review it and update `review.last_reviewed`."),
    ("deprecated-link", W, "An active playbook links to a deprecated one.",
     "Link to the playbook that replaces it."),
    # Configuration (exit code 2)
    ("bad-schema", E, "A schema file is not valid JSON or not valid JSON Schema 2020-12.",
     "Fix the schema file; the message names the keyword."),
    ("bad-config", E, "The Opsbook configuration is wrong (a folder or option).",
     "Correct the option in mkdocs.yml."),
    ("page-clash", E, "A generated page has the same path as a hand-written page in docs/.",
     "Rename or move the hand-written page."),
)

#: Codes that describe the set-up rather than the content; they exit with 2.
CONFIG_CODES = frozenset({"bad-schema", "bad-config", "page-clash"})


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem.

    Attributes:
        path: The file, relative to the project root, with forward slashes.
        line: 1-based line (0 when the problem concerns the whole file).
        col: 1-based column (0 when unknown).
        code: A code from :data:`CATALOGUE`.
        message: What is wrong, in plain English, quoting what was written.
        fix: What to do about it.
        field: The JSON path of the value, such as ``steps[2].owner``; empty for the file.
    """

    path: str
    line: int
    col: int
    code: str
    message: str
    fix: str = ""
    field: str = ""

    def __post_init__(self) -> None:
        if self.code not in CATALOGUE:
            raise ValueError(f"problem code {self.code!r} is not in the catalogue")

    @property
    def severity(self) -> Severity:
        """The severity the catalogue gives this problem's code."""
        return CATALOGUE[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        """The one-line text form, location first: ``path:line:col: message fix [code]``."""
        # A file name with a line break would split the line: show it escaped.
        path = self.path if self.path.isprintable() else repr(self.path)[1:-1]
        where = f"{path}:{self.line}:{self.col}"
        field = f"{self.field}: " if self.field else ""
        level = "" if self.is_error else "warning: "
        fix = f" {self.fix}" if self.fix else ""
        return f"{where}: {level}{field}{self.message}{fix} [{self.code}]"


def json_path(parts: tuple[str | int, ...]) -> str:
    """Render an instance path as ``steps[2].owner``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(part):
            out += f"[{part!r}]"  # a key with spaces, dots or line breaks stays one line
        else:
            out += f".{part}" if out else part
    return out


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Problems in report order: by file, line, column, then code; duplicates dropped."""
    return sorted(set(problems))

"""The closed catalogue of problem codes and its docs page agree, in both directions."""

from __future__ import annotations

import re

from conftest import ROOT
from opsbook.problems import CATALOGUE, Problem

PAGE = ROOT / "docs" / "opsbook" / "problems.md"
ROW = re.compile(r"^\| `(?P<code>[a-z0-9-]+)` \| (?P<severity>error|warning) \| (?P<meaning>.+) "
                 r"\| (?P<fix>.+) \|$")


def _page_rows() -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            assert match["code"] not in rows, f"{match['code']} is listed twice"
            rows[match["code"]] = match.groupdict()
    return rows


def test_every_code_is_on_the_page_and_every_row_is_a_code() -> None:
    rows = _page_rows()
    assert sorted(set(CATALOGUE) - set(rows)) == [], "codes missing from problems.md"
    assert sorted(set(rows) - set(CATALOGUE)) == [], "problems.md lists codes that do not exist"


def test_page_says_what_the_catalogue_says() -> None:
    for code, row in _page_rows().items():
        kind = CATALOGUE[code]
        assert row["severity"] == kind.severity.value, code
        assert row["meaning"] == kind.meaning, code
        assert row["fix"] == kind.fix, code


def test_every_code_is_used_by_the_code() -> None:
    sources = "\n".join(p.read_text(encoding="utf-8")
                        for p in (ROOT / "plugins" / "opsbook").rglob("*.py")
                        if p.name != "problems.py")
    unused = [code for code in CATALOGUE if f'"{code}"' not in sources]
    assert unused == []


def test_a_code_outside_the_catalogue_is_refused() -> None:
    try:
        Problem("f.yaml", 1, 1, "no-such-code", "x")
    except ValueError as exc:
        assert "not in the catalogue" in str(exc)
    else:
        raise AssertionError("an unknown code was accepted")


def test_warnings_are_marked_in_text() -> None:
    warning = Problem("p.yaml", 3, 1, "review-overdue", "Due.", "Review it.", "review")
    error = Problem("p.yaml", 3, 1, "unknown-team", "Nope.", "Fix it.", "owner")
    assert warning.format() == "p.yaml:3:1: warning: review: Due. Review it. [review-overdue]"
    assert error.format() == "p.yaml:3:1: owner: Nope. Fix it. [unknown-team]"

"""Text from YAML is untrusted: no raw HTML, script or javascript: URL reaches a reader."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import build, copy_project, run, search

HOSTILE_SUMMARY = ('Read [this](javascript:alert(1)) and <img src=x onerror="alert(2)"> '
                   "<script>alert(3)</script> [ok](https://example.com)")
HOSTILE_DETAILS = ("<iframe src=javascript:alert(4)></iframe>\n\n"
                   "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==) "
                   "![pic](javascript:alert(6)) <a href=\"javascript:alert(7)\">a</a> "
                   "{{ config.site_name }}")
HOSTILE_TITLE = "[Sprint review](javascript:alert(8)) *now*"


def _poison(project: Path, title: str) -> None:
    """Add a process whose every text field is hostile."""
    import yaml

    playbook = {
        "kind": "process", "id": "hostile", "title": title, "summary": HOSTILE_SUMMARY,
        "owner": "product-ops", "review": {"last_reviewed": "2026-11-01", "every": "yearly"},
        "purpose": HOSTILE_DETAILS, "participants": ["product-manager"],
        "steps": [{"title": "Click nothing", "owner": "product-manager",
                   "details": HOSTILE_DETAILS}],
        "definition_of_done": [HOSTILE_SUMMARY],
    }
    path = project / "playbooks" / "rituals" / "hostile.yaml"
    path.write_text(yaml.safe_dump(playbook, sort_keys=False, width=10_000), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("hostile"))
    _poison(project, HOSTILE_TITLE)
    checked = run(["opsbook", "validate"], project)
    assert checked.returncode == 0, checked.stdout
    site = project / "site"
    result = build(project, site)
    assert result.returncode == 0, result.stderr
    return site


def test_script_in_a_title_is_refused(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    _poison(project, "Sprint <script>alert(9)</script>")
    result = run(["opsbook", "validate"], project)
    assert result.returncode == 1
    assert re.search(r"playbooks/rituals/hostile\.yaml:\d+:1: title: Title must be one "
                     r"line of plain text without '<' or '>'\.", result.stdout), result.stdout
    assert build(project, tmp_path / "site").returncode == 1


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))
        self._in_script = tag == "script" and not dict(attrs).get("src")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def test_no_live_script_or_javascript_url_anywhere(hostile_site: Path) -> None:
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        parser = _Tags()
        parser.feed(page.read_text(encoding="utf-8"))
        for tag, attrs in parser.found:
            assert tag not in ("iframe", "object", "embed"), (page, tag)
            for name, value in attrs:
                assert not name.startswith("on"), (page, tag, name)
                if name in ("href", "src", "action", "formaction", "xlink:href"):
                    scheme = (value or "").strip().lower()
                    assert not scheme.startswith(("javascript:", "data:", "vbscript:")), (
                        page, tag, value)
        # Material's own inline scripts (configuration) are fine; none carries our text.
        for script in parser.inline_scripts:
            assert "alert(" not in script, (page, script)
    sprint = (hostile_site / "playbooks/rituals/hostile/index.html").read_text("utf-8")
    assert '<a href="https://example.com">ok</a>' in sprint
    assert "{{ config.site_name }}" in sprint  # macros are not executed on generated pages
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in sprint  # shown as text


@pytest.mark.browser
def test_nothing_runs_in_a_browser(hostile_site: Path, serve: object, page: object) -> None:
    base = serve(hostile_site)  # type: ignore[operator]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    for url in ("", "playbooks/rituals/hostile/", "kinds/process/"):
        page.goto(base + url)  # type: ignore[attr-defined]
        page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    search(page, "alert")
    for link in page.locator("a").all():  # type: ignore[attr-defined]
        href = (link.get_attribute("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:")), href
    assert page.locator("img[onerror], iframe, [onclick], [onload]").count() == 0  # type: ignore[attr-defined]
    inline = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "script:not([src])", "els => els.map(e => e.textContent)")
    assert not [s for s in inline if "alert(" in s]
    assert dialogs == []

"""VS Code's YAML extension checks playbooks as authors type: the real yaml-language-server
(the server inside the extension), spoken to over LSP on stdio.

Each playbook names its schema in its first line, the modeline `opsbook new` writes; the
server resolves it relative to the file, follows the `$ref`s into common.schema.json, and
must flag the mistakes authors make most: unknown (misspelt) keys, wrong types, missing
required fields and values outside an enum.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, copy_project, run

SERVER = ROOT / "tests" / "node_modules" / ".bin" / "yaml-language-server"
SETTINGS = {"yaml": {"validate": True, "hover": True, "completion": True, "schemas": {},
                     "schemaStore": {"enable": False}, "yamlVersion": "1.2"}}
TIMEOUT = 60.0


class LanguageServer:
    """A minimal LSP client: JSON-RPC messages with Content-Length headers over pipes."""

    def __init__(self, root: Path) -> None:
        if not SERVER.exists():
            pytest.fail(f"{SERVER} is missing: `make test` runs `npm ci --prefix tests`")
        self.process = subprocess.Popen([str(SERVER), "--stdio"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self._next_id = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        reply = self.request("initialize", {
            "processId": None, "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": "handbook"}],
            "capabilities": {"workspace": {"configuration": True},
                             "textDocument": {"publishDiagnostics": {}}}})
        assert "capabilities" in reply
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": SETTINGS})

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    self.inbox.put(None)
                    return
                if not line.strip():
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.inbox.put(json.loads(stream.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        wanted = self._next_id
        self._send({"id": wanted, "method": method, "params": params})
        while True:
            message = self._receive()
            if message.get("id") == wanted and "method" not in message:
                assert "error" not in message, message
                return dict(message.get("result") or {})

    def _receive(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        message = self.inbox.get(timeout=timeout)
        if message is None:
            raise AssertionError("yaml-language-server stopped")
        if "method" in message and "id" in message:  # a request from the server
            self._answer(message)
        elif message.get("method") == "textDocument/publishDiagnostics":
            params = message["params"]
            self.diagnostics[params["uri"]] = params["diagnostics"]
        return message

    def _answer(self, message: dict[str, Any]) -> None:
        result: Any = None
        if message["method"] == "workspace/configuration":
            result = [SETTINGS.get(item.get("section", ""))
                      for item in message["params"]["items"]]
        self._send({"id": message["id"], "result": result})

    def open(self, path: Path) -> str:
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1,
            "text": path.read_text(encoding="utf-8")}})
        return uri

    def wait_for(self, uri: str, done: Any) -> list[dict[str, Any]]:
        """The document's diagnostics once ``done(diagnostics)`` holds (or the timeout)."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if uri in self.diagnostics and done(self.diagnostics[uri]):
                break
            try:
                self._receive(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
        return self.diagnostics.get(uri, [])

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._reader.join(timeout=10)
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("editor"))


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[LanguageServer]:
    client = LanguageServer(project)
    yield client
    client.close()


def _lines(diagnostics: list[dict[str, Any]]) -> set[int]:
    """1-based lines with an error or warning."""
    return {d["range"]["start"]["line"] + 1 for d in diagnostics if d.get("severity", 1) <= 2}


def _edit(project: Path, source: str, name: str, old: str, new: str) -> tuple[Path, int]:
    """A copy of ``source`` beside it with ``old`` replaced; the changed line's number."""
    original = project / source
    text = original.read_text(encoding="utf-8")
    assert old in text, old
    path = original.with_name(name)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, text[: text.index(old)].count("\n") + 1 + old[: len(old) - len(
        old.lstrip("\n"))].count("\n")


def test_a_misspelt_key_is_flagged_on_its_line(server: LanguageServer, project: Path) -> None:
    path, line = _edit(project, "playbooks/rituals/sprint-review.yaml", "typo.yaml",
                       "\nowner: product-ops\n", "\nonwer: product-ops\n")
    assert path.read_text(encoding="utf-8").splitlines()[0].startswith(
        "# yaml-language-server: $schema=../../schemas/process.schema.json")
    uri = server.open(path)
    found = server.wait_for(uri, lambda ds: line in _lines(ds))
    assert line in _lines(found), found
    messages = [d["message"] for d in found if d["range"]["start"]["line"] + 1 == line]
    assert any("onwer" in m for m in messages), messages


# What authors most often get wrong, each through a `$ref` into common.schema.json or a
# kind's own schema: (file, old text, new text, what the message mentions).
MISTAKES = [
    ("playbooks/rituals/sprint-review.yaml", "\nstatus: active\n", "\nstatus: actve\n",
     "draft"),
    ("playbooks/rituals/sprint-review.yaml", "\n  every: quarterly\n", "\n  evry: quarterly\n",
     "evry"),
    ("playbooks/rituals/sprint-review.yaml", "\ntitle: Sprint review\n", "\ntitle: 42\n",
     "string"),
    ("playbooks/rituals/sprint-review.yaml", "\nduration_minutes: 60\n",
     "\nduration_minutes: sixty\n", "integer"),
    ("playbooks/rituals/sprint-review.yaml", "\nid: sprint-review\n", "\nid: Sprint_Review\n",
     "pattern"),
    ("playbooks/launches/launch-checklist.yaml", "\n        required: false\n",
     "\n        required: no\n", "boolean"),
    ("playbooks/launches/launch-checklist.yaml", "\n        team: marketing\n",
     "\n        teem: marketing\n", "teem"),
]


@pytest.mark.parametrize(("source", "old", "new", "mentions"), MISTAKES,
                         ids=[m[2].strip() for m in MISTAKES])
def test_common_mistakes_are_flagged(server: LanguageServer, project: Path, source: str,
                                     old: str, new: str, mentions: str) -> None:
    name = "mistake-" + "".join(c if c.isalnum() else "-" for c in new.strip()) + ".yaml"
    path, line = _edit(project, source, name, old, new)
    uri = server.open(path)
    found = server.wait_for(uri, lambda ds: line in _lines(ds))
    assert line in _lines(found), (new, found)
    messages = " ".join(d["message"] for d in found if d["range"]["start"]["line"] + 1 == line)
    assert mentions.lower() in messages.lower(), messages


def test_a_missing_required_field_is_flagged(server: LanguageServer, project: Path) -> None:
    source = project / "playbooks" / "rituals" / "sprint-review.yaml"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    path = source.with_name("no-owner.yaml")
    path.write_text("".join(line for line in lines if not line.startswith("owner:")),
                    encoding="utf-8")
    uri = server.open(path)
    found = server.wait_for(uri, lambda ds: any("owner" in d["message"] for d in ds))
    assert any("owner" in d["message"] for d in found), found


def test_opsbook_new_gives_a_clean_file_in_the_editor(server: LanguageServer, project: Path
                                                      ) -> None:
    for kind in ("process", "checklist", "glossary"):
        result = run(["opsbook", "new", kind, f"editor-{kind}"], project)
        assert result.returncode == 0, result.stderr
        path = project / result.stdout.splitlines()[0].removeprefix("Wrote ")
        uri = server.open(path)
        found = server.wait_for(uri, lambda ds: True)
        assert _lines(found) == set(), (kind, found)


def test_the_example_playbooks_are_clean_in_the_editor(server: LanguageServer) -> None:
    uris = [server.open(path) for path in sorted((ROOT / "playbooks").rglob("*.yaml"))]
    for uri in uris:
        found = server.wait_for(uri, lambda ds: True)
        assert _lines(found) == set(), (uri, found)

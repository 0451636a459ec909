"""The strict YAML loader: YAML 1.2 meanings, positions, and what it refuses."""

from __future__ import annotations

import pytest

from opsbook.yamlsrc import MAX_BYTES, MAX_DEPTH, load, plain_scalar


def loaded(text: str) -> dict[str, object]:
    doc, problems = load(text.encode("utf-8"), "f.yaml")
    assert problems == []
    assert doc is not None
    return doc.data  # type: ignore[no-any-return]


def codes(raw: bytes) -> list[str]:
    doc, problems = load(raw, "f.yaml")
    assert doc is None
    return [p.code for p in problems]


@pytest.mark.parametrize("typed", ["no", "yes", "on", "Off", "y", "NO", "010", "0o17", "0x1f",
                                   "1:30", "190:20:30", "2024-05-01", "2024-05-01 10:00:00",
                                   "1_000", ".5", "+.inf", ".nan", "=", "<<"])
def test_yaml_11_look_alikes_stay_the_strings_typed(typed: str) -> None:
    assert loaded(f"value: {typed}\n") == {"value": typed}


@pytest.mark.parametrize(("typed", "meaning"), [
    ("true", True), ("False", False), ("null", None), ("~", None), ("", None), ("0", 0),
    ("42", 42), ("-7", -7), ("2.5", 2.5), ("1e3", 1000.0), ('"42"', "42"), ("'true'", "true"),
])
def test_yaml_12_core_scalars_get_their_type(typed: str, meaning: object) -> None:
    assert loaded(f"value: {typed}\n") == {"value": meaning}


def test_plain_scalar_does_not_read_octal_or_sexagesimal() -> None:
    assert plain_scalar("010") == "010"
    assert plain_scalar("1:30") == "1:30"


def test_positions_are_kept_for_keys_and_items() -> None:
    doc, _ = load(b"kind: process\nsteps:\n  - title: A\n    owner: pm\n  - title: B\n", "f")
    assert doc is not None
    assert doc.positions[("kind",)] == (1, 1)
    assert doc.positions[("steps", 1)] == (5, 5)
    assert doc.positions[("steps", 0, "owner")] == (4, 5)
    # A path below a located node falls back to its nearest ancestor.
    assert doc.locate(("steps", 1, "title", "deeper")) == (5, 5)


def test_block_scalars_keep_text_exactly() -> None:
    assert loaded("a: |\n  line one\n  line: two\n") == {"a": "line one\nline: two\n"}


def test_bom_is_tolerated() -> None:
    assert load(b"\xef\xbb\xbfa: 1\n", "f")[0] is not None


@pytest.mark.parametrize(("raw", "code"), [
    (b"a: 1\na: 2\n", "duplicate-key"),
    (b"1: x\n", "non-string-key"),
    (b"? [a]\n: x\n", "non-string-key"),
    (b"a: !!python/object:os.system x\n", "unknown-tag"),
    (b"a: !custom x\n", "unknown-tag"),
    (b"a: &x 1\n", "anchor-alias"),
    (b"a: &x [1]\nb: *x\n", "anchor-alias"),
    (b"a:\n\t- b\n", "tab-indent"),
    (b"items:\n  - a\n  b\n", "missing-dash"),
    (b"a: \xff\xfe\n", "not-utf8"),
    (b"a: x\x07y\n", "hidden-character"),
    (b"a: admin\xe2\x80\xae\n", "hidden-character"),
    (b"", "empty-file"),
    (b"# nothing\n", "empty-file"),
    (b"a: 1\n---\nb: 2\n", "multiple-documents"),
    (b"- a\n- b\n", "not-a-mapping"),
    (b"key: value: other\n", "yaml-syntax"),
])
def test_traps_are_refused_with_their_code(raw: bytes, code: str) -> None:
    assert codes(raw) == [code]


def test_size_limit() -> None:
    assert codes(b"a: " + b"x" * MAX_BYTES + b"\n") == ["file-too-large"]


def test_depth_limit_block_and_flow() -> None:
    levels = MAX_DEPTH + 2
    block = "".join(f"{'  ' * i}k{i}:\n" for i in range(levels)) + "  " * levels + "v"
    assert codes(block.encode()) == ["too-deep"]
    assert codes(b"a: " + b"[" * 5000) == ["too-deep"]


def test_alias_bomb_is_refused_at_the_first_anchor() -> None:
    # Billion laughs: nine levels of nine aliases, 9**9 strings once expanded.
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        aliases = ", ".join([f"*lol{level - 1}"] * 9)
        lines.append(f"lol{level}: &lol{level} [{aliases}]")
    raw = ("\n".join(lines) + "\n").encode()
    assert 550 < len(raw) < 700
    doc, problems = load(raw, "bomb.yaml")
    assert doc is None
    assert [(p.code, p.line) for p in problems] == [("anchor-alias", 1)]


def test_duplicate_key_names_both_lines() -> None:
    _, problems = load(b"title: A\nowner: x\ntitle: B\n", "f.yaml")
    assert problems[0].line == 3
    assert "line 1" in problems[0].message and "line 3" in problems[0].message

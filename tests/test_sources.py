"""Reading note files: encodings, line endings, frontmatter, file discovery."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dea2anki.diagnostics import Dea2AnkiError
from dea2anki.pipeline.plan import collect
from dea2anki.read.files import find_note_files
from dea2anki.read.frontmatter import decode, split_frontmatter
from dea2anki.records import NoteFile, SourceFile
from dea2anki.settings import DEFAULTS

BODY = "# H\n\n- Term : definition : K ; L\n"


def nf(path: Path) -> NoteFile:
    return NoteFile(path, str(path), path.name, path.parent)


def read_source(note: NoteFile) -> SourceFile:
    return split_frontmatter(note, decode(note.display, note.path.read_bytes()))


def test_bom_and_crlf_parse_like_lf(tmp_path: Path) -> None:
    plain = tmp_path / "a.md"
    plain.write_text("---\ntags: [x]\n---\n" + BODY, encoding="utf-8")
    crlf = tmp_path / "b.md"
    crlf.write_bytes(
        b"\xef\xbb\xbf" + ("---\ntags: [x]\n---\n" + BODY).replace("\n", "\r\n").encode()
    )
    a, b = read_source(nf(plain)), read_source(nf(crlf))
    assert (a.body, a.body_line, a.tags) == (b.body, b.body_line, b.tags)
    result = collect([str(plain), str(crlf)], DEFAULTS)
    lines = [(c.concept.term, c.concept.line) for c in result.concepts]
    assert lines == [("Term", 6), ("Term", 6)]


def test_frontmatter_body_line(tmp_path: Path) -> None:
    p = tmp_path / "x.md"
    p.write_text("---\ndeck: My Deck\ntags: 'a, b #c'\n---\n\n" + BODY, encoding="utf-8")
    src = read_source(nf(p))
    assert src.root_deck == "My Deck"
    assert src.tags == ("a", "b", "#c")
    assert src.body_line + src.body.split("\n").index("- Term : definition : K ; L") == 8


def test_no_frontmatter_uses_stem(tmp_path: Path) -> None:
    p = tmp_path / "Networking.md"
    p.write_text(BODY, encoding="utf-8")
    src = read_source(nf(p))
    assert (src.root_deck, src.tags, src.body_line) == ("Networking", (), 1)


def test_empty_frontmatter_and_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "e.md"
    p.write_text("---\n---\n", encoding="utf-8")
    assert read_source(nf(p)).deck is None
    q = tmp_path / "empty.md"
    q.write_bytes(b"")
    assert read_source(nf(q)).body == ""


def test_discovery_is_sorted_recursive_and_skips_hidden(tmp_path: Path) -> None:
    for rel in ["b.md", "a/z.md", "a/b.md", ".obsidian/x.md", "c.txt", ".trash/old.md"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(BODY, encoding="utf-8")
    files, problems = find_note_files([str(tmp_path), str(tmp_path / "b.md")])
    assert problems == []
    assert [f.rel for f in files] == ["a/b.md", "a/z.md", "b.md"]  # b.md only once
    assert files[0].display == os.path.join(str(tmp_path), "a", "b.md")


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    (tmp_path / "n").mkdir()
    (tmp_path / "n" / "a.md").write_text(BODY, encoding="utf-8")
    os.symlink(tmp_path / "n", tmp_path / "n" / "loop")
    files, problems = find_note_files([str(tmp_path / "n")])
    assert [f.rel for f in files] == ["a.md"] and problems == []


def test_read_errors_are_diagnostics(tmp_path: Path) -> None:
    p = tmp_path / "x.md"
    p.write_bytes(b"# ok\n\n- caf\xe9 : d : K ; L\n")
    with pytest.raises(Dea2AnkiError) as e:
        read_source(nf(p))
    (d,) = e.value.diagnostics
    assert (d.line, d.code) == (3, "not-utf8")

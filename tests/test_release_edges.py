"""Edge cases of releases found in review: partial builds, held-back concepts, retired
cards, --locked, the summary's counts, hand-edited locks, preview output paths."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
from conftest import write

from dea2anki.diagnostics import Dea2AnkiError
from dea2anki.identity.lock import LockBook
from dea2anki.pipeline.plan import lock_name
from dea2anki.records import LockEntry, NoteFile


def render_lock(entries: list[LockEntry]) -> str:
    """The lock file's text, as a build writes it."""
    new = LockBook().changed(Path("/nonexistent/dea2anki.lock"), entries)
    assert new is not None
    return b"".join(line + b"\n" for line in new.lines).decode()


def read_lock(path: Path) -> tuple[LockEntry, ...] | None:
    return LockBook().read(path)


def lock_changed(path: Path, entries: tuple[LockEntry, ...] | list[LockEntry]) -> object:
    return LockBook().changed(path, entries)


T = 1_700_000_000
A = "# A\n\n- Alpha : first : K ;\n"
B = "# B\n\n- Beta : second : K ;\n"


def queues(pkg: Path) -> dict[str, int]:
    with zipfile.ZipFile(pkg) as zf, tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp, "c.db")
        db.write_bytes(zf.read("collection.anki2"))
        with sqlite3.connect(db) as conn:
            rows = conn.execute(
                "SELECT n.flds, c.queue FROM cards c JOIN notes n ON n.id = c.nid"
            ).fetchall()
    return {flds.split("\x1f")[0]: q for flds, q in rows}


def test_building_one_file_leaves_the_others_alone(workdir, cli) -> None:
    write("notes/A.md", A)
    write("notes/B.md", B)
    assert cli("build", epoch=T).code == 0
    lock = Path("notes/dea2anki.lock").read_bytes()
    b_pkg = Path("build/B.apkg").read_bytes()
    r = cli("build", "notes/A.md", "--retire", epoch=T + 10)
    assert r.code == 0 and "concept-gone" not in r.err and "retired" not in r.out
    assert Path("notes/dea2anki.lock").read_bytes() == lock
    assert Path("build/B.apkg").read_bytes() == b_pkg
    # A file really deleted is gone, though.
    Path("notes/B.md").unlink()
    r = cli("build", epoch=T + 20)
    assert "DEA.md" not in r.err and "concept 'Beta' is no longer in the notes" in r.err


def test_concepts_held_back_as_empty_are_not_gone(workdir, cli) -> None:
    write("notes/A.md", A + "- Later :: K ;\n")
    assert cli("build", "--include-empty", epoch=T).code == 0
    r = cli("build", epoch=T + 10)
    assert r.code == 0 and "concept-gone" not in r.err
    r = cli("build", "--retire", epoch=T + 20)
    assert "retired" not in r.out


def test_retired_cards_are_suspended_in_the_package(workdir, cli) -> None:
    write("notes/A.md", A + "- Gamma : third : K ;\n")
    assert cli("build", epoch=T).code == 0
    write("notes/A.md", A)
    r = cli("build", "--retire", epoch=T + 10)
    assert r.code == 0
    assert "exported 1 note" in r.out and "1 retired" in r.out
    assert queues(Path("build/A.apkg")) == {"Alpha": 0, "Gamma": -1}


def test_locked_never_rewrites_the_lock(workdir, cli) -> None:
    write("notes/A.md", A + B)
    assert cli("build", epoch=T).code == 0
    lock = Path("notes/dea2anki.lock")
    lines = lock.read_text("utf-8").splitlines()
    lock.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", "utf-8")  # same entries
    before = lock.read_bytes()
    r = cli("build", "--locked", epoch=T)
    assert r.code == 0 and "Lock notes/dea2anki.lock unchanged" in r.out
    assert lock.read_bytes() == before


def test_summary_counts_what_anki_will_update(workdir, cli) -> None:
    write("notes/A.md", "# A\n\n- Alpha : first : K ; ^alpha\n- Beta : second : K ;\n")
    assert cli("build", epoch=T).code == 0
    write("notes/A.md", "# A\n\n- Alpha two : first, edited : K ; ^alpha\n- Beta : second : K ;\n")
    r = cli("build", epoch=T + 10)
    assert "renamed: 'Alpha' -> 'Alpha two' (block id ^alpha)" in r.out
    assert "0 new, 1 updated" in r.out


def test_hand_edited_lock_with_wrong_types(workdir, cli) -> None:
    write("notes/A.md", A + B)
    assert cli("build", epoch=T).code == 0
    lock = Path("notes/dea2anki.lock")
    lines = lock.read_text("utf-8").splitlines()
    entry = json.loads(lines[1])
    entry["source"] = 5
    lines[1] = json.dumps(entry)
    lock.write_text("\n".join(lines) + "\n", "utf-8")
    r = cli("build", "--retire", epoch=T + 1)
    assert r.code == 1 and "notes/dea2anki.lock:2: error: not a valid lock entry" in r.err


def test_check_reports_nothing_to_export_when_every_file_is_left_out(seed_project, cli) -> None:
    r = cli("check", "--skip-drafts")
    assert r.code == 1 and "[nothing-to-export]" in r.out
    assert cli("build", "--skip-drafts").code == 1


def test_preview_goes_beside_a_single_package_and_reports_write_errors(workdir, cli) -> None:
    write("notes/A.md", A)
    write("pyproject.toml", '[project]\noutput = 1\n\n[tool.dea2anki]\noutput = "dist/A.apkg"\n')
    r = cli("preview")
    assert r.code == 0 and Path("dist/preview.html").is_file()
    assert cli("build", epoch=T).code == 0 and Path("dist/A.apkg").is_file()
    write("blocker", "a file where a folder should be")
    r = cli("preview", "-o", "blocker/preview.html")
    assert r.code == 1 and "blocker/preview.html: error: cannot write" in r.err


def test_config_errors_point_inside_the_tool_table(workdir, cli) -> None:
    write("notes/A.md", A)
    write("pyproject.toml", "[project]\noutput = 1\n\n[tool.dea2anki]\noutput = 3\n")
    r = cli("check")
    assert r.code == 1 and "pyproject.toml:5: error: 'output' must be a path, not 3" in r.out


def test_summary_points_at_packages_left_from_earlier_builds(workdir, cli) -> None:
    write("notes/A.md", A)
    write("notes/B.md", B)
    assert cli("build", epoch=T).code == 0
    Path("notes/B.md").unlink()
    r = cli("build", epoch=T + 1)
    assert "  build/B.apkg: left from an earlier build, not written now" in r.out
    assert Path("build/B.apkg").exists()  # never deleted


def test_lock_round_trips_line_separators_inside_values(tmp_path: Path) -> None:
    """json.dumps leaves U+2028, U+0085 and friends unescaped: they must not split lines."""
    entries = [
        LockEntry("g1", "DEA", "a\u2028b", "DEA::x\x85y", "n.md", None, "", "c1", 5),
        LockEntry("g2", "DEA", "c", "DEA", "n\u2029.md", "blk", "d", "c2", 6, "gone"),
    ]
    path = tmp_path / "dea2anki.lock"
    path.write_text(render_lock(entries), encoding="utf-8")
    assert read_lock(path) == tuple(entries)
    path.write_text(render_lock(entries).replace("\n", "\r\n"), encoding="utf-8")
    assert read_lock(path) == tuple(entries)


def test_lock_error_names_the_bad_line_among_many(tmp_path: Path) -> None:
    entries = [LockEntry(f"g{i}", "D", f"t{i}", "D", "n.md", None, "", "c", i) for i in range(50)]
    lines = render_lock(entries).split("\n")
    bad = next(i for i, line in enumerate(lines) if '"mod": 30,' in line)
    lines[bad] = lines[bad].replace('"mod": 30', '"mod": "30"')
    path = tmp_path / "dea2anki.lock"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(Dea2AnkiError) as e:
        read_lock(path)
    (d,) = e.value.diagnostics
    assert (d.line, d.code) == (bad + 1, "lock-invalid")


def test_lock_with_windows_line_ends_is_not_rewritten(tmp_path: Path) -> None:
    entries = [LockEntry(f"g{i}", "D", f"t{i}", "D", "n.md", None, "", "c", i) for i in range(3)]
    path = tmp_path / "dea2anki.lock"
    path.write_bytes(render_lock(entries).replace("\n", "\r\n").encode())
    assert lock_changed(path, read_lock(path) or ()) is None
    assert lock_changed(path, entries[:2]) is not None


def test_lock_with_a_split_and_a_joined_entry_is_refused(tmp_path: Path) -> None:
    """Two damaged lines that would make as many objects as lines in one JSON document."""
    entries = [LockEntry(f"g{i}", "D", f"t{i}", "D", "n.md", None, "", "c", i) for i in range(4)]
    header, a, b, c, d = render_lock(entries).splitlines()
    cut = a.index(', "term"')
    lines = [header, a[:cut] + ",", a[cut + 2 :], b + ", " + c, d]
    path = tmp_path / "dea2anki.lock"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(Dea2AnkiError) as e:
        read_lock(path)
    (diag,) = e.value.diagnostics
    assert (diag.line, diag.code) == (2, "lock-invalid")


def test_a_lock_names_files_from_elsewhere_as_their_resolved_paths(tmp_path: Path) -> None:
    """lock_name resolves each folder once for a whole build; a file that is a link is
    still named by where it leads, as Path.resolve() names it."""
    (tmp_path / "vault" / "real").mkdir(parents=True)
    (tmp_path / "vault" / "real" / "a.md").write_text("x", "utf-8")
    (tmp_path / "vault" / "b.md").write_text("x", "utf-8")
    os.symlink(tmp_path / "vault" / "real" / "a.md", tmp_path / "vault" / "link.md")
    os.symlink(tmp_path / "vault", tmp_path / "via")
    (tmp_path / "out").mkdir()
    memo: dict[Path, Path] = {}
    for folder in (tmp_path / "vault", tmp_path / "via"):
        for name in ("link.md", "b.md", "real/a.md"):
            nf = NoteFile(folder / name, name, name, folder)
            expected = Path(os.path.relpath((folder / name).resolve(), tmp_path / "out"))
            assert lock_name(nf, tmp_path / "out", memo) == expected.as_posix()
            assert lock_name(nf, tmp_path / "out") == expected.as_posix()
    assert (
        lock_name(
            NoteFile(tmp_path / "via" / "b.md", "b.md", "b.md", tmp_path / "via"),
            tmp_path / "vault",
        )
        == "b.md"
    )  # the lock's own folder, by another way

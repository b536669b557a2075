"""The parse cache and parallel parsing change nothing but time: cached, uncached, parallel
and sequential builds write the same bytes, and each edit re-parses exactly what it should."""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dea2anki.identity.lock as lock
import dea2anki.pipeline.build as build_module
import dea2anki.pipeline.cache as cache_module
import dea2anki.pipeline.parallel as parallel_module
from dea2anki.diagnostics import Dea2AnkiError
from dea2anki.pipeline.build import build
from dea2anki.pipeline.memory import Memory
from dea2anki.settings import DEFAULTS, Options, resolve

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from make_vault import make

T = 1_700_000_000
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def run(vault: Path, out: Path, *, cache: bool = True, options: Options | None = None) -> str:
    result = build(
        [str(vault)],
        out,
        options or DEFAULTS,
        timestamp=T,
        lock_path=out.parent / f"{out.name}.lock",
        cache=cache,
    )
    (pkg,) = result.packages
    return sha(pkg.path)


@pytest.fixture
def processed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files the stage really parses (sequential path: fewer than 16 files)."""
    seen: list[str] = []
    real = parallel_module.process

    def spy(nf, data, options, indexes=None):  # type: ignore[no-untyped-def]
        seen.append(nf.rel)
        return real(nf, data, options, indexes)

    monkeypatch.setattr(parallel_module, "process", spy)
    return seen


def test_cached_uncached_parallel_and_sequential_builds_are_identical(
    tmp_path, monkeypatch
) -> None:
    vault = tmp_path / "vault"
    make(2500, vault)  # 25 files: parsed in worker processes
    (vault / "img.png").write_bytes(PNG)
    note = vault / "note-0003.md"
    note.write_text(
        note.read_text("utf-8").replace(": DEA ; AWS", "![[img.png]] : DEA ; AWS", 1), "utf-8"
    )
    parallel = run(vault, tmp_path / "a")
    assert any((tmp_path / "a" / ".dea2anki-cache").iterdir())
    cached = run(vault, tmp_path / "a")
    uncached = run(vault, tmp_path / "b", cache=False)
    assert not (tmp_path / "b" / ".dea2anki-cache").exists()
    monkeypatch.setattr(parallel_module, "_PARALLEL_MIN_FILES", 10**9)
    sequential = run(vault, tmp_path / "c")
    assert parallel == cached == uncached == sequential


def test_an_incremental_build_writes_what_a_build_from_scratch_writes(tmp_path: Path) -> None:
    """After an edit, a build from the last build's parse cache and kept lock parse writes
    the same package and lock as a build with no cache from the same lock file."""
    vault = tmp_path / "vault"
    make(2500, vault)  # parallel parsing for the cold build
    inc, scratch = tmp_path / "inc", tmp_path / "scratch"
    lock_path = tmp_path / "inc.lock"

    def at(out: Path, t: int, *, cache: bool) -> str:
        result = build(
            [str(vault)],
            out,
            DEFAULTS,
            timestamp=t,
            lock_path=tmp_path / f"{out.name}.lock",
            cache=cache,
        )
        return sha(result.packages[0].path)

    at(inc, T, cache=True)
    kept_rows(inc)  # the lock's entries, kept
    shutil.copy(lock_path, tmp_path / "scratch.lock")
    note = vault / "note-0007.md"
    note.write_text(note.read_text("utf-8").replace(" : DEA", " (edited) : DEA", 1), "utf-8")
    moved = vault / "note-0011.md"
    moved.rename(vault / "moved.md")
    assert at(inc, T + 60, cache=True) == at(scratch, T + 60, cache=False)
    assert sha(lock_path) == sha(tmp_path / "scratch.lock")


def test_only_this_users_cache_is_trusted(
    tmp_path: Path, processed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache folder written with another key (another user's, or one that came with a
    project) is not read at all, and an entry planted with the right cache key but no seal
    is never unpickled. Without a place for the key, builds simply have no cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "mine"))
    vault, out = tmp_path / "vault", tmp_path / "out"
    make(300, vault)
    first = run(vault, out)
    assert len(processed) == 3 and (tmp_path / "mine" / "dea2anki" / "cache-key").is_file()
    processed.clear()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "theirs"))
    assert run(vault, out) == first and len(processed) == 3  # every file parsed again

    marker = tmp_path / "ran"

    class Planted:
        def __reduce__(self) -> tuple[object, ...]:
            return (open, (str(marker), "w"))

    for entry in (out / ".dea2anki-cache").glob("*.pickle"):
        sealed = entry.read_bytes()
        head = sealed[32:].split(b"\n", 1)[0]  # the cache key, which anyone can compute
        entry.write_bytes(sealed[:32] + head + b"\n" + pickle.dumps(Planted()))
    processed.clear()
    assert run(vault, out) == first and len(processed) == 3 and not marker.exists()

    (tmp_path / "nowhere").write_text("a file, not a folder", "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "nowhere"))
    shutil.rmtree(out)
    assert run(vault, out) == first and not (out / ".dea2anki-cache").exists()


def test_each_edit_reparses_exactly_what_it_should(tmp_path, processed) -> None:
    vault = tmp_path / "vault"
    make(500, vault)  # 5 files
    out = tmp_path / "out"
    run(vault, out)
    assert sorted(processed) == [f"note-{i:04d}.md" for i in range(5)]

    def again() -> list[str]:
        processed.clear()
        run(vault, out)
        return sorted(processed)

    assert again() == []  # nothing changed
    n1 = vault / "note-0001.md"
    n1.write_text(n1.read_text("utf-8").replace("Concept 000100", "Concept 000100b"), "utf-8")
    assert again() == ["note-0001.md"]  # an edit
    (vault / "extra.md").write_text("---\ndeck: Bench\n---\n- **Extra** : e : DEA ; AWS\n", "utf-8")
    assert again() == ["extra.md"]  # a new file
    (vault / "extra.md").unlink()
    assert again() == []  # a deleted file: nothing to parse, but it is gone from the package
    shutil.move(vault / "note-0004.md", vault / "renamed.md")
    assert again() == ["renamed.md"]  # a renamed file is a new path

    # Images: a file that embeds one is re-parsed when any file in the folder changes.
    (vault / "pic.png").write_bytes(PNG)
    n2 = vault / "note-0002.md"
    n2.write_text(
        n2.read_text("utf-8").replace(": DEA ; AWS", "![[pic.png]] : DEA ; AWS", 1), "utf-8"
    )
    assert again() == ["note-0002.md"]
    (vault / "pic.png").write_bytes(PNG + b"\0")
    assert again() == ["note-0002.md"]
    (vault / "other.png").write_bytes(PNG)
    assert again() == ["note-0002.md"]

    # Settings that shape the output re-parse everything.
    processed.clear()
    run(vault, out, options=resolve({"deck-depth": 1}))
    assert len(processed) == 5

    # A damaged cache entry is a miss, not a crash.
    for entry in (out / ".dea2anki-cache").iterdir():
        entry.write_bytes(b"garbage")
    assert len(again()) == 5


def test_cache_survives_a_deleted_cache_folder(tmp_path) -> None:
    vault = tmp_path / "vault"
    make(300, vault)
    first = run(vault, tmp_path / "out")
    shutil.rmtree(tmp_path / "out" / ".dea2anki-cache")
    assert run(vault, tmp_path / "out") == first


def test_check_and_preview_read_the_cache_but_never_write_it(tmp_path, processed) -> None:
    from dea2anki.pipeline.dry_run import check, preview_notes
    from dea2anki.pipeline.plan import cache_folder

    vault = tmp_path / "vault"
    make(300, vault)
    out = tmp_path / "out"
    cache = cache_folder(out)
    lock = tmp_path / "out.lock"
    check([str(vault)], DEFAULTS, lock_path=lock, cache_dir=cache)
    assert not cache.exists()  # nothing written by check
    run(vault, out)  # the build fills the cache
    entries = sorted(p.name for p in cache.iterdir())
    processed.clear()
    diagnostics = check([str(vault)], DEFAULTS, lock_path=lock, cache_dir=cache)
    preview = preview_notes([str(vault)], DEFAULTS, lock_path=lock, cache_dir=cache)
    assert processed == []  # both answered from the cache
    assert len(preview.notes) == 300 and not [d for d in diagnostics if d.is_error]
    assert sorted(p.name for p in cache.iterdir()) == entries


def test_cycle_collector_is_paused_during_a_build_and_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []
    plan = build_module.plan

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return plan(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "plan", spy)
    (tmp_path / "n").mkdir()
    (tmp_path / "n" / "A.md").write_text("# A\n\n- T : d : K ;\n", encoding="utf-8")
    assert gc.isenabled()
    run(tmp_path / "n", tmp_path / "out")
    assert seen == [False]
    assert gc.isenabled()
    with pytest.raises(Dea2AnkiError):  # a failed build restores it too
        build([str(tmp_path / "missing")], tmp_path / "o2", DEFAULTS, timestamp=T)
    assert gc.isenabled()


def test_temporary_files_of_killed_builds_are_cleaned_up(tmp_path: Path) -> None:
    make(300, tmp_path / "v")
    run(tmp_path / "v", tmp_path / "out")
    folder = tmp_path / "out" / ".dea2anki-cache"
    old, fresh = folder / "a.123.tmp", folder / "b.456.tmp"
    old.write_bytes(b"x")
    fresh.write_bytes(b"x")
    hours_ago = old.stat().st_mtime - 7200
    os.utime(old, (hours_ago, hours_ago))
    note = tmp_path / "v" / "note-0000.md"
    note.write_text(note.read_text("utf-8").replace(" : DEA", " (edited) : DEA", 1), "utf-8")
    run(tmp_path / "v", tmp_path / "out")
    assert not old.exists()
    assert fresh.exists()  # it may belong to a build running right now
    assert not [p for p in folder.glob("*.tmp") if p != fresh]


def test_watch_builds_start_from_the_previous_build_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """build(memory=...), as --watch calls it: the next build takes the parse results and the
    lock from memory, and writes exactly what builds from the files write."""
    # Two projects alike: the lock names files from its own folder (out/ -> ../v/...).
    make(2000, tmp_path / "a" / "v")
    shutil.copytree(tmp_path / "a" / "v", tmp_path / "b" / "v")

    def twice(vault: Path, out: Path, memory: Memory | None) -> None:
        def once(t: int) -> None:
            lock_path = out / "x.lock"
            build([str(vault)], out, DEFAULTS, timestamp=t, lock_path=lock_path, memory=memory)

        once(T)
        reads.clear()
        note = vault / "note-0003.md"
        note.write_text(note.read_text("utf-8").replace(" : DEA", " (edited) : DEA", 1), "utf-8")
        once(T + 60)

    reads: list[str] = []
    parses: list[int] = []
    read, parse = cache_module.Cache._read, lock._parse_entries
    monkeypatch.setattr(cache_module.Cache, "_read", lambda *a: reads.append(a[1].rel) or read(*a))
    monkeypatch.setattr(lock, "_parse_entries", lambda *a: parses.append(1) or parse(*a))
    memory = Memory()
    twice(tmp_path / "a" / "v", tmp_path / "a" / "out", memory)
    # Only the edited file was looked for on disk; the lock was never parsed.
    assert (reads, parses) == (["note-0003.md"], [])
    twice(tmp_path / "b" / "v", tmp_path / "b" / "out", None)
    # Every file's cache entry; the lock from the entries its first build kept (lock-*.pickle).
    assert len(reads) == 20 and parses == []
    for name in ("Bench.apkg", "x.lock"):
        assert sha(tmp_path / "a" / "out" / name) == sha(tmp_path / "b" / "out" / name), name

    # A lock changed on disk between builds (a git checkout, say) is read again.
    path = tmp_path / "a" / "out" / "x.lock"
    path.write_text(path.read_text("utf-8").replace('"mod": 1700000060', '"mod": 5'), "utf-8")
    build(
        [str(tmp_path / "a" / "v")],
        tmp_path / "a" / "out",
        DEFAULTS,
        timestamp=T + 120,
        lock_path=path,
        memory=memory,
    )
    assert parses == [1]


def kept_rows(out: Path) -> Path:
    (kept,) = (out / ".dea2anki-cache").glob("lock-*.pickle")
    return kept


def book(out: Path) -> lock.LockBook:
    """A LockBook that reads the entries a build into ``out`` kept, as that build's next
    one does."""
    cache = cache_module.Cache(out / ".dea2anki-cache")
    return lock.LockBook(functools.partial(cache.read_sealed, kept_rows(out)))


def test_a_lock_is_read_from_its_kept_entries_only_while_its_bytes_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build keeps the entries of the lock it leaves beside the parse cache; the next
    build reads them instead of the JSON lines, only if the lock still holds those bytes."""
    make(300, tmp_path / "v")
    out = tmp_path / "out"
    run(tmp_path / "v", out)
    path, kept = tmp_path / "out.lock", kept_rows(out)
    parses: list[int] = []
    parse = lock._parse_entries
    monkeypatch.setattr(lock, "_parse_entries", lambda *a: parses.append(1) or parse(*a))

    def read() -> tuple[lock.LockEntry, ...] | None:
        return book(out).read(path)

    fresh = lock.LockBook().read(path)
    assert parses == [1]
    assert read() == fresh and parses == [1]  # the kept entries, the same
    # The lines are the file's own: writing the same entries back changes nothing.
    b = book(out)
    assert b.changed(path, b.read(path) or ()) is None
    # Edited by hand (or by git): the file is read again, and the edit is what counts; the
    # next build keeps its entries in turn (a lock written as this program writes them).
    path.write_text(path.read_text("utf-8").replace('"mod": 1700000000', '"mod": 5', 1), "utf-8")
    edited = read()
    assert parses == [1, 1] and edited is not None and edited != fresh
    assert sorted(e.mod for e in edited)[0] == 5
    assert read() == edited and parses == [1, 1, 1]  # reading alone keeps nothing
    run(tmp_path / "v", out)
    assert read() == edited and parses == [1, 1, 1, 1]  # the build's read, then kept
    # Line ends of Windows: read as the same lock, parsed each time, never kept.
    lf = path.read_bytes()
    path.write_bytes(lf.replace(b"\n", b"\r\n"))
    b = book(out)
    assert b.changed(path, b.read(path) or ()) is None  # no rewrite for them
    assert b.to_keep is None
    assert read() == edited and parses == [1, 1, 1, 1, 1, 1]
    path.write_bytes(lf)
    # Kept entries damaged behind a key that still matches: a miss, not a crash.
    assert read() == edited and parses == [1, 1, 1, 1, 1, 1]
    whole = kept.read_bytes()
    kept.write_bytes(whole[: len(whole) // 2])
    assert read() == edited and parses == [1, 1, 1, 1, 1, 1, 1]
    kept.write_bytes(whole)
    assert read() == edited and parses == [1, 1, 1, 1, 1, 1, 1]
    # And a build from them writes what a build without any cache writes from that lock.
    shutil.copy(path, tmp_path / "plain.lock")
    assert run(tmp_path / "v", out) == run(tmp_path / "v", tmp_path / "plain", cache=False)
    assert sha(path) == sha(tmp_path / "plain.lock")


def test_kept_entries_are_data_only(tmp_path: Path) -> None:
    """The build folder may come from anyone (a repository, an archive): kept entries that
    this user's builds did not seal are not read at all, and even sealed ones are rows of
    plain values, never code, each checked as a lock line is."""
    make(100, tmp_path / "v")
    out = tmp_path / "out"
    run(tmp_path / "v", out)
    path, kept = tmp_path / "out.lock", kept_rows(out)
    fresh = lock.LockBook().read(path)
    assert fresh is not None
    cache = cache_module.Cache(out / ".dea2anki-cache")
    content = cache.read_sealed(kept)
    assert content is not None and book(out).read(path) == fresh
    key = content.split(b"\n", 1)[0] + b"\n"
    marker = tmp_path / "ran"

    class Planted:
        def __reduce__(self) -> tuple[object, ...]:
            return (open, (str(marker), "w"))

    rows = [tuple(e) for e in fresh]
    for payload in (
        [Planted(), *rows[1:]],  # a call
        [(*rows[0][:8], "1700000000", *rows[0][9:]), *rows[1:]],  # mod as text
        [(*rows[0][:8], 1 << 70, *rows[0][9:]), *rows[1:]],  # mod past SQLite's integers
        [(*rows[0][:9], "unknown", rows[0][10]), *rows[1:]],  # a state no lock has
    ):
        planted = key + pickle.dumps(payload)
        for written in (planted, cache.seal(planted)):  # unsealed; sealed (a stolen key)
            kept.write_bytes(written)
            assert book(out).read(path) == fresh  # from the lock's own JSON
    assert not marker.exists()


def test_a_lock_changed_or_gone_after_it_was_read_is_written_anew(tmp_path: Path) -> None:
    """The shortcut for a lock that holds what the build would write looks at the file
    again: one replaced (a git checkout during a build) or deleted (during --watch) since it
    was read is written."""
    make(100, tmp_path / "v")
    out = tmp_path / "out"
    run(tmp_path / "v", out)
    path = tmp_path / "out.lock"
    b = book(out)
    entries = b.read(path)
    assert entries is not None
    original = path.read_bytes()
    path.write_bytes(original.replace(b"\n", b"\n\n", 3))  # the same entries, other bytes
    new = b.changed(path, entries)
    assert new is not None and b"".join(x + b"\n" for x in new.lines) == original
    path.write_bytes(original)
    assert b.read(path) == entries and b.changed(path, entries) is None
    # The same size, its time set back (cp -p, rsync -t, an archive): still seen as changed.
    st = path.stat()
    path.write_bytes(original.replace(b'"mod": 1700000000', b'"mod": 1700000001', 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert b.changed(path, entries) is not None
    path.write_bytes(original)
    assert b.read(path) == entries
    path.unlink()
    assert b.read(path) is None
    assert b.changed(path, entries) is not None


def test_a_failed_build_leaves_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not even the kept entries of its lock: a build that writes nothing leaves nothing,
    folders included, whether it stops before or after it has staged them."""
    make(100, tmp_path / "v")
    run(tmp_path / "v", tmp_path / "first")
    note = tmp_path / "v" / "note-0000.md"
    note.write_text(note.read_text("utf-8").replace("Concept 000010", "Concept 000010b"), "utf-8")

    def failing(out: Path, **kw: object) -> None:
        with pytest.raises(Dea2AnkiError):
            build([str(tmp_path / "v")], out, DEFAULTS, timestamp=T, cache=True, **kw)  # type: ignore[arg-type]
        assert not out.parent.exists()

    failing(tmp_path / "a" / "out", lock_path=tmp_path / "first.lock", locked=True)  # stale

    def refuse(*a: object, **kw: object) -> None:
        raise OSError(28, "No space left on device")

    staged: list[str] = []
    stage = cache_module.Cache.stage

    def spy(self: cache_module.Cache, entry: Path, content: bytes) -> None:
        staged.append(entry.name)
        stage(self, entry, content)

    monkeypatch.setattr(cache_module.Cache, "stage", spy)
    monkeypatch.setattr(build_module, "write_packages", refuse)
    failing(tmp_path / "b" / "out", lock_path=tmp_path / "first.lock")
    assert len(staged) == 1 and staged[0].startswith("lock-")  # staged, then let go


def test_a_line_spelt_by_hand_survives_rebuilds_from_the_kept_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock line written by hand (its keys in another order) is that entry's line for as
    long as the entry does not change, also when later builds read the lock from the parse
    they kept and rewrite it for another note's edit."""
    vault = tmp_path / "v"
    make(300, vault)
    out = tmp_path / "out"
    path = tmp_path / "out.lock"
    run(vault, out)
    lines = path.read_text("utf-8").split("\n")
    by_hand = json.dumps(dict(reversed(list(json.loads(lines[5]).items()))), ensure_ascii=False)
    lines[5] = by_hand
    path.write_text("\n".join(lines), "utf-8")
    term = json.loads(by_hand)["term"]
    parses: list[int] = []
    parse = lock._parse_entries
    monkeypatch.setattr(lock, "_parse_entries", lambda *a: parses.append(1) or parse(*a))

    def content(text: str, of: str) -> str:
        (found,) = [
            e["content"] for e in map(json.loads, text.split("\n")[1:-1]) if e["term"] == of
        ]
        return str(found)

    for n, other in enumerate(("Concept 000007", "Concept 000011")):
        assert other != term
        before = path.read_text("utf-8")
        note = vault / "note-0000.md"
        note.write_text(note.read_text("utf-8").replace(f"{other}** : ", f"{other}** : x{n} "))
        build([str(vault)], out, DEFAULTS, timestamp=T + 60 * (n + 1), lock_path=path)
        after = path.read_text("utf-8")
        assert content(after, other) != content(before, other)  # the lock was rewritten
        assert by_hand in after.split("\n")
    # The hand-spelt lock was parsed once; the next build read the parse kept of it.
    assert parses == [1]


def test_any_change_to_the_package_code_changes_the_cache_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also in subpackages (a stale cache after an upgrade would write old cards)."""
    copy = tmp_path / "dea2anki"
    shutil.copytree(cache_module._PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_module, "_PACKAGE", copy)
    before = cache_module._code_fingerprint()
    assert cache_module._code_fingerprint() == before
    (copy / "syntax" / "__pycache__").mkdir(exist_ok=True)
    (copy / "syntax" / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    assert cache_module._code_fingerprint() == before  # bytecode is not code
    for changed in ("syntax/concept.py", "write/card.css"):
        path = copy / changed
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert cache_module._code_fingerprint() != before, changed
        path.write_bytes(original)
    assert cache_module._code_fingerprint() == before


def test_git_ignores_the_cache_a_build_leaves_beside_its_package(seed_project, cli) -> None:
    subprocess.run(["git", "init", "-q"], check=True)
    assert cli("build", "-o", "DEA.apkg", epoch=T).code == 0
    assert (seed_project / ".dea2anki-cache").is_dir()
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert ".dea2anki-cache" not in status
    assert "DEA.apkg" in status  # the package is the user's to commit or not

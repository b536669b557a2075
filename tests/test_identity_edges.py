"""Identity, the lock and --locked, pinned where mutation testing (mutmut) showed no test
protected them.

Each group protects one behaviour a learner or maintainer relies on: GUIDs that never change,
a damaged lock reported at its line with a message that says what is wrong, a lock written
by hand read as it is meant, and ``--locked`` catching every kind of stale lock.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dea2anki.diagnostics import Dea2AnkiError
from dea2anki.identity import lock as lock_module
from dea2anki.identity.keys import deck_id, default_guid, identity_key, renumbered_guid
from dea2anki.identity.lock import LOCK_NAME, LockBook, write_lines
from dea2anki.identity.release import RETIRED_TAG, Release, lock_problem, make_release
from dea2anki.records import LockEntry

HEADER = json.dumps({"dea2anki-lock": 1, "about": "test"})
TAIL = (
    "; fix the line or delete the lock file to start over (identities of renamed concepts "
    "are then forgotten)"
)


def entry(term: str, **changes: object) -> LockEntry:
    """A valid lock entry for ``term`` (root deck "DEA Notes")."""
    e = LockEntry(
        guid="g-" + term,
        root="DEA Notes",
        term=term,
        deck="DEA Notes::Storage",
        source="DEA.md",
        block=None,
        definition="d" * 16,
        content="c" * 16,
        mod=1700000000,
    )
    return e._replace(**changes)  # type: ignore[arg-type]


def line(e: LockEntry) -> str:
    fields = {k: v for k, v in e._asdict().items() if k != "cloze" or v}
    return json.dumps(fields, ensure_ascii=False)


def write_lock(folder: Path, *lines: str) -> Path:
    path = folder / LOCK_NAME
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bad_lock(path: Path) -> tuple[int | None, str, str]:
    """(line, code, message) of the one diagnostic reading a damaged lock gives."""
    with pytest.raises(Dea2AnkiError) as info:
        LockBook().read(path)
    [d] = info.value.diagnostics
    assert d.path == str(path)
    return d.line, d.code, d.message


# --- GUIDs -------------------------------------------------------------------------------


def test_renumbered_guid_is_a_fixed_contract() -> None:
    """A learner who imported a deck in which a term was taken over by a renamed note owns a
    note with this GUID: if the rule changed, the next import would duplicate that card and
    lose its review history."""
    key = ("dea", "amazon athena")
    assert renumbered_guid(key, 2) == "r+i~]R0{Er"
    assert renumbered_guid(key, 3) == "f&SuYg(,j,"
    assert renumbered_guid(("dea", "aws glue"), 2) != renumbered_guid(key, 2)
    assert renumbered_guid(("other root", "amazon athena"), 2) != renumbered_guid(key, 2)
    assert default_guid(key, None) not in {renumbered_guid(key, n) for n in range(2, 6)}


def test_deck_ids_are_a_fixed_contract() -> None:
    """keys.py declares deck ids public once a deck is imported, and a package's bytes must
    not change between versions for the same notes: pin the rule (case-insensitive, offset
    by 2**40 so it never meets Anki's own small ids)."""
    assert deck_id("DEA Notes") == 152675122577279
    assert deck_id("dea notes") == 152675122577279
    assert deck_id("DEA Notes::Storage") == 176633049329889
    assert 2**40 <= deck_id("DEA Notes") < 2**40 + 2**48


# --- A damaged lock: where and what ----------------------------------------------------


def test_wrong_header_version_is_reported_at_line_1(tmp_path: Path) -> None:
    """A lock from another format version must not be read as this one (its entries could
    mean something else): the user is told which line and which version is expected."""
    path = write_lock(tmp_path, json.dumps({"dea2anki-lock": 2}), line(entry("Amazon S3")))
    assert bad_lock(path) == (
        1,
        "lock-invalid",
        "not a valid lock entry (first line must be the header with dea2anki-lock 1)" + TAIL,
    )


def test_an_entry_that_is_not_an_object_is_named_as_such(tmp_path: Path) -> None:
    """A line holding a JSON list (a bad hand edit or merge) says it is not an object."""
    path = write_lock(tmp_path, HEADER, line(entry("Amazon S3")), '["Amazon S3", 1]')
    assert bad_lock(path) == (
        3,
        "lock-invalid",
        "not a valid lock entry (expected a JSON object)" + TAIL,
    )


def test_an_entry_with_a_wrong_value_type_says_so(tmp_path: Path) -> None:
    """``"mod": "1700000000"`` (a string) is a wrong value type, reported as such."""
    path = write_lock(tmp_path, HEADER, line(entry("Amazon S3")._replace(mod="1700000000")))  # type: ignore[arg-type]
    assert bad_lock(path) == (
        2,
        "lock-invalid",
        "not a valid lock entry (wrong value types)" + TAIL,
    )


def test_an_entry_with_an_unknown_state_names_it(tmp_path: Path) -> None:
    """A state other than live, gone or retired is named in the message."""
    path = write_lock(tmp_path, HEADER, line(entry("Amazon S3", state="zombie")))
    assert bad_lock(path) == (
        2,
        "lock-invalid",
        "not a valid lock entry (unknown state 'zombie')" + TAIL,
    )


def test_an_entry_and_a_half_on_one_line_is_not_read_as_two(tmp_path: Path) -> None:
    """A line holding a whole entry and the start of the next (a broken merge), with the
    rest on the next line, is a damaged lock: it must not be read as two entries."""
    whole, split = line(entry("Amazon S3")), line(entry("AWS Glue"))
    cut = split.index(', "term"')
    path = write_lock(tmp_path, HEADER, whole + ", " + split[:cut], split[cut + 2 :])
    at, code, message = bad_lock(path)
    assert (at, code) == (2, "lock-invalid")
    assert message.startswith("not a valid lock entry (Extra data")


# --- A lock edited by hand: read as meant ------------------------------------------------


def test_hand_written_entries_read_with_their_own_values(tmp_path: Path) -> None:
    """Keys in another order, or without ``state``, are still the same entry: resolving a
    merge conflict by hand must not lose a note's identity or break the build."""
    athena, glue, s3 = entry("Amazon Athena"), entry("AWS Glue"), entry("Amazon S3")
    reordered = json.dumps(dict(reversed(list(athena._asdict().items()))))
    no_state = json.dumps({k: v for k, v in glue._asdict().items() if k != "state"})
    path = write_lock(tmp_path, HEADER, reordered, no_state, line(s3))
    assert LockBook().read(path) == (athena, glue, s3)


def test_repeated_texts_of_a_lock_are_shared_not_mixed_up(tmp_path: Path) -> None:
    """Each entry keeps its own root deck, deck and source; equal ones are held once (a
    --watch session keeps a lock of a hundred thousand notes in memory)."""
    a = entry("Amazon Athena", root="DEA Notes", deck="DEA Notes::Query", source="a/DEA.md")
    b = entry("AWS Glue", root="Other Notes", deck="Other Notes::ETL", source="b/Other.md")
    c = entry("Amazon S3", root="DEA Notes", deck="DEA Notes::Query", source="a/DEA.md")
    path = write_lock(tmp_path, HEADER, line(a), line(b), line(c))
    read = LockBook().read(path)
    assert read == (a, b, c)
    assert read is not None
    assert read[0].root is read[2].root
    assert read[0].deck is read[2].deck
    assert read[0].source is read[2].source


# --- Retired notes -----------------------------------------------------------------------


def test_a_retired_note_shows_its_deck_path_with_slashes() -> None:
    """A retired note tells the learner where it used to be: "DEA Notes / Storage"."""
    release = make_release([], [entry("Amazon S3")], timestamp=1800000000, retire=True)
    [note] = release.notes
    assert note.tags == (RETIRED_TAG,)
    assert note.fields.context == "DEA Notes / Storage"
    assert note.suspended


# --- --locked: every kind of stale lock --------------------------------------------------


def stale(old: list[LockEntry], new: list[LockEntry]) -> str | None:
    release = Release(notes=(), lock=tuple(new), events=(), diagnostics=())
    d = lock_problem(Path("notes/dea2anki.lock"), old, release)
    if d is None:
        return None
    assert (d.code, d.path, d.line) == ("lock-stale", "notes/dea2anki.lock", None)
    return d.message


def message(counts: str, shown: str) -> str:
    return (
        f"the lock is out of date with the notes ({counts}: {shown}); run `dea2anki build` "
        "with the same options (--retire too, if CI uses it) and commit the lock"
    )


def test_locked_catches_a_concept_added_alone() -> None:
    """CI with --locked must fail when a concept was added but the lock not rebuilt: else
    the shipped deck's new note has no identity recorded, and a rename loses its history."""
    s3, glue = entry("Amazon S3"), entry("AWS Glue")
    assert stale([s3], [s3]) is None
    assert stale([s3], [s3, glue]) == message("1 new, 0 changed, 0 removed", "'AWS Glue'")


def test_locked_catches_a_concept_removed_alone() -> None:
    s3, glue = entry("Amazon S3"), entry("AWS Glue")
    assert stale([s3, glue], [s3]) == message("0 new, 0 changed, 1 removed", "'AWS Glue'")


def test_locked_shows_five_terms_then_an_ellipsis() -> None:
    """The message lists at most five terms, comma-separated, and "..." only when there
    are more."""
    terms = [entry(t) for t in ("A1", "A2", "A3", "A4", "A5", "A6")]
    five = "'A1', 'A2', 'A3', 'A4', 'A5'"
    assert stale([], terms[:5]) == message("5 new, 0 changed, 0 removed", five)
    assert stale([], terms) == message("6 new, 0 changed, 0 removed", five + ", ...")
    assert stale([], terms[:2]) == message("2 new, 0 changed, 0 removed", "'A1', 'A2'")


# --- The lock on disk: line numbers, line ends, rewrites ---------------------------------


def test_damage_is_reported_at_its_physical_line(tmp_path: Path) -> None:
    """Blank lines and CRLF or CR line ends still count as lines: the user opens the file at
    the line the diagnostic names."""
    s3 = line(entry("Amazon S3"))
    for end in ("\n", "\r\n", "\r"):
        path = tmp_path / LOCK_NAME
        path.write_bytes(end.join([HEADER, "", s3, "  ", s3[:-1], ""]).encode())
        at, code, _ = bad_lock(path)
        assert (at, code) == (5, "lock-invalid"), repr(end)
        path.write_bytes(end.join([HEADER, "", s3, ""]).encode())
        assert LockBook().read(path) == (entry("Amazon S3"),), repr(end)


def save(book: LockBook, path: Path, entries: list[LockEntry]) -> None:
    """What a build does with the lock: write it when it changed."""
    new = book.changed(path, entries)
    if new is not None:
        with path.open("wb") as f:
            write_lines(f, new.lines)
        book.written(path, new)


def test_a_hand_edited_line_keeps_its_spelling(tmp_path: Path) -> None:
    """A line a user wrote by hand (keys in their own order) is neither rewritten when
    nothing changed, nor re-spelt when another note is added: the lock's diff shows only
    what the build changed."""
    athena, s3 = entry("Amazon Athena"), entry("Amazon S3")
    fresh = LockBook().changed(tmp_path / "none", [])
    assert fresh is not None
    header = fresh.lines[0].decode()
    by_hand = json.dumps(dict(reversed(list(athena._asdict().items()))))
    path = write_lock(tmp_path, header, by_hand)
    book = LockBook()
    assert book.read(path) == (athena,)
    assert book.changed(path, [athena]) is None
    # The same with Windows line ends, where the lock's bytes are compared (not taken as
    # this program's own): the hand-spelt line still makes the same lock, no rewrite.
    crlf = path.read_bytes()
    path.write_bytes(crlf.replace(b"\n", b"\r\n"))
    other = LockBook()
    assert other.read(path) == (athena,)
    assert other.changed(path, [athena]) is None
    path.write_bytes(crlf)
    save(book, path, [athena, s3])
    assert path.read_text("utf-8").splitlines() == [header, by_hand, line(s3)]


def test_a_lock_edited_after_it_was_written_is_read_again(tmp_path: Path) -> None:
    """In a --watch session the lock may change on disk (a git checkout): the next build
    reads what is there, not what it wrote last."""
    path = tmp_path / LOCK_NAME
    book = LockBook()
    s3 = entry("Amazon S3")
    save(book, path, [s3])
    assert book.read(path) == (s3,)
    edited = s3._replace(mod=1800000000)
    text = path.read_text("utf-8").replace("1700000000", "1800000000")
    path.write_text(text, "utf-8")
    assert book.read(path) == (edited,)


def test_a_large_crlf_lock_is_not_rewritten_whatever_its_chunking(tmp_path: Path) -> None:
    """A lock over 1 MiB checked out with CRLF (git autocrlf) is the same lock, even where
    a CR ends one read chunk and its LF starts the next: rewriting it would make every
    Windows build change a committed file."""
    notes = [entry(f"Term {i:05d}", definition="d" * 64) for i in range(6000)]
    for pad in range(200):
        padded = [entry("A" + "a" * pad), *notes]
        new = LockBook().changed(tmp_path / "none", padded)
        assert new is not None
        crlf = b"".join(x + b"\r\n" for x in new.lines)
        if crlf[(1 << 20) - 1 : (1 << 20) + 1] == b"\r\n":
            break
    else:
        pytest.fail("no padding puts a CRLF across the 1 MiB boundary")
    path = tmp_path / LOCK_NAME
    path.write_bytes(crlf)
    assert LockBook().changed(path, padded) is None
    assert LockBook().changed(path, padded[1:]) is not None


def test_a_lock_just_written_is_not_parsed_again(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A --watch session rebuilds on every save: reading back the lock it has just written
    must not cost a parse of a hundred thousand lines (LockBook's promise)."""
    path = tmp_path / LOCK_NAME
    book = LockBook()
    notes = [entry("Amazon S3"), entry("AWS Glue")]
    save(book, path, notes)

    def no_parse(lines: list[str]) -> None:
        raise AssertionError("the lock was parsed again")

    monkeypatch.setattr(lock_module, "_parse_entries", no_parse)
    assert book.read(path) == tuple(sorted(notes, key=lock_module.sort_key))


def test_a_lock_that_is_not_utf8_is_unreadable_and_says_why(tmp_path: Path) -> None:
    """A lock saved in another encoding is reported as unreadable, with the decoder's
    reason, not as a damaged line."""
    path = tmp_path / LOCK_NAME
    path.write_bytes(HEADER.encode() + b"\n\xff\n")
    assert bad_lock(path) == (
        None,
        "lock-unreadable",
        f"'utf-8' codec can't decode byte 0xff in position {len(HEADER) + 1}: invalid start byte",
    )


def test_a_lock_that_is_a_folder_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / LOCK_NAME
    path.mkdir()
    at, code, message = bad_lock(path)
    assert (at, code) == (None, "lock-unreadable")
    assert message.startswith("[Errno 21] Is a directory")


# --- What a build tells the user about each note -----------------------------------------


def test_build_names_every_kind_of_change_with_its_place(workdir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Each event line ends with the file:line of the concept, so the user can check that
    a rename, move or restore is what they meant; a case-only edit of a term is a change of
    the same note, not a rename."""
    notes = workdir / "notes"
    notes.mkdir()
    dea = notes / "D.md"
    steps = [
        (
            "# H\n\n- X : first : K ;\n- Gone : bye : K ;\n",
            ["  added: 'X', notes/D.md:3", "  added: 'Gone', notes/D.md:4"],
        ),
        (
            "# H\n\n- Y : first : K ;\n\n# I\n\n- X2 : x : K ;\n",
            [
                "  renamed: 'X' -> 'Y' (same definition), notes/D.md:3",
                "  added: 'X2', notes/D.md:7",
                "  retired: 'Gone', D.md",
            ],
        ),
        (
            "# H\n\n- Y : first changed : K ;\n\n# J\n\n- X2 : x : K ;\n- Gone : bye : K ;\n",
            [
                "  changed: 'Y', notes/D.md:3",
                "  moved: 'X2' D::I -> D::J, notes/D.md:7",
                "  restored: 'Gone', notes/D.md:8",
            ],
        ),
        (
            "# H\n\n- y : first changed : K ;\n\n# J\n\n- X2 : x : K ;\n- Gone : bye : K ;\n",
            ["  changed: 'y', notes/D.md:3"],
        ),
    ]
    for n, (text, events) in enumerate(steps):
        dea.write_text(text, encoding="utf-8")
        r = cli("build", "-v", "--retire", epoch=1700000000 + 60 * n)
        assert r.code == 0, r.err
        shown = [x for x in r.out.splitlines() if x.startswith("  ") and ".apkg" not in x]
        assert shown == events, n


def test_a_term_written_again_after_a_rename_gets_the_second_guid(workdir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """X renamed to Y keeps X's GUID; a new X then gets the second GUID of its key, a fixed
    value another machine building the same history must also reach."""
    (workdir / "notes").mkdir()
    dea = workdir / "notes" / "D.md"
    dea.write_text("# H\n\n- X : first : K ;\n", encoding="utf-8")
    assert cli("build", epoch=1700000000).code == 0
    dea.write_text("# H\n\n- Y : first : K ;\n", encoding="utf-8")
    assert cli("build", epoch=1700000060).code == 0
    dea.write_text("# H\n\n- Y : first : K ;\n- X : second : K ;\n", encoding="utf-8")
    assert cli("build", epoch=1700000120).code == 0
    lock = [json.loads(x) for x in (workdir / "notes" / LOCK_NAME).read_text("utf-8").splitlines()]
    guids = {e["term"]: e["guid"] for e in lock[1:]}
    root = lock[1]["root"]
    assert guids["Y"] == default_guid((identity_key(root), "x"), None)
    assert guids["X"] == renumbered_guid((identity_key(root), "x"), 2)


def test_a_restored_note_is_listed_under_its_new_deck(workdir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Release notes group changes by deck: a retired concept written again in another
    section is announced where the learner will find it."""
    (workdir / "notes").mkdir()
    dea = workdir / "notes" / "D.md"
    dea.write_text("# H\n\n- X : first : K ;\n- Gone : bye : K ;\n", encoding="utf-8")
    assert cli("build", epoch=1700000000).code == 0
    dea.write_text("# H\n\n- X : first : K ;\n", encoding="utf-8")
    assert cli("build", "--retire", epoch=1700000060).code == 0
    dea.write_text("# H\n\n- X : first : K ;\n\n# J\n\n- Gone : bye : K ;\n", encoding="utf-8")
    r = cli("changelog")
    assert (r.code, r.out) == (
        0,
        "# Release notes\n\n1 back again.\n\n## D::J\n\n- Back again: **Gone**\n",
    )

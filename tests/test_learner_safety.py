"""What a learner sees, where a silent bug would cost them: re-stamping, escaping, identity,
tags Anki cannot store, file modes and package names. Each test builds with the CLI and, where
it matters, imports into a real Anki collection (tests/ankiutil.py)."""

from __future__ import annotations

import json
import os
import stat
import unicodedata
from pathlib import Path

from ankiutil import Anki
from conftest import write

from dea2anki.write.apkg_read import read_apkg

T = 1_700_000_000


def lock_entries() -> dict[str, dict[str, object]]:
    lines = Path("notes/dea2anki.lock").read_text(encoding="utf-8").splitlines()[1:]
    return {e["term"]: e for e in map(json.loads, lines)}


def notes_of(pkg: Path) -> dict[str, object]:
    return {n.fields[0]: n for n in read_apkg(pkg)}


# --- a change of tags alone ----------------------------------------------------------------


def test_a_change_of_tags_alone_reaches_anki(workdir: Path, cli, anki: Anki) -> None:  # type: ignore[no-untyped-def]
    write("notes/D.md", "# H\n\n- Athena : serverless SQL : DEA ; AWS\n- Glue : ETL : DEA ; AWS\n")
    assert cli("build", epoch=T).code == 0
    before = lock_entries()
    assert anki.import_package(Path("build/D.apkg")).new == 2
    write("notes/D.md", "# H\n\n- Athena : serverless SQL : DEA ; GCP\n- Glue : ETL : DEA ; AWS\n")
    r = cli("build", epoch=T + 60)
    assert r.code == 0 and "0 new, 1 updated" in r.out
    after = lock_entries()
    assert after["Athena"]["content"] != before["Athena"]["content"]
    assert after["Athena"]["mod"] == T + 60 and after["Glue"]["mod"] == T
    log = anki.import_package(Path("build/D.apkg"))
    assert (log.new, log.updated) == (0, 1)
    assert anki.notes()["Athena"]["tags"] == ["DEA", "GCP"]
    assert anki.notes()["Glue"]["tags"] == ["AWS", "DEA"]


# --- escaping ------------------------------------------------------------------------------


def test_headings_wikilinks_and_image_sources_cannot_inject_html(  # type: ignore[no-untyped-def]
    workdir: Path, cli, anki: Anki
) -> None:
    write(
        "notes/X.md",
        "# R&D <b\n\n"
        "- Term : see [[<img src=x onerror=alert(1)>]] and ![x](javascript:alert(1)) : K ;\n",
    )
    assert cli("build", epoch=T).code == 0
    anki.import_package(Path("build/X.apkg"))
    fields = anki.notes()["Term"]["fields"]
    assert fields["Context"] == "R&amp;D &lt;b"
    definition = fields["Definition"]
    assert definition.startswith("see &lt;img src=x onerror=alert(1)&gt; and <img ")
    assert "javascript" not in definition and "<img src=x" not in definition
    assert '<img src="#harmful-link" alt="x">' in definition
    # What the card shows: Anki renders the fields as HTML, and the only element is ours.
    card = anki.notes()["Term"]["cards"][0]
    answer = card.answer()
    assert "onerror=alert(1)&gt;" in answer and "<img src=x" not in answer


# --- identity ------------------------------------------------------------------------------


def test_a_term_that_left_two_root_decks_is_new_in_a_third(workdir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    write("notes/A.md", "# H\n\n- Shard : a unit of a stream : K ;\n")
    write("notes/B.md", "# H\n\n- Shard : a unit of a stream : K ;\n")
    assert cli("build", epoch=T).code == 0
    guids = {e["root"]: e["guid"] for e in map(json.loads, _lock_lines())}
    Path("notes/A.md").unlink()
    Path("notes/B.md").unlink()
    write("notes/C.md", "# H\n\n- Shard : a unit of a stream : K ;\n")
    r = cli("build", "-v", epoch=T + 60)
    assert r.code == 0 and "added: 'Shard'" in r.out and "moved" not in r.out
    (note,) = read_apkg(Path("build/C.apkg"))
    assert note.guid not in (guids["A"], guids["B"])


def _lock_lines() -> list[str]:
    return Path("notes/dea2anki.lock").read_text(encoding="utf-8").splitlines()[1:]


def test_two_new_terms_sharing_a_gone_definition_are_not_a_rename(workdir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    write("notes/D.md", "# H\n\n- Old : the same words : K ;\n")
    assert cli("build", epoch=T).code == 0
    old_guid = lock_entries()["Old"]["guid"]
    write("notes/D.md", "# H\n\n- New1 : the same words : K ;\n- New2 : the same words : K ;\n")
    r = cli("build", "-v", epoch=T + 60)
    assert r.code == 0 and "renamed" not in r.out
    assert "added: 'New1'" in r.out and "added: 'New2'" in r.out
    assert old_guid not in {n.guid for n in read_apkg(Path("build/D.apkg"))}
    assert lock_entries()["Old"]["state"] == "gone"


def test_rename_and_recreate_twice_never_shares_a_guid(workdir: Path, cli, anki: Anki) -> None:  # type: ignore[no-untyped-def]
    """X renamed to Y keeps X's GUID; X written again gets the next one; X renamed again to
    Z keeps that; X written a third time must get a GUID neither Y nor Z has."""
    steps = [
        ("- X : first : K ;\n", "added: 'X'"),
        ("- Y : first : K ;\n", "renamed: 'X' -> 'Y'"),
        ("- Y : first : K ;\n- X : second : K ;\n", "added: 'X'"),
        ("- Y : first : K ;\n- Z : second : K ;\n", "renamed: 'X' -> 'Z'"),
        ("- Y : first : K ;\n- Z : second : K ;\n- X : third : K ;\n", "added: 'X'"),
    ]
    for n, (items, event) in enumerate(steps):
        write("notes/D.md", "# H\n\n" + items)
        r = cli("build", "-v", epoch=T + 60 * n)
        assert r.code == 0 and event in r.out, (n, r.out)
        anki.import_package(Path("build/D.apkg"))
    guids = [n.guid for n in read_apkg(Path("build/D.apkg"))]
    assert len(guids) == len(set(guids)) == 3
    notes = anki.notes()
    assert set(notes) == {"X", "Y", "Z"}
    definitions = {term: note["fields"]["Definition"] for term, note in notes.items()}
    assert definitions == {"X": "third", "Y": "first", "Z": "second"}


def test_a_term_respelled_in_another_unicode_form_is_the_same_note(workdir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    nfc = "서버리스"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    write("notes/D.md", f"# H\n\n- {nfd} : 쿼리 : K ;\n")
    assert cli("build", epoch=T).code == 0
    (before,) = read_apkg(Path("build/D.apkg"))
    write("notes/D.md", f"# H\n\n- {nfc} : 쿼리 : K ;\n")
    r = cli("build", epoch=T + 60)
    assert r.code == 0 and "0 new" in r.out
    (after,) = read_apkg(Path("build/D.apkg"))
    assert after.guid == before.guid


# --- tags ----------------------------------------------------------------------------------


def test_invisible_characters_in_tags_are_dropped_with_a_warning(  # type: ignore[no-untyped-def]
    workdir: Path, cli, anki: Anki
) -> None:
    # Only the frontmatter can carry them: a concept line's tag list is word characters.
    write(
        "notes/D.md",
        '---\ntags: ["\\ufeffexam", "DE\\u200bA", "AWS\\u2060"]\n---\n# H\n\n- T : d : K ;\n',
    )
    r = cli("build", epoch=T)
    assert r.code == 0
    assert r.err.count("[tag-invalid]") == 3, r.err
    # The message shows the invisible character, as Python escapes it.
    assert r"tag 'DE\u200bA' has characters Anki cannot store; using 'DEA'" in r.err
    assert r"tag '\ufeffexam' has characters Anki cannot store; using 'exam'" in r.err
    anki.import_package(Path("build/D.apkg"))
    assert anki.notes()["T"]["tags"] == ["AWS", "DEA", "K", "exam"]


# --- files ---------------------------------------------------------------------------------


def test_packages_and_the_lock_are_readable_by_everyone(workdir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    old = os.umask(0o077)  # a strict umask must not make a release private
    try:
        write("notes/D.md", "# H\n\n- T : d : K ;\n")
        assert cli("build", epoch=T).code == 0
    finally:
        os.umask(old)
    for path in (Path("build/D.apkg"), Path("notes/dea2anki.lock")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_root_decks_whose_package_names_differ_only_by_case_share_one(  # type: ignore[no-untyped-def]
    workdir: Path, cli, anki: Anki
) -> None:
    """On a case-insensitive file system Deck_x.apkg and deck_X.apkg are one file: one
    package must hold both decks instead of the second overwriting the first."""
    write("notes/one.md", "---\ndeck: Deck/x\n---\n# H\n\n- One : first : K ;\n")
    write("notes/two.md", "---\ndeck: deck:X\n---\n# H\n\n- Two : second : K ;\n")
    r = cli("build", epoch=T)
    assert r.code == 0, r.err
    assert sorted(p.name for p in Path("build").glob("*.apkg")) == ["Deck_x.apkg"]
    assert anki.import_package(Path("build/Deck_x.apkg")).new == 2
    assert {"Deck/x::H", "deck:X::H"} <= anki.deck_names()


# --- behaviours that rested on a single test -------------------------------------------------


def test_retired_cards_reach_anki_tagged_and_new_learners_get_them_suspended(  # type: ignore[no-untyped-def]
    workdir: Path, cli, anki: Anki, tmp_path: Path
) -> None:
    write("notes/D.md", "# H\n\n- Keep : k : K ;\n- Drop : d : K ;\n")
    assert cli("build", epoch=T).code == 0
    anki.import_package(Path("build/D.apkg"))
    write("notes/D.md", "# H\n\n- Keep : k : K ;\n")
    assert cli("build", "--retire", epoch=T + 60).code == 0
    # A learner who has the note: it is updated and tagged (Anki leaves card states alone).
    log = anki.import_package(Path("build/D.apkg"))
    assert (log.new, log.updated) == (0, 1)
    notes = anki.notes()
    assert "dea2anki::retired" in notes["Drop"]["tags"]
    assert notes["Drop"]["fields"]["Definition"].startswith("<i>Retired: ")
    # A learner importing for the first time, with "Import any learning progress": the
    # retired card arrives suspended, the live one does not.
    fresh = Anki(tmp_path / "fresh-profile")
    try:
        assert fresh.import_package(Path("build/D.apkg"), with_scheduling=True).new == 2
        queues = {term: [c.queue for c in n["cards"]] for term, n in fresh.notes().items()}
        assert queues == {"Keep": [0], "Drop": [-1]}
    finally:
        fresh.close()


def test_a_failed_package_write_leaves_the_lock_as_it_was(workdir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    write("notes/A.md", "# H\n\n- Alpha : a : K ;\n")
    write("notes/B.md", "# H\n\n- Beta : b : K ;\n")
    assert cli("build", epoch=T).code == 0
    lock = Path("notes/dea2anki.lock").read_bytes()
    a_pkg = Path("build/A.apkg").read_bytes()
    write("notes/A.md", "# H\n\n- Alpha : a changed : K ;\n")
    Path("build/B.apkg").unlink()
    Path("build/B.apkg").mkdir()  # B's package cannot be written
    r = cli("build", epoch=T + 60)
    assert r.code == 1 and "[write-failed]" in r.err
    assert Path("notes/dea2anki.lock").read_bytes() == lock
    assert Path("build/A.apkg").read_bytes() == a_pkg
    assert not [p for p in Path("build").iterdir() if p.name.endswith(".tmp")]


def test_a_concept_whose_definition_is_removed_keeps_its_note(workdir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    write("notes/D.md", "# H\n\n- Athena : sql : K ;\n- Glue : etl : K ;\n")
    assert cli("build", epoch=T).code == 0
    guid = lock_entries()["Athena"]["guid"]
    write("notes/D.md", "# H\n\n- Athena : K ;\n- Glue : etl : K ;\n")
    r = cli("build", epoch=T + 60)
    assert r.code == 0 and "concept-gone" not in r.err and "[empty-definition]" in r.err
    assert lock_entries()["Athena"]["state"] == "live"
    write("notes/D.md", "# H\n\n- Athena : sql again : K ;\n- Glue : etl : K ;\n")
    r = cli("build", epoch=T + 120)
    assert r.code == 0 and "0 new, 1 updated" in r.out
    assert notes_of(Path("build/D.apkg"))["Athena"].guid == guid  # type: ignore[attr-defined]


def test_locked_fails_on_an_edited_definition_and_writes_nothing(workdir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    write("notes/D.md", "# H\n\n- Athena : sql : K ;\n")
    assert cli("build", epoch=T).code == 0
    lock, pkg = Path("notes/dea2anki.lock").read_bytes(), Path("build/D.apkg").read_bytes()
    write("notes/D.md", "# H\n\n- Athena : serverless sql : K ;\n")
    r = cli("build", "--locked", epoch=T + 60)
    assert r.code == 1
    assert "(0 new, 1 changed, 0 removed: 'Athena')" in r.err and "[lock-stale]" in r.err
    assert Path("notes/dea2anki.lock").read_bytes() == lock
    assert Path("build/D.apkg").read_bytes() == pkg


def test_a_lock_checked_out_with_crlf_is_not_rewritten(workdir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    write("notes/D.md", "# H\n\n- Athena : sql : K ;\n- Glue : etl : K ;\n")
    assert cli("build", epoch=T).code == 0
    lock = Path("notes/dea2anki.lock")
    crlf = lock.read_bytes().replace(b"\n", b"\r\n")
    lock.write_bytes(crlf)
    r = cli("build", epoch=T + 60)
    assert r.code == 0 and "Lock notes/dea2anki.lock unchanged: 0 new, 0 updated" in r.out
    assert lock.read_bytes() == crlf
    assert cli("build", "--locked", epoch=T + 120).code == 0


def test_a_build_of_one_file_still_sees_that_another_file_was_deleted(workdir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    write("notes/A.md", "# H\n\n- Alpha : a : K ;\n")
    write("notes/B.md", "# H\n\n- Beta : b : K ;\n")
    write("notes/C.md", "# H\n\n- Gamma : c : K ;\n")
    assert cli("build", epoch=T).code == 0
    Path("notes/B.md").unlink()
    r = cli("build", "notes/A.md", epoch=T + 60)
    assert r.code == 0 and "concept 'Beta' is no longer in the notes" in r.err
    states = {term: e["state"] for term, e in lock_entries().items()}
    assert states == {"Alpha": "live", "Beta": "gone", "Gamma": "live"}

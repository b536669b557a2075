"""sync and pull where a learner's own choices meet changes of the notes: the three-way
comparison (Anki, the notes, what sync last wrote), a build in between, a collection that
imported packages first, decks the learner chose, cards they (un)suspended, and files with
other line ends. Every case reads a real collection back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import write
from test_sync import COL, Syncer, anki_open, by_term, edit, held_open, line_of, summary

from dea2anki.identity.release import RETIRED_TAG

T = 1_700_000_000
DEA = Path("notes/DEA.md")


@pytest.fixture
def sync(seed_project, cli) -> Syncer:  # type: ignore[no-untyped-def]
    with anki_open():
        pass
    run = Syncer(cli)
    run()
    return run


def in_anki(term: str, **change: str) -> None:
    """Edit a note as the learner would in Anki: field=new text, or tag=new tag."""
    with anki_open() as col:
        note = col.col.get_note(by_term(col)[term]["id"])
        for name, value in change.items():
            if name == "tag":
                note.tags.append(value)
            else:
                note[name] = value
        col.col.update_note(note)


def field_of(term: str, name: str) -> str:
    with anki_open() as col:
        return str(by_term(col)[term]["fields"][name])


def test_an_edit_in_anki_and_another_field_changed_in_the_notes_both_stay(sync, cli) -> None:
    in_anki("Amazon Athena", tag="hard")
    edit(DEA, "Pay-per-query :", "Pay-per-query. Presto 기반 :")
    s = summary(sync().out)
    assert (s["updated"], s["kept edit"], s["conflict"]) == (1, 1, 0)
    with anki_open() as col:
        athena = by_term(col)["Amazon Athena"]
        assert "Presto" in athena["fields"]["Definition"] and "hard" in athena["tags"]
    # pull brings only the tag: the newer definition in the notes stays.
    r = cli("pull", "--collection", str(COL), "--write", epoch=T + 10**6)
    assert r.code == 0, r.err
    line = line_of(DEA, "- **Amazon Athena**")
    assert "Presto 기반 : DEA ; AWS ; hard" in line
    s = summary(sync().out)
    assert (s["updated"], s["kept edit"], s["conflict"]) == (0, 0, 0)


def test_pull_never_undoes_a_change_of_the_notes(sync, cli) -> None:
    in_anki("Broker Node", Definition="changed in Anki")
    edit(DEA, "토픽과 파티션을 관리한다.", "토픽과 파티션을 관리한다 (v2).")
    before = DEA.read_bytes()
    r = cli("pull", "--collection", str(COL), "--write", epoch=T + 10**6)
    assert r.code == 0 and "[sync-conflict]" in r.err and "'Broker Node'" in r.err
    assert DEA.read_bytes() == before


def test_a_build_between_two_syncs_hides_no_conflict(sync, cli) -> None:
    edit(DEA, "토픽과 파티션을 관리한다.", "토픽과 파티션을 관리한다 (v2).")
    assert cli("build", epoch=T + 5000).code == 0  # the lock moves on; Anki does not
    in_anki("Broker Node", Definition="changed in Anki")
    r = sync()
    assert summary(r.out)["conflict"] == 1 and "[sync-conflict]" in r.err
    assert field_of("Broker Node", "Definition") == "changed in Anki"


def test_a_collection_that_imported_an_older_package_gets_the_notes_changes(
    seed_project, cli
) -> None:
    assert cli("build", epoch=T).code == 0
    with anki_open() as col:
        # A tag Anki already knows in another spelling: it keeps that one (ANKI_FACTS).
        basic = col.col.models.by_name("Basic")
        assert basic is not None
        other = col.col.new_note(basic)
        other["Front"], other.tags = "x", ["aws"]
        col.col.add_note(other, col.col.decks.id("Other") or 1)  # type: ignore[arg-type]
        col.import_package(Path("build/DEA.apkg"))
        assert "aws" in by_term(col)["Amazon Athena"]["tags"]
    edit(DEA, "Pay-per-query :", "Pay-per-query. Presto 기반 :")
    assert cli("build", epoch=T + 5000).code == 0  # built, never imported
    s = summary(Syncer(cli)().out)
    assert (s["updated"], s["kept edit"], s["conflict"], s["added"]) == (1, 0, 0, 0)
    assert "Presto" in field_of("Amazon Athena", "Definition")


def test_a_deck_the_learner_chose_for_a_card_stays_theirs(sync) -> None:
    with anki_open() as col:
        card = by_term(col)["Amazon Athena"]["cards"][0]
        mine = col.col.decks.id("My hard cards")
        assert mine is not None
        col.col.set_deck([card.id], mine)
    assert summary(sync().out)["moved"] == 0
    # The concept moves in the notes: its card is where the learner put it, and stays.
    athena = line_of(DEA, "- **Amazon Athena**")
    edit(DEA, athena + "\n", "")
    edit(DEA, "## Amazon EMR\n", f"## Amazon EMR\n\n**_Concept_**\n\n{athena}\n")
    sync()
    with anki_open() as col:
        assert col.col.decks.name(col.col.get_card(card.id).did) == "My hard cards"


def test_suspensions_the_learner_made_are_theirs(sync) -> None:
    zk = line_of(DEA, "- **Zookeepr Node**")
    with anki_open() as col:
        reverse_off = by_term(col)["Zookeepr Node"]["cards"][0].id
    edit(DEA, zk + "\n", "")
    sync()
    with anki_open() as col:  # the learner wants to keep studying it
        col.col.sched.unsuspend_cards([reverse_off])
    sync()
    with anki_open() as col:
        assert col.col.get_card(reverse_off).queue != -1
    # Suspended by the learner, retired, then back: sync unsuspends only what it suspended.
    with anki_open() as col:
        athena = by_term(col)["Amazon Athena"]["cards"][0].id
        col.col.sched.suspend_cards([athena])
    athena_line = line_of(DEA, "- **Amazon Athena**")
    edit(DEA, athena_line + "\n", "")
    sync()
    edit(DEA, "- **Broker Node**", athena_line + "\n- **Broker Node**")
    assert summary(sync().out)["restored"] == 1
    with anki_open() as col:
        note = by_term(col)["Amazon Athena"]
        assert RETIRED_TAG not in note["tags"]
        assert col.col.get_card(athena).queue == -1


def test_pull_keeps_line_ends_and_the_tags_as_written(workdir, cli) -> None:
    text = "# T\r\n\r\n**_Concept_**\r\n\r\n- **alpha** : first : Data Engineering ; AWS\r\n"
    write("notes/T.md", text.encode())
    write("notes/U.md", b"# U\r- **beta** : second : K ; L\r")  # old Mac line ends
    with anki_open():
        pass
    Syncer(cli)()
    in_anki("alpha", tag="extra")
    in_anki("beta", Definition="second (edited)")
    r = cli("pull", "--collection", str(COL), "--write", epoch=T + 10**6)
    assert r.code == 0, r.err
    assert (
        Path("notes/T.md").read_bytes()
        == text.replace("Data Engineering ; AWS\r\n", "Data Engineering ; AWS ; extra\r\n").encode()
    )
    assert Path("notes/U.md").read_bytes() == b"# U\r- **beta** : second (edited) : K ; L\r"


def test_pull_leaves_unedited_text_in_its_own_normal_form(workdir, cli) -> None:
    nfd = "- **cafe\u0301** : a place : K ; L\n"
    write("notes/N.md", "# N\n\n" + nfd)
    with anki_open():
        pass
    Syncer(cli)()
    in_anki("café", Definition="a place for coffee")
    assert cli("pull", "--collection", str(COL), "--write", epoch=T + 10**6).code == 0
    assert (
        Path("notes/N.md").read_text("utf-8")
        == "# N\n\n- **cafe\u0301** : a place for coffee : K ; L\n"
    )


def test_a_failed_pull_writes_no_file_and_no_lock(sync, cli, monkeypatch) -> None:
    from dea2anki.pipeline import pull as pull_module

    in_anki("Zookeepr Node", Term="ZooKeeper Node")
    files = [DEA, Path("notes/dea2anki.lock"), COL]
    before = [p.read_bytes() for p in files]

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    with monkeypatch.context() as patched:
        patched.setattr(pull_module, "apply_sync", broken)
        r = cli("pull", "--collection", str(COL), "--write", epoch=T + 10**6)
    assert r.code == 1 and "Anki refused the pull, and nothing was written" in r.err
    assert [p.read_bytes() for p in files[:2]] == before[:2]
    # Nothing half-done: the next sync neither retires the note nor adds a twin.
    s = summary(sync().out)
    assert (s["added"], s["suspended"], s["kept edit"]) == (0, 0, 1)


def test_a_lock_that_cannot_be_renamed_is_said_after_the_collection_synced(
    sync, monkeypatch
) -> None:
    edit(DEA, "Pay-per-query :", "Pay-per-query! :")
    stale = Path("notes/dea2anki.lock").read_bytes()
    real = os.replace

    def refuse_lock(src, dst):  # type: ignore[no-untyped-def]
        if str(dst).endswith("dea2anki.lock"):
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst)

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", refuse_lock)
        r = sync(code=1)
    assert "the collection was synced, but the lock was not updated" in r.err
    assert "Sync failed: 1 error; the collection was synced, but no lock was written." in r.err
    assert "Pay-per-query!" in field_of("Amazon Athena", "Definition")
    assert Path("notes/dea2anki.lock").read_bytes() == stale
    r = sync()  # as the message says: nothing to change, and the lock is written
    assert summary(r.out)["updated"] == 0
    assert Path("notes/dea2anki.lock").read_bytes() != stale


def test_a_dry_run_refuses_a_collection_open_in_anki(sync) -> None:
    with held_open():
        r = sync("--dry-run", code=1)
        assert "[collection-open]" in r.err


def test_a_state_from_a_newer_dea2anki_is_refused_not_overwritten(sync) -> None:
    with anki_open() as col:
        col.col.set_config("dea2anki-sync", {"version": 2, "notes": {}})
    r = sync(code=1)
    assert "upgrade dea2anki" in r.err and "[collection-unusable]" in r.err
    with anki_open() as col:
        assert col.col.get_config("dea2anki-sync") == {"version": 2, "notes": {}}

"""``dea2anki sync``: the notes written straight into a real Anki collection (Anki's own
library), whose cards have review history. Every assertion reads the collection back."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from anki.decks import DeckId
from ankiutil import Anki
from conftest import write
from test_release_replay import edit, line_of, text

from dea2anki.identity.release import RETIRED_TAG
from dea2anki.write.apkg_read import read_apkg
from dea2anki.write.collection import anki_base, profile_collection
from dea2anki.write.notetype import MODEL_ID

T = 1_700_000_000
COL = Path("profile/collection.anki2")
ATHENA_DECK = "DEA::Analytics::Amazon Athena"


@contextmanager
def anki_open(path: Path = COL) -> Iterator[Anki]:
    """The collection, open only for the block: a sync needs it closed, as Anki must be."""
    col = Anki(path.parent)
    try:
        yield col
    finally:
        col.close()


def by_term(col: Anki) -> dict[str, dict]:  # type: ignore[type-arg]
    return {text(k): v for k, v in col.notes().items()}


@contextmanager
def held_open(path: Path = COL) -> Iterator[None]:
    """The collection held open by another process, as Anki desktop holds it."""
    code = textwrap.dedent(
        f"""
        import sys
        from anki.collection import Collection
        col = Collection({str(path.resolve())!r})
        print("open", flush=True)
        sys.stdin.readline()
        col.close()
        """
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "open"
        yield
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)


class Syncer:
    def __init__(self, cli) -> None:  # type: ignore[no-untyped-def]
        self.cli = cli
        self.epoch = T

    def __call__(self, *args: str, code: int = 0):  # type: ignore[no-untyped-def]
        self.epoch += 3600
        r = self.cli("sync", "--collection", str(COL), *args, epoch=self.epoch)
        assert r.code == code, r.err + r.out
        return r


@pytest.fixture
def sync(seed_project, cli) -> Syncer:  # type: ignore[no-untyped-def]
    with anki_open():
        pass  # a fresh, empty collection
    return Syncer(cli)


def summary(out: str) -> dict[str, int]:
    """The summary's counts by name, in the singular ("kept edit", "conflict")."""
    found = re.findall(r"(\d+) ([a-z]+(?: edits?)?)", out)
    return {k.removesuffix("s"): int(n) for n, k in found}


def test_first_sync_adds_what_a_package_would_and_a_second_changes_nothing(sync, cli) -> None:
    r = sync()
    assert summary(r.out)["added"] == 29
    assert cli("build", epoch=T).code == 0
    package = read_apkg(Path("build/DEA.apkg"))
    with anki_open() as col:
        notes = col.notes()
        assert {n["guid"] for n in notes.values()} == {n.guid for n in package}
        assert {n["notetype"] for n in notes.values()} == {"dea2anki Concept"}
        assert col.col.models.get(MODEL_ID) is not None  # type: ignore[arg-type]
        athena = by_term(col)["Amazon Athena"]
        assert athena["decks"] == [ATHENA_DECK]
        packaged = next(p for p in package if p.guid == athena["guid"])
        assert athena["tags"] == sorted(packaged.tags) and "AWS" in athena["tags"]
        assert tuple(athena["fields"].values()) == packaged.fields
        mods = {n["guid"]: col.col.get_note(n["id"]).mod for n in notes.values()}
    assert Path("profile/backups").is_dir() and list(Path("profile/backups").iterdir())
    r = sync()
    assert summary(r.out) | {"unchanged": 0} == {
        "added": 0, "updated": 0, "moved": 0, "suspended": 0, "deleted": 0, "restored": 0,
        "kept edit": 0, "conflict": 0, "unchanged": 0,
    }  # fmt: skip
    assert "(29 unchanged)" in r.out
    with anki_open() as col:
        assert {n["guid"]: col.col.get_note(n["id"]).mod for n in col.notes().values()} == mods


def test_moves_keep_scheduling_and_history_even_from_a_filtered_deck(sync) -> None:
    dea = Path("notes/DEA.md")
    sync()
    with anki_open() as col:
        reviewed = col.review_first_new(ATHENA_DECK)
        interval, due = reviewed.ivl, reviewed.due
        broker = by_term(col)["Broker Node"]["cards"][0].id
        # The learner cram-studies the Kafka cards in a filtered deck.
        filtered = col.col.sched.get_or_create_filtered_deck(DeckId(0))
        filtered.name = "Cram"
        filtered.config.search_terms[0].search = '"deck:DEA::Analytics_Stream::*"'
        cram = col.col.sched.add_or_update_filtered_deck(filtered).id
        assert col.col.get_card(broker).did == cram
    athena = line_of(dea, "- **Amazon Athena**")
    edit(dea, athena + "\n", "")
    edit(dea, "## Amazon EMR\n", f"## Amazon EMR\n\n**_Concept_**\n\n{athena}\n")
    broker_line = line_of(dea, "- **Broker Node**")
    edit(dea, broker_line + "\n", "")
    edit(dea, "## Amazon SNS\n", f"## Amazon SNS\n\n**_Concept_**\n\n{broker_line}\n")
    r = sync()
    assert summary(r.out)["moved"] == 2 and summary(r.out)["added"] == 0
    with anki_open() as col:
        card = col.col.get_card(reviewed.id)
        assert col.col.decks.name(card.did) == "DEA::Analytics::Amazon EMR"
        assert (card.ivl, card.due, card.reps) == (interval, due, 1)
        assert col.revlog_count(card.id) == 1
        moved = col.col.get_card(broker)
        assert moved.did == cram  # still being crammed...
        sns = col.col.decks.id_for_name("DEA::Application Integration::Amazon SNS")
        assert moved.odid == sns  # ...and goes home to its new deck
        col.col.sched.empty_filtered_deck(cram)
        assert col.col.get_card(broker).did == sns
        assert len(col.notes()) == 29


def test_gone_concepts_are_suspended_and_tagged_or_pruned(sync, cli) -> None:
    dea = Path("notes/DEA.md")
    sync()
    edit(dea, line_of(dea, "- **Zookeepr Node**") + "\n", "")
    r = sync()
    assert summary(r.out)["suspended"] == 1
    with anki_open() as col:
        zk = by_term(col)["Zookeepr Node"]
        assert RETIRED_TAG in zk["tags"]
        assert all(c.queue == -1 for c in zk["cards"])
        assert text(zk["fields"]["Definition"]).startswith("분산시스템")  # content kept
    assert '"state": "retired"' in line_of(Path("notes/dea2anki.lock"), '{"guid"') or any(
        '"Zookeepr Node"' in x and '"retired"' in x
        for x in Path("notes/dea2anki.lock").read_text("utf-8").splitlines()
    )
    assert summary(sync().out)["suspended"] == 0  # already done
    # --prune without a terminal and without --yes: refused, nothing written.
    before = COL.read_bytes()
    r = sync("--prune", code=1)
    assert "add --yes" in r.err and COL.read_bytes() == before
    r = sync("--prune", "--yes")
    assert summary(r.out)["deleted"] == 1
    with anki_open() as col:
        assert "Zookeepr Node" not in by_term(col) and len(col.notes()) == 28
    # It comes back: a new note with its old GUID, nothing else touched.
    edit(
        dea,
        "- **Broker Node**",
        "- **Zookeepr Node** : 분산시스템 조정을 위한 노드 : DEA\n- **Broker Node**",
    )
    r = sync()
    assert summary(r.out)["added"] == 1 and "(28 unchanged)" in r.out


def test_a_retired_concept_that_returns_is_unsuspended(sync) -> None:
    dea = Path("notes/DEA.md")
    sync()
    zk = line_of(dea, "- **Zookeepr Node**")
    edit(dea, zk + "\n", "")
    sync()
    edit(dea, "- **Broker Node**", zk + "\n- **Broker Node**")
    r = sync()
    assert summary(r.out)["restored"] == 1
    with anki_open() as col:
        note = by_term(col)["Zookeepr Node"]
        assert RETIRED_TAG not in note["tags"] and all(c.queue == 0 for c in note["cards"])


def test_learner_edits_survive_and_conflicts_keep_both_sides(sync) -> None:
    dea = Path("notes/DEA.md")
    sync()
    with anki_open() as col:
        firehose = col.col.get_note(by_term(col)["Kinesis Data Firehose"]["id"])
        firehose["Definition"] += " <b>(내 메모)</b>"
        col.col.update_note(firehose)
        athena = col.col.get_note(by_term(col)["Amazon Athena"]["id"])
        athena.tags.append("mine")
        col.col.update_note(athena)
        mine = firehose["Definition"]
    r = sync()
    assert summary(r.out)["kept edit"] == 2 and summary(r.out)["updated"] == 0
    assert "'Kinesis Data Firehose' was edited in Anki; kept (run `dea2anki pull`" in r.err
    assert "[edited-in-anki]" in r.err and "notes/DEA.md:138:" in r.err
    # The notes change the same note: a conflict, reported with both versions.
    edit(dea, "데이터 전송에 중점 :", "데이터 전송에 중점 (v2) :")
    # ...and another note, not edited in Anki: updated as usual.
    edit(dea, "토픽과 파티션을 관리한다.", "토픽과 파티션을 관리한다 (v2).")
    r = sync()
    s = summary(r.out)
    assert (s["updated"], s["conflict"], s["kept edit"]) == (1, 1, 1)
    assert "[sync-conflict]" in r.err and "(내 메모)" in r.err and "(v2)" in r.err
    with anki_open() as col:
        notes = by_term(col)
        assert notes["Kinesis Data Firehose"]["fields"]["Definition"] == mine
        assert "mine" in notes["Amazon Athena"]["tags"]
        assert "(v2)" in notes["Broker Node"]["fields"]["Definition"]
    # Still a conflict next time (the lock kept its old entry), until resolved.
    assert summary(sync().out)["conflict"] == 1
    r = sync("--prefer", "source")
    assert summary(r.out)["updated"] == 2
    with anki_open() as col:
        notes = by_term(col)
        assert text(notes["Kinesis Data Firehose"]["fields"]["Definition"]).endswith("(v2)")
        assert "mine" not in notes["Amazon Athena"]["tags"]
    assert summary(sync().out)["updated"] == 0


def test_a_note_deleted_in_anki_is_not_added_back(sync) -> None:
    sync()
    with anki_open() as col:
        col.col.remove_notes([by_term(col)["Amazon Athena"]["id"]])
    r = sync()
    assert summary(r.out)["added"] == 0 and "was deleted in Anki" in r.err
    assert summary(sync("--prefer", "source").out)["added"] == 1


def test_leech_and_marked_tags_are_not_edits(sync) -> None:
    dea = Path("notes/DEA.md")
    sync()
    with anki_open() as col:
        note = col.col.get_note(by_term(col)["Amazon Athena"]["id"])
        note.tags += ["leech", "marked"]
        col.col.update_note(note)
    edit(dea, "Pay-per-query :", "Pay-per-query. Presto 기반 :")
    assert summary(sync().out)["updated"] == 1
    with anki_open() as col:
        athena = by_term(col)["Amazon Athena"]
        assert {"leech", "marked"} <= set(athena["tags"])
        assert "Presto" in athena["fields"]["Definition"]


def test_dry_run_writes_nothing(sync) -> None:
    dea = Path("notes/DEA.md")
    sync()
    edit(dea, "Pay-per-query :", "Pay-per-query. Presto 기반 :")
    edit(dea, line_of(dea, "- **Zookeepr Node**") + "\n", "")
    files = [COL, Path("notes/dea2anki.lock")]
    before = [p.read_bytes() for p in files]
    r = sync("--dry-run")
    assert "Dry run, nothing written" in r.out
    assert summary(r.out)["updated"] == 1 and summary(r.out)["suspended"] == 1
    assert [p.read_bytes() for p in files] == before
    assert not Path("profile/collection.anki2-wal").exists()


def test_a_collection_that_imported_the_package_switches_to_sync(seed_project, cli) -> None:
    dea = Path("notes/DEA.md")
    assert cli("build", epoch=T).code == 0
    with anki_open() as col:
        assert col.import_package(Path("build/DEA.apkg")).new == 29
        reviewed = col.review_first_new(ATHENA_DECK).id
    sync = Syncer(cli)
    r = sync()
    assert summary(r.out)["added"] == 0 and "(29 unchanged)" in r.out
    # A move and an edit, which an import would leave in the old deck.
    athena = line_of(dea, "- **Amazon Athena**")
    edit(dea, athena + "\n", "")
    edit(dea, "## Amazon EMR\n", f"## Amazon EMR\n\n**_Concept_**\n\n{athena}\n")
    edit(dea, "Pay-per-query :", "Pay-per-query. Presto 기반 :")
    r = sync()
    assert (summary(r.out)["updated"], summary(r.out)["moved"]) == (1, 1)
    with anki_open() as col:
        assert len(col.notes()) == 29
        card = col.col.get_card(reviewed)
        assert col.col.decks.name(card.did) == "DEA::Analytics::Amazon EMR"
        assert col.revlog_count(reviewed) == 1


def test_a_collection_open_in_anki_is_refused_and_left_alone(sync, tmp_path) -> None:
    sync()
    before = COL.read_bytes()
    with held_open():
        edit(Path("notes/DEA.md"), "Pay-per-query :", "Pay-per-query! :")
        r = sync(code=1)
        assert "the collection is open in Anki" in r.err and "[collection-open]" in r.err
        assert "close Anki" in r.err
    assert COL.read_bytes() == before
    assert summary(sync().out)["updated"] == 1  # once Anki is closed, it goes through


def test_a_failure_inside_the_sync_rolls_everything_back(sync, monkeypatch) -> None:
    from anki.collection import Collection

    dea = Path("notes/DEA.md")
    sync()
    lock = Path("notes/dea2anki.lock").read_bytes()
    edit(dea, "Pay-per-query :", "Pay-per-query. Presto 기반 :")
    edit(dea, line_of(dea, "- **Zookeepr Node**") + "\n", "- Data Lake : 원시 데이터 : DEA\n")

    def broken(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    with monkeypatch.context() as patched:
        # The last write of a sync fails, after notes were added, updated and suspended.
        patched.setattr(Collection, "set_config", broken)
        r = sync(code=1)
    assert "Anki refused the sync, and nothing was written: RuntimeError: disk on fire" in r.err
    assert Path("notes/dea2anki.lock").read_bytes() == lock
    with anki_open() as col:
        notes = by_term(col)
        assert "Data Lake" not in notes and len(notes) == 29
        assert "Presto" not in notes["Amazon Athena"]["fields"]["Definition"]
        assert RETIRED_TAG not in notes["Zookeepr Node"]["tags"]
    s = summary(sync().out)
    assert (s["added"], s["updated"], s["suspended"]) == (1, 1, 1)


def test_a_collection_from_a_newer_anki_names_both_versions(sync) -> None:
    import sqlite3
    from contextlib import closing

    from anki.buildinfo import version

    sync()
    with closing(sqlite3.connect(COL)) as db:
        db.execute("UPDATE col SET ver = 99")
        db.commit()
    r = sync(code=1)
    assert "collection schema 99" in r.err and version in r.err
    assert "pip install --upgrade anki" in r.err and "[collection-too-new]" in r.err


def test_what_is_not_a_collection(seed_project, cli) -> None:
    r = cli("sync", "--collection", "nowhere/collection.anki2")
    assert r.code == 1 and "no Anki collection here" in r.err
    write("junk.anki2", "not a database")
    r = cli("sync", "--collection", "junk.anki2")
    assert r.code == 1 and "[collection-unusable]" in r.err and "Traceback" not in r.err
    r = cli("sync")
    assert r.code == 2 and "--collection FILE or --profile NAME" in r.err


def test_profiles_are_found_where_anki_keeps_them(seed_project, cli, tmp_path) -> None:
    home = {"HOME": "/home/u"}
    assert anki_base("linux", home) == Path("/home/u/.local/share/Anki2")
    assert anki_base("linux", {**home, "XDG_DATA_HOME": "/x"}) == Path("/x/Anki2")
    assert anki_base("darwin", home) == Path("/home/u/Library/Application Support/Anki2")
    assert anki_base("win32", {"APPDATA": r"C:\A"}) == Path(r"C:\A") / "Anki2"
    base = tmp_path / "Anki2"
    assert profile_collection("User 1", base) == base / "User 1" / "collection.anki2"
    with anki_open(base / "User 1" / "collection.anki2"):
        pass
    r = cli("sync", "--profile", "User 1", "--base", str(base), epoch=T)
    assert r.code == 0 and "29 added" in r.out
    r = cli("sync", "--profile", "User 2", "--base", str(base), epoch=T)
    assert r.code == 1 and "the profiles in" in r.err and "'User 1'" in r.err


def test_without_the_anki_library_the_command_says_what_to_install(seed_project) -> None:
    code = (
        "import sys; sys.modules['anki'] = None\n"
        "from dea2anki.cli.main import main\n"
        "sys.exit(main(['sync', '--collection', 'x.anki2']))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stderr
    assert "python3 -m pip install 'dea2anki[sync]'" in r.stderr and "Traceback" not in r.stderr


def test_cards_a_sync_makes_go_to_the_concepts_new_deck_too(sync) -> None:
    dea = Path("notes/DEA.md")
    sync()
    # The file turns reverse cards on while a concept moves: its new Definition -> Term
    # card is made in the old deck (Anki's rule), and moves with the first.
    edit(dea, "draft: true\n", "draft: true\nreverse: true\n")
    athena = line_of(dea, "- **Amazon Athena**")
    edit(dea, athena + "\n", "")
    edit(dea, "## Amazon EMR\n", f"## Amazon EMR\n\n**_Concept_**\n\n{athena}\n")
    r = sync()
    assert summary(r.out)["updated"] == 29 and summary(r.out)["moved"] == 1
    with anki_open() as col:
        notes = by_term(col)
        assert len(notes["Amazon Athena"]["cards"]) == 2
        assert notes["Amazon Athena"]["decks"] == ["DEA::Analytics::Amazon EMR"]
        assert all(len(n["cards"]) == 2 and len(n["decks"]) == 1 for n in notes.values())


def test_only_notes_dea2anki_made_are_touched(sync, cli) -> None:
    # The learner's own note, and a dea2anki note from another vault's package (its GUID
    # is in no lock of these notes).
    write("other/Other.md", "# Other\n\n- Mine : not from these notes : X ; Y\n")
    assert cli("build", "other", "-o", "other-build", "--lock", "other.lock", epoch=T).code == 0
    with anki_open() as col:
        basic = col.col.models.by_name("Basic")
        assert basic is not None
        own = col.col.new_note(basic)
        own["Front"], own["Back"] = "My Athena card", "my own card"
        col.col.add_note(own, col.col.decks.id("Mine") or DeckId(1))
        assert col.import_package(Path("other-build/Other.apkg")).new == 1
        before = {n["guid"]: (n["fields"], n["tags"], n["decks"]) for n in col.notes().values()}
    sync()
    dea = Path("notes/DEA.md")
    edit(dea, line_of(dea, "- **Zookeepr Node**") + "\n", "")
    sync("--prune", "--yes")
    with anki_open() as col:
        after = {n["guid"]: (n["fields"], n["tags"], n["decks"]) for n in col.notes().values()}
        assert after[own.guid] == before[own.guid]
        other = next(g for g in before if g != own.guid)
        assert after[other] == before[other]
        assert len(after) == 2 + 28


def test_embedded_images_go_to_the_collections_media_folder(workdir, cli) -> None:
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d0d5a50000000049454e44ae426082"
    )
    write("notes/img/dot.png", png)
    write("notes/Pics.md", "# Pics\n\n- Dot : a dot ![](img/dot.png) : A ; B\n")
    with anki_open():
        pass
    r = Syncer(cli)()
    assert summary(r.out)["added"] == 1
    with anki_open() as col:
        definition = by_term(col)["Dot"]["fields"]["Definition"]
        name = re.search(r'src="([^"]+)"', definition)
        assert name is not None
        stored = Path(col.col.media.dir(), name.group(1))
        assert stored.read_bytes() == png

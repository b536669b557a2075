"""A year of ordinary edits replayed into one reviewed collection twice: through packages
(build, import) and through ``sync``. Anki's importer never moves or deletes cards, so the
package route leaves moved cards behind; sync must leave none, renew no card and keep the
learner's own edit."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from ankiutil import Anki
from test_sync import COL, anki_open, by_term, edit, line_of, text

from dea2anki.identity.release import RETIRED_TAG
from dea2anki.write.apkg_read import read_apkg

T = 1_700_000_000
DEA = Path("notes/DEA.md")
KAFKA = "DEA::Analytics_Stream::Amazon Managed Streaming for Apache Kafka(Amazon MSK)"


class Figures(NamedTuple):
    notes: int
    duplicates: int
    back_to_new: int
    wrong_deck: int
    learner_edit_kept: bool
    gone_still_active: int


def _steps() -> list[Callable[[], None]]:
    def typo() -> None:
        edit(DEA, "- **Zookeepr Node**", "- **ZooKeeper Node**")

    def other_section() -> None:
        athena = line_of(DEA, "- **Amazon Athena**")
        edit(DEA, athena + "\n", "")
        edit(DEA, "## Amazon EMR\n", f"## Amazon EMR\n\n**_Concept_**\n\n{athena}\n")

    def other_file() -> None:
        broker = line_of(DEA, "- **Broker Node**")
        edit(DEA, broker + "\n", "")
        Path("notes/Streaming.md").write_text(f"# Kafka\n\n**_Concept_**\n\n{broker}\n", "utf-8")

    def file_rename() -> None:
        shutil.move("notes/Streaming.md", "notes/Kafka.md")

    def deletion() -> None:
        edit(DEA, line_of(DEA, "- **Topic**") + "\n", "")

    def insertion_at_top() -> None:
        top = "# Data Engineering\n"
        edit(DEA, top, top + "\n- Data Lake : 원시 데이터 : DEA ; AWS\n")

    def definition() -> None:
        edit(DEA, "Pay-per-query :", "Pay-per-query. Presto 기반 :")

    return [typo, other_section, other_file, file_rename, deletion, insertion_at_top, definition]


def _replay(cli, route: str) -> Figures:  # type: ignore[no-untyped-def]
    epoch = T

    def release() -> None:
        nonlocal epoch
        epoch += 3600
        if route == "sync":
            r = cli("sync", "--collection", str(COL), epoch=epoch)
            assert r.code == 0, r.err
            return
        r = cli("build", "--retire", epoch=epoch)
        assert r.code == 0, r.err
        with anki_open() as col:
            for package in sorted(Path("build").glob("*.apkg")):
                col.import_package(package)

    with anki_open():
        pass
    release()
    with anki_open() as col:
        reviewed = [col.review_first_new(KAFKA).id for _ in range(3)]
        reviewed.append(col.review_first_new("DEA::Analytics::Amazon Athena").id)
        firehose = col.col.get_note(by_term(col)["Kinesis Data Firehose"]["id"])
        firehose["Definition"] += " <b>(내 메모)</b>"
        col.col.update_note(firehose)
        mine = firehose["Definition"]
    for step in _steps():
        step()
        release()
    assert cli("build", "-o", "final", epoch=epoch).code == 0
    wanted = {n.guid: n.deck for p in Path("final").glob("*.apkg") for n in read_apkg(p)}
    with anki_open() as col:
        notes = col.notes()
        active = [n for n in notes.values() if RETIRED_TAG not in n["tags"]]
        terms = [text(n["fields"]["Term"]) for n in active]
        wrong = sum(
            1
            for n in active
            for c in n["cards"]
            if n["guid"] in wanted and col.col.decks.name(c.odid or c.did) != wanted[n["guid"]]
        )
        gone = sum(1 for n in active if n["guid"] not in wanted)
        kept = col.col.get_note(firehose.id)["Definition"] == mine
        renewed = sum(1 for cid in reviewed if _card(col, cid) is None or _card(col, cid) == 0)
    return Figures(len(notes), len(terms) - len(set(terms)), renewed, wrong, kept, gone)


def _card(col: Anki, cid: int) -> int | None:
    """The card's type (0: new), or None when it is gone."""
    found = col.col.db.scalar("SELECT type FROM cards WHERE id = ?", cid)
    return None if found is None else int(found)


def test_the_replay_through_sync_leaves_nothing_behind(seed_project, cli) -> None:
    figures = _replay(cli, "sync")
    assert figures == Figures(
        notes=30,  # 29 + Data Lake; Topic is suspended and tagged, not deleted
        duplicates=0,
        back_to_new=0,
        wrong_deck=0,
        learner_edit_kept=True,
        gone_still_active=0,
    )


def test_the_same_replay_through_packages_leaves_moved_cards_behind(seed_project, cli) -> None:
    # What sync is for: the importer keeps cards in their old deck (see ANKI_FACTS).
    figures = _replay(cli, "package")
    assert figures.duplicates == 0 and figures.back_to_new == 0 and figures.learner_edit_kept
    assert figures.wrong_deck == 2  # Amazon Athena's card, and Broker Node's

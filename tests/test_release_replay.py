"""Release-grade identity, replayed into ONE real Anki collection whose cards have been
reviewed and whose notes the learner has edited: each ordinary edit of the notes must land
as exactly the expected import, with no duplicate, no stale note, no card reset to new, and
the learner's own edits kept."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from ankiutil import Anki, ImportLog

from dea2anki.identity.release import RETIRED_TAG
from dea2anki.write.changelog import anki_search_for_moved

T = 1_700_000_000
NOTES = Path("notes")


def text(field_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", field_html))


def edit(path: Path, old: str, new: str) -> None:
    src = path.read_text(encoding="utf-8")
    assert src.count(old) == 1, old
    path.write_text(src.replace(old, new), encoding="utf-8")


def line_of(path: Path, prefix: str) -> str:
    return next(x for x in path.read_text("utf-8").split("\n") if x.startswith(prefix))


def counts(log: ImportLog) -> tuple[int, int, int, int]:
    return (log.new, log.updated, log.duplicate, log.conflicting)


class Replay:
    def __init__(self, cli, anki: Anki) -> None:  # type: ignore[no-untyped-def]
        self.cli = cli
        self.anki = anki
        self.epoch = T

    def build(self, *args: str) -> str:
        self.epoch += 3600
        r = self.cli("build", *args, epoch=self.epoch)
        assert r.code == 0, r.err
        return str(r.out)

    def import_(self, name: str = "DEA") -> ImportLog:
        return self.anki.import_package(Path("build") / f"{name}.apkg")

    def by_term(self) -> dict[str, dict]:  # type: ignore[type-arg]
        return {text(k): v for k, v in self.anki.notes().items()}


def test_ordinary_edits_replayed_into_one_reviewed_collection(seed_project, cli, anki) -> None:
    dea = NOTES / "DEA.md"
    run = Replay(cli, anki)
    run.build()
    assert counts(run.import_()) == (29, 0, 0, 0)
    assert Path("notes/dea2anki.lock").is_file()

    # The learner studies: three cards reviewed...
    reviewed = {
        anki.review_first_new("DEA::Analytics::Amazon Athena").id,
        anki.review_first_new(
            "DEA::Analytics_Stream::Amazon Managed Streaming for Apache Kafka(Amazon MSK)"
        ).id,
        anki.review_first_new(
            "DEA::Analytics_Stream::Amazon Managed Streaming for Apache Kafka(Amazon MSK)"
        ).id,
    }
    # ...and fixes a note inside Anki.
    firehose = anki.col.get_note(run.by_term()["Kinesis Data Firehose"]["id"])
    firehose["Definition"] += " <b>(내 메모: 버퍼링 60초)</b>"
    anki.col.update_note(firehose)
    learner_definition = firehose["Definition"]

    # 1. Edit one definition: exactly one note updated, the rest skipped as up to date.
    edit(dea, "Pay-per-query : DEA ; AWS", "Pay-per-query. Athena SQL는 Presto 기반 : DEA ; AWS")
    run.build()
    assert counts(run.import_()) == (0, 1, 28, 0)
    assert text(run.by_term()["Amazon Athena"]["fields"]["Definition"]).endswith("Presto 기반")

    # 2. Rename pinned by an Obsidian block id: add the id (nothing changes in Anki), then
    #    rename the term and rewrite the definition.
    parquet = line_of(dea, "- **Parquet**")
    edit(dea, parquet, parquet + " ^parquet")
    run.build()
    assert counts(run.import_()) == (0, 0, 29, 0)
    parquet_id = run.by_term()["Parquet"]["id"]
    edit(dea, "- **Parquet** :하둡", "- **Apache Parquet** :Hadoop용 열 지향 포맷. 하둡")
    out = run.build()
    assert "renamed: 'Parquet' -> 'Apache Parquet' (block id ^parquet)" in out
    assert counts(run.import_()) == (0, 1, 28, 0)
    assert run.by_term()["Apache Parquet"]["id"] == parquet_id

    # 3. Rename detected by an unchanged definition.
    topic_id = run.by_term()["Topic"]["id"]
    edit(dea, "- **Topic** :", "- **Kafka Topic** :")
    out = run.build()
    assert "renamed: 'Topic' -> 'Kafka Topic' (same definition)" in out
    assert counts(run.import_()) == (0, 1, 28, 0)
    assert run.by_term()["Kafka Topic"]["id"] == topic_id

    # 4. Move a concept to another file (another root deck): matched by its term.
    broker = line_of(dea, "- **Broker Node**")
    broker_id = run.by_term()["Broker Node"]["id"]
    edit(dea, broker + "\n", "")
    (NOTES / "Streaming.md").write_text(f"# Kafka\n\n**_Concept_**\n\n{broker}\n", "utf-8")
    out = run.build()
    assert "moved: 'Broker Node' DEA::Analytics_Stream::Amazon Managed Streaming" in out
    assert counts(run.import_()) == (0, 0, 28, 0)
    assert counts(run.import_("Streaming")) == (0, 1, 0, 0)
    assert run.by_term()["Broker Node"]["id"] == broker_id
    # Anki leaves the card in its old deck; the changelog's search finds it.
    search = anki_search_for_moved("Broker Node", "Streaming::Kafka")
    broker_cards = [c.id for c in run.by_term()["Broker Node"]["cards"]]
    assert list(anki.col.find_cards(search)) == broker_cards

    # 5. Rename that file (its default root deck changes with it).
    shutil.move(NOTES / "Streaming.md", NOTES / "Kafka.md")
    out = run.build()
    assert "moved: 'Broker Node' Streaming::Kafka -> Kafka::Kafka" in out
    assert counts(run.import_("Kafka")) == (0, 1, 0, 0)
    assert run.by_term()["Broker Node"]["id"] == broker_id

    # 6. Insert a concept at the top of a file: one new note, nothing else touched.
    edit(
        dea,
        "# Data Engineering\n",
        "# Data Engineering\n\n- Data Lake : 원시 데이터 저장소 : DEA ; AWS\n",
    )
    run.build()
    assert counts(run.import_()) == (1, 0, 28, 0)

    # 7. Delete a concept and retire it: tagged and suspended, not deleted, not duplicated.
    zookeeper_id = run.by_term()["Zookeepr Node"]["id"]
    edit(dea, line_of(dea, "- **Zookeepr Node**") + "\n", "")
    r = cli("build", epoch=run.epoch + 60)
    assert r.code == 0 and "concept 'Zookeepr Node' is no longer in the notes" in r.err
    out = run.build("--retire")
    assert "retired: 'Zookeepr Node'" in out
    assert counts(run.import_()) == (0, 1, 28, 0)
    retired = run.by_term()["Zookeepr Node"]
    assert retired["id"] == zookeeper_id and RETIRED_TAG in retired["tags"]
    assert anki.col.find_notes(f"tag:{RETIRED_TAG}") == [zookeeper_id]
    # Building again keeps shipping it, unchanged: no further update.
    run.build()
    assert counts(run.import_()) == (0, 0, 29, 0)

    # The end state: one note per concept (plus the retired one), all current, none reset.
    notes = run.by_term()
    live = {k: v for k, v in notes.items() if RETIRED_TAG not in v["tags"]}
    assert len(notes) == len({v["guid"] for v in notes.values()}) == 30
    assert sorted(live) == sorted(
        [c for c in _exported_terms() if c not in ("Parquet", "Topic", "Zookeepr Node")]
        + ["Apache Parquet", "Kafka Topic", "Data Lake"]
    )
    for cid in reviewed:
        card = anki.col.get_card(cid)
        assert card.reps == 1 and card.type != 0 and anki.revlog_count(cid) == 1
    assert anki.col.get_note(firehose.id)["Definition"] == learner_definition
    assert anki.col.card_count() == 30


def _exported_terms() -> list[str]:
    import json

    golden = json.loads((Path(__file__).parent / "golden" / "DEA.concepts.json").read_text("utf-8"))
    return [c["term"] for c in golden if c["definition"]]

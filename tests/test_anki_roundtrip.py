"""Build packages and import them into a real Anki collection (Anki's own Rust importer,
desktop defaults), then assert what Anki holds."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from ankiutil import Anki, ImportLog
from conftest import Run

from dea2anki.identity.keys import default_guid, identity_key
from dea2anki.naming import CONTEXT_SEPARATOR
from dea2anki.write import notetype

GOLDEN = json.loads((Path(__file__).parent / "golden" / "DEA.concepts.json").read_text("utf-8"))
EXPORTED = [c for c in GOLDEN if c["definition"]]
T1 = 1_700_000_000
PKG = Path("build/DEA.apkg")
NOTES = Path("notes/DEA.md")


def text(field_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", field_html))


def build(cli, epoch: int, *args: str) -> Path:  # type: ignore[no-untyped-def]
    r: Run = cli("build", *args, epoch=epoch)
    assert r.code == 0, r.err
    return PKG


def edit_seed(old: str, new: str) -> None:
    src = NOTES.read_text(encoding="utf-8")
    assert src.count(old) == 1, old
    NOTES.write_text(src.replace(old, new), encoding="utf-8")


def test_seed_imports_exactly_the_golden_concepts(seed_project, cli, anki: Anki) -> None:
    log = anki.import_package(build(cli, T1))
    assert (log.new, log.updated, log.duplicate, log.conflicting) == (29, 0, 0, 0)
    notes = anki.notes()
    assert sorted(notes) == sorted(html.escape(c["term"]) for c in EXPORTED)
    assert anki.col.card_count() == len(EXPORTED)
    for c in EXPORTED:
        n = notes[html.escape(c["term"])]
        assert n["notetype"] == "dea2anki Concept"
        assert text(n["fields"]["Definition"]) == c["definition"]
        assert n["fields"]["Source"] == f"DEA.md:{c['line']}"
        assert text(n["fields"]["Context"]) == c["context"].replace(" > ", CONTEXT_SEPARATOR)
        assert n["fields"]["Reverse"] == ""
        assert n["decks"] == [c["deck"]]
        assert n["tags"] == sorted(c["tags"], key=str.lower)
        assert n["guid"] == default_guid((identity_key("DEA"), identity_key(c["term"])), None)
        (card,) = n["cards"]
        assert html.escape(c["term"]) in card.question()
        assert n["fields"]["Definition"] in card.answer()
    expected_decks = {"Default"}
    for c in EXPORTED:
        parts = c["deck"].split("::")
        expected_decks.update("::".join(parts[: i + 1]) for i in range(len(parts)))
    assert anki.deck_names() == expected_decks
    # Decks of concepts that were not exported (no definition) are not created.
    assert "DEA::Analytics::AWS Glue" not in anki.deck_names()


def test_cards_are_introduced_in_source_order(seed_project, cli, anki: Anki) -> None:
    anki.import_package(build(cli, T1))
    by_due = sorted(
        (anki.col.get_card(cid) for cid in anki.col.find_cards("")), key=lambda c: c.due
    )
    assert [text(c.note()["Term"]) for c in by_due] == [c["term"] for c in EXPORTED]


def test_note_type_has_stable_field_and_template_ids(seed_project, cli, anki: Anki) -> None:
    anki.import_package(build(cli, T1))
    model = anki.col.models.get(notetype.MODEL_ID)  # type: ignore[arg-type]
    assert model is not None and model["name"] == "dea2anki Concept"
    assert [(f["name"], f["id"]) for f in model["flds"]] == [
        (name, notetype.make_model().fields[i]["id"]) for i, name in enumerate(notetype.FIELDS)
    ]
    assert [t["id"] for t in model["tmpls"]] == [t["id"] for t in notetype.make_model().templates]
    assert "nightMode" in model["css"]


def test_reimport_is_a_no_op(seed_project, cli, anki: Anki) -> None:
    pkg = build(cli, T1)
    anki.import_package(pkg)
    log = anki.import_package(pkg)
    assert (log.new, log.updated, log.duplicate) == (0, 0, 29)
    assert len(anki.notes()) == 29


def test_edit_review_move_and_insert_keep_identity(seed_project, cli, anki: Anki) -> None:
    anki.import_package(build(cli, T1))
    reviewed = anki.review_first_new("DEA::Analytics::Amazon Athena")
    athena = anki.notes()["Amazon Athena"]
    assert reviewed.nid == athena["id"] and reviewed.reps == 1

    # 1. Edit one definition: the note changes in place and keeps its review.
    edit_seed("Pay-per-query : DEA ; AWS", "Pay-per-query. EDITED : DEA ; AWS")
    log = anki.import_package(build(cli, T1 + 60))
    assert log.new == 0 and athena["id"] in log.updated_ids
    notes = anki.notes()
    assert len(notes) == 29
    assert notes["Amazon Athena"]["id"] == athena["id"]
    assert text(notes["Amazon Athena"]["fields"]["Definition"]).endswith("Pay-per-query. EDITED")
    card = anki.col.get_card(reviewed.id)
    assert card.reps == 1 and card.type != 0  # still reviewed, not reset to new
    assert anki.revlog_count(reviewed.id) == 1

    # 2. Move a concept to another section (and file position): no new note.
    parquet_line = next(
        line for line in NOTES.read_text("utf-8").split("\n") if line.startswith("- **Parquet**")
    )
    edit_seed(parquet_line + "\n", "")
    edit_seed(
        "- **AWS GLue** :: DEA ; AWS\n", "- **AWS GLue** :: DEA ; AWS\n" + parquet_line + "\n"
    )
    parquet_id = notes["Parquet"]["id"]
    log = anki.import_package(build(cli, T1 + 120))
    notes = anki.notes()
    assert log.new == 0 and parquet_id in log.updated_ids
    assert len(notes) == 29 and notes["Parquet"]["id"] == parquet_id
    assert text(notes["Parquet"]["fields"]["Context"]) == f"Analytics{CONTEXT_SEPARATOR}AWS Glue"
    # Anki keeps existing cards where they are (ANKI_FACTS.md); the fields did move.
    assert notes["Parquet"]["decks"] == ["DEA::Analytics::Amazon Athena"]

    # 3. Insert a concept at the top of the file: exactly one new note, nothing re-keyed.
    edit_seed(
        "# Data Engineering\n",
        "# Data Engineering\n\n- Data Lake : 원시 데이터 저장소 : DEA ; AWS\n",
    )
    log = anki.import_package(build(cli, T1 + 180))
    assert (log.new, log.conflicting) == (1, 0)
    notes = anki.notes()
    assert len(notes) == 30
    assert notes["Data Lake"]["decks"] == ["DEA::Data Engineering"]
    assert anki.col.get_card(reviewed.id).reps == 1


def test_raw_html_never_reaches_the_card_as_markup(workdir, cli, anki: Anki) -> None:
    """With ``allow-html: false`` (the default keeps a safe subset: test_render_anki.py)."""
    Path("notes").mkdir()
    Path("notes/x.md").write_text(
        "---\nallow-html: false\n---\n# H\n\n**_Concept_**\n\n"
        "- **<b>Bold</b> term** : <script>alert(1)</script> and <img src=x onerror=alert(2)>"
        " and [link](javascript:alert(3)) and **strong** and `a<b` : K ; L\n",
        encoding="utf-8",
    )
    assert cli("build", epoch=T1).code == 0
    log: ImportLog = anki.import_package(Path("build/x.apkg"))
    assert log.new == 1
    (note,) = anki.notes().values()
    card = note["cards"][0]
    answer = card.answer()
    # The template has a script of its own (the deck trail); the note's must not be one.
    assert answer.count("<script>") == 1 and "<script>alert" not in answer
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer
    assert "<img" not in answer and "&lt;img src=x onerror=alert(2)&gt;" in answer
    assert "javascript:" not in answer
    assert "<strong>strong</strong>" in answer and "<code>a&lt;b</code>" in answer
    assert (
        "<b>Bold</b>" not in card.question() and "&lt;b&gt;Bold&lt;/b&gt; term" in card.question()
    )

"""``dea2anki pull``: notes edited in a real Anki collection go back into the Markdown line
they came from, and nothing else in the file changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write
from test_sync import COL, Syncer, anki_open, by_term, summary

T = 1_700_000_000


@pytest.fixture
def synced(seed_project, cli) -> Syncer:  # type: ignore[no-untyped-def]
    with anki_open():
        pass
    sync = Syncer(cli)
    sync()
    return sync


def anki_edit(term: str, field: str, old: str, new: str, *, tag: str | None = None) -> None:
    with anki_open() as col:
        note = col.col.get_note(by_term(col)[term]["id"])
        assert note[field].count(old) == 1, note[field]
        note[field] = note[field].replace(old, new)
        if tag:
            note.tags.append(tag)
        col.col.update_note(note)


def pull(cli, *args: str, code: int = 0):  # type: ignore[no-untyped-def]
    r = cli("pull", "--collection", str(COL), *args, epoch=T + 10**6)
    assert r.code == code, r.err
    return r


def test_an_anki_edit_goes_back_to_its_line_and_nothing_else_changes(synced, cli) -> None:
    dea = Path("notes/DEA.md")
    before = dea.read_bytes()
    anki_edit("Amazon Athena", "Definition", "Pay-per-query", "Pay-per-query. <b>Presto</b> 기반")
    anki_edit("Kinesis Data Firehose", "Definition", "ETL 서비스", "ETL 서비스", tag="exam")
    col_before = COL.read_bytes()
    r = pull(cli)
    assert "+- **Amazon Athena** : " in r.out
    assert "Pay-per-query. **Presto** 기반 : DEA ; AWS" in r.out
    assert "데이터 전송에 중점 : DEA ; AWS ; exam" in r.out
    assert "2 edits to pull" in r.err
    assert dea.read_bytes() == before and COL.read_bytes() == col_before  # a diff only
    r = pull(cli, "--write")
    assert "Pulled 2 edits into 1 file" in r.err
    old_lines, new_lines = before.split(b"\n"), dea.read_bytes().split(b"\n")
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    assert [i + 1 for i in changed] == [58, 138]
    assert new_lines[57].decode().endswith("Pay-per-query. **Presto** 기반 : DEA ; AWS")
    # The sync after a pull has nothing to do, and keeps nothing back as an edit.
    with anki_open() as col:
        mods = {n["guid"]: col.col.get_note(n["id"]).mod for n in col.notes().values()}
    r = synced()
    s = summary(r.out)
    assert (s["added"], s["updated"], s["kept edit"], s["conflict"]) == (0, 0, 0, 0)
    assert s["suspended"] == 0
    with anki_open() as col:
        assert {n["guid"]: col.col.get_note(n["id"]).mod for n in col.notes().values()} == mods
        athena = by_term(col)["Amazon Athena"]
        assert "<strong>Presto</strong> 기반" in athena["fields"]["Definition"]
        assert "exam" in by_term(col)["Kinesis Data Firehose"]["tags"]
    assert pull(cli).out == ""


def test_a_term_fixed_in_anki_keeps_its_note(synced, cli) -> None:
    anki_edit("Zookeepr Node", "Term", "Zookeepr", "ZooKeeper")
    with anki_open() as col:
        guid = by_term(col)["ZooKeeper Node"]["guid"]
    pull(cli, "--write")
    assert "- **ZooKeeper Node** : 분산시스템" in Path("notes/DEA.md").read_text("utf-8")
    s = summary(synced().out)
    assert (s["added"], s["updated"], s["suspended"], s["kept edit"]) == (0, 0, 0, 0)
    with anki_open() as col:
        assert by_term(col)["ZooKeeper Node"]["guid"] == guid and len(col.notes()) == 29


def test_edits_with_no_place_in_the_markdown_are_reported_and_left(synced, cli) -> None:
    before = Path("notes/DEA.md").read_bytes()
    anki_edit("Amazon Athena", "Context", "Amazon Athena", "Athena (mine)")
    r = pull(cli, "--write")
    assert "[pull-unmapped]" in r.err and "its Context field, which dea2anki fills itself" in r.err
    assert "notes/DEA.md:58:" in r.err
    assert Path("notes/DEA.md").read_bytes() == before
    # An image added in Anki: the notes have no such file, so the Markdown cannot say it.
    anki_edit("Broker Node", "Definition", "역할을 한다.", '역할을 한다. <img src="a.png">')
    r = pull(cli, "--write")
    assert "'Broker Node' was edited in Anki in a way the Markdown cannot say" in r.err
    assert Path("notes/DEA.md").read_bytes() == before


def test_pull_works_for_every_syntax(workdir, cli) -> None:
    write(
        "notes/Mixed.md",
        "---\ntags: [flashcards]\n---\n# Mixed\n\n"
        "Glue::ETL service\n\n"
        "Q: What is S3?\nA: Object storage.\n\n"
        "The capital of {{c1::France}} is Paris.\n\n"
        "> [!definition] Lambda\n> Functions as a service.\n\n"
        "**_Concept_**\n\n- **Athena** : SQL on S3 : DEA ; AWS\n",
    )
    with anki_open():
        pass
    Syncer(cli)()
    anki_edit("Glue", "Definition", "ETL service", "Serverless ETL service")
    anki_edit("What is S3?", "Definition", "Object storage.", "Object storage, 11 nines.")
    anki_edit("The capital of {{c1::France}} is Paris.", "Text", "Paris", "Paris (since 508)")
    anki_edit("Lambda", "Definition", "Functions as a service.", "Functions as a service!")
    anki_edit("Athena", "Term", "Athena", "Amazon Athena")
    pull(cli, "--write")
    text = Path("notes/Mixed.md").read_text("utf-8")
    assert "Glue::Serverless ETL service\n" in text
    assert "A: Object storage, 11 nines.\n" in text
    assert "The capital of {{c1::France}} is Paris (since 508).\n" in text
    assert "> Functions as a service!\n" in text
    assert "- **Amazon Athena** : SQL on S3 : DEA ; AWS\n" in text
    # Identity follows the edit (a cloze's text is its identity): no note is renewed.
    s = summary(Syncer(cli)().out)
    assert (s["added"], s["updated"], s["kept edit"], s["conflict"]) == (0, 0, 0, 0)
    assert s["suspended"] == 0

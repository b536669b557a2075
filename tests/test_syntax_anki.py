"""The syntaxes' notes in a real Anki collection (Anki's own importer, desktop defaults):
cloze notes and their cards, terms repeated across decks, folder decks, media from the
vault, and the ``syntax`` setting as a flag, in frontmatter and in the config file."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from ankiutil import Anki
from conftest import write

from dea2anki.write import notetype

T1 = 1_700_000_000
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a0d3e1a60000000049454e44ae426082"
)

CLOZE_NOTE = """\
# Europe

The capital of France is {{c1::Paris::city}} and of Spain {{c2::Madrid}}.

- **Rhine** : a river : Geo ;

## Rivers

- The {{c1::Danube}} flows through ten countries.
  - It is 2,850 km long.
"""


def text(field_html: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", field_html)).split())


def build(cli, *args: str, epoch: int = T1) -> None:  # type: ignore[no-untyped-def]
    r = cli("build", *args, epoch=epoch)
    assert r.code == 0, r.err


def test_cloze_numbers_become_cards_and_a_rebuild_adds_nothing(workdir, cli, anki: Anki) -> None:
    write("notes/Geo.md", CLOZE_NOTE)
    build(cli)
    log = anki.import_package(Path("build/Geo.apkg"))
    assert (log.new, log.updated, log.conflicting) == (3, 0, 0)
    notes = anki.notes()
    capital = notes["The capital of France is {{c1::Paris::city}} and of Spain {{c2::Madrid}}."]
    danube = next(n for key, n in notes.items() if "Danube" in key)
    for n in (capital, danube):
        assert n["notetype"] == notetype.CLOZE_MODEL_NAME
        assert list(n["fields"]) == list(notetype.CLOZE_FIELDS)
        assert n["decks"] in (["Geo::Europe"], ["Geo::Europe::Rivers"])
    assert capital["fields"]["Source"] == "Geo.md:3"
    assert capital["fields"]["Context"] == "Europe"
    # One card per cloze number; Anki renders each card's own gap.
    c1, c2 = sorted(capital["cards"], key=lambda c: c.ord)
    assert (c1.ord, c2.ord) == (0, 1)
    assert "[city]" in text(c1.question()) and "Madrid" in text(c1.question())
    assert "Paris" in text(c1.answer())
    assert "[...]" in text(c2.question()) and "Paris" in text(c2.question())
    # The rest of the list item is on the back, in the Extra field.
    assert "2,850 km" in text(danube["fields"]["Extra"])
    assert "2,850 km" in text(danube["cards"][0].answer())
    assert len(danube["cards"]) == 1
    # The basic note beside them is untouched by the second note type.
    assert notes["Rhine"]["notetype"] == notetype.MODEL_NAME
    assert anki.col.card_count() == 4

    build(cli, epoch=T1 + 10)
    again = anki.import_package(Path("build/Geo.apkg"))
    assert (again.new, again.updated, again.duplicate) == (0, 0, 3)


def test_a_new_hint_or_gap_updates_the_cloze_note_and_keeps_its_history(
    workdir, cli, anki: Anki
) -> None:
    write("notes/Geo.md", CLOZE_NOTE)
    build(cli)
    anki.import_package(Path("build/Geo.apkg"))
    before = {n["guid"] for n in anki.notes().values()}
    card = anki.review_first_new("Geo::Europe")
    # The text a learner reads once every gap is filled is the same: the same note.
    edited = CLOZE_NOTE.replace("{{c1::Paris::city}}", "{{c1::Paris::a city}}").replace(
        "of France", "of {{c3::France}}"
    )
    write("notes/Geo.md", edited)
    build(cli, epoch=T1 + 10)
    log = anki.import_package(Path("build/Geo.apkg"))
    assert (log.new, log.updated) == (0, 1)
    after = {n["guid"]: n for n in anki.notes().values()}
    assert set(after) == before
    capital = next(n for n in after.values() if "France" in n["fields"].get("Text", ""))
    assert "a city" in capital["fields"]["Text"]
    assert anki.revlog_count(card.id) == 1
    # Anki adds the card of the new gap; the reviewed card is kept, with its history.
    assert sorted(c.ord for c in capital["cards"]) == [0, 1, 2]
    assert card.id in {c.id for c in capital["cards"]}


def test_a_block_id_keeps_a_cloze_note_through_a_rewrite(workdir, cli, anki: Anki) -> None:
    write("notes/C.md", "# H\n\nA {{c1::gap}} here. ^gap-note\n")
    build(cli)
    anki.import_package(Path("build/C.apkg"))
    (guid,) = {n["guid"] for n in anki.notes().values()}
    write("notes/C.md", "# H\n\nAnother {{c1::gap}}, reworded. ^gap-note\n")
    build(cli, epoch=T1 + 10)
    log = anki.import_package(Path("build/C.apkg"))
    assert (log.new, log.updated) == (0, 1)
    (note,) = anki.notes().values()
    assert note["guid"] == guid
    assert "^gap-note" not in note["fields"]["Text"]


def test_only_a_cloze_package_holds_no_basic_note_type(workdir, cli, anki: Anki) -> None:
    write("notes/C.md", "# H\n\nA {{c1::gap}} here.\n")
    build(cli)
    anki.import_package(Path("build/C.apkg"))
    (note,) = anki.notes().values()
    assert note["notetype"] == notetype.CLOZE_MODEL_NAME
    names = {m.name for m in anki.col.models.all_names_and_ids()}
    assert notetype.MODEL_NAME not in names


def test_unclosed_cloze_is_a_warning_with_its_line_and_makes_no_card(workdir, cli) -> None:
    write("notes/C.md", "# H\n\n- **T** : d : K ;\n\nA {{c1::gap here.\n")
    r = cli("build", epoch=T1)
    assert r.code == 0, r.err
    assert "notes/C.md:5:1: warning: a cloze '{{c1::' is never closed" in r.err
    assert "[cloze-no-card]" in r.err
    assert "exported 1 note" in r.out


def test_a_term_in_two_decks_of_one_root_is_two_notes(workdir, cli, anki: Anki) -> None:
    write(
        "notes/AWS.md",
        "# Storage\n\n- **Encryption** : at rest : K ;\n\n"
        "# Network\n\n- **Encryption** : in transit : K ;\n",
    )
    r = cli("build", epoch=T1)
    assert r.code == 0, r.err
    assert (
        "notes/AWS.md:7:3: warning: term 'Encryption' is also defined at notes/AWS.md:3 "
        "(deck 'AWS::Storage'); both are exported [term-in-two-decks]"
    ) in r.err
    log = anki.import_package(Path("build/AWS.apkg"))
    assert log.new == 2
    by_deck = {}
    for nid in anki.col.find_notes(""):
        note = anki.col.get_note(nid)
        by_deck[anki.col.decks.name(note.cards()[0].did)] = (note.guid, note["Definition"])
    assert {d: v[1] for d, v in by_deck.items()} == {
        "AWS::Storage": "at rest",
        "AWS::Network": "in transit",
    }
    assert len({v[0] for v in by_deck.values()}) == 2
    # The lock tells them apart: a rebuild keeps both GUIDs and changes nothing.
    build(cli, epoch=T1 + 5)
    again = anki.import_package(Path("build/AWS.apkg"))
    assert (again.new, again.updated, again.duplicate) == (0, 0, 2)


def test_a_term_twice_in_one_deck_is_still_an_error(workdir, cli) -> None:
    write("notes/AWS.md", "# Storage\n\n- **S3** : one : K ;\n- **S3** : two : K ;\n")
    r = cli("build", epoch=T1)
    assert r.code == 1
    assert (
        "notes/AWS.md:4:3: error: term 'S3' is defined twice in deck 'AWS::Storage'; first at "
        "notes/AWS.md:3 [duplicate-term]"
    ) in r.err
    assert not Path("build").exists()


def test_folder_decks_put_the_folders_above_the_file(workdir, cli, anki: Anki) -> None:
    write("notes/AWS/Data/Glue.md", "# Crawler\n\n- **Classifier** : reads formats : K ;\n")
    write("notes/Top.md", "# H\n\n- **X** : y : K ;\n")
    build(cli, "--folder-decks", "-o", "all.apkg")
    anki.import_package(Path("all.apkg"))
    notes = anki.notes()
    assert notes["Classifier"]["decks"] == ["AWS::Data::Glue::Crawler"]
    assert notes["X"]["decks"] == ["Top::H"]
    # Moving the file to another folder moves the card (same note), it does not renew it.
    guid = notes["Classifier"]["guid"]
    Path("notes/AWS/Data/Glue.md").rename(Path("notes/AWS/Glue.md"))
    r = cli("build", "--folder-decks", "-o", "all.apkg", epoch=T1 + 5)
    assert r.code == 0, r.err
    anki.import_package(Path("all.apkg"))
    assert anki.notes()["Classifier"]["guid"] == guid
    without = cli("build", "-o", "plain.apkg", "--lock", "other.lock", epoch=T1 + 6)
    assert without.code == 0, without.err
    assert "AWS::" not in Path("plain.apkg").read_bytes().decode("latin-1")


@pytest.mark.parametrize("marker", [".obsidian", ".git"])
def test_media_anywhere_in_the_vault_is_packed(workdir, cli, anki: Anki, marker: str) -> None:
    (workdir / "vault" / marker).mkdir(parents=True)
    write("vault/assets/diagram.png", PNG)
    write("vault/notes/A.md", "# H\n\n- **X** : see ![[../assets/diagram.png]] : K ;\n")
    write("outside.png", PNG)
    r = cli("build", "vault/notes", epoch=T1)
    assert r.code == 0, r.err
    anki.import_package(Path("build/A.apkg"))
    (note,) = anki.notes().values()
    (name,) = re.findall(r'src="([^"]+)"', note["fields"]["Definition"])
    assert name.startswith("diagram-") and anki.col.media.have(name)
    # Out of the vault is still refused.
    write("vault/notes/A.md", "# H\n\n- **X** : see ![](../../outside.png) : K ;\n")
    refused = cli("build", "vault/notes", epoch=T1 + 5)
    assert refused.code == 1
    assert "it is outside the vault 'vault' [media-outside-notes]" in refused.err


def test_the_config_files_folder_is_the_vault_without_obsidian_or_git(workdir, cli) -> None:
    write("project/dea2anki.toml", 'notes = ["notes"]\n')
    write("project/img/x.png", PNG)
    write("project/notes/A.md", "# H\n\n- **X** : ![](../img/x.png) : K ;\n")
    r = cli("build", "--config", "project/dea2anki.toml", epoch=T1)
    assert r.code == 0, r.err
    assert "1 media file" in r.out
    alone = cli("build", "project/notes", "-o", "b2", "--lock", "b2.lock", epoch=T1)
    assert alone.code == 1
    assert "[media-outside-notes]" in alone.err


def test_terms_that_differ_only_in_case_are_two_notes(workdir, cli, anki: Anki) -> None:
    write(
        "notes/Vim.md",
        "# Paste\n\n- **p** : paste after : vim ;\n- **P** : paste before : vim ;\n"
        "\n# Other\n\n- **P** : elsewhere : vim ;\n- **p** : and here : vim ;\n",
    )
    r = cli("build", epoch=T1)
    assert r.code == 0, r.err
    assert (
        "notes/Vim.md:4:3: warning: term 'P' differs from 'p' at notes/Vim.md:3 only in case; "
        "both are exported [term-case-twin]"
    ) in r.err
    log = anki.import_package(Path("build/Vim.apkg"))
    assert log.new == 4
    guids = {anki.col.get_note(n).guid for n in anki.col.find_notes("")}
    assert len(guids) == 4
    build(cli, epoch=T1 + 5)
    again = anki.import_package(Path("build/Vim.apkg"))
    assert (again.new, again.updated, again.duplicate) == (0, 0, 4)


EVERY_SYNTAX = """\
---
tags: [flashcards]
syntax: [concept, cloze, sr, qa, callout, glossary]
---
# Biology

**_Concept_**

- **Cell** : the unit of life : bio ;

The {{c1::ribosome}} makes {{c2::proteins}}.

The powerhouse of the cell::the mitochondria

Osmosis:::diffusion of water <!--SR:!2024-05-22,4,270-->

Name the parts of a neuron
?
- dendrites
- axon

Q: What carries genes?
A: DNA.

> [!definition] Enzyme
> A protein that speeds up a reaction.

- **Membrane**: the boundary of the cell

The ==nucleus== holds the ==DNA==.
"""


def test_every_syntax_in_one_file_round_trips_through_anki(workdir, cli, anki: Anki) -> None:
    write("notes/Bio.md", EVERY_SYNTAX)
    build(cli)
    log = anki.import_package(Path("build/Bio.apkg"))
    assert (log.new, log.updated, log.conflicting) == (9, 0, 0)
    notes = anki.notes()
    cards = {key: len(n["cards"]) for key, n in notes.items()}
    assert cards == {
        "Cell": 1,
        "The {{c1::ribosome}} makes {{c2::proteins}}.": 2,
        "The powerhouse of the cell": 1,
        # ::: is a card and its reverse: two cards of one note.
        "Osmosis": 2,
        "Name the parts of a neuron": 1,
        "What carries genes?": 1,
        "Enzyme": 1,
        "Membrane": 1,
        "The {{c1::nucleus}} holds the {{c2::DNA}}.": 2,
    }
    assert text(notes["Osmosis"]["fields"]["Definition"]) == "diffusion of water"
    assert notes["Osmosis"]["fields"]["Reverse"] == "y"
    assert [c.ord for c in sorted(notes["Osmosis"]["cards"], key=lambda c: c.ord)] == [0, 1]
    neuron = notes["Name the parts of a neuron"]["fields"]["Definition"]
    assert "<li>dendrites</li>" in neuron and "<li>axon</li>" in neuron
    assert text(notes["Enzyme"]["fields"]["Definition"]) == "A protein that speeds up a reaction."
    assert notes["The {{c1::nucleus}} holds the {{c2::DNA}}."]["notetype"] == "dea2anki Cloze"
    assert all(n["decks"] == ["Bio::Biology"] for n in notes.values())
    build(cli, epoch=T1 + 10)
    again = anki.import_package(Path("build/Bio.apkg"))
    assert (again.new, again.updated, again.duplicate) == (0, 0, 9)


HEADING_CARDS = """\
# Python

## Which module holds file system paths?

`pathlib`, with `Path("a") / "b"`.

## What does this print?

    print(1 + 1)

---

`2`
"""


def test_heading_cards_round_trip_through_anki(workdir, cli, anki: Anki) -> None:
    write("notes/Py.md", "---\nsyntax: [heading]\n---\n" + HEADING_CARDS)
    build(cli)
    log = anki.import_package(Path("build/Py.apkg"))
    assert log.new == 2
    notes = {text(key).split(" print")[0]: n for key, n in anki.notes().items()}
    assert set(notes) == {"Which module holds file system paths?", "What does this"}
    assert all(n["decks"] == ["Py::Python"] for n in notes.values())
    # The front written over several lines (a question and its code) is blocks.
    printed = notes["What does this"]
    assert "<pre><code>print(1 + 1)</code></pre>" in printed["fields"]["Term"]
    assert "<code>2</code>" in printed["fields"]["Definition"]
    build(cli, epoch=T1 + 10)
    assert anki.import_package(Path("build/Py.apkg")).new == 0


def _by_guid(anki: Anki) -> dict[str, tuple[str, str, str]]:
    """guid -> (first field, second field, deck of its first card)."""
    out = {}
    for nid in anki.col.find_notes(""):
        note = anki.col.get_note(nid)
        deck = anki.col.decks.name(note.cards()[0].did)
        out[note.guid] = (note.fields[0], note.fields[1], deck)
    return out


def test_a_namesake_added_above_never_takes_over_a_note(workdir, cli, anki: Anki) -> None:
    write("notes/DEA.md", "# Storage\n\n- **S3** : object storage : K ;\n")
    build(cli)
    anki.import_package(Path("build/DEA.apkg"))
    before = _by_guid(anki)
    card = anki.review_first_new("DEA::Storage")
    write(
        "notes/DEA.md",
        "# Security\n\n- **S3** : bucket policies : K ;\n\n"
        "# Storage\n\n- **S3** : object storage : K ;\n",
    )
    build(cli, epoch=T1 + 10)
    log = anki.import_package(Path("build/DEA.apkg"))
    assert (log.new, log.updated) == (1, 0)
    after = _by_guid(anki)
    for guid, note in before.items():
        assert after[guid] == note
    assert anki.revlog_count(card.id) == 1
    # Swapping the two sections swaps nothing in Anki.
    write(
        "notes/DEA.md",
        "# Storage\n\n- **S3** : object storage : K ;\n\n"
        "# Security\n\n- **S3** : bucket policies : K ;\n",
    )
    build(cli, epoch=T1 + 20)
    log = anki.import_package(Path("build/DEA.apkg"))
    assert (log.new, log.updated) == (0, 0)
    assert _by_guid(anki) == after


def test_case_twins_keep_their_notes_when_their_lines_swap(workdir, cli, anki: Anki) -> None:
    write("notes/Vim.md", "# Paste\n\n- **p** : after : vim ;\n- **P** : before : vim ;\n")
    build(cli)
    anki.import_package(Path("build/Vim.apkg"))
    before = _by_guid(anki)
    write("notes/Vim.md", "# Paste\n\n- **P** : before : vim ;\n- **p** : after : vim ;\n")
    build(cli, epoch=T1 + 10)
    log = anki.import_package(Path("build/Vim.apkg"))
    assert (log.new, log.updated) == (0, 0)
    assert _by_guid(anki) == before


def test_a_term_that_looks_like_a_trail_is_its_own_note(workdir, cli, anki: Anki) -> None:
    write(
        "notes/DEA.md",
        "# Other\n\n- **S3** : one : K ;\n\n# Storage\n\n- **S3** : two : K ;\n\n"
        "# Misc\n\n- **DEA \u203a Storage \u203a S3** : three : K ;\n",
    )
    build(cli)
    assert anki.import_package(Path("build/DEA.apkg")).new == 3
    before = _by_guid(anki)
    build(cli, epoch=T1 + 10)
    log = anki.import_package(Path("build/DEA.apkg"))
    assert (log.new, log.updated) == (0, 0)
    assert _by_guid(anki) == before


def test_a_card_that_becomes_a_cloze_is_a_new_note_not_a_conflict(workdir, cli, anki: Anki) -> None:
    write("notes/Geo.md", "# H\n\nQ: Paris is the capital of France?\nA: Yes.\n")
    build(cli)
    anki.import_package(Path("build/Geo.apkg"))
    write("notes/Geo.md", "# H\n\n{{c1::Paris}} is the capital of France?\n")
    r = cli("build", "--retire", epoch=T1 + 10)
    assert r.code == 0, r.err
    log = anki.import_package(Path("build/Geo.apkg"))
    assert (log.new, log.conflicting) == (1, 0)
    types = sorted(n["notetype"] for n in anki.notes().values())
    assert types == [notetype.CLOZE_MODEL_NAME, notetype.MODEL_NAME]


def test_a_retired_cloze_stays_a_cloze_note(workdir, cli, anki: Anki) -> None:
    write("notes/Geo.md", "# H\n\n- **Rhine** : a river : K ;\n\nA {{c1::gap}} here.\n")
    build(cli)
    anki.import_package(Path("build/Geo.apkg"))
    write("notes/Geo.md", "# H\n\n- **Rhine** : a river : K ;\n")
    r = cli("build", "--retire", epoch=T1 + 10)
    assert r.code == 0, r.err
    log = anki.import_package(Path("build/Geo.apkg"))
    assert (log.new, log.updated, log.conflicting) == (0, 1, 0)
    retired = next(n for n in anki.notes().values() if n["notetype"] == notetype.CLOZE_MODEL_NAME)
    assert retired["tags"] == ["dea2anki::retired"]
    assert "Retired" in retired["fields"]["Extra"]


def test_no_deck_name_reaches_anki_as_html(workdir, cli, anki: Anki) -> None:
    """Anki inserts {{Deck}} unescaped: a root deck, a folder or a file name with HTML in it
    must not put markup on the card."""
    evil = "<img src=x onerror=alert(1)>"
    write("notes/" + evil.replace("/", "_") + "/A.md", "# H\n\n- **X** : y : K ;\n")
    write(
        "notes/B.md",
        "---\ndeck: \"Evil</script><script>alert('deck')</script>\"\n---\n"
        "# H\n\n- **Z** : w : K ;\n",
    )
    build(cli, "--folder-decks", "-o", "all.apkg")
    anki.import_package(Path("all.apkg"))
    for n in anki.notes().values():
        for card in n["cards"]:
            html_ = card.question()
            assert "onerror" not in html_ and "<script>alert" not in html_
    assert {d for d in anki.deck_names() if "::H" in d} == {"A::H", "Evilalert('deck')::H"}


def test_a_marker_in_code_is_text_in_anki_too(workdir, cli, anki: Anki) -> None:
    write("notes/A.md", "# H\n\n{{c1::Paris}} is a capital; the tag is `{{c2::`, see.\n")
    build(cli)
    anki.import_package(Path("build/A.apkg"))
    (note,) = anki.notes().values()
    (card,) = note["cards"]
    # Anki finds markers anywhere in a field: in code they reach it as entities.
    assert "&#123;&#123;c2::" in note["fields"]["Text"]
    assert "{{c2::" in text(card.answer()) and "see." in text(card.answer())

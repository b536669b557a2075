"""Behaviour that the mutation run of 2026-12-02 found unprotected: each test names what a
learner would see go wrong (see the README's Development section for the run)."""

from __future__ import annotations

import json
from pathlib import Path

from ankiutil import Anki
from conftest import write

from dea2anki.render.footnotes import definitions
from dea2anki.render.html import CardRenderer
from dea2anki.render.sanitize import local_images
from dea2anki.write.apkg_read import read_apkg

T = 1_700_000_000


def packed(ref: str) -> str | None:
    """A media lookup that packs local files as ``p-<name>`` and knows no ``missing*``."""
    return None if ref.startswith("missing") else f"p-{ref}"


def test_every_local_image_of_raw_html_is_packed_whatever_comes_before_it() -> None:
    html = (
        '<img src="https://example.org/a.png"> and <img alt="x">\n'
        '<img src="one.png" width="10" ismap> then <img src="two.png">'
    )
    assert local_images(html, packed) == (
        '<img src="https://example.org/a.png"> and <img alt="x">\n'
        '<img src="p-one.png" width="10" ismap> then <img src="p-two.png">'
    )


def test_a_missing_image_of_raw_html_shows_its_alt_text_as_written() -> None:
    html = 'a\nb <img src="missing.png" alt="the \'big\' "one"">'
    assert local_images(html, packed) == "a\nb [the 'big' ]"
    html = '<img src="missing.png" alt=\'say "hi"\'> c'
    assert local_images(html, packed) == '[say "hi"] c'


def test_only_images_are_taken_for_media() -> None:
    html = '<video src="clip.mp4"></video><img src="a.png">'
    assert local_images(html, packed) == '<video src="clip.mp4"></video><img src="p-a.png">'


def test_a_footnote_cited_twice_keeps_its_number_beside_inline_notes() -> None:
    notes = definitions("[^a]: note A\n")
    r = CardRenderer(footnotes=notes)
    _, definition = r.fields("T", "first^[inline one] then[^a] again[^a] last^[two]", "")
    sups = [part.split("</sup>")[0] for part in definition.split('class="d2a-fnref">')[1:]]
    assert sups == ["1", "2", "2", "3"]
    assert definition.endswith(
        '<ol class="d2a-footnotes">\n<li>inline one</li>\n<li>note A</li>\n<li>two</li>\n</ol>'
    )


def test_old_mac_and_windows_line_ends_in_a_side_make_the_same_card() -> None:
    r = CardRenderer()
    unix = r.fields("T", "a", "- one\n- two\n\npara")
    assert r.fields("T", "a", "- one\r\n- two\r\n\r\npara") == unix
    assert r.fields("T", "a", "- one\r- two\r\rpara") == unix


def test_a_gone_cloze_is_retired_as_a_cloze_note(workdir, cli, tmp_path) -> None:
    write("notes/C.md", "# C\n\nThe capital of {{c1::France}} is Paris.\n\nQ: q?\nA: a.\n")
    assert cli("build", epoch=T).code == 0
    write("notes/C.md", "# C\n\nQ: q?\nA: a.\n")
    assert cli("build", "--retire", epoch=T + 60).code == 0
    retired = [n for n in read_apkg(Path("build/C.apkg")) if "dea2anki::retired" in n.tags]
    assert len(retired) == 1 and retired[0].fields[0].startswith("{{c1::")
    anki = Anki(tmp_path / "anki")
    try:
        anki.import_package(Path("build/C.apkg"))
        note = next(n for n in anki.notes().values() if "dea2anki::retired" in n["tags"])
        assert note["notetype"] == "dea2anki Cloze" and len(note["cards"]) == 1
    finally:
        anki.close()


def test_a_package_of_cloze_notes_only_brings_no_other_note_type(workdir, cli, tmp_path) -> None:
    write("notes/C.md", "# C\n\nThe capital of {{c1::France}} is Paris.\n")
    assert cli("build", epoch=T).code == 0
    anki = Anki(tmp_path / "anki")
    try:
        anki.import_package(Path("build/C.apkg"))
        names = {m.name for m in anki.col.models.all_names_and_ids()}
        assert "dea2anki Cloze" in names and "dea2anki Concept" not in names
    finally:
        anki.close()


def test_a_lock_whose_lines_read_alone_but_not_together_names_its_first_line(workdir, cli) -> None:
    write("notes/A.md", "# A\n\n- **x** : y : K ; L\n")
    assert cli("build", epoch=T).code == 0
    lock = Path("notes/dea2anki.lock")
    lines = lock.read_text("utf-8").splitlines()
    entry = json.loads(lines[1])
    lock.write_text("\n".join([lines[0], json.dumps(dict(reversed(entry.items())))]) + "\n")
    r = cli("build", epoch=T + 60)
    assert r.code == 0, r.err  # keys in any order are read


KAFKA = "DEA::Analytics_Stream::Amazon Managed Streaming for Apache Kafka(Amazon MSK)"


def _drop(path: Path, prefix: str) -> str:
    text = path.read_text("utf-8")
    line = next(x for x in text.split("\n") if x.startswith(prefix))
    path.write_text(text.replace(line + "\n", ""), "utf-8")
    return line


def test_gone_and_retired_concepts_are_named_in_their_deck_and_in_order(seed_project, cli) -> None:
    dea = Path("notes/DEA.md")
    assert cli("build", epoch=T).code == 0
    _drop(dea, "- **Zookeepr Node**")
    _drop(dea, "- **Broker Node**")
    log = cli("changelog").out
    assert f"## {KAFKA}\n\n- Removed from the notes: **Broker Node**\n" in log
    assert "- Removed from the notes: **Zookeepr Node**\n" in log
    r = cli("build", epoch=T + 60)
    gone = [line for line in r.err.splitlines() if "[concept-gone]" in line]
    assert [line.split("'")[1] for line in gone] == ["Broker Node", "Zookeepr Node"]
    assert all(line.startswith("DEA.md: warning: concept '") for line in gone)
    log = cli("changelog", "--retire").out
    assert f"## {KAFKA}\n\n- Retired: **Broker Node**\n- Retired: **Zookeepr Node**\n" in log
    r = cli("build", "--retire", "--json", epoch=T + 120)
    summary = json.loads(r.out)
    assert (summary["retired"], summary["updated"]) == (2, 2)


def test_a_retired_concept_that_returns_is_restored_in_anki(seed_project, cli, tmp_path) -> None:
    dea = Path("notes/DEA.md")
    anki = Anki(tmp_path / "anki")
    try:
        assert cli("build", epoch=T).code == 0
        anki.import_package(Path("build/DEA.apkg"))
        line = _drop(dea, "- **Zookeepr Node**")
        assert cli("build", "--retire", epoch=T + 60).code == 0
        lock = Path("notes/dea2anki.lock").read_text("utf-8")
        retired = json.loads(next(x for x in lock.splitlines() if "Zookeepr Node" in x))
        assert (retired["state"], retired["mod"]) == ("retired", T + 60)
        assert anki.import_package(Path("build/DEA.apkg")).updated == 1
        text = dea.read_text("utf-8").replace("- **Broker Node**", line + "\n- **Broker Node**")
        dea.write_text(text, "utf-8")
        assert cli("build", epoch=T + 120).code == 0
        assert anki.import_package(Path("build/DEA.apkg")).updated == 1
        note = next(n for n in anki.notes().values() if "Zookeepr" in n["fields"]["Term"])
        assert "dea2anki::retired" not in note["tags"]
        assert note["fields"]["Definition"].startswith("분산시스템")
    finally:
        anki.close()


def test_an_obsidian_block_id_added_to_a_concept_is_no_change(seed_project, cli) -> None:
    dea = Path("notes/DEA.md")
    assert cli("build", epoch=T).code == 0
    text = dea.read_text("utf-8")
    line = next(x for x in text.split("\n") if x.startswith("- **Parquet**"))
    dea.write_text(text.replace(line, line + " ^parquet"), "utf-8")
    assert cli("changelog").out == "# Release notes\n\nNo changes.\n"


def test_a_concept_moved_to_another_file_and_edited_keeps_its_note(seed_project, cli) -> None:
    dea = Path("notes/DEA.md")
    assert cli("build", epoch=T).code == 0
    guid = next(n.guid for n in read_apkg(Path("build/DEA.apkg")) if "Broker Node" in n.fields[0])
    line = _drop(dea, "- **Broker Node**")
    write("notes/Kafka.md", f"# Kafka\n\n**_Concept_**\n\n{line.replace('역할을 한다', '역할')}\n")
    r = cli("build", epoch=T + 60)
    assert "moved: 'Broker Node'" in r.out
    moved = next(n for n in read_apkg(Path("build/Kafka.apkg")) if "Broker Node" in n.fields[0])
    assert moved.guid == guid


def test_a_callout_after_a_plain_quote_or_a_quoted_list_is_still_a_callout() -> None:
    r = CardRenderer()
    _, definition = r.fields("T", "a", "> plain\n\n> [!tip] T\n> body")
    assert definition.endswith(
        '<div class="d2a-callout d2a-callout-tip">\n'
        '<div class="d2a-callout-title">T</div>\n<p>body</p>\n</div>'
    )
    assert "<blockquote>\n<p>plain</p>\n</blockquote>" in definition
    _, definition = r.fields("T", "a", "> - item\n\n> [!warning|wide] Care\n> body")
    assert "<blockquote>\n<ul>\n<li>item</li>\n</ul>\n</blockquote>" in definition
    assert '<div class="d2a-callout-title">Care</div>' in definition


def test_footnotes_written_with_other_line_ends_or_tab_indents_are_found() -> None:
    assert definitions("x[^1]\r\n\r\n[^1]: note one\r\n[^2]: two\r") == {
        "1": "note one\n",
        "2": "two\n\n",
    }
    # Obsidian indents a note's later paragraphs with a tab: they are the note's too.
    assert definitions("x[^1]\n\n[^1]: first line\n\n\tsecond para\n") == {
        "1": "first line\n\n    second para\n\n"
    }


def test_a_footnote_cited_only_under_the_concept_is_numbered() -> None:
    r = CardRenderer(footnotes={"1": "from the file"})
    assert r.fields("T", "plain", "more[^1]")[1] == (
        '<p>plain</p>\n<p>more<sup class="d2a-fnref">1</sup></p>\n'
        '<ol class="d2a-footnotes">\n<li>from the file</li>\n</ol>'
    )

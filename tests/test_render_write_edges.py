"""Card rendering, note fields and package writing, pinned where mutation testing showed no
test protected them.

Each group names what a learner would lose if it broke. The golden strings follow
tests/fixtures/render.txt: the exact field HTML a card gets. Field text that changes between
versions makes Anki update every note on the next import, so quotes and apostrophes that
need no escaping must stay as written.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import zipfile
from pathlib import Path

import genanki
import pytest
from conftest import write as write_file

from dea2anki.identity.keys import (
    content_hash,
    deck_id,
    default_guid,
    definition_key,
    identity_key,
)
from dea2anki.naming import CONTEXT_SEPARATOR
from dea2anki.pipeline.per_file import process
from dea2anki.read.media import MediaIndex
from dea2anki.records import Fields, FileResult, NoteFile, ReleaseNote
from dea2anki.render.html import CardRenderer
from dea2anki.render.rich import code_css
from dea2anki.render.text import escape, plain_text
from dea2anki.settings import resolve
from dea2anki.write.apkg import NoteTypes, card_rule, write_apkg
from dea2anki.write.apkg_read import read_apkg
from dea2anki.write.atomic import AtomicBatch
from dea2anki.write.notetype import make_cloze_model, make_model
from dea2anki.write.packages import package_filename, write_packages


def media_in_package(ref: str) -> str | None:
    """A media callback that accepts every local image under a stable package name."""
    return "pkg-" + ref.rsplit("/", 1)[-1]


def media_or_missing(ref: str) -> str | None:
    """As media_in_package, but files named gone.* are missing from the vault."""
    return None if ref.startswith("gone.") else media_in_package(ref)


# --- code blocks ---------------------------------------------------------------------------


def test_fenced_code_without_language_is_plain_escaped_code() -> None:
    """A fence with no language (the most common kind) must render, escaped, not crash
    the build or lose the card."""
    html = CardRenderer().definition("example", "```\n<b> & co\n```")
    assert html == (
        '<p>example</p>\n<div class="d2a-code"><pre><code>&lt;b&gt; &amp; co\n</code></pre></div>'
    )


def test_fenced_code_with_empty_info_string_is_plain() -> None:
    """A fence followed only by spaces is a block without a language."""
    assert CardRenderer().block("```   \nx = 1\n```") == (
        '<div class="d2a-code"><pre><code>x = 1\n</code></pre></div>'
    )


def test_language_is_the_first_word_of_the_info_string() -> None:
    """Obsidian fences may carry more words (```python title="x" linenums```): the code is
    still highlighted as the first word's language."""
    html = CardRenderer().block('```python   title="x" extra\nx = 1\n```')
    assert html == (
        '<div class="d2a-code"><pre><span></span><code><span class="n">x</span> '
        '<span class="o">=</span> <span class="mi">1</span>\n</code></pre></div>'
    )


def test_plain_code_keeps_quotes_as_written() -> None:
    """Plain code escapes only what HTML needs (<, >, &); quotes stay as typed."""
    html = CardRenderer().block("```\nprint(\"hi\", 'x') < 2\n```")
    assert html == (
        '<div class="d2a-code"><pre><code>print("hi", \'x\') &lt; 2\n</code></pre></div>'
    )


# --- maths -----------------------------------------------------------------------------------


def test_inline_math_escapes_markup_but_keeps_quotes() -> None:
    """MathJax gets the maths as written: f'(x) keeps its prime, <, & are escaped once."""
    assert CardRenderer().inline('$f\'(x) < "a" \\& b$') == ('\\(f\'(x) &lt; "a" \\&amp; b\\)')


def test_display_math_escapes_markup_but_keeps_quotes() -> None:
    html = CardRenderer().definition("derivative", '$$\nf\'(x) < "y"\n$$')
    assert html == '<p>derivative</p>\n\\[f\'(x) &lt; "y"\\]'


# --- wikilinks -------------------------------------------------------------------------------


def test_wikilink_text_keeps_apostrophes_and_quotes() -> None:
    """[[Don't panic]] shows as the page name, markup escaped, quotes as typed."""
    html = CardRenderer().inline("see [[Don't \"panic\" <now>]] and [[Page|Bob's <b>]]")
    assert html == "see Don't \"panic\" &lt;now&gt; and Bob's &lt;b&gt;"


def test_embedded_image_alias_is_its_alt_text() -> None:
    """![[diagram.png|A diagram]] keeps its description as the image's alt text (what a
    screen reader says, and what shows if the image cannot load)."""
    html = CardRenderer(media=media_in_package).inline("![[img/diagram.png|A diagram]]")
    assert html == '<img src="pkg-diagram.png" alt="A diagram">'


def test_embedded_image_size_alias_is_not_alt_text() -> None:
    html = CardRenderer(media=media_in_package).inline("![[diagram.png|300]]")
    assert html == '<img src="pkg-diagram.png" alt="diagram.png" width="300">'


def test_embed_of_a_note_named_like_an_extension_is_not_an_image() -> None:
    """![[png]] embeds a note called "png", not an image: it shows its name."""
    seen: list[str] = []

    def media(ref: str) -> str | None:
        seen.append(ref)
        return "pkg-" + ref

    assert CardRenderer(media=media).inline("![[png]] and ![[GIF]]") == "png and GIF"
    assert seen == []


# --- images that cannot be used ----------------------------------------------------------------


def test_missing_image_falls_back_to_its_text_with_apostrophes_as_written() -> None:
    """A missing image shows its alt text in brackets; an apostrophe stays an apostrophe."""
    assert CardRenderer().inline("![[gone.png|Bob's chart]]") == "[Bob's chart]"
    assert CardRenderer().inline("![Bob's chart](gone.png)") == "[Bob's chart]"


# --- code styles in the note type ----------------------------------------------------------------


def test_code_css_has_day_rules_and_night_rules_for_both_class_names() -> None:
    """Without the day rules highlighted code is unstyled in light mode; a night rule must
    be one valid selector list covering both of Anki's night-mode class names."""
    lines = [line for line in code_css().splitlines() if "{" in line]
    day = [line for line in lines if line.startswith(".d2a-code")]
    night = [line for line in lines if line.startswith(".nightMode ")]
    assert any(line.startswith(".d2a-code .k {") for line in day)  # keywords
    assert len(day) > 10 and len(night) > 10
    assert "None" not in code_css()
    for line in night:
        selector = line.partition("{")[0].strip()
        first, sep, second = selector.partition(", ")
        assert sep and first.startswith(".nightMode .d2a-code"), line
        assert second == first.replace(".nightMode ", ".night_mode ", 1), line


# --- package file names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        ("DEA", "DEA.apkg"),
        ("DEA.", "DEA.apkg"),  # Windows drops trailing dots: the name would not round-trip
        (" .DEA. ", "DEA.apkg"),
        ("...", "deck.apkg"),  # nothing left: a readable default, not a hidden "..apkg"
        (" ", "deck.apkg"),
        ("a/b:c", "a_b_c.apkg"),
    ],
)
def test_package_filename(root: str, expected: str) -> None:
    assert package_filename(root) == expected


# --- failed writes leave nothing behind ---------------------------------------------------


def test_failed_batch_reports_its_own_error_when_a_temporary_file_is_already_gone(
    tmp_path: Path,
) -> None:
    """If a staged temporary file has vanished (cleaned up by another tool), a failing
    batch still raises the real error and removes its other temporary files."""
    out = tmp_path / "out"

    class Boom(Exception):
        pass

    with pytest.raises(Boom), AtomicBatch() as batch:
        with batch.open(out / "a.apkg") as f:
            f.write(b"a")
        with batch.open(out / "b.apkg") as f:
            f.write(b"b")
        (gone,) = out.glob(".a.apkg.*.tmp")
        gone.unlink()
        raise Boom
    assert sorted(p.name for p in out.iterdir()) == []


def test_failed_batch_leaves_previous_outputs_and_no_temporary_files(tmp_path: Path) -> None:
    """A build that fails part-way keeps last time's package, byte for byte."""
    target = tmp_path / "DEA.apkg"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), AtomicBatch() as batch:
        with batch.open(target) as f:
            f.write(b"new")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["DEA.apkg"]


def test_written_outputs_are_world_readable(tmp_path: Path) -> None:
    """mkstemp makes 0600 files; a package must be readable by Anki running as another
    user or synced by another tool."""
    if not hasattr(os, "fchmod"):
        pytest.skip("no file modes here")
    target = tmp_path / "DEA.apkg"
    with AtomicBatch() as batch, batch.open(target) as f:
        f.write(b"x")
    assert target.stat().st_mode & 0o777 == 0o644
    assert target.read_bytes() == b"x"


def test_a_folder_in_the_way_fails_the_whole_batch_with_a_clear_error(tmp_path: Path) -> None:
    """A folder named like a package: nothing is renamed, the error says which path and why
    ("[Errno 21] Is a directory: '…/DEA.apkg'"), and no temporary file is left."""
    (tmp_path / "DEA.apkg").mkdir()
    other = tmp_path / "Other.apkg"
    with pytest.raises(IsADirectoryError) as caught, AtomicBatch() as batch:
        with batch.open(other) as f:
            f.write(b"other")
        with batch.open(tmp_path / "DEA.apkg") as f:
            f.write(b"dea")
    assert caught.value.errno == errno.EISDIR
    assert caught.value.strerror == "Is a directory"
    assert caught.value.filename == str(tmp_path / "DEA.apkg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DEA.apkg"]


def test_last_outputs_are_renamed_after_all_others(tmp_path: Path) -> None:
    """The lock (a ``last`` output) records the packages: it is put in place only after
    every package, so a failed rename never leaves a lock ahead of its packages."""
    renamed: list[str] = []
    real_replace = os.replace

    def recording_replace(src: str, dst: Path) -> None:
        renamed.append(Path(dst).name)
        real_replace(src, dst)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "replace", recording_replace)
        with AtomicBatch() as batch:
            for name, last in [("a.apkg", False), ("lock", True), ("b.apkg", False)]:
                with batch.open(tmp_path / name, last=last) as f:
                    f.write(name.encode())
    assert renamed == ["a.apkg", "b.apkg", "lock"]
    assert (tmp_path / "lock").read_bytes() == b"lock"


# --- packages: what Anki reads from the collection ---------------------------------------


def note(guid: str, deck: str = "DEA", *, tags: tuple[str, ...] = (), **kw: object) -> ReleaseNote:
    fields = kw.pop("fields", (f"term {guid}", f"definition {guid}", "", "", ""))
    return ReleaseNote(guid, 1_700_000_000, deck, tags, fields, **kw)  # type: ignore[arg-type]


def collection_rows(package: Path, sql: str) -> list[tuple[object, ...]]:
    with zipfile.ZipFile(package) as zf:
        db = package.with_suffix(".anki2")
        db.write_bytes(zf.read("collection.anki2"))
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()
        db.unlink()


TIMESTAMP = 1_700_000_123


def test_note_rows_as_anki_expects_them(tmp_path: Path) -> None:
    """Untagged notes have no tags (not a blank or bogus tag), the sort field is the Term
    (what Browse sorts and shows), and usn -1 marks them for the next sync."""
    out = tmp_path / "all.apkg"
    notes = [note("a", tags=("aws", "glue")), note("b", fields=("Zeta", "Alpha", "", "", ""))]
    write_packages(notes, out, timestamp=TIMESTAMP)
    rows = collection_rows(out, "SELECT id, guid, tags, sfld, usn FROM notes ORDER BY id")
    first = TIMESTAMP * 1000
    assert rows == [
        (first, "a", " aws glue ", "term a", -1),
        (first + 1, "b", "", "Zeta", -1),
    ]
    assert [(n.guid, n.tags) for n in read_apkg(out)] == [("a", ("aws", "glue")), ("b", ())]


def test_card_ids_count_up_after_the_note_ids(tmp_path: Path) -> None:
    """Ids are milliseconds from the build time, as genanki's: notes first, then cards, so a
    fixed SOURCE_DATE_EPOCH gives a byte-identical package and Anki shows sane dates."""
    out = tmp_path / "all.apkg"
    reverse = ("term r", "definition r", "", "", "y")  # two cards: forward and reverse
    write_packages([note("a"), note("r", fields=reverse)], out, timestamp=TIMESTAMP)
    first = TIMESTAMP * 1000
    rows = collection_rows(out, "SELECT id, nid, ord, usn, due FROM cards ORDER BY id")
    assert rows == [
        (first + 2, first, 0, -1, 0),
        (first + 3, first + 1, 0, -1, 1),
        (first + 4, first + 1, 1, -1, 1),
    ]


def test_written_package_reports_its_size_and_media(tmp_path: Path) -> None:
    """The build summary prints these: "1 note, 1 card, 1 deck, 1 media file, 0.6 KiB"."""
    picture = write_file(tmp_path / "x.png", b"\x89PNG fake")
    out = tmp_path / "all.apkg"
    (written,) = write_packages(
        [note("a", media=("x-0123.png",))],
        out,
        timestamp=TIMESTAMP,
        media={"x-0123.png": picture, "unused.png": picture},
    )
    assert (written.notes, written.cards, written.decks, written.media) == (1, 1, 1, 1)
    assert written.size == out.stat().st_size


def test_packages_wait_for_the_callers_batch(tmp_path: Path) -> None:
    """A build writes packages and the lock in one batch: if the batch fails, no package
    appears on disk (and none is ahead of the lock)."""
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), AtomicBatch() as batch:
        write_packages([note("a")], out, timestamp=TIMESTAMP, batch=batch)
        assert not (out / "DEA.apkg").exists()
        raise RuntimeError("lock could not be written")
    assert list(out.iterdir()) == []


def test_package_write_error_names_the_package_and_keeps_its_kind(tmp_path: Path) -> None:
    """The error a learner sees names the package (not a temporary file) and keeps its errno,
    so the CLI can tell "a file is in the way" from other failures."""
    blocker = write_file(tmp_path / "out", "a file where the output folder should be")
    with pytest.raises(OSError) as caught:
        write_packages([note("a")], blocker, timestamp=TIMESTAMP)
    assert caught.value.errno == errno.EEXIST
    assert isinstance(caught.value, FileExistsError)
    assert caught.value.filename == str(blocker / "DEA.apkg")


def test_note_type_remembers_the_first_deck(tmp_path: Path) -> None:
    """The note type's deck is where Anki's Add window puts new cards of this type: the
    package's first deck, not a deck that does not exist."""
    out = tmp_path / "all.apkg"
    write_packages([note("a", "DEA::S3"), note("b", "Other")], out, timestamp=TIMESTAMP)
    ((models,),) = collection_rows(out, "SELECT models FROM col")
    ((decks,),) = collection_rows(out, "SELECT decks FROM col")
    first = next(d["id"] for d in json.loads(str(decks)).values() if d["name"] == "DEA::S3")
    assert [m["did"] for m in json.loads(str(models)).values()] == [first]


def test_an_empty_package_can_be_written(tmp_path: Path) -> None:
    """A deck whose notes are all gone still gets a valid package, its note type pointing
    at Anki's Default deck (id 1, which always exists)."""
    out = tmp_path / "empty.apkg"
    written = write_apkg(
        out, NoteTypes(make_model(), make_cloze_model()), [], deck_id, timestamp=TIMESTAMP
    )
    assert (written.notes, written.cards, written.decks) == (0, 0, 0)
    assert read_apkg(out) == []
    ((models,),) = collection_rows(out, "SELECT models FROM col")
    assert [m["did"] for m in json.loads(str(models)).values()] == [1]


def test_card_rule_follows_genankis_any_requirement() -> None:
    """A card whose front shows {{A}}{{B}} exists when either field is filled (genanki's
    "any" rule); without it such notes would lose cards, or get blank ones."""
    model = genanki.Model(
        1,
        "any-rule",
        fields=[{"name": "A"}, {"name": "B"}, {"name": "C"}],
        templates=[
            {"name": "either", "qfmt": "{{A}}{{B}}", "afmt": "x"},
            {"name": "c only", "qfmt": "{{C}}", "afmt": "x"},
        ],
    )
    ords = card_rule(model)
    assert ords(["x", "", ""]) == [0]
    assert ords(["", "y", "z"]) == [0, 1]
    assert ords(["", "", ""]) == []


# --- golden field HTML for more constructs (same layout as tests/fixtures/render.txt) -------

FENCES_AND_BLOCK_IDS = [
    # A ``` line inside a ~~~ fence does not close it; ids in code are code, not ids.
    (
        "~~~\n```\nstill ^in\n~~~\nout ^o",
        '<div class="d2a-code"><pre><code>```\nstill ^in\n</code></pre></div>\n<p>out</p>',
    ),
    (
        "~~~py\nx ^k\n~~~\n\n^solo\n",
        '<div class="d2a-code"><pre><span></span><code><span class="n">x</span> '
        '<span class="o">^</span><span class="n">k</span>\n</code></pre></div>',
    ),
    ("  ^indented\ntext", "<p>text</p>"),
]


@pytest.mark.parametrize(("src", "expected"), FENCES_AND_BLOCK_IDS)
@pytest.mark.parametrize("allow_html", [False, True])
def test_block_ids_are_hidden_but_code_is_kept(src: str, allow_html: bool, expected: str) -> None:
    """A learner never sees Obsidian's ^block-ids, but code that contains ^x is kept whole."""
    assert CardRenderer(allow_html=allow_html).block(src) == expected


def test_allow_html_still_escapes_maths_and_neutralises_links() -> None:
    """allow-html lets raw tags through; it must not unescape maths or allow javascript:."""
    r = CardRenderer(allow_html=True)
    assert r.inline("$a<b$ and $$x$$ and $5 and $10") == (
        "\\(a&lt;b\\) and \\[x\\]\n and $5 and $10"
    )
    assert r.inline("[x](javascript:alert(1)) [y](http://a.b)") == (
        '<a href="#harmful-link">x</a> <a href="http://a.b">y</a>'
    )


def test_allow_html_false_escapes_raw_html() -> None:
    """With allow-html false, tags in a note show as text (nothing runs on the card); by
    default the safe ones are kept."""
    assert CardRenderer(allow_html=False).inline("==mark== ~~del~~ <b>raw</b>") == (
        "<mark>mark</mark> <del>del</del> &lt;b&gt;raw&lt;/b&gt;"
    )
    assert CardRenderer().inline("==mark== <b>raw</b>") == "<mark>mark</mark> <b>raw</b>"
    assert CardRenderer().inline('a "quoted" word') == "a &quot;quoted&quot; word"


def test_image_embeds_sizes_notes_and_missing_files() -> None:
    html = CardRenderer(media=media_or_missing).inline(
        "![[diagram.png|A diagram]] ![[d.PNG|300]] ![[c.png|240x120]] ![[note]] ![[gone.png]]"
    )
    assert html == (
        '<img src="pkg-diagram.png" alt="A diagram"> '
        '<img src="pkg-d.PNG" alt="d.PNG" width="300"> '
        '<img src="pkg-c.png" alt="c.png" width="240" height="120"> note [gone.png]'
    )


@pytest.mark.parametrize(
    ("definition", "details", "expected"),
    [
        ("1. step", "- a\n- b", "<p>1. step</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("", "only details", "<p>only details</p>"),
        ("only def", "", "only def"),
        ("", "", ""),
    ],
)
def test_definition_field_layout(definition: str, details: str, expected: str) -> None:
    """The concept line stays inline text (``1. step`` is not a list); details follow."""
    assert CardRenderer().definition(definition, details) == expected


# --- plain text (note identity and deck names) ------------------------------------------------


@pytest.mark.parametrize(
    ("src", "keep_html", "expected"),
    [
        ("**[[Glue|AWS Glue]]** `x`", False, "AWS Glue x"),
        ("[[a]] [[b]]", True, "a b"),
        ("a\nb", True, "a b"),
        ("trailing  \nbreak", True, "trailing break"),
        ("x\xa0y", True, "x y"),
        ("[x](javascript:alert(1)) [y](http://a.b)", True, "x y"),
        ("<b>h</b> text", True, "<b>h</b> text"),
        ("<b>h</b> text", False, "h text"),
        ("**<i>x</i>** y", True, "<i>x</i> y"),
        ("**<i>x</i>** y", False, "x y"),
    ],
)
def test_plain_text(src: str, keep_html: bool, expected: str) -> None:
    """The text a reader sees: a change here changes note identities (cards lose history)."""
    assert plain_text(src, keep_html=keep_html) == expected


def test_plain_text_keeps_html_by_default() -> None:
    """Raw HTML shows (escaped) on cards, so it is part of a concept's identity by default."""
    assert plain_text("<b>h</b> text") == "<b>h</b> text"
    assert plain_text("**<i>x</i>** y") == "<i>x</i> y"


def test_text_escape_keeps_quotes() -> None:
    assert escape('a "q" <b> & c') == 'a "q" &lt;b&gt; &amp; c'


# --- one note file, processed (pipeline/per_file.py) ---------------------------------------

NOTE_FILE = """\
---
tags: [file/tag, dea]
reverse: true
---
# H1
## H2 *x*
### S3 -> Athena & Glue
**_Concept_**

- **Alpha** : first def with `x` and ![](img/p.png) : DEA ; AWS ^alpha
- **Beta** : second : Tag ; aws
- **Gamma** :: DEA ;
"""


def process_file(root: Path, name: str, text: str, **flags: object) -> FileResult:
    path = write_file(root / name, text)
    nf = NoteFile(path, name, name, root)
    return process(nf, path.read_bytes(), resolve(flags))


def test_processed_concepts_carry_their_fields_tags_deck_and_media(tmp_path: Path) -> None:
    """What each note of a file gets: escaped context and source lines, tags in Anki's
    spelling (first spelling wins, file tags and --tags after the concept's), the deck from
    the headings, the packaged image, and identity from root deck + term (+ block id)."""
    write_file(tmp_path / "img" / "p.png", b"\x89PNG fake")
    result = process_file(tmp_path, "R&D.md", NOTE_FILE, tags=["cli"])
    assert result.included and result.root_deck == "R&D" and result.diagnostics == ()
    assert result.source is not None and result.source.file.path == tmp_path / "R&D.md"
    assert result.source.body == ""  # the body is not kept (memory, cache size)
    ((packaged, on_disk),) = result.media
    assert packaged.startswith("p-") and packaged.endswith(".png")
    assert on_disk == str(tmp_path / "img" / "p.png")
    assert result.media_fingerprint is not None
    alpha, beta, gamma = result.located
    assert [c.field_term for c in result.located] == ["Alpha", "Beta", "Gamma"]
    assert alpha.field_definition == (
        f'first def with <code>x</code> and <img src="{packaged}" alt="">'
    )
    assert (beta.field_definition, gamma.field_definition) == ("second", "")
    for n, c in enumerate(result.located):
        assert c.deck == "R&D::H1::H2 x"
        assert c.root_deck == "R&D" and c.source is result.source
        assert c.field_context == CONTEXT_SEPARATOR.join(
            ["H1", "H2 x", "S3 -&gt; Athena &amp; Glue"]
        )
        assert c.field_source == f"R&amp;D.md:{10 + n}"
        assert c.field_reverse == "y"
        assert c.key == (identity_key("R&D"), identity_key(c.field_term))
        fields = Fields(
            c.field_term, c.field_definition, c.field_context, c.field_source, c.field_reverse
        )
        assert c.content == content_hash(fields, c.tags, source="R&D.md")
        assert c.definition_key == definition_key(c.concept.definition)
    assert alpha.guid == default_guid(alpha.key, "alpha")
    assert beta.guid == default_guid(beta.key, None)
    assert alpha.media == (packaged,) and beta.media == gamma.media == ()
    assert alpha.raw_tags == ("DEA", "AWS", "file/tag", "dea", "cli")
    assert alpha.tags == ("DEA", "AWS", "file::tag", "cli")
    assert beta.tags == ("Tag", "AWS", "file::tag", "DEA", "cli")
    assert gamma.tags == ("DEA", "file::tag", "cli")


def test_file_settings_reach_the_cards(tmp_path: Path) -> None:
    """allow-html and deck-depth from the frontmatter; reverse off by default; a missing
    image is reported, not fatal."""
    text = "---\nallow-html: true\ndeck-depth: 0\n---\n# Sec\n- <b>A</b> : ![[gone.png]] : T ;\n"
    result = process_file(tmp_path, "Html.md", text)
    (only,) = result.located
    assert (only.field_term, only.deck, only.field_reverse) == ("<b>A</b>", "Html", "")
    assert only.field_definition == "[gone.png]"
    assert [(d.path, d.line, d.code) for d in result.diagnostics] == [
        ("Html.md", 6, "missing-media")
    ]
    assert result.media == () and only.media == ()


def test_excluded_files_keep_their_warnings(tmp_path: Path) -> None:
    """An ``anki: false`` file is left out, but a misspelt key in it is still reported."""
    result = process_file(tmp_path, "Off.md", "---\nanki: false\nDeck: X\n---\n- A : b : T ;\n")
    assert result.included is False and result.located == ()
    assert result.source is not None and result.source.anki is False
    assert len(result.diagnostics) == 1 and "'Deck'" in result.diagnostics[0].message


def test_skipped_drafts_and_unusable_root_decks(tmp_path: Path) -> None:
    draft = process_file(tmp_path, "Draft.md", "---\ndraft: true\n---\n- A : b : T ;\n")
    assert draft.included and [c.field_term for c in draft.located] == ["A"]
    skipped = process_file(
        tmp_path, "Draft.md", "---\ndraft: true\n---\n- A : b : T ;\n", **{"skip-drafts": True}
    )
    assert skipped.included is False and skipped.located == ()
    assert draft.media_fingerprint is None  # no images: the cache need not check the folder
    bad = process_file(tmp_path, "Bad.md", "---\ndeck: '::'\n---\n- A : b : T ;\n")
    assert bad.root_deck is None and bad.located == ()
    assert [(d.path, d.code, d.message) for d in bad.diagnostics if d.code == "deck-name"] == [
        (
            "Bad.md",
            "deck-name",
            "root deck '::' is empty once cleaned; set 'deck:' in the frontmatter",
        )
    ]
    empty = process_file(tmp_path, "Empty.md", "# nothing here\n")
    assert empty.located == ()
    assert [(d.path, d.code, d.message) for d in empty.diagnostics] == [
        ("Empty.md", "no-concepts", "no concepts found in this file")
    ]


def test_unreadable_file_is_reported_under_its_name(tmp_path: Path) -> None:
    path = write_file(tmp_path / "Broken.md", b"\xff\xfe---\nbad")
    result = process(
        NoteFile(path, "Broken.md", "Broken.md", tmp_path), path.read_bytes(), resolve({})
    )
    assert (result.source, result.root_deck, result.located) == (None, None, ())
    assert [(d.path, d.line, d.code) for d in result.diagnostics] == [("Broken.md", 1, "not-utf8")]


def test_parse_warnings_name_the_file(tmp_path: Path) -> None:
    result = process_file(
        tmp_path, "Blk.md", "# H\n**_Concept_**\n\n- **NoSep**\n- **A** : b : T\n"
    )
    assert [(d.path, d.line, d.code) for d in result.diagnostics] == [
        ("Blk.md", 4, "concept-no-separator")
    ]


def test_a_shared_media_index_is_used_and_filled(tmp_path: Path) -> None:
    """One build walks each notes folder once, however many files embed images."""
    write_file(tmp_path / "img" / "p.png", b"\x89PNG fake")
    path = write_file(tmp_path / "A.md", "# H\n- A : ![](img/p.png) : T ;\n")
    indexes: dict[Path, MediaIndex] = {}
    nf = NoteFile(path, "A.md", "A.md", tmp_path)
    first = process(nf, path.read_bytes(), resolve({}), indexes)
    assert list(indexes) == [tmp_path]
    index = indexes[tmp_path]
    again = process(nf, path.read_bytes(), resolve({}), indexes)
    assert indexes == {tmp_path: index} and indexes[tmp_path] is index
    assert first.media == again.media and len(first.media) == 1


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("![a & b <3](gone.png)", "[a &amp; b &lt;3]"),
        ("![**bold** alt](gone.png)", "[bold alt]"),
        ("![[gone.png|Tom & Jerry]]", "[Tom &amp; Jerry]"),
        ("![](gone.png)", "[gone.png]"),
    ],
)
def test_a_missing_image_shows_its_alt_text_escaped_once(markdown: str, shown: str) -> None:
    """The learner reads "[a & b <3]" where the image would be, not "[a &amp; b ...]"."""
    assert CardRenderer(media=media_or_missing).inline(markdown) == shown

"""The ``glossary`` syntax: one case per rule in tests/fixtures/syntax_glossary.txt, read by
both parse paths, and properties of its reader on random Markdown-ish text."""

from __future__ import annotations

import time

from hypothesis import given
from syntax_fixtures import SOUND, assert_sound, markdownish

from dea2anki.syntax.glossary import LABELS, TERM_HEADERS
from dea2anki.syntax.parse import parse_concepts


def test_off_unless_named() -> None:
    md = "# H\n\n- **Term**: definition\n"
    assert parse_concepts(md).concepts == ()
    (c,) = parse_concepts(md, syntaxes=["glossary"]).concepts
    assert (c.term, c.definition) == ("Term", "definition")


def test_block_ids_and_columns() -> None:
    md = "# H\n\n- **Idem**: twice is once ^idem\n\nText\n **Row** - a row\n"
    found = parse_concepts(md, syntaxes=["glossary"]).concepts
    assert [(c.term, c.block_id, c.column) for c in found] == [
        ("Idem", "idem", 3),
        ("Row", None, 2),
    ]


def test_a_paragraph_block_id_names_its_last_card_and_is_never_text() -> None:
    # At the end of the last line, or alone on a line after it (as for the other syntaxes,
    # dea2anki.naming.take_block_id); after a table it names the last row.
    md = (
        "# H\n\n**A**: first\n**B**: second ^bee\n\n**C**: third\n^sea\n\n"
        "| Term | Def |\n|---|---|\n| d | fourth |\n^dee\n"
    )
    found = parse_concepts(md, syntaxes=["glossary"]).concepts
    assert [(c.term, c.definition, c.block_id) for c in found] == [
        ("A", "first", None),
        ("B", "second", "bee"),
        ("C", "third", "sea"),
        ("d", "fourth", "dee"),
    ]


def test_every_header_word_reads_a_table() -> None:
    for word in sorted(TERM_HEADERS):
        md = f"# H\n\n| {word.title()} | x |\n|---|---|\n| a | b |\n"
        (c,) = parse_concepts(md, syntaxes=["glossary"]).concepts
        assert (c.term, c.definition) == ("a", "b"), word


def test_labels_are_not_terms() -> None:
    for label in sorted(LABELS):
        md = f"# H\n\n- **{label}**: x\n\n**{label.upper()}:** y\n"
        assert parse_concepts(md, syntaxes=["glossary"]).concepts == (), label


def test_a_table_row_with_more_cells_than_the_header() -> None:
    md = "# H\n\n| Term | Def |\n|---|---|\n| a | b | extra |\n| c |\n"
    found = parse_concepts(md, syntaxes=["glossary"]).concepts
    assert [(c.term, c.definition) for c in found] == [("a", "b"), ("c", "")]


def test_long_lines_take_linear_time() -> None:
    # A bold term then 60000 blanks took 30 s (two `\s*` around an optional colon), a row
    # of a dash then 60000 blanks 13 s (the delimiter row's pattern, likewise).
    blanks = " " * 60_000
    for md in (f"# H\n\n**a**{blanks}x\n", f"# H\n\n| a | b |\n|-{blanks}x\n"):
        start = time.perf_counter()
        assert parse_concepts(md, syntaxes=["glossary"]).concepts == ()
        assert time.perf_counter() - start < 5


# --- properties --------------------------------------------------------------------------------

FRAGMENTS = [
    "- **T**: d",
    "- **T:** d",
    "1. **T** - d",
    "- **T** \u2013 d",
    "**T** \u2014 d",
    "**T**: d",
    "**T**",
    "**T**\\",
    "**Note**: x",
    "**",
    "__U__: v",
    "continued text",
    "",
    "",
    "# H",
    "## 용어",
    "---",
    "| Term | Def |",
    "| 용어 | 설명 | 예 |",
    "|---|---|",
    "|:--|--:|--|",
    "| **a** | b |",
    "| a \\| b | c |",
    "| | |",
    "  - **sub**: x",
    "> **q**: r",
    "**_Concept_**",
    "- **A** : b : K ; L",
    "```",
    "  indented",
    "text ^block-1",
]
TEXTS = markdownish(FRAGMENTS, "*_:|-\u2013\u2014 \n#>`ab1^\\")


@given(TEXTS)
@SOUND
def test_any_text_is_read_soundly(text: str) -> None:
    assert_sound(text, (["glossary"], ["concept", "glossary"]))

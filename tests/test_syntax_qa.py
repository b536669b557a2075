"""The ``qa`` syntax: one case per rule in tests/fixtures/syntax_qa.txt, read by both parse
paths, its markers, and properties of its reader on random Markdown-ish text."""

from __future__ import annotations

import pytest
from hypothesis import given
from syntax_fixtures import SOUND, assert_sound, markdownish

from dea2anki.settings import DEFAULT_SYNTAXES
from dea2anki.syntax.blocks import HEADING, FileContext
from dea2anki.syntax.lines import scan_gap, setext_underline
from dea2anki.syntax.parse import parse_concepts
from dea2anki.syntax.qa import answer_marker, question_marker, split_pair
from dea2anki.syntax.walk import walk


def test_on_by_default() -> None:
    assert "qa" in DEFAULT_SYNTAXES
    (c,) = parse_concepts("# H\n\nQ: Why?\nA: Because.\n").concepts
    assert (c.term, c.definition) == ("Why?", "Because.")


@pytest.mark.parametrize(
    ("line", "text", "strong"),
    [
        ("Q: Why?", "Why?", True),
        ("**Q:** Why?", "Why?", True),
        ("**Q**: Why?", "Why?", True),
        ("**Q: Why?**", "Why?", True),
        ("**Q: Why** not?", "**Why** not?", True),
        ("*Q:* Why?", "Why?", True),
        ("Question: Why?", "Why?", True),
        ("QUESTION : Why?", "Why?", True),
        ("q: why?", "why?", False),
        ("Q. Why?", "Why?", False),
        ("Q\uff1a Why?", "Why?", True),
    ],
)
def test_question_markers(line: str, text: str, strong: bool) -> None:
    assert question_marker(line) == (text, strong)


@pytest.mark.parametrize(
    "line", ["Q.E.D.", "Quick: no", "Questions: many", "Q3: revenue", "Q&A: x", "QA: y", "Qu: z"]
)
def test_not_question_markers(line: str) -> None:
    assert question_marker(line) is None


def test_answer_markers() -> None:
    assert answer_marker("**A:** yes") == ("yes", True)
    assert answer_marker("Answer: yes") == ("yes", True)
    assert answer_marker("a: yes") == ("yes", False)
    assert answer_marker("A. yes") == ("yes", False)
    assert answer_marker("As: no") is None


def test_an_inline_answer_needs_a_question_mark() -> None:
    pair = split_pair("Q: What is the map A: B to C?")
    assert pair is not None and pair.answer is None
    pair = split_pair("Q: What is it? **A:** That.")
    assert pair is not None and (pair.question, pair.answer) == ("What is it?", "That.")


def test_columns_and_block_ids() -> None:
    md = "# H\n\n**Q:** Why? ^why-q\n**A:** Because.\n\n- Q: Item? A: Yes. ^item\n"
    found = parse_concepts(md, syntaxes=["qa"]).concepts
    assert [(c.term, c.column, c.block_id) for c in found] == [
        ("Why?", 8, "why-q"),
        ("Item?", 6, "item"),
    ]


def test_a_block_id_on_its_own_last_line() -> None:
    # As every syntax reads it (naming.take_block_id): an id, not a line of the answer.
    md = "# H\n\nQ: Where is Paris?\nA: France\n^paris\n\nQ: Why?\nA: Because. ^why\n"
    found = parse_concepts(md, syntaxes=["qa"]).concepts
    assert [(c.term, c.definition, c.block_id) for c in found] == [
        ("Where is Paris?", "France", "paris"),
        ("Why?", "Because.", "why"),
    ]


def test_setext_underlines_and_breaks_in_gaps() -> None:
    md = "# H\n\nQ: a\nA: b\n---\n\n## Q\n---\ntext\n\n    code\n> ---\n"
    file = FileContext("note.md", md, 1, 2)
    headings = [b for b in walk(md, 1) if b.kind == HEADING]
    assert [(b.line, setext_underline(file, b)) for b in headings] == [(1, 0), (3, 5), (7, 0)]
    assert scan_gap(file, 5, 7) == (False, 4)  # a `---` line ends a gap
    assert scan_gap(file, 10, 13) == (True, 12)  # code, and `---` in a quote, do not


def test_an_answer_item_keeps_its_sub_list() -> None:
    md = "# H\n\nQ: Which ones?\n- A: these:\n  - one\n  - two\n"
    (c,) = parse_concepts(md, syntaxes=["qa"]).concepts
    assert (c.definition, c.details) == ("these:", "- one\n- two")


def test_the_last_card_ends_at_the_end_of_the_file() -> None:
    md = "# H\n\nQ: Last?\nA: Yes.\n\n```\ncode\n```\n\n<!--ID: 1-->\n"
    (c,) = parse_concepts(md, syntaxes=["qa"]).concepts
    assert (c.definition, c.details) == ("Yes.", "```\ncode\n```")


def test_a_question_marker_in_a_heading_of_the_heading_syntax() -> None:
    # The qa reader takes the heading off the deck path whoever else reads the file.
    md = "# Top\n\n## Q: Why?\n\nA: Because.\n\n## Next\n\nQ: More?\nA: Yes.\n"
    found = parse_concepts(md).concepts
    assert [(c.term, c.deck_path) for c in found] == [
        ("Why?", ("Top",)),
        ("More?", ("Top", "Next")),
    ]


# --- properties --------------------------------------------------------------------------------

FRAGMENTS = [
    "Q: why?",
    "Q: why? A: because",
    "A: because",
    "**Q:** bold",
    "**A:** bold",
    "**Q**: x",
    "**Q: x**",
    "q: low",
    "a: low",
    "Question: q",
    "Answer: a",
    "Q.",
    "A:",
    "Q:",
    "- Q: item",
    "- A: item",
    "  - A: sub",
    "1. Q: n",
    "### Q: heading?",
    "# H",
    "## Q: h2? A: a heading card's",
    "---",
    "```",
    "text",
    "continued text",
    "",
    "",
    "> Q: quoted",
    "> A: quoted",
    "> [!definition] T",
    "> [!flashcard]",
    "> **Q**: k",
    "> **A**: l",
    "> body",
    ">",
    "> > [!note] n",
    "<!--ID: 1-->",
    "%% c %%",
    "<div>",
    "The {{c1::x}} y.",
    "- **T** : d : K ;",
    "B: dialogue",
    "Q: x::y",
    "    indented",
    "^block-1",
]
TEXTS = markdownish(FRAGMENTS, "QAqa:.*_ \n#>-`![]{}^%<", lines=16)
SYNTAX_SETS = (["qa"], ["qa", "callout"], ["heading", "sr", "qa"], list(DEFAULT_SYNTAXES))


@given(TEXTS)
@SOUND
def test_any_text_is_read_soundly(text: str) -> None:
    assert_sound(text, SYNTAX_SETS)

"""The ``sr`` syntax: one case per rule in tests/fixtures/syntax_sr.txt, read by both parse
paths, and properties of its reader on random Markdown-ish text."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from syntax_fixtures import SOUND, assert_sound, markdownish

from dea2anki.syntax.concept_line import mask_code_spans
from dea2anki.syntax.parse import parse_concepts
from dea2anki.syntax.sr_marks import (
    _CLASSIC,
    _OVERLAPPING,
    _SIMPLE,
    NOT_CLOZE,
    NOT_SEPARATOR,
    highlights,
    masked,
    unscheduled,
)


def test_every_warning_says_what_to_do() -> None:
    result = parse_concepts("# H\n\nQ::\n\n?\nA\n\nQ\n?\n\nA\n", syntaxes=["sr"])
    messages = [d.message for d in result.diagnostics]
    assert len(messages) == 3
    assert all("write it" in m for m in messages)


def test_cards_keep_their_block_ids() -> None:
    md = "# H\n\nQ::A ^one\n\nF\n?\nB ^two\n\nThe ==x== is y ^three\n"
    found = parse_concepts(md, syntaxes=["sr"]).concepts
    assert [c.block_id for c in found] == ["one", "two", "three"]
    assert [c.definition for c in found] == ["A", "B", ""]


def test_a_block_id_alone_on_the_last_line_is_the_cards() -> None:
    # As for every syntax (dea2anki.naming.take_block_id): a `^id` line ending the card's
    # paragraph names it and is not part of the back.
    md = "# K\n\nWhere is Paris?\n?\nFrance\n^paris\n\nThe ==Seine== flows\n^seine\n"
    found = parse_concepts(md, syntaxes=["sr"]).concepts
    assert [(c.definition, c.block_id) for c in found] == [("France", "paris"), ("", "seine")]
    assert found[1].term_md == "The {{c1::Seine}} flows"


def test_many_unclosed_openers_take_linear_time() -> None:
    # 20000 unclosed `<!--`, `{{c1::` or `<!--SR:` on one line took 14-15 s each, and a
    # highlight with 20000 `;;` and no end 14 s (24 s after a numbered one), with lazy
    # regexes that looked for the end again after every opener.
    lines = [f"x::y {opener * 20000}" for opener in ("<!--", "{{c1::", "<!--SR:")]
    lines += ["x ==y== ==" + "a;;" * 20000, "x ==y== ==1;;" + "a;;" * 20000]
    for line in lines:
        start = time.perf_counter()
        (card,) = parse_concepts(f"# H\n\n{line}\n", syntaxes=["sr"]).concepts
        assert time.perf_counter() - start < 5, line[:20]
        assert card.term == "x" if "::" in line[:4] else card.cloze


def test_columns_point_at_the_front() -> None:
    md = "# H\n\n- [ ] #flashcards/x Q::A\n\n  > Front\n\nPlain\n?\nBack\n"
    found = parse_concepts(md, syntaxes=["sr"]).concepts
    assert [(c.term, c.column) for c in found] == [("Q", 21), ("Plain", 1)]


# --- properties --------------------------------------------------------------------------------

# What ``masked``, ``unscheduled`` and ``highlights`` do, as the lazy regexes they replace
# (quadratic in the number of unclosed openers on a line).
REGEX_NOT_SEPARATOR = re.compile(
    r"<!--.*?-->|\{\{c\d+::.*?\}\}|\b[A-Za-z][\w+.-]{0,31}://[^\s<>()]+"
    r"|\$\$.+?\$\$|\$(?![\s$])[^$\n]+?\$(?!\d)"
)
REGEX_NOT_CLOZE = re.compile(
    r"<!--.*?-->|\{\{c\d+::.*?\}\}|\$\$.+?\$\$|\$(?![\s$])[^$\n]+?\$(?!\d)"
)
REGEX_SR_COMMENT = re.compile(r"[ \t]*<!--SR:.*?-->")
REGEX_HIGHLIGHTS = [
    (opener, re.compile(opener.pattern + r"(.+?)(?:;;(.+?))?=="))
    for opener in (_CLASSIC, _OVERLAPPING, _SIMPLE)
]
MASKED = st.lists(
    st.sampled_from(
        ["<!--", "-->", "<!--SR:", "{{c1::", "{{c22::", "}}", "`", "$", "$$", "==", ";;", "==2;;"]
    )
    | st.text(alphabet=st.sampled_from(list("<!-{}c1:$` \n\tab/=;s")), max_size=4),
    max_size=16,
).map("".join)


def regex_mask(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: "\0" * len(m.group(0)), mask_code_spans(text))


@given(MASKED)
@settings(max_examples=1000, deadline=None, derandomize=True)
def test_the_scans_are_the_regexes(text: str) -> None:
    assert masked(text, NOT_SEPARATOR) == regex_mask(text, REGEX_NOT_SEPARATOR)
    assert masked(text, NOT_CLOZE) == regex_mask(text, REGEX_NOT_CLOZE)
    for line in text.split("\n"):
        assert unscheduled(line) == REGEX_SR_COMMENT.sub("", line)
    for opener, regex in REGEX_HIGHLIGHTS:
        expected = [
            (m.start(), m.end(), m.group(1), m.span(2), m.span(3)) for m in regex.finditer(text)
        ]
        found = [
            (h.start, h.end, h.label, (h.answer_start, h.answer_end), (h.hint_start, h.hint_end))
            for h in highlights(text, opener)
        ]
        assert found == expected


FRAGMENTS = [
    "Q::A",
    "Q:::A",
    "::",
    ":::",
    "?",
    "??",
    "",
    "",
    "# H",
    "## H2",
    "---",
    "- item",
    "- Q::A",
    "  - nested::x",
    "  ?",
    "1) x::y",
    "> quote::q",
    "> ?",
    "```",
    "~~~",
    "`code::span`",
    "==hi== there",
    "==1;;a== ==b;;h==",
    "==ash;;x==",
    "{{c1::anki}}",
    "<!--SR:!2021-08-11,4,270-->",
    "<!-- comment",
    "-->",
    "#flashcards/deck",
    "#tag Q::A",
    "**T** :: DEA ; AWS",
    "text ^block-1",
    "http://[::1]/",
    "$a ::= b$",
    "  indented",
    "\t- tabbed::x",
    "==  ==",
    "- Which?",
    "> - Q",
    ">   ?",
    "   ```",
    "***",
    "===",
    "<details>",
    "- [x] done::y",
    "## Q",
    "Q\n?\nA",
]
TEXTS = markdownish(FRAGMENTS, ":?=#-> `\n\tab1;{}c$<!")


@given(TEXTS)
@SOUND
def test_any_text_is_read_soundly(text: str) -> None:
    assert_sound(text, (["sr"], ["sr", "concept", "cloze"]))


@given(TEXTS)
@SOUND
def test_every_card_starts_on_its_line(text: str) -> None:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for c in parse_concepts(text, syntaxes=["sr"]).concepts:
        first = re.sub(r"\{\{c\d+::|\}\}", " ", c.term_md.split("\n")[0])
        word = re.search(r"\w+", first)
        assert word is None or word.group(0) in lines[c.line - 1], (c, lines[c.line - 1])

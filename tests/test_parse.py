"""The notes grammar: one case per rule in tests/fixtures/grammar.txt (Markdown -> concepts)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from fixture_cases import read_cases
from hypothesis import given, settings
from hypothesis import strategies as st

from dea2anki.diagnostics import CODES
from dea2anki.naming import clean_deck_component, take_block_id
from dea2anki.records import Concept as ConceptRecord
from dea2anki.syntax import parse as parse_module
from dea2anki.syntax.blocks import HEADING, ITEM, Block, FileContext
from dea2anki.syntax.concept import _split_body
from dea2anki.syntax.concept_line import is_tag_list, split_concept_text
from dea2anki.syntax.parse import SYNTAXES, parse_concepts
from dea2anki.syntax.scan import scan

Concept = tuple[str, str, tuple[str, ...]]
"""(term, definition, tags)"""


def concepts(md: str) -> list[Concept]:
    result = parse_concepts(textwrap.dedent(md))
    return [(c.term, c.definition, c.tags) for c in result.concepts]


BLOCK = "# H\n\n**_Concept_**\n\n"

GRAMMAR = Path(__file__).parent / "fixtures" / "grammar.txt"


def expected_concept(line: str, where: str) -> Concept:
    """``term | definition | tag, tag``: the definition runs from the first "|" to the last."""
    term, sep, rest = line.partition("|")
    definition, sep2, tags = rest.rpartition("|")
    if not (sep and sep2):
        raise ValueError(f"case at {where}: want 'term | definition | tags', got {line!r}")
    return (
        term.strip(),
        definition.strip(),
        tuple(tag.strip() for tag in tags.split(",")) if tags.strip() else (),
    )


def load_cases() -> dict[str, tuple[str, list[Concept]]]:
    return {
        name: (case.text, [expected_concept(line, case.where) for line in case.expected])
        for name, case in read_cases(GRAMMAR).items()
    }


CASES = load_cases()


def test_fixture_file_has_all_cases() -> None:
    assert len(CASES) >= 77


@pytest.mark.parametrize("name", list(CASES))
def test_grammar(name: str) -> None:
    md, expected = CASES[name]
    assert concepts(md) == expected
    # The line scanner and mistune read every case alike (lines, details, diagnostics too).
    assert parse_concepts(md) == parse_concepts(md, fast=False)


def test_rest_of_the_item_is_kept_as_details() -> None:
    md = BLOCK + (
        "- **A** : first : K ; L\n\n  second paragraph\n\n  ```sql\n  SELECT 1;\n  ```\n"
        "  - sub : x : K ; L\n- **B** : b\n"
    )
    a, b = parse_concepts(md).concepts
    assert (a.definition, a.tags) == ("first", ("K", "L"))
    assert a.details == "second paragraph\n\n```sql\nSELECT 1;\n```\n- sub : x : K ; L"
    assert (b.term, b.details) == ("B", "")


def test_block_id_is_recorded() -> None:
    (c,) = parse_concepts(BLOCK + "- **Athena** : q : DEA ; AWS ^athena\n").concepts
    assert c.block_id == "athena"


def test_decks_and_context() -> None:
    md = textwrap.dedent(
        """\
        - Top : t : K ; L

        # Security, Identity, and Compliance:

        ## C++ :: Basics

        ### Deep

        #### Deeper

        - A : a : K ; L

        ## Other

        - B : b : K ; L

        # Second

        ### Skipped level

        - C : c : K ; L
        """
    )
    result = parse_concepts(md)
    got = {c.term: (c.deck_path, c.context) for c in result.concepts}
    assert got["Top"] == ((), ())
    assert got["A"] == (
        ("Security, Identity, and Compliance", "C++: Basics"),
        ("Security, Identity, and Compliance", "C++: Basics", "Deep", "Deeper"),
    )
    assert got["B"] == (("Security, Identity, and Compliance", "Other"), got["B"][1])
    assert got["C"] == (("Second",), ("Second", "Skipped level"))
    depth1 = {c.term: c.deck_path for c in parse_concepts(md, deck_depth=1).concepts}
    assert depth1["A"] == ("Security, Identity, and Compliance",)
    depth0 = {c.term: c.deck_path for c in parse_concepts(md, deck_depth=0).concepts}
    assert set(depth0.values()) == {()}


def test_setext_headings_and_markup_in_headings() -> None:
    md = "Big *Title*\n===\n\nSmall\n---\n\n- A : a : K ; L\n"
    (c,) = parse_concepts(md).concepts
    assert c.deck_path == ("Big Title", "Small")
    assert c.line == 7


def test_empty_heading_warns_and_adds_no_level() -> None:
    result = parse_concepts("# ::\n\n## Real\n\n- A : a : K ; L\n", path="n.md")
    assert result.concepts[0].deck_path == ("Real",)
    (d,) = result.diagnostics
    assert (d.path, d.line, d.code) == ("n.md", 1, "empty-deck-name")


def test_bold_item_without_separator_in_block_warns() -> None:
    result = parse_concepts(BLOCK + "- **Lonely term**\n- plain bullet\n", path="n.md")
    assert result.concepts == ()
    (d,) = result.diagnostics
    assert (d.line, d.code) == (5, "concept-no-separator")


def test_line_numbers_follow_the_file() -> None:
    md = textwrap.dedent(
        """\
        # H

        ```
        - **A** : in code : K ; L
        ```

        Para with - **A** : a : K ; L inside

        **_Concept_**

        - **A** : a : K ; L

        - **B** : b
          continued : K ; L
        - **C** : c : K ; L
        """
    )
    lines = {c.term: c.line for c in parse_concepts(md, first_line=10).concepts}
    assert lines == {"A": 20, "B": 22, "C": 24}


@pytest.mark.parametrize(
    ("md", "lines"),
    [
        ("- ```\n  code\n  ```\n- A : a : K ;\n- B : again : K ;\n", {"A": 4, "B": 5}),
        ("> ```\n> - A : a : K ;\n> ```\n\n- A : b : K ;\n\n```\ny\n```\n", {"A": 5}),
        ("# H\n\n```\n```\n- A : a : K ; L\n", {"A": 5}),
        ("- - A : a : K ; L\n- B : b : K ; L\n", {"A": 1, "B": 2}),
        ("-\n  **A** : a : K ; L\n", {"A": 2}),
        ("> quoted\n> - A : a : K ;\n", {"A": 2}),
        ("- x\n\n  ~~~\n  - A : in code : K ;\n  ~~~\n- A : real : K ;\n", {"A": 6}),
        ("Title\n=====\n\n- A : a : K ;\n", {"A": 4}),
    ],
)
def test_tricky_line_numbers(md: str, lines: dict[str, int]) -> None:
    got = {c.term: c.line for c in parse_concepts(md).concepts}
    assert got == lines
    src = md.split("\n")
    for c in parse_concepts(md).concepts:
        assert c.term in src[c.line - 1]


def test_long_backtick_runs() -> None:
    # Used to take cubic time in the separator scan (94 s for this line).
    (c,) = parse_concepts(BLOCK + "- **T** : " + "`" * 20000 + " : K ; L\n").concepts
    assert (c.term, len(c.definition), c.tags) == ("T", 20000, ("K", "L"))


@pytest.mark.parametrize(
    ("heading", "deck"),
    [
        ("Security, Identity, and Compliance:", "Security, Identity, and Compliance"),
        ("  spaced  ", "spaced"),
        ("A::B", "A: B"),
        ("A:::B", "A: B"),
        (":: lead", "lead"),
        ("Step 1: go", "Step 1: go"),
        ("::", ""),
    ],
)
def test_clean_deck_component(heading: str, deck: str) -> None:
    assert clean_deck_component(heading) == deck


def test_split_without_separator() -> None:
    assert split_concept_text("**Term** no colon here") is None


def test_every_syntax_hears_headings_and_the_first_to_read_an_item_claims_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headings: list[str] = []

    class Spy:
        """A second syntax: at each heading a card of the deck it closes, the items that start
        with '!', a card at the end of the file; it takes the heading "Mine"."""

        name = "spy"

        def reader(self, file: FileContext) -> Spy:
            self.file = file
            return self

        def read(self, block: Block) -> tuple[ConceptRecord, ...] | None:
            if block.kind == ITEM and block.text.startswith("!"):
                return (self.file.concept("spy", "spy", "x", (), block.line, None),)
            return None

        def boundary(self, block: Block) -> tuple[ConceptRecord, ...]:
            if block.kind != HEADING:
                return ()
            headings.append(block.text)
            if block.text == "Mine":
                self.file.take_heading()
            closing = "/".join(h.title for h in self.file.trail)
            return (self.file.concept("end " + closing, "x", "h", (), block.line, None),)

        def finish(self) -> tuple[ConceptRecord, ...]:
            return (self.file.concept("last", "last", "x", (), 99, None),)

    monkeypatch.setitem(SYNTAXES, "spy", Spy())
    monkeypatch.setattr(parse_module, "CLAIM_ORDER", ("spy", *parse_module.CLAIM_ORDER))
    # W is a concept only inside a concept block, which heading B ends.
    md = (
        "# A\n\n**_Concept_**\n\n- **T** : d\n\n# B\n\n- **W** : w\n- U : u : K ;\n- !V : v : K ;\n"
        "## Mine\n\n- X : x : K ;\n"
    )
    found = parse_concepts(md, syntaxes=["concept", "spy"]).concepts
    # The spy claims first (the claim order, not the order given); the concept syntax still
    # hears of the headings; the spy's heading makes no deck.
    assert [(c.term, c.deck_path) for c in found] == [
        ("end ", ()),
        ("T", ("A",)),
        ("end A", ("A",)),
        ("U", ("B",)),
        ("spy", ("B",)),
        ("end B", ("B",)),
        ("X", ("B",)),
        ("last", ("B",)),
    ]
    assert headings == ["A", "B", "Mine"]
    only_concept = parse_concepts(md).concepts
    assert [c.term for c in only_concept] == ["T", "U", "!V", "X"]


# --- the concept syntax's extensions (issue 11) ----------------------------------------------


def test_heading_opener_makes_no_deck_and_no_context() -> None:
    md = textwrap.dedent(
        """\
        # Analytics

        ## Amazon Athena

        ### _Concept_

        - **Workgroup** : isolates queries

        #### Federated

        - **Connector** : a Lambda function

        ## Amazon EMR

        ### Notebooks

        ## Concepts:

        - **EMR** : managed Hadoop
        """
    )
    got = [(c.term, c.deck_path, c.context) for c in parse_concepts(md).concepts]
    athena = ("Analytics", "Amazon Athena")
    # A deeper heading inside the block is a Context entry as usual; `## Concepts:` closes
    # `## Amazon EMR` and `### Notebooks`, as any heading of its level would, but makes no
    # deck of its own.
    assert got == [
        ("Workgroup", athena, athena),
        ("Connector", athena, (*athena, "Federated")),
        ("EMR", ("Analytics",), ("Analytics",)),
    ]


def test_a_concept_heading_inside_a_heading_block_keeps_the_outer_level() -> None:
    md = "# H\n\n## Concepts\n\n### Concepts\n\n- **A** : a\n\n### Other\n\n- **B** : b\n"
    assert [c.term for c in parse_concepts(md).concepts] == ["A", "B"]


def test_bold_term_paragraph_lines_have_their_own_lines_and_columns() -> None:
    md = BLOCK + "Intro prose.\n**A** : a : K ; L\n  **B**: b\ncontinued\n__C__ : c\n"
    got = [(c.term, c.definition, c.line, c.column) for c in parse_concepts(md).concepts]
    assert got == [("A", "a", 6, 1), ("B", "b continued", 7, 3), ("C", "c", 9, 1)]
    assert parse_concepts(md).diagnostics == ()


def test_bold_term_paragraph_keeps_block_ids_and_warnings() -> None:
    md = BLOCK + "**A** : a : K ; L ^alpha\n**B** : b **c : K ; L\n"
    result = parse_concepts(md, path="n.md")
    assert [(c.term, c.block_id) for c in result.concepts] == [("A", "alpha"), ("B", None)]
    assert [(d.line, d.code) for d in result.diagnostics] == [(6, "unbalanced-bold")]


def test_bold_paragraph_without_separator_in_a_block_gives_no_warning() -> None:
    # A bold line alone is a pseudo-heading in prose far more often than a forgotten ':'.
    assert parse_concepts(BLOCK + "**Streaming**\n", path="n.md").diagnostics == ()


@pytest.mark.parametrize(
    ("after", "details"),
    [
        ("$$ x^2 $$", "$$ x^2 $$"),
        ("![[graph.png|300]]", "![[graph.png|300]]"),
        ("![graph](img/graph.png)", "![graph](img/graph.png)"),
        ("$$\nx^2\n$$\nwhere x is the side", "$$\nx^2\n$$\nwhere x is the side"),
        ("   ![[graph.png]]", "![[graph.png]]"),
    ],
)
def test_maths_or_embed_after_a_tagged_line_is_the_definitions_body(
    after: str, details: str
) -> None:
    md = BLOCK + "- **Square** : x times x : Math ; Algebra\n" + after + "\n- **Next** : n\n"
    for fast in (True, False):
        square, following = parse_concepts(md, fast=fast).concepts
        assert (square.term, square.definition, square.tags) == (
            "Square",
            "x times x",
            ("Math", "Algebra"),
        )
        assert (square.details, square.line) == (details, 5)
        assert (following.term, following.details) == ("Next", "")


def test_body_comes_before_the_rest_of_the_item() -> None:
    md = BLOCK + "- **A** : a : K ; L ^alpha\n  ![[a.png]]\n\n  More about A.\n"
    (a,) = parse_concepts(md).concepts
    assert (a.definition, a.tags, a.block_id) == ("a", ("K", "L"), "alpha")
    assert a.details == "![[a.png]]\n\nMore about A."


def test_block_id_after_the_body_is_the_concepts() -> None:
    md = BLOCK + "- **A** : a : K ; L\n  ![[a.png]] ^alpha\n"
    (a,) = parse_concepts(md).concepts
    assert (a.definition, a.tags, a.block_id, a.details) == ("a", ("K", "L"), "alpha", "![[a.png]]")


def test_lazy_continuation_lines_stay_on_the_fast_path() -> None:
    body = BLOCK + "- **A** : a : K ; L\n$$ x $$\n- **B** : b\nmore b\n"
    blocks = scan(body, 1)
    assert blocks is not None
    assert [b.text for b in blocks if b.kind == ITEM] == [
        "**A** : a : K ; L\n$$ x $$\n",
        "**B** : b\nmore b\n",
    ]
    assert parse_concepts(body) == parse_concepts(body, fast=False)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("**Q**:: 4KB/1KB", ("Q", "4KB/1KB", None)),
        ("**Q**::4KB", ("Q", "4KB", None)),
        ("**Q** :: DEA ; AWS", ("Q", "", "DEA ; AWS")),
        ("**Q**:: DEA ; AWS", ("Q", "", "DEA ; AWS")),
        ("**Q** :: word", ("Q", "", "word")),  # spaced: the seed's empty definition
        ("**Q**:: a : K ; L", ("Q", "a", "K ; L")),
        ("**Q**:: a: b", ("Q", "a", "b")),  # in a block one word after a colon is a tag
    ],
)
def test_glued_double_colon(text: str, parts: tuple[str, str, str | None]) -> None:
    assert split_concept_text(text) == parts


@pytest.mark.parametrize(
    ("text", "bold"),
    [
        ("**T** : d", True),
        ("__T__: d", True),
        ("**T:** d", True),
        ("***T***: d", True),
        ("**`S3` _Select_** : d", True),
        ("T : d", False),
        ("**A** and b: d", False),
        ("**A** **B**: d", False),
        ("*T*: d", False),
    ],
)
def test_bold_term_split(text: str, bold: bool) -> None:
    assert (split_concept_text(text, bold_term=True) is not None) is bold
    assert split_concept_text(text) is not None


# Lines the extensions care about, mixed with the seed's: openers of both kinds, bold-term
# paragraph lines, maths and embeds right under concept lines, `::` in all its spacings.
EXTENSION_LINE = st.one_of(
    st.sampled_from(
        [
            "",
            "",
            "",
            "---",
            "**_Concept_**",
            "## Concepts",
            "### _Concept_:",
            "# **Concepts:**",
            "## Key Concepts",
            "#### Deeper",
            "## Next",
            "$$ x^2 $$",
            "$$",
            "![[a.png]]",
            "![a](a.png)",
            "  ![[b.png]] ^bid",
            "prose: with a colon",
            "**Streaming**",
            "**Router** - forwards",
            "> **Q**: quoted",
            "  **I**: indented",
            "```",
        ]
    ),
    st.builds(
        lambda lead, term, sep, rest, tags: f"{lead}{term}{sep}{rest}{tags}",
        st.sampled_from(["- ", "", "", "* ", "1. ", "  - "]),
        st.sampled_from(["**T**", "__U__", "**V:**", "W", "**X** and y", "****", "**Z"]),
        st.sampled_from([" : ", ":", "::", " :: ", ": ", " : : "]),
        st.sampled_from(["", "def", "4KB/1KB", "a: b", "$x$", "see ![[c.png]]", "10:30"]),
        st.sampled_from(["", " : K ; L", " : K ;", ": DEA", " ^id", " : K ; L ^id"]),
    ),
)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(EXTENSION_LINE, max_size=25).map("\n".join))
def test_extensions_never_raise_and_both_paths_agree(text: str) -> None:
    fast = parse_concepts(text, path="n.md")
    assert fast == parse_concepts(text, path="n.md", fast=False)
    lines = text.split("\n")
    seen: set[int] = set()
    for c in fast.concepts:
        assert c.line not in seen, c  # one concept a line, at most
        seen.add(c.line)
        assert c.term.strip(), c
        assert c.term.split()[0].strip("*_:") in lines[c.line - 1], (c, lines[c.line - 1])
    for d in fast.diagnostics:
        assert d.code in CODES, d


def test_concepts_under_a_taken_heading_are_not_above_every_heading() -> None:
    result = parse_concepts("## Concepts\n\n- **A** : a\n", path="n.md")
    (a,) = result.concepts
    assert (a.term, a.deck_path, a.context) == ("A", (), ())
    assert result.diagnostics == ()  # no `no-heading`: it is under one, which makes no deck
    above = parse_concepts("- A : a : K ;\n\n## Concepts\n", path="n.md").diagnostics
    assert [d.code for d in above] == ["no-heading"]


def test_separator_warning_says_what_to_write_and_leaves_dash_items_alone() -> None:
    md = "# H\n\n## Concepts\n\n- **Lonely**\n- **Event Delegation** - handle events\n"
    (d,) = parse_concepts(md, path="n.md").diagnostics
    assert (d.line, d.code) == (5, "concept-no-separator")
    assert "write '**Term** : definition'" in d.message


@pytest.mark.parametrize("opener", ["## Concepts", "## Other"])
def test_a_card_collected_above_a_concepts_heading_keeps_its_deck(opener: str) -> None:
    # The `qa` reader hears the heading after the `concept` reader takes it: the heading's
    # sections end only once every reader has heard it.
    md = (
        "# Top\n\n## Athena\n\nQ: what is it?\nA: a query engine\n\n"
        f"{opener}\n\n- **X** : y : T ;\n"
    )
    qa, x = parse_concepts(md, syntaxes=["concept", "qa"]).concepts
    assert (qa.term, qa.deck_path, qa.context) == (
        "what is it?",
        ("Top", "Athena"),
        ("Top", "Athena"),
    )
    under = ("Top",) if opener == "## Concepts" else ("Top", "Other")
    assert (x.term, x.deck_path) == ("X", under)


def test_a_taken_heading_ends_its_sections_after_every_boundary() -> None:
    file = FileContext("n.md", "", 1, 2)
    file.enter_heading(1, "Top", "Top")
    file.enter_heading(2, "Athena", "Athena")
    file.take_heading(2)
    assert [h.title for h in file.trail] == ["Top", "Athena"]  # still, for the other readers
    file.heading_done()
    assert ([h.title for h in file.trail], file.heading_taken) == (["Top"], False)
    file.take_heading()  # a heading card's inner section: it ends nothing
    file.heading_done()
    assert [h.title for h in file.trail] == ["Top"]


@pytest.mark.parametrize(
    "text",
    [
        "**A** : a : K ; L ^alpha",
        "**A** : a : K ; L\n^alpha",
        "**A** : a ^alpha : K ; L",
        "**A** : a : K ; L ^x2",
        "**A** : a : K ; L ^2",
        "**A** : a : K ; L^alpha",
        "**A** : a : K ; L ^alpha  ",
    ],
)
def test_concept_block_ids_are_the_shared_reading(text: str) -> None:
    md = BLOCK + "- " + text.replace("\n", "\n  ") + "\n"
    (c,) = parse_concepts(md).concepts
    assert c.block_id == take_block_id(text)[1]


def test_split_body_names_its_parts() -> None:
    split = _split_body("**A** : a : K ; L ^alpha\n![[a.png]]", True, False)
    assert split is not None
    assert (split.head, split.parts.tags, split.body, split.block_id) == (
        "**A** : a : K ; L",
        "K ; L",
        "![[a.png]]",
        "alpha",
    )


@pytest.mark.parametrize(
    ("text", "tags"),
    [("DEA ; AWS", True), ("DEA ;", True), (" DEA ; AWS ", True), ("DEA", False), ("C;C++", False)],
)
def test_is_tag_list(text: str, tags: bool) -> None:
    assert is_tag_list(text) is tags

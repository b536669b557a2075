"""The notes grammar: one case per rule in tests/fixtures/grammar.txt (Markdown -> concepts)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from fixture_cases import read_cases

from dea2anki.naming import clean_deck_component
from dea2anki.records import Concept as ConceptRecord
from dea2anki.syntax.blocks import HEADING, ITEM, Block, FileContext
from dea2anki.syntax.concept_line import split_concept_text
from dea2anki.syntax.parse import SYNTAXES, parse_concepts

Concept = tuple[str, str, tuple[str, ...]]
"""(term, definition, tags)"""


def concepts(md: str, **kw: int) -> list[Concept]:
    result = parse_concepts(textwrap.dedent(md), **kw)
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
    assert len(CASES) >= 37


@pytest.mark.parametrize("name", list(CASES))
def test_grammar(name: str) -> None:
    md, expected = CASES[name]
    assert concepts(md) == expected


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
        """A second syntax: a card per heading, and the items that start with '!'."""

        name = "spy"

        def reader(self, file: FileContext) -> Spy:
            self.file = file
            return self

        def read(self, block: Block) -> tuple[ConceptRecord, ...]:
            if block.kind == HEADING:
                headings.append(block.text)
                return (self.file.concept(block.text, block.text, "h", (), block.line, None),)
            if block.kind == ITEM and block.text.startswith("!"):
                return (self.file.concept("spy", "spy", "x", (), block.line, None),)
            return ()

    monkeypatch.setitem(SYNTAXES, "spy", Spy())
    # W is a concept only inside a concept block, which heading B ends.
    md = (
        "# A\n\n**_Concept_**\n\n- **T** : d\n\n# B\n\n- **W** : w\n- U : u : K ;\n- !V : v : K ;\n"
    )
    found = parse_concepts(md, syntaxes=["spy", "concept"]).concepts
    # The concept syntax still hears of the headings the spy made cards of.
    assert [(c.term, c.deck_path) for c in found] == [
        ("A", ("A",)),
        ("T", ("A",)),
        ("B", ("B",)),
        ("U", ("B",)),
        ("spy", ("B",)),
    ]
    assert headings == ["A", "B"]
    only_concept = parse_concepts(md).concepts
    assert [c.term for c in only_concept] == ["T", "U", "!V"]

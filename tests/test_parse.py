"""The notes grammar, one case per rule (input Markdown -> expected concepts)."""

from __future__ import annotations

import textwrap

import pytest

from dea2anki.naming import clean_deck_component
from dea2anki.syntax.concept_line import split_concept_text
from dea2anki.syntax.parse import parse_concepts


def concepts(md: str, **kw: int) -> list[tuple[str, str, tuple[str, ...]]]:
    result = parse_concepts(textwrap.dedent(md), **kw)
    return [(c.term, c.definition, c.tags) for c in result.concepts]


BLOCK = "# H\n\n**_Concept_**\n\n"

CASES = {
    "basic": (
        BLOCK + "- **Amazon Athena** : Serverless SQL. Pay-per-query : DEA ; AWS\n",
        [("Amazon Athena", "Serverless SQL. Pay-per-query", ("DEA", "AWS"))],
    ),
    "definition with colons": (
        BLOCK + "- **X** : uses a: b and c : DEA ; AWS\n",
        [("X", "uses a: b and c", ("DEA", "AWS"))],
    ),
    "separator without spaces": (
        BLOCK + "- **AWS Step Functions** :서버리스. Retry Mechanism: DEA ; AWS\n",
        [("AWS Step Functions", "서버리스. Retry Mechanism", ("DEA", "AWS"))],
    ),
    "double colon is empty": (
        BLOCK + "- **Athena workgroup** :: DEA ; AWS\n",
        [("Athena workgroup", "", ("DEA", "AWS"))],
    ),
    "spaced double colon is empty": (
        BLOCK + "- **Redshift Spectrum** : : DEA ; AWS\n",
        [("Redshift Spectrum", "", ("DEA", "AWS"))],
    ),
    "only a tag list is empty": (
        BLOCK + "- **Term** : DEA ; AWS\n",
        [("Term", "", ("DEA", "AWS"))],
    ),
    "no tags in a block": (
        BLOCK + "- **Term** : just a definition\n",
        [("Term", "just a definition", ())],
    ),
    "continuation line": (
        BLOCK + "- **Flink** : first line\n  . second line : DEA ; AWS\n",
        [("Flink", "first line . second line", ("DEA", "AWS"))],
    ),
    "lazy continuation line": (
        BLOCK + "- **Flink** : first line\nsecond line : DEA ; AWS\n",
        [("Flink", "first line second line", ("DEA", "AWS"))],
    ),
    "colon inside bold term": (
        BLOCK + "- **Term:** its meaning : DEA ; AWS\n",
        [("Term", "its meaning", ("DEA", "AWS"))],
    ),
    "spaces in tags become underscores": (
        BLOCK + "- **T** : d : Data Engineering ; AWS ; #exam\n",
        [("T", "d", ("Data_Engineering", "AWS", "exam"))],
    ),
    "colons in code, links, urls and times are not separators": (
        BLOCK
        + "- **T** : run `a:b` at 10:30, see [doc](https://x.io/a:b) <https://y.io> : K ; L\n",
        [("T", "run `a:b` at 10:30, see [doc](https://x.io/a:b) <https://y.io>", ("K", "L"))],
    ),
    "bare url in definition": (
        BLOCK + "- **T** : see https://example.com/x : K ; L\n",
        [("T", "see https://example.com/x", ("K", "L"))],
    ),
    "markup in term": (
        BLOCK + "- **`S3` _Select_** : d : K ; L\n",
        [("S3 Select", "d", ("K", "L"))],
    ),
    "block ends at thematic break": (
        BLOCK + "- **A** : a : K ; L\n\n---\n\n- **B** : b\n",
        [("A", "a", ("K", "L"))],
    ),
    "block ends at heading": (
        BLOCK + "- **A** : a : K ; L\n\n## Next\n\n- **B** : b\n",
        [("A", "a", ("K", "L"))],
    ),
    "block spans several lists and paragraphs": (
        BLOCK + "- **A** : a\n\nSome prose.\n\n- **B** : b\n",
        [("A", "a", ()), ("B", "b", ())],
    ),
    "marker variants": (
        "**Concepts:**\n\n- **A** : a\n\n***Concept***\n\n- **B** : b\n",
        [("A", "a", ()), ("B", "b", ())],
    ),
    "sub-bullets of a concept are not concepts": (
        BLOCK + "- **A** : a : K ; L\n  - **Sub** : s : K ; L\n",
        [("A", "a", ("K", "L"))],
    ),
    "tagged line outside a block": (
        "# H\n\n- Client-Side Encryption : Encrypt before sending : DEA ; AWS\n",
        [("Client-Side Encryption", "Encrypt before sending", ("DEA", "AWS"))],
    ),
    "tagged line with only tags": (
        "- Transport Layer Security(TLS) : DEA ; AWS\n",
        [("Transport Layer Security(TLS)", "", ("DEA", "AWS"))],
    ),
    "single tag needs a trailing semicolon outside a block": (
        "- A : a : DEA ;\n- B : b : DEA\n",
        [("A", "a", ("DEA",))],
    ),
    "prose after a colon is not a concept": (
        "- Salt : Random data that is used as an additional input to a one-way function\n"
        "- Note: see below\n"
        "- AWS managed policy : Created and managed by AWS\n"
        "- Time: 10:30; room 5\n"
        "\nParagraph : with : A ; B\n",
        [],
    ),
    "nested tagged line outside a block": (
        "- group\n  - Token Vault : Store tokens : DEA ; AWS\n",
        [("Token Vault", "Store tokens", ("DEA", "AWS"))],
    ),
    "concept-like lines in code are ignored": (
        "```\n- **A** : a : K ; L\n```\n\n    - B : b : K ; L\n",
        [],
    ),
    "obsidian block id": (
        BLOCK + "- **Athena** : query S3 : DEA ; AWS ^athena\n",
        [("Athena", "query S3", ("DEA", "AWS"))],
    ),
    "colon inside a bold term": (
        BLOCK + "- **Amazon S3: Glacier** : cold storage : DEA ; AWS\n",
        [("Amazon S3: Glacier", "cold storage", ("DEA", "AWS"))],
    ),
    "colon inside bold in the definition": (
        BLOCK + "- **A** : see **Note:** here : K ; L\n",
        [("A", "see **Note:** here", ("K", "L"))],
    ),
    "url with a port and no tags": (
        BLOCK + "- **Airflow UI** : served on http://localhost:8080\n",
        [("Airflow UI", "served on http://localhost:8080", ())],
    ),
    "url with a colon in its path": (
        BLOCK + "- **Help** : see https://en.wikipedia.org/wiki/Help:Contents\n",
        [("Help", "see https://en.wikipedia.org/wiki/Help:Contents", ())],
    ),
    "prose after the last colon is not a tag list": (
        BLOCK + "- **Parquet** : columnar. Example: orders table\n",
        [("Parquet", "columnar. Example: orders table", ())],
    ),
    "escaped colon": (
        BLOCK + "- **T** : a\\: b : K ; L\n",
        [("T", "a\\: b", ("K", "L"))],
    ),
    "semicolons without spaces are not a tag list outside a block": (
        "- Languages: C;C++;Java\n",
        [],
    ),
    "caret number is not a block id": (
        BLOCK + "- **Square** : written x ^2\n",
        [("Square", "written x ^2", ())],
    ),
    "grouping bullet in a block": (
        BLOCK + "- Streaming\n  - **Shard** : unit : DEA ; AWS\n",
        [("Shard", "unit", ("DEA", "AWS"))],
    ),
    "colons in math are not separators": (
        BLOCK + "- **Ratio** : $a:b$ and $$x:y$$ : K ; L\n",
        [("Ratio", "$a:b$ and $$x:y$$", ("K", "L"))],
    ),
    "ordered list items": (
        BLOCK + "1. **A** : a : K ; L\n2. **B** : b : K ; L\n",
        [("A", "a", ("K", "L")), ("B", "b", ("K", "L"))],
    ),
}


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

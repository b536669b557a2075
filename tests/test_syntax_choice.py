"""Which syntaxes read a file: the ``syntax`` setting as a flag, in frontmatter and in the
config file; ``sr`` in the files obsidian-spaced-repetition would review; and ``check``'s
advice when a file gives no card but another syntax would read it."""

from __future__ import annotations

import pytest
from conftest import write

from dea2anki.settings import DEFAULT_SYNTAXES, SYNTAX_NAMES
from dea2anki.syntax.choose import syntaxes_for
from dea2anki.syntax.parse import CLAIM_ORDER, SYNTAXES

T1 = 1_700_000_000

SYNTAX_FILE = "# H\n\n- **T** : d : K ;\n\nA {{c1::gap}} here.\n\nQ: Why?\nA: Because.\n"


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ((), 3),
        (("--syntax", "concept"), 1),
        (("--syntax", "concept,cloze"), 2),
        (("--syntax", "cloze"), 1),
    ],
)
def test_the_syntax_flag_is_the_list_read(
    workdir, cli, how: tuple[str, ...], expected: int
) -> None:
    write("notes/S.md", SYNTAX_FILE)
    r = cli("build", *how, epoch=T1)
    assert r.code == 0, r.err
    assert f"exported {expected} note" in r.out


def test_syntax_in_frontmatter_and_config_with_the_usual_precedence(workdir, cli) -> None:
    write("notes/S.md", "---\nsyntax: [concept]\n---\n" + SYNTAX_FILE)
    write("notes/Other.md", SYNTAX_FILE.replace("**T**", "**U**").replace("gap", "hole"))
    write("dea2anki.toml", 'syntax = ["cloze"]\n')
    r = cli("build", "-o", "out.apkg", epoch=T1)
    assert r.code == 0, r.err
    # S.md: its frontmatter (concept) beats the config; Other.md: the config (cloze).
    assert "exported 2 notes" in r.out
    flagged = cli("build", "--syntax", "concept,cloze", "-o", "out2.apkg", epoch=T1)
    assert "exported 4 notes" in flagged.out


def test_an_unknown_syntax_is_refused_with_the_names_it_could_be(workdir, cli) -> None:
    write("notes/S.md", "---\nsyntax: [concept, glosary]\n---\n" + SYNTAX_FILE)
    r = cli("build", epoch=T1)
    assert r.code == 1
    assert (
        "notes/S.md:2: error: frontmatter 'syntax' must be a list of syntax names from: " in r.err
    )
    write("notes/S.md", SYNTAX_FILE)
    flag = cli("build", "--syntax", "concept,nope", epoch=T1)
    assert flag.code == 2
    assert "must be a list of syntax names from: concept, cloze" in flag.err


@pytest.mark.parametrize(
    ("tags", "body", "sr"),
    [
        ((), "plain", False),
        (("flashcards",), "plain", True),
        (("Flashcards/aws",), "plain", True),
        (("flashcardsx",), "plain", False),
        ((), "#flashcards\n\nq::a\n", True),
        ((), "text #flashcards/aws more\n", True),
        ((), "see http://x.org/#flashcards\n", False),
        ((), "#flashcardsmore\n", False),
        ((), "`code` and x#flashcards\n", False),
    ],
)
def test_sr_reads_the_files_the_plugin_would_review(
    tags: tuple[str, ...], body: str, sr: bool
) -> None:
    assert ("sr" in syntaxes_for(None, tags, body)) == sr
    # A list that is given is the list read.
    assert syntaxes_for(("concept",), tags, body) == ("concept",)


GLOSSARY = "# Terms\n\n" + "".join(f"- **Term {i}**: meaning {i}\n" for i in range(7))


def test_check_names_the_syntax_that_would_read_a_file_without_cards(workdir, cli) -> None:
    write("notes/G.md", GLOSSARY)
    write("notes/ok.md", "# H\n\n- **T** : d : K ;\n")
    r = cli("check")
    assert (
        "notes/G.md: warning: no concepts found in this file; 7 lines look like "
        "`- **Term**: definition` (7 cards with the glossary syntax); add "
        "`syntax: [concept, cloze, qa, callout, glossary]` to its frontmatter [no-concepts]"
    ) in r.out
    assert r.out.count("notes/G.md") == 1
    write("notes/G.md", "---\nsyntax: [concept, cloze, qa, callout, glossary]\n---\n" + GLOSSARY)
    fixed = cli("check")
    assert "notes/G.md" not in fixed.out


def test_no_advice_when_no_syntax_reads_the_file(workdir, cli) -> None:
    write("notes/prose.md", "# Just prose\n\nNothing to learn here, really.\n")
    write("notes/ok.md", "# H\n\n- **T** : d : K ;\n")
    r = cli("check")
    assert "notes/prose.md: warning: no concepts found in this file [no-concepts]" in r.out


def test_every_syntax_name_has_one_reader_and_a_place_in_the_claim_order() -> None:
    assert sorted(SYNTAXES) == sorted(SYNTAX_NAMES)
    assert sorted(CLAIM_ORDER) == sorted(SYNTAX_NAMES)
    assert all(SYNTAXES[n].name == n and SYNTAXES[n].example for n in SYNTAX_NAMES)
    assert set(DEFAULT_SYNTAXES) < set(SYNTAX_NAMES)

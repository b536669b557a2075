"""The settings registry: one precedence rule, and the cache key sees only what shapes a file."""

from __future__ import annotations

from pathlib import Path

from conftest import write

from dea2anki.settings import (
    DECK_DEPTH,
    INCLUDE_EMPTY,
    OUTPUT,
    REVERSE,
    SETTINGS,
    Config,
    precedence,
    resolve,
)
from dea2anki.write.apkg_read import read_apkg


def test_precedence_is_flag_then_frontmatter_then_config_then_default() -> None:
    assert precedence(1, 2, 3, 4) == 1
    assert precedence(None, 2, 3, 4) == 2
    assert precedence(None, None, 3, 4) == 3
    assert precedence(None, None, None, 4) == 4
    assert precedence(False, True, True, True) is False  # a given False is given


def test_options_apply_the_rule_per_file() -> None:
    config = Config(Path("dea2anki.toml"), {"deck-depth": 1, "reverse": True})
    none = resolve({}, config)
    assert none[DECK_DEPTH] == 1 and none[REVERSE] is True
    assert none.for_file(DECK_DEPTH, {"deck-depth": 3}) == 3  # frontmatter beats config
    assert none.for_file(DECK_DEPTH, {}) == 1
    flagged = resolve({"deck-depth": 0, "reverse": False}, config)
    assert flagged.for_file(DECK_DEPTH, {"deck-depth": 3}) == 0  # a flag beats frontmatter
    assert flagged.for_file(REVERSE, {"reverse": True}) is False
    assert resolve({})[OUTPUT] == "build" and resolve({})[INCLUDE_EMPTY] is False


def test_the_cache_key_holds_only_settings_that_shape_a_file() -> None:
    a = resolve({"output": "one", "retire": True, "deck-depth": 1}).per_file()
    b = resolve({"output": "two", "deck-depth": 1}).per_file()
    assert repr(a) == repr(b)
    assert repr(a) != repr(resolve({"deck-depth": 2}).per_file())
    shaping = {key for key, _flag, _config in a.given}
    assert shaping == {s.key for s in SETTINGS if s.per_file}
    assert shaping == {
        "deck-depth",
        "reverse",
        "syntax",
        "heading-level",
        "folder-decks",
        "allow-html",
        "skip-drafts",
        "tags",
    }


def test_empty_values_are_not_given(workdir, cli) -> None:  # type: ignore[no-untyped-def]
    """`notes = []` in the config, `-o ""` and an empty `deck-depth:` mean the default, as
    before the registry; an empty `reverse:` is still an error."""
    write("notes/A.md", "---\ndeck-depth:\n---\n# H1\n\n## H2\n\n- T : d : K ;\n")
    write("dea2anki.toml", "notes = []\n")
    r = cli("build", "-o", "", "--lock", "", epoch=1_700_000_000)
    assert r.code == 0, r.err
    assert Path("build/A.apkg").is_file() and Path("notes/dea2anki.lock").is_file()
    (note,) = [n for n in read_apkg(Path("build/A.apkg")) if n.fields[0] == "T"]
    assert note.deck == "A::H1::H2"  # deck-depth: the default, 2
    write("notes/A.md", "---\nreverse:\n---\n# H1\n\n- T : d : K ;\n")
    r = cli("check")
    assert r.code == 1 and "notes/A.md:2: error: frontmatter 'reverse' must be" in r.out


def test_frontmatter_problems_come_in_the_order_of_the_file(workdir, cli) -> None:  # type: ignore[no-untyped-def]
    write("notes/A.md", "---\nallow-html: 1\ndeck: [x]\nanki: 2\n---\n# H\n\n- T : d : K ;\n")
    r = cli("check")
    lines = [line for line in r.out.splitlines() if "frontmatter-type" in line]
    assert [line.split(": error")[0] for line in lines] == [
        "notes/A.md:2",
        "notes/A.md:3",
        "notes/A.md:4",
    ]

"""The settings registry: one precedence rule, and the cache key sees only what shapes a file."""

from __future__ import annotations

from pathlib import Path

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
    assert shaping == {"deck-depth", "reverse", "allow-html", "skip-drafts", "tags"}

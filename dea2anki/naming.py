"""How decks, tags, the heading trail and block ids are spelled: each rule in one place.

Anki compares deck names and tags without regard to case and keeps the first spelling it
sees, so a build does the same on purpose (``same_spelling``, ``tag_list``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence

DECK_SEPARATOR = "::"
"""Anki's deck level separator (also its tag nesting)."""
CONTEXT_SEPARATOR = " \u203a "
"""Between the headings of a card's Context line: the angle quote reads as "inside" in any
script."""
BLOCK_ID = r"\^(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9-]+"
"""An Obsidian block id (``^athena``): letters, digits and dashes with at least one letter
(``x ^2`` is maths)."""

_COLON_RUN = re.compile(r"\s*:{2,}\s*")
_BLOCK_ID_END = re.compile(rf"\s({BLOCK_ID})\s*$")


def take_block_id(markdown: str) -> tuple[str, str | None]:
    """``markdown`` without the Obsidian ``^block-id`` at its end (after a space, or alone on
    its last line), and that id without its ``^``; every syntax reads block ids with this."""
    if "^" not in markdown:
        return markdown, None
    m = _BLOCK_ID_END.search(markdown)
    return (markdown[: m.start()].rstrip(), m.group(1)[1:]) if m else (markdown, None)


def clean_deck_component(title: str) -> str:
    """A heading (or a level of a root deck) as one deck name component.

    ``::`` is Anki's level separator, so a run of colons inside a heading becomes one colon;
    surrounding whitespace and colons go (``# Security, Identity, and Compliance:``).
    """
    return _COLON_RUN.sub(": ", title).strip(" \t:")


def root_deck_name(written: str) -> str:
    """A root deck as written (``deck: AWS::DEA`` or a file name), cleaned level by level;
    "" when nothing is left."""
    parts = (clean_deck_component(p) for p in _no_html(written).split(DECK_SEPARATOR))
    return DECK_SEPARATOR.join(p for p in parts if p)


def deck_name(root_deck: str, path: tuple[str, ...], folders: tuple[str, ...] = ()) -> str:
    """The full deck: ``folders`` (with folder-decks), the root deck, the heading path.

    Anki inserts ``{{Deck}}`` into the card without escaping it, so no deck name may hold
    HTML: tags are dropped and a lone ``<`` or ``>`` becomes an angle quote, whatever the
    name came from (a heading, ``deck:``, a file or folder name)."""
    name = DECK_SEPARATOR.join((*folders, root_deck, *path))
    if "<" in name or ">" in name:
        cleaned = _no_html(name).split(DECK_SEPARATOR)
        name = DECK_SEPARATOR.join(p.strip() for p in cleaned if p.strip())
    return name


_HTML_TAG = re.compile(r"<[^<>]*>")
_ANGLES = str.maketrans("<>", "\u2039\u203a")


def _no_html(text: str) -> str:
    return _HTML_TAG.sub("", text).translate(_ANGLES) if "<" in text or ">" in text else text


def root_of(deck: str) -> str:
    return deck.split(DECK_SEPARATOR, 1)[0]


def context_line(trail: Sequence[str]) -> str:
    return CONTEXT_SEPARATOR.join(trail)


def same_spelling(deck: str, seen: dict[str, str]) -> str:
    """Anki matches deck names case-insensitively: `DEA::x` and `dea::X` are one deck. Spell
    each level the way ``seen`` first saw it, so one build never names a deck two ways."""
    parts = deck.split(DECK_SEPARATOR)
    out = []
    for i, part in enumerate(parts):
        key = DECK_SEPARATOR.join(parts[: i + 1]).casefold()
        out.append(seen.setdefault(key, part))
    return DECK_SEPARATOR.join(out)


def split_tags(tag_list: str | None) -> tuple[str, ...]:
    """A tag list as written after a concept (``Data Engineering ; AWS ; #exam``)."""
    if not tag_list:
        return ()
    tags = ("_".join(t.split()) for t in tag_list.split(";"))
    return tuple(t.lstrip("#") for t in tags if t.lstrip("#"))


@functools.lru_cache(maxsize=1 << 14)
def normalise_tag(tag: str) -> str:
    """Obsidian tag -> Anki tag: ``#status/in progress`` -> ``status::in_progress``."""
    tag = "_".join(tag.strip().lstrip("#").split())
    parts = (part.strip(":") for part in re.split(r"/|::", tag))
    return DECK_SEPARATOR.join(part for part in parts if part)


@functools.lru_cache(maxsize=1 << 14)
def storable_tag(tag: str) -> str:
    """The tag without the control and format characters Anki drops silently."""
    return "".join(ch for ch in tag if unicodedata.category(ch)[0] != "C")


def tag_list(
    raw: Sequence[str],
    spelling: dict[str, str],
    invalid: Callable[[str, str], None] | None = None,
) -> tuple[str, ...]:
    """A note's tags from the tags written for it, each spelled as ``spelling`` first saw it
    (Anki keeps one spelling per tag; new spellings are added to ``spelling``).
    ``invalid(tag, cleaned)`` hears of tags with characters Anki cannot store."""
    out: dict[str, str] = {}
    for tag in raw:
        clean = storable_tag(tag)
        if clean != tag:
            if invalid is not None:
                invalid(tag, clean)
            tag = clean
        t = normalise_tag(tag)
        if t:
            key = t.casefold()
            out.setdefault(key, spelling.setdefault(key, t))
    return tuple(out.values())

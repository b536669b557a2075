"""Identity: the keys, GUIDs and hashes that say which note is which. Pure.

A public contract once a learner has imported a deck: the GUID rule and the deck ids. Change
them only with a migration.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Sequence

import genanki

from ..records import Fields


def normal_form(text: str) -> str:
    """What counts as "the same term": NFC, case-folded, whitespace collapsed.

    Case-folding means fixing ``AWS GLue`` to ``AWS Glue`` edits the note in place instead of
    making a new one; Anki itself compares deck names and tags case-insensitively.
    """
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return unicodedata.normalize("NFC", text.casefold())


# Terms and deck names recur across a build (and the lock): their keys are remembered, up to
# a bound (a --watch session lives long).
identity_key = functools.lru_cache(maxsize=1 << 18)(normal_form)


_BASE91 = "".join(genanki.util.BASE91_TABLE)


def guid_for(*values: object) -> str:
    """genanki.guid_for, to the character (tested), without its per-byte loops: a first
    build makes one per concept."""
    digest = hashlib.sha256("__".join(map(str, values)).encode("utf-8")).digest()
    n = int.from_bytes(digest[:8], "big")
    out = []
    while n:
        n, digit = divmod(n, 91)
        out.append(_BASE91[digit])
    return "".join(reversed(out))


def default_guid(key: tuple[str, str], block: str | None, cloze: bool = False) -> str:
    """The GUID a new concept gets (match.resolve makes it unique against the lock): from
    its block id when it has one, else from its identity key (root deck, term). Stable
    across edits of the definition and moves between sections, files and positions.

    Cloze notes have GUIDs of their own: a paragraph that turns from a basic card into a
    cloze is a new note, never the old one with another note type (which Anki refuses)."""
    space = _CLOZE_SPACE if cloze else _SPACE
    if block:
        return guid_for(space + "-block", key[0], block)
    return guid_for(space, *key)


def renumbered_guid(key: tuple[str, str], n: int, cloze: bool = False) -> str:
    """The ``n``-th GUID (n >= 2) for the identity key ``key``, when the ones before it are
    taken: a renamed note keeps the GUID of its old term, a concept with the same term in
    another deck needs one of its own, and neither may take over another's."""
    return guid_for(_CLOZE_SPACE if cloze else _SPACE, *key, n)


_SPACE = "dea2anki"
_CLOZE_SPACE = "dea2anki-cloze"


def deck_id(full_name: str) -> int:
    # Anki matches decks by name on import, but ids must still be unique inside a package.
    digest = hashlib.sha256(("dea2anki-deck:" + identity_key(full_name)).encode()).digest()
    return (1 << 40) + int.from_bytes(digest[:6], "big")


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def content_hash(fields: Fields, tags: Sequence[str], *, source: str) -> str:
    """What the lock compares to decide whether a note changed (and needs a new mod): what
    Anki receives, with ``source`` (the file alone) for the Source field's ``file:line``.

    Inserting a line above a concept moves it down without changing it; re-stamping it
    would make Anki overwrite any edit the learner made to it. The deck is left out as
    well: Anki never moves existing cards, so a deck change alone changes nothing there.
    Each part is length-prefixed, so no field content can imitate a separator.
    """
    parts = [fields.term, fields.definition, fields.context, source, fields.reverse, ""]
    parts += sorted(tags)
    return short_hash("".join([f"{len(p)}:{p}" for p in parts]))


def definition_key(definition: str) -> str:
    """How a rename is recognised: the normalised definition's hash ("" when empty)."""
    return short_hash(normal_form(definition)) if definition else ""

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

from ..naming import CONTEXT_SEPARATOR, DECK_SEPARATOR
from ..records import Fields, Located


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


def default_guid(key: tuple[str, str], block: str | None) -> str:
    """The GUID a new concept gets (match.resolve makes it unique against the lock): from
    its block id when it has one, else from its identity key (root deck, term). Stable
    across edits of the definition and moves between sections, files and positions."""
    if block:
        return guid_for("dea2anki-block", key[0], block)
    return guid_for("dea2anki", *key)


def renumbered_guid(key: tuple[str, str], n: int) -> str:
    """The ``n``-th GUID (n >= 2) for the identity key ``key``, when the ones before it are
    taken: a renamed note keeps the GUID of its old term, and a new concept with that term
    must not take it over."""
    return guid_for("dea2anki", *key, n)


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


def in_own_deck(loc: Located) -> Located:
    """A concept whose term a concept in another deck of the same root deck already has:
    its identity also names its deck (``DEA > Storage > S3``, with the Context line's
    separator), so the two never share a GUID and the lock tells them apart."""
    return _own_identity(loc, loc.concept.term)


def as_case_twin(loc: Located, n: int) -> Located:
    """The ``n``-th spelling (n >= 2) of a term in one deck that differs from the first only
    in case (``p``, ``P``): its identity names its deck and ends in ``(case n)``. The card
    still shows the term as written."""
    return _own_identity(loc, f"{loc.concept.term} (case {n})")


def _own_identity(loc: Located, term: str) -> Located:
    c = loc.concept
    term = CONTEXT_SEPARATOR.join((*loc.deck.split(DECK_SEPARATOR), term))
    key = (loc.key[0], identity_key(term))
    return loc._replace(concept=c._replace(term=term), key=key, guid=default_guid(key, c.block_id))

"""Which note is which: match this build's concepts to the lock's notes. Pure.

In order of strength:
1. an Obsidian block id (``^athena``) recorded in the lock: the same note, whatever changed;
2. the same term in the same root deck: the same note (definition edits, moves between
   sections or files with the same root deck, insertions: nothing re-keys). Where one term
   is in several decks (or spelled `p` and `P`), each takes the lock entry of its own deck
   and spelling, so reordering the notes or adding a namesake never swaps notes;
3. the same term whose lock entry no other concept claimed, in another root deck: a move
   (a concept moved to another file, or its file was renamed);
4. an unclaimed lock entry with exactly the same, non-empty definition, where exactly one new
   term has it: a rename.
Everything else is new and gets the default GUID (see keys.default_guid), or one derived from
its block id, made unique against every GUID the lock has ever handed out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import NamedTuple, cast

from ..records import LockEntry
from .keys import identity_key, renumbered_guid

NEW = "new"
SAME = "same"
BY_BLOCK_ID = "block id"
MOVED = "moved"
RENAMED = "renamed"


class Claim(NamedTuple):
    """What identity needs to know about one concept of this build."""

    root: str
    term: str
    block: str | None
    definition: str
    """Hash of the normalised definition, "" when empty (empty never proves a rename)."""
    key: tuple[str, str]
    """(root, term) as identity keys, computed once per file and cached."""
    guid: str
    """keys.default_guid(key, block, cloze), computed once per file and cached."""
    deck: str = ""
    """Full deck name: tells apart concepts that share a key (one term in two decks)."""
    cloze: bool = False
    """A cloze note: it only ever matches a cloze note of the lock."""


class Resolved(NamedTuple):
    guid: str
    how: str
    entry: LockEntry | None


def _key(root: str, term: str) -> tuple[str, str]:
    return identity_key(root), identity_key(term)


def resolve(
    claims: Sequence[Claim], entries: Sequence[LockEntry]
) -> tuple[list[Resolved], list[LockEntry]]:
    """Match every claim to a lock entry or a new GUID; also return the unclaimed entries."""
    if not entries:  # a first build: every concept is new
        return _all_new(claims), []
    result: list[Resolved | None] = [None] * len(claims)
    free = {e.guid: e for e in entries}

    def take(i: int, entry: LockEntry, how: str) -> None:
        result[i] = Resolved(entry.guid, how, entry)
        del free[entry.guid]

    # Block ids are unique within a build (checked there), but a hand-merged lock might hold
    # one twice; such an id proves nothing.
    blocks = Counter(e.block for e in entries if e.block)
    by_block = {e.block: e for e in entries if e.block and blocks[e.block] == 1}
    if by_block:
        for i, c in enumerate(claims):
            entry = by_block.get(c.block) if c.block else None
            if entry is not None and entry.guid in free and entry.cloze == c.cloze:
                same = _key(entry.root, entry.term) == c.key
                take(i, entry, SAME if same else BY_BLOCK_ID)
    by_key: dict[tuple[str, str], LockEntry] = {}
    shared: dict[tuple[str, str], list[LockEntry]] = {}
    # A term spelled as a claim's has that claim's term key, computed with its file (and
    # cached): normalising the lock's hundred thousand terms again is most of a rebuild's
    # matching. (Keyed by the term alone: no tuple per claim, a large build's peak memory.)
    term_keys = {c.term: c.key[1] for c in claims}
    for e in entries:
        term_key = term_keys.get(e.term)
        k = (identity_key(e.root), term_key) if term_key is not None else _key(e.root, e.term)
        if by_key.setdefault(k, e) is not e:
            shared.setdefault(k, [by_key[k]]).append(e)
    claimed = Counter(c.key for c in claims)
    open_indexes = []
    sharing = []
    for i, c in enumerate(claims):
        if result[i] is not None:
            continue
        if c.key in shared or claimed[c.key] > 1:
            sharing.append(i)
            continue
        entry = by_key.get(c.key)
        if entry is not None and entry.guid in free and entry.cloze == c.cloze:
            take(i, entry, SAME)
        else:
            open_indexes.append(i)
    if sharing:
        for k, e in by_key.items():
            if claimed[k] > 1:
                shared.setdefault(k, [e])
        open_indexes += _share(claims, sharing, shared, free, take)
        open_indexes.sort()
    if not open_indexes:  # the usual rebuild: every concept kept its term
        return cast(list[Resolved], result), list(free.values())

    by_term: dict[str, list[LockEntry]] = {}
    for e in free.values():
        by_term.setdefault(identity_key(e.term), []).append(e)
    for i in open_indexes:
        c = claims[i]
        candidates = [e for e in by_term.get(c.key[1], []) if e.guid in free and e.cloze == c.cloze]
        if len(candidates) == 1:
            take(i, candidates[0], MOVED)

    open_claims: dict[tuple[str, bool], list[int]] = {}
    for i in open_indexes:
        if result[i] is None and claims[i].definition:
            open_claims.setdefault((claims[i].definition, claims[i].cloze), []).append(i)
    by_definition: dict[tuple[str, bool], list[LockEntry]] = {}
    for e in free.values():
        if e.definition:
            by_definition.setdefault((e.definition, e.cloze), []).append(e)
    for definition, indexes in open_claims.items():
        candidates = by_definition.get(definition, [])
        if len(indexes) == 1 and len(candidates) == 1:
            take(indexes[0], candidates[0], RENAMED)

    used = {e.guid for e in entries} | {r.guid for r in result if r is not None}
    for i in open_indexes:
        if result[i] is None:
            guid = _new_guid(claims[i], used)
            used.add(guid)
            result[i] = Resolved(guid, NEW, None)
    return cast(list[Resolved], result), list(free.values())  # every claim has one now


def _all_new(claims: Sequence[Claim]) -> list[Resolved]:
    """What resolve gives without a lock entry to match, in one pass: each claim its
    default GUID, made unique in claim order."""
    used: set[str] = set()
    result = []
    for c in claims:
        guid = _new_guid(c, used)
        used.add(guid)
        result.append(Resolved(guid, NEW, None))
    return result


def _share(
    claims: Sequence[Claim],
    indexes: list[int],
    shared: dict[tuple[str, str], list[LockEntry]],
    free: dict[str, LockEntry],
    take: Callable[[int, LockEntry, str], None],
) -> list[int]:
    """Claims whose key several lock entries have (one term in two decks, `p` and `P` in
    one): each takes the entry that is most surely its own, whatever the order of the
    notes: the same spelling in the same deck, then the same deck, then the same spelling.
    Returns the claims left open."""
    left = list(indexes)
    for same in _MOST_SURELY_OWN:
        still = []
        for i in left:
            c = claims[i]
            entry = next(
                (
                    e
                    for e in shared.get(c.key, ())
                    if e.guid in free and e.cloze == c.cloze and same(c, e)
                ),
                None,
            )
            if entry is None:
                still.append(i)
            else:
                take(i, entry, SAME)
        left = still
    return left


def _same_spelling_and_deck(c: Claim, e: LockEntry) -> bool:
    return e.term == c.term and e.deck == c.deck


def _same_deck(c: Claim, e: LockEntry) -> bool:
    return e.deck == c.deck


def _same_spelling(c: Claim, e: LockEntry) -> bool:
    return e.term == c.term


_MOST_SURELY_OWN: tuple[Callable[[Claim, LockEntry], bool], ...] = (
    _same_spelling_and_deck,
    _same_deck,
    _same_spelling,
)


def _new_guid(c: Claim, used: set[str]) -> str:
    guid = c.guid
    n = 1
    while guid in used:
        n += 1
        guid = renumbered_guid(c.key, n, c.cloze)
    return guid

"""Which note is which: match this build's concepts to the lock's notes. Pure.

In order of strength:
1. an Obsidian block id (``^athena``) recorded in the lock: the same note, whatever changed;
2. the same term in the same root deck: the same note (definition edits, moves between
   sections or files with the same root deck, insertions: nothing re-keys);
3. the same term whose lock entry no other concept claimed, in another root deck: a move
   (a concept moved to another file, or its file was renamed);
4. an unclaimed lock entry with exactly the same, non-empty definition, where exactly one new
   term has it: a rename.
Everything else is new and gets the default GUID (see keys.default_guid), or one derived from
its block id, made unique against every GUID the lock has ever handed out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
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
    """keys.default_guid(key, block), computed once per file and cached."""


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
    result: list[Resolved | None] = [None] * len(claims)
    free = {e.guid: e for e in entries}

    def take(i: int, entry: LockEntry, how: str) -> None:
        result[i] = Resolved(entry.guid, how, entry)
        del free[entry.guid]

    # Block ids are unique within a build (checked there), but a hand-merged lock might hold
    # one twice; such an id proves nothing.
    blocks = Counter(e.block for e in entries if e.block)
    by_block = {e.block: e for e in entries if e.block and blocks[e.block] == 1}
    by_key = {_key(e.root, e.term): e for e in entries}
    if by_block:
        for i, c in enumerate(claims):
            entry = by_block.get(c.block) if c.block else None
            if entry is not None and entry.guid in free:
                same = _key(entry.root, entry.term) == c.key
                take(i, entry, SAME if same else BY_BLOCK_ID)
    open_indexes = []
    for i, c in enumerate(claims):
        if result[i] is None:
            entry = by_key.get(c.key)
            if entry is not None and entry.guid in free:
                take(i, entry, SAME)
            else:
                open_indexes.append(i)
    if not open_indexes:  # the usual rebuild: every concept kept its term
        return cast(list[Resolved], result), list(free.values())

    by_term: dict[str, list[LockEntry]] = {}
    for e in free.values():
        by_term.setdefault(identity_key(e.term), []).append(e)
    for i in open_indexes:
        candidates = [e for e in by_term.get(claims[i].key[1], []) if e.guid in free]
        if len(candidates) == 1:
            take(i, candidates[0], MOVED)

    open_claims: dict[str, list[int]] = {}
    for i in open_indexes:
        if result[i] is None and claims[i].definition:
            open_claims.setdefault(claims[i].definition, []).append(i)
    by_definition: dict[str, list[LockEntry]] = {}
    for e in free.values():
        if e.definition:
            by_definition.setdefault(e.definition, []).append(e)
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


def _new_guid(c: Claim, used: set[str]) -> str:
    guid = c.guid
    n = 1
    while guid in used:
        n += 1
        guid = renumbered_guid(c.key, n)
    return guid

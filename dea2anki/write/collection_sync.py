"""``dea2anki sync``'s changes to a learner's collection: decided from what Anki holds (read
only, so ``--dry-run`` can print them), then applied in one transaction.

Each note is compared three ways (collection_state.compare): what Anki holds, what the
notes say, and what sync last wrote. The notes' changes are written, field by field; an
edit made in Anki is kept (``pull`` brings it to the notes); a field changed on both sides
is a conflict. Only notes of dea2anki's two note types whose GUIDs the release names are
touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from anki.collection import Collection
from anki.dbproxy import DBProxy

from ..identity.keys import identity_key
from ..identity.release import RETIRED_TAG
from ..records import LockEntry, ReleaseNote
from .collection_state import (
    SOURCE_FIELD,
    TAGS,
    Held,
    Synced,
    Verdict,
    anki_values,
    compare,
    read_state,
    unowned,
    written,
)
from .notetype import CLOZE_MODEL_ID, MODEL_ID


class Kept(NamedTuple):
    """A note whose Anki version is kept: edited there (and, for a conflict, in the notes)."""

    note: ReleaseNote
    anki_fields: tuple[str, ...]
    anki_tags: tuple[str, ...]
    conflict: bool
    deleted: bool = False
    """Deleted in Anki since a sync added it (not added again)."""


class Write(NamedTuple):
    """What to write into an existing note."""

    nid: int
    note: ReleaseNote
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    """The tags from the notes (Anki's own, such as ``leech``, are kept besides)."""


class Move(NamedTuple):
    nid: int
    deck: str
    away_from: str | None
    """Move the cards still in this deck (where sync put them; those the learner moved
    elsewhere stay); None: every card not in ``deck``."""


@dataclass(frozen=True)
class SyncPlan:
    add: tuple[ReleaseNote, ...] = ()
    update: tuple[Write, ...] = ()
    moves: tuple[Move, ...] = ()
    restore: tuple[tuple[int, tuple[int, ...]], ...] = ()
    """(note id, card ids to unsuspend) of retired notes whose concept is back."""
    retire: tuple[tuple[int, tuple[int, ...]], ...] = ()
    """(note id, card ids to suspend) of notes whose concept is gone."""
    delete: tuple[tuple[int, ReleaseNote], ...] = ()
    """(note id, retired note) of the notes to delete (``--prune``)."""
    kept: tuple[Kept, ...] = ()
    not_ours: tuple[ReleaseNote, ...] = ()
    unchanged: int = 0
    media: Mapping[str, Path] = field(default_factory=dict)
    """Files to copy into the collection's media folder (those it lacks)."""
    state: Mapping[str, Synced] = field(default_factory=dict)
    """The collection's state once the plan is carried out."""

    @property
    def conflicts(self) -> int:
        return sum(1 for k in self.kept if k.conflict)

    @property
    def changes(self) -> bool:
        return bool(
            self.add or self.update or self.moves or self.restore or self.retire or self.delete
        )


def held_notes(col: Collection, guids: Iterable[str]) -> dict[str, Held]:
    """The notes of these GUIDs, whatever their note type: those of dea2anki's note types
    in one query, then any others by GUID (GUIDs none of ours has: new notes)."""
    wanted = set(guids)
    found: dict[str, Held] = {}
    query = "SELECT id, guid, mid, mod, flds, tags FROM notes WHERE "
    rows = db_of(col).all(query + "mid IN (?, ?)", MODEL_ID, CLOZE_MODEL_ID)
    rest = sorted(wanted - {row[1] for row in rows})
    for at in range(0, len(rest), 500):
        chunk = rest[at : at + 500]
        rows += db_of(col).all(query + f"guid IN ({','.join('?' * len(chunk))})", *chunk)
    for nid, guid, mid, mod, flds, tags in rows:
        if guid in wanted:
            found[guid] = Held(nid, mid, mod, tuple(flds.split("\x1f")), tuple(tags.split()))
    return found


def db_of(col: Collection) -> DBProxy:
    assert col.db is not None, "the collection is closed"
    return col.db


class Card(NamedTuple):
    cid: int
    did: int
    odid: int
    queue: int

    @property
    def home(self) -> int:
        """The card's own deck, also while a filtered deck borrows it."""
        return self.odid or self.did


def cards_of(col: Collection, nids: Sequence[int]) -> dict[int, list[Card]]:
    found: dict[int, list[Card]] = {}
    for at in range(0, len(nids), 500):
        chunk = nids[at : at + 500]
        marks = ",".join("?" * len(chunk))
        for cid, nid, did, odid, queue in db_of(col).all(
            f"SELECT id, nid, did, odid, queue FROM cards WHERE nid IN ({marks}) ORDER BY ord",
            *chunk,
        ):
            found.setdefault(nid, []).append(Card(cid, did, odid, queue))
    return found


@dataclass
class _Plan:
    """A SyncPlan as it is being decided."""

    add: list[ReleaseNote] = field(default_factory=list)
    update: list[Write] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    restore: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    retire: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    delete: list[tuple[int, ReleaseNote]] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    not_ours: list[ReleaseNote] = field(default_factory=list)
    unchanged: int = 0


def plan_sync(
    col: Collection,
    notes: Sequence[ReleaseNote],
    old: Mapping[str, LockEntry],
    new: Mapping[str, LockEntry],
    media: Mapping[str, Path],
    *,
    prune: bool,
    prefer_source: bool,
) -> SyncPlan:
    """What a sync of ``notes`` (live and retired, from a release with ``retire``) changes.

    ``old`` and ``new``: the lock's entries before and after, by GUID."""
    state = read_state(col)
    held = held_notes(col, (n.guid for n in notes))
    cards = cards_of(col, [h.nid for h in held.values() if h.mid in _OURS])
    p = _Plan()
    decks = _DeckIds(col)
    for note in notes:
        h, base = held.get(note.guid), state.get(note.guid)
        if h is None:
            if not note.live:
                state.pop(note.guid, None)
            elif base is not None and not prefer_source:
                # Added by a sync, since deleted by the learner: a deletion is an edit too.
                p.kept.append(Kept(note, (), (), conflict=False, deleted=True))
            else:
                p.add.append(note)
                state[note.guid] = written(anki_values(note), note.tags, note.deck)
            continue
        if h.mid not in _OURS:
            p.not_ours.append(note)
            continue
        its = cards.get(h.nid, [])
        if not note.live:
            _gone(p, state, note, h, its, prune=prune)
            continue
        if any(t.casefold() == RETIRED_TAG.casefold() for t in h.tags):
            # Back in the notes: unsuspend what sync suspended (all, for a package's note).
            ours = set(base.suspended) if base is not None else None
            p.restore.append((h.nid, tuple(c.cid for c in its if ours is None or c.cid in ours)))
        verdict = compare(h, note, base, old.get(note.guid), new[note.guid].content)
        _decide(p, state, note, h, base, verdict, prefer_source=prefer_source)
        _place(p, state, note, h.nid, base, its, decks)
    folder = Path(col.media.dir())
    needed = {name for n in p.add for name in n.media} | {
        name for w in p.update for name in w.note.media
    }
    return SyncPlan(
        add=tuple(p.add),
        update=tuple(p.update),
        moves=tuple(p.moves),
        restore=tuple(p.restore),
        retire=tuple(p.retire),
        delete=tuple(p.delete),
        kept=tuple(p.kept),
        not_ours=tuple(p.not_ours),
        unchanged=p.unchanged,
        media={n: media[n] for n in sorted(needed) if n in media and not (folder / n).exists()},
        state=state,
    )


_OURS = (MODEL_ID, CLOZE_MODEL_ID)


def _gone(
    p: _Plan, state: dict[str, Synced], note: ReleaseNote, h: Held, its: list[Card], *, prune: bool
) -> None:
    """A note whose concept is gone: deleted with --prune, else suspended and tagged once
    (a card the learner unsuspends afterwards stays unsuspended)."""
    if prune:
        p.delete.append((h.nid, note))
        state.pop(note.guid, None)
        return
    if any(t.casefold() == RETIRED_TAG.casefold() for t in h.tags):
        p.unchanged += 1
        return
    suspend = tuple(c.cid for c in its if c.queue != -1)
    p.retire.append((h.nid, suspend))
    base = state.get(note.guid) or written(h.fields, h.tags, note.deck)
    state[note.guid] = base._replace(suspended=suspend)


def _decide(
    p: _Plan,
    state: dict[str, Synced],
    note: ReleaseNote,
    h: Held,
    base: Synced | None,
    verdict: Verdict,
    *,
    prefer_source: bool,
) -> None:
    """Write the notes' changes, keep Anki's edits: field by field, so an edit in Anki and
    a change of another field in the notes both stay."""
    want = anki_values(note)
    if not verdict.differ:
        state[note.guid] = verdict.held
        p.unchanged += 1
        return
    if verdict.clash and not prefer_source:
        p.kept.append(Kept(note, h.fields, h.tags, conflict=True))
        return
    deck = base.deck if base is not None else note.deck
    if not verdict.anki or prefer_source:
        p.update.append(Write(h.nid, note, want, note.tags))
        state[note.guid] = written(want, note.tags, deck)
        return
    # Edited in Anki (kept, for `pull`), and maybe other fields changed in the notes.
    p.kept.append(Kept(note, h.fields, h.tags, conflict=False))
    if not verdict.source or base is None:
        return
    source = verdict.source
    fields = tuple(
        w if i in source or i == SOURCE_FIELD else a
        for i, (a, w) in enumerate(zip(h.fields, want, strict=True))
    )
    tags = note.tags if TAGS in source else tuple(t for t in h.tags if not unowned(t))
    p.update.append(Write(h.nid, note, fields, tags))
    fresh = written(fields, tags, deck)
    # The base moves on where the notes' change was written, and stays where Anki's edit
    # is kept (so that it is still an edit, for pull).
    merged = tuple(
        f if i in source else b
        for i, (f, b) in enumerate(zip(fresh.fields, base.fields, strict=True))
    )
    state[note.guid] = base._replace(
        fields=merged, tags=fresh.tags if TAGS in source else base.tags
    )


class _DeckIds:
    def __init__(self, col: Collection) -> None:
        self.col = col
        self.known: dict[str, int | None] = {}

    def __call__(self, name: str) -> int | None:
        key = identity_key(name)
        if key not in self.known:
            self.known[key] = self.col.decks.id_for_name(name)
        return self.known[key]


def _place(
    p: _Plan,
    state: dict[str, Synced],
    note: ReleaseNote,
    nid: int,
    base: Synced | None,
    its: list[Card],
    decks: _DeckIds,
) -> None:
    """Move the cards of a concept that moved in the notes. Before any sync (cards an
    import left in an old deck), every card goes to the concept's deck; afterwards only
    those still where sync put them: a deck the learner chose for a card is theirs."""
    target = decks(note.deck)
    if base is None:
        away_from = None
        moving = [c for c in its if c.home != target]
    elif identity_key(base.deck) != identity_key(note.deck):
        away_from = base.deck
        was = decks(base.deck)
        moving = [c for c in its if c.home == was]
    else:
        return
    if moving:
        p.moves.append(Move(nid, note.deck, away_from))
    if note.guid in state:
        state[note.guid] = state[note.guid]._replace(deck=note.deck)

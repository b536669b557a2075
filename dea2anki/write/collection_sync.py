"""``dea2anki sync``'s changes to a learner's collection: decided from what Anki holds (read
only, so ``--dry-run`` can print them), then applied in one transaction.

What dea2anki last wrote into each note is remembered in the collection itself (config key
``dea2anki-sync``: a hash per GUID). A note whose fields or tags no longer hash to it was
edited in Anki, and is kept; a ``build`` that moved the lock on meanwhile does not make a
note look edited. A note with no remembered hash (a collection that imported our packages
before) counts as unedited when it holds what the lock last recorded, or what the notes say.

Only notes of dea2anki's two note types whose GUIDs the release names are touched.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from anki.cards import CardId
from anki.collection import AddNoteRequest, Collection
from anki.dbproxy import DBProxy
from anki.decks import DeckId
from anki.models import NotetypeDict, NotetypeId
from anki.notes import NoteId

from ..identity.keys import content_hash
from ..identity.release import RETIRED_TAG
from ..records import Fields, LockEntry, ReleaseNote
from .notetype import CLOZE_MODEL_ID, MODEL_ID, cloze_values, make_cloze_model, make_model

STATE_KEY = "dea2anki-sync"
STATE_VERSION = 1
SOURCE_FIELD = 3
"""The Source field (``file:line``) of both note types: left out of every comparison, as the
lock leaves the line number out (a line shift is no change)."""
_ANKI_TAGS = frozenset({"leech", "marked"})
"""Tags Anki itself gives (a leech, a marked note): no one's edit, kept on every update."""
_UNOWNED_TAGS = _ANKI_TAGS | {RETIRED_TAG.casefold()}
"""Tags that are neither the learner's edit nor the notes' content: Anki's own, and the
retired tag, which sync itself manages."""


class Held(NamedTuple):
    """A note as the collection holds it."""

    nid: int
    mid: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]


class Kept(NamedTuple):
    """A note whose Anki version is kept: edited there (and, for a conflict, in the notes)."""

    note: ReleaseNote
    anki_fields: tuple[str, ...]
    anki_tags: tuple[str, ...]
    conflict: bool
    deleted: bool = False
    """Deleted in Anki since a sync added it (not added again)."""


@dataclass(frozen=True)
class SyncPlan:
    add: tuple[ReleaseNote, ...] = ()
    update: tuple[tuple[int, ReleaseNote], ...] = ()
    """(note id, what to write): fields and tags."""
    moves: tuple[tuple[int, str], ...] = ()
    """(note id, deck name): notes with cards whose home deck is not their concept's."""
    restore: tuple[int, ...] = ()
    """Note ids of retired notes back in the notes: unsuspended, the retired tag removed."""
    retire: tuple[int, ...] = ()
    """Note ids of gone concepts to suspend and tag (unless already)."""
    delete: tuple[tuple[int, ReleaseNote], ...] = ()
    """(note id, retired note) of the notes to delete (``--prune``)."""
    kept: tuple[Kept, ...] = ()
    not_ours: tuple[ReleaseNote, ...] = ()
    unchanged: int = 0
    media: Mapping[str, Path] = field(default_factory=dict)
    """Files to copy into the collection's media folder (those it lacks)."""
    state: Mapping[str, str] = field(default_factory=dict)
    """The remembered hashes to write, except those of notes this sync writes (read back)."""

    @property
    def conflicts(self) -> int:
        return sum(1 for k in self.kept if k.conflict)

    @property
    def changes(self) -> bool:
        return bool(
            self.add or self.update or self.moves or self.restore or self.retire or self.delete
        )


def note_hash(fields: Sequence[str], tags: Iterable[str]) -> str:
    """What an edit in Anki changes: the fields (NFC, as Anki stores them) but Source, and
    the tags (case-insensitive, as Anki treats them) but those no one edits. Anki's fields
    hold no U+001F (its separator) and tags no space: the joins are unambiguous."""
    text = "\x1f".join("" if i == SOURCE_FIELD else f for i, f in enumerate(fields))
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    owned = " ".join(sorted({t.casefold() for t in tags} - _UNOWNED_TAGS))
    return hashlib.sha256(f"{text}\x1e{owned}".encode()).hexdigest()[:16]


def anki_values(note: ReleaseNote) -> tuple[str, ...]:
    """The note's field values as its note type orders them."""
    return cloze_values(note.fields) if note.cloze else tuple(note.fields)


def unowned(tag: str) -> bool:
    """A tag that is no one's edit: Anki's own, or the retired tag sync manages."""
    return tag.casefold() in _UNOWNED_TAGS


def is_edited(
    held: Held, base: str | None, before: LockEntry | None, current: str | None = None
) -> bool:
    """Whether the learner edited ``held`` in Anki: it is not what dea2anki last wrote
    (``base``, the remembered hash), or, before any sync, not what the lock last recorded
    (``before``)."""
    if base is not None:
        return (current or note_hash(held.fields, held.tags)) != base
    return not _matches_lock(held, before)


def _matches_lock(held: Held, entry: LockEntry | None) -> bool:
    """Whether Anki holds exactly what the lock last recorded (content_hash, as a build
    computes it; Anki keeps fields as given and only sorts the tags)."""
    if entry is None:
        return False
    values = list(held.fields) + [""] * (len(Fields._fields) - len(held.fields))
    fields = Fields(*values[: len(Fields._fields)])
    tags = [t for t in held.tags if t.casefold() not in _ANKI_TAGS]
    return content_hash(fields, tags, source=entry.source) == entry.content


def read_state(col: Collection) -> dict[str, str]:
    raw: Any = col.get_config(STATE_KEY, None)
    if isinstance(raw, dict) and raw.get("version") == STATE_VERSION:
        notes = raw.get("notes")
        if isinstance(notes, dict):
            return {str(k): str(v) for k, v in notes.items()}
    return {}


def held_notes(col: Collection, guids: Iterable[str]) -> dict[str, Held]:
    """The notes of these GUIDs, whatever their note type: those of dea2anki's note types
    in one query, then any others one by one (GUIDs that none of ours has: new notes)."""
    wanted = set(guids)
    found: dict[str, Held] = {}
    for nid, guid, mid, flds, tags in _db(col).all(
        "SELECT id, guid, mid, flds, tags FROM notes WHERE mid IN (?, ?)", MODEL_ID, CLOZE_MODEL_ID
    ):
        if guid in wanted:
            found[guid] = Held(nid, mid, tuple(flds.split("\x1f")), tuple(tags.split()))
    rest = sorted(wanted - found.keys())
    for at in range(0, len(rest), 500):
        chunk = rest[at : at + 500]
        marks = ",".join("?" * len(chunk))
        for nid, guid, mid, flds, tags in _db(col).all(
            f"SELECT id, guid, mid, flds, tags FROM notes WHERE guid IN ({marks})", *chunk
        ):
            found[guid] = Held(nid, mid, tuple(flds.split("\x1f")), tuple(tags.split()))
    return found


def _db(col: Collection) -> DBProxy:
    assert col.db is not None, "the collection is closed"
    return col.db


def _card_ids(col: Collection, nids: Sequence[int]) -> list[CardId]:
    return [CardId(cid) for cards in _cards(col, nids).values() for cid, *_ in cards]


class _Card(NamedTuple):
    cid: int
    did: int
    odid: int
    queue: int


def _cards(col: Collection, nids: Sequence[int]) -> dict[int, list[_Card]]:
    found: dict[int, list[_Card]] = {}
    for at in range(0, len(nids), 500):
        chunk = nids[at : at + 500]
        marks = ",".join("?" * len(chunk))
        for cid, nid, did, odid, queue in _db(col).all(
            f"SELECT id, nid, did, odid, queue FROM cards WHERE nid IN ({marks}) ORDER BY ord",
            *chunk,
        ):
            found.setdefault(nid, []).append(_Card(cid, did, odid, queue))
    return found


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
    ours = {MODEL_ID, CLOZE_MODEL_ID}
    cards = _cards(col, [h.nid for h in held.values() if h.mid in ours])
    deck_ids: dict[str, int | None] = {}
    p = _Plan()
    for note in notes:
        h = held.get(note.guid)
        if h is None:
            if not note.live:
                state.pop(note.guid, None)
            elif note.guid in state and not prefer_source:
                # Added by a sync, since deleted by the learner: a deletion is an edit too.
                p.kept.append(Kept(note, (), (), conflict=False, deleted=True))
            else:
                p.add.append(note)
            continue
        if h.mid not in ours:
            p.not_ours.append(note)
            continue
        its_cards = cards.get(h.nid, [])
        retired = any(t.casefold() == RETIRED_TAG.casefold() for t in h.tags)
        if not note.live:
            if prune:
                p.delete.append((h.nid, note))
                state.pop(note.guid, None)
            elif not retired or any(c.queue != -1 for c in its_cards):
                p.retire.append(h.nid)
            else:
                p.unchanged += 1
            continue
        if retired:
            p.restore.append(h.nid)
        current = note_hash(h.fields, h.tags)
        base = state.get(note.guid)
        before = old.get(note.guid)
        edited = is_edited(h, base, before, current)
        if current == note_hash(anki_values(note), note.tags):
            state[note.guid] = current
            p.unchanged += not retired
        elif not edited or prefer_source:
            p.update.append((h.nid, note))
        else:
            changed = before is None or before.content != new[note.guid].content
            p.kept.append(Kept(note, h.fields, h.tags, conflict=changed))
        if note.deck not in deck_ids:
            deck_ids[note.deck] = col.decks.id_for_name(note.deck)
        if any((c.odid or c.did) != deck_ids[note.deck] for c in its_cards):
            p.moves.append((h.nid, note.deck))
    folder = Path(col.media.dir())
    needed = {name for n in p.add for name in n.media} | {
        name for _, n in p.update for name in n.media
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


@dataclass
class _Plan:
    add: list[ReleaseNote] = field(default_factory=list)
    update: list[tuple[int, ReleaseNote]] = field(default_factory=list)
    moves: list[tuple[int, str]] = field(default_factory=list)
    restore: list[int] = field(default_factory=list)
    retire: list[int] = field(default_factory=list)
    delete: list[tuple[int, ReleaseNote]] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    not_ours: list[ReleaseNote] = field(default_factory=list)
    unchanged: int = 0


def apply_sync(col: Collection, plan: SyncPlan, *, timestamp: int) -> None:
    """Carry out ``plan`` in one transaction: any failure leaves the collection as it was
    (the media files copied before it are only ever new names)."""
    for name, path in plan.media.items():
        col.media.write_data(name, path.read_bytes())
    _db(col).transact(lambda: _apply(col, plan, timestamp))


def _apply(col: Collection, plan: SyncPlan, timestamp: int) -> None:
    if plan.add:
        _ensure_note_types(col, timestamp, cloze=any(n.cloze for n in plan.add))
    decks: dict[str, DeckId] = {}

    def deck(name: str) -> DeckId:
        if name not in decks:
            decks[name] = DeckId(col.decks.id(name) or 0)
        return decks[name]

    requests = []
    for note in plan.add:
        anki_note = col.new_note(_note_type(col, note))
        anki_note.guid = note.guid
        anki_note.fields[:] = list(anki_values(note))
        anki_note.tags = list(note.tags)
        requests.append(AddNoteRequest(anki_note, deck(note.deck)))
    if requests:
        col.add_notes(requests)
    updated = []
    for nid, note in plan.update:
        anki_note = col.get_note(NoteId(nid))
        keep = [t for t in anki_note.tags if unowned(t)]
        anki_note.fields[:] = list(anki_values(note))
        anki_note.tags = [*note.tags, *keep]
        updated.append(anki_note)
    if updated:
        col.update_notes(updated)
    if plan.moves:
        # After the updates: a card they made (a reverse card turned on) is in the note's
        # old deck, and moves with the others.
        where = dict(plan.moves)
        moved = []
        for nid, its_cards in _cards(col, list(where)).items():
            target = deck(where[nid])
            for c in its_cards:
                if (c.odid or c.did) != target:
                    card = col.get_card(CardId(c.cid))
                    # A card in a filtered deck stays there; it goes home to the new deck.
                    if card.odid:
                        card.odid = target
                    else:
                        card.did = target
                    moved.append(card)
        col.update_cards(moved)
    if plan.restore:
        nids = [NoteId(n) for n in plan.restore]
        col.sched.unsuspend_cards(_card_ids(col, nids))
        col.tags.bulk_remove(nids, RETIRED_TAG)
    if plan.retire:
        nids = [NoteId(n) for n in plan.retire]
        col.sched.suspend_cards(_card_ids(col, nids))
        col.tags.bulk_add(nids, RETIRED_TAG)
    if plan.delete:
        col.remove_notes([NoteId(nid) for nid, _ in plan.delete])
    _remember(col, plan)


def _remember(col: Collection, plan: SyncPlan) -> None:
    """The hashes of what this sync wrote, read back as Anki stored them, with the rest."""
    state = dict(plan.state)
    written = [n.guid for n in plan.add] + [n.guid for _, n in plan.update]
    for guid, h in held_notes(col, written).items():
        state[guid] = note_hash(h.fields, h.tags)
    col.set_config(STATE_KEY, {"version": STATE_VERSION, "notes": state})


def _ensure_note_types(col: Collection, timestamp: int, *, cloze: bool) -> None:
    """dea2anki's note types, with the ids its packages give them (a collection that
    imported a package already has them; they are never changed here)."""
    wanted = [make_model(), *([make_cloze_model()] if cloze else [])]
    for model in wanted:
        if col.models.get(NotetypeId(model.model_id)) is None:
            first_deck = 1
            legacy = json.dumps(model.to_json(timestamp, first_deck)).encode()
            # The call Anki's own importer makes: the only one that keeps a given id.
            col._backend.add_or_update_notetype(
                json=legacy, preserve_usn_and_mtime=True, skip_checks=False
            )


def _note_type(col: Collection, note: ReleaseNote) -> NotetypeDict:
    found = col.models.get(NotetypeId(CLOZE_MODEL_ID if note.cloze else MODEL_ID))
    assert found is not None  # _ensure_note_types made it
    return found

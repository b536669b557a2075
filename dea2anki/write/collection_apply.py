"""``dea2anki sync``'s plan (collection_sync.SyncPlan) carried out: in one transaction, so
that a failure leaves the collection as it was."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from anki.cards import CardId
from anki.collection import AddNoteRequest, Collection
from anki.decks import DeckId
from anki.models import NotetypeDict, NotetypeId
from anki.notes import NoteId

from ..identity.release import RETIRED_TAG
from ..records import ReleaseNote
from .collection_state import STATE_KEY, anki_values, state_value, unowned
from .collection_sync import Move, SyncPlan, cards_of, db_of
from .notetype import CLOZE_MODEL_ID, MODEL_ID, make_cloze_model, make_model


def apply_sync(col: Collection, plan: SyncPlan, *, timestamp: int) -> None:
    """Carry out ``plan`` in one transaction: any failure leaves the collection as it was
    (the media files copied before it are only ever new names)."""
    for name, path in plan.media.items():
        col.media.write_data(name, path.read_bytes())
    db_of(col).transact(lambda: _apply(col, plan, timestamp))


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
    for w in plan.update:
        anki_note = col.get_note(NoteId(w.nid))
        anki_note.tags = [*w.tags, *(t for t in anki_note.tags if unowned(t))]
        anki_note.fields[:] = list(w.fields)
        updated.append(anki_note)
    if updated:
        col.update_notes(updated)
    if plan.moves:
        _move(col, plan.moves, deck)
    if plan.restore:
        col.sched.unsuspend_cards([CardId(c) for _, cids in plan.restore for c in cids])
        col.tags.bulk_remove([NoteId(n) for n, _ in plan.restore], RETIRED_TAG)
    if plan.retire:
        col.sched.suspend_cards([CardId(c) for _, cids in plan.retire for c in cids])
        col.tags.bulk_add([NoteId(n) for n, _ in plan.retire], RETIRED_TAG)
    if plan.delete:
        col.remove_notes([NoteId(nid) for nid, _ in plan.delete])
    col.set_config(STATE_KEY, state_value(plan.state))


def _move(col: Collection, moves: Sequence[Move], deck: Callable[[str], DeckId]) -> None:
    """After the updates: a card they made (a reverse card turned on) is in the note's old
    deck, and moves with the others."""
    by_note = {m.nid: m for m in moves}
    moved = []
    for nid, its in cards_of(col, list(by_note)).items():
        m = by_note[nid]
        target = deck(m.deck)
        source = col.decks.id_for_name(m.away_from) if m.away_from is not None else None
        for c in its:
            if c.home == target or (m.away_from is not None and c.home != source):
                continue
            card = col.get_card(CardId(c.cid))
            # A card in a filtered deck stays there; it goes home to the new deck.
            if card.odid:
                card.odid = target
            else:
                card.did = target
            moved.append(card)
    col.update_cards(moved)


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

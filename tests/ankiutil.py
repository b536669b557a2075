"""Real-Anki helpers for tests: Anki's own importer (the `anki` package), desktop defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

# anki.collection must be imported before anki.cards (circular import inside anki).
from anki.collection import Collection

# isort: split
from anki.cards import Card
from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.scheduler.v3 import CardAnswer

IF_NEWER = 0


@dataclass(frozen=True)
class ImportLog:
    new: int
    updated: int
    duplicate: int
    conflicting: int
    first_field_match: int
    missing_notetype: int
    updated_ids: frozenset[int] = frozenset()


class Anki:
    """A fresh real collection; import packages as Anki desktop's import dialog does."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.col = Collection(str(folder / "collection.anki2"))

    def close(self) -> None:
        self.col.close()

    def import_package(self, path: Path, *, with_scheduling: bool = False) -> ImportLog:
        # Desktop defaults (23.10+): merge note types off, update notes and note types
        # "if newer", no scheduling ("Import any learning progress" off), no deck presets.
        req = ImportAnkiPackageRequest(
            package_path=str(path.resolve()),
            options=ImportAnkiPackageOptions(
                merge_notetypes=False,
                update_notes=IF_NEWER,
                update_notetypes=IF_NEWER,
                with_scheduling=with_scheduling,
                with_deck_configs=False,
            ),
        )
        log = self.col.import_anki_package(req).log
        return ImportLog(
            new=len(log.new),
            updated=len(log.updated),
            duplicate=len(log.duplicate),
            conflicting=len(log.conflicting),
            first_field_match=len(log.first_field_match),
            missing_notetype=len(log.missing_notetype),
            updated_ids=frozenset(n.id.nid for n in log.updated),
        )

    def notes(self) -> dict[str, dict[str, Any]]:
        """Every note by its first field's text (Term, or a cloze note's Text)."""
        out = {}
        for nid in self.col.find_notes(""):
            note = self.col.get_note(nid)
            cards = note.cards()
            out[note.fields[0]] = {
                "guid": note.guid,
                "id": note.id,
                "fields": dict(note.items()),
                "tags": sorted(note.tags),
                "decks": sorted({self.col.decks.name(c.did) for c in cards}),
                "cards": cards,
                "notetype": note.note_type()["name"],  # type: ignore[index]
            }
        return out

    def deck_names(self) -> set[str]:
        return {d.name for d in self.col.decks.all_names_and_ids()}

    def review_first_new(self, deck: str) -> Card:
        """Answer "Good" on the first new card of ``deck``, as a learner would."""
        self.col.decks.select(self.col.decks.id_for_name(deck))
        queued = self.col.sched.get_queued_cards().cards[0]
        card = Card(self.col)
        card._load_from_backend_card(queued.card)
        card.start_timer()
        answer = self.col.sched.build_answer(
            card=card, states=queued.states, rating=CardAnswer.GOOD
        )
        self.col.sched.answer_card(answer)
        return self.col.get_card(card.id)

    def revlog_count(self, card_id: int) -> int:
        return int(self.col.db.scalar("select count() from revlog where cid = ?", card_id))

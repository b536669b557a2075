"""The package writer: genanki objects -> a deterministic ``.apkg``, written atomically.

genanki's ``Package.write_to_file`` stamps every note with one time, inserts row by row,
stores the zip uncompressed with the temp file's mtime, and writes in place (a crash leaves
half a package). This writer keeps genanki's Model and Deck objects, its collection schema
and its rule for which cards a note has as the source of truth, and fixes those four things
(and makes no genanki Note per note: at 100,000 notes they cost 2.4 s of tag checks):
- each note carries its own ``mod`` time (Anki applies an update only when it is newer);
- rows go in with ``executemany``;
- zip entries are deflated (on every core), with fixed times and order, so equal input gives
  equal bytes;
- the file is written next to its target and renamed into place.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from .atomic import atomic_output
from .notetype import cloze_ords, cloze_values
from .zip import write_zip

_TABLES = "\n".join(x for x in APKG_SCHEMA.splitlines() if not x.startswith("CREATE INDEX"))
_INDEXES = "\n".join(x for x in APKG_SCHEMA.splitlines() if x.startswith("CREATE INDEX"))


@dataclass(frozen=True)
class WrittenPackage:
    path: Path
    notes: int
    cards: int
    decks: int
    size: int
    media: int = 0


class NoteRow(Protocol):
    """What the writer needs of a note (records.ReleaseNote is one)."""

    @property
    def guid(self) -> str: ...
    @property
    def mod(self) -> int: ...
    @property
    def deck(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def fields(self) -> tuple[str, ...]: ...
    @property
    def suspended(self) -> bool: ...
    @property
    def cloze(self) -> bool: ...


@dataclass(frozen=True)
class NoteTypes:
    """The note types a package may hold: a cloze note is of ``cloze``, every other of
    ``basic``. A package holds only those its notes use."""

    basic: genanki.Model
    cloze: genanki.Model


def write_apkg(
    path: Path,
    models: NoteTypes,
    notes: Sequence[NoteRow],
    deck_id: Callable[[str], int],
    *,
    timestamp: int,
    opener: Callable[[Path], AbstractContextManager[BinaryIO]] = atomic_output,
    media: Mapping[str, Path] | None = None,
) -> WrittenPackage:
    """Write ``notes`` (in order: their cards are due in that order) to ``path``.

    Every note keeps its own ``mod``; each deck gets the id ``deck_id(name)``. ``media`` maps
    packaged file names to files on disk. Note and card ids count up from ``timestamp`` in
    milliseconds, as genanki's do, so a fixed timestamp gives fixed ids. ``opener`` gives the
    output file (by default written atomically; a build passes its AtomicBatch so all
    packages land together).
    """
    decks: dict[str, genanki.Deck] = {}
    for note in notes:
        if note.deck not in decks:
            decks[note.deck] = genanki.Deck(deck_id(note.deck), note.deck)
    with tempfile.TemporaryDirectory(prefix="dea2anki-") as tmp:
        db_path = Path(tmp, "collection.anki2")
        cards = _write_collection(db_path, models, decks, notes, timestamp)
        names = sorted(media or {})
        index = {str(i): name for i, name in enumerate(names)}
        entries: list[tuple[str, bytes | Path]] = [("collection.anki2", db_path)]
        entries += [(str(i), (media or {})[name]) for i, name in enumerate(names)]
        entries.append(("media", json.dumps(index, ensure_ascii=False).encode("utf-8")))
        with opener(path) as raw:
            write_zip(raw, entries)
            size = raw.tell()
    return WrittenPackage(path, len(notes), cards, len(decks), size, len(media or {}))


def card_rule(model: genanki.Model) -> Callable[[Sequence[str]], list[int]]:
    """Which cards (template ords) a note of ``model`` has, given its fields: genanki's rule
    (``Note.cards``, from the model's required fields), without a Note object per note."""
    rules = [(o, any if how == "any" else all, req) for o, how, req in model._req]
    known: dict[tuple[bool, ...], list[int]] = {}

    def ords(fields: Sequence[str]) -> list[int]:
        # The answer depends only on which fields are empty: remembered per pattern.
        filled = tuple(map(bool, fields))
        found = known.get(filled)
        if found is None:
            found = known[filled] = [o for o, op, req in rules if op(filled[i] for i in req)]
        return found

    return ords


def _write_collection(
    db_path: Path,
    models: NoteTypes,
    decks: Mapping[str, genanki.Deck],
    notes: Sequence[NoteRow],
    timestamp: int,
) -> int:
    basic_id, cloze_id = models.basic.model_id, models.cloze.model_id
    ords = card_rule(models.basic)
    card_ords = [cloze_ords(note.fields[0]) if note.cloze else ords(note.fields) for note in notes]
    # Ids count up from the build time: first every note, then every card (genanki's
    # scheme, in two runs so that the rows can stream into SQLite without being kept).
    first_nid = timestamp * 1000
    first_cid = first_nid + len(notes)

    def note_rows() -> Iterator[tuple[object, ...]]:
        # usn -1, then tags, fields, sort field; csum, flags and data are in the INSERT
        for nid, note in enumerate(notes, start=first_nid):
            fields = note.fields
            model_id = basic_id
            if note.cloze:
                fields, model_id = cloze_values(fields), cloze_id
            tags = f" {' '.join(note.tags)} " if note.tags else ""
            yield (nid, note.guid, model_id, note.mod, -1, tags, "\x1f".join(fields), fields[0])

    def card_rows() -> Iterator[tuple[object, ...]]:
        cid = itertools.count(first_cid)
        for due, (note, ords) in enumerate(zip(notes, card_ords, strict=True)):
            nid = first_nid + due
            did = decks[note.deck].deck_id
            queue = -1 if note.suspended else 0  # -1: suspended, e.g. retired notes
            for ord_ in ords:
                yield (next(cid), nid, did, ord_, note.mod, queue, due)

    used = [models.basic] if not notes or not all(n.cloze for n in notes) else []
    used += [models.cloze] if any(n.cloze for n in notes) else []
    conn = sqlite3.connect(db_path)
    try:
        # A throw-away file: no journal, no fsync. Indexes are built after the rows are in
        # (genanki's schema creates them first): one sort instead of 200,000 B-tree inserts.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.executescript(_TABLES)
        conn.executescript(APKG_COL)
        (decks_json,) = conn.execute("SELECT decks FROM col").fetchone()
        all_decks = json.loads(decks_json)
        for deck in decks.values():
            all_decks[str(deck.deck_id)] = deck.to_json()
        first_deck = next(iter(decks.values())).deck_id if decks else 1
        types = {str(m.model_id): m.to_json(timestamp, first_deck) for m in used}
        conn.execute(
            "UPDATE col SET decks = ?, models = ?",
            (json.dumps(all_decks, sort_keys=True), json.dumps(types, sort_keys=True)),
        )
        conn.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,0,0,'')", note_rows())
        # usn -1, type 0 (new), left, odue, odid, flags 0, data ''
        conn.executemany(
            "INSERT INTO cards VALUES (?,?,?,?,?,-1,0,?,?,0,0,0,0,0,0,0,0,'')", card_rows()
        )
        conn.executescript(_INDEXES)
        conn.commit()
    finally:
        conn.close()
    return sum(map(len, card_ords))

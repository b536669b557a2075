"""What ``sync`` last wrote into each note, kept in the collection itself, and how a note's
fields are compared with it: the three-way comparison that tells an edit made in Anki from
a change of the notes.

The state is a config entry of the collection (``dea2anki-sync``), one record a GUID: a
short hash per field and of the tags as they were written, the deck the cards were put
in, and the cards sync suspended. Being in the
collection, it goes wherever the collection goes (AnkiWeb, a backup), and a ``build`` that
moves the lock on meanwhile changes nothing of it.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from anki.collection import Collection

from ..diagnostics import COLLECTION_UNUSABLE, Dea2AnkiError, report
from ..identity.keys import content_hash
from ..identity.release import RETIRED_TAG
from ..records import Fields, LockEntry, ReleaseNote
from .notetype import cloze_values

STATE_KEY = "dea2anki-sync"
STATE_VERSION = 1
SOURCE_FIELD = 3
"""The Source field (``file:line``) of both note types: never compared, as the lock leaves
the line number out (a line shift is no change)."""
TAGS = -1
"""The tags, where a set of field indexes names what changed."""
ANKI_TAGS = frozenset({"leech", "marked"})
"""Tags Anki itself gives (a leech, a marked note): no one's edit, kept on every update."""
_UNOWNED = ANKI_TAGS | {RETIRED_TAG.casefold()}


def unowned(tag: str) -> bool:
    """A tag that is neither the learner's edit nor the notes' content: Anki's own, or the
    retired tag, which sync itself manages."""
    return tag.casefold() in _UNOWNED


class Held(NamedTuple):
    """A note as the collection holds it."""

    nid: int
    mid: int
    mod: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]


class Synced(NamedTuple):
    """What sync last wrote into a note: the base both sides are compared with."""

    fields: tuple[str, ...]
    """A short hash of each field (NFC, as Anki stores it); "" for Source."""
    tags: str
    deck: str
    """Where sync put the note's cards."""
    suspended: tuple[int, ...] = ()
    """The cards sync suspended when the concept was gone (unsuspended if it returns)."""


class Verdict(NamedTuple):
    """A note compared three ways: what Anki holds, what the notes say, and the base."""

    anki: frozenset[int]
    """Fields (TAGS for the tags) edited in Anki since the base."""
    source: frozenset[int]
    """Fields changed in the notes since the base."""
    clash: frozenset[int]
    """Fields changed on both sides, differently."""
    differ: frozenset[int]
    """Fields in which Anki and the notes differ now (none: nothing to do)."""
    held: Synced
    """What Anki holds, hashed as a base is (the base once nothing differs)."""


def _short(text: str) -> str:
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # Only one note's values are ever compared with each other: 48 bits is plenty, and the
    # state (a config entry AnkiWeb carries) stays small.
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def field_hashes(fields: Sequence[str]) -> tuple[str, ...]:
    return tuple("" if i == SOURCE_FIELD else _short(f) for i, f in enumerate(fields))


def tags_hash(tags: Iterable[str]) -> str:
    """Case-insensitive, as Anki treats tags, and without those no one edits."""
    return _short(" ".join(sorted({t.casefold() for t in tags if not unowned(t)})))


def anki_values(note: ReleaseNote) -> tuple[str, ...]:
    """The note's field values as its note type orders them."""
    return cloze_values(note.fields) if note.cloze else tuple(note.fields)


def compare(
    held: Held, note: ReleaseNote, base: Synced | None, before: LockEntry | None, source: str
) -> Verdict:
    """``held`` against ``note``: which side changed what. ``source``: the note's content
    hash now; ``before``: its lock entry as it was. Without a base (a collection that only
    imported packages so far), the note was edited in Anki if it is neither what the lock
    recorded nor older than it (an import keeps the package's mod; an edit renews it), and
    the notes changed if the lock's content did; each side then owns every difference."""
    mine = field_hashes(held.fields), tags_hash(held.tags)
    theirs = field_hashes(anki_values(note)), tags_hash(note.tags)
    differ = _changed(mine, theirs)
    now = Synced(mine[0], mine[1], base.deck if base is not None else note.deck)
    if base is None:
        edited = bool(differ) and not (
            before is not None and (held.mod <= before.mod or _matches_lock(held, before))
        )
        changed = before is None or before.content != source
        if not edited:
            return Verdict(frozenset(), differ, frozenset(), differ, now)
        both = differ if changed else frozenset()
        return Verdict(differ, both, both, differ, now)
    start = base.fields, base.tags
    in_anki, in_notes = _changed(mine, start), _changed(theirs, start)
    return Verdict(in_anki, in_notes, in_anki & in_notes & differ, differ, now)


def _changed(a: tuple[tuple[str, ...], str], b: tuple[tuple[str, ...], str]) -> frozenset[int]:
    fields = {i for i, (x, y) in enumerate(zip(a[0], b[0], strict=False)) if x != y}
    if len(a[0]) != len(b[0]):
        fields |= set(range(min(len(a[0]), len(b[0])), max(len(a[0]), len(b[0]))))
    return frozenset(fields | ({TAGS} if a[1] != b[1] else set()))


def _matches_lock(held: Held, entry: LockEntry) -> bool:
    """Whether Anki holds exactly what the lock recorded (content_hash, as a build computes
    it: Anki keeps the fields as given and only sorts the tags)."""
    values = list(held.fields) + [""] * (len(Fields._fields) - len(held.fields))
    fields = Fields(*values[: len(Fields._fields)])
    tags = [t for t in held.tags if t.casefold() not in ANKI_TAGS]
    return content_hash(fields, tags, source=entry.source) == entry.content


def read_state(col: Collection) -> dict[str, Synced]:
    """The state of ``col`` ({} before its first sync). A state written by a newer
    dea2anki is refused: this one would forget what it does not know."""
    raw: Any = col.get_config(STATE_KEY, None)
    if raw is None:
        return {}
    version = raw.get("version") if isinstance(raw, dict) else None
    if version != STATE_VERSION or not isinstance(raw.get("notes"), dict):
        message = (
            f"the collection's {STATE_KEY} entry is not one this dea2anki reads (version "
            f"{version!r}, this one reads {STATE_VERSION}); upgrade dea2anki"
        )
        raise Dea2AnkiError([report(COLLECTION_UNUSABLE, STATE_KEY, None, message)])
    decks = raw.get("decks") or []
    out = {}
    try:
        for guid, record in raw["notes"].items():
            fields, tags, deck, suspended = record.split(";")
            cards = tuple(int(c) for c in suspended.split(",") if c)
            out[guid] = Synced(tuple(fields.split(",")), tags, decks[int(deck)], cards)
    except (ValueError, IndexError, AttributeError, TypeError) as e:
        message = f"the collection's {STATE_KEY} entry is damaged ({e}); nothing was written"
        raise Dea2AnkiError([report(COLLECTION_UNUSABLE, STATE_KEY, None, message)]) from e
    return out


def state_value(state: Mapping[str, Synced]) -> dict[str, Any]:
    """The state as the collection keeps it: a line of text a note (fields, tags, deck,
    suspended cards), the deck names once."""
    decks: dict[str, int] = {}
    notes = {}
    for guid, s in state.items():
        deck = decks.setdefault(s.deck, len(decks))
        cards = ",".join(map(str, s.suspended))
        notes[guid] = f"{','.join(s.fields)};{s.tags};{deck};{cards}"
    return {"version": STATE_VERSION, "decks": list(decks), "notes": notes}


def written(fields: Sequence[str], tags: Iterable[str], deck: str) -> Synced:
    """The base after sync wrote ``fields`` and ``tags`` into a note of ``deck``."""
    return Synced(field_hashes(fields), tags_hash(tags), deck)

"""A release: this build's notes with identities and mod times, the new lock, and what
changed since the lock. Pure: the lock's entries come in, nothing is read or written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import CONCEPT_GONE, LOCK_MISSING, LOCK_STALE, Diagnostic, report
from ..naming import DECK_SEPARATOR
from ..records import (
    GONE,
    RETIRED,
    Draft,
    Event,
    EventKind,
    Fields,
    LockEntry,
    NoteFile,
    ReleaseNote,
)
from ..render.text import escape
from .keys import content_hash
from .lock import sort_key
from .match import BY_BLOCK_ID, MOVED, NEW, RENAMED, Claim, resolve

RETIRED_TAG = "dea2anki::retired"

# Module constants: a release looks one up per note, and an Enum class attribute costs 15
# times as much to reach as a global.
ADDED, RESTORED, CHANGED = EventKind.ADDED, EventKind.RESTORED, EventKind.CHANGED
RENAMED_EVENT, MOVED_EVENT = EventKind.RENAMED, EventKind.MOVED
RETIRED_EVENT, GONE_EVENT = EventKind.RETIRED, EventKind.GONE


@dataclass(frozen=True)
class Release:
    notes: tuple[ReleaseNote, ...]
    lock: tuple[LockEntry, ...]
    events: tuple[Event, ...]
    diagnostics: tuple[Diagnostic, ...]
    restamped: int = 0
    """Notes that existed and get the build time (changed, renamed or moved with changes):
    what Anki will report as updated."""


def make_release(
    drafts: Sequence[Draft],
    entries: Sequence[LockEntry],
    *,
    timestamp: int,
    retire: bool,
    keep: Callable[[LockEntry], bool] | None = None,
    source_of: Callable[[NoteFile], str] | None = None,
) -> Release:
    """``keep``: lock entries left over that must be carried unchanged, neither gone nor
    retired (their concepts exist but are outside this build). ``source_of``: how the lock
    names a file (default: relative to its notes folder)."""
    claims = []
    for d in drafts:
        loc = d.located
        c = loc.concept
        claims.append(
            Claim(
                loc.root_deck,
                c.term,
                c.block_id,
                loc.definition_key,
                loc.key,
                loc.guid,
                d.deck,
                c.cloze,
            )
        )
    resolved, leftovers = resolve(claims, entries)
    notes: list[ReleaseNote] = []
    lock: list[LockEntry] = []
    events: list[Event] = []
    restamped = 0
    for draft, claim, r in zip(drafts, claims, resolved, strict=True):
        content = draft.content
        old = r.entry
        mod = old.mod if old is not None and old.content == content else timestamp
        restamped += old is not None and mod == timestamp
        loc = draft.located
        notes.append(
            ReleaseNote(
                r.guid, mod, draft.deck, draft.tags, loc.fields, True, loc.media, loc.concept.cloze
            )
        )
        entry = LockEntry(
            r.guid,
            claim.root,
            claim.term,
            draft.deck,
            source_of(loc.source.file) if source_of is not None else loc.source.file.rel,
            claim.block,
            claim.definition,
            content,
            mod,
            cloze=claim.cloze,
        )
        if entry == old:
            lock.append(old)  # the very object read: its line is reused as it was
            continue  # and an unchanged note has no event
        lock.append(entry)
        event = _event(draft, r.how, old, content)
        if event is not None:
            events.append(event)

    diagnostics: list[Diagnostic] = []
    for e in sorted(leftovers, key=sort_key):
        if keep is not None and e.state != RETIRED and keep(e):
            lock.append(e)
        elif e.state == RETIRED or retire:
            retired = _retired_note(e, timestamp)
            notes.append(retired)
            lock.append(e._replace(state=RETIRED, mod=retired.mod, content=_retired_content(e)))
            if e.state != RETIRED:
                events.append(Event(RETIRED_EVENT, e.term, e.deck, e.source))
        else:
            lock.append(e._replace(state=GONE))
            events.append(Event(GONE_EVENT, e.term, e.deck, e.source))
            diagnostics.append(
                report(
                    CONCEPT_GONE,
                    e.source,
                    None,
                    f"concept {e.term!r} is no longer in the notes; Anki keeps its note "
                    f"(build with --retire to tag it {RETIRED_TAG})",
                )
            )
    restamped += sum(1 for e in events if e.kind is RETIRED_EVENT)
    return Release(tuple(notes), tuple(lock), tuple(events), tuple(diagnostics), restamped)


def _event(draft: Draft, how: str, old: LockEntry | None, content: str) -> Event | None:
    c = draft.located.concept
    where = draft.located.where
    if old is None or how == NEW:
        return Event(ADDED, c.term, draft.deck, where)
    if old.state == RETIRED:
        return Event(RESTORED, c.term, draft.deck, where)
    if how in (RENAMED, BY_BLOCK_ID) and old.term != c.term:
        reason = "same definition" if how == RENAMED else f"block id ^{c.block_id}"
        return Event(RENAMED_EVENT, c.term, draft.deck, where, old_term=old.term, how=reason)
    if old.deck != draft.deck or how == MOVED:
        return Event(MOVED_EVENT, c.term, draft.deck, where, old_deck=old.deck)
    if old.content != content:
        return Event(CHANGED, c.term, draft.deck, where)
    return None


def _retired_fields(e: LockEntry) -> Fields:
    notice = (
        "<i>Retired: this concept is no longer in the notes "
        f"(last in {escape(e.source)}). Find all such notes with "
        f"<code>tag:{RETIRED_TAG}</code> and delete them.</i>"
    )
    deck = escape(e.deck.replace(DECK_SEPARATOR, " / "))
    # A cloze note stays one (Anki refuses a note type change): its text one gap, the term.
    front = f"{{{{c1::{escape(e.term)}}}}}" if e.cloze else escape(e.term)
    return Fields(front, notice, deck, escape(e.source), "")


def _retired_content(e: LockEntry) -> str:
    fields = _retired_fields(e)
    return content_hash(fields, (RETIRED_TAG,), source=fields.source)


def _retired_note(e: LockEntry, timestamp: int) -> ReleaseNote:
    mod = e.mod if e.state == RETIRED else timestamp
    fields = _retired_fields(e)
    return ReleaseNote(e.guid, mod, e.deck, (RETIRED_TAG,), fields, live=False, cloze=e.cloze)


def lock_problem(
    path: Path, old: Sequence[LockEntry] | None, release: Release
) -> Diagnostic | None:
    """Why the lock on disk is not what this build would write (for ``--locked``)."""
    if old is None:
        return report(
            LOCK_MISSING,
            str(path),
            None,
            "no lock file; run `dea2anki build` without --locked and commit the lock it writes",
        )
    before = {e.guid: e for e in old}
    after = {e.guid: e for e in release.lock}
    added = [after[g].term for g in after.keys() - before.keys()]
    removed = [before[g].term for g in before.keys() - after.keys()]
    changed = [after[g].term for g in after.keys() & before.keys() if after[g] != before[g]]
    if not (added or removed or changed):
        return None
    terms = sorted(added + removed + changed)
    shown = ", ".join(repr(t) for t in terms[:5]) + (", ..." if len(terms) > 5 else "")
    return report(
        LOCK_STALE,
        str(path),
        None,
        f"the lock is out of date with the notes ({len(added)} new, {len(changed)} changed, "
        f"{len(removed)} removed: {shown}); run `dea2anki build` with the same options "
        "(--retire too, if CI uses it) and commit the lock",
    )

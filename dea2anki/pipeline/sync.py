"""``sync``: the release a build would make, written into a learner's Anki collection
instead of a package, with the lock written beside it.

The lock and the collection change together or not at all: the lock is staged first,
the collection's transaction commits, and only then is the lock renamed into place.
"""

from __future__ import annotations

import html
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from anki.collection import Collection

from ..diagnostics import (
    COLLECTION_UNUSABLE,
    EDITED_IN_ANKI,
    NOT_OURS,
    SYNC_CONFLICT,
    WRITE_FAILED,
    Dea2AnkiError,
    Diagnostic,
    report,
)
from ..identity.lock import LockBook, write_lines
from ..records import GONE, Draft, LockEntry, ReleaseNote
from ..settings import Options
from ..write.atomic import AtomicBatch
from ..write.collection import backup, opened, refuse_if_open
from ..write.collection_apply import apply_sync
from ..write.collection_sync import Kept, SyncPlan, plan_sync
from .cache import Cache
from .nogc import without_cyclic_gc
from .plan import Plan, collect, default_lock_path, nothing_to_export, plan, release


class SyncedWithoutLock(Dea2AnkiError):
    """The collection was synced, but the lock could not be renamed into place."""


@dataclass(frozen=True)
class SyncResult:
    plan: SyncPlan
    diagnostics: tuple[Diagnostic, ...]
    lock_path: Path
    lock_written: bool
    written: bool
    """False for --dry-run, and when --prune was not confirmed."""


@without_cyclic_gc
def sync(
    paths: Sequence[str],
    options: Options,
    collection: Path,
    *,
    timestamp: int,
    lock_path: Path | None = None,
    prune: bool = False,
    prefer_source: bool = False,
    dry_run: bool = False,
    confirm: Callable[[SyncPlan], bool] | None = None,
    cache_dir: Path | None = None,
) -> SyncResult:
    """Sync the notes at ``paths`` into ``collection``. ``confirm(plan)`` is asked before
    notes are deleted (``prune``); False writes nothing. Raises Dea2AnkiError."""
    # Like a build, a sync keeps parse results for the next one (a dry run only reads them).
    with Cache(cache_dir, write=not dry_run) as parse_cache:
        result = _sync(
            paths,
            options,
            collection,
            parse_cache,
            timestamp=timestamp,
            lock_path=lock_path,
            prune=prune,
            prefer_source=prefer_source,
            dry_run=dry_run,
            confirm=confirm,
        )
        if result.written:
            parse_cache.commit()
        return result


def _sync(
    paths: Sequence[str],
    options: Options,
    collection: Path,
    parse_cache: Cache,
    *,
    timestamp: int,
    lock_path: Path | None,
    prune: bool,
    prefer_source: bool,
    dry_run: bool,
    confirm: Callable[[SyncPlan], bool] | None,
) -> SyncResult:
    planned = plan(collect(paths, options, cache=parse_cache), options)
    lock_path = lock_path or default_lock_path(paths)
    locks = LockBook()
    old = locks.read(lock_path) or ()
    rel = release(planned, old, lock_path, timestamp=timestamp, retire=True)
    diagnostics = [*planned.diagnostics, *rel.diagnostics]
    if not any(n.live for n in rel.notes):
        raise Dea2AnkiError([*diagnostics, nothing_to_export(paths)])
    old_by = {e.guid: e for e in old}
    new_by = {e.guid: e for e in rel.lock}
    places = _places(planned, rel.notes)
    with open_for(collection, copy=dry_run) as col:
        todo = plan_sync(
            col,
            rel.notes,
            old_by,
            new_by,
            planned.media,
            prune=prune,
            prefer_source=prefer_source,
        )
        diagnostics += _reported(todo, places)
        if dry_run or (todo.delete and confirm is not None and not confirm(todo)):
            return SyncResult(todo, tuple(diagnostics), lock_path, False, False)
        entries = _lock_entries(rel.lock, todo)
        new_lock = locks.changed(lock_path, entries)
        committed = False
        try:
            if todo.changes:
                backup(col, collection)
            with AtomicBatch() as batch:
                if new_lock is not None:
                    with batch.open(lock_path, last=True) as f:
                        write_lines(f, new_lock.lines)
                apply_sync(col, todo, timestamp=timestamp)
                committed = True
        except OSError as e:
            where = e.filename or str(lock_path)
            why = f"cannot write: {e.strerror or e}"
            if committed:
                # Only the lock's rename is left, and it failed: the collection is synced.
                why += (
                    "; the collection was synced, but the lock was not updated: run the "
                    "sync again (it finds nothing to change and writes the lock)"
                )
            failed = report(WRITE_FAILED, str(where), None, why)
            if committed:
                raise SyncedWithoutLock([*diagnostics, failed]) from e
            raise Dea2AnkiError([*diagnostics, failed]) from e
        except Exception as e:  # Anki refused a change: the transaction was rolled back
            if isinstance(e, Dea2AnkiError):
                raise
            message = f"Anki refused the sync, and nothing was written: {type(e).__name__}: {e}"
            failed = report(COLLECTION_UNUSABLE, str(collection), None, message)
            raise Dea2AnkiError([*diagnostics, failed]) from e
    return SyncResult(todo, tuple(diagnostics), lock_path, new_lock is not None, True)


@contextmanager
def open_for(collection: Path, *, copy: bool) -> Iterator[Collection]:
    """The collection, or (``copy``: a dry run, a pull that only shows its diff) a copy of
    it: even opening a collection may rewrite its file, and these leave every byte as it
    was."""
    if not copy or not collection.is_file():
        with opened(collection) as col:
            yield col
        return
    # A copy taken while Anki writes could be half of two states: refused like a sync.
    refuse_if_open(collection)
    with tempfile.TemporaryDirectory(prefix="dea2anki-dry-run-") as tmp:
        target = Path(tmp, collection.name)
        shutil.copyfile(collection, target)
        for suffix in ("-wal",):
            extra = collection.with_name(collection.name + suffix)
            if extra.is_file():
                shutil.copyfile(extra, target.with_name(target.name + suffix))
        with opened(target) as col:
            yield col


def live_drafts(
    planned: Plan, notes: Sequence[ReleaseNote]
) -> dict[str, tuple[Draft, ReleaseNote]]:
    """Each live note of a release with the draft it came from, by GUID: live notes come
    first in a release, in the drafts' order (retired ones follow)."""
    return {n.guid: (d, n) for d, n in zip(planned.drafts, notes, strict=False)}


def _places(planned: Plan, notes: Sequence[ReleaseNote]) -> dict[str, tuple[str, int]]:
    """Each live note's concept as messages name it: (file, line)."""
    return {
        guid: (d.located.source.file.display, d.located.concept.line)
        for guid, (d, _) in live_drafts(planned, notes).items()
    }


def _reported(todo: SyncPlan, places: Mapping[str, tuple[str, int]]) -> list[Diagnostic]:
    found = []
    for k in todo.kept:
        path, line = places.get(k.note.guid, (html.unescape(k.note.fields.source), 0))
        found.append(_kept(k, path, line or None))
    for note in todo.not_ours:
        path, line = places.get(note.guid, ("", 0))
        message = (
            f"note {note.guid!r} in the collection is not of a dea2anki note type; it was "
            "left alone"
        )
        found.append(report(NOT_OURS, path, line or None, message))
    return found


def _kept(k: Kept, path: str, line: int | None) -> Diagnostic:
    term = html.unescape(k.note.fields.term)
    if k.deleted:
        message = (
            f"{term!r} was deleted in Anki since dea2anki added it; not added again "
            "(remove it from the notes, or sync with --prefer source to add it back)"
        )
        return report(EDITED_IN_ANKI, path, line, message)
    if not k.conflict:
        message = f"{term!r} was edited in Anki; kept (run `dea2anki pull` to bring it here)"
        return report(EDITED_IN_ANKI, path, line, message)
    anki_side = " | ".join(k.anki_fields[:2])
    notes_side = " | ".join(k.note.fields[:2])
    message = (
        f"{term!r} changed in the notes and in Anki; Anki's version kept "
        f"(`--prefer source` overwrites it, `dea2anki pull` takes Anki's):\n"
        f"    in Anki:      {anki_side}\n    in the notes: {notes_side}"
    )
    return report(SYNC_CONFLICT, path, line, message)


def _lock_entries(entries: Sequence[LockEntry], todo: SyncPlan) -> list[LockEntry]:
    """The release's lock, where a pruned note is gone (not retired)."""
    pruned = {n.guid for _, n in todo.delete}
    return [e._replace(state=GONE) if e.guid in pruned else e for e in entries]

"""``build``: the planned release written out, packages and lock together.

Everything is decided first (plan.py) and written in one batch at the end, so a build that
finds an error leaves the previous packages and lock untouched.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import WRITE_FAILED, Dea2AnkiError, Diagnostic, report
from ..identity.lock import LockBook, write_lines
from ..identity.lock_rows import dump_rows
from ..identity.release import lock_problem
from ..records import Event
from ..settings import RETIRE, Options
from ..write.apkg import WrittenPackage
from ..write.atomic import AtomicBatch
from ..write.packages import write_packages
from .cache import Cache
from .memory import Memory
from .nogc import without_cyclic_gc
from .plan import cache_folder, collect, default_lock_path, nothing_to_export, plan, release


@dataclass(frozen=True)
class BuildResult:
    files: int
    concepts: int
    packages: tuple[WrittenPackage, ...]
    events: tuple[Event, ...]
    lock_path: Path
    lock_written: bool
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    exported: int = 0
    """Live notes written (retired notes not counted)."""
    retired: int = 0
    restamped: int = 0
    """Existing notes given the build time: what Anki will report as updated."""


@without_cyclic_gc
def build(
    paths: Sequence[str],
    output: Path,
    options: Options,
    *,
    timestamp: int,
    lock_path: Path | None = None,
    locked: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cache: bool = True,
    memory: Memory | None = None,
) -> BuildResult:
    """Build packages from the notes at ``paths`` into ``output`` (a folder, or one .apkg).

    ``timestamp``: the build time (SOURCE_DATE_EPOCH, read by the caller) that new and
    changed notes get. ``memory``: the next build with the same memory starts from this
    one's parse results and lock instead of the files (``--watch``); it costs their memory
    meanwhile. Raises Dea2AnkiError, with every diagnostic, when nothing may be written."""
    folder = cache_folder(output) if cache else None
    with Cache(folder, write=True, memory=memory) as parse_cache:
        return _build(
            paths, output, options, timestamp, lock_path, locked, progress, parse_cache, memory
        )


def _build(
    paths: Sequence[str],
    output: Path,
    options: Options,
    timestamp: int,
    lock_path: Path | None,
    locked: bool,
    progress: Callable[[int, int], None] | None,
    parse_cache: Cache,
    memory: Memory | None,
) -> BuildResult:
    collected = collect(paths, options, progress, cache=parse_cache)
    files, concepts = len(collected.sources), len(collected.concepts)
    planned = plan(collected, options)
    del collected  # a large vault's concepts are the bulk of its memory; notes keep fields
    lock_path = lock_path or default_lock_path(paths)
    # --watch reads its lock from memory; a build from the entries it kept of it, if any.
    kept = parse_cache.kept_lock(lock_path)
    if memory is not None:
        locks = memory.locks
    else:
        locks = LockBook(functools.partial(parse_cache.read_sealed, kept) if kept else None)
    old = locks.read(lock_path)
    rel = release(planned, old, lock_path, timestamp=timestamp, retire=options[RETIRE])
    diagnostics = [*planned.diagnostics, *rel.diagnostics]
    media = planned.media
    del planned
    if locked:
        problem = lock_problem(lock_path, old, rel)
        if problem is not None:
            raise Dea2AnkiError([*diagnostics, problem])
    if not any(n.live for n in rel.notes):
        raise Dea2AnkiError([*diagnostics, nothing_to_export(paths)])
    notes, events, restamped = rel.notes, rel.events, rel.restamped
    # --locked: the lock on disk is the truth (it matched); it is never rewritten.
    new_lock = None if locked else locks.changed(lock_path, rel.lock)
    lock_written = new_lock is not None
    if kept is not None and memory is None:
        # The lock this build leaves, for the next one (placed only if this one succeeds).
        keep = (new_lock.digest, new_lock.entries) if new_lock is not None else locks.to_keep
        if keep is not None:
            parse_cache.stage(kept, dump_rows(*keep))
        del keep  # (the entries: a large vault's memory is needed for the package)
    # The lock's entries, and the book's lines of the old ones: a large vault's memory is
    # needed for the package. Only --watch keeps its book (memory.locks) for the next build.
    del rel, old, locks
    try:
        with AtomicBatch() as batch:
            if new_lock is not None:
                # Written first (its lines need not stay in memory), renamed last.
                with batch.open(lock_path, last=True) as f:
                    write_lines(f, new_lock.lines)
                if memory is None:
                    new_lock = None
            packages = write_packages(notes, output, timestamp=timestamp, batch=batch, media=media)
    except OSError as e:
        where = e.filename or str(output)
        failed = report(WRITE_FAILED, str(where), None, f"cannot write: {e.strerror or e}")
        raise Dea2AnkiError([*diagnostics, failed]) from e
    if new_lock is not None and memory is not None:
        memory.locks.written(lock_path, new_lock)
    parse_cache.commit()
    return BuildResult(
        files=files,
        concepts=concepts,
        packages=packages,
        events=events,
        lock_path=lock_path,
        lock_written=lock_written,
        diagnostics=tuple(diagnostics),
        exported=sum(1 for n in notes if n.live),
        retired=sum(1 for n in notes if not n.live),
        restamped=restamped,
    )

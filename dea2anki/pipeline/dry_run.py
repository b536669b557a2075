"""What a build would do, with nothing written: ``check``, ``pending_events`` (changelog)
and ``preview_notes`` (the preview page). They read a build's parse cache, never write it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import Dea2AnkiError, Diagnostic
from ..identity.lock import LockBook
from ..identity.release import Release, lock_problem
from ..records import Event, ReleaseNote
from ..settings import RETIRE, Options
from .cache import Cache
from .nogc import without_cyclic_gc
from .plan import Plan, collect, default_lock_path, nothing_to_export, plan, release


@dataclass(frozen=True)
class Preview:
    notes: tuple[ReleaseNote, ...]
    """Live notes, in package order, with the fields a build would write."""
    media: Mapping[str, Path]
    diagnostics: tuple[Diagnostic, ...]


@without_cyclic_gc
def check(
    paths: Sequence[str],
    options: Options,
    *,
    lock_path: Path | None = None,
    cache_dir: Path | None = None,
    locked: bool = False,
) -> tuple[Diagnostic, ...]:
    """Everything a build would report, errors included, without writing anything;
    ``locked``: and, as ``build --locked``, whether the lock is out of date."""
    collected = collect(paths, options, raise_errors=False, cache=Cache(cache_dir))
    planned = plan(collected, options, raise_errors=False)
    found: list[Diagnostic] = list(planned.diagnostics)
    lock = lock_path or default_lock_path(paths)
    try:
        old = LockBook().read(lock)
    except Dea2AnkiError as e:
        return (*found, *e.diagnostics)
    rel = release(planned, old, lock, timestamp=0, retire=options[RETIRE])
    found.extend(rel.diagnostics)
    problem = lock_problem(lock, old, rel) if locked else None
    if problem is not None:
        found.append(problem)
    if not any(n.live for n in rel.notes) and not any(d.is_error for d in found):
        found.append(nothing_to_export(paths))
    return tuple(found)


@without_cyclic_gc
def pending_events(
    paths: Sequence[str],
    options: Options,
    *,
    lock_path: Path | None = None,
    cache_dir: Path | None = None,
) -> tuple[Event, ...]:
    """What a build would change relative to the lock, without writing anything."""
    return _dry_run(paths, options, lock_path, cache_dir, retire=options[RETIRE])[1].events


@without_cyclic_gc
def preview_notes(
    paths: Sequence[str],
    options: Options,
    *,
    lock_path: Path | None = None,
    cache_dir: Path | None = None,
) -> Preview:
    """The notes a build would write (nothing is written). Raises Dea2AnkiError like build."""
    planned, rel = _dry_run(paths, options, lock_path, cache_dir, retire=False)
    live = tuple(n for n in rel.notes if n.live)
    return Preview(live, planned.media, (*planned.diagnostics, *rel.diagnostics))


def _dry_run(
    paths: Sequence[str],
    options: Options,
    lock_path: Path | None,
    cache_dir: Path | None,
    *,
    retire: bool,
) -> tuple[Plan, Release]:
    """A build's plan and release, raising its errors, with nothing written."""
    planned = plan(collect(paths, options, cache=Cache(cache_dir)), options)
    lock = lock_path or default_lock_path(paths)
    return planned, release(planned, LockBook().read(lock), lock, timestamp=0, retire=retire)

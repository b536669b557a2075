"""The pipeline: note files -> concepts -> planned notes -> packages.

``collect`` and ``plan`` decide everything and write nothing; ``build`` adds the one write at
the end, so a build that finds an error leaves the previous packages untouched.
"""

from __future__ import annotations

import functools
import gc
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, ParamSpec, TypeVar

from . import cards
from .apkg import WrittenPackage, write_apkg
from .atomic import AtomicBatch
from .diagnostics import Dea2AnkiError, Diagnostic, error, warning
from .lock import LOCK_NAME, LockEntry, lock_changed, read_lock, write_lines, written
from .release import Event, Release, ReleaseNote, lock_problem, make_release
from .sources import SourceFile, find_note_files
from .stage import (
    Cache,
    FileSettings,
    Located,
    content_of,
    process_all,
    read_bytes,
)

DEFAULT_NOTES = "notes"
DEFAULT_OUTPUT = "build"


@dataclass(frozen=True)
class BuildOptions:
    """What to build. Per-file settings come in pairs: a command-line value (None when not
    given) that wins over the file's frontmatter, and a default (from the config file)."""

    deck_depth: int | None = None
    include_empty: bool = False
    retire: bool = False
    allow_html: bool | None = None
    reverse: bool | None = None
    skip_drafts: bool = False
    extra_tags: tuple[str, ...] = ()
    """Tags added to every note (config ``tags``), after the file's own."""
    default_deck_depth: int = 2
    default_reverse: bool = False
    default_allow_html: bool = False


@dataclass(frozen=True)
class Collected:
    sources: tuple[SourceFile, ...]
    concepts: tuple[Located, ...]
    diagnostics: tuple[Diagnostic, ...]
    media: Mapping[str, Path] = field(default_factory=dict)
    """Packaged name -> file on disk, for every image any concept embeds."""


class Draft(NamedTuple):
    """A note as this build would write it, before identity and time are decided."""

    located: Located
    deck: str
    tags: tuple[str, ...]
    content: str
    """Hash of what Anki receives (stage.content_of): what the lock compares."""


@dataclass(frozen=True)
class Plan:
    drafts: tuple[Draft, ...]
    diagnostics: tuple[Diagnostic, ...]
    media: Mapping[str, Path] = field(default_factory=dict)
    """Packaged name -> file on disk, for every file any note embeds."""
    sources: frozenset[str] = frozenset()
    """The files this build read, relative to the notes folder (as the lock names them)."""
    held_back: frozenset[tuple[str, str]] = frozenset()
    """(root, term) identity keys of concepts still in the notes but not exported (empty)."""


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


def collect(
    paths: Sequence[str],
    options: BuildOptions,
    progress: Callable[[int, int], None] | None = None,
    *,
    raise_errors: bool = True,
    cache: Cache | None = None,
) -> Collected:
    """Read, parse and render every note file. Raises Dea2AnkiError if any file is unusable
    (unless ``raise_errors`` is False: then the errors are in the diagnostics, for ``check``).

    ``progress(done, total)`` is called as files are done, for a progress bar. With a
    ``cache``, unchanged files are not parsed again (see stage.Cache; the caller commits it).
    """
    files, diagnostics = find_note_files(paths or [DEFAULT_NOTES])
    if not files and not diagnostics:
        shown = ", ".join(paths or [DEFAULT_NOTES])
        diagnostics.append(error(shown, None, "no-notes", "no Markdown (*.md) files found"))
    items, unreadable = read_bytes(files)
    diagnostics.extend(unreadable)
    settings = FileSettings(
        options.deck_depth,
        options.default_deck_depth,
        options.allow_html,
        options.default_allow_html,
        options.skip_drafts,
        options.reverse,
        options.default_reverse,
        options.extra_tags,
    )
    results = process_all(items, settings, cache or Cache(None), progress)
    located: list[Located] = []
    sources: list[SourceFile] = []
    media: dict[str, Path] = {}
    for result in results:
        diagnostics.extend(result.diagnostics)
        if result.source is None or not result.included:
            continue
        sources.append(result.source)
        media.update((name, Path(p)) for name, p in result.media)
        located.extend(result.located)
    if raise_errors and any(d.is_error for d in diagnostics):
        raise Dea2AnkiError(diagnostics)
    return Collected(tuple(sources), tuple(located), tuple(diagnostics), media)


def plan(collected: Collected, options: BuildOptions, *, raise_errors: bool = True) -> Plan:
    """Decide every note's deck, tags and fields. Raises on duplicate terms and block ids
    (and on any error ``collected`` carries), unless ``raise_errors`` is False."""
    diagnostics: list[Diagnostic] = []
    by_term: dict[tuple[str, str], Located] = {}
    by_block: dict[str, Located] = {}
    tagger = _Tagger(diagnostics)
    held_back: set[tuple[str, str]] = set()
    deck_spelling: dict[str, str] = {}
    decks: dict[str, str] = {}  # as written -> as spelled (the same name, the same answer)
    drafts: list[Draft] = []
    include_empty = options.include_empty
    for loc in collected.concepts:
        c = loc.concept
        first = by_term.setdefault(loc.key, loc)
        if first is not loc:
            diagnostics.append(
                _duplicate(
                    loc,
                    "duplicate-term",
                    f"term {c.term!r} is defined twice in deck "
                    f"{loc.root_deck!r}; first at {first.where}",
                )
            )
            continue
        if c.block_id:
            first = by_block.setdefault(c.block_id, loc)
            if first is not loc:
                diagnostics.append(
                    _duplicate(
                        loc,
                        "duplicate-block-id",
                        f"block id ^{c.block_id} is used twice; first at {first.where}",
                    )
                )
                continue
        if not c.definition and not include_empty:
            held_back.add(loc.key)
            diagnostics.append(
                warning(
                    loc.source.file.display,
                    c.line,
                    "empty-definition",
                    f"concept {c.term!r} has no definition; not exported "
                    "(--include-empty exports it)",
                    c.column,
                )
            )
            continue
        deck = decks.get(loc.deck)
        if deck is None:
            deck = decks[loc.deck] = cards.same_spelling(loc.deck, deck_spelling)
        tags = tagger(loc)
        drafts.append(Draft(loc, deck, tags, content_of(loc, tags)))
    if raise_errors and any(d.is_error for d in (*collected.diagnostics, *diagnostics)):
        raise Dea2AnkiError([*collected.diagnostics, *diagnostics])
    return Plan(
        tuple(drafts),
        (*collected.diagnostics, *diagnostics),
        collected.media,
        frozenset(src.file.rel for src in collected.sources),
        frozenset(held_back),
    )


def _duplicate(loc: Located, code: str, message: str) -> Diagnostic:
    return error(loc.source.file.display, loc.concept.line, code, message, loc.concept.column)


class _Tagger:
    """A note's final tags. Anki keeps one spelling per tag (the first it sees), so the build
    picks it on purpose: the first spelling in source order, the concept's own tags before
    the file's. Most notes carry the same tag list, so results are remembered: once a list
    has been seen, its spellings are settled, and the same list always gives the same tags.
    """

    def __init__(self, out_diags: list[Diagnostic]) -> None:
        self.spelling: dict[str, str] = {}
        self.seen: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.out_diags = out_diags

    def __call__(self, loc: Located) -> tuple[str, ...]:
        raw = loc.raw_tags
        tags = self.seen.get(raw)
        if tags is not None:
            return tags
        invalid = False

        def warn(tag: str, clean: str) -> None:
            nonlocal invalid
            invalid = True
            self.out_diags.append(
                warning(
                    loc.source.file.display,
                    loc.concept.line,
                    "tag-invalid",
                    f"tag {tag!r} has characters Anki cannot store; using {clean!r}",
                    loc.concept.column,
                )
            )

        tags = cards.tag_list(raw, self.spelling, warn)
        if not invalid:  # else warn again for every concept
            self.seen[raw] = tags
        return tags


_UNSAFE_FILENAME = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')


def package_filename(root: str) -> str:
    name = _UNSAFE_FILENAME.sub("_", root).strip(" .")
    return (name or "deck") + ".apkg"


def write_packages(
    notes: Sequence[ReleaseNote],
    output: Path,
    *,
    timestamp: int,
    batch: AtomicBatch | None = None,
    media: Mapping[str, Path] | None = None,
) -> tuple[WrittenPackage, ...]:
    """One package per root deck into a folder, or everything into one ``.apkg`` file.

    With a ``batch`` the packages only appear when the batch ends without an error.
    """
    groups: dict[str, tuple[Path, list[ReleaseNote]]] = {}
    single = output.suffix.lower() == ".apkg"
    by_root: dict[str, list[ReleaseNote]] = {}
    for note in notes:
        root = note.deck.split("::", 1)[0]
        members = by_root.get(root)
        if members is None:
            name = package_filename(root)
            # Root decks whose file names clash (DEA and dea on a case-insensitive file
            # system, a/b and a:b, which both become a_b.apkg) share one package instead of
            # one overwriting the other.
            key = "" if single else name.casefold()
            members = groups.setdefault(key, (output if single else output / name, []))[1]
            by_root[root] = members
        members.append(note)
    with nullcontext(batch) if batch is not None else AtomicBatch() as own:
        return tuple(
            _write_one(t, members, timestamp, own, media or {}) for t, members in groups.values()
        )


def _write_one(
    target: Path,
    members: Sequence[ReleaseNote],
    timestamp: int,
    batch: AtomicBatch,
    media: Mapping[str, Path],
) -> WrittenPackage:
    try:
        return write_apkg(
            target,
            cards.make_model(),
            members,
            cards.deck_id,
            timestamp=timestamp,
            opener=batch.open,
            media={name: media[name] for rn in members for name in rn.media},
        )
    except OSError as e:
        # Name the package, not the temporary file the error happened in.
        raise OSError(e.errno, e.strerror, str(target)) from e


def cache_folder(output: Path) -> Path:
    """Where parse results are kept between builds: beside the packages, safe to delete."""
    folder = output.parent if output.suffix.lower() == ".apkg" else output
    return folder / ".dea2anki-cache"


def default_lock_path(paths: Sequence[str]) -> Path:
    """``dea2anki.lock`` in the notes folder (the first PATH, or the folder of a file)."""
    first = Path(paths[0] if paths else DEFAULT_NOTES)
    return (first if first.is_dir() else first.parent) / LOCK_NAME


@dataclass(frozen=True)
class Preview:
    notes: tuple[ReleaseNote, ...]
    """Live notes, in package order, with the fields a build would write."""
    media: Mapping[str, Path]
    diagnostics: tuple[Diagnostic, ...]


P = ParamSpec("P")
R = TypeVar("R")


def _without_cyclic_gc(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` with Python's cycle collector paused.

    A build holds millions of small objects (a few per concept, none in reference cycles),
    and every full collection walks all of them: 16 % of a 100k-concept build's time. The
    few cycles a build makes (mistune's parser states) are collected once it is over.
    """

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return run


@_without_cyclic_gc
def preview_notes(
    paths: Sequence[str],
    options: BuildOptions,
    *,
    lock_path: Path | None = None,
    cache_dir: Path | None = None,
) -> Preview:
    """The notes a build would write (nothing is written). Raises Dea2AnkiError like build.

    ``cache_dir``: a build's parse cache, read but never written (see stage.Cache)."""
    planned, rel = _dry_run(paths, options, lock_path, cache_dir, retire=False)
    live = tuple(n for n in rel.notes if n.live)
    return Preview(live, planned.media, (*planned.diagnostics, *rel.diagnostics))


def _release(
    planned: Plan,
    old: Sequence[LockEntry] | None,
    lock_path: Path,
    *,
    timestamp: int,
    retire: bool,
) -> Release:
    """make_release, keeping lock entries that this build cannot judge: concepts of files
    that exist but were not part of it (a build of one file from a folder) and concepts held
    back for having no definition yet. Neither is gone."""
    folder = lock_path.parent

    def keep(e: LockEntry) -> bool:
        if (cards.identity_key(e.root), cards.identity_key(e.term)) in planned.held_back:
            return True
        return e.source not in planned.sources and (folder / e.source).is_file()

    return make_release(planned.drafts, old or (), timestamp=timestamp, retire=retire, keep=keep)


def _nothing_to_export(paths: Sequence[str]) -> Diagnostic:
    return error(
        ", ".join(paths or [DEFAULT_NOTES]),
        None,
        "nothing-to-export",
        "no concept with a definition to export; previous packages left as they were",
    )


@_without_cyclic_gc
def check(
    paths: Sequence[str],
    options: BuildOptions,
    *,
    lock_path: Path | None = None,
    cache_dir: Path | None = None,
) -> tuple[Diagnostic, ...]:
    """Everything a build would report, errors included, without writing anything."""
    collected = collect(paths, options, raise_errors=False, cache=Cache(cache_dir))
    planned = plan(collected, options, raise_errors=False)
    found: list[Diagnostic] = list(planned.diagnostics)
    lock = lock_path or default_lock_path(paths)
    try:
        old = read_lock(lock)
    except Dea2AnkiError as e:
        return (*found, *e.diagnostics)
    rel = _release(planned, old, lock, timestamp=0, retire=options.retire)
    found.extend(rel.diagnostics)
    if not any(n.live for n in rel.notes) and not any(d.is_error for d in found):
        found.append(_nothing_to_export(paths))
    return tuple(found)


@_without_cyclic_gc
def pending_events(
    paths: Sequence[str],
    options: BuildOptions,
    *,
    lock_path: Path | None = None,
    cache_dir: Path | None = None,
) -> tuple[Event, ...]:
    """What a build would change relative to the lock, without writing anything."""
    return _dry_run(paths, options, lock_path, cache_dir, retire=options.retire)[1].events


def _dry_run(
    paths: Sequence[str],
    options: BuildOptions,
    lock_path: Path | None,
    cache_dir: Path | None,
    *,
    retire: bool,
) -> tuple[Plan, Release]:
    """A build's plan and release, raising its errors, with nothing written."""
    planned = plan(collect(paths, options, cache=Cache(cache_dir)), options)
    lock = lock_path or default_lock_path(paths)
    return planned, _release(planned, read_lock(lock), lock, timestamp=0, retire=retire)


@_without_cyclic_gc
def build(
    paths: Sequence[str],
    output: Path,
    options: BuildOptions,
    *,
    timestamp: int,
    lock_path: Path | None = None,
    locked: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cache: bool = True,
    keep: bool = False,
) -> BuildResult:
    """``keep``: the next build in this process starts from this one's parse results and
    lock in memory instead of the files (``--watch``); it costs their memory meanwhile."""
    folder = cache_folder(output) if cache else None
    with Cache(folder, write=True, remember=keep) as parse_cache:
        return _build(
            paths, output, options, timestamp, lock_path, locked, progress, parse_cache, keep
        )


def _build(
    paths: Sequence[str],
    output: Path,
    options: BuildOptions,
    timestamp: int,
    lock_path: Path | None,
    locked: bool,
    progress: Callable[[int, int], None] | None,
    parse_cache: Cache,
    keep: bool,
) -> BuildResult:
    collected = collect(paths, options, progress, cache=parse_cache)
    files, concepts = len(collected.sources), len(collected.concepts)
    planned = plan(collected, options)
    del collected  # a large vault's concepts are the bulk of its memory; notes keep fields
    lock_path = lock_path or default_lock_path(paths)
    old = read_lock(lock_path)
    rel = _release(planned, old, lock_path, timestamp=timestamp, retire=options.retire)
    diagnostics = [*planned.diagnostics, *rel.diagnostics]
    media = planned.media
    del planned
    if locked:
        problem = lock_problem(lock_path, old, rel)
        if problem is not None:
            raise Dea2AnkiError([*diagnostics, problem])
    if not any(n.live for n in rel.notes):
        raise Dea2AnkiError([*diagnostics, _nothing_to_export(paths)])
    notes, events, restamped = rel.notes, rel.events, rel.restamped
    # --locked: the lock on disk is the truth (it matched); it is never rewritten.
    new_lock = None if locked else lock_changed(lock_path, rel.lock)
    lock_written = new_lock is not None
    del rel, old  # the lock's entries: a large vault's memory is needed for the package
    try:
        with AtomicBatch() as batch:
            if new_lock is not None:
                # Written first (its lines need not stay in memory), renamed last.
                with batch.open(lock_path, last=True) as f:
                    write_lines(f, new_lock.lines)
                if not keep:
                    new_lock = None
            packages = write_packages(notes, output, timestamp=timestamp, batch=batch, media=media)
    except OSError as e:
        where = e.filename or str(output)
        raise Dea2AnkiError(
            [
                *diagnostics,
                error(str(where), None, "write-failed", f"cannot write: {e.strerror or e}"),
            ]
        ) from e
    if keep and new_lock is not None:
        written(lock_path, new_lock)
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

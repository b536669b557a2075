"""The whole build decided, nothing written: files -> located concepts -> drafts -> release.

``collect`` reads, parses and renders every file (per_file.py, through the cache); ``plan``
settles what depends on more than one file (duplicate terms, the spelling of decks and tags);
``release`` matches the drafts to the lock (identity/release.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..diagnostics import (
    DUPLICATE_BLOCK_ID,
    DUPLICATE_TERM,
    EMPTY_DEFINITION,
    MISSING_PATH,
    NO_NOTES,
    NOTHING_TO_EXPORT,
    TAG_INVALID,
    TERM_CASE_TWIN,
    TERM_IN_TWO_DECKS,
    Code,
    Dea2AnkiError,
    Diagnostic,
    report,
)
from ..identity.keys import content_hash, identity_key
from ..identity.lock import LOCK_NAME
from ..identity.release import Release, make_release
from ..naming import same_spelling, tag_list
from ..read.files import find_note_files, read_bytes
from ..records import Draft, Located, LockEntry, NoteFile, SourceFile, readable
from ..settings import INCLUDE_EMPTY, NOTES, Options
from .cache import Cache
from .parallel import process_all


@dataclass(frozen=True)
class Collected:
    sources: tuple[SourceFile, ...]
    concepts: tuple[Located, ...]
    diagnostics: tuple[Diagnostic, ...]
    media: Mapping[str, Path] = field(default_factory=dict)
    """Packaged name -> file on disk, for every image any concept embeds."""


@dataclass(frozen=True)
class Plan:
    drafts: tuple[Draft, ...]
    diagnostics: tuple[Diagnostic, ...]
    media: Mapping[str, Path] = field(default_factory=dict)
    """Packaged name -> file on disk, for every file any note embeds."""
    sources: frozenset[NoteFile] = frozenset()
    """The files this build read."""
    held_back: frozenset[tuple[str, str]] = frozenset()
    """(root, term) identity keys of concepts still in the notes but not exported (empty)."""


def collect(
    paths: Sequence[str],
    options: Options,
    progress: Callable[[int, int], None] | None = None,
    *,
    raise_errors: bool = True,
    cache: Cache | None = None,
    replaced: Mapping[Path, bytes] | None = None,
) -> Collected:
    """Read, parse and render every note file. Raises Dea2AnkiError if any file is unusable
    (unless ``raise_errors`` is False: then the errors are in the diagnostics, for ``check``).

    ``progress(done, total)`` is called as files are done, for a progress bar. With a
    ``cache``, unchanged files are not parsed again (see cache.Cache; the caller commits it).
    ``replaced``: files read as these bytes instead of their own (``pull``, before it
    writes them).
    """
    config_dir = Path(options.config_dir) if options.config_dir is not None else None
    files, diagnostics = find_note_files(paths, config_dir)
    if not options.is_given(NOTES):
        # Run where there is no notes/ folder: say how to point at the notes.
        diagnostics = [
            replace(
                d,
                message=f"{d.message}, and no PATH was given: name the notes' folder or "
                "files on the command line, or set `notes` in dea2anki.toml",
            )
            if d.code == MISSING_PATH.name
            else d
            for d in diagnostics
        ]
    if not files and not diagnostics:
        shown = ", ".join(paths)
        diagnostics.append(report(NO_NOTES, shown, None, "no Markdown (*.md) files found"))
    items, unreadable = read_bytes(files)
    if replaced:
        items = [(nf, replaced.get(nf.path, data)) for nf, data in items]
    diagnostics.extend(unreadable)
    results = process_all(items, options.per_file(), cache or Cache(None), progress)
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


def plan(collected: Collected, options: Options, *, raise_errors: bool = True) -> Plan:
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
    include_empty = options[INCLUDE_EMPTY]
    by_place: dict[tuple[tuple[str, str], str], Located] = {}
    spellings: dict[tuple[tuple[str, str], str], list[str]] = {}
    for loc in collected.concepts:
        c = loc.concept
        first = by_term.setdefault(loc.key, loc)
        if first is not loc:
            # Places (key, deck) are only needed once a key repeats: the first concept of
            # the key is the first of its place, every later one is recorded as it comes.
            by_place.setdefault((loc.key, identity_key(first.deck)), first)
            place = (loc.key, identity_key(loc.deck))
            same_deck = by_place.setdefault(place, loc)
            seen = spellings.setdefault(place, [same_deck.concept.term])
            clash = _clash(loc, first, same_deck, seen)
            diagnostics.append(clash)
            if clash.is_error:
                continue
        if c.block_id:
            first = by_block.setdefault(c.block_id, loc)
            if first is not loc:
                diagnostics.append(
                    _duplicate(
                        DUPLICATE_BLOCK_ID,
                        loc,
                        f"block id ^{c.block_id} is used twice; first at {first.where}",
                    )
                )
                continue
        if not (c.definition or c.details or c.cloze or include_empty):
            held_back.add(loc.key)
            diagnostics.append(
                report(
                    EMPTY_DEFINITION,
                    loc.source.file.display,
                    c.line,
                    f"concept {c.term!r} has no definition; not exported "
                    "(--include-empty exports it)",
                    c.column,
                )
            )
            continue
        deck = decks.get(loc.deck)
        if deck is None:
            deck = decks[loc.deck] = same_spelling(loc.deck, deck_spelling)
        tags = tagger(loc)
        drafts.append(Draft(loc, deck, tags, content_of(loc, tags)))
    if raise_errors and any(d.is_error for d in (*collected.diagnostics, *diagnostics)):
        raise Dea2AnkiError([*collected.diagnostics, *diagnostics])
    return Plan(
        tuple(drafts),
        (*collected.diagnostics, *diagnostics),
        collected.media,
        frozenset(src.file for src in collected.sources),
        frozenset(held_back),
    )


def _clash(loc: Located, first: Located, same_deck: Located, spellings: list[str]) -> Diagnostic:
    """A concept whose identity key an earlier one has. In another deck, or spelled
    otherwise (`p` and `P`: Vim commands), it is a note of its own: a warning (identity
    keeps them apart by deck and spelling, see identity.match). The same term twice in one
    deck is an error."""
    term = loc.concept.term
    if same_deck is loc:
        message = (
            f"term {term!r} is also defined at {first.where} (deck {first.deck!r}); both are "
            "exported"
        )
        return _duplicate(TERM_IN_TWO_DECKS, loc, message)
    if term in spellings:
        message = f"term {term!r} is defined twice in deck {loc.deck!r}; first at {same_deck.where}"
        return _duplicate(DUPLICATE_TERM, loc, message)
    spellings.append(term)
    message = (
        f"term {term!r} differs from {same_deck.concept.term!r} at {same_deck.where} only in "
        "case; both are exported"
    )
    return _duplicate(TERM_CASE_TWIN, loc, message)


def _duplicate(code: Code, loc: Located, message: str) -> Diagnostic:
    return report(code, loc.source.file.display, loc.concept.line, message, loc.concept.column)


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
                report(
                    TAG_INVALID,
                    loc.source.file.display,
                    loc.concept.line,
                    f"tag {tag!r} has characters Anki cannot store; using {clean!r}",
                    loc.concept.column,
                )
            )

        tags = tag_list(raw, self.spelling, warn)
        if not invalid:  # else warn again for every concept
            self.seen[raw] = tags
        return tags


def content_of(loc: Located, tags: tuple[str, ...]) -> str:
    """The content hash of ``loc``'s note with these (build-wide spelled) tags: the one the
    file computed, unless another file spelled one of its tags first."""
    if tags == loc.tags and loc.content:
        return loc.content
    return content_hash(loc.fields, tags, source=loc.source.file.rel)


def release(
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
    existing: set[str] | None = None
    names: dict[NoteFile, str] = {}
    last: tuple[NoteFile, str] | None = None
    resolved: dict[Path, Path] = {}

    def source_of(nf: NoteFile) -> str:
        # Asked once per note, and a file's notes come one after another: hashing the
        # NoteFile (its paths) for each of them cost a large build a tenth of its release.
        nonlocal last
        if last is not None and last[0] is nf:
            return last[1]
        name = names.get(nf)
        if name is None:
            name = names[nf] = lock_name(nf, folder, resolved)
        last = (nf, name)
        return name

    built = {source_of(nf) for nf in planned.sources}

    def keep(e: LockEntry) -> bool:
        nonlocal existing
        if (identity_key(e.root), identity_key(e.term)) in planned.held_back:
            return True
        if e.source in built:
            return False
        if (folder / e.source).is_file():
            return True
        if "\ufffd" not in e.source:
            return False
        if existing is None:
            # A name that was not UTF-8 is in the lock with U+FFFD (records.readable), so no
            # file has it: name the folder's note files the same way, once, to find it.
            existing = {nf.rel for nf in find_note_files([str(folder)])[0]}
        return e.source in existing

    return make_release(
        planned.drafts,
        old or (),
        timestamp=timestamp,
        retire=retire,
        keep=keep,
        source_of=source_of,
    )


def lock_name(nf: NoteFile, lock_folder: Path, resolved: dict[Path, Path] | None = None) -> str:
    """How the lock names a file: relative to the lock's folder, so that a later build can
    tell whether it still exists. A file of that folder is named as always (``DEA.md``); one
    given from elsewhere (``dea2anki build notes ../examples/rich/Rich.md``) by its way there.

    ``resolved``: folders already resolved (a build names a thousand files of one folder)."""
    memo = {} if resolved is None else resolved

    def real(folder: Path) -> Path:
        found = memo.get(folder)
        if found is None:
            found = memo[folder] = folder.resolve()
        return found

    if nf.root == lock_folder or real(nf.root) == real(lock_folder):
        return nf.rel
    target = real(nf.path.parent) / nf.path.name
    # A link is named by where it leads; on Windows resolve() also gives the name's case
    # and long form as the disk has them.
    if os.name == "nt" or target.is_symlink():
        target = nf.path.resolve()
    return readable(Path(os.path.relpath(target, real(lock_folder))).as_posix())


def nothing_to_export(paths: Sequence[str]) -> Diagnostic:
    return report(
        NOTHING_TO_EXPORT,
        ", ".join(paths),
        None,
        "no concept with a definition to export; previous packages left as they were",
    )


def cache_folder(output: Path) -> Path:
    """Where parse results are kept between builds: beside the packages, safe to delete."""
    folder = output.parent if output.suffix.lower() == ".apkg" else output
    return folder / ".dea2anki-cache"


def default_lock_path(paths: Sequence[str]) -> Path:
    """``dea2anki.lock`` in the notes folder (the first PATH, or the folder of a file)."""
    first = Path(paths[0] if paths else NOTES.default[0])
    return (first if first.is_dir() else first.parent) / LOCK_NAME

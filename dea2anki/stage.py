"""One note file, read, parsed and rendered: the unit of caching and of parallel work.

Everything that depends on a single file (its concepts, their card HTML, the images they
embed, the diagnostics) is computed here and nowhere else, so it can be

- cached: under the output folder, keyed by the file's bytes, the settings that shape it and
  the code itself; images are re-checked by size and modification time. Safe to delete,
  never stale; a cached build writes the same bytes as an uncached one;
- computed on several cores: files do not depend on each other until ``build.plan``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import NamedTuple, TypeVar

from . import __version__, cards
from .diagnostics import Dea2AnkiError, Diagnostic, error, warning
from .media import MediaCollector, MediaIndex
from .parse import Concept, clean_deck_component, parse_concepts
from .render import CardRenderer, escape
from .sources import NoteFile, SourceFile, decode, split_frontmatter


@dataclass(frozen=True)
class FileSettings:
    """The settings that change what one file turns into (part of the cache key)."""

    deck_depth: int | None
    default_deck_depth: int
    allow_html: bool | None
    default_allow_html: bool
    skip_drafts: bool
    reverse: bool | None = None
    default_reverse: bool = False
    extra_tags: tuple[str, ...] = ()


CONTEXT_SEPARATOR = " \u203a "  # the single angle quote reads as "inside" in any script


class Located(NamedTuple):
    """A concept with its file and everything that file alone decides about its note.

    Computed once per file (and cached); the build only adjusts what depends on other files:
    the spelling of tags and deck names. A named tuple, not a dataclass: a large vault holds
    one per concept, and the cache loads them back on every build.
    """

    concept: Concept
    source: SourceFile
    root_deck: str
    key: tuple[str, str]
    """Identity: (root deck, term), see cards.identity_key."""
    guid: str
    """The GUID the concept gets when it is new (cards.default_guid)."""
    deck: str
    """Full deck name as this file spells it."""
    raw_tags: tuple[str, ...]
    """The concept's tags, then the file's, then the build's (config ``tags``)."""
    tags: tuple[str, ...]
    """``raw_tags`` as Anki tags, spelled as this file first spells them."""
    fields: tuple[str, ...]
    """The note's fields: Term, Definition, Context, Source, Reverse (HTML)."""
    content: str
    """cards.content_hash of the fields and ``tags`` (see content_of)."""
    media: tuple[str, ...] = ()
    """Packaged names of the images this concept's HTML embeds."""
    definition_key: str = ""
    """Hash of the normalised definition ("" when empty): how renames are recognised."""

    @property
    def where(self) -> str:
        return f"{self.source.file.display}:{self.concept.line}"


def content_of(loc: Located, tags: tuple[str, ...]) -> str:
    """Hash of what Anki receives, except the Source line number.

    Inserting a line above a concept moves it down without changing it; re-stamping it
    would make Anki overwrite any edit the learner made to it. The deck is left out as
    well: Anki never moves existing cards, so a deck change alone changes nothing there.
    """
    if tags == loc.tags and loc.content:
        return loc.content
    return _content(loc.fields, loc.source.file.rel, tags)


def _content(fields: tuple[str, ...], rel: str, tags: tuple[str, ...]) -> str:
    term, definition, context, _source, reverse = fields
    return cards.content_hash((term, definition, context, rel, reverse), tags)


@dataclass(frozen=True)
class FileResult:
    source: SourceFile | None
    """None when the file could not be read or its frontmatter is unusable."""
    root_deck: str | None
    located: tuple[Located, ...] = ()
    media: tuple[tuple[str, str], ...] = ()
    """(packaged name, path on disk) of every image embedded."""
    media_fingerprint: str | None = None
    """The notes folder's media fingerprint when the file embeds anything (cache check)."""
    diagnostics: tuple[Diagnostic, ...] = ()
    included: bool = True
    """False for ``anki: false`` files and drafts left out with --skip-drafts."""


T = TypeVar("T")


def choose(flag: T | None, frontmatter: T | None, default: T) -> T:
    """A command-line flag wins over the file's frontmatter, which wins over the default."""
    if flag is not None:
        return flag
    return default if frontmatter is None else frontmatter


def process(
    nf: NoteFile,
    data: bytes,
    settings: FileSettings,
    indexes: dict[Path, MediaIndex] | None = None,
) -> FileResult:
    """Turn one file's bytes into its concepts and their card HTML.

    ``indexes``: the media index of each notes folder, shared by the files of one build (an
    index walks its whole folder once; one per file would walk it once per file)."""
    try:
        src = split_frontmatter(nf, decode(nf.display, data))
    except Dea2AnkiError as e:
        return FileResult(None, None, diagnostics=e.diagnostics)
    diagnostics = list(src.warnings)
    # The concepts carry what the build needs of the body: not keeping it halves what a
    # large vault holds in memory and in the cache.
    body, src = src.body, replace(src, body="")
    if not src.anki or (src.draft and settings.skip_drafts):
        return FileResult(src, None, diagnostics=tuple(diagnostics), included=False)
    root = _root_deck(src, diagnostics)
    depth = choose(settings.deck_depth, src.deck_depth, settings.default_deck_depth)
    parsed = parse_concepts(body, path=nf.display, first_line=src.body_line, deck_depth=depth)
    diagnostics.extend(parsed.diagnostics)
    if not parsed.concepts:
        diagnostics.append(
            warning(nf.display, None, "no-concepts", "no concepts found in this file")
        )
    indexes = {} if indexes is None else indexes
    index = indexes.get(nf.root)
    if index is None:
        index = indexes[nf.root] = MediaIndex(nf.root)
    collector = MediaCollector(index, nf.path, nf.display)
    allow = choose(settings.allow_html, src.allow_html, settings.default_allow_html)
    renderer = CardRenderer(media=collector, allow_html=allow)
    reverse = "y" if choose(settings.reverse, src.reverse, settings.default_reverse) else ""
    file_tags = src.tags + settings.extra_tags
    spelling: dict[str, str] = {}
    raw_lists: dict[tuple[str, ...], tuple[str, ...]] = {}
    tag_lists: dict[tuple[str, ...], tuple[str, ...]] = {}
    # Concepts under one heading share these texts (memory, cache size).
    contexts: dict[tuple[str, ...], str] = {}
    decks: dict[tuple[str, ...], str] = {}
    located = []
    # Without a usable root deck the concepts are dropped below; their diagnostics count.
    root_name = root or ""
    root_key = cards.identity_key(root_name)
    rel = nf.rel
    for c in parsed.concepts:
        collector.begin(c.line)
        raw_tags = raw_lists.get(c.tags)
        if raw_tags is None:
            raw_tags = raw_lists[c.tags] = c.tags + file_tags
        tags = tag_lists.get(raw_tags)
        if tags is None:
            tags = tag_lists[raw_tags] = cards.tag_list(raw_tags, spelling)
        term = renderer.inline(c.term_md)
        definition = renderer.definition(c.definition, c.details)
        context = contexts.get(c.context)
        if context is None:
            context = contexts[c.context] = escape(CONTEXT_SEPARATOR.join(c.context))
        deck = decks.get(c.deck_path)
        if deck is None:
            deck = decks[c.deck_path] = cards.deck_name(root_name, c.deck_path)
        key = (root_key, cards.identity_key(c.term))
        fields = (term, definition, context, escape(f"{rel}:{c.line}"), reverse)
        located.append(
            Located(
                concept=c,
                source=src,
                root_deck=root_name,
                key=key,
                guid=cards.default_guid(key, c.block_id),
                deck=deck,
                raw_tags=raw_tags,
                tags=tags,
                fields=fields,
                content=_content(fields, rel, tags),
                media=tuple(sorted(collector.used)),
                definition_key=(
                    cards.short_hash(cards.normal_form(c.definition)) if c.definition else ""
                ),
            )
        )
    diagnostics.extend(collector.diagnostics)
    return FileResult(
        src,
        root,
        tuple(located) if root is not None else (),
        tuple(sorted((name, str(p)) for name, p in collector.files.items())),
        index.fingerprint() if collector.referenced else None,
        tuple(diagnostics),
    )


def _root_deck(src: SourceFile, out: list[Diagnostic]) -> str | None:
    parts = [clean_deck_component(p) for p in src.root_deck.split("::")]
    name = "::".join(p for p in parts if p)
    if not name:
        out.append(
            error(
                src.file.display,
                None,
                "deck-name",
                f"root deck {src.root_deck!r} is empty once cleaned; set 'deck:' in the "
                "frontmatter",
            )
        )
        return None
    return name


# --- the cache -------------------------------------------------------------------------------


def _code_fingerprint() -> str:
    """Any change to dea2anki's own code invalidates every cached result."""
    h = hashlib.sha256(__version__.encode())
    package = resources.files("dea2anki")
    for entry in sorted(package.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".py", ".css")):
            h.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return h.hexdigest()


class Cache:
    """FileResults in a folder (``<output>/.dea2anki-cache``), one file per note: the key,
    a newline, then the pickled result (so a stale entry is known before unpickling).

    Only a build writes it (``write=True``), and only when it succeeds: new entries go to
    temporary files at once (a large vault's results need not stay in memory) and are
    renamed into place by ``commit``; leaving the ``with`` block without it removes them.
    """

    def __init__(self, folder: Path | None, *, write: bool = False, remember: bool = False) -> None:
        self.folder = folder
        self.write = write and folder is not None
        # remember: keep this build's results in memory for the next one (--watch); they are
        # found there by the same key as on disk.
        self.remember = remember and folder is not None
        self._seen: dict[str, FileResult] = {}
        self.code = _code_fingerprint() if folder is not None else ""
        self._fingerprints: dict[Path, str] = {}
        self._pending: list[tuple[Path, Path]] = []
        self._made: list[Path] = []

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        for tmp, _entry in self._pending:
            tmp.unlink(missing_ok=True)
        if self._pending:
            # A failed build leaves no trace, not even the folders made for the cache.
            for folder in reversed(self._made):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        self._pending.clear()

    def key(self, nf: NoteFile, data: bytes, settings: FileSettings) -> str:
        h = hashlib.sha256(self.code.encode())
        # File names need not be valid UTF-8: hash them as the bytes the OS uses.
        for part in (nf.path, nf.root, nf.display, nf.rel, repr(settings)):
            h.update(os.fsencode(part) + b"\0")
        h.update(data)
        return h.hexdigest()

    def _entry(self, nf: NoteFile) -> Path | None:
        if self.folder is None:
            return None
        name = hashlib.sha256(os.fsencode(nf.path.absolute())).hexdigest()
        return self.folder / f"{name}.pickle"

    def load(self, nf: NoteFile, key: str) -> FileResult | None:
        result = _REMEMBERED.get(key) if self.remember else None
        if result is None:
            result = self._read(nf, key)
        if result is None:
            return None
        if result.media_fingerprint is not None:
            fp = self._fingerprints.get(nf.root)
            if fp is None:
                fp = self._fingerprints[nf.root] = MediaIndex(nf.root).fingerprint()
            if fp != result.media_fingerprint:
                return None
        if self.remember:
            self._seen[key] = result
        return result

    def _read(self, nf: NoteFile, key: str) -> FileResult | None:
        entry = self._entry(nf)
        if entry is None:
            return None
        try:
            data = entry.read_bytes()
            head, _, body = data.partition(b"\n")
            if head != key.encode():
                return None
            result = pickle.loads(body)
        except Exception:  # a missing, truncated or foreign entry is simply a miss
            return None
        return result if isinstance(result, FileResult) else None

    def store(self, nf: NoteFile, key: str, result: FileResult, pickled: bytes = b"") -> None:
        """Keep a result for ``commit`` (with its pickle when a worker process made one)."""
        if self.remember:
            self._seen[key] = result
        entry = self._entry(nf)
        if not self.write or entry is None:
            return
        body = pickled or _dumps(result)
        try:
            if not self._made and not entry.parent.is_dir():
                missing = [entry.parent, *entry.parent.parents]
                self._made = [p for p in missing if not p.exists()][::-1]
                entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = entry.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(key.encode() + b"\n" + body)
            self._pending.append((tmp, entry))
        except OSError:
            pass  # a cache that cannot be written only costs time

    def commit(self) -> None:
        if self.remember:
            _REMEMBERED.clear()
            _REMEMBERED.update(self._seen)
        for tmp, entry in self._pending:
            with contextlib.suppress(OSError):  # a lost cache entry only costs time
                os.replace(tmp, entry)
        self._pending.clear()
        if self.write and self.folder is not None:
            # Left by builds that were killed; an hour old, no running build owns them.
            cutoff = time.time() - 3600
            for stale in self.folder.glob("*.tmp"):
                with contextlib.suppress(OSError):
                    if stale.stat().st_mtime < cutoff:
                        stale.unlink()


_REMEMBERED: dict[str, FileResult] = {}
"""The last remembering build's results by cache key (see Cache)."""


def _dumps(result: FileResult) -> bytes:
    return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


# --- running the stage over many files -------------------------------------------------------

_PARALLEL_MIN_FILES = 16


def _process_batch(batch: Sequence[tuple[NoteFile, bytes, FileSettings]]) -> list[bytes]:
    # Pickled here, in the worker: the parent needs the pickle for the cache anyway, and
    # would otherwise pickle every result a second time.
    indexes: dict[Path, MediaIndex] = {}
    return [_dumps(process(nf, data, settings, indexes)) for nf, data, settings in batch]


def process_all(
    items: Sequence[tuple[NoteFile, bytes]],
    settings: FileSettings,
    cache: Cache,
    progress: Callable[[int, int], None] | None = None,
) -> list[FileResult]:
    """Every file's result, from the cache where possible, else computed (on every core when
    there are enough files to be worth starting processes for)."""
    total = len(items)
    results: list[FileResult | None] = [None] * total
    keys = [cache.key(nf, data, settings) for nf, data in items]
    todo = []
    for i, (nf, _data) in enumerate(items):
        results[i] = cache.load(nf, keys[i])
        if results[i] is None:
            todo.append(i)
    done = total - len(todo)
    if progress is not None and done:
        progress(done, total)
    workers = min(os.cpu_count() or 1, 8)
    if len(todo) >= _PARALLEL_MIN_FILES and workers > 1:
        # Imported here: builds of a few files (and warm builds) never start processes.
        from concurrent.futures import ProcessPoolExecutor

        # Several batches per worker: this process unpickles one while the workers go on.
        size = max(1, len(todo) // (workers * 4))
        batches = [todo[i : i + size] for i in range(0, len(todo), size)]
        chunks = [[(items[i][0], items[i][1], settings) for i in b] for b in batches]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for batch, computed in zip(batches, pool.map(_process_batch, chunks), strict=True):
                for i, body in zip(batch, computed, strict=True):
                    result = results[i] = pickle.loads(body)
                    if result.source is not None:
                        cache.store(items[i][0], keys[i], result, body)
                done += len(batch)
                if progress is not None:
                    progress(done, total)
    else:
        indexes: dict[Path, MediaIndex] = {}
        for i in todo:
            result = results[i] = process(items[i][0], items[i][1], settings, indexes)
            if result.source is not None:
                cache.store(items[i][0], keys[i], result)
            done += 1
            if progress is not None:
                progress(done, total)
    return [r for r in results if r is not None]


def read_bytes(files: Iterable[NoteFile]) -> tuple[list[tuple[NoteFile, bytes]], list[Diagnostic]]:
    out, problems = [], []
    for nf in files:
        try:
            # A FIFO or device named .md would block the build forever on read.
            if not stat.S_ISREG(nf.path.stat().st_mode):
                problems.append(error(nf.display, None, "unreadable", "not a regular file"))
                continue
            out.append((nf, nf.path.read_bytes()))
        except (OSError, RuntimeError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            problems.append(error(nf.display, None, "unreadable", reason))
    return out, problems

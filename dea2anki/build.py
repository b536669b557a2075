"""The pipeline: note files -> concepts -> planned notes -> packages.

``collect`` and ``plan`` decide everything and write nothing; ``build`` adds the one write at
the end, so a build that finds an error leaves the previous packages untouched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import genanki

from . import cards
from .apkg import WrittenPackage, write_apkg
from .diagnostics import Dea2AnkiError, Diagnostic, error, warning
from .parse import Concept, clean_deck_component, parse_concepts
from .render import escape, render_inline
from .sources import SourceFile, find_note_files, read_all

DEFAULT_NOTES = "notes"
DEFAULT_OUTPUT = "build"
CONTEXT_SEPARATOR = " \u203a "  # the single angle quote reads as "inside" in any script


@dataclass(frozen=True)
class BuildOptions:
    deck_depth: int = 2
    include_empty: bool = False


@dataclass(frozen=True)
class Located:
    """A concept with the file it came from."""

    concept: Concept
    source: SourceFile
    root_deck: str

    @property
    def where(self) -> str:
        return f"{self.source.file.display}:{self.concept.line}"


@dataclass(frozen=True)
class Collected:
    sources: tuple[SourceFile, ...]
    concepts: tuple[Located, ...]
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class PlannedNote:
    located: Located
    guid: str
    deck: str
    tags: tuple[str, ...]
    fields: tuple[str, ...]

    @property
    def package_key(self) -> str:
        return self.deck.split("::", 1)[0]


@dataclass(frozen=True)
class Plan:
    notes: tuple[PlannedNote, ...]
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class BuildResult:
    files: int
    concepts: int
    packages: tuple[WrittenPackage, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def exported(self) -> int:
        return sum(p.notes for p in self.packages)


def collect(paths: Sequence[str], options: BuildOptions) -> Collected:
    """Read and parse every note file. Raises Dea2AnkiError if any file is unusable."""
    files, diagnostics = find_note_files(paths or [DEFAULT_NOTES])
    if not files and not diagnostics:
        shown = ", ".join(paths or [DEFAULT_NOTES])
        diagnostics.append(error(shown, None, "no-notes", "no Markdown (*.md) files found"))
    sources, problems = read_all(files)
    diagnostics.extend(problems)
    located: list[Located] = []
    for src in sources:
        root = _root_deck(src, diagnostics)
        result = parse_concepts(
            src.body,
            path=src.file.display,
            first_line=src.body_line,
            deck_depth=options.deck_depth,
        )
        diagnostics.extend(result.diagnostics)
        if not result.concepts:
            diagnostics.append(
                warning(src.file.display, None, "no-concepts", "no concepts found in this file")
            )
        if root is not None:
            located.extend(Located(c, src, root) for c in result.concepts)
    if any(d.is_error for d in diagnostics):
        raise Dea2AnkiError(diagnostics)
    return Collected(tuple(sources), tuple(located), tuple(diagnostics))


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


def normalise_tag(tag: str) -> str:
    """Obsidian tag -> Anki tag: ``#status/in progress`` -> ``status::in_progress``."""
    tag = "_".join(tag.strip().lstrip("#").split())
    return "::".join(part for part in tag.split("/") if part)


def plan(collected: Collected, options: BuildOptions) -> Plan:
    """Decide every note: identity, deck, tags, fields. Raises on duplicate terms."""
    diagnostics: list[Diagnostic] = []
    by_guid: dict[str, Located] = {}
    spelling: dict[str, str] = {}
    notes: list[PlannedNote] = []
    for loc in collected.concepts:
        c = loc.concept
        guid = cards.concept_guid(loc.root_deck, c.term)
        first = by_guid.get(guid)
        if first is not None:
            diagnostics.append(
                error(
                    loc.source.file.display,
                    c.line,
                    "duplicate-term",
                    f"term {c.term!r} is defined twice in deck {loc.root_deck!r}; "
                    f"first at {first.where}",
                )
            )
            continue
        by_guid[guid] = loc
        if not c.definition and not options.include_empty:
            diagnostics.append(
                warning(
                    loc.source.file.display,
                    c.line,
                    "empty-definition",
                    f"concept {c.term!r} has no definition; not exported "
                    "(--include-empty exports it)",
                )
            )
            continue
        notes.append(
            PlannedNote(
                located=loc,
                guid=guid,
                deck=cards.deck_name(loc.root_deck, c.deck_path),
                tags=_tags(c.tags + loc.source.tags, spelling),
                fields=_fields(loc),
            )
        )
    if any(d.is_error for d in diagnostics):
        raise Dea2AnkiError([*collected.diagnostics, *diagnostics])
    return Plan(tuple(notes), (*collected.diagnostics, *diagnostics))


def _tags(raw: tuple[str, ...], spelling: dict[str, str]) -> tuple[str, ...]:
    # Anki keeps one spelling per tag (the first it sees), so the build picks it on purpose:
    # the first spelling in source order, the concept's own tags before the file's.
    out: dict[str, str] = {}
    for tag in raw:
        t = normalise_tag(tag)
        if t:
            key = t.casefold()
            out.setdefault(key, spelling.setdefault(key, t))
    return tuple(out.values())


def _fields(loc: Located) -> tuple[str, ...]:
    c = loc.concept
    return (
        render_inline(c.term_md),
        render_inline(c.definition),
        escape(CONTEXT_SEPARATOR.join(c.context)),
        escape(f"{loc.source.file.rel}:{c.line}"),
        "",
    )


_UNSAFE_FILENAME = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')


def package_filename(root: str) -> str:
    name = _UNSAFE_FILENAME.sub("_", root).strip(" .")
    return (name or "deck") + ".apkg"


def write_packages(
    notes: Sequence[PlannedNote], output: Path, *, timestamp: int
) -> tuple[WrittenPackage, ...]:
    """One package per root deck into a folder, or everything into one ``.apkg`` file."""
    groups: dict[Path, list[PlannedNote]] = {}
    single = output.suffix.lower() == ".apkg"
    for note in notes:
        target = output if single else output / package_filename(note.package_key)
        groups.setdefault(target, []).append(note)
    written = []
    for target, members in groups.items():
        model = cards.make_model()
        decks: dict[str, genanki.Deck] = {}
        for due, pn in enumerate(members):
            deck = decks.get(pn.deck)
            if deck is None:
                deck = decks[pn.deck] = genanki.Deck(cards.deck_id(pn.deck), pn.deck)
            deck.add_note(
                genanki.Note(
                    model=model, fields=list(pn.fields), tags=list(pn.tags), guid=pn.guid, due=due
                )
            )
        try:
            written.append(write_apkg(target, model, list(decks.values()), timestamp=timestamp))
        except OSError as e:
            raise Dea2AnkiError(
                [error(str(target), None, "write-failed", f"cannot write: {e.strerror or e}")]
            ) from e
    return tuple(written)


def build(
    paths: Sequence[str],
    output: Path,
    options: BuildOptions,
    *,
    timestamp: int,
) -> BuildResult:
    collected = collect(paths, options)
    planned = plan(collected, options)
    if not planned.notes:
        raise Dea2AnkiError(
            [
                *planned.diagnostics,
                error(
                    ", ".join(paths or [DEFAULT_NOTES]),
                    None,
                    "nothing-to-export",
                    "no concept with a definition to export; previous packages left as they were",
                ),
            ]
        )
    packages = write_packages(planned.notes, output, timestamp=timestamp)
    return BuildResult(
        files=len(collected.sources),
        concepts=len(collected.concepts),
        packages=packages,
        diagnostics=planned.diagnostics,
    )

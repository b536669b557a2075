"""The records that pass between the stages, from a file on disk to a note in a package.

    NoteFile -> SourceFile -> Concept -> Located -> Draft -> ReleaseNote (+ LockEntry, Event)

Each has named fields, and none is ever read by position. The per-concept ones are named
tuples rather than dataclasses: a large vault holds one per concept, and they travel between
processes and through the parse cache (pickled). This module imports nothing of the pipeline.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple

from .diagnostics import Diagnostic

# --- read ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteFile:
    path: Path
    display: str
    """How messages name the file: relative to where the user pointed us."""
    rel: str
    """Path relative to the notes root (the folder given, or a file's own folder), POSIX style."""
    root: Path
    """The notes root: where the lock lives."""
    vault: Path | None = None
    """The vault root above it (read.files.vault_root), where embedded media may live;
    None: the notes root."""

    @property
    def media_root(self) -> Path:
        return self.vault if self.vault is not None else self.root


def readable(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by Python as surrogates, which
    neither a terminal nor Anki accepts) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(frozen=True)
class SourceFile:
    file: NoteFile
    deck: str | None
    """Frontmatter ``deck``; None means the file's stem."""
    tags: tuple[str, ...]
    """Frontmatter ``tags`` as written (normalised later, with the concept's own tags)."""
    body: str
    body_line: int
    """1-based line number, in the file, of the body's first line."""
    settings: tuple[tuple[str, Any], ...] = ()
    """The settings this file's frontmatter gives (settings.SETTINGS with ``frontmatter``)."""
    anki: bool = True
    """Frontmatter ``anki: false`` keeps the file out of every build."""
    draft: bool = False
    """Frontmatter ``draft: true``: skipped only with --skip-drafts."""
    warnings: tuple[Diagnostic, ...] = ()
    """Problems in the frontmatter that do not stop the build (near-miss keys)."""

    @property
    def root_deck(self) -> str:
        return self.deck if self.deck is not None else readable(self.file.path.stem)


# --- syntaxes --------------------------------------------------------------------------------


class Concept(NamedTuple):
    """One card's worth of notes as written, whatever syntax it was written in."""

    term: str
    """Plain text of the term (markup removed, whitespace collapsed): what identity uses."""
    term_md: str
    """The term as written, Markdown included (rendered on the card)."""
    definition: str
    """Markdown source of the definition line, whitespace collapsed; may be empty."""
    tags: tuple[str, ...]
    """The concept's own tag list, cleaned (spaces inside a tag become ``_``)."""
    deck_path: tuple[str, ...]
    """Deck components below the root deck, from the enclosing headings."""
    context: tuple[str, ...]
    """The full heading trail (every level), outermost first, cleaned like deck names."""
    line: int
    """1-based line in the file where the concept's text starts."""
    column: int | None = None
    """1-based column of the term on that line."""
    block_id: str | None = None
    """Obsidian block id (``^athena``) at the end of the concept line, if any."""
    details: str = ""
    """Markdown of the rest of the list item (paragraphs, sub-bullets, code), dedented."""
    reverse: bool = False
    """The syntax asks for the Definition -> Term card too (sr's ``:::``)."""
    cloze: bool = False
    """A cloze note: ``term_md`` is the text with its ``{{c1::...}}`` markers, ``term`` the
    same text without them, ``definition`` the extra shown on the back."""


# --- one file, rendered ----------------------------------------------------------------------


class Fields(NamedTuple):
    """A note's fields as Anki receives them (HTML), in the note type's order."""

    term: str
    definition: str
    context: str
    source: str
    """``file:line``: left out of the content hash (a line shift is no change)."""
    reverse: str
    """Non-empty switches on the Definition -> Term card."""


# A Fields from its values without the named tuple's Python-level __new__ (a release makes
# one per note).
_fields = functools.partial(tuple.__new__, Fields)


class Located(NamedTuple):
    """A concept with its file and everything that file alone decides about its note.

    Computed once per file (and cached); the build only adjusts what depends on other files:
    the spelling of tags and deck names.
    """

    concept: Concept
    source: SourceFile
    root_deck: str
    key: tuple[str, str]
    """Identity: (root deck, term), see identity.keys.identity_key."""
    guid: str
    """The GUID the concept gets when it is new (identity.keys.default_guid)."""
    deck: str
    """Full deck name as this file spells it."""
    raw_tags: tuple[str, ...]
    """The concept's tags, then the file's, then the build's (config ``tags``)."""
    tags: tuple[str, ...]
    """``raw_tags`` as Anki tags, spelled as this file first spells them."""
    # The note's fields, each a field of its own rather than one Fields: a Located is
    # pickled per concept (worker processes, the parse cache), and a nested named tuple
    # costs 2.3 us more a concept to pickle and unpickle (7 % of a cold build).
    field_term: str
    field_definition: str
    field_context: str
    field_source: str
    field_reverse: str
    content: str
    """identity.keys.content_hash of ``fields`` and ``tags``."""
    media: tuple[str, ...] = ()
    """Packaged names of the images this concept's HTML embeds."""
    definition_key: str = ""
    """Hash of the normalised definition ("" when empty): how renames are recognised."""

    @property
    def where(self) -> str:
        return f"{self.source.file.display}:{self.concept.line}"

    @property
    def fields(self) -> Fields:
        return _fields(
            (
                self.field_term,
                self.field_definition,
                self.field_context,
                self.field_source,
                self.field_reverse,
            )
        )


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


# --- the plan --------------------------------------------------------------------------------


class Draft(NamedTuple):
    """A note as this build would write it, before identity and time are decided."""

    located: Located
    deck: str
    tags: tuple[str, ...]
    content: str
    """Hash of what Anki receives: what the lock compares."""


# --- identity and the lock -------------------------------------------------------------------

LIVE = "live"
GONE = "gone"
RETIRED = "retired"
LOCK_STATES = (LIVE, GONE, RETIRED)
"""A lock entry's state, as the lock file spells it."""


class LockEntry(NamedTuple):
    """One note as the last build left it (a line of the lock file)."""

    guid: str
    root: str
    term: str
    deck: str
    source: str
    """The file where the concept was last seen, named from the lock's folder
    (pipeline.plan.lock_name)."""
    block: str | None
    definition: str
    """Hash of the normalised definition ("" when empty): finds renames."""
    content: str
    """Hash of what Anki receives (fields except the Source line number, tags)."""
    mod: int
    """When the content last changed: the note's ``mod`` in the package."""
    state: str = LIVE
    cloze: bool = False
    """A note of the cloze note type: never matched to a concept of the other type (Anki
    would refuse the note type change as a conflict)."""


class ReleaseNote(NamedTuple):
    """A note of the package."""

    guid: str
    mod: int
    deck: str
    tags: tuple[str, ...]
    fields: Fields
    live: bool = True
    """False for a retired note: shipped suspended and tagged, so learners can delete it."""
    media: tuple[str, ...] = ()
    cloze: bool = False
    """A note of the cloze note type (fields: Text, Extra, Context, Source)."""

    @property
    def suspended(self) -> bool:
        return not self.live


class EventKind(str, Enum):
    """What happened to a note since the lock (the value is how output spells it)."""

    ADDED = "added"
    RESTORED = "restored"
    CHANGED = "changed"
    RENAMED = "renamed"
    MOVED = "moved"
    RETIRED = "retired"
    GONE = "gone"

    def __str__(self) -> str:
        return self.value


class Event(NamedTuple):
    """One change since the lock (a first build has one per concept)."""

    kind: EventKind
    term: str
    deck: str
    where: str
    old_term: str | None = None
    old_deck: str | None = None
    how: str | None = None

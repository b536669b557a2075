"""Diagnostics: what the library reports about the notes, and its one error type.

Every stage returns or raises these instead of printing, so the CLI decides how to show
them (text, JSON or GitHub annotations; build and check alike).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple


class Severity(str, Enum):
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Diagnostic:
    path: str
    """The file as the user named it (or as found under a folder they named)."""
    line: int | None
    severity: Severity
    code: str
    """Stable identifier, e.g. ``empty-definition``; shown in brackets."""
    message: str
    column: int | None = None

    @property
    def where(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        """Compiler style, which editors and CI logs understand: path:line:col: ..."""
        return f"{self.where}: {self.severity.value}: {self.message} [{self.code}]"

    def github(self) -> str:
        """A GitHub Actions workflow command: shows as an annotation on the file."""
        props = [f"file={_gh_property(self.path)}"]
        if self.line is not None:
            props.append(f"line={self.line}")
            if self.column is not None:
                props.append(f"col={self.column}")
        props.append(f"title={_gh_property(self.code)}")
        return f"::{self.severity.value} {','.join(props)}::{_gh_message(self.message)}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
        }

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def _gh_message(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_message(text).replace(":", "%3A").replace(",", "%2C")


class Code(NamedTuple):
    """A kind of diagnostic: its stable name, how serious it is, and what it means."""

    name: str
    severity: Severity
    description: str
    """One line, as the README's table of codes gives it (a test keeps the two equal)."""


CODES: dict[str, Code] = {}
"""Every diagnostic code, in the README's order."""


def _code(name: str, severity: Severity, description: str) -> Code:
    code = CODES[name] = Code(name, severity, description)
    return code


WARNING, ERROR = Severity.WARNING, Severity.ERROR

# fmt: off
EMPTY_DEFINITION = _code("empty-definition", WARNING, "a concept with no definition yet; not exported unless `--include-empty`")
DUPLICATE_TERM = _code("duplicate-term", ERROR, "the same term twice in one deck (names both places)")
TERM_IN_TWO_DECKS = _code("term-in-two-decks", WARNING, "the same term in two decks of one root deck: both are exported, as two notes")
TERM_CASE_TWIN = _code("term-case-twin", WARNING, "two terms in one deck that differ only in case (`p`, `P`): both are exported, as two notes")
DUPLICATE_BLOCK_ID = _code("duplicate-block-id", ERROR, "the same `^block-id` on two concepts")
CONCEPT_NO_SEPARATOR = _code("concept-no-separator", WARNING, "a bold list item in a concept block without a `:` after the term")
UNBALANCED_BOLD = _code("unbalanced-bold", WARNING, "an odd number of `**` in a concept line")
EMPTY_TERM = _code("empty-term", WARNING, "a concept line whose term is empty or only markup")
NESTED_TOO_DEEP = _code("nested-too-deep", WARNING, "lists nested more than 19 levels deep (where mistune stops parsing them): read as text, no cards")
NO_HEADING = _code("no-heading", WARNING, "a concept above the first heading: it lands in the root deck")
EMPTY_DECK_NAME = _code("empty-deck-name", WARNING, "a heading that cleans to an empty deck name (`# ::`): no deck level")
TAG_INVALID = _code("tag-invalid", WARNING, "a tag with characters Anki cannot store (control characters); they are dropped")
NO_CONCEPTS = _code("no-concepts", WARNING, "a file without any concept")
MISSING_MEDIA = _code("missing-media", WARNING, "an embedded image that cannot be found or read; its alt text is shown")
MEDIA_OUTSIDE_NOTES = _code("media-outside-notes", ERROR, "an embedded file outside the vault, in a hidden folder of it, or not an image, sound or video: refused")
FRONTMATTER_YAML = _code("frontmatter-yaml", ERROR, "the frontmatter is not valid YAML (line of the problem)")
FRONTMATTER_UNCLOSED = _code("frontmatter-unclosed", ERROR, "`---` opens a frontmatter block that never closes")
FRONTMATTER_TYPE = _code("frontmatter-type", ERROR, "a key we read has a value of the wrong type (`deck: [a, b]`), or the frontmatter is not a mapping")
FRONTMATTER_NEAR_MISS = _code("frontmatter-near-miss", WARNING, "a key that looks like one of ours but is not (`Deck:`, `decks:`, `deck_depth:`)")
DECK_NAME = _code("deck-name", ERROR, "a root deck that cleans to nothing")
NOT_UTF8 = _code("not-utf8", ERROR, "the file is not UTF-8 (line of the first bad byte)")
BINARY_FILE = _code("binary-file", ERROR, "a file named `.md` that holds binary data")
UNREADABLE = _code("unreadable", ERROR, "a file that cannot be read, or a broken symbolic link")
MISSING_PATH = _code("missing-path", ERROR, "a PATH that does not exist")
NO_NOTES = _code("no-notes", ERROR, "no `*.md` file in the PATHs")
NOTHING_TO_EXPORT = _code("nothing-to-export", ERROR, "the build would write an empty package (the previous one is kept)")
CONCEPT_GONE = _code("concept-gone", WARNING, "a concept in the lock that is no longer in the notes (see `--retire`)")
LOCK_INVALID = _code("lock-invalid", ERROR, "a line of the lock file is not a valid entry (line of the problem)")
LOCK_UNREADABLE = _code("lock-unreadable", ERROR, "the lock file cannot be read")
LOCK_MISSING = _code("lock-missing", ERROR, "with `--locked`: there is no lock file")
LOCK_STALE = _code("lock-stale", ERROR, "with `--locked`: the lock is not up to date with the notes")
CONFIG = _code("config", ERROR, "the config file cannot be read or is not valid TOML")
CONFIG_KEY = _code("config-key", ERROR, "the config file has a key dea2anki does not know")
CONFIG_TYPE = _code("config-type", ERROR, "a config value has the wrong type")
BAD_EPOCH = _code("bad-epoch", ERROR, "`SOURCE_DATE_EPOCH` is not a whole number from 1 to 253402300799")
WRITE_FAILED = _code("write-failed", ERROR, "an output could not be written (nothing was replaced)")
BAD_PACKAGE = _code("bad-package", ERROR, "`changelog OLD NEW`: a file that is not an Anki package")
CLOZE_NO_CARD = _code("cloze-no-card", WARNING, "a cloze paragraph that makes no card: a `{{c1::` that never closes, or only gaps numbered 0")
HEADING_EMPTY = _code("heading-empty", WARNING, "a heading card with nothing under it (or after its `---`), or no front text: no card")
SR_EMPTY_SIDE = _code("sr-empty-side", WARNING, "a spaced-repetition card (`::`, `:::`, `?`, `??`) with nothing on one side: no card")
QA_NO_ANSWER = _code("qa-no-answer", WARNING, "a `Q:` question with no `A:` after it: no card")
QA_NO_QUESTION = _code("qa-no-question", WARNING, "an `A:` answer with no `Q:` before it")
QA_EMPTY = _code("qa-empty", WARNING, "a `Q:` or `A:` with nothing after it: no card")
CALLOUT_EMPTY = _code("callout-empty", WARNING, "a definition, term, concept or flashcard callout without a term or without a body: no card")
COLLECTION_MISSING = _code("collection-missing", ERROR, "`sync`, `pull`: no Anki collection at the path given (or in that profile)")
COLLECTION_OPEN = _code("collection-open", ERROR, "`sync`, `pull`: Anki has the collection open; close Anki and run again (nothing was written)")
COLLECTION_TOO_NEW = _code("collection-too-new", ERROR, "`sync`, `pull`: the collection was written by a newer Anki than the installed `anki` library")
COLLECTION_UNUSABLE = _code("collection-unusable", ERROR, "`sync`, `pull`: Anki cannot open the file, or refused a change (nothing was written)")
EDITED_IN_ANKI = _code("edited-in-anki", WARNING, "`sync`: a note edited in Anki since dea2anki wrote it; kept as it is (`dea2anki pull` brings the edit to the notes)")
SYNC_CONFLICT = _code("sync-conflict", WARNING, "`sync`: a note edited both in Anki and in the notes; Anki's version is kept (`--prefer source` overwrites it)")
NOT_OURS = _code("not-ours", WARNING, "`sync`: a note of the lock's GUID has a note type dea2anki did not make; left alone")
PULL_UNMAPPED = _code("pull-unmapped", WARNING, "`pull`: an edit made in Anki that cannot go back to the notes (a field dea2anki fills itself, an image, a syntax without a place for it); left alone")
# fmt: on


def report(
    code: Code, path: str, line: int | None, message: str, column: int | None = None
) -> Diagnostic:
    """A diagnostic of a registered kind (its severity comes with the code)."""
    return Diagnostic(path, line, code.severity, code.name, message, column)


class Dea2AnkiError(Exception):
    """The build cannot be trusted; carries every error found (and the warnings so far)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.errors))

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

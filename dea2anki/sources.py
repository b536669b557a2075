"""Find note files and read them: bytes -> text -> frontmatter + body.

The only module (with apkg.py) that touches the file system on the way in. Every problem
becomes a Diagnostic naming the file (and line where there is one).
"""

from __future__ import annotations

import difflib
import os
import re
import reprlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from .diagnostics import Dea2AnkiError, Diagnostic, error, warning


@dataclass(frozen=True)
class NoteFile:
    path: Path
    display: str
    """How messages name the file: relative to where the user pointed us."""
    rel: str
    """Path relative to the notes root (the folder given, or a file's own folder), POSIX style."""
    root: Path
    """The notes root: where the lock lives and media are looked up."""


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
    allow_html: bool | None = None
    """Frontmatter ``allow-html``: render raw HTML instead of escaping it (None: not set)."""
    reverse: bool | None = None
    """Frontmatter ``reverse``: also make Definition -> Term cards (None: not set)."""
    deck_depth: int | None = None
    """Frontmatter ``deck-depth`` (None: not set)."""
    anki: bool = True
    """Frontmatter ``anki: false`` keeps the file out of every build."""
    draft: bool = False
    """Frontmatter ``draft: true``: skipped only with --skip-drafts."""
    warnings: tuple[Diagnostic, ...] = ()
    """Problems in the frontmatter that do not stop the build (near-miss keys)."""

    @property
    def root_deck(self) -> str:
        return self.deck if self.deck is not None else _readable(self.file.path.stem)


def find_note_files(paths: Sequence[str]) -> tuple[list[NoteFile], list[Diagnostic]]:
    """Expand files and folders (recursively, ``*.md``, sorted) into note files.

    Hidden folders (``.obsidian``, ``.trash``, ``.git``) are skipped: Obsidian keeps deleted
    notes in ``.trash`` and they must not come back as cards. Symlinked folders are not
    followed, so a link loop cannot hang the build.
    """
    found: list[NoteFile] = []
    problems: list[Diagnostic] = []
    seen: set[Path] = set()
    for given in paths:
        p = Path(given)
        if p.is_dir():
            for f in _walk_markdown(p):
                rel = f.relative_to(p).as_posix()
                _add(found, seen, NoteFile(f, os.path.join(given, *rel.split("/")), rel, p))
        elif p.is_file():
            _add(found, seen, NoteFile(p, given, p.name, p.parent))
        elif p.is_symlink():
            problems.append(error(given, None, "unreadable", "broken symbolic link"))
        else:
            problems.append(error(given, None, "missing-path", "no such file or folder"))
    return found, problems


def _walk_markdown(top: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        out.extend(Path(dirpath, f) for f in filenames if f.endswith(".md"))
    return sorted(out, key=lambda f: f.relative_to(top).as_posix())


def _readable(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by Python as surrogates, which
    neither a terminal nor Anki accepts) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _add(found: list[NoteFile], seen: set[Path], nf: NoteFile) -> None:
    nf = replace(nf, display=_readable(nf.display), rel=_readable(nf.rel))
    try:
        key = nf.path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop between files
        key = nf.path.absolute()
    if key not in seen:
        seen.add(key)
        found.append(nf)


_FRONTMATTER_OPEN = re.compile(r"---[ \t]*\n")


def read_source(nf: NoteFile) -> SourceFile:
    """Read one note file. Raises Dea2AnkiError when it cannot be used at all."""
    try:
        data = nf.path.read_bytes()
    except OSError as e:
        raise _fail(nf.display, None, "unreadable", e.strerror or str(e)) from e
    text = decode(nf.display, data)
    return split_frontmatter(nf, text)


def _fail(display: str, line: int | None, code: str, message: str) -> Dea2AnkiError:
    return Dea2AnkiError([error(display, line, code, message)])


def decode(display: str, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(display, 1, "not-utf8", "the file is UTF-16; save it as UTF-8")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise _fail(
            display, line, "binary-file", "not a text file (NUL byte); is it really Markdown?"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        bad = data[e.start : e.start + 1].hex()
        raise _fail(
            display, line, "not-utf8", f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8"
        ) from e
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_frontmatter(nf: NoteFile, text: str) -> SourceFile:
    if not _FRONTMATTER_OPEN.match(text):
        return SourceFile(nf, None, (), text, 1)
    handler = YAMLHandler()
    parts = handler.FM_BOUNDARY.split(text, 2)
    if len(parts) < 3:
        # Obsidian would show the YAML as text; a card deck built from that is not what the
        # user meant, so stop.
        raise _fail(
            nf.display, 1, "frontmatter-unclosed", "frontmatter opened with '---' is never closed"
        )
    _, fm, body = parts
    body_line = text[: len(text) - len(body)].count("\n") + 1
    try:
        meta = handler.load(fm)
    except yaml.YAMLError as e:
        line, problem = _yaml_problem(e)
        raise _fail(
            nf.display, line, "frontmatter-yaml", f"invalid YAML in frontmatter: {problem}"
        ) from e
    except (ValueError, TypeError, KeyError, OverflowError) as e:
        # PyYAML's constructors fail with plain exceptions on values such as the date
        # 2024-13-45; the exact line is not known then.
        raise _fail(
            nf.display,
            2,
            "frontmatter-yaml",
            f"invalid value in frontmatter: {reprlib.repr(str(e))}",
        ) from e
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise _fail(
            nf.display,
            2,
            "frontmatter-type",
            f"frontmatter must be a mapping of keys to values, not a {_yaml_type(meta)}",
        )
    problems: list[Diagnostic] = []
    deck = _read_deck(nf, fm, meta, problems)
    tags = _read_tags(nf, fm, meta, problems)
    allow_html = _read_bool(nf, fm, meta, "allow-html", problems)
    reverse = _read_bool(nf, fm, meta, "reverse", problems)
    anki = _read_bool(nf, fm, meta, "anki", problems)
    draft = _read_bool(nf, fm, meta, "draft", problems)
    deck_depth = _read_depth(nf, fm, meta, problems)
    if problems:
        raise Dea2AnkiError(problems)
    return SourceFile(
        nf,
        deck,
        tags,
        body,
        body_line,
        allow_html=allow_html,
        reverse=reverse,
        deck_depth=deck_depth,
        anki=anki is not False,
        draft=bool(draft),
        warnings=tuple(_near_misses(nf, fm, meta)),
    )


FRONTMATTER_KEYS = ("deck", "tags", "anki", "draft", "deck-depth", "reverse", "allow-html")


def _near_misses(nf: NoteFile, fm: str, meta: dict[Any, Any]) -> list[Diagnostic]:
    """Keys that look like ours but are not (`Deck:`, `decks:`, `deck_depth:`).

    Every other key (created, updated, aliases, ...) belongs to the user and is ignored.
    """
    out = []
    for key in meta:
        if not isinstance(key, str) or key in FRONTMATTER_KEYS:
            continue
        folded = key.casefold().replace("_", "-").replace(" ", "-")
        match = next((k for k in FRONTMATTER_KEYS if k == folded), None)
        if match is None:
            close = difflib.get_close_matches(folded, FRONTMATTER_KEYS, n=1, cutoff=0.8)
            match = close[0] if close else None
        if match is not None and match not in meta:
            out.append(
                warning(
                    nf.display,
                    _key_line(fm, key),
                    "frontmatter-near-miss",
                    f"frontmatter key {key!r} is not read by dea2anki; did you mean {match!r}?",
                )
            )
    return out


def _read_depth(nf: NoteFile, fm: str, meta: dict[Any, Any], out: list[Diagnostic]) -> int | None:
    value = meta.get("deck-depth")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    out.append(
        error(
            nf.display,
            _key_line(fm, "deck-depth"),
            "frontmatter-type",
            f"frontmatter 'deck-depth' must be a whole number from 0 to 6, not {_describe(value)}",
        )
    )
    return None


# The frontmatter text starts right after the opening "---" (with its newline), so its line k
# (0-based) is line k + 1 of the file.


def _key_line(fm: str, key: str) -> int:
    m = re.search(rf"^{re.escape(key)}\s*:", fm, re.MULTILINE)
    return 1 + (fm[: m.start()].count("\n") if m else 1)


def _yaml_problem(e: yaml.YAMLError) -> tuple[int, str]:
    problem_mark = getattr(e, "problem_mark", None)
    context_mark = getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    context = getattr(e, "context", None)
    if context and context_mark is not None:
        problem += f" ({context} started at line {context_mark.line + 1})"
    mark = problem_mark or context_mark
    return (mark.line + 1 if mark is not None else 1), problem


def _yaml_type(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "number" if isinstance(value, (int, float)) else type(value).__name__


def _read_deck(nf: NoteFile, fm: str, meta: dict[Any, Any], out: list[Diagnostic]) -> str | None:
    if "deck" not in meta:
        return None
    deck = meta["deck"]
    if not isinstance(deck, str) or not deck.strip():
        out.append(
            error(
                nf.display,
                _key_line(fm, "deck"),
                "frontmatter-type",
                f"frontmatter 'deck' must be a non-empty text, not {_describe(deck)}",
            )
        )
        return None
    return deck.strip()


def _read_tags(
    nf: NoteFile, fm: str, meta: dict[Any, Any], out: list[Diagnostic]
) -> tuple[str, ...]:
    raw = meta.get("tags")
    if raw is None:
        return ()
    if isinstance(raw, str):
        # Obsidian accepts "a, b" and "a b" in a single string.
        return tuple(t for t in re.split(r"[,\s]+", raw) if t)
    if isinstance(raw, list) and all(isinstance(t, (str, int, float)) for t in raw):
        return tuple(str(t) for t in raw if str(t).strip())
    out.append(
        error(
            nf.display,
            _key_line(fm, "tags"),
            "frontmatter-type",
            f"frontmatter 'tags' must be a list of texts, not {_describe(raw)}",
        )
    )
    return ()


def _read_bool(
    nf: NoteFile, fm: str, meta: dict[Any, Any], key: str, out: list[Diagnostic]
) -> bool | None:
    if key not in meta:
        return None
    value = meta[key]
    if isinstance(value, bool):
        return value
    out.append(
        error(
            nf.display,
            _key_line(fm, key),
            "frontmatter-type",
            f"frontmatter {key!r} must be true or false, not {_describe(value)}",
        )
    )
    return None


_SHORT = reprlib.Repr()
_SHORT.maxlevel = 2
_SHORT.maxlist = _SHORT.maxdict = 4
_SHORT.maxstring = _SHORT.maxother = 60


def _describe(value: Any) -> str:
    if value is None or value == "":
        return "an empty value"
    # A YAML alias bomb expands to an enormous nested value; the message stays short.
    return f"a {_yaml_type(value)} ({_SHORT.repr(value)[:120]})"


__all__ = [
    "NoteFile",
    "SourceFile",
    "decode",
    "find_note_files",
    "read_source",
    "split_frontmatter",
]

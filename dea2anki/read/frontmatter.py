"""A note file's text: bytes -> text -> frontmatter + body. Pure: no file system.

Frontmatter keys are the registry's (settings.FILE_KEYS, and the settings a file may give);
every other key belongs to the user and is ignored, except near misses of ours, which get a
warning. Every problem becomes a Diagnostic naming the file and the line.
"""

from __future__ import annotations

import difflib
import re
import reprlib
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from ..diagnostics import (
    BINARY_FILE,
    FRONTMATTER_NEAR_MISS,
    FRONTMATTER_TYPE,
    FRONTMATTER_UNCLOSED,
    FRONTMATTER_YAML,
    NOT_UTF8,
    Code,
    Dea2AnkiError,
    Diagnostic,
    report,
)
from ..records import NoteFile, SourceFile
from ..settings import ANKI_KEY, DECK_KEY, DRAFT_KEY, FRONTMATTER_KEYS, SETTINGS, Kind

_FRONTMATTER_OPEN = re.compile(r"---[ \t]*\n")


def _fail(code: Code, display: str, line: int | None, message: str) -> Dea2AnkiError:
    return Dea2AnkiError([report(code, display, line, message)])


def decode(display: str, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(NOT_UTF8, display, 1, "the file is UTF-16; save it as UTF-8")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise _fail(
            BINARY_FILE, display, line, "not a text file (NUL byte); is it really Markdown?"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        bad = data[e.start : e.start + 1].hex()
        raise _fail(
            NOT_UTF8, display, line, f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8"
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
            FRONTMATTER_UNCLOSED, nf.display, 1, "frontmatter opened with '---' is never closed"
        )
    _, fm, body = parts
    body_line = text[: len(text) - len(body)].count("\n") + 1
    try:
        meta = handler.load(fm)
    except yaml.YAMLError as e:
        line, problem = _yaml_problem(e)
        raise _fail(
            FRONTMATTER_YAML, nf.display, line, f"invalid YAML in frontmatter: {problem}"
        ) from e
    except (ValueError, TypeError, KeyError, OverflowError) as e:
        # PyYAML's constructors fail with plain exceptions on values such as the date
        # 2024-13-45; the exact line is not known then.
        raise _fail(
            FRONTMATTER_YAML,
            nf.display,
            2,
            f"invalid value in frontmatter: {reprlib.repr(str(e))}",
        ) from e
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise _fail(
            FRONTMATTER_TYPE,
            nf.display,
            2,
            f"frontmatter must be a mapping of keys to values, not a {_yaml_type(meta)}",
        )
    problems: list[Diagnostic] = []
    deck = _read(nf, fm, meta, DECK_KEY.key, DECK_KEY.kind, problems)
    tags = _read_tags(nf, fm, meta, problems)
    anki = _read(nf, fm, meta, ANKI_KEY.key, ANKI_KEY.kind, problems)
    draft = _read(nf, fm, meta, DRAFT_KEY.key, DRAFT_KEY.kind, problems)
    settings = tuple(
        (s.key, value)
        for s in SETTINGS
        if s.frontmatter and (value := _read(nf, fm, meta, s.key, s.kind, problems)) is not None
    )
    if problems:
        # In the order of the file, as a reader goes through it.
        raise Dea2AnkiError(sorted(problems, key=lambda d: d.line or 0))
    return SourceFile(
        nf,
        deck.strip() if deck is not None else None,
        tags,
        body,
        body_line,
        settings=settings,
        anki=anki is not False,
        draft=bool(draft),
        warnings=tuple(_near_misses(nf, fm, meta)),
    )


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
                report(
                    FRONTMATTER_NEAR_MISS,
                    nf.display,
                    _key_line(fm, key),
                    f"frontmatter key {key!r} is not read by dea2anki; did you mean {match!r}?",
                )
            )
    return out


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
        report(
            FRONTMATTER_TYPE,
            nf.display,
            _key_line(fm, "tags"),
            f"frontmatter 'tags' must be a list of texts, not {_describe(raw)}",
        )
    )
    return ()


def _read(
    nf: NoteFile, fm: str, meta: dict[Any, Any], key: str, kind: Kind, out: list[Diagnostic]
) -> Any:
    """The value of ``key`` when it is there and of the right kind, else None."""
    value = meta.get(key)
    if key not in meta or (value is None and kind.empty_is_unset):
        return None
    if kind.check(value):
        return kind.convert(value) if kind.convert is not None else value
    out.append(
        report(
            FRONTMATTER_TYPE,
            nf.display,
            _key_line(fm, key),
            f"frontmatter {key!r} must be {kind.what}, not {_describe(value)}",
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

"""The lock file: what every exported note was at the last build.

One JSON object per line after a header line, sorted by root deck and term, so that it diffs
and merges like source code. It records each note's GUID (identity survives renames and
moves), a hash of its content and the time that content last changed (so unchanged notes
keep their ``mod`` and Anki leaves them, and any edit the learner made to them, alone).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .diagnostics import Dea2AnkiError, error

LOCK_NAME = "dea2anki.lock"
FORMAT_VERSION = 1
_HEADER = {
    "dea2anki-lock": FORMAT_VERSION,
    "about": "Written by `dea2anki build`: note identities and change times. Commit it.",
}

LIVE = "live"
GONE = "gone"
RETIRED = "retired"
_STATES = (LIVE, GONE, RETIRED)


@dataclass(frozen=True)
class LockEntry:
    guid: str
    root: str
    term: str
    deck: str
    source: str
    """``file:line`` where the concept was last seen (for messages)."""
    block: str | None
    definition: str
    """Hash of the normalised definition ("" when empty): finds renames."""
    content: str
    """Hash of what Anki receives (fields except the Source line number, tags)."""
    mod: int
    """When the content last changed: the note's ``mod`` in the package."""
    state: str = LIVE


def sort_key(e: LockEntry) -> tuple[str, str, str]:
    return (e.root.casefold(), e.term.casefold(), e.guid)


def read_lock(path: Path) -> tuple[LockEntry, ...] | None:
    """The entries, or None when there is no lock file yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise Dea2AnkiError([error(str(path), None, "lock-unreadable", str(e))]) from e
    entries = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if n == 1:
                _check_header(obj)
                continue
            entry = _entry(obj)
            entries.append(entry)
            # Remember the text just read: writing the lock back then re-encodes only the
            # entries that changed (a line edited by hand keeps its own spelling of the
            # same entry).
            _LINES[entry] = line
        except (ValueError, TypeError, KeyError) as e:
            raise Dea2AnkiError(
                [
                    error(
                        str(path),
                        n,
                        "lock-invalid",
                        f"not a valid lock entry ({e}); fix the line or delete the lock file "
                        "to start over (identities of renamed concepts are then forgotten)",
                    )
                ]
            ) from e
    return tuple(entries)


def _check_header(obj: Any) -> None:
    if not isinstance(obj, dict) or obj.get("dea2anki-lock") != FORMAT_VERSION:
        raise ValueError(f"first line must be the header with dea2anki-lock {FORMAT_VERSION}")


def _entry(obj: Any) -> LockEntry:
    if not isinstance(obj, dict):
        raise TypeError("expected a JSON object")
    entry = LockEntry(**obj)
    if entry.state not in _STATES:
        raise ValueError(f"unknown state {entry.state!r}")
    texts = [entry.guid, entry.root, entry.term, entry.deck, entry.source]
    texts += [entry.definition, entry.content]
    if (
        not isinstance(entry.mod, int)
        or isinstance(entry.mod, bool)
        or not all(isinstance(v, str) for v in texts)
        or not (entry.block is None or isinstance(entry.block, str))
    ):
        raise TypeError("wrong value types")
    return entry


_FIELDS = tuple(f.name for f in fields(LockEntry))


def _as_dict(e: LockEntry) -> dict[str, object]:
    # dataclasses.asdict deep-copies every value: a third of a 100k-note build's lock time.
    return {name: getattr(e, name) for name in _FIELDS}


_LINES: dict[LockEntry, str] = {}


def _render_entry(e: LockEntry) -> str:
    return json.dumps(_as_dict(e), ensure_ascii=False)


def render_lock(entries: Iterable[LockEntry]) -> str:
    lines = [json.dumps(_HEADER, ensure_ascii=False)]
    for e in sorted(entries, key=sort_key):
        line = _LINES.get(e)
        lines.append(line if line is not None else _render_entry(e))
    return "\n".join(lines) + "\n"


def lock_changed(path: Path, entries: Iterable[LockEntry]) -> str | None:
    """The new lock text, or None when the file already holds exactly that."""
    text = render_lock(entries)
    try:
        if path.read_text(encoding="utf-8") == text:
            return None
    except (OSError, UnicodeDecodeError):
        pass
    return text

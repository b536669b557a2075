"""The lock file: what every exported note was at the last build.

One JSON object per line after a header line, sorted by root deck and term, so that it diffs
and merges like source code. It records each note's GUID (identity survives renames and
moves), a hash of its content and the time that content last changed (so unchanged notes
keep their ``mod`` and Anki leaves them, and any edit the learner made to them, alone).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from ..diagnostics import LOCK_INVALID, LOCK_UNREADABLE, Dea2AnkiError, Diagnostic, report
from ..records import LockEntry
from .lock_rows import checked, load_rows, make_entry

LOCK_NAME = "dea2anki.lock"
FORMAT_VERSION = 1
_HEADER = {
    "dea2anki-lock": FORMAT_VERSION,
    "about": "Written by `dea2anki build`: note identities and change times. Commit it.",
}
_HEADER_LINE = json.dumps(_HEADER, ensure_ascii=False).encode("utf-8")

# Every key but "cloze", which only a cloze note's line has: the usual line is read fast.
_KEYS = LockEntry._fields[:-1]


def sort_key(e: LockEntry) -> tuple[str, str, str]:
    return (e.root.casefold(), e.term.casefold(), e.guid)


def _parse_entries(lines: list[str]) -> tuple[LockEntry, ...] | None:
    """The entries of these lines, or None when the lines are not one entry each.

    Lines are parsed as JSON documents of a few thousand entries each: a hundred thousand
    json.loads calls cost seconds, one document for all would hold every entry twice.
    Texts that many entries repeat (root deck, deck, source file) are kept once."""
    entries: list[LockEntry] = []
    seen: dict[str, str] = {}
    for at in range(0, len(lines), _BATCH):
        batch = lines[at : at + _BATCH]
        # A line that starts with '{' and ends with '}' holds whole objects only (entries
        # hold no objects); with as many objects as lines, each line holds exactly one.
        if not all(line.strip()[:1] == "{" and line.strip()[-1:] == "}" for line in batch):
            return None
        objs = json.loads("[" + ",".join(batch) + "]")
        if len(objs) != len(batch):
            return None
        share = seen.setdefault
        for obj in objs:
            if type(obj) is not dict or tuple(obj) != _KEYS:
                entries.append(_entry(obj))  # written by hand: checked the long way
                continue
            # As this program writes them (keys in field order): built from the values
            # directly, a large lock has a hundred thousand of them.
            guid, root, term, deck, source, block, definition, content, mod, state = obj.values()
            if type(root) is str and type(deck) is str and type(source) is str:
                root, deck, source = share(root, root), share(deck, deck), share(source, source)
            values = (guid, root, term, deck, source, block, definition, content, mod, state, False)
            entries.append(checked(make_entry(values)))
    return tuple(entries)


_BATCH = 4096


def _check_header(obj: Any) -> None:
    if not isinstance(obj, dict) or obj.get("dea2anki-lock") != FORMAT_VERSION:
        raise ValueError(f"first line must be the header with dea2anki-lock {FORMAT_VERSION}")


def _entry(obj: Any) -> LockEntry:
    """Any JSON value as an entry: keys in any order, ``state`` optional, no unknown keys."""
    if type(obj) is not dict:
        raise TypeError("expected a JSON object")
    return checked(LockEntry(**obj))


# json's own string encoder (what json.dumps(..., ensure_ascii=False) uses for every str).
_STR: Callable[[str], str] = json.encoder.encode_basestring


def _render_entry(e: LockEntry) -> str:
    """``json.dumps(e._asdict(), ensure_ascii=False)``, written out: 4x faster, and a first
    build renders a line per concept. Tested against json.dumps."""
    block = "null" if e.block is None else _STR(e.block)
    return (
        f'{{"guid": {_STR(e.guid)}, "root": {_STR(e.root)}, "term": {_STR(e.term)}, '
        f'"deck": {_STR(e.deck)}, "source": {_STR(e.source)}, "block": {block}, '
        f'"definition": {_STR(e.definition)}, "content": {_STR(e.content)}, '
        f'"mod": {int(e.mod)}, "state": {_STR(e.state)}{_CLOZE if e.cloze else ""}}}'
    )


_CLOZE = ', "cloze": true'


class NewLock(NamedTuple):
    """A lock to write: its lines (UTF-8, without line ends) and its entries, in file order."""

    lines: list[bytes]
    entries: list[LockEntry]
    digest: bytes
    """sha256 of the file's bytes."""


class LockBook:
    """Reads and writes lock files for one build, or for the builds of one --watch session.

    It remembers the text of each entry it read: writing the lock back then re-encodes only
    the entries that changed (a line edited by hand keeps its own spelling of the same
    entry). After ``written``, it also knows that lock's bytes and entries, so the next read
    of the same file (the next build of the watch) need not parse it.

    ``kept``: what a build kept of its lock (lock_rows.dump_rows), read when it is needed;
    ``read`` takes the entries from there while the lock holds exactly the bytes they were
    kept for.
    """

    def __init__(self, kept: Callable[[], bytes | None] | None = None) -> None:
        self._lines: dict[LockEntry, bytes] = {}
        self._known: dict[Path, tuple[bytes, tuple[LockEntry, ...]]] = {}
        self._kept = kept
        # The file last read, its size, time and inode then, when its bytes are exactly what
        # this program writes for its entries: the same entries then need no new lines to
        # know that the file (unchanged since) holds them.
        self._canonical: tuple[Path, _Stat, tuple[LockEntry, ...]] | None = None
        # A lock read from its kept entries (path, sha256, entries): its lines are read from
        # the file again only when a build changes it, after the build's notes are planned
        # (they are not held while a large build's memory peaks).
        self._unread: tuple[Path, bytes, tuple[LockEntry, ...]] | None = None
        self.to_keep: tuple[bytes, tuple[LockEntry, ...]] | None = None
        """A lock read from its JSON that is as this program writes it (sha256, entries):
        worth keeping for the next build, if this one does not replace it."""

    def read(self, path: Path) -> tuple[LockEntry, ...] | None:
        """The entries, or None when there is no lock file yet."""
        self._canonical = self._unread = self.to_keep = None
        where = path.absolute()
        try:
            with path.open("rb") as f:
                stat = _stat_of(os.fstat(f.fileno()))
                data = f.read()
            digest = hashlib.sha256(data).digest()
            known = self._known.get(where)
            if known is not None and known[0] == digest:
                self._canonical = (where, stat, known[1])
                return known[1]
            # Written by dea2anki with exactly these lines: the header, then one per entry.
            rows = self._kept() if self._kept is not None else None
            kept = load_rows(rows, digest, data.count(b"\n") - 1) if rows is not None else None
            del rows
            if kept is not None:
                self._canonical = (where, stat, kept)
                self._unread = (where, digest, kept)
                return kept
            # Line ends and the last line as this program writes them (see as_written).
            plain_ends = b"\r" not in data and data.endswith(b"\n")
            # What read_text would give: universal line ends (JSON strings hold no raw CR).
            text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
            del data
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as e:
            raise Dea2AnkiError([report(LOCK_UNREADABLE, str(path), None, str(e))]) from e
        # Not splitlines(): JSON strings may hold U+2028 and other characters it splits at.
        lines = text.split("\n")
        del text
        numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
        # No blank line, and the header is ours: writing these entries back (their lines as
        # they are) gives these very bytes.
        as_written = (
            plain_ends
            and len(numbered) == len(lines) - 1
            and numbered[0][1] == _HEADER_LINE.decode("utf-8")
        )
        del lines
        try:
            if numbered:
                _check_header(json.loads(numbered[0][1]))
            entries = _parse_entries([line for _, line in numbered[1:]])
        except (ValueError, TypeError, KeyError):
            entries = None
        if entries is None:
            raise Dea2AnkiError([_first_bad_line(path, numbered)])
        encoded = (line.encode("utf-8") for _, line in numbered[1:])
        self._lines.update(zip(entries, encoded, strict=True))
        if as_written:
            self._canonical = (where, stat, entries)
            self.to_keep = (digest, entries)
        return entries

    def changed(self, path: Path, entries: Iterable[LockEntry]) -> NewLock | None:
        """The new lock, or None when the file already holds exactly that: known at once when
        it was read as this program writes these entries and has not changed since, else
        compared by digest, line by line (a large lock is never held as one text twice)."""
        ordered = sorted(entries, key=sort_key)
        if self._as_read(path, ordered):
            return None  # the usual rebuild: no line to make, nothing to hash
        read_digest = self._read_lines(path)
        new = _new_lock(ordered, self._lines)
        if read_digest is not None:  # the file, just read and hashed: no CR, nothing to undo
            return None if read_digest == new.digest else new
        try:
            with path.open("rb") as f:
                old = hashlib.sha256()
                rest = b""
                while chunk := f.read(1 << 20):
                    # Line ends as git may check them out on Windows (autocrlf) are the same
                    # lock: no rewrite for them.
                    chunk = rest + chunk
                    rest = b"\r" if chunk.endswith(b"\r") else b""
                    old.update(chunk[: len(chunk) - len(rest)].replace(b"\r\n", b"\n"))
                old.update(rest)
        except OSError:
            return new
        return None if old.digest() == new.digest else new

    def _as_read(self, path: Path, ordered: list[LockEntry]) -> bool:
        """Whether the file at ``path`` holds exactly these entries, as this program writes
        them, and has not changed since it was read."""
        canonical = self._canonical
        return (
            canonical is not None
            and canonical[0] == path.absolute()
            and canonical[2] == tuple(ordered)
            and canonical[1] == _stat_at(path)
        )

    def _read_lines(self, path: Path) -> bytes | None:
        """The lines of the lock read from its kept entries, as the file spells them; the
        file's sha256 when it still has the bytes they were kept for, else None."""
        unread, self._unread = self._unread, None
        if unread is None or unread[0] != path.absolute():
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).digest() != unread[1]:
            return None  # changed since: its lines are made anew, its bytes compared
        self._lines.update(zip(unread[2], data.split(b"\n")[1:-1], strict=True))
        return unread[1]

    def written(self, path: Path, lock: NewLock) -> None:
        """``lock`` is now the file at ``path``: the next read of it need not parse it."""
        entries = tuple(lock.entries)
        self._known[path.absolute()] = (lock.digest, entries)
        self._canonical = self._unread = self.to_keep = None
        # Only this lock's lines are worth keeping: a long --watch session stays bounded.
        self._lines = dict(zip(lock.entries, lock.lines[1:], strict=True))


_Stat = tuple[int, int, int, int, int]


def _stat_of(st: os.stat_result) -> _Stat:
    # ctime too: no tool sets it back (cp -p, rsync -t and archives restore mtime).
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _stat_at(path: Path) -> _Stat | None:
    try:
        return _stat_of(path.stat())
    except OSError:
        return None


_NOT_ONE_LOCK = "the lock file's lines are not one lock"


def _first_bad_line(path: Path, numbered: list[tuple[int, str]]) -> Diagnostic:
    """The diagnostic for the first line of a lock that did not read as a whole."""
    for n, line in numbered:
        try:
            obj = json.loads(line)
            if n == numbered[0][0]:
                _check_header(obj)
            else:
                _entry(obj)
        except (ValueError, TypeError, KeyError) as e:
            return report(
                LOCK_INVALID,
                str(path),
                n,
                f"not a valid lock entry ({e}); fix the line or delete the lock file to start "
                "over (identities of renamed concepts are then forgotten)",
            )
    # Not reached: every check of the batch read is made line by line above. Kept so that a
    # future check of the batch alone still gets a diagnostic, not a crash.
    return report(LOCK_INVALID, str(path), numbered[0][0], _NOT_ONE_LOCK)  # pragma: no mutate


def _new_lock(ordered: list[LockEntry], known: dict[LockEntry, bytes]) -> NewLock:
    """``ordered``: the entries in file order (sort_key)."""
    lines = [_HEADER_LINE]
    digest = hashlib.sha256()
    for e in ordered:
        line = known.get(e)
        lines.append(line if line is not None else _render_entry(e).encode("utf-8"))
    for line in lines:
        digest.update(line + b"\n")
    return NewLock(lines, ordered, digest.digest())


def write_lines(f: BinaryIO, lines: Iterable[bytes]) -> None:
    f.writelines(line + b"\n" for line in lines)

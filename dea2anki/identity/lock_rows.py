"""Lock entries as rows: their values checked, and a lock's entries kept as pickled rows.

A build keeps the entries of the lock it wrote beside its parse cache (which seals them with
this user's key: see pipeline/cache.py); the next build reads them instead of the lock's
JSON lines (unpickling plain tuples takes a fifth of the time), but only while the lock
holds exactly the bytes they were kept for. They are read as data all the same: no class is
ever looked up, and every entry is checked as a line of the lock is.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Sequence
from typing import Any, NoReturn

from ..records import LOCK_STATES, LockEntry

_ROWS_VERSION = 1

# The value types an entry may hold: (str, ..., block str or None, ..., int mod, str state,
# bool cloze).
_TYPES = {(str, str, str, str, str, block, str, str, int, str, bool) for block in (str, type(None))}

make_entry = LockEntry._make
_ROWS_PER_PICKLE = 4096


def checked(entry: LockEntry) -> LockEntry:
    if tuple(map(type, entry)) not in _TYPES:
        raise TypeError("wrong value types")
    if not 0 <= entry.mod < 1 << 63:  # SQLite's integers, as the package stores it
        raise ValueError(f"mod {entry.mod} is out of range")
    if entry.state not in LOCK_STATES:
        raise ValueError(f"unknown state {entry.state!r}")
    return entry


def kept_key(digest: bytes) -> bytes:
    """What kept rows are for: this lock's bytes, read into entries of these fields."""
    fields = ",".join(LockEntry._fields)
    return f"{digest.hex()} {_ROWS_VERSION} {fields}\n".encode()


def dump_rows(digest: bytes, entries: Sequence[LockEntry]) -> bytes:
    """``entries`` (of the lock whose bytes have ``digest``) as plain tuples (a NamedTuple
    is unpickled through its class, 5x slower), a batch at a time (a large lock's tuples are
    never all copied at once)."""
    f = io.BytesIO()
    f.write(kept_key(digest))
    for at in range(0, len(entries), _ROWS_PER_PICKLE):
        rows = [tuple(e) for e in entries[at : at + _ROWS_PER_PICKLE]]
        pickle.dump(rows, f, pickle.HIGHEST_PROTOCOL)
    return f.getvalue()


class _DataOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> NoReturn:
        raise pickle.UnpicklingError(f"kept rows hold no {module}.{name}")


def load_rows(kept: bytes, digest: bytes, count: int) -> tuple[LockEntry, ...] | None:
    """The ``count`` entries that dump_rows made of the lock whose bytes have ``digest``,
    or None (kept for other bytes, or damaged)."""
    key = kept_key(digest)
    if not kept.startswith(key):
        return None
    f = io.BytesIO(kept)
    f.seek(len(key))
    entries: list[LockEntry] = []
    try:
        while f.tell() < len(kept) and len(entries) <= count:
            rows: Any = _DataOnly(f).load()
            entries += (checked(make_entry(row)) for row in rows)
    except Exception:  # truncated, of other fields: simply not kept
        return None
    return tuple(entries) if len(entries) == count else None

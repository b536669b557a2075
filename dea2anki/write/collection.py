"""A learner's Anki collection, opened through Anki's own library (the optional ``anki``
package): where a profile keeps it, opening it with errors a learner can act on, and the
backup Anki itself would make.

Anki's backend holds an open collection with an exclusive lock: while Anki desktop runs, a
second open fails at once (``DBError: Anki already open``), and nothing is written.
"""

from __future__ import annotations

import os
import sqlite3
import sys

if sys.platform != "win32":
    import fcntl
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path

from anki.buildinfo import version as anki_version
from anki.collection import Collection
from anki.errors import DBError

from ..diagnostics import (
    COLLECTION_MISSING,
    COLLECTION_OPEN,
    COLLECTION_TOO_NEW,
    COLLECTION_UNUSABLE,
    Dea2AnkiError,
    report,
)

COLLECTION_FILE = "collection.anki2"


def anki_base(platform: str = sys.platform, environ: Mapping[str, str] | None = None) -> Path:
    """Anki's data folder (where its profiles live), as Anki desktop chooses it."""
    env = os.environ if environ is None else environ
    home = Path(env.get("HOME") or Path.home())
    if platform.startswith("win"):
        return Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "Anki2"
    if platform == "darwin":
        return home / "Library" / "Application Support" / "Anki2"
    return Path(env.get("XDG_DATA_HOME") or home / ".local" / "share") / "Anki2"


def profile_collection(profile: str, base: Path | None = None) -> Path:
    """The collection of Anki profile ``profile`` (``User 1`` is Anki's first)."""
    return (base if base is not None else anki_base()) / profile / COLLECTION_FILE


@contextmanager
def opened(path: Path) -> Iterator[Collection]:
    """The collection at ``path``, open, and closed again however the block ends."""
    col = open_collection(path)
    try:
        yield col
    finally:
        col.close()


def open_collection(path: Path) -> Collection:
    """Open ``path``, or raise Dea2AnkiError saying what to do about it."""
    where = str(path)
    if not path.is_file():
        message = "no Anki collection here" + (
            f"; the profiles in {path.parent.parent} are: {_profiles(path.parent.parent)}"
            if path.name == COLLECTION_FILE and path.parent.parent.is_dir()
            else ""
        )
        raise Dea2AnkiError([report(COLLECTION_MISSING, where, None, message)])
    try:
        return Collection(str(path))
    except DBError as e:
        text = str(e)
        if "already open" in text:
            raise Dea2AnkiError([report(COLLECTION_OPEN, where, None, _OPEN)]) from e
        if "FileTooNew" in text:
            message = (
                f"written by a newer Anki (collection schema {_schema(path)}) than the "
                f"installed anki library {anki_version} can open; upgrade it with "
                "`python3 -m pip install --upgrade anki` (or use the Anki that wrote it)"
            )
            raise Dea2AnkiError([report(COLLECTION_TOO_NEW, where, None, message)]) from e
        message = f"Anki cannot open this file as a collection: {text}"
        raise Dea2AnkiError([report(COLLECTION_UNUSABLE, where, None, message)]) from e


def refuse_if_open(path: Path) -> None:
    """Raise COLLECTION_OPEN when another process (Anki) has ``path`` open. It asks for
    SQLite's shared lock the way SQLite does (a byte range of the file), without opening
    the database: no byte and no file changes. Not on Windows, where the test is missing
    (the sync itself still refuses there)."""
    if sys.platform == "win32" or not path.is_file():
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, _SHARED_SIZE, _SHARED_FIRST)
    except OSError as e:
        raise Dea2AnkiError([report(COLLECTION_OPEN, str(path), None, _OPEN)]) from e
    finally:
        os.close(fd)  # and with it the lock, if it was given


# SQLite's lock bytes (os_unix.c): the shared range after its PENDING and RESERVED bytes.
_SHARED_FIRST = 0x40000000 + 2
_SHARED_SIZE = 510


_OPEN = (
    "the collection is open in Anki (or its media is syncing): close Anki, then run this "
    "again; nothing was written"
)


def _schema(path: Path) -> str:
    try:
        uri = f"{path.absolute().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as db:
            return str(db.execute("SELECT ver FROM col").fetchone()[0])
    except (sqlite3.Error, TypeError):
        return "unknown"


def _profiles(base: Path) -> str:
    names = sorted(p.name for p in base.iterdir() if (p / COLLECTION_FILE).is_file())
    return ", ".join(repr(n) for n in names) or "none"


def backup(col: Collection, path: Path) -> None:
    """Anki's own backup, into the profile's ``backups`` folder (where Anki keeps them and
    offers them back under File > Switch Profile > Open Backup)."""
    folder = path.parent / "backups"
    folder.mkdir(exist_ok=True)
    col.create_backup(backup_folder=str(folder), force=True, wait_for_completion=True)

"""Reading a package back: ours or any genanki-style one, for comparing releases."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import BAD_PACKAGE, Dea2AnkiError, report


@dataclass(frozen=True)
class PackagedNote:
    guid: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    mod: int


def read_apkg(path: Path) -> list[PackagedNote]:
    """The notes of a package (ours or any genanki-style one), for comparing releases."""
    try:
        with zipfile.ZipFile(path) as zf, tempfile.TemporaryDirectory() as tmp:
            names = set(zf.namelist())
            inner = next((n for n in ("collection.anki21", "collection.anki2") if n in names), None)
            if inner is None:
                raise zipfile.BadZipFile("no collection.anki2 inside")
            db = Path(tmp, "c.db")
            db.write_bytes(zf.read(inner))
            conn = sqlite3.connect(db)
            try:
                decks = {
                    int(k): v["name"]
                    for k, v in json.loads(
                        conn.execute("SELECT decks FROM col").fetchone()[0]
                    ).items()
                }
                rows = conn.execute(
                    "SELECT n.guid, n.flds, n.tags, n.mod, MIN(c.did) FROM notes n "
                    "LEFT JOIN cards c ON c.nid = n.id GROUP BY n.id ORDER BY n.id"
                ).fetchall()
            finally:
                conn.close()
    except (OSError, zipfile.BadZipFile, sqlite3.Error, ValueError, KeyError) as e:
        raise Dea2AnkiError(
            [report(BAD_PACKAGE, str(path), None, f"not a readable Anki package: {e}")]
        ) from e
    return [
        PackagedNote(guid, tuple(flds.split("\x1f")), tuple(tags.split()), decks.get(did, ""), mod)
        for guid, flds, tags, mod, did in rows
    ]

"""The package writer: genanki objects -> a deterministic ``.apkg``, written atomically.

genanki's ``Package.write_to_file`` stamps every note with one time, inserts row by row,
stores the zip uncompressed with the temp file's mtime, and writes in place (a crash leaves
half a package). This writer keeps genanki's Model and Deck objects, its collection schema
and its rule for which cards a note has as the source of truth, and fixes those four things
(and makes no genanki Note per note: at 100,000 notes they cost 2.4 s of tag checks):
- each note carries its own ``mod`` time (Anki applies an update only when it is newer);
- rows go in with ``executemany``;
- zip entries are deflated (on every core), with fixed times and order, so equal input gives
  equal bytes;
- the file is written next to its target and renamed into place.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import shutil
import sqlite3
import struct
import tempfile
import time
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from .atomic import atomic_output
from .diagnostics import Dea2AnkiError, error

_TABLES = "\n".join(x for x in APKG_SCHEMA.splitlines() if not x.startswith("CREATE INDEX"))
_INDEXES = "\n".join(x for x in APKG_SCHEMA.splitlines() if x.startswith("CREATE INDEX"))
_MAX_EPOCH = 253_402_300_799  # 9999-12-31: ids (epoch in ms) stay far below 2**53


@dataclass(frozen=True)
class WrittenPackage:
    path: Path
    notes: int
    cards: int
    decks: int
    size: int
    media: int = 0


def build_timestamp(environ: Mapping[str, str] | None = None) -> int:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now."""
    env = os.environ if environ is None else environ
    raw = env.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return int(time.time())
    if not raw.isdigit() or not 1 <= int(raw) <= _MAX_EPOCH:
        raise Dea2AnkiError(
            [
                error(
                    "SOURCE_DATE_EPOCH",
                    None,
                    "bad-epoch",
                    f"must be whole seconds since 1970 (1 to {_MAX_EPOCH}), not {raw!r}",
                )
            ]
        )
    return int(raw)


class NoteRow(Protocol):
    """What the writer needs of a note (release.ReleaseNote is one)."""

    @property
    def guid(self) -> str: ...
    @property
    def mod(self) -> int: ...
    @property
    def deck(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def fields(self) -> tuple[str, ...]: ...
    @property
    def suspended(self) -> bool: ...


def write_apkg(
    path: Path,
    model: genanki.Model,
    notes: Sequence[NoteRow],
    deck_id: Callable[[str], int],
    *,
    timestamp: int,
    opener: Callable[[Path], AbstractContextManager[BinaryIO]] = atomic_output,
    media: Mapping[str, Path] | None = None,
) -> WrittenPackage:
    """Write ``notes`` (in order: their cards are due in that order) to ``path``.

    Every note keeps its own ``mod``; each deck gets the id ``deck_id(name)``. ``media`` maps
    packaged file names to files on disk. Note and card ids count up from ``timestamp`` in
    milliseconds, as genanki's do, so a fixed timestamp gives fixed ids. ``opener`` gives the
    output file (by default written atomically; a build passes its AtomicBatch so all
    packages land together).
    """
    decks: dict[str, genanki.Deck] = {}
    for note in notes:
        if note.deck not in decks:
            decks[note.deck] = genanki.Deck(deck_id(note.deck), note.deck)
    with tempfile.TemporaryDirectory(prefix="dea2anki-") as tmp:
        db_path = Path(tmp, "collection.anki2")
        cards = _write_collection(db_path, model, decks, notes, timestamp)
        names = sorted(media or {})
        index = {str(i): name for i, name in enumerate(names)}
        entries: list[tuple[str, bytes | Path]] = [("collection.anki2", db_path)]
        entries += [(str(i), (media or {})[name]) for i, name in enumerate(names)]
        entries.append(("media", json.dumps(index, ensure_ascii=False).encode("utf-8")))
        with opener(path) as raw:
            _write_zip(raw, entries)
            size = raw.tell()
    return WrittenPackage(path, len(notes), cards, len(decks), size, len(media or {}))


# --- the zip ---------------------------------------------------------------------------------
#
# zipfile deflates an entry on one core; a 100,000-note collection (55 MB) takes 1.4 s. Here
# large entries are deflated in 1 MB pieces on every core and the pieces joined into one
# deflate stream: each piece but the last ends with a sync flush (byte-aligned, not final),
# and no piece refers back into another, which costs about 0.3 % in size. zipfile itself
# cannot take deflated data, so the few fixed-size records around it are written here (APPNOTE
# 6.3). Packages past the limits of those records (65,534 entries, 4 GB) are written by
# zipfile, with zip64 records, on one core.

_PIECE = 1 << 20
# Measured on a 100k-note collection (55.6 MB, one core): level 6 (zlib's default) 9.91 MB in
# 1.39 s, 5: 10.47 MB in 0.64 s, 4: 11.16 MB in 0.44 s, 1: 11.8 MB in 0.34 s. Level 5 is the
# knee: twice as fast as 6 for 5.6 % more bytes (the seed: 10.9 KB instead of 10.8 KB).
_LEVEL = 5
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, 00:00: equal input gives equal bytes
_UNIX_644 = 0o100644 << 16


def _deflate_piece(data: bytes, last: bool) -> bytes:
    c = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _deflate_pieces(source: BinaryIO) -> tuple[list[bytes], int, int]:
    """``source`` deflated in pieces on every core; also its CRC-32 and size. Reads at most
    a few pieces ahead of the compressors (a large collection never sits in memory)."""
    piece = source.read(_PIECE)
    following = source.read(_PIECE) if piece else b""
    if not following:  # one piece (a media file, say): no threads
        return [_deflate_piece(piece, True)], zlib.crc32(piece), len(piece)
    out: list[bytes] = []
    crc = size = 0
    workers = os.cpu_count() or 1
    pending: deque[Future[bytes]] = deque()
    with ThreadPoolExecutor(max_workers=workers) as pool:  # zlib releases the GIL
        while True:
            crc = zlib.crc32(piece, crc)
            size += len(piece)
            pending.append(pool.submit(_deflate_piece, piece, not following))
            while len(pending) > 2 * workers or (pending and not following):
                out.append(pending.popleft().result())
            if not following:
                return out, crc, size
            piece, following = following, source.read(_PIECE)


_MAX_ENTRIES = 0xFFFE
_MAX_BYTES = 0xFFFFFFFF


def _write_zip(out: BinaryIO, entries: Sequence[tuple[str, bytes | Path]]) -> None:
    sizes = [len(d) if isinstance(d, bytes) else d.stat().st_size for _, d in entries]
    # Deflate grows incompressible data by at most 5 bytes per 16 KB block, plus headers.
    if len(entries) > _MAX_ENTRIES or sum(sizes) * 1.001 + 100 * len(entries) >= _MAX_BYTES:
        _write_zip64(out, entries)
        return
    central = []
    offset = 0
    for name, data in entries:
        if isinstance(data, bytes):
            pieces, crc, size = _deflate_pieces(io.BytesIO(data))
        else:
            with data.open("rb") as f:
                pieces, crc, size = _deflate_pieces(f)
        packed = sum(map(len, pieces))
        raw_name = name.encode("ascii")
        # version 2.0, no flags, deflated, time 0, date, crc, sizes, name length, no extra
        fixed = struct.pack(
            "<HHHHHIIIHH", 20, 0, 8, 0, _DOS_DATE, crc, packed, size, len(raw_name), 0
        )
        out.write(b"PK\x03\x04" + fixed + raw_name)
        out.writelines(pieces)
        del pieces
        # made by Unix (3) version 2.0; no comment, disk 0, no internal attributes
        central.append(
            b"PK\x01\x02"
            + struct.pack("<H", (3 << 8) | 20)
            + fixed
            + struct.pack("<HHHII", 0, 0, 0, _UNIX_644, offset)
            + raw_name
        )
        offset += 30 + len(raw_name) + packed
    directory = b"".join(central)
    out.write(directory)
    n = len(entries)
    out.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, n, n, len(directory), offset, 0))


def _write_zip64(out: BinaryIO, entries: Sequence[tuple[str, bytes | Path]]) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=_LEVEL) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = _UNIX_644
            with zf.open(info, "w", force_zip64=True) as dst:
                if isinstance(data, bytes):
                    dst.write(data)
                else:
                    with data.open("rb") as src:
                        shutil.copyfileobj(src, dst, _PIECE)


def card_rule(model: genanki.Model) -> Callable[[Sequence[str]], list[int]]:
    """Which cards (template ords) a note of ``model`` has, given its fields: genanki's rule
    (``Note.cards``, from the model's required fields), without a Note object per note."""
    rules = [(o, any if how == "any" else all, req) for o, how, req in model._req]
    known: dict[tuple[bool, ...], list[int]] = {}

    def ords(fields: Sequence[str]) -> list[int]:
        # The answer depends only on which fields are empty: remembered per pattern.
        filled = tuple(map(bool, fields))
        found = known.get(filled)
        if found is None:
            found = known[filled] = [o for o, op, req in rules if op(filled[i] for i in req)]
        return found

    return ords


def _write_collection(
    db_path: Path,
    model: genanki.Model,
    decks: Mapping[str, genanki.Deck],
    notes: Sequence[NoteRow],
    timestamp: int,
) -> int:
    model_id = model.model_id
    ords = card_rule(model)
    card_ords = [ords(note.fields) for note in notes]
    # Ids count up from the build time: first every note, then every card (genanki's
    # scheme, in two runs so that the rows can stream into SQLite without being kept).
    first_nid = timestamp * 1000
    first_cid = first_nid + len(notes)

    def note_rows() -> Iterator[tuple[object, ...]]:
        # usn -1, then tags, fields, sort field; csum, flags and data are in the INSERT
        for nid, note in enumerate(notes, start=first_nid):
            fields = note.fields
            tags = f" {' '.join(note.tags)} " if note.tags else ""
            yield (nid, note.guid, model_id, note.mod, -1, tags, "\x1f".join(fields), fields[0])

    def card_rows() -> Iterator[tuple[object, ...]]:
        cid = itertools.count(first_cid)
        for due, (note, ords) in enumerate(zip(notes, card_ords, strict=True)):
            nid = first_nid + due
            did = decks[note.deck].deck_id
            queue = -1 if note.suspended else 0  # -1: suspended, e.g. retired notes
            for ord_ in ords:
                yield (next(cid), nid, did, ord_, note.mod, queue, due)

    conn = sqlite3.connect(db_path)
    try:
        # A throw-away file: no journal, no fsync. Indexes are built after the rows are in
        # (genanki's schema creates them first): one sort instead of 200,000 B-tree inserts.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.executescript(_TABLES)
        conn.executescript(APKG_COL)
        (decks_json,) = conn.execute("SELECT decks FROM col").fetchone()
        all_decks = json.loads(decks_json)
        for deck in decks.values():
            all_decks[str(deck.deck_id)] = deck.to_json()
        first_deck = next(iter(decks.values())).deck_id if decks else 1
        models = {str(model_id): model.to_json(timestamp, first_deck)}
        conn.execute(
            "UPDATE col SET decks = ?, models = ?",
            (json.dumps(all_decks, sort_keys=True), json.dumps(models, sort_keys=True)),
        )
        conn.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,0,0,'')", note_rows())
        # usn -1, type 0 (new), left, odue, odid, flags 0, data ''
        conn.executemany(
            "INSERT INTO cards VALUES (?,?,?,?,?,-1,0,?,?,0,0,0,0,0,0,0,0,'')", card_rows()
        )
        conn.executescript(_INDEXES)
        conn.commit()
    finally:
        conn.close()
    return sum(map(len, card_ords))


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
            [error(str(path), None, "bad-package", f"not a readable Anki package: {e}")]
        ) from e
    return [
        PackagedNote(guid, tuple(flds.split("\x1f")), tuple(tags.split()), decks.get(did, ""), mod)
        for guid, flds, tags, mod, did in rows
    ]

"""The package writer's zip: deflated on every core, read by zipfile and by real Anki."""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib

import pytest
from ankiutil import Anki
from conftest import write

import dea2anki.write.zip as zipmod
from dea2anki.write.zip import _PIECE, deflate_pieces, write_zip

T = 1_700_000_000


def deflate(data: bytes) -> bytes:
    """The raw deflate stream the writer makes of ``data`` (pieces joined)."""
    return b"".join(deflate_pieces(io.BytesIO(data))[0])


def sample(size: int) -> bytes:
    """Text of many different words (deflates to about half its size)."""
    words = [hashlib.sha256(str(i).encode()).hexdigest()[: i % 13 + 2] for i in range(5000)]
    out = bytearray()
    i = 0
    while len(out) < size:
        out += words[(i * 7919 + i // 7) % 5000].encode() + b" "
        i += 1
    return bytes(out[:size])


def test_deflate_in_pieces_is_one_valid_stream() -> None:
    for size in (0, 1, _PIECE - 1, _PIECE, _PIECE + 1, 3 * _PIECE + 12345):
        data = sample(size)
        packed = deflate(data)
        assert zlib.decompress(packed, -15) == data, size
        assert deflate(data) == packed  # deterministic, whatever the thread timing
    one_piece = zlib.compressobj(zipmod._LEVEL, zlib.DEFLATED, -15)
    data = sample(4 * _PIECE)
    whole = one_piece.compress(data) + one_piece.flush()
    assert len(deflate(data)) < len(whole) * 1.01  # pieces cost (almost) nothing in size


def test_zip_is_read_by_zipfile_with_fixed_metadata() -> None:
    entries = [("collection.anki2", sample(3 * _PIECE + 7)), ("0", b""), ("media", b"{}")]
    buf = io.BytesIO()
    write_zip(buf, entries)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        assert zf.testzip() is None
        assert zf.namelist() == [name for name, _ in entries]
        for info, (_name, data) in zip(zf.infolist(), entries, strict=True):
            assert zf.read(info) == data
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100644
            assert info.create_system == 3


@pytest.mark.parametrize("zip64", [False, True], ids=["own-writer", "zip64-fallback"])
def test_zip_records_either_way(monkeypatch: pytest.MonkeyPatch, zip64: bool) -> None:
    """Past 65,534 entries or 4 GB a zip needs zip64 records: zipfile writes those."""
    if zip64:
        monkeypatch.setattr(zipmod, "_MAX_ENTRIES", 2)
    entries = [("collection.anki2", sample(2 * _PIECE + 5)), ("0", b"x"), ("media", b"{}")]
    buf = io.BytesIO()
    write_zip(buf, entries)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        assert zf.testzip() is None
        assert [(i.filename, zf.read(i)) for i in zf.infolist()] == entries
        for info in zf.infolist():
            assert (info.compress_type, info.date_time) == (8, (1980, 1, 1, 0, 0, 0))
            assert info.external_attr >> 16 == 0o100644
        assert zf.infolist()[0].file_size == 2 * _PIECE + 5


def test_large_package_imports_into_real_anki(workdir, cli, anki: Anki) -> None:
    """A collection of several deflate pieces (over 1 MB), through Anki's own importer."""
    lines = [f"- **Term {i:05d}** : {'서버리스 데이터 ' * 20}{i} : DEA ; AWS" for i in range(3000)]
    write("notes/Big.md", "# Big\n\n" + "\n".join(lines) + "\n")
    r = cli("build", epoch=T)
    assert r.code == 0, r.err
    with zipfile.ZipFile("build/Big.apkg") as zf:
        assert zf.getinfo("collection.anki2").file_size > 2 * _PIECE
    log = anki.import_package(workdir / "build/Big.apkg")
    assert (log.new, log.updated, log.duplicate) == (3000, 0, 0)
    notes = anki.notes()
    assert len(notes) == 3000
    assert notes["Term 02999"]["fields"]["Definition"] == "서버리스 데이터 " * 20 + "2999"

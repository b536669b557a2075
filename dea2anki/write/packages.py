"""Packages on disk: one per root deck, or all in one file, written as one batch."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path

from ..identity.keys import deck_id
from ..naming import root_of
from ..records import ReleaseNote
from .apkg import NoteTypes, WrittenPackage, write_apkg
from .atomic import AtomicBatch
from .notetype import make_cloze_model, make_model

_UNSAFE_FILENAME = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')


def package_filename(root: str) -> str:
    name = _UNSAFE_FILENAME.sub("_", root).strip(" .")
    return (name or "deck") + ".apkg"


def write_packages(
    notes: Sequence[ReleaseNote],
    output: Path,
    *,
    timestamp: int,
    batch: AtomicBatch | None = None,
    media: Mapping[str, Path] | None = None,
) -> tuple[WrittenPackage, ...]:
    """One package per root deck into a folder, or everything into one ``.apkg`` file.

    With a ``batch`` the packages only appear when the batch ends without an error.
    """
    groups: dict[str, tuple[Path, list[ReleaseNote]]] = {}
    single = output.suffix.lower() == ".apkg"
    by_root: dict[str, list[ReleaseNote]] = {}
    for note in notes:
        root = root_of(note.deck)
        members = by_root.get(root)
        if members is None:
            name = package_filename(root)
            # Root decks whose file names clash (DEA and dea on a case-insensitive file
            # system, a/b and a:b, which both become a_b.apkg) share one package instead of
            # one overwriting the other.
            key = "" if single else name.casefold()
            members = groups.setdefault(key, (output if single else output / name, []))[1]
            by_root[root] = members
        members.append(note)
    with nullcontext(batch) if batch is not None else AtomicBatch() as own:
        return tuple(
            _write_one(t, members, timestamp, own, media or {}) for t, members in groups.values()
        )


def _write_one(
    target: Path,
    members: Sequence[ReleaseNote],
    timestamp: int,
    batch: AtomicBatch,
    media: Mapping[str, Path],
) -> WrittenPackage:
    try:
        return write_apkg(
            target,
            NoteTypes(make_model(), make_cloze_model()),
            members,
            deck_id,
            timestamp=timestamp,
            opener=batch.open,
            media={name: media[name] for rn in members for name in rn.media},
        )
    except OSError as e:
        # Name the package, not the temporary file the error happened in.
        raise OSError(e.errno, e.strerror, str(target)) from e

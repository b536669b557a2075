"""Write a file so that readers see the old version or the new one, never half of it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """Yield a file in ``path``'s folder; on success it replaces ``path`` in one rename.

    On any failure the temporary file is removed and ``path`` is left as it was.
    """
    with AtomicBatch() as batch, batch.open(path) as f:
        yield f


class AtomicBatch:
    """Several outputs that appear together or not at all.

    Each file is written to a temporary name next to its target; only when the batch ends
    without an error are they all renamed into place. A failure part-way (a full disk, a
    folder where a package should go) leaves every previous output as it was.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[str, Path]] = []
        self._firsts = 0  # how many of _staged are not ``last``

    @contextmanager
    def open(self, path: Path, *, last: bool = False) -> Iterator[BinaryIO]:
        """A file that becomes ``path`` when the batch ends; ``last`` ones are renamed
        after all others (a record of the others, such as the lock, is never ahead of
        them if a rename fails)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        self._staged.insert(len(self._staged) if last else self._firsts, (tmp, path))
        self._firsts += not last
        if hasattr(os, "fchmod"):  # not on Windows, where mkstemp's mode is not an issue
            os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as f:
            yield f

    def __enter__(self) -> AtomicBatch:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            for _tmp, path in self._staged:
                if path.is_dir():
                    self._discard()
                    raise IsADirectoryError(21, "Is a directory", str(path))
            for tmp, path in self._staged:
                os.replace(tmp, path)
        else:
            self._discard()

    def _discard(self) -> None:
        for tmp, _ in self._staged:
            Path(tmp).unlink(missing_ok=True)

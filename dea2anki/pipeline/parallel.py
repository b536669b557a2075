"""Every file through the per-file stage: from the cache where possible, else computed on
every core when there are enough files to be worth starting processes for."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path

from ..read.media import MediaIndex
from ..records import FileResult, NoteFile
from ..settings import Options
from .cache import Cache, dumps
from .per_file import process

_PARALLEL_MIN_FILES = 16


def _process_batch(batch: Sequence[tuple[NoteFile, bytes, Options]]) -> list[bytes]:
    # Pickled here, in the worker: the parent needs the pickle for the cache anyway, and
    # would otherwise pickle every result a second time.
    indexes: dict[Path, MediaIndex] = {}
    return [dumps(process(nf, data, options, indexes)) for nf, data, options in batch]


def process_all(
    items: Sequence[tuple[NoteFile, bytes]],
    options: Options,
    cache: Cache,
    progress: Callable[[int, int], None] | None = None,
) -> list[FileResult]:
    """Every file's result, from the cache where possible, else computed (on every core when
    there are enough files to be worth starting processes for)."""
    total = len(items)
    results: list[FileResult | None] = [None] * total
    keys = [cache.key(nf, data, options) for nf, data in items]
    todo = []
    for i, (nf, _data) in enumerate(items):
        results[i] = cache.load(nf, keys[i])
        if results[i] is None:
            todo.append(i)
    done = total - len(todo)
    if progress is not None and done:
        progress(done, total)
    workers = min(os.cpu_count() or 1, 8)
    if len(todo) >= _PARALLEL_MIN_FILES and workers > 1:
        # Imported here: builds of a few files (and warm builds) never start processes.
        from concurrent.futures import ProcessPoolExecutor

        # Several batches per worker: this process unpickles one while the workers go on.
        size = max(1, len(todo) // (workers * 4))
        batches = [todo[i : i + size] for i in range(0, len(todo), size)]
        chunks = [[(items[i][0], items[i][1], options) for i in b] for b in batches]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for batch, computed in zip(batches, pool.map(_process_batch, chunks), strict=True):
                for i, body in zip(batch, computed, strict=True):
                    result = results[i] = pickle.loads(body)
                    if result.source is not None:
                        cache.store(items[i][0], keys[i], result, body)
                done += len(batch)
                if progress is not None:
                    progress(done, total)
    else:
        indexes: dict[Path, MediaIndex] = {}
        for i in todo:
            result = results[i] = process(items[i][0], items[i][1], options, indexes)
            if result.source is not None:
                cache.store(items[i][0], keys[i], result)
            done += 1
            if progress is not None:
                progress(done, total)
    return [r for r in results if r is not None]

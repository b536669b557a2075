"""The parse cache: each file's FileResult, kept between builds.

Kept under the output folder, keyed by the file's bytes, the settings that shape it and the
code itself; images are re-checked by size and modification time. Safe to delete, never
stale: a cached build writes the same bytes as an uncached one.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import time
from pathlib import Path

from .. import __version__
from ..read.media import MediaIndex
from ..records import FileResult, NoteFile
from ..settings import Options
from .memory import Memory

_PACKAGE = Path(__file__).resolve().parent.parent


def _code_fingerprint() -> str:
    """Any change to dea2anki's own code invalidates every cached result."""
    h = hashlib.sha256(__version__.encode())
    found = []
    for folder, dirnames, filenames in os.walk(_PACKAGE):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        rel = os.path.relpath(folder, _PACKAGE).replace(os.sep, "/")
        found += [(f"{rel}/{n}", os.path.join(folder, n)) for n in filenames]
    for name, path in sorted(found):
        if name.endswith((".py", ".css")):
            with open(path, "rb") as f:
                h.update(name.encode() + b"\0" + f.read())
    return h.hexdigest()


_SECRET_BYTES = 32


def user_secret() -> bytes | None:
    """This user's key for parse caches, kept outside every project (``~/.cache/dea2anki``):
    a cache folder that came with a project (an archive, a repository) was written with
    another key or none, and is never unpickled. None when there is no such place."""
    try:
        home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(home) / "dea2anki" / "cache-key"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(_SECRET_BYTES))
        secret = path.read_bytes()
    except (OSError, RuntimeError):  # no home, a read-only one, a race lost: no cache
        return None
    return secret if len(secret) == _SECRET_BYTES else None


class Cache:
    """FileResults in a folder (``<output>/.dea2anki-cache``), one file per note: a keyed
    hash (with ``user_secret``) of the rest, the key, a newline, then the pickled result (so
    a stale entry is known before unpickling, and a planted one is never unpickled).

    Only a build or a sync writes it (``write=True``), and only when it succeeds: new entries go to
    temporary files at once (a large vault's results need not stay in memory) and are
    renamed into place by ``commit``; leaving the ``with`` block without it removes them.
    """

    def __init__(
        self, folder: Path | None, *, write: bool = False, memory: Memory | None = None
    ) -> None:
        self.secret = user_secret() if folder is not None else None
        if self.secret is None:
            folder = None  # without this user's key, nothing is trusted: no cache at all
        self.folder = folder
        self.write = write and folder is not None
        # memory: keep this build's results for the next one (--watch); they are found there
        # by the same key as on disk.
        self.memory = memory if folder is not None else None
        self._seen: dict[str, FileResult] = {}
        self.code = _code_fingerprint() if folder is not None else ""
        self._fingerprints: dict[Path, str] = {}
        self._pending: list[tuple[Path, Path]] = []
        self._made: list[Path] = []

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        for tmp, _entry in self._pending:
            tmp.unlink(missing_ok=True)
        if self._pending:
            # A failed build leaves no trace, not even the folders made for the cache.
            for folder in reversed(self._made):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        self._pending.clear()

    def key(self, nf: NoteFile, data: bytes, options: Options) -> str:
        """``options``: those that shape a single file (Options.per_file)."""
        h = hashlib.sha256(self.code.encode())
        # File names need not be valid UTF-8: hash them as the bytes the OS uses.
        for part in (nf.path, nf.root, nf.media_root, nf.display, nf.rel, repr(options)):
            h.update(os.fsencode(part) + b"\0")
        h.update(data)
        return h.hexdigest()

    def _entry(self, nf: NoteFile) -> Path | None:
        if self.folder is None:
            return None
        name = hashlib.sha256(os.fsencode(nf.path.absolute())).hexdigest()
        return self.folder / f"{name}.pickle"

    def load(self, nf: NoteFile, key: str) -> FileResult | None:
        result = self.memory.results.get(key) if self.memory is not None else None
        if result is None:
            result = self._read(nf, key)
        if result is None:
            return None
        if result.media_fingerprint is not None:
            fp = self._fingerprints.get(nf.media_root)
            if fp is None:
                fp = self._fingerprints[nf.media_root] = MediaIndex(nf.media_root).fingerprint()
            if fp != result.media_fingerprint:
                return None
        if self.memory is not None:
            self._seen[key] = result
        return result

    def _read(self, nf: NoteFile, key: str) -> FileResult | None:
        entry = self._entry(nf)
        if entry is None:
            return None
        try:
            content = self.unseal(entry.read_bytes())
            if content is None:
                return None
            head, _, body = content.partition(b"\n")
            if head != key.encode():
                return None
            result = pickle.loads(body)
        except Exception:  # a missing, truncated or stale entry is simply a miss
            return None
        return result if isinstance(result, FileResult) else None

    def _tag(self, content: bytes) -> bytes:
        assert self.secret is not None
        h = hashlib.blake2b(key=self.secret, digest_size=_SECRET_BYTES, person=b"dea2anki")
        h.update(self.code.encode() + b"\0")  # (kept lock entries are of this code too)
        h.update(content)
        return h.digest()

    def seal(self, content: bytes) -> bytes:
        """``content`` as a cache file holds it: after its tag."""
        return self._tag(content) + content

    def unseal(self, data: bytes) -> bytes | None:
        """The content of a cache file this user's builds (of this code) wrote, else None."""
        if self.secret is None:
            return None
        tag, content = data[:_SECRET_BYTES], data[_SECRET_BYTES:]
        return content if hmac.compare_digest(tag, self._tag(content)) else None

    def read_sealed(self, entry: Path) -> bytes | None:
        try:
            return self.unseal(entry.read_bytes())
        except OSError:
            return None

    def store(self, nf: NoteFile, key: str, result: FileResult, pickled: bytes = b"") -> None:
        """Keep a result for ``commit`` (with its pickle when a worker process made one)."""
        if self.memory is not None:
            self._seen[key] = result
        entry = self._entry(nf)
        if not self.write or entry is None:
            return
        body = pickled or dumps(result)
        self._stage(entry, self.seal(key.encode() + b"\n" + body))

    def kept_lock(self, lock_path: Path) -> Path | None:
        """Where a build keeps the entries of this lock (lock_rows): one file per lock, so
        that two locks built into one folder do not take each other's place."""
        if self.folder is None:
            return None
        name = hashlib.sha256(os.fsencode(lock_path.absolute())).hexdigest()[:32]
        return self.folder / f"lock-{name}.pickle"

    def stage(self, entry: Path, content: bytes) -> None:
        """A file of the cache folder (``kept_lock``), sealed, put in place by ``commit``."""
        if self.write:
            self._stage(entry, self.seal(content))

    def _stage(self, entry: Path, sealed: bytes) -> None:
        tmp = entry.with_name(f"{entry.stem}.{os.getpid()}.tmp")
        try:
            if not self._made and not entry.parent.is_dir():
                missing = [entry.parent, *entry.parent.parents]
                self._made = [p for p in missing if not p.exists()][::-1]
                entry.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(sealed)
            self._pending.append((tmp, entry))
        except OSError:  # a cache that cannot be written only costs time
            with contextlib.suppress(OSError):
                tmp.unlink()

    def commit(self) -> None:
        if self.memory is not None:
            self.memory.results = self._seen
        for tmp, entry in self._pending:
            with contextlib.suppress(OSError):  # a lost cache entry only costs time
                os.replace(tmp, entry)
        self._pending.clear()
        if self.write and self.folder is not None and self.folder.is_dir():
            # `-o DEA.apkg` puts the cache beside the package, in a project's own folder:
            # git ignores it without the user's help (as pytest does with .pytest_cache).
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                with contextlib.suppress(OSError):
                    ignore.write_text(_GITIGNORE, encoding="utf-8")
            # Left by builds that were killed; an hour old, no running build owns them.
            cutoff = time.time() - 3600
            for stale in self.folder.glob("*.tmp"):
                with contextlib.suppress(OSError):
                    if stale.stat().st_mtime < cutoff:
                        stale.unlink()


_GITIGNORE = "# dea2anki's parse cache: safe to delete, never worth committing.\n*\n"


def dumps(result: FileResult) -> bytes:
    return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)

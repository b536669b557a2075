"""Find the files notes embed (images), the way Obsidian does, and name them for Anki.

A reference is looked up next to the note, then from the vault's root, then by file name
anywhere in the vault (read.files.vault_root says which folder that is); nothing outside the
vault is ever packed. The packaged name carries a hash of the content
(``diagram-3f9a1c2b7d4e.png``): two different ``diagram.png`` never collide in the learner's
media folder, and an unchanged image keeps its name, so Anki does not store it twice.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from ..diagnostics import MEDIA_OUTSIDE_NOTES, MISSING_MEDIA, Diagnostic, report

# The files a note may embed, and their types. A fixed table rather than the mimetypes
# module, which reads the machine's mime.types: the preview page must come out
# byte-identical everywhere. Nothing else is ever packed (a `.git/config`, a key).
MEDIA_TYPES = {
    ".apng": "image/apng",
    ".avif": "image/avif",
    ".bmp": "image/bmp",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".webp": "image/webp",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}


MediaCallback = Callable[[str], "str | None"]
"""Reference as written (``img/x.png``) -> file name inside the package, or None."""


class MediaIndex:
    """Every media file (MEDIA_TYPES) under a vault, outside its hidden folders, by
    lower-cased file name.

    Built on first use: most note files embed nothing, and walking a large vault for them
    would be wasted.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._by_name: dict[str, list[Path]] | None = None
        self._fingerprint: str | None = None

    @property
    def by_name(self) -> dict[str, list[Path]]:
        if self._by_name is None:
            self._by_name = {}
            for path in self._files():
                self._by_name.setdefault(path.name.casefold(), []).append(path)
        return self._by_name

    def fingerprint(self) -> str:
        """Changes whenever a file that a reference could resolve to appears, goes or changes."""
        if self._fingerprint is None:
            h = hashlib.sha256()
            for path in self._files():
                try:
                    st = path.stat()
                except OSError:
                    continue
                h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def _files(self) -> list[Path]:
        # Media files only: a build's own package and lock in the vault (a git work tree
        # holding build/) must not change the fingerprint on every build.
        out: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            out.extend(Path(dirpath, n) for n in sorted(filenames) if _suffix(n) in MEDIA_TYPES)
        return out


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


@dataclass
class MediaCollector:
    """Resolves the references of one note file and remembers what they need."""

    index: MediaIndex
    note: Path
    display: str
    line: int = 0
    """The line of the concept being rendered (for diagnostics)."""
    files: dict[str, Path] = field(default_factory=dict)
    """Packaged name -> file on disk."""
    used: set[str] = field(default_factory=set)
    """Packaged names referenced since the last ``begin``."""
    referenced: bool = False
    """Whether any reference was looked up at all (the result then depends on the folder)."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _hashes: dict[Path, str] = field(default_factory=dict)

    def begin(self, line: int) -> None:
        """Start rendering the concept at ``line``."""
        self.line = line
        self.used = set()

    def __call__(self, ref: str) -> str | None:
        self.referenced = True
        target = unquote(ref.split("#", 1)[0].split("?", 1)[0]).strip()
        if not target:
            return None
        path = self._find(target)
        if path is None:
            return None
        name = self._packaged_name(path)
        if name is not None:
            self.files[name] = path
            self.used.add(name)
        return name

    def _find(self, target: str) -> Path | None:
        root = self.index.root
        candidates = [self.note.resolve().parent / target, root / target.lstrip("/")]
        for c in candidates:
            resolved = c.resolve()
            if not self._allowed(target, resolved):
                return None
            if resolved.is_file():
                return resolved
        found = self.index.by_name.get(Path(target).name.casefold(), [])
        if found:
            # Obsidian picks the shortest path when a name is not unique.
            best = min(found, key=lambda p: (len(p.parts), str(p)))
            # A symbolic link in the vault may point anywhere.
            resolved = best.resolve()
            return resolved if self._allowed(target, resolved) else None
        self.diagnostics.append(
            report(MISSING_MEDIA, self.display, self.line, f"image {target!r} not found")
        )
        return None

    def _allowed(self, target: str, resolved: Path) -> bool:
        """Only media files inside the vault and outside its hidden folders (``.git``,
        ``.obsidian``, ``.ssh`` in a home folder under git) are ever packed."""
        root = self.index.root
        why = None
        if not resolved.is_relative_to(root):
            why = f"it is outside the vault {root.name!r}"
        elif any(part.startswith(".") for part in resolved.relative_to(root).parts):
            why = f"it is in a hidden folder of the vault {root.name!r}"
        elif resolved.suffix.lower() not in MEDIA_TYPES and resolved.exists():
            why = "it is not an image, sound or video file"
        if why is not None:
            message = f"refusing to pack {target!r}: {why}"
            self.diagnostics.append(report(MEDIA_OUTSIDE_NOTES, self.display, self.line, message))
        return why is None

    def _packaged_name(self, path: Path) -> str | None:
        digest = self._hashes.get(path)
        if digest is None:
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            except OSError as e:
                self.diagnostics.append(
                    report(
                        MISSING_MEDIA,
                        self.display,
                        self.line,
                        f"cannot read {path}: {e.strerror}",
                    )
                )
                return None
            self._hashes[path] = digest
        stem = re.sub(r"[^\w.-]+", "_", path.stem).strip("._")[:60] or "media"
        return f"{stem}-{digest}{path.suffix.lower()}"

"""Find the note files under the PATHs a user gives, and read their bytes.

With read.config, the only place that touches the file system on the way in. Every problem
becomes a Diagnostic naming the file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from ..diagnostics import MISSING_PATH, UNREADABLE, Diagnostic, report
from ..records import NoteFile, readable


def vault_root(notes_root: Path, config_dir: Path | None = None) -> Path:
    """Where a note's media may come from: the nearest folder at or above the notes root
    that holds ``.obsidian/`` (an Obsidian vault), else the git work tree's root, else the
    config file's folder when it holds the notes, else the notes root itself."""
    start = notes_root.resolve()
    chain = (start, *start.parents)
    for marker in (".obsidian", ".git"):
        for folder in chain:
            if (folder / marker).exists():
                return folder
    base = config_dir.resolve() if config_dir is not None else None
    if base is not None and start.is_relative_to(base):
        return base
    return start


def find_note_files(
    paths: Sequence[str], config_dir: Path | None = None
) -> tuple[list[NoteFile], list[Diagnostic]]:
    """Expand files and folders (recursively, ``*.md``, sorted) into note files.

    Hidden folders (``.obsidian``, ``.trash``, ``.git``) are skipped: Obsidian keeps deleted
    notes in ``.trash`` and they must not come back as cards. Symlinked folders are not
    followed, so a link loop cannot hang the build.
    """
    found: list[NoteFile] = []
    problems: list[Diagnostic] = []
    seen: set[Path] = set()
    for given in paths:
        p = Path(given)
        if p.is_dir():
            for f in _walk_markdown(p):
                rel = f.relative_to(p).as_posix()
                _add(found, seen, NoteFile(f, os.path.join(given, *rel.split("/")), rel, p))
        elif p.is_file():
            _add(found, seen, NoteFile(p, given, p.name, p.parent))
        elif p.is_symlink():
            problems.append(report(UNREADABLE, given, None, "broken symbolic link"))
        else:
            problems.append(report(MISSING_PATH, given, None, "no such file or folder"))
    # Asked once per notes root and build (not cached longer: under --watch a vault may
    # gain its .obsidian/ folder).
    vaults = {root: vault_root(root, config_dir) for root in {nf.root for nf in found}}
    return [replace(nf, vault=vaults[nf.root]) for nf in found], problems


def _walk_markdown(top: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        out.extend(Path(dirpath, f) for f in filenames if f.endswith(".md"))
    return sorted(out, key=lambda f: f.relative_to(top).as_posix())


def _add(found: list[NoteFile], seen: set[Path], nf: NoteFile) -> None:
    nf = replace(nf, display=readable(nf.display), rel=readable(nf.rel))
    try:
        key = nf.path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop between files
        key = nf.path.absolute()
    if key not in seen:
        seen.add(key)
        found.append(nf)


def read_bytes(files: Iterable[NoteFile]) -> tuple[list[tuple[NoteFile, bytes]], list[Diagnostic]]:
    """Every file's bytes; a file that cannot be read is a diagnostic instead."""
    out, problems = [], []
    for nf in files:
        try:
            # A FIFO or device named .md would block the build forever on read.
            if not stat.S_ISREG(nf.path.stat().st_mode):
                problems.append(report(UNREADABLE, nf.display, None, "not a regular file"))
                continue
            out.append((nf, nf.path.read_bytes()))
        except (OSError, RuntimeError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            problems.append(report(UNREADABLE, nf.display, None, reason))
    return out, problems

"""``pull``: edits made in Anki since sync last wrote a note, written back into the Markdown.

Each note is compared three ways (write.collection_state.compare): only the fields edited
in Anki go back, to their concept's line (write.source_edit); a field changed in the notes
as well is a conflict and stays. An edit is kept only when the file, parsed again, gives
the concept as Anki has it. Without ``write`` the result is a diff. With it, the files,
the lock and the collection change together: the files and the lock are staged, the pulled
notes in Anki get the fields their new Markdown renders to (so the next ``sync`` finds
nothing to do), and only when that has committed are the files and the lock renamed in.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from anki.collection import Collection

from ..diagnostics import (
    COLLECTION_UNUSABLE,
    PULL_UNMAPPED,
    SYNC_CONFLICT,
    WRITE_FAILED,
    Dea2AnkiError,
    Diagnostic,
    report,
)
from ..identity.lock import LockBook, write_lines
from ..records import Draft, Located, NoteFile, ReleaseNote
from ..settings import Options
from ..write.atomic import AtomicBatch
from ..write.collection_apply import apply_sync
from ..write.collection_state import (
    SOURCE_FIELD,
    TAGS,
    Held,
    Synced,
    anki_values,
    compare,
    read_state,
    unowned,
    written,
)
from ..write.collection_sync import SyncPlan, Write, held_notes
from ..write.notetype import CLOZE_MODEL_ID, MODEL_ID
from ..write.source_edit import Change, edit_concept, to_markdown
from .cache import Cache
from .per_file import process
from .plan import collect, default_lock_path, plan, release
from .sync import live_drafts, open_for

_LINE_ENDS = re.compile(r"(\r\n|\r|\n)")
"""Where the parser ends a line: the lines a concept's line number counts."""


@dataclass(frozen=True)
class PullResult:
    pulled: int
    """Concepts whose Anki edit went back into the notes."""
    diff: str
    files: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    written: bool


class _Edit(NamedTuple):
    """One concept's edit, while pull decides."""

    guid: str
    draft: Draft
    change: Change
    held: Held
    keep: frozenset[int]
    """Fields edited in Anki that do not go to the notes (a conflict, or no place for it):
    Anki keeps them, and they stay edits."""


class _Pulled(NamedTuple):
    path: Path
    line: int
    """The concept's line (an edit never adds or removes a line)."""
    keep: frozenset[int]


def pull(
    paths: Sequence[str],
    options: Options,
    collection: Path,
    *,
    timestamp: int,
    lock_path: Path | None = None,
    write: bool = False,
    cache_dir: Path | None = None,
) -> PullResult:
    """Bring the notes edited in ``collection`` back into the notes at ``paths``."""
    planned = plan(collect(paths, options, cache=Cache(cache_dir)), options)
    lock_path = lock_path or default_lock_path(paths)
    old = LockBook().read(lock_path) or ()
    rel = release(planned, old, lock_path, timestamp=timestamp, retire=False)
    old_by = {e.guid: e for e in old}
    new_by = {e.guid: e for e in rel.lock}
    drafts = live_drafts(planned, rel.notes)
    diagnostics: list[Diagnostic] = list(planned.diagnostics)
    with open_for(collection, copy=not write) as col:
        state = read_state(col)
        held = held_notes(col, drafts)
        edits: dict[NoteFile, list[_Edit]] = {}
        for guid, (draft, note) in drafts.items():
            h = held.get(guid)
            if h is None or h.mid not in (MODEL_ID, CLOZE_MODEL_ID):
                continue
            verdict = compare(h, note, state.get(guid), old_by.get(guid), new_by[guid].content)
            if verdict.clash:
                diagnostics.append(_conflict(draft.located))
            change, taken = _change(draft, h, verdict.anki - verdict.clash, diagnostics)
            if change is not None:
                keep = (verdict.anki | verdict.clash) - taken
                edits.setdefault(draft.located.source.file, []).append(
                    _Edit(guid, draft, change, h, keep)
                )
        texts, pulled = _rewrite(edits, options, diagnostics)
        diff = "".join(_diff(nf, before, after) for nf, (before, after) in texts.items())
        files = tuple(nf.display for nf in texts)
        if not write or not texts:
            return PullResult(len(pulled), diff, files, tuple(diagnostics), False)
        _write_all(
            paths, options, lock_path, timestamp, col, texts, pulled, state, diagnostics, cache_dir
        )
    return PullResult(len(pulled), diff, files, tuple(diagnostics), True)


def _conflict(loc: Located) -> Diagnostic:
    c = loc.concept
    message = (
        f"{c.term!r} changed in Anki and in the notes; left as it is in the notes (edit "
        "the Markdown by hand, or `dea2anki sync --prefer source` to overwrite Anki's)"
    )
    return report(SYNC_CONFLICT, loc.source.file.display, c.line, message, c.column)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _change(
    draft: Draft, h: Held, fields: frozenset[int], diagnostics: list[Diagnostic]
) -> tuple[Change | None, frozenset[int]]:
    """What Anki holds in ``fields`` (edited there), as Markdown (None: nothing to pull),
    and the fields it takes."""
    loc = draft.located
    want = _anki_fields(draft)
    term = definition = None
    tags = None
    for i in sorted(f for f in fields if f != TAGS):
        if i >= len(h.fields) or i == SOURCE_FIELD or _nfc(h.fields[i]) == _nfc(want[i]):
            continue
        if i == 0:
            term = to_markdown(h.fields[0])
        elif i == 1:
            definition = to_markdown(h.fields[1])
        else:
            name = ("Term", "Definition", "Context", "Source", "Reverse")[i]
            diagnostics.append(_unmapped(loc, f"its {name} field, which dea2anki fills itself"))
    if TAGS in fields:
        theirs = {t.casefold(): t for t in h.tags if not unowned(t)}
        mine = {t.casefold() for t in draft.tags}
        own = {t.casefold() for t in loc.concept.tags}
        lost = mine - set(theirs) - own
        if lost:
            diagnostics.append(_unmapped(loc, f"removed tags {sorted(lost)} the file gives"))
        added = [t for k, t in theirs.items() if k not in mine]
        kept = [t for t in loc.concept.tags if t.casefold() in theirs]
        if added or len(kept) != len(loc.concept.tags):
            tags = kept + added
    taken = {0} if term is not None else set()
    taken |= {1} if definition is not None else set()
    taken |= {TAGS} if tags is not None and not lost else set()
    if term is None and definition is None and tags is None:
        return None, frozenset()
    return Change(term, definition, tags), frozenset(taken)


def _anki_fields(draft: Draft) -> tuple[str, ...]:
    loc = draft.located
    note = ReleaseNote("", 0, draft.deck, draft.tags, loc.fields, cloze=loc.concept.cloze)
    return anki_values(note)


def _unmapped(loc: Located, what: str) -> Diagnostic:
    c = loc.concept
    message = f"{c.term!r} was edited in Anki in {what}; left alone"
    return report(PULL_UNMAPPED, loc.source.file.display, c.line, message, c.column)


def _rewrite(
    edits: Mapping[NoteFile, list[_Edit]],
    options: Options,
    diagnostics: list[Diagnostic],
) -> tuple[dict[NoteFile, tuple[str, str]], dict[str, _Pulled]]:
    """Each file's text before and after, and each pulled note's concept (by GUID)."""
    texts: dict[NoteFile, tuple[str, str]] = {}
    pulled: dict[str, _Pulled] = {}
    for nf, items in edits.items():
        before = nf.path.read_bytes().decode("utf-8")
        parts = _LINE_ENDS.split(before)
        lines, ends = parts[0::2], parts[1::2]
        starts = sorted({e.draft.located.concept.line for e in items})
        for e in items:
            loc = e.draft.located
            c = loc.concept
            later = [s for s in starts if s > c.line]
            end = later[0] if later else len(lines) + 1
            edited = edit_concept(lines, c, e.change, end=end)
            for problem in edited.problems:
                diagnostics.append(_unmapped(loc, f"a way that cannot be written back: {problem}"))
            if edited.problems:
                continue
            text = _joined(edited.lines, ends)
            if not _reads_as(nf, text, options, c.line, e):
                diagnostics.append(
                    _unmapped(loc, "a way the Markdown cannot say (it would read otherwise)")
                )
                continue
            lines = edited.lines
            pulled[e.guid] = _Pulled(nf.path, c.line, e.keep)
        after = _joined(lines, ends)
        if after != before:
            texts[nf] = (before, after)
    return texts, pulled


def _joined(lines: Sequence[str], ends: Sequence[str]) -> str:
    return "".join(line + end for line, end in zip(lines, [*ends, ""], strict=True))


def _reads_as(nf: NoteFile, text: str, options: Options, line: int, e: _Edit) -> bool:
    """Whether the concept at ``line`` of ``text`` reads as the edit says: each pulled
    field as Anki has it, compared as Markdown (Anki's editor writes ``<b>``, we
    ``<strong>``), and the tags the edit gives."""
    result = process(nf, text.encode("utf-8"), options.per_file())
    found = [loc for loc in result.located if loc.concept.line == line]
    if len(found) != 1:
        return False
    loc, h, change = found[0], e.held, e.change
    if change.term is not None and to_markdown(loc.field_term) != to_markdown(h.fields[0]):
        return False
    if change.definition is not None and to_markdown(loc.field_definition) != to_markdown(
        h.fields[1]
    ):
        return False
    if change.tags is not None:
        return {t.casefold() for t in loc.concept.tags} == {t.casefold() for t in change.tags}
    return True


def _diff(nf: NoteFile, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{nf.display}",
            tofile=f"b/{nf.display}",
        )
    )


def _write_all(
    paths: Sequence[str],
    options: Options,
    lock_path: Path,
    timestamp: int,
    col: Collection,
    texts: Mapping[NoteFile, tuple[str, str]],
    pulled: Mapping[str, _Pulled],
    state: dict[str, Synced],
    diagnostics: list[Diagnostic],
    cache_dir: Path | None,
) -> None:
    """The files, the lock for the notes as they will be, and the pulled notes in Anki as
    their new Markdown renders them: all or nothing."""
    replaced = {nf.path: after.encode("utf-8") for nf, (_, after) in texts.items()}
    # From the cache but for the files rewritten (their bytes are new: they miss it).
    planned = plan(collect(paths, options, cache=Cache(cache_dir), replaced=replaced), options)
    locks = LockBook()
    # A pulled edit may change what identifies a concept (its term, a cloze's text): its
    # lock entry follows it, so the note keeps its GUID and its reviews.
    now = {(d.located.source.file.path, d.located.concept.line): d for d in planned.drafts}
    at = {g: (p.path, p.line) for g, p in pulled.items()}
    follow = {g: now[where].located for g, where in at.items() if where in now}
    old = [
        e._replace(term=follow[e.guid].concept.term, definition=follow[e.guid].definition_key)
        if e.guid in follow
        else e
        for e in locks.read(lock_path) or ()
    ]
    rel = release(planned, old, lock_path, timestamp=timestamp, retire=False)
    by_guid = {n.guid: n for n in rel.notes}
    held = held_notes(col, pulled)
    update = []
    for guid, p in pulled.items():
        h, note = held.get(guid), by_guid.get(guid)
        if h is None or note is None:
            continue
        want = anki_values(note)
        pairs = enumerate(zip(h.fields, want, strict=True))
        values = tuple(a if i in p.keep else w for i, (a, w) in pairs)
        tags = tuple(t for t in h.tags if not unowned(t)) if TAGS in p.keep else note.tags
        update.append(Write(h.nid, note, values, tags))
        base = state.get(guid)
        fresh = written(want, note.tags, base.deck if base is not None else note.deck)
        if base is not None:
            # What stays an edit keeps its base; the rest is now as written.
            bases = enumerate(zip(fresh.fields, base.fields, strict=True))
            fields = tuple(b if i in p.keep else f for i, (f, b) in bases)
            fresh = fresh._replace(fields=fields, tags=base.tags if TAGS in p.keep else fresh.tags)
        state[guid] = fresh
    new_lock = locks.changed(lock_path, rel.lock)
    try:
        with AtomicBatch() as batch:
            for nf, (_, after) in texts.items():
                with batch.open(nf.path) as f:
                    f.write(after.encode("utf-8"))
            if new_lock is not None:
                with batch.open(lock_path, last=True) as f:
                    write_lines(f, new_lock.lines)
            apply_sync(col, SyncPlan(update=tuple(update), state=state), timestamp=timestamp)
    except OSError as e:
        where = e.filename or str(lock_path)
        failed = report(WRITE_FAILED, str(where), None, f"cannot write: {e.strerror or e}")
        raise Dea2AnkiError([*diagnostics, failed]) from e
    except Exception as e:  # Anki refused: rolled back, and no file was renamed in
        message = f"Anki refused the pull, and nothing was written: {type(e).__name__}: {e}"
        refused = report(COLLECTION_UNUSABLE, "collection", None, message)
        raise Dea2AnkiError([*diagnostics, refused]) from e

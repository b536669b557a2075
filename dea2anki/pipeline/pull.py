"""``pull``: notes edited in Anki since dea2anki wrote them, written back into the Markdown.

Each edit goes to its concept's line (write.source_edit), and is kept only when the file,
parsed again, gives that concept as Anki has it. Without ``write`` the result is a diff.
With it, the files and the lock are written, and the pulled notes in Anki get the fields
their new Markdown renders to, so that the next ``sync`` finds nothing to do.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from anki.collection import Collection

from ..diagnostics import PULL_UNMAPPED, WRITE_FAILED, Dea2AnkiError, Diagnostic, report
from ..identity.lock import LockBook, write_lines
from ..records import Draft, Located, NoteFile, ReleaseNote
from ..settings import Options
from ..write.atomic import AtomicBatch
from ..write.collection_sync import (
    SOURCE_FIELD,
    Held,
    SyncPlan,
    anki_values,
    apply_sync,
    held_notes,
    is_edited,
    note_hash,
    read_state,
    unowned,
)
from ..write.notetype import CLOZE_MODEL_ID, MODEL_ID
from ..write.source_edit import Change, edit_concept, to_markdown
from .cache import Cache
from .per_file import process
from .plan import collect, default_lock_path, plan, release
from .sync import open_for

_FIELD_NAMES = ("term", "definition", "context", "source", "reverse")


@dataclass(frozen=True)
class PullResult:
    pulled: int
    """Concepts whose Anki edit went back into the notes."""
    diff: str
    files: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    written: bool


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
    drafts = {n.guid: d for d, n in zip(planned.drafts, rel.notes, strict=False)}
    diagnostics: list[Diagnostic] = list(planned.diagnostics)
    with open_for(collection, copy=not write) as col:
        state = read_state(col)
        held = held_notes(col, drafts)
        edits: dict[NoteFile, list[tuple[str, Located, Change, Held]]] = {}
        for guid, draft in drafts.items():
            h = held.get(guid)
            if h is None or h.mid not in (MODEL_ID, CLOZE_MODEL_ID):
                continue
            if not is_edited(h, state.get(guid), old_by.get(guid)):
                continue
            change = _change(draft, h, diagnostics)
            if change is None:
                continue
            edits.setdefault(draft.located.source.file, []).append((guid, draft.located, change, h))
        texts, pulled = _rewrite(edits, options, diagnostics)
        diff = "".join(_diff(nf, before, after) for nf, (before, after) in texts.items())
        files = tuple(nf.display for nf in texts)
        if not write or not texts:
            return PullResult(len(pulled), diff, files, tuple(diagnostics), False)
        try:
            with AtomicBatch() as batch:
                for nf, (_, after) in texts.items():
                    with batch.open(nf.path) as f:
                        f.write(after.encode("utf-8"))
        except OSError as e:
            where = e.filename or str(collection)
            failed = report(WRITE_FAILED, str(where), None, f"cannot write: {e.strerror or e}")
            raise Dea2AnkiError([*diagnostics, failed]) from e
        _after_pull(paths, options, lock_path, timestamp, col, pulled, state, cache_dir)
    return PullResult(len(pulled), diff, files, tuple(diagnostics), True)


def _change(draft: Draft, h: Held, diagnostics: list[Diagnostic]) -> Change | None:
    """What Anki holds that the notes do not, as Markdown (None: nothing)."""
    loc = draft.located
    want = _anki_fields(draft)
    term = definition = None
    tags = None
    for i, (mine, theirs) in enumerate(zip(want, h.fields, strict=False)):
        if mine == theirs or i == SOURCE_FIELD:
            continue
        if i == 0:
            term = to_markdown(theirs)
        elif i == 1:
            definition = to_markdown(theirs)
        else:
            name = "Extra" if loc.concept.cloze and i == 1 else _FIELD_NAMES[i].capitalize()
            diagnostics.append(_unmapped(loc, f"its {name} field, which dea2anki fills itself"))
    theirs_tags = {t.casefold(): t for t in h.tags if not unowned(t)}
    mine_tags = {t.casefold() for t in draft.tags}
    if set(theirs_tags) != mine_tags:
        own = [t for t in loc.concept.tags if t.casefold() in theirs_tags]
        added = [t for k, t in theirs_tags.items() if k not in mine_tags]
        lost = mine_tags - set(theirs_tags) - {t.casefold() for t in loc.concept.tags}
        if lost:
            diagnostics.append(_unmapped(loc, f"removed tags {sorted(lost)} the file gives"))
        tags = own + added
    if term is None and definition is None and tags is None:
        return None
    return Change(term, definition, tags)


def _anki_fields(draft: Draft) -> tuple[str, ...]:
    loc = draft.located
    note = ReleaseNote("", 0, draft.deck, draft.tags, loc.fields, cloze=loc.concept.cloze)
    return anki_values(note)


def _unmapped(loc: Located, what: str) -> Diagnostic:
    c = loc.concept
    message = f"{c.term!r} was edited in Anki in {what}; left alone"
    return report(PULL_UNMAPPED, loc.source.file.display, c.line, message, c.column)


def _rewrite(
    edits: Mapping[NoteFile, list[tuple[str, Located, Change, Held]]],
    options: Options,
    diagnostics: list[Diagnostic],
) -> tuple[dict[NoteFile, tuple[str, str]], dict[str, tuple[Path, int]]]:
    """Each file's text before and after, and where each pulled note's concept is (by
    GUID): its file and line (an edit never adds or removes a line)."""
    texts: dict[NoteFile, tuple[str, str]] = {}
    pulled: dict[str, tuple[Path, int]] = {}
    for nf, items in edits.items():
        before = nf.path.read_bytes().decode("utf-8")
        lines = before.split("\n")
        starts = sorted({loc.concept.line for _, loc, _, _ in items})
        for guid, loc, change, h in items:
            c = loc.concept
            later = [s for s in starts if s > c.line]
            end = later[0] if later else len(lines) + 1
            edited = edit_concept(lines, c, change, end=end)
            for problem in edited.problems:
                diagnostics.append(_unmapped(loc, f"a way that cannot be written back: {problem}"))
            if edited.problems:
                continue
            if not _reads_as(nf, "\n".join(edited.lines), options, c.line, h):
                diagnostics.append(
                    _unmapped(loc, "a way the Markdown cannot say (it would read otherwise)")
                )
                continue
            lines = edited.lines
            pulled[guid] = (nf.path, c.line)
        after = "\n".join(lines)
        if after != before:
            texts[nf] = (before, after)
    return texts, pulled


def _reads_as(nf: NoteFile, text: str, options: Options, line: int, h: Held) -> bool:
    """Whether the concept at ``line`` of ``text`` reads as Anki holds it: the same term,
    definition and tags, compared as Markdown (Anki's editor writes ``<b>``, we ``<strong>``)."""
    result = process(nf, text.encode("utf-8"), options.per_file())
    found = [loc for loc in result.located if loc.concept.line == line]
    if len(found) != 1:
        return False
    loc = found[0]
    mine = (to_markdown(loc.field_term), to_markdown(loc.field_definition))
    theirs = (to_markdown(h.fields[0]), to_markdown(h.fields[1]))
    tags_mine = {t.casefold() for t in loc.tags}
    tags_theirs = {t.casefold() for t in h.tags if not unowned(t)}
    return mine == theirs and tags_mine == tags_theirs


def _diff(nf: NoteFile, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{nf.display}",
            tofile=f"b/{nf.display}",
        )
    )


def _after_pull(
    paths: Sequence[str],
    options: Options,
    lock_path: Path,
    timestamp: int,
    col: Collection,
    pulled: Mapping[str, tuple[Path, int]],
    state: dict[str, str],
    cache_dir: Path | None,
) -> None:
    """The lock for the notes as they now are, and the pulled notes in Anki as their new
    Markdown renders them (Anki's editor writes ``<b>``, a build ``<strong>``): the next
    ``sync`` then has nothing to do. Both or neither: the lock is renamed into place only
    when Anki's transaction has committed."""
    planned = plan(collect(paths, options, cache=Cache(cache_dir)), options)
    locks = LockBook()
    # A pulled edit may change what identifies a concept (its term, a cloze's text): its
    # lock entry follows it, so the note keeps its GUID and its reviews.
    now = {(d.located.source.file.path, d.located.concept.line): d for d in planned.drafts}
    follow = {g: now[at].located for g, at in pulled.items() if at in now}
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
    remembered = dict(state)
    for guid in pulled:
        h, note = held.get(guid), by_guid.get(guid)
        if h is None or note is None:
            continue
        remembered[guid] = note_hash(h.fields, h.tags)
        if note_hash(anki_values(note), note.tags) != remembered[guid] or h.fields != tuple(
            anki_values(note)
        ):
            update.append((h.nid, note))
    new_lock = locks.changed(lock_path, rel.lock)
    with AtomicBatch() as batch:
        if new_lock is not None:
            with batch.open(lock_path, last=True) as f:
                write_lines(f, new_lock.lines)
        apply_sync(col, SyncPlan(update=tuple(update), state=remembered), timestamp=timestamp)

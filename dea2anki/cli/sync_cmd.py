"""``dea2anki sync`` and ``dea2anki pull``: the notes and a learner's own Anki collection,
through Anki's own library (the optional ``anki`` package, ``dea2anki[sync]``)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..diagnostics import Dea2AnkiError
from ..pipeline.plan import cache_folder
from ..settings import OUTPUT
from .options import (
    CONTEXT,
    NotesArgs,
    build_timestamp,
    format_option,
    notes_options,
    quiet_option,
    resolve_run,
)
from .output import failed, plural, show_diagnostics

NEEDS_ANKI = (
    "this command needs Anki's own library; install it with: "
    "python3 -m pip install 'dea2anki[sync]'"
)

F = TypeVar("F", bound=Callable[..., Any])


def collection_options(f: F) -> F:
    """--collection FILE, or --profile NAME (with --base DIR): handed on as ``collection``."""

    @functools.wraps(f)
    def run(collection: str | None, profile: str | None, base: str | None, **kw: Any) -> Any:
        if (collection is None) == (profile is None):
            raise click.UsageError("give the collection: --collection FILE or --profile NAME")
        if base is not None and profile is None:
            raise click.UsageError("--base goes with --profile")
        try:
            from ..write.collection import profile_collection
        except ModuleNotFoundError as e:
            raise click.ClickException(NEEDS_ANKI) from e
        path = (
            Path(collection)
            if collection is not None
            else profile_collection(str(profile), Path(base) if base else None)
        )
        return f(collection=path, **kw)

    for option in reversed(
        [
            click.option(
                "--collection",
                metavar="FILE",
                help="The collection file (collection.anki2 in an Anki profile's folder).",
            ),
            click.option(
                "--profile",
                metavar="NAME",
                help="An Anki profile's collection, found where Anki keeps it (Linux "
                "~/.local/share/Anki2, macOS ~/Library/Application Support/Anki2, Windows "
                "%APPDATA%\\Anki2); Anki's first profile is 'User 1'.",
            ),
            click.option(
                "--base", metavar="DIR", help="Anki's data folder, when not the standard one."
            ),
        ]
    ):
        run = option(run)
    return run  # type: ignore[return-value]


@click.command("sync", context_settings=CONTEXT)
@notes_options("sync")
@collection_options
@click.option(
    "--prune",
    is_flag=True,
    help="Delete the notes of concepts gone from the notes (asks first on a terminal) "
    "instead of suspending their cards and tagging them dea2anki::retired.",
)
@click.option("-y", "--yes", is_flag=True, help="With --prune: delete without asking.")
@click.option(
    "--prefer",
    type=click.Choice(["anki", "source"]),
    default="anki",
    show_default=True,
    help="A note edited in Anki since the last sync: keep Anki's version (anki), or "
    "overwrite it with the notes' (source).",
)
@click.option("-n", "--dry-run", is_flag=True, help="Print what would change; write nothing.")
@format_option
@quiet_option
def sync_cmd(
    notes: NotesArgs,
    collection: Path,
    prune: bool,
    yes: bool,
    prefer: str,
    dry_run: bool,
    fmt: str,
    quiet: bool,
) -> int:
    """Write the notes straight into your own Anki collection (close Anki first).

    \b
      dea2anki sync --profile "User 1"
      dea2anki sync notes/ --collection ~/Anki2/User\\ 1/collection.anki2 --dry-run

    Adds and updates notes as a build's package would (the same GUIDs, note types and lock
    file), and does what an import cannot: moves the cards of moved concepts to their new
    deck, keeping their reviews; suspends the cards of gone concepts and tags them
    dea2anki::retired (--prune deletes them); and keeps a note you edited in Anki rather
    than overwrite it (`dea2anki pull` brings such edits back into the Markdown). Only
    notes dea2anki made are touched. Anki's own backup is made first, in the profile's
    backups folder, and the sync is one transaction: it all happens, or nothing does.

    Exit status: 0 synced (warnings may be printed), 1 the notes have errors, the
    collection is open in Anki or cannot be used (nothing written), 2 wrong usage.
    """
    try:
        from ..pipeline.sync import SyncedWithoutLock, sync
    except ModuleNotFoundError as e:
        raise click.ClickException(NEEDS_ANKI) from e

    def confirm(todo: Any) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            click.echo(
                f"--prune would delete {plural(len(todo.delete), 'note')}; add --yes to "
                "delete them without asking. Nothing was written.",
                err=True,
            )
            return False
        shown = ", ".join(repr(n.fields.term) for _, n in todo.delete[:5])
        more = ", ..." if len(todo.delete) > 5 else ""
        return click.confirm(
            f"Delete {plural(len(todo.delete), 'note')} of gone concepts ({shown}{more}) "
            "and their review history?",
            err=True,
        )

    try:
        run = resolve_run(notes)
        result = sync(
            run.paths,
            run.options,
            collection,
            timestamp=build_timestamp(),
            lock_path=run.lock,
            prune=prune,
            prefer_source=prefer == "source",
            dry_run=dry_run,
            confirm=confirm,
            cache_dir=cache_folder(Path(run.options[OUTPUT])),
        )
    except SyncedWithoutLock as e:
        return failed(e, fmt, "Sync", "the collection was synced, but no lock")
    except Dea2AnkiError as e:
        return failed(e, fmt, "Sync", "nothing")
    show_diagnostics(result.diagnostics, fmt, quiet=quiet)
    p = result.plan
    counts = ", ".join(
        [
            f"{len(p.add)} added",
            f"{len(p.update)} updated",
            f"{len(p.moves)} moved",
            f"{len(p.retire)} suspended",
            f"{len(p.delete)} deleted",
            f"{len(p.restore)} restored",
            plural(len(p.kept) - p.conflicts, "kept edit"),
            plural(p.conflicts, "conflict"),
        ]
    )
    if dry_run:
        click.echo(f"Dry run, nothing written. {collection} would get: {counts}.")
    elif not result.written:
        return 1
    elif not quiet:
        click.echo(f"Synced {collection}: {counts} ({p.unchanged} unchanged).")
    return 0


@click.command("pull", context_settings=CONTEXT)
@notes_options("pull")
@collection_options
@click.option(
    "-w",
    "--write",
    is_flag=True,
    help="Write the edits into the notes (and the lock) instead of printing a diff.",
)
@format_option
@quiet_option
def pull_cmd(
    notes: NotesArgs,
    collection: Path,
    write: bool,
    fmt: str,
    quiet: bool,
) -> int:
    """Bring notes you edited in Anki back into the Markdown (close Anki first).

    \b
      dea2anki pull --profile "User 1"            # a diff of what would change
      dea2anki pull --profile "User 1" --write    # write it

    Each note edited in Anki since dea2anki last wrote it goes back to its concept's line:
    the term, the definition and the tags, turned from Anki's HTML into Markdown. Every
    other byte of the file stays as it was. An edit that has no place in the Markdown (a
    field dea2anki fills itself, a definition written over several lines) is reported and
    left alone. With --write, the lock is updated too, and a `sync` afterwards has nothing
    to do.

    Exit status: 0 done (warnings may be printed), 1 the notes have errors or the collection
    cannot be used (nothing written), 2 wrong usage.
    """
    try:
        from ..pipeline.pull import pull
    except ModuleNotFoundError as e:
        raise click.ClickException(NEEDS_ANKI) from e
    try:
        run = resolve_run(notes)
        result = pull(
            run.paths,
            run.options,
            collection,
            timestamp=build_timestamp(),
            lock_path=run.lock,
            write=write,
            cache_dir=cache_folder(Path(run.options[OUTPUT])),
        )
    except Dea2AnkiError as e:
        return failed(e, fmt, "Pull", "nothing")
    show_diagnostics(result.diagnostics, fmt, quiet=quiet)
    if not write:
        click.echo(result.diff, nl=False)
    if not quiet:
        what = plural(result.pulled, "edit")
        if write:
            click.echo(f"Pulled {what} into {plural(len(result.files), 'file')}.", err=True)
        else:
            click.echo(f"{what.capitalize()} to pull; --write writes them.", err=True)
    return 0

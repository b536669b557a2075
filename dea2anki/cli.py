"""Command line: click commands only. Library errors become messages and exit codes here."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import click

from . import __version__
from .apkg import build_timestamp, read_apkg
from .build import DEFAULT_OUTPUT, BuildOptions, BuildResult, build, pending_events
from .changelog import package_events, render_changelog
from .diagnostics import Dea2AnkiError, Diagnostic
from .release import ADDED, CHANGED, MOVED_EVENT, RENAMED_EVENT, RESTORED, RETIRED_EVENT

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="dea2anki")
def cli() -> None:
    """Turn Markdown study notes into Anki decks that re-import without duplicates.

    \b
    Quick start:
      dea2anki build                 # notes/*.md -> build/<Root deck>.apkg
      dea2anki build my-vault -o DEA.apkg

    Then import the .apkg in Anki (desktop, AnkiMobile or AnkiDroid). Build and import again
    after editing: edited cards change in place and keep their review history.
    """


@cli.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option(
    "-o",
    "--output",
    default=DEFAULT_OUTPUT,
    show_default=True,
    metavar="OUT",
    help="Folder for one <Root deck>.apkg per root deck, or a file name ending in .apkg to "
    "put every deck into one package.",
)
@click.option(
    "--deck-depth",
    type=click.IntRange(0, 6),
    default=2,
    show_default=True,
    help="How many heading levels become subdecks (H1, H2, ...). Deeper headings only show "
    "in the card's context line.",
)
@click.option(
    "--include-empty",
    is_flag=True,
    help="Also export concepts that have no definition yet (by default they are skipped "
    "with a warning).",
)
@click.option(
    "--reverse/--no-reverse",
    default=None,
    help="Also make a Definition -> Term card for every concept (or none). Without either, "
    "a file's frontmatter `reverse: true` decides.",
)
@click.option(
    "--allow-html/--no-allow-html",
    default=None,
    help="Render raw HTML in the notes instead of showing it as text (or never). Without "
    "either, a file's frontmatter `allow-html: true` decides; the default escapes it.",
)
@click.option(
    "--retire",
    is_flag=True,
    help="Ship concepts that are gone from the notes as suspended notes tagged "
    "dea2anki::retired, so learners can find and delete them (Anki never deletes on import).",
)
@click.option(
    "--locked",
    is_flag=True,
    help="Fail instead of updating the lock file when it is not up to date with the notes "
    "(for CI: the release is then exactly what was committed).",
)
@click.option(
    "--lock",
    "lock_file",
    metavar="FILE",
    help="Lock file to read and update [default: dea2anki.lock in the notes folder].",
)
def build_cmd(
    paths: tuple[str, ...],
    output: str,
    deck_depth: int,
    include_empty: bool,
    reverse: bool | None,
    allow_html: bool | None,
    retire: bool,
    locked: bool,
    lock_file: str | None,
) -> int:
    """Build Anki packages from Markdown notes.

    PATH is a Markdown file or a folder (searched recursively for *.md, hidden folders such as
    .obsidian and .trash skipped); the default is notes/. Each file's root deck is its
    frontmatter `deck:` or else its file name (notes/DEA.md -> DEA); H1 and H2 headings make
    subdecks (DEA::Analytics::Amazon Athena).

    \b
    A concept is a list item after a **_Concept_** line (until the next --- or heading):
      - **Amazon Athena** : Serverless SQL over S3. : DEA ; AWS
    or, anywhere, a list item ending in a tag list with at least one ';':
      - Client-Side Encryption : Encrypt data before sending it : DEA ; AWS

    The lock file (notes/dea2anki.lock; commit it) remembers every note's identity and when
    it last changed. Unchanged notes keep their time stamp, so Anki's "update if newer" touches
    only what you edited; renamed terms (same definition, or an Obsidian ^block-id) and
    concepts moved to other files keep their cards. New or edited notes get the build time,
    or SOURCE_DATE_EPOCH when set (reproducible: same notes + lock + epoch = same bytes).

    Packages are written to a temporary file and renamed into place: a failed build never
    leaves half a package or loses the last one.

    Exit status: 0 built (warnings may be printed), 1 the notes have errors or --locked
    found a stale lock (nothing written), 2 wrong usage.
    """
    try:
        result = build(
            list(paths),
            Path(output),
            BuildOptions(
                deck_depth=deck_depth,
                include_empty=include_empty,
                retire=retire,
                reverse=reverse,
                allow_html=allow_html,
            ),
            timestamp=build_timestamp(),
            lock_path=Path(lock_file) if lock_file else None,
            locked=locked,
        )
    except Dea2AnkiError as e:
        _show(e.diagnostics)
        n = len(e.errors)
        click.echo(
            f"Build failed: {n} error{'s' if n != 1 else ''}; no package was written.", err=True
        )
        return 1
    _show(result.diagnostics)
    _summary(result)
    return 0


@cli.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, metavar="[PATH]... | OLD.apkg NEW.apkg")
@click.option("--deck-depth", type=click.IntRange(0, 6), default=2, show_default=True)
@click.option("--include-empty", is_flag=True, help="As for build.")
@click.option("--lock", "lock_file", metavar="FILE", help="As for build.")
@click.option("--title", default="Release notes", show_default=True, help="First heading.")
def changelog(
    paths: tuple[str, ...], deck_depth: int, include_empty: bool, lock_file: str | None, title: str
) -> int:
    """Print Markdown release notes: what the next build changes, or what changed between
    two packages.

    \b
      dea2anki changelog                      # notes/ compared with notes/dea2anki.lock
      dea2anki changelog old.apkg new.apkg    # two releases, matched by note GUID

    Lists added, changed, renamed, moved and retired concepts per deck. For moved concepts it
    gives the Anki browser search that finds their cards, which Anki leaves in the old deck.
    Writes nothing.
    """
    try:
        if len(paths) == 2 and all(p.lower().endswith(".apkg") for p in paths):
            events = package_events(read_apkg(Path(paths[0])), read_apkg(Path(paths[1])))
        else:
            events = list(
                pending_events(
                    list(paths),
                    BuildOptions(deck_depth=deck_depth, include_empty=include_empty),
                    lock_path=Path(lock_file) if lock_file else None,
                )
            )
    except Dea2AnkiError as e:
        _show(e.diagnostics)
        return 1
    click.echo(render_changelog(events, title), nl=False)
    return 0


def _show(diagnostics: Iterable[Diagnostic]) -> None:
    for d in diagnostics:
        where = d.path if d.line is None else f"{d.path}:{d.line}"
        label = "Error" if d.is_error else "Warning"
        click.echo(f"{label}: {where}: {d.message} [{d.code}]", err=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(result: BuildResult) -> None:
    warnings = sum(1 for d in result.diagnostics if not d.is_error)
    click.echo(
        f"Read {_plural(result.files, 'file')}, found {_plural(result.concepts, 'concept')}, "
        f"exported {_plural(result.exported, 'note')}."
    )
    for p in result.packages:
        click.echo(
            f"  {p.path}: {_plural(p.notes, 'note')}, {_plural(p.cards, 'card')}, "
            f"{_plural(p.decks, 'deck')}, {p.size / 1024:.1f} KiB"
        )
    for e in result.events:
        if e.kind == RENAMED_EVENT:
            click.echo(f"  renamed: {e.old_term!r} -> {e.term!r} ({e.how}), {e.where}")
        elif e.kind == MOVED_EVENT:
            click.echo(f"  moved: {e.term!r} {e.old_deck} -> {e.deck}, {e.where}")
        elif e.kind in (RETIRED_EVENT, RESTORED):
            click.echo(f"  {e.kind}: {e.term!r}, {e.where}")
    counts = {k: sum(1 for e in result.events if e.kind == k) for k in (ADDED, CHANGED)}
    state = "updated" if result.lock_written else "unchanged"
    click.echo(
        f"Lock {result.lock_path} {state}: {counts[ADDED]} new, {counts[CHANGED]} changed "
        "(only new and changed notes get a new time stamp)."
    )
    if warnings:
        click.echo(f"{_plural(warnings, 'warning')} (listed above).")


build_cmd.name = "build"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (never raises, never prints a traceback)."""
    try:
        rv = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="dea2anki",
            standalone_mode=False,
        )
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except Dea2AnkiError as e:
        _show(e.diagnostics)
        return 1
    except Exception as e:  # a bug: say so in one line, traceback only on request
        if os.environ.get("DEA2ANKI_DEBUG"):
            raise
        click.echo(
            f"Error: internal error: {type(e).__name__}: {e} "
            "(set DEA2ANKI_DEBUG=1 for the traceback, and please report it)",
            err=True,
        )
        return 70
    return rv if isinstance(rv, int) else 0

"""Command line: click commands only. Library errors become messages and exit codes here."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import click

from . import __version__
from .apkg import build_timestamp
from .build import DEFAULT_OUTPUT, BuildOptions, BuildResult, build
from .diagnostics import Dea2AnkiError, Diagnostic

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
def build_cmd(paths: tuple[str, ...], output: str, deck_depth: int, include_empty: bool) -> int:
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

    Notes get the build time as their modification time, or SOURCE_DATE_EPOCH when set, so
    Anki's "update if newer" applies your edits. The package is written to a temporary file
    and renamed into place: a failed build never leaves half a package or loses the last one.

    Exit status: 0 built (warnings may be printed), 1 the notes have errors (nothing written),
    2 wrong usage.
    """
    try:
        result = build(
            list(paths),
            Path(output),
            BuildOptions(deck_depth=deck_depth, include_empty=include_empty),
            timestamp=build_timestamp(),
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

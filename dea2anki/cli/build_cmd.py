"""``dea2anki build``."""

from __future__ import annotations

from pathlib import Path

import click

from ..diagnostics import Dea2AnkiError
from ..pipeline.build import build
from ..pipeline.memory import Memory
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
from .output import Progress, failed, json_summary, show_diagnostics, summary
from .watch import watch as watch_notes


@click.command("build", context_settings=CONTEXT)
@notes_options("build")
@click.option(
    "--locked",
    is_flag=True,
    help="Fail instead of updating the lock file when it is not up to date with the notes "
    "(for CI: the release is then exactly what was committed).",
)
@format_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@quiet_option
@click.option("-v", "--verbose", is_flag=True, help="Also list every added and changed note.")
@click.option(
    "--watch",
    is_flag=True,
    help="Build again whenever a note changes (Ctrl-C stops). Keeps the last build in memory, "
    "so a rebuild reads only what changed.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Parse every file again instead of reusing OUT/.dea2anki-cache (the output is the "
    "same either way; the cache only saves time).",
)
def build_cmd(
    notes: NotesArgs,
    locked: bool,
    fmt: str,
    as_json: bool,
    quiet: bool,
    verbose: bool,
    watch: bool,
    no_cache: bool,
) -> int:
    """Build Anki packages from Markdown notes.

    PATH is a Markdown file or a folder (searched recursively for *.md, hidden folders such as
    .obsidian and .trash skipped); the default is notes/. Each file's root deck is its
    frontmatter `deck:` or else its file name (notes/DEA.md -> DEA); H1 and H2 headings make
    subdecks (DEA::Analytics::Amazon Athena).

    \b
    A concept is a list item after a **_Concept_** line (until the next --- or heading):
      - **Amazon Athena** : Serverless SQL over S3. : DEA ; AWS
    or, anywhere, a list item ending in a tag list with at least one ' ; ':
      - Client-Side Encryption : Encrypt data before sending it : DEA ; AWS

    The lock file (notes/dea2anki.lock; commit it) remembers every note's identity and when
    it last changed. Unchanged notes keep their time stamp, so Anki's "update if newer" touches
    only what you edited; renamed terms (same definition, or an Obsidian ^block-id) and
    concepts moved to other files keep their cards. New or edited notes get the build time,
    or SOURCE_DATE_EPOCH when set (reproducible: same notes + lock + epoch = same bytes).

    Packages and the lock are written to temporary files and renamed into place together: a
    failed build never leaves half a package or loses the last one.

    Exit status: 0 built (warnings may be printed), 1 the notes have errors or --locked
    found a stale lock (nothing written), 2 wrong usage.
    """
    try:
        run = resolve_run(notes)
    except Dea2AnkiError as e:
        return failed(e, fmt)
    # The next build of a watch starts from the last one's results and lock, in memory.
    memory = Memory() if watch else None

    def once() -> int:
        progress = Progress(enabled=not quiet and not as_json)
        try:
            # Read the config again each time: under --watch it may have changed.
            current = resolve_run(notes)
            result = build(
                current.paths,
                Path(current.options[OUTPUT]),
                current.options,
                timestamp=build_timestamp(),
                lock_path=current.lock,
                locked=locked,
                progress=progress,
                cache=not no_cache,
                memory=memory,
            )
        except Dea2AnkiError as e:
            progress.clear()
            return failed(e, fmt)
        progress.clear()
        show_diagnostics(result.diagnostics, fmt, quiet=quiet, verbose=verbose)
        if as_json:
            click.echo(json_summary(result))
        elif not quiet:
            summary(result, verbose=verbose)
        return 0

    code = once()
    if not watch:
        return code
    return watch_notes(run, Path(run.options[OUTPUT]), once)

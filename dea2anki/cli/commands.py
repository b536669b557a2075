"""``dea2anki check``, ``changelog`` and ``preview``: they read what a build would, and
write no package and no lock."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..diagnostics import WRITE_FAILED, Dea2AnkiError, Diagnostic, report
from ..naming import root_of
from ..pipeline.dry_run import check, pending_events, preview_notes
from ..pipeline.plan import cache_folder
from ..settings import OUTPUT
from ..write.apkg_read import read_apkg
from ..write.changelog import package_events, render_changelog
from .options import (
    CONTEXT,
    FORMATS,
    NotesArgs,
    Run,
    build_timestamp,
    format_option,
    notes_options,
    quiet_option,
    resolve_run,
)
from .output import failed, folded, plural, show_diagnostics


def _cache_of(run: Run) -> Path:
    """The parse cache a build with these settings keeps: check, changelog and preview read
    it (and never write it), so they are as quick as a warm build."""
    return cache_folder(Path(run.options[OUTPUT]))


@click.command("check", context_settings=CONTEXT)
@notes_options("check")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: path:line:col: severity: message [code]; json: a list of objects; github: "
    "GitHub Actions annotations (::warning file=...,line=...::message).",
)
@click.option("--strict", is_flag=True, help="Count warnings as errors (exit 1).")
@click.option(
    "--locked",
    is_flag=True,
    help="Also an error when the lock file is not up to date with the notes, as `build "
    "--locked` would find (for a pre-commit hook: the lock is committed with the notes).",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="List every file without concepts, not a count."
)
def check_cmd(
    notes: NotesArgs,
    fmt: str,
    strict: bool,
    locked: bool,
    verbose: bool,
) -> int:
    """Report everything in the notes that will not become a good card; write nothing.

    \b
      notes/DEA.md:60:3: warning: concept 'Athena workgroup' has no definition; ...
      [empty-definition]

    Every diagnostic has a stable code in brackets (the README lists them). Exit status: 0
    clean (warnings allowed), 1 errors (or warnings, with --strict).
    """
    diagnostics: tuple[Diagnostic, ...] = ()
    try:
        run = resolve_run(notes)
        diagnostics = check(
            run.paths, run.options, lock_path=run.lock, cache_dir=_cache_of(run), locked=locked
        )
        build_timestamp()  # a build would refuse a bad SOURCE_DATE_EPOCH: say so now
    except Dea2AnkiError as e:
        diagnostics = (*diagnostics, *e.diagnostics)
    if fmt == "json":
        click.echo(json.dumps([d.as_dict() for d in diagnostics], ensure_ascii=False, indent=1))
    else:
        for d in diagnostics if verbose else folded(list(diagnostics)):
            click.echo(d.github() if fmt == "github" else str(d))
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if fmt == "text":
        verdict = (
            "clean"
            if not diagnostics
            else f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
        )
        click.echo(f"Checked: {verdict}.", err=True)
    return 1 if errors or (strict and warnings) else 0


@click.command(context_settings=CONTEXT)
@notes_options("changelog")
@click.option("--title", default="Release notes", show_default=True, help="First heading.")
def changelog(
    notes: NotesArgs,
    title: str,
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
        paths = notes.paths
        packages = [p for p in paths if p.lower().endswith(".apkg")]
        if packages and (len(paths) != 2 or len(packages) != 2):
            raise click.UsageError("give two .apkg files to compare, or notes (no .apkg)")
        if packages:
            events = package_events(read_apkg(Path(paths[0])), read_apkg(Path(paths[1])))
        else:
            run = resolve_run(notes)
            events = list(
                pending_events(run.paths, run.options, lock_path=run.lock, cache_dir=_cache_of(run))
            )
    except Dea2AnkiError as e:
        show_diagnostics(e.diagnostics, "text")
        return 1
    click.echo(render_changelog(events, title), nl=False)
    return 0


@click.command("preview", context_settings=CONTEXT)
@notes_options("preview")
@click.option(
    "-o",
    "--output",
    "page",
    default=None,
    metavar="FILE",
    help="The HTML page to write [default: build/preview.html].",
)
@click.option("--title", default=None, help="Page title [default: the root decks' names].")
@format_option
@quiet_option
def preview_cmd(
    notes: NotesArgs,
    page: str | None,
    title: str | None,
    fmt: str,
    quiet: bool,
) -> int:
    """Write one HTML page showing every card a build would make, front and back.

    \b
      dea2anki preview                       # notes/ -> build/preview.html
      dea2anki preview vault/ -o cards.html

    The page is self-contained (the cards' styles, scripts and images are inlined): open it
    in any browser, search as you type, switch to night mode. Writes no package and leaves
    the lock file alone.

    Exit status: 0 written (warnings may be printed), 1 the notes have errors (nothing
    written), 2 wrong usage.
    """
    try:
        run = resolve_run(notes)
        result = preview_notes(
            run.paths,
            run.options,
            lock_path=run.lock,
            cache_dir=_cache_of(run),
        )
    except Dea2AnkiError as e:
        return failed(e, fmt, "Preview", "nothing")
    show_diagnostics(result.diagnostics, fmt, quiet=quiet)
    # By default beside the packages: in the output folder, or next to a single OUT.apkg.
    out = Path(page) if page else _cache_of(run).parent / "preview.html"
    from ..write.preview_pages import deck_folder, write_preview  # only this command needs it

    roots = dict.fromkeys(root_of(n.deck) for n in result.notes)
    try:
        pages = write_preview(
            out, result.notes, result.media, title=title or " + ".join(roots) or "dea2anki"
        )
    except OSError as e:
        show_diagnostics(
            [report(WRITE_FAILED, str(out), None, f"cannot write: {e.strerror or e}")], fmt
        )
        return 1
    if not quiet:
        split = f", an index of {plural(pages, 'deck page')} in {deck_folder(out)}" if pages else ""
        click.echo(
            f"Wrote {out}: {plural(len(result.notes), 'note')}{split}; open it in a browser."
        )
    return 0

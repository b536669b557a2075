"""Command line: click commands only. Library errors become messages and exit codes here.

Settings come from, in order of precedence: a command-line flag, the note file's
frontmatter (per-file settings), the config file ([tool.dea2anki] or dea2anki.toml), the
default.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import click

from . import __version__
from .apkg import build_timestamp, read_apkg
from .build import (
    DEFAULT_NOTES,
    DEFAULT_OUTPUT,
    BuildOptions,
    BuildResult,
    build,
    cache_folder,
    check,
    pending_events,
    preview_notes,
)
from .changelog import package_events, render_changelog
from .config import Config, load_config
from .diagnostics import Dea2AnkiError, Diagnostic, error
from .release import ADDED, MOVED_EVENT, RENAMED_EVENT, RESTORED, RETIRED_EVENT

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
FORMATS = ("text", "json", "github")


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="dea2anki")
def cli() -> None:
    """Turn Markdown study notes into Anki decks that re-import without duplicates.

    \b
    Quick start:
      dea2anki build                 # notes/*.md -> build/<Root deck>.apkg
      dea2anki check                 # what will not become a good card, with file:line
      dea2anki build my-vault -o DEA.apkg

    Then import the .apkg in Anki (desktop, AnkiMobile or AnkiDroid). Build and import again
    after editing: edited cards change in place and keep their review history.
    """


# --- options shared by the commands that read notes --------------------------------------------


@dataclass(frozen=True)
class NotesArgs:
    """The command-line values of ``notes_options`` (None: not given on the command line)."""

    paths: tuple[str, ...]
    config_file: str | None
    deck_depth: int | None
    include_empty: bool | None
    reverse: bool | None
    allow_html: bool | None
    skip_drafts: bool | None
    lock_file: str | None


def notes_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """PATHs and the settings that shape the notes (build, check, changelog, preview),
    handed to the command as one ``notes: NotesArgs`` argument."""

    @functools.wraps(f)
    def command(**kwargs: Any) -> Any:
        names = [field.name for field in fields(NotesArgs)]
        notes = NotesArgs(**{name: kwargs.pop(name) for name in names})
        return f(notes=notes, **kwargs)

    decorated: Callable[..., Any] = command
    for option in reversed(
        [
            click.argument("paths", nargs=-1, metavar="[PATH]..."),
            click.option(
                "--config",
                "config_file",
                metavar="FILE",
                help="Config file [default: dea2anki.toml in the notes folder or here, else "
                "[tool.dea2anki] in ./pyproject.toml].",
            ),
            click.option(
                "--deck-depth",
                type=click.IntRange(0, 6),
                default=None,
                help="How many heading levels become subdecks (H1, H2, ...) [default: 2]. "
                "Deeper headings only show in the card's context line.",
            ),
            click.option(
                "--include-empty/--no-include-empty",
                default=None,
                help="Also export concepts that have no definition yet (by default they are "
                "skipped with a warning).",
            ),
            click.option(
                "--reverse/--no-reverse",
                default=None,
                help="Also make a Definition -> Term card for every concept (or for none). "
                "Without either, a file's frontmatter `reverse: true` decides.",
            ),
            click.option(
                "--allow-html/--no-allow-html",
                default=None,
                help="Render raw HTML in the notes instead of showing it as text (or never). "
                "Without either, a file's frontmatter `allow-html: true` decides.",
            ),
            click.option(
                "--skip-drafts/--no-skip-drafts",
                default=None,
                help="Leave out files whose frontmatter says `draft: true` [default: include].",
            ),
            click.option(
                "--lock",
                "lock_file",
                metavar="FILE",
                help="The lock file (note identities and change times; only build writes it) "
                "[default: dea2anki.lock in the notes folder].",
            ),
        ]
    ):
        decorated = option(decorated)
    return decorated


@dataclass(frozen=True)
class Settings:
    paths: list[str]
    options: BuildOptions
    lock: Path | None
    config: Config


def resolve(args: NotesArgs, retire: bool | None = None) -> Settings:
    """Command line > config file > default (frontmatter is applied per file, later)."""
    hint = Path(args.paths[0]) if args.paths else Path(DEFAULT_NOTES)
    config = load_config(args.config_file, hint)
    notes = list(args.paths) or list(config.get("notes", []))

    def pick(flag: Any, key: str, default: Any) -> Any:
        return flag if flag is not None else config.get(key, default)

    options = BuildOptions(
        deck_depth=args.deck_depth,
        include_empty=pick(args.include_empty, "include-empty", False),
        retire=pick(retire, "retire", False),
        allow_html=args.allow_html,
        reverse=args.reverse,
        skip_drafts=pick(args.skip_drafts, "skip-drafts", False),
        extra_tags=tuple(config.get("tags", ())),
        default_deck_depth=config.get("deck-depth", 2),
        default_reverse=config.get("reverse", False),
        default_allow_html=config.get("allow-html", False),
    )
    lock = args.lock_file or config.get("lock")
    return Settings(notes, options, Path(lock) if lock else None, config)


# --- output ----------------------------------------------------------------------------------


def _color() -> bool:
    # https://no-color.org: any non-empty NO_COLOR turns colour off.
    return not os.environ.get("NO_COLOR") and sys.stderr.isatty()


def _styled(text: str, **style: Any) -> str:
    return click.style(text, **style) if _color() else text


def show_diagnostics(diagnostics: Iterable[Diagnostic], fmt: str, *, quiet: bool = False) -> None:
    """text: path:line:col: severity: message [code]; github: workflow annotations."""
    shown = [d for d in diagnostics if d.is_error or not quiet]
    if fmt == "json":
        click.echo(json.dumps([d.as_dict() for d in shown], ensure_ascii=False, indent=1), err=True)
        return
    for d in shown:
        if fmt == "github":
            click.echo(d.github())
        else:
            color = "red" if d.is_error else "yellow"
            line = str(d).replace(
                f" {d.severity.value}: ", f" {_styled(d.severity.value, fg=color, bold=True)}: ", 1
            )
            click.echo(line, err=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(result: BuildResult, *, verbose: bool) -> None:
    warnings = sum(1 for d in result.diagnostics if not d.is_error)
    click.echo(
        f"Read {_plural(result.files, 'file')}, found {_plural(result.concepts, 'concept')}, "
        f"exported {_styled(_plural(result.exported, 'note'), bold=True)}."
    )
    for p in result.packages:
        click.echo(
            f"  {_styled(str(p.path), fg='green')}: {_plural(p.notes, 'note')}, "
            f"{_plural(p.cards, 'card')}, {_plural(p.decks, 'deck')}, "
            f"{_plural(p.media, 'media file')}, {p.size / 1024:.1f} KiB"
        )
    written = {p.path.resolve() for p in result.packages}
    folders = {p.path.parent for p in result.packages}
    for stale in sorted(f for d in folders for f in d.glob("*.apkg") if f.resolve() not in written):
        # Not ours to delete (it may be a release kept on purpose), but easy to import by
        # mistake.
        click.echo(_styled(f"  {stale}: left from an earlier build, not written now", dim=True))
    for e in result.events:
        if e.kind == RENAMED_EVENT:
            click.echo(f"  renamed: {e.old_term!r} -> {e.term!r} ({e.how}), {e.where}")
        elif e.kind == MOVED_EVENT:
            click.echo(f"  moved: {e.term!r} {e.old_deck} -> {e.deck}, {e.where}")
        elif e.kind in (RETIRED_EVENT, RESTORED) or verbose:
            click.echo(f"  {e.kind}: {e.term!r}, {e.where}")
    added = sum(1 for e in result.events if e.kind == ADDED)
    state = "updated" if result.lock_written else "unchanged"
    retired = f", {result.retired} retired" if result.retired else ""
    click.echo(
        f"Lock {result.lock_path} {state}: {added} new, {result.restamped} updated{retired} "
        "(only these get a new time stamp; Anki skips the rest as up to date)."
    )
    if warnings:
        click.echo(_styled(f"{_plural(warnings, 'warning')} (listed above).", fg="yellow"))


def _json_summary(result: BuildResult) -> str:
    return json.dumps(
        {
            "files": result.files,
            "concepts": result.concepts,
            "exported": result.exported,
            "retired": result.retired,
            "updated": result.restamped,
            "packages": [
                {
                    "path": str(p.path),
                    "notes": p.notes,
                    "cards": p.cards,
                    "decks": p.decks,
                    "media": p.media,
                    "bytes": p.size,
                }
                for p in result.packages
            ],
            "lock": {"path": str(result.lock_path), "updated": result.lock_written},
            "events": [e._asdict() for e in result.events],
            "diagnostics": [d.as_dict() for d in result.diagnostics],
        },
        ensure_ascii=False,
        indent=1,
    )


class Progress:
    """A bar on stderr, only on a terminal and only once a build has taken a second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.start = time.monotonic()
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.start < 1.0:
            return
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        sys.stderr.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()
            self.drawn = False


# --- commands --------------------------------------------------------------------------------

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="How to print diagnostics: text (path:line:col), json, or github (annotations).",
)
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
retire_option = click.option(
    "--retire/--no-retire",
    default=None,
    help="Ship concepts that are gone from the notes as notes tagged dea2anki::retired, so "
    "learners can find and delete them (Anki never deletes on import).",
)


@cli.command("build", context_settings=CONTEXT)
@notes_options
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="OUT",
    help="Folder for one <Root deck>.apkg per root deck, or a file name ending in .apkg to "
    "put every deck into one package [default: build].",
)
@retire_option
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
    output: str | None,
    retire: bool | None,
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
        s = resolve(notes, retire)
    except Dea2AnkiError as e:
        return _failed(e, fmt)
    out = Path(output or s.config.get("output", DEFAULT_OUTPUT))

    def once() -> int:
        progress = Progress(enabled=not quiet and not as_json)
        try:
            # Read the config again each time: under --watch it may have changed.
            current = resolve(notes, retire)
            result = build(
                current.paths,
                Path(output or current.config.get("output", DEFAULT_OUTPUT)),
                current.options,
                timestamp=build_timestamp(),
                lock_path=current.lock,
                locked=locked,
                progress=progress,
                cache=not no_cache,
                keep=watch,  # the next build of the watch starts from this one in memory
            )
        except Dea2AnkiError as e:
            progress.clear()
            return _failed(e, fmt)
        progress.clear()
        show_diagnostics(result.diagnostics, fmt, quiet=quiet)
        if as_json:
            click.echo(_json_summary(result))
        elif not quiet:
            _summary(result, verbose=verbose)
        return 0

    code = once()
    if not watch:
        return code
    return _watch(s, out, once)


def _cache_of(s: Settings) -> Path:
    """The parse cache a build with these settings keeps: check, changelog and preview read
    it (and never write it), so they are as quick as a warm build."""
    return cache_folder(Path(s.config.get("output", DEFAULT_OUTPUT)))


def _failed(e: Dea2AnkiError, fmt: str, what: str = "Build", outcome: str = "no package") -> int:
    show_diagnostics(e.diagnostics, fmt)
    n = len(e.errors)
    click.echo(
        _styled(f"{what} failed: {_plural(n, 'error')}; {outcome} was written.", fg="red"),
        err=True,
    )
    return 1


def _watch(s: Settings, out: Path, once: Callable[[], int]) -> int:
    from watchfiles import watch  # imported here: only --watch needs it

    roots = [Path(p) for p in s.paths or [DEFAULT_NOTES]]
    if s.config.path is not None:
        roots.append(s.config.path)
    out_abs = out.resolve()

    def relevant(_change: object, path: str) -> bool:
        p = Path(path)
        # Our own outputs (the lock, temporary files, packages) must not trigger a rebuild.
        return not (
            p.name.startswith(".")
            or p.name == "dea2anki.lock"
            or p.resolve().is_relative_to(out_abs)
        )

    click.echo(f"Watching {', '.join(map(str, roots))} (Ctrl-C to stop)...", err=True)
    try:
        for _changes in watch(*roots, watch_filter=relevant, raise_interrupt=False):
            click.echo(_styled(f"\n[{time.strftime('%H:%M:%S')}] change detected", dim=True))
            once()
    except KeyboardInterrupt:
        pass
    return 0


@cli.command("check", context_settings=CONTEXT)
@notes_options
@retire_option
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
def check_cmd(
    notes: NotesArgs,
    retire: bool | None,
    fmt: str,
    strict: bool,
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
        s = resolve(notes, retire)
        diagnostics = check(s.paths, s.options, lock_path=s.lock, cache_dir=_cache_of(s))
        build_timestamp()  # a build would refuse a bad SOURCE_DATE_EPOCH: say so now
    except Dea2AnkiError as e:
        diagnostics = (*diagnostics, *e.diagnostics)
    if fmt == "json":
        click.echo(json.dumps([d.as_dict() for d in diagnostics], ensure_ascii=False, indent=1))
    else:
        for d in diagnostics:
            click.echo(d.github() if fmt == "github" else str(d))
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if fmt == "text":
        verdict = (
            "clean"
            if not diagnostics
            else f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
        )
        click.echo(f"Checked: {verdict}.", err=True)
    return 1 if errors or (strict and warnings) else 0


@cli.command(context_settings=CONTEXT)
@notes_options
@retire_option
@click.option("--title", default="Release notes", show_default=True, help="First heading.")
def changelog(
    notes: NotesArgs,
    retire: bool | None,
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
            s = resolve(notes, retire)
            events = list(
                pending_events(s.paths, s.options, lock_path=s.lock, cache_dir=_cache_of(s))
            )
    except Dea2AnkiError as e:
        show_diagnostics(e.diagnostics, "text")
        return 1
    click.echo(render_changelog(events, title), nl=False)
    return 0


@cli.command("preview", context_settings=CONTEXT)
@notes_options
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="FILE",
    help="The HTML page to write [default: build/preview.html].",
)
@click.option("--title", default=None, help="Page title [default: the root decks' names].")
@format_option
@quiet_option
def preview_cmd(
    notes: NotesArgs,
    output: str | None,
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
        s = resolve(notes)
        result = preview_notes(s.paths, s.options, lock_path=s.lock, cache_dir=_cache_of(s))
    except Dea2AnkiError as e:
        return _failed(e, fmt, "Preview", "nothing")
    show_diagnostics(result.diagnostics, fmt, quiet=quiet)
    if output:
        out = Path(output)
    else:
        # Beside the packages: in the output folder, or next to a single OUT.apkg.
        out = cache_folder(Path(s.config.get("output", DEFAULT_OUTPUT))).parent / "preview.html"
    from .preview import write_preview  # only this command needs it

    roots = dict.fromkeys(n.deck.split("::", 1)[0] for n in result.notes)
    try:
        write_preview(
            out, result.notes, result.media, title=title or " + ".join(roots) or "dea2anki"
        )
    except OSError as e:
        show_diagnostics(
            [error(str(out), None, "write-failed", f"cannot write: {e.strerror or e}")], fmt
        )
        return 1
    if not quiet:
        click.echo(f"Wrote {out}: {_plural(len(result.notes), 'note')}; open it in a browser.")
    return 0


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
        show_diagnostics(e.diagnostics, "text")
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

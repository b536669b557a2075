"""What the commands print: diagnostics (text, JSON or GitHub annotations), the build
summary, and a progress bar."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable
from typing import Any

import click

from ..diagnostics import NO_CONCEPTS, Dea2AnkiError, Diagnostic, report
from ..pipeline.build import BuildResult
from ..pipeline.per_file import NO_CONCEPTS_FOUND
from ..records import EventKind


def color() -> bool:
    # https://no-color.org: any non-empty NO_COLOR turns colour off.
    return not os.environ.get("NO_COLOR") and sys.stderr.isatty()


def styled(text: str, **style: Any) -> str:
    return click.style(text, **style) if color() else text


def show_diagnostics(
    diagnostics: Iterable[Diagnostic], fmt: str, *, quiet: bool = False, verbose: bool = False
) -> None:
    """text: path:line:col: severity: message [code]; github: workflow annotations."""
    shown = [d for d in diagnostics if d.is_error or not quiet]
    if fmt == "json":
        click.echo(json.dumps([d.as_dict() for d in shown], ensure_ascii=False, indent=1), err=True)
        return
    for d in shown if verbose else folded(shown):
        if fmt == "github":
            click.echo(d.github())
        else:
            color = "red" if d.is_error else "yellow"
            line = str(d).replace(
                f" {d.severity.value}: ", f" {styled(d.severity.value, fg=color, bold=True)}: ", 1
            )
            click.echo(line, err=True)


FOLD_AFTER = 3
"""More files than this without concepts (a vault of daily notes) make one line."""


def folded(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """``diagnostics`` with the plain ``no-concepts`` warnings of many files as one, in the
    place of the first, naming their common folder and the first few (``--verbose`` lists
    them all). Those that name a syntax to turn on stay: each says something different."""
    empty = [
        d for d in diagnostics if d.code == NO_CONCEPTS.name and d.message == NO_CONCEPTS_FOUND
    ]
    if len(empty) <= FOLD_AFTER:
        return diagnostics
    folder = os.path.commonpath([os.path.dirname(d.path) or "." for d in empty])
    first = ", ".join(os.path.relpath(d.path, folder) for d in empty[:FOLD_AFTER])
    one = report(
        NO_CONCEPTS,
        folder,
        None,
        f"{len(empty)} files hold no concepts ({first}, …); --verbose lists every one",
    )
    out = [one if d is empty[0] else d for d in diagnostics]
    return [d for d in out if d not in empty[1:]]


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(result: BuildResult, *, verbose: bool) -> None:
    warnings = sum(1 for d in result.diagnostics if not d.is_error)
    click.echo(
        f"Read {plural(result.files, 'file')}, found {plural(result.concepts, 'concept')}, "
        f"exported {styled(plural(result.exported, 'note'), bold=True)}."
    )
    for p in result.packages:
        click.echo(
            f"  {styled(str(p.path), fg='green')}: {plural(p.notes, 'note')}, "
            f"{plural(p.cards, 'card')}, {plural(p.decks, 'deck')}, "
            f"{plural(p.media, 'media file')}, {p.size / 1024:.1f} KiB"
        )
    written = {p.path.resolve() for p in result.packages}
    folders = {p.path.parent for p in result.packages}
    for stale in sorted(f for d in folders for f in d.glob("*.apkg") if f.resolve() not in written):
        # Not ours to delete (it may be a release kept on purpose), but easy to import by
        # mistake.
        click.echo(styled(f"  {stale}: left from an earlier build, not written now", dim=True))
    for e in result.events:
        if e.kind is EventKind.RENAMED:
            click.echo(f"  renamed: {e.old_term!r} -> {e.term!r} ({e.how}), {e.where}")
        elif e.kind is EventKind.MOVED:
            click.echo(f"  moved: {e.term!r} {e.old_deck} -> {e.deck}, {e.where}")
        elif e.kind in (EventKind.RETIRED, EventKind.RESTORED) or verbose:
            click.echo(f"  {e.kind.value}: {e.term!r}, {e.where}")
    added = sum(1 for e in result.events if e.kind is EventKind.ADDED)
    state = "updated" if result.lock_written else "unchanged"
    retired = f", {result.retired} retired" if result.retired else ""
    click.echo(
        f"Lock {result.lock_path} {state}: {added} new, {result.restamped} updated{retired} "
        "(only these get a new time stamp; Anki skips the rest as up to date)."
    )
    if warnings:
        click.echo(styled(f"{plural(warnings, 'warning')} (listed above).", fg="yellow"))


def json_summary(result: BuildResult) -> str:
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


def failed(e: Dea2AnkiError, fmt: str, what: str = "Build", outcome: str = "no package") -> int:
    show_diagnostics(e.diagnostics, fmt)
    n = len(e.errors)
    click.echo(
        styled(f"{what} failed: {plural(n, 'error')}; {outcome} was written.", fg="red"),
        err=True,
    )
    return 1

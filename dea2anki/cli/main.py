"""The ``dea2anki`` command: its group, and ``main``, which returns an exit code."""

from __future__ import annotations

import os
from collections.abc import Sequence

import click

from .. import __version__
from ..diagnostics import Dea2AnkiError
from .build_cmd import build_cmd
from .commands import changelog, check_cmd, preview_cmd
from .options import CONTEXT
from .output import show_diagnostics


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


for _command in (build_cmd, check_cmd, changelog, preview_cmd):
    cli.add_command(_command)


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

"""The ``dea2anki`` command: its group, and ``main``, which returns an exit code."""

from __future__ import annotations

import os
from collections.abc import Sequence

import click

from .. import __version__
from ..diagnostics import Dea2AnkiError
from .options import CONTEXT
from .output import show_diagnostics


class _Commands(click.Group):
    """Imports a command's module when that command is asked for (click's lazy loading of
    subcommands): a build never imports what check, changelog and preview need."""

    # --help lists them in this order
    NAMES = ("build", "changelog", "check", "preview", "sync", "pull")

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.NAMES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "build":
            from .build_cmd import build_cmd

            return build_cmd
        if cmd_name in ("sync", "pull"):
            from .sync_cmd import pull_cmd, sync_cmd

            return sync_cmd if cmd_name == "sync" else pull_cmd
        if cmd_name in self.NAMES:
            from .commands import changelog, check_cmd, preview_cmd

            return {"check": check_cmd, "changelog": changelog, "preview": preview_cmd}[cmd_name]
        return None


@click.group(cls=_Commands, context_settings=CONTEXT)
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

"""``build --watch``: build again whenever a note changes."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import click

from ..identity.lock import LOCK_NAME
from .options import Run
from .output import styled


def watch(run: Run, out: Path, once: Callable[[], int]) -> int:
    """Call ``once`` whenever something under the notes or the config file changes."""
    from watchfiles import watch as changes  # imported here: only --watch needs it

    roots = [Path(p) for p in run.paths]
    if run.config.path is not None:
        roots.append(run.config.path)
    out_abs = out.resolve()

    def relevant(_change: object, path: str) -> bool:
        p = Path(path)
        # Our own outputs (the lock, temporary files, packages) must not trigger a rebuild.
        return not (
            p.name.startswith(".") or p.name == LOCK_NAME or p.resolve().is_relative_to(out_abs)
        )

    click.echo(f"Watching {', '.join(map(str, roots))} (Ctrl-C to stop)...", err=True)
    try:
        # raise_interrupt: watchfiles would otherwise log its own "KeyboardInterrupt caught,
        # stopping watch" warning on Ctrl-C.
        for _changes in changes(*roots, watch_filter=relevant, raise_interrupt=True):
            click.echo(styled(f"\n[{time.strftime('%H:%M:%S')}] change detected", dim=True))
            once()
    except KeyboardInterrupt:
        click.echo("Stopped watching.", err=True)
    return 0

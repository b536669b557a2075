"""The options the commands share, made from the settings registry, and what the CLI reads
from its environment: the config file and SOURCE_DATE_EPOCH (read here, at the edge, and
passed in; the library never reads the environment)."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ..diagnostics import BAD_EPOCH, Dea2AnkiError, report
from ..read.config import load_config
from ..settings import (
    BOOL,
    DEPTH,
    DEPTHS,
    LEVEL,
    LEVELS,
    LOCK,
    NOTES,
    SETTINGS,
    Config,
    Kind,
    Options,
    Setting,
    resolve,
)

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
FORMATS = ("text", "json", "github")
_MAX_EPOCH = 253_402_300_799  # 9999-12-31: ids (epoch in ms) stay far below 2**53


def build_timestamp(environ: Mapping[str, str] | None = None) -> int:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now."""
    env = os.environ if environ is None else environ
    raw = env.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return int(time.time())
    if not raw.isdigit() or not 1 <= int(raw) <= _MAX_EPOCH:
        message = f"must be whole seconds since 1970 (1 to {_MAX_EPOCH}), not {raw!r}"
        raise Dea2AnkiError([report(BAD_EPOCH, "SOURCE_DATE_EPOCH", None, message)])
    return int(raw)


@dataclass(frozen=True)
class NotesArgs:
    """What the command line says about the notes: PATHs, --config, and every setting's
    flag (None when not given)."""

    paths: tuple[str, ...]
    config_file: str | None
    flags: Mapping[str, Any]


@dataclass(frozen=True)
class Run:
    """A command's settings, resolved: flag > config file > default (frontmatter comes
    later, per file)."""

    paths: list[str]
    options: Options
    lock: Path | None
    config: Config


def resolve_run(args: NotesArgs) -> Run:
    hint = Path(args.paths[0]) if args.paths else Path(NOTES.default[0])
    config = load_config(args.config_file, hint)
    options = resolve({**args.flags, NOTES.key: args.paths or None}, config)
    lock = options[LOCK]
    paths: tuple[str, ...] = options[NOTES]
    return Run(list(paths), options, Path(lock) if lock is not None else None, config)


def _flag(setting: Setting[Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    names = [setting.short] if setting.short else []
    if setting.kind is BOOL:
        names.append(f"--{setting.key}/--no-{setting.key}")
        return click.option(*names, setting.param, default=None, help=setting.help)
    names.append(setting.flag_name)
    kind = _INT_RANGES.get(setting.kind)
    metavar = setting.metavar or None
    return click.option(
        *names,
        setting.param,
        type=kind,
        default=None,
        metavar=metavar,
        help=setting.help,
        callback=_check_text(setting.kind) if setting.kind.flag_text else None,
    )


_INT_RANGES = {
    DEPTH: click.IntRange(DEPTHS[0], DEPTHS[-1]),
    LEVEL: click.IntRange(LEVELS[0], LEVELS[-1]),
}


def _check_text(kind: Kind) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None and value != "" and not kind.check(value):
            raise click.BadParameter(f"must be {kind.what}, not {value!r}")
        return value

    return check


def notes_options(command: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """PATHs, --config and the flag of every setting this command takes, handed to the
    command as one ``notes: NotesArgs`` argument."""
    flagged = [s for s in SETTINGS if s.flag and command in s.commands]

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def run(**kwargs: Any) -> Any:
            flags = {s.key: kwargs.pop(s.param) for s in flagged}
            notes = NotesArgs(kwargs.pop("paths"), kwargs.pop("config_file"), flags)
            return f(notes=notes, **kwargs)

        decorated: Callable[..., Any] = run
        decorators: list[Callable[[Any], Any]] = [
            click.argument("paths", nargs=-1, metavar="[PATH]..."),
            click.option(
                "--config",
                "config_file",
                metavar="FILE",
                help="Config file [default: dea2anki.toml in the notes folder or here, "
                "else [tool.dea2anki] in ./pyproject.toml].",
            ),
            *(_flag(s) for s in flagged),
        ]
        for option in reversed(decorators):
            decorated = option(decorated)
        return decorated

    return decorate


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="How to print diagnostics: text (path:line:col), json, or github (annotations).",
)
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print errors only.")

"""Project configuration: ``[tool.dea2anki]`` in pyproject.toml, or a dea2anki.toml.

Looked up in this order: ``--config FILE``; ``dea2anki.toml`` in the notes folder;
``dea2anki.toml`` in the current folder; ``[tool.dea2anki]`` in ./pyproject.toml. Paths in
the file are relative to the file's folder. Its keys are the registry's (settings.SETTINGS);
a key we do not know is an error naming the key and the file, so a typo never silently does
nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from ..diagnostics import CONFIG, CONFIG_KEY, CONFIG_TYPE, Dea2AnkiError, report
from ..settings import CONFIG_KEYS, PATH_KEYS, Config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


def find_config(explicit: str | None, notes_hint: Path) -> tuple[Path, bool] | None:
    """The config file to read and whether it is a pyproject.toml (``[tool.dea2anki]``)."""
    if explicit:
        p = Path(explicit)
        return p, p.name == "pyproject.toml"
    folder = notes_hint if notes_hint.is_dir() else notes_hint.parent
    for candidate in (folder / "dea2anki.toml", Path("dea2anki.toml")):
        if candidate.is_file():
            return candidate, False
    pyproject = Path("pyproject.toml")
    if pyproject.is_file():
        return pyproject, True
    return None


def load_config(explicit: str | None = None, notes_hint: Path = Path("notes")) -> Config:
    found = find_config(explicit, notes_hint)
    if found is None:
        return Config()
    path, is_pyproject = found
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError as e:
        raise Dea2AnkiError([report(CONFIG, shown, None, "no such config file")]) from e
    except (OSError, UnicodeDecodeError) as e:
        raise Dea2AnkiError([report(CONFIG, shown, None, f"cannot read: {e}")]) from e
    except tomllib.TOMLDecodeError as e:
        line = getattr(e, "lineno", None)
        raise Dea2AnkiError([report(CONFIG, shown, line, f"invalid TOML: {e}")]) from e
    table: Any = data
    if is_pyproject:
        table = data.get("tool", {}).get("dea2anki")
        if table is None:
            return Config()
    if not isinstance(table, dict):
        raise Dea2AnkiError([report(CONFIG, shown, None, "[tool.dea2anki] must be a table")])
    problems = []
    start = 0
    if is_pyproject:
        header = re.search(r"^\s*\[tool\.dea2anki\]", text, re.MULTILINE)
        start = header.start() if header else 0
    for key, value in table.items():
        line = _key_line(text, key, start)
        setting = CONFIG_KEYS.get(key)
        if setting is None:
            known = ", ".join(CONFIG_KEYS)
            problems.append(
                report(CONFIG_KEY, shown, line, f"unknown key {key!r} (known keys: {known})")
            )
            continue
        what = setting.kind.what
        if not setting.kind.check(value):
            problems.append(
                report(CONFIG_TYPE, shown, line, f"{key!r} must be {what}, not {value!r}")
            )
    if problems:
        raise Dea2AnkiError(problems)
    base = path.parent
    values = dict(table)
    for key in PATH_KEYS:
        value = values.get(key)
        if isinstance(value, list):
            values[key] = [str(base / p) for p in value]
        elif value is not None:
            values[key] = str(base / value)
    return Config(path, values)


def _key_line(text: str, key: str, start: int = 0) -> int | None:
    m = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=', re.MULTILINE).search(text, start)
    return text[: m.start()].count("\n") + 1 if m else None

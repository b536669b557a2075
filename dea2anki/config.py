"""Project configuration: ``[tool.dea2anki]`` in pyproject.toml, or a dea2anki.toml.

Looked up in this order: ``--config FILE``; ``dea2anki.toml`` in the notes folder;
``dea2anki.toml`` in the current folder; ``[tool.dea2anki]`` in ./pyproject.toml. Paths in
the file are relative to the file's folder. A key we do not know is an error naming the key
and the file, so a typo never silently does nothing.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Dea2AnkiError, error

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _is_depth(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 6


def _is_str(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(_is_str(x) for x in v)


# key -> (check, what the value must be)
KEYS: dict[str, tuple[Any, str]] = {
    "notes": (_is_str_list, "a list of paths"),
    "output": (_is_str, "a path"),
    "lock": (_is_str, "a path"),
    "deck-depth": (_is_depth, "a whole number from 0 to 6"),
    "include-empty": (_is_bool, "true or false"),
    "tags": (_is_str_list, "a list of tags"),
    "reverse": (_is_bool, "true or false"),
    "allow-html": (_is_bool, "true or false"),
    "retire": (_is_bool, "true or false"),
    "skip-drafts": (_is_bool, "true or false"),
}
_PATH_KEYS = ("output", "lock")


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


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
        raise Dea2AnkiError([error(shown, None, "config", "no such config file")]) from e
    except (OSError, UnicodeDecodeError) as e:
        raise Dea2AnkiError([error(shown, None, "config", f"cannot read: {e}")]) from e
    except tomllib.TOMLDecodeError as e:
        line = getattr(e, "lineno", None)
        raise Dea2AnkiError([error(shown, line, "config", f"invalid TOML: {e}")]) from e
    table: Any = data
    if is_pyproject:
        table = data.get("tool", {}).get("dea2anki")
        if table is None:
            return Config()
    if not isinstance(table, dict):
        raise Dea2AnkiError([error(shown, None, "config", "[tool.dea2anki] must be a table")])
    problems = []
    start = 0
    if is_pyproject:
        header = re.search(r"^\s*\[tool\.dea2anki\]", text, re.MULTILINE)
        start = header.start() if header else 0
    for key, value in table.items():
        line = _key_line(text, key, start)
        if key not in KEYS:
            known = ", ".join(KEYS)
            problems.append(
                error(shown, line, "config-key", f"unknown key {key!r} (known keys: {known})")
            )
            continue
        check, what = KEYS[key]
        if not check(value):
            problems.append(
                error(shown, line, "config-type", f"{key!r} must be {what}, not {value!r}")
            )
    if problems:
        raise Dea2AnkiError(problems)
    base = path.parent
    values = dict(table)
    for key in _PATH_KEYS:
        if key in values:
            values[key] = str(base / values[key])
    if "notes" in values:
        values["notes"] = [str(base / p) for p in values["notes"]]
    return Config(path, values)


def _key_line(text: str, key: str, start: int = 0) -> int | None:
    m = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=', re.MULTILINE).search(text, start)
    return text[: m.start()].count("\n") + 1 if m else None

"""Diagnostics: what the library reports about the notes, and its one error type.

Every stage returns or raises these instead of printing, so the CLI decides how to show
them (text, JSON or GitHub annotations; build and check alike).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Diagnostic:
    path: str
    """The file as the user named it (or as found under a folder they named)."""
    line: int | None
    severity: Severity
    code: str
    """Stable identifier, e.g. ``empty-definition``; shown in brackets."""
    message: str
    column: int | None = None

    @property
    def where(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        """Compiler style, which editors and CI logs understand: path:line:col: ..."""
        return f"{self.where}: {self.severity.value}: {self.message} [{self.code}]"

    def github(self) -> str:
        """A GitHub Actions workflow command: shows as an annotation on the file."""
        props = [f"file={_gh_property(self.path)}"]
        if self.line is not None:
            props.append(f"line={self.line}")
            if self.column is not None:
                props.append(f"col={self.column}")
        props.append(f"title={_gh_property(self.code)}")
        return f"::{self.severity.value} {','.join(props)}::{_gh_message(self.message)}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
        }

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def _gh_message(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_message(text).replace(":", "%3A").replace(",", "%2C")


def error(
    path: str, line: int | None, code: str, message: str, column: int | None = None
) -> Diagnostic:
    return Diagnostic(path, line, Severity.ERROR, code, message, column)


def warning(
    path: str, line: int | None, code: str, message: str, column: int | None = None
) -> Diagnostic:
    return Diagnostic(path, line, Severity.WARNING, code, message, column)


class Dea2AnkiError(Exception):
    """The build cannot be trusted; carries every error found (and the warnings so far)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.errors))

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

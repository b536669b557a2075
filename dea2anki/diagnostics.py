"""Diagnostics: what the library reports about the notes, and its one error type.

Every stage returns or raises these instead of printing, so the CLI (and later `check`)
decides how to show them.
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

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.severity.value}: {self.message} [{self.code}]"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(path: str, line: int | None, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, line, Severity.ERROR, code, message)


def warning(path: str, line: int | None, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, line, Severity.WARNING, code, message)


class Dea2AnkiError(Exception):
    """The build cannot be trusted; carries every error found (and the warnings so far)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.errors))

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

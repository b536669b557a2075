"""The code stays ruff- and mypy-clean: part of the test command, so CI enforces it."""

from __future__ import annotations

import shutil
import subprocess
import sys

from conftest import REPO


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff_lint_and_format() -> None:
    assert shutil.which("ruff"), "ruff is a test dependency: pip install -e '.[test]'"
    lint = run("ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run("ruff", "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_mypy_strict() -> None:
    r = run(sys.executable, "-m", "mypy")
    assert r.returncode == 0, r.stdout + r.stderr

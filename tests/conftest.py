from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ankiutil import Anki

from dea2anki.cli.main import main

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "notes" / "DEA.md"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def write(path: str | Path, content: str | bytes) -> Path:
    """Create a file (and its folders) with text (UTF-8) or bytes."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


def listing(folder: Path) -> list[str]:
    """What a build left in its output folder, apart from its parse cache."""
    return sorted(p.name for p in folder.iterdir() if p.name != ".dea2anki-cache")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the current directory, with SOURCE_DATE_EPOCH unset."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.delenv("DEA2ANKI_DEBUG", raising=False)
    return tmp_path


@pytest.fixture
def seed_project(workdir: Path) -> Path:
    """A project folder holding notes/DEA.md, a copy of the seed."""
    (workdir / "notes").mkdir()
    shutil.copy(SEED, workdir / "notes" / "DEA.md")
    return workdir


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run the CLI in-process: cli("build", "-o", "x.apkg", epoch=1700000000)."""

    def run(*args: str, epoch: int | None = None) -> Run:
        if epoch is None:
            monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
        else:
            monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def anki(tmp_path: Path) -> Iterator[Anki]:
    col = Anki(tmp_path / "anki-profile")
    yield col
    col.close()

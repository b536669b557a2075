"""The wheel a user installs stands alone: built from this tree, installed (not editable) into
a fresh virtual environment, it builds the sample deck from a copy of notes/ outside the
repository, with its package data (the card CSS) and its console script, and without
importing anything only the tests need."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

# The dependencies come from this interpreter's site-packages (the test needs no network);
# dea2anki itself only from the wheel.
TEST_ONLY = ("anki", "aqt", "pytest", "hypothesis", "playwright", "mypy", "ruff", "build")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # A copy of the tree: building writes dea2anki.egg-info and build/ next to the sources.
    src = tmp_path_factory.mktemp("src") / "dea2anki"
    shutil.copytree(
        REPO, src, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "mutants")
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("dea2anki-*.whl")
    return found


def test_the_wheel_holds_the_package_data_and_metadata(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "dea2anki/write/card.css" in names
    assert "dea2anki/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not any(n.startswith(("tests/", "notes/", "benchmarks/")) for n in names)
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(meta).decode()
    assert "License-Expression: MIT" in text
    assert "Requires-Python: >=3.10" in text
    assert "Requires-Dist: nh3" in text
    # Anki's library only for sync and pull (an extra), never for a build.
    anki = [line for line in text.splitlines() if line.startswith("Requires-Dist: anki")]
    assert anki and all("extra ==" in line for line in anki), anki
    assert "Provides-Extra: sync" in text


def test_the_installed_wheel_builds_the_sample_deck(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    # pip from ensurepip (bundled, offline): the console script gets the venv's python.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    project = tmp_path / "project"
    shutil.copytree(REPO / "notes", project / "notes")
    (project / "notes" / "dea2anki.lock").unlink()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    env.pop("PYTHONPATH", None)
    where = subprocess.run(
        [str(python), "-c", "import dea2anki; print(dea2anki.__file__)"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.strip()
    assert Path(where).is_relative_to(env_dir), where
    built = subprocess.run(
        [str(env_dir / "bin" / "dea2anki"), "build"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
    )
    assert built.returncode == 0, built.stderr
    assert "exported 29 notes" in built.stdout
    assert (project / "build" / "DEA.apkg").stat().st_size > 5000
    # A build imports nothing that only the tests install.
    probe = (
        "import sys, json; from dea2anki.cli.main import main\n"
        "try:\n    main(['build', '-o', 'again'])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    run = subprocess.run(
        [str(python), "-c", probe], cwd=project, capture_output=True, text=True, env=env
    )
    loaded = set(json.loads(run.stdout.strip().splitlines()[-1]))
    assert {"dea2anki", "genanki", "mistune", "nh3"} <= loaded  # the build did run
    assert not loaded & set(TEST_ONLY), loaded & set(TEST_ONLY)
    assert (project / "again" / "DEA.apkg").is_file()


def test_pipx_installs_the_wheel_as_a_command(wheel: Path, tmp_path: Path) -> None:
    """``pipx install dea2anki-*.whl``: its own virtual environment, its dependencies from
    the package index pip is configured with, and a ``dea2anki`` command on the PATH."""
    if shutil.which("pipx") is None:
        pytest.fail("pipx is a test dependency: python3 -m pip install -e '.[test]'")
    env = {
        **os.environ,
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
    }
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        ["pipx", "install", "--python", sys.executable, str(wheel)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    command = tmp_path / "bin" / "dea2anki"
    project = tmp_path / "project"
    shutil.copytree(REPO / "notes", project / "notes")
    (project / "notes" / "dea2anki.lock").unlink()
    built = subprocess.run(
        [str(command), "build"], cwd=project, capture_output=True, text=True, env=env
    )
    assert built.returncode == 0, built.stderr
    assert "exported 29 notes" in built.stdout
    assert (project / "build" / "DEA.apkg").is_file()

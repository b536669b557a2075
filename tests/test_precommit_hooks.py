"""The pre-commit hooks in .pre-commit-hooks.yaml, run the way pre-commit runs them: the
entry, then the staged files that match ``files`` (unless ``pass_filenames: false``)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO, Run, write

HOOKS = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
T1 = 1_700_000_000


def run_hook(cli, hook_id: str, staged: list[str]) -> Run:  # type: ignore[no-untyped-def]
    hook = HOOKS[hook_id]
    argv = shlex.split(hook["entry"])
    assert argv[0] == "dea2anki"
    files = [f for f in staged if re.search(hook["files"], f)]
    if not files:
        pytest.fail(f"{hook_id} would not run for {staged}")
    if hook.get("pass_filenames", True):
        argv += files
    result: Run = cli(*argv[1:])
    return result


def test_the_hooks_are_python_hooks_on_markdown(workdir) -> None:
    assert set(HOOKS) == {"dea2anki-check", "dea2anki-locked"}
    for hook in HOOKS.values():
        assert hook["language"] == "python"
        assert re.search(hook["files"], "notes/DEA.md")
    assert re.search(HOOKS["dea2anki-locked"]["files"], "notes/dea2anki.lock")
    assert not re.search(HOOKS["dea2anki-check"]["files"], "notes/dea2anki.lock")


def test_check_fails_the_commit_on_errors_in_the_staged_notes(seed_project, cli) -> None:
    assert run_hook(cli, "dea2anki-check", ["notes/DEA.md", "README.txt"]).code == 0
    write("notes/bad.md", "---\ndeck: [x]\n---\n# H\n\n- **A** : b : K ;\n")
    r = run_hook(cli, "dea2anki-check", ["notes/bad.md"])
    assert r.code == 1
    assert "notes/bad.md:2: error: frontmatter 'deck' must be a non-empty text" in r.out


def test_locked_fails_until_the_rebuilt_lock_is_committed(seed_project, cli) -> None:
    assert cli("build", epoch=T1).code == 0
    assert run_hook(cli, "dea2anki-locked", ["notes/DEA.md"]).code == 0
    notes = Path("notes/DEA.md")
    text = notes.read_text(encoding="utf-8")
    notes.write_text(text.replace("서버리스", "서버리스 (edited)", 1), encoding="utf-8")
    stale = run_hook(cli, "dea2anki-locked", ["notes/DEA.md"])
    assert stale.code == 1
    assert "the lock is out of date with the notes (0 new, 1 changed, 0 removed" in stale.out
    assert "[lock-stale]" in stale.out
    assert cli("build", epoch=T1 + 5).code == 0
    assert run_hook(cli, "dea2anki-locked", ["notes/dea2anki.lock"]).code == 0


def test_locked_without_a_lock_says_how_to_make_one(seed_project, cli) -> None:
    r = run_hook(cli, "dea2anki-locked", ["notes/DEA.md"])
    assert r.code == 1
    assert "no lock file; run `dea2anki build` without --locked" in r.out


def test_pre_commit_try_repo_runs_both_hooks_on_a_notes_repository(tmp_path) -> None:
    """pre-commit itself, as a notes repository would use this one: it installs this tree
    (its uncommitted changes too) into a hook environment and runs each hook there."""
    if shutil.which("pre-commit") is None or shutil.which("git") is None:
        pytest.fail("pre-commit (a test dependency) and git are needed")
    notes_repo = tmp_path / "notes-repo"
    shutil.copytree(REPO / "notes", notes_repo / "notes")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "SOURCE_DATE_EPOCH": "1"}
    env.pop("PYTHONPATH", None)

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=notes_repo,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "notes")

    def try_repo(hook: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pre-commit", "try-repo", str(REPO), hook, "--all-files"],
            cwd=notes_repo,
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )

    checked = try_repo("dea2anki-check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert re.search(r"dea2anki check\.+Passed", checked.stdout), checked.stdout
    write(notes_repo / "notes" / "bad.md", "---\ndeck: [x]\n---\n# H\n\n- **A** : b : K ;\n")
    git("add", ".")
    failing = try_repo("dea2anki-check")
    assert failing.returncode == 1
    assert "notes/bad.md:2: error: frontmatter 'deck' must be a non-empty text" in failing.stdout
    (notes_repo / "notes" / "bad.md").unlink()
    notes = notes_repo / "notes" / "DEA.md"
    notes.write_text(notes.read_text("utf-8").replace("서버리스", "서버리스 (edited)", 1), "utf-8")
    git("add", ".")
    stale = try_repo("dea2anki-locked")
    assert stale.returncode == 1 and "[lock-stale]" in stale.stdout

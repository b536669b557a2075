"""The GitHub Action (action.yml): its steps' scripts run as the runner runs them, in a git
repository of notes, with the inputs as environment variables and $GITHUB_OUTPUT read back.
(actions/setup-python and the install step are the runner's; the tests' dea2anki is used.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml
from conftest import REPO, SEED

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
_EXPR = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")
COMMIT_TIME = 1_700_000_000


def git(repo: Path, *args: str, when: int = COMMIT_TIME) -> str:
    date = f"@{when} +0000"
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    out = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def notes_repo(tmp: Path) -> Path:
    repo = tmp / "repo"
    (repo / "notes").mkdir(parents=True)
    shutil.copy(SEED, repo / "notes" / "DEA.md")
    git(repo, "init", "-q")
    subprocess.run(
        ["dea2anki", "build", "-q", "-o", str(tmp / "scratch")],
        cwd=repo,
        check=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": str(COMMIT_TIME)},
    )
    git(repo, "add", "notes")
    git(repo, "commit", "-q", "-m", "notes")
    return repo


def run_action(repo: Path, tmp: Path, **inputs: str) -> tuple[dict[str, str], list[str]]:
    """Run the action's scripts; returns its outputs and the stdout of each step."""
    values = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
    values.update({k.replace("_", "-"): v for k, v in inputs.items()})
    steps: dict[str, dict[str, str]] = {}
    printed = []
    runner_temp = tmp / "runner"
    runner_temp.mkdir(exist_ok=True)

    def value(expr: str) -> str:
        parts = expr.split(".")
        if parts[0] == "inputs":
            return values[parts[1]]
        assert parts[0] == "steps" and parts[2] == "outputs", expr
        return steps.get(parts[1], {}).get(parts[3], "")

    def expand(text: str) -> str:
        return _EXPR.sub(lambda m: value(m.group(1)), text)

    for step in ACTION["runs"]["steps"]:
        if "uses" in step:
            assert step["uses"].startswith("actions/setup-python@")
            continue
        if "pip install" in step["run"]:
            assert '"$GITHUB_ACTION_PATH"' in step["run"]  # the action's own checkout
            continue
        condition = step.get("if")
        if condition is not None:
            m = re.fullmatch(r"inputs\.([\w-]+) != ''", condition)
            assert m, condition
            if not values[m.group(1)]:
                continue
        output = runner_temp / "output.txt"
        output.write_text("")
        env = {**os.environ, **{k: expand(v) for k, v in step.get("env", {}).items()}}
        env.update(
            GITHUB_OUTPUT=str(output), RUNNER_TEMP=str(runner_temp), GITHUB_ACTION_PATH=str(REPO)
        )
        env.pop("SOURCE_DATE_EPOCH", None)
        assert "${{" not in step["run"]  # inputs reach scripts only through env
        done = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", step["run"]],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, (step.get("name"), done.stdout, done.stderr)
        printed.append(done.stdout)
        if "id" in step:
            steps[step["id"]] = _outputs(output.read_text())
    outputs = {k: expand(v["value"]) for k, v in ACTION["outputs"].items()}
    return outputs, printed


def _outputs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line:
            name, end = line.split("<<", 1)
            out[name] = "\n".join(iter(lambda: next(lines), end))
        elif "=" in line:
            name, val = line.split("=", 1)
            out[name] = val
    return out


def test_the_action_checks_and_builds_reproducibly(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path)
    outputs, printed = run_action(repo, tmp_path)
    # The check step annotates: GitHub reads these lines from the step's output.
    assert "::warning file=notes/DEA.md,line=60,col=3,title=empty-definition::" in printed[0]
    assert outputs["packages"] == "dist/DEA.apkg"
    assert outputs["changelog"] == ""
    # The same commit builds the same bytes: stamped with the commit's time.
    again = subprocess.run(
        ["dea2anki", "build", "-q", "-o", str(tmp_path / "again"), "--locked"],
        cwd=repo,
        env={**os.environ, "SOURCE_DATE_EPOCH": str(COMMIT_TIME)},
    )
    assert again.returncode == 0
    assert (repo / "dist" / "DEA.apkg").read_bytes() == (
        tmp_path / "again" / "DEA.apkg"
    ).read_bytes()


def test_the_action_fails_when_the_lock_was_not_rebuilt(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path)
    seed = repo / "notes" / "DEA.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace("서버리스", "서버리스 2", 1), "utf-8")
    git(repo, "commit", "-qam", "edit without the lock", when=COMMIT_TIME + 60)
    try:
        run_action(repo, tmp_path)
    except AssertionError as e:
        assert "Build" in str(e) and "lock-stale" in str(e)
    else:
        raise AssertionError("the action built with a stale lock")


def test_the_action_writes_release_notes_against_the_previous_package(tmp_path: Path) -> None:
    repo = notes_repo(tmp_path)
    run_action(repo, tmp_path)
    previous = tmp_path / "previous.apkg"
    shutil.copy(repo / "dist" / "DEA.apkg", previous)
    seed = repo / "notes" / "DEA.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace("서버리스", "서버리스 2", 1), "utf-8")
    later = COMMIT_TIME + 60
    subprocess.run(
        ["dea2anki", "build", "-q", "-o", str(tmp_path / "scratch2")],
        cwd=repo,
        check=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": str(later)},
    )
    git(repo, "commit", "-qam", "edit", when=later)
    outputs, _ = run_action(repo, tmp_path, previous=str(previous))
    notes = Path(outputs["changelog"]).read_text(encoding="utf-8")
    assert "1 changed." in notes
    assert "## DEA::Analytics::Amazon Athena\n\n- Changed: **Amazon Athena**" in notes

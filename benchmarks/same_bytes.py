"""Fingerprint what a build writes, to show that a change of code changed no output.

Builds the sample notes, examples/rich and a generated 10k-concept vault with a fixed
SOURCE_DATE_EPOCH (cold, then warm after one edit at a later time, from the cold build's
parse cache and lock), and prints the sha256 of every package and lock file written.

    python3 benchmarks/same_bytes.py                    # the code in this checkout
    python3 benchmarks/same_bytes.py --src /tmp/old     # another checkout (git worktree)

Run it for two checkouts and compare the outputs (``diff``): equal lines, equal bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from bench import edit_one_file  # noqa: E402
from make_vault import make  # noqa: E402

EPOCH = 1_700_000_000


def build(src: Path, notes: Path, out: Path, epoch: int) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-m", "dea2anki", "build", str(notes), "-o", str(out), "-q"]
    cmd += ["--lock", str(out.parent / "dea2anki.lock")]
    subprocess.run(cmd, env=env, check=True)


def digests(folder: Path) -> list[str]:
    return [
        f"{p.relative_to(folder)}  {hashlib.sha256(p.read_bytes()).hexdigest()}"
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (p.suffix == ".apkg" or p.name == "dea2anki.lock")
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=REPO, help="checkout whose code to run")
    ap.add_argument("--size", type=int, default=10_000, help="concepts in the generated vault")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="dea2anki-same-") as tmp:
        work = Path(tmp)
        cases = {"seed": REPO / "notes", "rich": REPO / "examples" / "rich"}
        vault = work / "vault"
        make(a.size, vault)
        cases[f"vault-{a.size}"] = vault
        for name, notes in cases.items():
            copy = work / "in" / name
            shutil.copytree(notes, copy, ignore=shutil.ignore_patterns("dea2anki.lock"))
            out = work / "out" / name
            build(a.src, copy, out / "cold" / "packages", EPOCH)
            shutil.copytree(out / "cold", out / "warm")
            edit_one_file(copy, 1)
            build(a.src, copy, out / "warm" / "packages", EPOCH + 60)
        print("\n".join(digests(work / "out")))


if __name__ == "__main__":
    main()

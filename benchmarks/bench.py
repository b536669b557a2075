"""Time dea2anki builds on synthetic vaults and print a Markdown table.

    python3 benchmarks/bench.py                 # 1k, 10k, 100k concepts, 3 runs each
    python3 benchmarks/bench.py --sizes 1000 10000 --runs 5
    python3 benchmarks/bench.py --src /tmp/old   # the code of another checkout (git worktree)
    python3 benchmarks/bench.py --mixed --sizes 10000   # a vault of every card syntax
    python3 benchmarks/bench.py --sync --sizes 10000    # sync into a collection (needs anki)
    python3 benchmarks/bench.py --roots --sizes 100000  # a root deck per file, one package
    python3 benchmarks/bench.py --ankdown ~/ankdown-venv/bin/ankdown --sizes 1000

Every figure is a whole process (`python3 -m dea2anki build VAULT -q`), the median of the runs:
- cold: no cache, no lock, no previous output (a first build);
- warm: the same vault built again after one of its files changed (one definition edited);
- watch: a rebuild inside one process after one file changed, as `dea2anki build --watch` does
  (the previous build's results and lock still in memory; measured in that process);
- peak memory of the cold and warm builds (max RSS of the process and of its workers);
- the floor (benchmarks/floor.py: the rows of as many notes and cards written with SQLite
  and deflated, no parsing at all), timed in the same runs: the ratios cold / floor and
  warm / floor hold from one hour of this shared machine to the next, the seconds do not.
With --sync, `dea2anki sync` instead (Anki's own library writing a real collection):
- first: the vault into an empty collection (every note added);
- again: a re-sync after one of its files changed (one note updated);
- import: for comparison, a process in which Anki imports the vault's package into an empty
  collection (what a learner does after a build).
With --ankdown PROGRAM, ankdown (pip install ankdown, in a venv of its own) also builds the
same concepts written in its own format (make_vault.make_ankdown), in the same runs as the
cold builds: the ratio cold / ankdown compares the two tools on one machine in one hour.
Vaults are generated once (benchmarks/make_vault.py, deterministic) under --work.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_vault import make, make_ankdown, make_mixed

HERE = Path(__file__).resolve().parent


def run_build(
    vault: Path, out: Path, epoch: int, src: Path, *, one_package: bool = False
) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one build process and its children, running the
    code of the checkout ``src``. ``one_package``: every root deck into one .apkg."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "PYTHONPATH": str(src)}
    target = out / "out" / "Bench.apkg" if one_package else out / "out"
    cmd = [sys.executable, "-m", "dea2anki", "build", str(vault), "-o", str(target)]
    cmd += ["--lock", str(out / "dea2anki.lock"), "-q"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"build failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss


EPOCH = 1_700_000_000


def edit_one_file(vault: Path, n: int) -> None:
    note = sorted(vault.glob("*.md"))[len(list(vault.glob("*.md"))) // 2]
    text = note.read_text(encoding="utf-8")
    marker = " : DEA ; AWS"
    i = text.index(marker)
    note.write_text(text[:i] + f" (edit {n})" + text[i:], encoding="utf-8")


# One process builds (from the warm cache), then times a rebuild after an edit: --watch.
_WATCH = """
import os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from bench import edit_one_file
vault, out, epoch = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[4])
try:
    from dea2anki.pipeline.build import build
    from dea2anki.pipeline.memory import Memory
    from dea2anki.settings import DEFAULTS
    memory = Memory()
    def once(t):
        build([str(vault)], out / "out", DEFAULTS, timestamp=t,
              lock_path=out / "dea2anki.lock", memory=memory)
except ImportError:  # a checkout from before 2026-12-02 (bench.py --src OLD)
    from dea2anki.build import BuildOptions, build
    def once(t):
        build([str(vault)], out / "out", BuildOptions(), timestamp=t,
              lock_path=out / "dea2anki.lock", keep=True)
once(epoch)
edit_one_file(vault, epoch)
start = time.perf_counter()
once(epoch + 60)
print(time.perf_counter() - start)
"""


def watch_rebuild(vault: Path, out: Path, epoch: int, src: Path) -> float:
    here = str(Path(__file__).parent)
    cmd = [sys.executable, "-c", _WATCH, str(vault), str(out), here, str(epoch)]
    env = {**os.environ, "PYTHONPATH": str(src)}
    return float(subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout)


def run_floor(size: int, out: Path) -> float:
    """Wall time of the floor's process for ``size`` notes."""
    start = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / "floor.py"), str(size), str(out)], check=True)
    return time.perf_counter() - start


def run_ankdown(program: str, vault: Path, out: Path) -> float:
    """Wall time of one ankdown process building ``vault`` into one package."""
    start = time.perf_counter()
    subprocess.run([program, "-r", str(vault), "-p", str(out)], check=True, cwd=out.parent)
    return time.perf_counter() - start


def bench(
    size: int, runs: int, work: Path, src: Path, shape: str, ankdown: str | None = None
) -> dict[str, float]:
    vault = work / f"{shape}-{size}"
    if not vault.is_dir():
        if shape == "mixed":
            make_mixed(size, vault)
        else:
            make(size, vault, roots=shape == "roots")
    if ankdown and not (work / f"ankdown-{size}").is_dir():
        make_ankdown(size, work / f"ankdown-{size}")
    one = shape == "roots"
    colds, warms, watches, rss, warm_rss, floors, others = [], [], [], [], [], [], []
    for r in range(runs):
        out = work / f"out-{size}"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        floors.append(run_floor(size, out / "floor.apkg"))
        if ankdown:
            others.append(run_ankdown(ankdown, work / f"ankdown-{size}", out / "ankdown.apkg"))
        t, m = run_build(vault, out, EPOCH, src, one_package=one)
        colds.append(t)
        rss.append(m)
        edit_one_file(vault, r)
        # A later time, as a real rebuild has: the edited note gets it as its new mod, and
        # every note and card id (counted from the build time) changes.
        t, m = run_build(vault, out, EPOCH + 60, src, one_package=one)
        warms.append(t)
        warm_rss.append(m)
        floors.append(run_floor(size, out / "floor.apkg"))
        if not one:
            watches.append(watch_rebuild(vault, out, EPOCH + 120, src))
    floor = statistics.median(floors)
    return {
        "cold": statistics.median(colds),
        "warm": statistics.median(warms),
        "watch": statistics.median(watches) if watches else float("nan"),
        "floor": floor,
        "ankdown": statistics.median(others) if others else float("nan"),
        "rss_mb": max(rss) / 1024,
        "warm_rss_mb": max(warm_rss) / 1024,
        "size_kb": (work / f"out-{size}" / "out" / "Bench.apkg").stat().st_size / 1024,
    }


def run_sync(vault: Path, out: Path, epoch: int, src: Path) -> float:
    """Wall time of one ``dea2anki sync`` process into ``out``'s collection."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-m", "dea2anki", "sync", str(vault)]
    cmd += ["--collection", str(out / "profile" / "collection.anki2")]
    cmd += ["--lock", str(out / "dea2anki.lock"), "-q"]
    start = time.perf_counter()
    # In ``out``: the sync's parse cache (build/.dea2anki-cache, beside where a build of
    # the same settings writes) lands there.
    subprocess.run(cmd, env=env, check=True, cwd=out)
    return time.perf_counter() - start


_IMPORT = """
import sys, time
from anki.collection import Collection
from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest
col = Collection(sys.argv[1])
col.import_anki_package(ImportAnkiPackageRequest(package_path=sys.argv[2],
    options=ImportAnkiPackageOptions(merge_notetypes=False, update_notes=0, update_notetypes=0)))
col.close()
"""


def bench_sync(size: int, runs: int, work: Path, src: Path, mixed: bool) -> dict[str, float]:
    vault = work / f"{'mixed' if mixed else 'vault'}-{size}"
    if not vault.is_dir():
        make_mixed(size, vault) if mixed else make(size, vault)
    firsts, agains, imports = [], [], []
    code = "from anki.collection import Collection; Collection({!r}).close()"
    for r in range(runs):
        out = work / f"sync-{size}"
        shutil.rmtree(out, ignore_errors=True)
        (out / "profile").mkdir(parents=True)
        col = out / "profile" / "collection.anki2"
        subprocess.run([sys.executable, "-c", code.format(str(col))], check=True)
        firsts.append(run_sync(vault, out, EPOCH, src))
        edit_one_file(vault, 100 + r)
        agains.append(run_sync(vault, out, EPOCH + 60, src))
        run_build(vault, out, EPOCH, src)
        other = out / "import" / "collection.anki2"
        other.parent.mkdir()
        package = str(out / "out" / "Bench.apkg")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", _IMPORT, str(other), package], check=True)
        imports.append(time.perf_counter() - start)
    return {
        "first": statistics.median(firsts),
        "again": statistics.median(agains),
        "import": statistics.median(imports),
    }


def _seconds(t: float) -> str:
    return "-" if t != t else f"{t:.2f} s"  # NaN: not timed for this shape


def _ratio(a: float, b: float) -> str:
    return "-" if b != b else f"{a / b:.2f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/dea2anki-bench"))
    ap.add_argument("--src", type=Path, default=HERE.parent, help="the checkout to time")
    ap.add_argument("--mixed", action="store_true", help="a vault of every card syntax")
    ap.add_argument(
        "--roots", action="store_true", help="a root deck per file, built into one package"
    )
    ap.add_argument("--sync", action="store_true", help="time sync into a collection")
    ap.add_argument("--ankdown", metavar="PROGRAM", help="also time ankdown on the same cards")
    a = ap.parse_args()
    src = a.src.resolve()
    a.work.mkdir(parents=True, exist_ok=True)
    # Time the program as installed: bytecode compiled beforehand (pip does that), not on
    # the first run (PYTHONDONTWRITEBYTECODE would make every run compile everything).
    compileall.compile_dir(str(src / "dea2anki"), quiet=1)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f"; code: {src}"
    )
    print()
    if a.sync:
        print(
            "| concepts | sync into an empty collection | re-sync, 1 file changed "
            "| Anki importing the package (for comparison) |"
        )
        print("|---|---|---|---|")
        for size in a.sizes:
            r = bench_sync(size, a.runs, a.work, src, a.mixed)
            print(
                f"| {size:,} | {r['first']:.2f} s | {r['again']:.2f} s | {r['import']:.2f} s |",
                flush=True,
            )
        return
    shape = "mixed" if a.mixed else "roots" if a.roots else "vault"
    print(
        "| concepts | cold build | warm (1 file changed) | --watch rebuild | floor "
        "| cold / floor | warm / floor | peak memory cold / warm | package | ankdown "
        "| cold / ankdown |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for size in a.sizes:
        r = bench(size, a.runs, a.work, src, shape, a.ankdown)
        print(
            f"| {size:,} | {r['cold']:.2f} s | {r['warm']:.2f} s | {_seconds(r['watch'])} "
            f"| {r['floor']:.2f} s | {r['cold'] / r['floor']:.2f}x "
            f"| {r['warm'] / r['floor']:.2f}x "
            f"| {r['rss_mb']:.0f} / {r['warm_rss_mb']:.0f} MB "
            f"| {r['size_kb'] / 1024:.1f} MB | {_seconds(r['ankdown'])} "
            f"| {_ratio(r['cold'], r['ankdown'])} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

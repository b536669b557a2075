"""Generate a deterministic synthetic study vault for benchmarks.

100 concepts per file under one H1/H2 (so 1,000 decks at 100k concepts), all in one
root deck (one package), Korean + English definitions of about 160 characters, tag lists and
frontmatter, like notes/DEA.md.

    python3 benchmarks/make_vault.py 10000 /tmp/vault-10k
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

PER_FILE = 100
PER_SECTION = 100

KO = [
    "데이터",
    "스트림",
    "실시간",
    "처리",
    "분석",
    "서비스",
    "완전관리형",
    "서버리스",
    "파티션",
    "샤드",
    "브로커",
    "저장",
    "쿼리",
    "변환",
    "전송",
]
EN = [
    "data",
    "stream",
    "real-time",
    "managed",
    "serverless",
    "partition",
    "shard",
    "broker",
    "storage",
    "query",
    "transform",
]


def definition(rng: random.Random) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < 160:
        words.append(rng.choice(KO if rng.random() < 0.6 else EN))
    return " ".join(words)[:160].strip() + "."


def make(n: int, out: Path) -> None:
    rng = random.Random(n)
    out.mkdir(parents=True, exist_ok=True)
    files = (n + PER_FILE - 1) // PER_FILE
    made = 0
    for f in range(files):
        lines = [
            "---",
            "deck: Bench",
            f"created: 2024-07-{f % 28 + 1:02d}T09:22",
            "tags:",
            "  - project",
            f"  - topic/t{f % 7}",
            "---",
            "",
            f"# Domain {f}",
            "",
        ]
        for s in range(PER_FILE // PER_SECTION):
            lines += [f"## Service {f}-{s}", "", "Some prose about the service.", "", "---", ""]
            lines += ["**_Concept_**", ""]
            for _ in range(PER_SECTION):
                if made == n:
                    break
                lines.append(f"- **Concept {made:06d}** : {definition(rng)} : DEA ; AWS")
                made += 1
            lines += ["", "---", ""]
        (out / f"note-{f:04d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    make(int(sys.argv[1]), Path(sys.argv[2]))

"""Generate a deterministic synthetic study vault for benchmarks.

100 concepts per file under one H1/H2 (so 1,000 decks at 100k concepts), all in one
root deck (one package), Korean + English definitions of about 160 characters, tag lists and
frontmatter, like notes/DEA.md.

    python3 benchmarks/make_vault.py 10000 /tmp/vault-10k
    python3 benchmarks/make_vault.py 10000 /tmp/mixed-10k --mixed

``--mixed``: every syntax at once. Each file holds, per 100 cards, 40 concept lines, 12
cloze paragraphs, 12 Q:/A: pairs, 12 definition callouts, 12 obsidian-spaced-repetition
``::`` cards (the file is tagged ``flashcards``) and 12 glossary items (its frontmatter turns
the glossary syntax on).
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


def make(n: int, out: Path, *, roots: bool = False) -> None:
    """``roots``: no ``deck:`` in the frontmatter, so that each file is a root deck of its
    own (1,000 of them at 100k concepts)."""
    rng = random.Random(n)
    out.mkdir(parents=True, exist_ok=True)
    files = (n + PER_FILE - 1) // PER_FILE
    made = 0
    for f in range(files):
        lines = [
            "---",
            *([] if roots else ["deck: Bench"]),
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


MIXED = (("concept", 40), ("cloze", 12), ("qa", 12), ("callout", 12), ("sr", 12), ("glossary", 12))


def mixed_card(kind: str, i: int, rng: random.Random) -> list[str]:
    text = definition(rng)
    if kind == "concept":
        return [f"- **Concept {i:06d}** : {text} : DEA ; AWS"]
    if kind == "cloze":
        head, tail = text[:40], text[40:]
        return ["", f"Cloze {i:06d}: {{{{c1::{head}}}}} {tail} {{{{c2::{i}}}}}.", ""]
    if kind == "qa":
        return ["", f"Q: What is question {i:06d}?", f"A: {text}", ""]
    if kind == "callout":
        return ["", f"> [!definition] Callout {i:06d}", f"> {text}", ""]
    if kind == "sr":
        return ["", f"Front {i:06d}::{text}", ""]
    return [f"- **Glossary {i:06d}**: {text}"]


def make_mixed(n: int, out: Path) -> None:
    rng = random.Random(n)
    out.mkdir(parents=True, exist_ok=True)
    made = 0
    f = 0
    while made < n:
        lines = [
            "---",
            "deck: Bench",
            "syntax: [concept, cloze, qa, callout, sr, glossary]",
            "tags: [project, flashcards]",
            "---",
            "",
            f"# Domain {f}",
            "",
        ]
        for kind, count in MIXED:
            lines += [f"## {kind.title()} {f}", ""]
            if kind == "concept":
                lines += ["**_Concept_**", ""]
            for _ in range(count):
                if made == n:
                    break
                lines += mixed_card(kind, made, rng)
                made += 1
            lines += ["", "---", ""]
        (out / f"note-{f:04d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        f += 1


def make_ankdown(n: int, out: Path) -> None:
    """The concepts of ``make(n)``, same terms and definitions, in ankdown's format (front,
    ``%``, back, ``%``, tags, ``---``): the same cards for a tool that reads only its own
    syntax (tagged DEA, AWS and project; make's topic tag is left out)."""
    rng = random.Random(n)
    out.mkdir(parents=True, exist_ok=True)
    for f in range((n + PER_FILE - 1) // PER_FILE):
        cards = [
            f"Concept {i:06d}\n\n%\n\n{definition(rng)}\n\n%\n\nDEA AWS project\n"
            for i in range(f * PER_FILE, min(n, (f + 1) * PER_FILE))
        ]
        (out / f"note-{f:04d}.md").write_text("\n---\n\n".join(cards), encoding="utf-8")


if __name__ == "__main__":
    size, folder = int(sys.argv[1]), Path(sys.argv[2])
    (make_mixed if "--mixed" in sys.argv[3:] else make)(size, folder)

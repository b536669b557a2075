"""Golden file: every concept of the seed notes/DEA.md, with deck, definition, tags, line."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import REPO

from dea2anki.pipeline.plan import collect, plan
from dea2anki.settings import resolve

GOLDEN = Path(__file__).parent / "golden" / "DEA.concepts.json"


def seed_concepts() -> list[dict[str, object]]:
    options = resolve({"include-empty": True})
    planned = plan(collect([str(REPO / "notes")], options), options)
    return [
        {
            "line": n.located.concept.line,
            "deck": n.deck,
            "term": n.located.concept.term,
            "definition": n.located.concept.definition,
            "tags": list(n.tags),
            "context": " > ".join(n.located.concept.context),
        }
        for n in planned.drafts
    ]


def test_seed_matches_golden() -> None:
    actual = seed_concepts()
    if os.environ.get("UPDATE_GOLDEN"):
        # One concept per line: a grammar change shows up as a readable diff.
        rows = ",\n".join(json.dumps(c, ensure_ascii=False) for c in actual)
        GOLDEN.write_text(f"[\n{rows}\n]\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert actual == expected


def test_golden_is_plausible() -> None:
    """Checks on the golden data itself, so a bad regeneration cannot slip through."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    seed_lines = (REPO / "notes" / "DEA.md").read_text(encoding="utf-8").split("\n")
    assert len(golden) == 41
    assert sum(1 for c in golden if not c["definition"]) == 12
    for c in golden:
        line = seed_lines[c["line"] - 1]
        assert c["term"] in line
        assert "**" not in c["definition"]
        assert "DEA ; AWS" not in c["definition"]
        assert not c["definition"].endswith(":")
        assert c["tags"] == ["DEA", "AWS", "project", "status::in_progress"]
        assert c["deck"].startswith("DEA::")
        assert c["deck"].count("::") == 2
    by_term = {c["term"]: c for c in golden}
    assert by_term["Amazon Athena"]["deck"] == "DEA::Analytics::Amazon Athena"
    assert by_term["RBAC"]["deck"] == (
        "DEA::Security, Identity, and Compliance::AWS Identity and Access Management (IAM)"
    )
    flink = by_term["Amazon Managed Service for Apache Flink"]["definition"]
    assert flink.startswith("Apache Flink를 사용해") and flink.endswith("통합이 특징")
    assert "과거 Kinesis Data Analytics란 이름이었다" in flink
    assert by_term["AWS Step Functions"]["definition"].endswith(
        "Error Handling and Retry Mechanism"
    )
    assert by_term["Transport Layer Security(TLS)"]["definition"] == ""
    assert "Salt" not in by_term

"""The identity a learner's collection depends on, pinned: GUIDs (a changed GUID is a new
note, and the old one's reviews are orphaned) and the lock's hashes (a changed content hash
re-stamps every note, and Anki then overwrites every edit the learner made). They are a
public contract (identity/keys.py): a change needs a migration, and this test says so.

The build runs in this process, so the mutation run's planted bugs reach it too."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write

from dea2anki.identity.keys import definition_key

NOTES = (
    "# C\n\n**_Concept_**\n\n- **Athena** : SQL on S3 : DEA ; AWS\n"
    "- **Glue** : ETL service : DEA ; AWS ^glue\n\n"
    "The capital of {{c1::France}} is Paris.\n\n"
    "Water boils at {{c1::100}} degrees. ^boil\n"
)
PINNED = [
    ("Athena", "DrO=>KJN#0", "5f65c89c4582324b", "cea512de8629babe"),
    ("Glue", "K8pboXK8tt", "5f6a7b9db0145359", "c541dd648d51aca8"),
    ("The capital of France is Paris.", "H2}(]sW~{|", "", "12cbcf327d0af8e2"),
    ("Water boils at 100 degrees.", "v@W[:,zWwp", "", "072648377114582e"),
]


def test_guids_and_lock_hashes_are_what_every_earlier_build_gave(workdir, cli) -> None:
    write("notes/C.md", NOTES)
    assert cli("build", "-q", epoch=1_700_000_000).code == 0
    lines = Path("notes/dea2anki.lock").read_text("utf-8").splitlines()[1:]
    found = [(e["term"], e["guid"], e["definition"], e["content"]) for e in map(json.loads, lines)]
    assert found == PINNED


def test_an_empty_definition_has_no_key() -> None:
    # Two concepts without a definition must never look like one renamed into the other.
    assert definition_key("") == ""
    assert definition_key("x") != definition_key("y") != ""

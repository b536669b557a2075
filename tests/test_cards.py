"""Identity: GUIDs and deck ids depend only on what they should."""

from __future__ import annotations

import itertools
from pathlib import Path

import genanki
from hypothesis import given, settings
from hypothesis import strategies as st

from dea2anki.identity.keys import deck_id, default_guid, guid_for, identity_key
from dea2anki.identity.release import make_release
from dea2anki.naming import normalise_tag
from dea2anki.pipeline.plan import Collected, collect, plan
from dea2anki.records import Draft
from dea2anki.settings import DEFAULTS, Options
from dea2anki.write import notetype
from dea2anki.write.apkg import card_rule
from dea2anki.write.packages import write_packages


def concept_guid(root: str, term: str) -> str:
    """The GUID a new concept without a block id gets."""
    return default_guid((identity_key(root), identity_key(term)), None)


def test_guid_ignores_case_spacing_and_unicode_form() -> None:
    g = concept_guid("DEA", "AWS Glue")
    assert concept_guid("DEA", "AWS GLue") == g
    assert concept_guid("dea", "  AWS   Glue ") == g
    # NFD Hangul (as macOS file systems may hand it over) == NFC Hangul
    assert concept_guid("DEA", "\u1109\u1165\u1107\u1165") == concept_guid("DEA", "서버")
    assert concept_guid("SAA", "AWS Glue") != g
    assert concept_guid("DEA", "AWS Glue Catalog") != g


def test_guid_is_a_fixed_contract() -> None:
    # Changing this value re-keys every learner's notes: it must never change.
    assert concept_guid("DEA", "Amazon Athena") == concept_guid("DEA", "amazon athena")
    assert concept_guid("DEA", "Amazon Athena") == "q$Lo/rNw>~"


def test_guid_independent_of_definition_section_file_and_position(tmp_path: Path) -> None:
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "DEA.md").write_text("# S1\n\n- T : one : K ; L\n- U : u : K ; L\n", encoding="utf-8")
    (b / "other.md").write_text(
        "---\ndeck: DEA\n---\n- New : n : K ; L\n\n# S2\n\n## Sub\n\n- T : two : K ; L\n",
        encoding="utf-8",
    )
    opts = DEFAULTS
    ga = guids(collect([str(a)], opts), opts)
    gb = guids(collect([str(b)], opts), opts)
    assert ga["T"] == gb["T"]


def guids(collected: Collected, opts: Options) -> dict[str, str]:
    """Term -> GUID for a first build (no lock)."""
    notes = make_release(plan(collected, opts).drafts, (), timestamp=1, retire=False).notes
    return {n.fields[0]: n.guid for n in notes}


def test_deck_ids_are_stable_and_distinct() -> None:
    assert deck_id("DEA::Analytics") == deck_id("DEA::Analytics")
    assert deck_id("DEA::Analytics") != deck_id("DEA::Analytics_Stream")
    assert 1 < deck_id("DEA") < 2**53


def test_tag_normalisation() -> None:
    assert normalise_tag("#status/in progress") == "status::in_progress"
    assert normalise_tag("  DEA ") == "DEA"
    assert normalise_tag("a//b/") == "a::b"
    assert normalise_tag("x::") == "x"  # Anki would make it x::blank
    assert normalise_tag("a:::b") == "a::b"


def test_tag_spelling_first_seen_wins_across_notes(tmp_path: Path) -> None:
    (tmp_path / "X.md").write_text(
        "---\ntags: [dea, Project]\n---\n- A : a : DEA ; aws\n- B : b : Aws ; project ;\n",
        encoding="utf-8",
    )
    opts = DEFAULTS
    drafts = plan(collect([str(tmp_path)], opts), opts).drafts
    assert [n.tags for n in drafts] == [("DEA", "aws", "Project"), ("aws", "Project", "DEA")]
    notes = make_release(drafts, (), timestamp=1_700_000_000, retire=False).notes
    written = write_packages(notes, tmp_path / "out", timestamp=1_700_000_000)
    assert [w.notes for w in written] == [2]


def test_decks_and_packages_ignore_case(tmp_path: Path) -> None:
    (tmp_path / "DEA.md").write_text("# Analytics\n\n- A : a : K ;\n", encoding="utf-8")
    (tmp_path / "more.md").write_text(
        "---\ndeck: dea\n---\n# analytics\n\n- B : b : K ;\n", encoding="utf-8"
    )
    opts = DEFAULTS
    drafts = plan(collect([str(tmp_path)], opts), opts).drafts
    assert [d.deck for d in drafts] == ["DEA::Analytics", "DEA::Analytics"]
    notes = make_release(drafts, (), timestamp=1_700_000_000, retire=False).notes
    written = write_packages(notes, tmp_path / "out", timestamp=1_700_000_000)
    assert [(w.path.name, w.notes) for w in written] == [("DEA.apkg", 2)]


def test_card_rule_is_genankis() -> None:
    """The writer decides which cards a note has without genanki Note objects; it must be
    genanki's own rule for every combination of empty and filled fields."""
    model = notetype.make_model()
    ords = card_rule(model)
    seen = set()
    for filled in itertools.product(("", "x"), repeat=len(notetype.FIELDS)):
        expected = [c.ord for c in genanki.Note(model=model, fields=list(filled)).cards]
        assert ords(filled) == expected, filled
        seen.add(tuple(expected))
    assert seen == {(), (0,), (1,), (0, 1)}


def test_content_hash_follows_tags_respelled_across_files(tmp_path: Path) -> None:
    """Each file hashes its notes with its own tag spelling (cached per file); when another
    file spelled a tag first, the build writes that spelling and must hash what it writes.

    So b.md's `DEA`, written as a.md's `dea`, must give b's note exactly the content it has
    when b.md itself spells `dea`: a lock that compared the per-file hash would see a change
    that is not there (or miss one) on every build."""

    def vault(name: str, b_tags: str) -> dict[str, Draft]:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "a.md").write_text("- A : a : dea ; aws\n", encoding="utf-8")
        (folder / "b.md").write_text(f"- B : b : {b_tags}\n", encoding="utf-8")
        drafts = plan(collect([str(folder)], DEFAULTS), DEFAULTS).drafts
        return {d.located.concept.term: d for d in drafts}

    respelled = vault("respelled", "DEA ; aws")
    own = vault("own", "dea ; aws")
    b = respelled["B"]
    assert b.located.tags == ("DEA", "aws")  # b.md's own spelling, as its file hashed it
    assert b.tags == own["B"].tags == ("dea", "aws")  # a.md spelled it first
    assert b.content == own["B"].content
    # The per-file hash (of `DEA`) is not what is written: the build must not reuse it.
    assert b.located.content != b.content
    assert own["B"].located.content == own["B"].content
    assert respelled["A"].content == own["A"].content


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(st.one_of(st.text(), st.integers(-(10**6), 10**20)), min_size=1, max_size=4))
def test_guid_for_is_genankis(values: list[object]) -> None:
    assert guid_for(*values) == genanki.guid_for(*values)

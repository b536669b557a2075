"""Reproducible bytes, the lock file, --locked, --retire and the changelog."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import genanki
from conftest import SEED

from dea2anki.write.apkg_read import read_apkg

T = 1_700_000_000
LOCK = Path("notes/dea2anki.lock")
PKG = Path("build/DEA.apkg")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fresh_project(root: Path) -> None:
    (root / "notes").mkdir(parents=True)
    shutil.copy(SEED, root / "notes" / "DEA.md")


def test_same_epoch_same_bytes_anywhere(workdir, cli, monkeypatch) -> None:
    digests = []
    for name in ("machine-a", "machine-b"):
        fresh_project(workdir / name)
        monkeypatch.chdir(workdir / name)
        assert cli("build", epoch=T).code == 0
        digests.append(sha(PKG))
        assert cli("build", epoch=T).code == 0  # second build, now with the lock
        digests.append(sha(PKG))
    assert len(set(digests)) == 1
    fresh_project(workdir / "machine-c")
    monkeypatch.chdir(workdir / "machine-c")
    assert cli("build", epoch=T + 1).code == 0
    assert sha(PKG) != digests[0]


def test_zip_is_deflated_with_fixed_metadata(seed_project, cli) -> None:
    assert cli("build", epoch=T).code == 0
    with zipfile.ZipFile(PKG) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == ["collection.anki2", "media"]
        for i in infos:
            assert i.compress_type == zipfile.ZIP_DEFLATED
            assert i.date_time == (1980, 1, 1, 0, 0, 0)
        db = infos[0]
        assert db.compress_size * 4 < db.file_size


def test_package_is_several_times_smaller_than_genankis(seed_project, cli) -> None:
    assert cli("build", epoch=T).code == 0
    notes = read_apkg(PKG)
    model = genanki.Model(
        1,
        "m",
        fields=[{"name": f"f{i}"} for i in range(5)],
        templates=[{"name": "c", "qfmt": "{{f0}}", "afmt": "{{f1}}"}],
    )
    deck = genanki.Deck(2, "d")
    for n in notes:
        deck.add_note(
            genanki.Note(model=model, fields=list(n.fields), guid=n.guid, tags=list(n.tags))
        )
    genanki.Package(deck).write_to_file("plain.apkg", timestamp=T)
    assert PKG.stat().st_size * 3 < Path("plain.apkg").stat().st_size


def test_lock_file_is_sorted_one_line_per_note(seed_project, cli) -> None:
    assert cli("build", epoch=T).code == 0
    lines = LOCK.read_text("utf-8").splitlines()
    header, entries = json.loads(lines[0]), [json.loads(x) for x in lines[1:]]
    assert header["dea2anki-lock"] == 1
    assert len(entries) == 29
    assert [(e["root"].casefold(), e["term"].casefold()) for e in entries] == sorted(
        (e["root"].casefold(), e["term"].casefold()) for e in entries
    )
    athena = next(e for e in entries if e["term"] == "Amazon Athena")
    assert athena["deck"] == "DEA::Analytics::Amazon Athena"
    assert athena["mod"] == T and athena["state"] == "live" and athena["source"] == "DEA.md"
    assert len(athena["content"]) == 16
    # Unchanged notes keep their recorded time; a new build does not rewrite the lock.
    before = LOCK.read_bytes()
    r = cli("build", epoch=T + 100)
    assert r.code == 0 and "Lock notes/dea2anki.lock unchanged: 0 new, 0 updated" in r.out
    assert LOCK.read_bytes() == before
    assert {n.mod for n in read_apkg(PKG)} == {T}


def test_inserting_lines_changes_no_mod(seed_project, cli) -> None:
    assert cli("build", epoch=T).code == 0
    dea = Path("notes/DEA.md")
    src = dea.read_text("utf-8")
    dea.write_text(
        src.replace("# Data Engineering\n", "Some\n\nnew prose.\n\n# Data Engineering\n"), "utf-8"
    )
    r = cli("build", epoch=T + 100)
    assert r.code == 0 and "0 new, 0 updated" in r.out
    assert {n.mod for n in read_apkg(PKG)} == {T}
    athena = next(n for n in read_apkg(PKG) if n.fields[0] == "Amazon Athena")
    assert athena.fields[3] == "DEA.md:62"  # the package itself carries the current line


def test_locked_fails_on_missing_or_stale_lock_and_passes_on_fresh(seed_project, cli) -> None:
    r = cli("build", "--locked", epoch=T)
    assert r.code == 1
    assert (
        "notes/dea2anki.lock: error: no lock file; run `dea2anki build` without --locked and "
        "commit the lock it writes [lock-missing]"
    ) in r.err.splitlines()
    assert not PKG.exists() and not LOCK.exists()

    assert cli("build", epoch=T).code == 0
    digest = sha(PKG)
    r = cli("build", "--locked", epoch=T)
    assert r.code == 0 and sha(PKG) == digest

    dea = Path("notes/DEA.md")
    dea.write_text(dea.read_text("utf-8").replace("Pay-per-query :", "Pay-per-query! :"), "utf-8")
    lock_before = LOCK.read_bytes()
    r = cli("build", "--locked", epoch=T + 1)
    assert r.code == 1
    assert (
        "notes/dea2anki.lock: error: the lock is out of date with the notes (0 new, 1 changed, "
        "0 removed: 'Amazon Athena'); run `dea2anki build` with the same options (--retire "
        "too, if CI uses it) and commit the lock [lock-stale]"
    ) in r.err.splitlines()
    assert sha(PKG) == digest and LOCK.read_bytes() == lock_before


def test_invalid_lock_line_is_an_error(seed_project, cli) -> None:
    assert cli("build", epoch=T).code == 0
    lines = LOCK.read_text("utf-8").splitlines()
    lines[3] = lines[3][:-5]
    LOCK.write_text("\n".join(lines) + "\n", "utf-8")
    r = cli("build", epoch=T)
    assert r.code == 1
    assert "notes/dea2anki.lock:4: error: not a valid lock entry" in r.err


def test_gone_is_reported_until_retired_and_retire_ships_suspended(seed_project, cli, anki) -> None:
    assert cli("build", epoch=T).code == 0
    dea = Path("notes/DEA.md")
    src = dea.read_text("utf-8")
    dea.write_text(
        src.replace(
            "- **ABAC** : Attribute Based Access Control. Access based on attributes or tags "
            ": DEA ; AWS\n",
            "",
        ),
        "utf-8",
    )
    for _ in range(2):
        r = cli("build", epoch=T + 10)
        assert r.code == 0
        assert "DEA.md: warning: concept 'ABAC' is no longer in the notes" in r.err
        assert "abac" not in {n.fields[0].casefold() for n in read_apkg(PKG)}
    r = cli("build", "--retire", epoch=T + 20)
    assert r.code == 0 and "retired: 'ABAC'" in r.out
    retired = [n for n in read_apkg(PKG) if n.fields[0] == "ABAC"]
    assert (
        len(retired) == 1 and retired[0].tags == ("dea2anki::retired",) and retired[0].mod == T + 20
    )
    # Anki cannot ship "update only": a learner who never had the note receives it, and the
    # card itself says what it is.
    anki.import_package(PKG)
    (card,) = anki.notes()["ABAC"]["cards"]
    assert "Retired: this concept is no longer in the notes" in card.answer()
    # Restoring the concept brings the same note back.
    dea.write_text(src, "utf-8")
    r = cli("build", epoch=T + 30)
    assert r.code == 0 and "restored: 'ABAC'" in r.out
    abac = [n for n in read_apkg(PKG) if n.fields[0] == "ABAC"]
    assert len(abac) == 1 and abac[0].guid == retired[0].guid and "DEA" in abac[0].tags


def test_changelog_since_lock_and_between_packages(seed_project, cli) -> None:
    assert cli("build", epoch=T).code == 0
    shutil.copy(PKG, "v1.apkg")
    dea = Path("notes/DEA.md")
    src = dea.read_text("utf-8")
    src = src.replace("- **Topic** :", "- **Kafka Topic** :")
    src = src.replace("Pay-per-query :", "Pay-per-query. 추가 :")
    broker = next(x for x in src.split("\n") if x.startswith("- **Broker Node**"))
    src = src.replace(broker + "\n", "").replace(
        "- **AWS GLue** :: DEA ; AWS\n", "- **AWS GLue** :: DEA ; AWS\n" + broker + "\n"
    )
    src = src.replace(
        "# Data Engineering\n", "# Data Engineering\n\n- Data Lake : 저장소 : DEA ; AWS\n"
    )
    dea.write_text(src, "utf-8")

    r = cli("changelog")
    assert r.code == 0
    md = r.out
    assert md.startswith("# Release notes\n\n1 added, 1 changed, 1 renamed, 1 moved.\n")
    assert "## DEA::Data Engineering\n\n- Added: **Data Lake**\n" in md
    assert "- Changed: **Amazon Athena**" in md
    assert "- Renamed: **Topic** → **Kafka Topic** (matched by same definition)" in md
    assert (
        "- Moved: **Broker Node** from `DEA::Analytics_Stream::Amazon Managed Streaming for "
        "Apache Kafka(Amazon MSK)`; find its cards with "
        '`"note:dea2anki Concept" "Term:Broker Node" -"deck:DEA::Analytics::AWS Glue"`'
    ) in md
    assert "keeps existing cards in their old deck" in md
    assert Path("build/DEA.apkg").read_bytes() == Path("v1.apkg").read_bytes()  # wrote nothing

    assert cli("build", epoch=T + 10).code == 0
    r = cli("changelog", "v1.apkg", "build/DEA.apkg", "--title", "v2")
    assert r.code == 0
    assert r.out.startswith("# v2\n\n1 added, 1 changed, 1 renamed, 1 moved.\n")
    r = cli("changelog")
    assert r.out == "# Release notes\n\nNo changes.\n"


def test_changelog_of_a_non_package_is_an_error(workdir, cli) -> None:
    Path("a.apkg").write_bytes(b"not a zip")
    Path("b.apkg").write_bytes(b"not a zip")
    r = cli("changelog", "a.apkg", "b.apkg")
    assert r.code == 1 and r.err.startswith("a.apkg: error: not a readable Anki package")

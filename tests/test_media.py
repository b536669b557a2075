"""Images in notes: resolved like Obsidian, packed by content hash, imported by real Anki."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from ankiutil import Anki
from conftest import write

T = 1_700_000_000
# A valid 1x1 PNG, and a different one (so the two files differ in content).
PNG_RED = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)
PNG_BLUE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da6360f8ff1f000302010076f2c8600000000049454e44ae426082"
)


def vault() -> None:
    write("notes/assets/diagram.png", PNG_RED)
    write("notes/streams/diagram.png", PNG_BLUE)
    write(
        "notes/streams/Kinesis.md",
        "# Streams\n\n**_Concept_**\n\n"
        "- **Shard** : ![[diagram.png|300]] one shard : DEA ;\n"  # next to the note: blue
        '- **Partition** : ![p](../assets/diagram.png "red") key : DEA ;\n'  # relative: red
        "- **Firehose** : ![](missing.png) delivery : DEA ;\n",
    )


def test_images_are_packed_by_content_and_imported_once(workdir, cli, anki: Anki) -> None:
    vault()
    r = cli("build", epoch=T)
    assert r.code == 0, r.err
    assert "notes/streams/Kinesis.md:7: warning: image 'missing.png' not found [missing-media]" in (
        r.err.splitlines()
    )
    pkg = Path("build/Kinesis.apkg")
    with zipfile.ZipFile(pkg) as zf:
        names = set(zf.namelist())
    assert names == {"collection.anki2", "media", "0", "1"}

    log = anki.import_package(pkg)
    assert log.new == 3
    media_dir = Path(anki.col.media.dir())
    files = sorted(os.listdir(media_dir))
    assert len(files) == 2 and all(f.startswith("diagram-") and f.endswith(".png") for f in files)
    contents = {(media_dir / f).read_bytes() for f in files}
    assert contents == {PNG_RED, PNG_BLUE}  # two different diagram.png, no collision
    notes = anki.notes()
    blue = next(f for f in files if (media_dir / f).read_bytes() == PNG_BLUE)
    red = next(f for f in files if (media_dir / f).read_bytes() == PNG_RED)
    assert (
        f'<img src="{blue}" alt="diagram.png" width="300">' in notes["Shard"]["cards"][0].answer()
    )
    assert f'<img src="{red}" alt="p" title="red">' in notes["Partition"]["cards"][0].answer()
    assert "[missing.png] delivery" in notes["Firehose"]["fields"]["Definition"]

    # Re-import: nothing new, no second copy of any file.
    assert anki.import_package(pkg).new == 0
    assert sorted(os.listdir(media_dir)) == files


def test_changed_image_gets_a_new_name_and_updates_the_note(workdir, cli, anki: Anki) -> None:
    vault()
    assert cli("build", epoch=T).code == 0
    anki.import_package(Path("build/Kinesis.apkg"))
    write("notes/streams/diagram.png", PNG_RED + b"")  # now identical to the red one
    write("notes/assets/diagram.png", PNG_BLUE)
    assert cli("build", epoch=T + 60).code == 0
    log = anki.import_package(Path("build/Kinesis.apkg"))
    assert (log.new, log.updated) == (0, 2)
    assert len(os.listdir(anki.col.media.dir())) == 2  # same two contents, same two names


def test_path_outside_the_notes_folder_is_refused(workdir, cli) -> None:
    write("secret.png", PNG_RED)
    write("notes/A.md", "- **X** : ![](../secret.png) and ![](../../etc/passwd) : DEA ;\n")
    r = cli("build", epoch=T)
    assert r.code == 1
    assert (
        "notes/A.md:1: error: refusing to pack '../secret.png': it is outside the vault 'notes' "
        "[media-outside-notes]"
    ) in r.err.splitlines()
    assert not Path("build").exists()


def test_symlink_escaping_the_notes_folder_is_refused(workdir, cli) -> None:
    write("outside/key.png", PNG_RED)
    write("notes/A.md", "- **X** : ![[key.png]] : DEA ;\n")
    os.symlink(Path("outside/key.png").resolve(), "notes/key.png")
    r = cli("build", epoch=T)
    assert r.code == 1 and "[media-outside-notes]" in r.err


def test_reverse_cards_per_file_and_per_build(workdir, cli, anki: Anki) -> None:
    write("notes/R.md", "---\nreverse: true\n---\n- **Term** : its meaning : DEA ;\n")
    write("notes/S.md", "- **Other** : other meaning : DEA ;\n")
    assert cli("build", epoch=T).code == 0
    anki.import_package(Path("build/R.apkg"))
    anki.import_package(Path("build/S.apkg"))
    notes = anki.notes()
    assert len(notes["Term"]["cards"]) == 2 and len(notes["Other"]["cards"]) == 1
    reverse = next(c for c in notes["Term"]["cards"] if c.ord == 1)
    assert "its meaning" in reverse.question()
    assert '<div class="d2a-term">' not in reverse.question()
    assert cli("build", "--no-reverse", "-o", "plain.apkg", epoch=T).code == 0
    assert cli("build", "--reverse", "-o", "all.apkg", epoch=T).code == 0
    fresh = Anki(workdir / "other-profile")
    try:
        fresh.import_package(Path("all.apkg"))
        assert fresh.col.card_count() == 4
    finally:
        fresh.close()


def test_the_notes_folder_is_walked_once_per_build_not_once_per_note(
    workdir, cli, monkeypatch
) -> None:
    import dea2anki.read.media as media

    for i in range(10):
        write(f"notes/assets/p{i}.png", PNG_RED + bytes([i]))
        write(f"notes/N{i}.md", f"---\ndeck: D\n---\n# S\n\n- **T{i}** : ![[p{i}.png]] x : K ;\n")
    walks = []
    files = media.MediaIndex._files
    monkeypatch.setattr(media.MediaIndex, "_files", lambda self: walks.append(1) or files(self))
    r = cli("build", "--no-cache", epoch=T)
    assert r.code == 0, r.err
    # by_name and fingerprint: one walk each for the whole build (it was 20, two per note)
    assert len(walks) == 2

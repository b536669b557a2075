"""check, the config file and its precedence, frontmatter keys, terminal output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import write

from dea2anki.pipeline.plan import collect
from dea2anki.settings import DEFAULTS, resolve

T = 1_700_000_000


# --- check -----------------------------------------------------------------------------------


def test_check_on_the_seed(seed_project, cli) -> None:
    r = cli("check")
    assert r.code == 0  # warnings only
    lines = r.out.splitlines()
    assert lines[0] == (
        "notes/DEA.md:60:3: warning: concept 'Athena workgroup' has no definition; not "
        "exported (--include-empty exports it) [empty-definition]"
    )
    assert len(lines) == 12 and all("[empty-definition]" in x for x in lines)
    assert r.err.strip() == "Checked: 0 errors, 12 warnings."
    assert not Path("build").exists() and not Path("notes/dea2anki.lock").exists()
    assert cli("check", "--strict").code == 1


def test_check_formats(seed_project, cli) -> None:
    r = cli("check", "--format", "json")
    data = json.loads(r.out)
    assert data[0] == {
        "path": "notes/DEA.md",
        "line": 60,
        "column": 3,
        "severity": "warning",
        "code": "empty-definition",
        "message": "concept 'Athena workgroup' has no definition; not exported "
        "(--include-empty exports it)",
    }
    r = cli("check", "--format", "github")
    assert r.out.splitlines()[0] == (
        "::warning file=notes/DEA.md,line=60,col=3,title=empty-definition::concept 'Athena "
        "workgroup' has no definition; not exported (--include-empty exports it)"
    )


def test_check_reports_every_error_and_exits_1(workdir, cli) -> None:
    write("notes/a.md", "---\ndeck: [x]\n---\n- A : a : K ;\n")
    write("notes/b.md", "# H\n\n- Dup : one : K ;\n- Dup : two : K ;\n")
    r = cli("check")
    assert r.code == 1
    assert "notes/a.md:2: error: frontmatter 'deck' must be a non-empty text" in r.out
    assert (
        "notes/b.md:4:3: error: term 'Dup' is defined twice in deck 'b::H'; first at notes/b.md:3"
        in r.out
    )


# --- frontmatter keys -----------------------------------------------------------------------


def test_frontmatter_anki_false_draft_and_deck_depth(workdir, cli) -> None:
    write("notes/skip.md", "---\nanki: false\n---\n- S : s : K ;\n")
    write("notes/draft.md", "---\ndraft: true\n---\n- D : d : K ;\n")
    write("notes/deep.md", "---\ndeck-depth: 1\n---\n# A\n\n## B\n\n- X : x : K ;\n")
    terms = {c.concept.term: c.concept.deck_path for c in collect(["notes"], DEFAULTS).concepts}
    assert terms == {"D": (), "X": ("A",)}
    skipped = collect(["notes"], resolve({"skip-drafts": True})).concepts
    assert [c.concept.term for c in skipped] == ["X"]
    # A flag wins over the frontmatter.
    flagged = collect(["notes"], resolve({"deck-depth": 2})).concepts
    assert {c.concept.term: c.concept.deck_path for c in flagged}["X"] == ("A", "B")


def test_frontmatter_near_miss_keys_warn_and_user_keys_are_ignored(workdir, cli) -> None:
    write(
        "notes/n.md",
        "---\ncreated: 2024-07-04\nupdated: x\naliases: [a]\nDeck: X\ndecks: Y\n"
        "deck_depth: 1\n---\n# H\n\n- A : a : K ;\n",
    )
    r = cli("check")
    assert r.code == 0
    assert r.out.splitlines() == [
        "notes/n.md:5: warning: frontmatter key 'Deck' is not read by dea2anki; did you mean "
        "'deck'? [frontmatter-near-miss]",
        "notes/n.md:6: warning: frontmatter key 'decks' is not read by dea2anki; did you mean "
        "'deck'? [frontmatter-near-miss]",
        "notes/n.md:7: warning: frontmatter key 'deck_depth' is not read by dea2anki; did you "
        "mean 'deck-depth'? [frontmatter-near-miss]",
    ]


# --- config ----------------------------------------------------------------------------------


def test_config_in_pyproject_and_precedence(workdir, cli) -> None:
    write(
        "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.dea2anki]\nnotes = ["vault"]\noutput = "dist"\n'
        'deck-depth = 1\ntags = ["exam/2024"]\ninclude-empty = true\n',
    )
    write("vault/V.md", "---\nreverse: true\n---\n# A\n\n## B\n\n- X : x : K ;\n- E :: K ;\n")
    r = cli("build", "--json", epoch=T)
    assert r.code == 0, r.err
    summary = json.loads(r.out)
    assert summary["packages"][0]["path"] == "dist/V.apkg"
    assert summary["exported"] == 2  # include-empty from the config
    from dea2anki.write.apkg_read import read_apkg

    notes = {n.fields[0]: n for n in read_apkg(Path("dist/V.apkg"))}
    assert notes["X"].deck == "V::A"  # deck-depth 1 from the config
    assert "exam::2024" in notes["X"].tags
    assert notes["X"].fields[4] == "y"  # frontmatter reverse
    # Flags win over the config and the frontmatter.
    r = cli("build", "--deck-depth", "2", "--no-include-empty", "--no-reverse", "-o", "o2", epoch=T)
    assert r.code == 0
    notes = {n.fields[0]: n for n in read_apkg(Path("o2/V.apkg"))}
    assert set(notes) == {"X"} and notes["X"].deck == "V::A::B" and notes["X"].fields[4] == ""


def test_config_typo_is_an_error_naming_key_and_file(workdir, cli) -> None:
    write("notes/A.md", "- A : a : K ;\n")
    write("dea2anki.toml", 'output = "out"\ndeck_depht = 2\n')
    r = cli("build", epoch=T)
    assert r.code == 1
    assert r.err.startswith(
        "dea2anki.toml:2: error: unknown key 'deck_depht' (known keys: notes, output, lock, "
        "deck-depth"
    )
    write("dea2anki.toml", 'deck-depth = "two"\n')
    r = cli("check")
    assert r.code == 1
    assert (
        "dea2anki.toml:1: error: 'deck-depth' must be a whole number from 0 to 6, not 'two'"
        in r.out
    )


def test_dea2anki_toml_in_the_notes_folder(workdir, cli) -> None:
    write("notes/A.md", "# H\n\n## S\n\n- A : a : K ;\n")
    write("notes/dea2anki.toml", 'deck-depth = 0\noutput = "../out"\n')
    assert cli("build", epoch=T).code == 0
    from dea2anki.write.apkg_read import read_apkg

    assert [n.deck for n in read_apkg(Path("out/A.apkg"))] == ["A"]


# --- terminal output -------------------------------------------------------------------------


def test_quiet_verbose_and_no_colour_when_piped(seed_project, cli) -> None:
    r = cli("build", "--quiet", epoch=T)
    assert r.code == 0 and r.out == "" and r.err == ""
    r = cli("build", "--verbose", epoch=T + 1)
    assert r.code == 0
    assert "\x1b[" not in r.out + r.err  # not a terminal: no escape codes
    assert "Lock notes/dea2anki.lock unchanged" in r.out


def test_version_and_help_for_every_command(cli) -> None:
    assert cli("--version").out.startswith("dea2anki, version ")
    for command in ("build", "check", "changelog", "preview", "sync", "pull"):
        r = cli(command, "--help")
        assert r.code == 0 and f"Usage: dea2anki {command}" in r.out
        assert "--config" in r.out and "--deck-depth" in r.out


@pytest.mark.skipif(sys.platform != "linux", reason="uses inotify through watchfiles")
def test_watch_rebuilds_when_a_note_changes(seed_project) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(T)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dea2anki", "build", "--watch", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # A runner that ignores Ctrl-C (mutmut does) passes that on; Python then never
        # turns SIGINT into KeyboardInterrupt. The child gets the default back.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 30
        while not Path("build/DEA.apkg").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        first = Path("build/DEA.apkg").read_bytes()
        dea = Path("notes/DEA.md")
        seed = dea.read_text("utf-8")
        # The watcher starts after the first build, at a moment no output tells (and a
        # loaded machine makes late): edit again, differently, until a rebuild shows.
        edits = 0
        while Path("build/DEA.apkg").read_bytes() == first and time.monotonic() < deadline:
            edits += 1
            dea.write_text(
                seed.replace("Pay-per-query :", f"Pay-per-query{'!' * edits} :"), "utf-8"
            )
            waited = time.monotonic() + 2
            while Path("build/DEA.apkg").read_bytes() == first and time.monotonic() < waited:
                time.sleep(0.1)
        assert Path("build/DEA.apkg").read_bytes() != first
        # Ctrl-C stops it cleanly: our line, not watchfiles' log line, no traceback.
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "Stopped watching." in err
        assert "KeyboardInterrupt" not in err and "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_tag_with_characters_anki_cannot_store(workdir, cli) -> None:
    write("notes/t.md", '---\ntags: ["ok\\u0007bell"]\n---\n# H\n\n- A : a : K ;\n')
    r = cli("check")
    assert r.code == 0
    assert r.out.splitlines() == [
        "notes/t.md:6:3: warning: tag 'ok\\x07bell' has characters Anki cannot store; using "
        "'okbell' [tag-invalid]"
    ]

"""The command line: help, a successful build, and every bad-input case with its exact
message and exit code. A failed build must leave the previous package untouched."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import pytest
from conftest import REPO, listing, write

T1 = 1_700_000_000


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


GOOD = "# H\n\n- Term : a definition : DEA ; AWS\n"


# --- help ------------------------------------------------------------------------------------


def test_top_level_help_lists_commands(cli) -> None:
    r = cli("--help")
    assert r.code == 0
    assert "Usage: dea2anki" in r.out and "build" in r.out and "Quick start" in r.out


def test_build_help_teaches_the_grammar(cli) -> None:
    r = cli("build", "--help")
    assert r.code == 0
    for needle in ("**_Concept_**", "--deck-depth", "--include-empty", "SOURCE_DATE_EPOCH", "-o"):
        assert needle in r.out
    assert "DEA ; AWS" in r.out


def test_version(cli) -> None:
    r = cli("--version")
    assert r.code == 0 and r.out.startswith("dea2anki, version ")


def test_unknown_option_is_a_usage_error(cli) -> None:
    r = cli("build", "--no-such-flag")
    assert r.code == 2 and "No such option" in r.err


# --- successful builds -----------------------------------------------------------------------


def test_build_seed_prints_summary_and_warnings(seed_project, cli) -> None:
    r = cli("build", epoch=T1)
    assert r.code == 0, r.err
    assert r.out.splitlines()[0] == "Read 1 file, found 41 concepts, exported 29 notes."
    assert "build/DEA.apkg: 29 notes, 29 cards, 12 decks" in r.out
    assert "12 warnings" in r.out
    assert (
        "notes/DEA.md:60:3: warning: concept 'Athena workgroup' has no definition; not exported "
        "(--include-empty exports it) [empty-definition]"
    ) in r.err.splitlines()
    assert r.err.count("[empty-definition]") == 12
    assert Path("build/DEA.apkg").is_file()
    assert listing(Path("build")) == ["DEA.apkg"]


def test_include_empty_exports_everything(seed_project, cli) -> None:
    r = cli("build", "--include-empty", epoch=T1)
    assert r.code == 0
    assert "exported 41 notes" in r.out and "[empty-definition]" not in r.err


def test_output_file_and_several_root_decks(workdir, cli) -> None:
    write("vault/DEA.md", GOOD)
    write("vault/sub/saa.md", "---\ndeck: SAA\n---\n" + GOOD)
    write("vault/.trash/old.md", GOOD)  # Obsidian's trash is never read
    r = cli("build", "vault", epoch=T1)
    assert r.code == 0, r.err
    assert listing(Path("build")) == ["DEA.apkg", "SAA.apkg"]
    assert "Read 2 files" in r.out
    r = cli("build", "vault", "-o", "out/all.apkg", epoch=T1)
    assert r.code == 0 and "out/all.apkg: 2 notes" in r.out


def test_deck_depth_option(workdir, cli, anki) -> None:
    write("notes/D.md", "# A\n\n## B\n\n- T : d : K ; L\n")
    assert cli("build", "--deck-depth", "1", epoch=T1).code == 0
    anki.import_package(Path("build/D.apkg"))
    assert anki.notes()["T"]["decks"] == ["D::A"]
    assert cli("build", "--deck-depth", "9").code == 2


def test_python_dash_m_and_console_script(seed_project) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(T1)}
    for cmd in ([sys.executable, "-m", "dea2anki", "build"], ["dea2anki", "build", "-o", "b2"]):
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        assert r.returncode == 0, r.stderr
        assert "exported 29 notes" in r.stdout
    assert Path("b2/DEA.apkg").read_bytes() == Path("build/DEA.apkg").read_bytes()


# --- bad input: exact message, exit code, previous build intact -----------------------------


@pytest.fixture
def previous_build(workdir, cli) -> Path:
    write("notes/good.md", GOOD)
    assert cli("build", epoch=T1).code == 0
    pkg = Path("build/good.apkg")
    assert pkg.is_file()
    return pkg


def assert_failed_cleanly(r, pkg: Path, digest: str, *expected_lines: str) -> None:  # type: ignore[no-untyped-def]
    assert r.code == 1, (r.out, r.err)
    lines = r.err.splitlines()
    for expected in expected_lines:
        assert expected in lines, (expected, lines)
    assert lines[-1].startswith("Build failed:") and "no package was written" in lines[-1]
    assert "Traceback" not in r.err + r.out
    assert sha(pkg) == digest, "the previous package was changed"
    assert listing(pkg.parent) == [pkg.name], "temp files left"


def test_invalid_yaml(previous_build, cli) -> None:
    digest = sha(previous_build)
    write("notes/bad.md", "---\ntitle: ok\ntags: [a, b\n---\n" + GOOD)
    r = cli("build", epoch=T1 + 1)
    assert_failed_cleanly(r, previous_build, digest)
    (line,) = [x for x in r.err.splitlines() if ": error: " in x]
    assert line == (
        "notes/bad.md:4: error: invalid YAML in frontmatter: did not find expected ',' or ']' "
        "(while parsing a flow sequence started at line 3) [frontmatter-yaml]"
    )


def test_frontmatter_wrong_types(previous_build, cli) -> None:
    digest = sha(previous_build)
    write("notes/bad.md", "---\ncreated: 2024\ndeck: [a, b]\ntags: {x: 1}\n---\n" + GOOD)
    r = cli("build", epoch=T1 + 1)
    assert_failed_cleanly(
        r,
        previous_build,
        digest,
        "notes/bad.md:3: error: frontmatter 'deck' must be a non-empty text, not a list "
        "(['a', 'b']) [frontmatter-type]",
        "notes/bad.md:4: error: frontmatter 'tags' must be a list of texts, not a mapping "
        "({'x': 1}) [frontmatter-type]",
    )


def test_frontmatter_that_is_a_list_or_unclosed(previous_build, cli) -> None:
    digest = sha(previous_build)
    write("notes/list.md", "---\n- a\n- b\n---\n" + GOOD)
    write("notes/open.md", "---\ndeck: X\n" + GOOD)
    r = cli("build", epoch=T1 + 1)
    assert_failed_cleanly(
        r,
        previous_build,
        digest,
        "notes/list.md:2: error: frontmatter must be a mapping of keys to values, not a list "
        "[frontmatter-type]",
        "notes/open.md:1: error: frontmatter opened with '---' is never closed "
        "[frontmatter-unclosed]",
    )


def test_not_utf8(previous_build, cli) -> None:
    digest = sha(previous_build)
    write("notes/latin1.md", "# H\n\n- Caf\u00e9 : d : K ; L\n".encode("latin-1"))
    r = cli("build", epoch=T1 + 1)
    assert_failed_cleanly(
        r,
        previous_build,
        digest,
        "notes/latin1.md:3: error: not valid UTF-8 (byte 0xe9); save the file as UTF-8 [not-utf8]",
    )


def test_binary_file(previous_build, cli) -> None:
    digest = sha(previous_build)
    write("notes/image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    r = cli("build", epoch=T1 + 1)
    assert_failed_cleanly(
        r,
        previous_build,
        digest,
        "notes/image.md:3: error: not a text file (NUL byte); is it really Markdown? [binary-file]",
    )


def test_missing_path(previous_build, cli) -> None:
    digest = sha(previous_build)
    r = cli("build", "notes", "nowhere/x.md", epoch=T1 + 1)
    assert_failed_cleanly(
        r, previous_build, digest, "nowhere/x.md: error: no such file or folder [missing-path]"
    )


def test_unreadable_file(previous_build, cli, monkeypatch) -> None:
    digest = sha(previous_build)
    secret = write("notes/secret.md", GOOD.replace("Term", "Other"))
    secret.chmod(0)
    if os.access(secret, os.R_OK):  # root reads anything: make the read fail as it would
        real = Path.read_bytes

        def deny(self: Path) -> bytes:
            if self.name == "secret.md":
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", deny)
    r = cli("build", epoch=T1 + 1)
    secret.chmod(0o644)
    assert_failed_cleanly(
        r, previous_build, digest, "notes/secret.md: error: Permission denied [unreadable]"
    )


def test_broken_symlink(previous_build, cli) -> None:
    digest = sha(previous_build)
    os.symlink("does-not-exist.md", "dangling.md")
    r = cli("build", "notes", "dangling.md", epoch=T1 + 1)
    assert_failed_cleanly(
        r, previous_build, digest, "dangling.md: error: broken symbolic link [unreadable]"
    )


def test_duplicate_term_names_both_places(previous_build, cli) -> None:
    digest = sha(previous_build)
    write("notes/more.md", "---\ndeck: good\n---\n# H\n\n- Term  : again : DEA ; AWS\n")
    r = cli("build", epoch=T1 + 1)
    assert_failed_cleanly(
        r,
        previous_build,
        digest,
        "notes/more.md:6:3: error: term 'Term' is defined twice in deck 'good::H'; first at "
        "notes/good.md:3 [duplicate-term]",
    )


def test_file_without_concepts_is_a_warning(previous_build, cli) -> None:
    write("notes/prose.md", "# Just prose\n\nNothing to learn here: really.\n")
    r = cli("build", epoch=T1 + 1)
    assert r.code == 0
    assert "notes/prose.md: warning: no concepts found in this file [no-concepts]" in r.err


def test_nothing_to_export_is_an_error(previous_build, cli) -> None:
    digest = sha(previous_build)
    write("notes/good.md", "# Empty\n\n- Term :: DEA ; AWS\n")
    r = cli("build", epoch=T1 + 1)
    assert_failed_cleanly(
        r,
        previous_build,
        digest,
        "notes/good.md:3:3: warning: concept 'Term' has no definition; not exported "
        "(--include-empty exports it) [empty-definition]",
        "notes: error: no concept with a definition to export; previous packages left as they "
        "were [nothing-to-export]",
    )


def test_empty_notes_folder(workdir, cli) -> None:
    Path("notes").mkdir()
    r = cli("build")
    assert r.code == 1
    assert "notes: error: no Markdown (*.md) files found [no-notes]" in r.err.splitlines()
    assert not Path("build").exists()


@pytest.mark.parametrize("epoch", ["yesterday", "0", "99999999999999999", "-5"])
def test_bad_source_date_epoch(previous_build, cli, monkeypatch, capsys, epoch: str) -> None:
    digest = sha(previous_build)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    from dea2anki.cli.main import main

    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert (
        "SOURCE_DATE_EPOCH: error: must be whole seconds since 1970 (1 to 253402300799), "
        f"not {epoch!r}" in err
    )
    assert sha(previous_build) == digest


def test_crash_while_writing_keeps_previous_package(previous_build, cli, monkeypatch) -> None:
    digest = sha(previous_build)
    write("notes/good.md", GOOD.replace("a definition", "a new definition"))
    from dea2anki.write import zip as zipmod

    calls = []
    deflate = zipmod.deflate_pieces

    def boom(source: BinaryIO) -> tuple[list[bytes], int, int]:
        # The disk fills up after the collection is in the (temporary) package file.
        calls.append(source)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return deflate(source)

    monkeypatch.setattr(zipmod, "deflate_pieces", boom)
    r = cli("build", epoch=T1 + 1)
    assert r.code == 1
    assert "build/good.apkg: error: cannot write: No space left on device [write-failed]" in (
        r.err.splitlines()
    )
    assert "Traceback" not in r.err
    assert len(calls) == 2
    assert sha(previous_build) == digest
    assert listing(previous_build.parent) == ["good.apkg"]


def test_a_failing_package_writes_no_package_at_all(workdir, cli) -> None:
    write("notes/A.md", GOOD)
    write("notes/B.md", GOOD)
    Path("build/B.apkg").mkdir(parents=True)  # a folder where a package should go
    r = cli("build", epoch=T1)
    assert r.code == 1
    assert "build/B.apkg: error: cannot write: Is a directory [write-failed]" in r.err.splitlines()
    assert listing(Path("build")) == ["B.apkg"]
    assert not Path("notes/dea2anki.lock").exists()


def test_internal_error_is_one_line_without_traceback(previous_build, cli, monkeypatch) -> None:
    import dea2anki.pipeline.build

    def bug(*args: object, **kwargs: object) -> None:
        raise KeyError("oops")

    monkeypatch.setattr(dea2anki.pipeline.build, "write_packages", bug)
    r = cli("build", epoch=T1 + 1)
    assert r.code == 70
    assert "Traceback" not in r.err
    assert r.err.startswith("Error: internal error: KeyError: 'oops'")


def test_readme_commands_are_the_ones_ci_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m pip install -e '.[test]' && python3 -m dea2anki build" in readme
    assert "python3 -m pytest" in readme
    assert ci.strip().splitlines()[-1] == "python3 -m pytest"


def test_the_lock_is_renamed_into_place_after_the_packages(
    previous_build, cli, monkeypatch
) -> None:
    """It is written first (to free its memory) but must never be ahead of the packages:
    if a package cannot be renamed into place, the lock still describes the old ones."""
    import dea2anki.write.atomic as atomic

    renamed: list[str] = []
    replace = os.replace

    def record(src: str, dst: str | Path) -> None:
        renamed.append(Path(dst).name)
        replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", record)
    write("notes/good.md", GOOD.replace("a definition", "a newer definition"))
    assert cli("build", epoch=T1 + 5).code == 0
    # (os.replace is the os module's: the parse cache's entries are renamed after both,
    # the kept entries of the new lock among them)
    assert renamed[:2] == ["good.apkg", "dea2anki.lock"]
    assert any(name.startswith("lock-") for name in renamed[2:])


def test_many_files_without_concepts_make_one_line(workdir, cli) -> None:
    write("notes/good.md", GOOD)
    for day in range(1, 6):
        write(f"notes/daily/2024-01-0{day}.md", "# Today\n\nWent for a walk.\n")
    r = cli("check")
    lines = [line for line in r.out.splitlines() if "[no-concepts]" in line]
    assert lines == [
        "notes/daily: warning: 5 files hold no concepts (2024-01-01.md, 2024-01-02.md, "
        "2024-01-03.md, …); --verbose lists every one [no-concepts]"
    ]
    every = cli("check", "--verbose")
    assert sum("[no-concepts]" in line for line in every.out.splitlines()) == 5
    built = cli("build", epoch=T1)
    assert built.code == 0
    assert sum("[no-concepts]" in line for line in built.err.splitlines()) == 1
    # JSON keeps every diagnostic: it is for programs.
    as_json = cli("check", "--format", "json")
    assert as_json.out.count('"no-concepts"') == 5


def test_without_a_notes_folder_it_says_how_to_name_the_notes(workdir, cli) -> None:
    r = cli("check")
    assert r.code == 1
    assert (
        "notes: error: no such file or folder, and no PATH was given: name the notes' folder "
        "or files on the command line, or set `notes` in dea2anki.toml [missing-path]"
    ) in r.out
    given = cli("check", "elsewhere")
    assert "elsewhere: error: no such file or folder [missing-path]" in given.out


def test_a_file_built_from_outside_the_notes_folder_is_not_gone_later(workdir, cli) -> None:
    """dea2anki build notes other/Rich.md, then dea2anki build: Rich.md still exists, so its
    concepts are neither gone nor retired (the lock names it from the lock's folder)."""
    write("notes/good.md", GOOD)
    write("other/Rich.md", "# R\n\n- **Alpha** : a : K ;\n- **Beta** : b : K ;\n")
    first = cli("build", "notes", "other/Rich.md", epoch=T1)
    assert first.code == 0, first.err
    rich = Path("build/Rich.apkg").read_bytes()
    assert '"source": "../other/Rich.md"' in Path("notes/dea2anki.lock").read_text("utf-8")
    again = cli("build", "--retire", epoch=T1 + 5)
    assert again.code == 0, again.err
    assert "[concept-gone]" not in again.err
    assert "retired" not in again.out
    assert Path("build/Rich.apkg").read_bytes() == rich  # not rewritten as retired notes
    # Gone for real: then it is.
    Path("other/Rich.md").unlink()
    gone = cli("build", epoch=T1 + 6)
    assert "concept 'Alpha' is no longer in the notes" in gone.err

"""The README is tested against the code: its tables of diagnostic codes, settings and
frontmatter keys against the registries they document, and its commands against the CLI."""

from __future__ import annotations

import re
import shlex

import click
import pytest
from conftest import REPO

from dea2anki.cli.main import cli
from dea2anki.diagnostics import CODES
from dea2anki.settings import BOOL, FILE_KEYS, FRONTMATTER_KEYS, SETTINGS, Setting
from dea2anki.syntax.parse import parse_concepts

README = (REPO / "README.md").read_text(encoding="utf-8")
_CTX = click.Context(cli)
COMMANDS = {name: cli.get_command(_CTX, name) for name in cli.list_commands(_CTX)}


def table(header: str) -> list[list[str]]:
    """The rows (cells stripped) of the README table whose header line is ``header``."""
    lines = README.split("\n")
    start = lines.index(header)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        # (these tables hold no "|" inside a cell)
        rows.append([cell.strip() for cell in line.strip()[1:-1].split("|")])
    return rows


def test_code_table_is_the_registry() -> None:
    rows = table("| code | severity | what it means |")
    expected = [[f"`{c.name}`", c.severity.value, c.description] for c in CODES.values()]
    assert rows == expected


def _default_doc(s: Setting[object]) -> str:
    if s.default_doc:
        return s.default_doc
    if s.kind is BOOL:
        return "yes" if s.default else "no"
    return str(s.default)


def test_settings_table_is_the_registry() -> None:
    rows = table("| setting | flag | frontmatter | config key | default |")
    assert [r[0] for r in rows] == [s.doc for s in SETTINGS]
    for (_doc, flag, frontmatter, config, default), s in zip(rows, SETTINGS, strict=True):
        assert (f"`{s.flag_name}" in flag) == s.flag, s.key
        assert (f"`--no-{s.key}`" in flag) == (s.flag and s.kind is BOOL), s.key
        if s.short:
            assert flag.startswith(f"`{s.short} "), s.key
        assert frontmatter.startswith(f"`{s.key}: ") == s.frontmatter, s.key
        assert (frontmatter == "") == (not s.frontmatter), s.key
        assert config.startswith(f"`{s.key} = ") == s.config, s.key
        assert default == _default_doc(s), s.key


def test_frontmatter_table_is_the_registry() -> None:
    rows = table("| key | value | effect |")
    assert [r[0] for r in rows] == [f"`{k}`" for k in FRONTMATTER_KEYS]
    effects = {f"`{k.key}`": k.doc for k in FILE_KEYS}
    for key, _value, effect in rows:
        if key in effects:
            assert effect == effects[key]


def test_settings_are_flags_of_the_commands_the_registry_names() -> None:
    for s in SETTINGS:
        for name, command in COMMANDS.items():
            params = {p.name for p in command.params}
            assert (s.param in params) == (s.flag and name in s.commands), (s.key, name)


def test_every_option_in_the_readme_exists() -> None:
    """Each ``dea2anki COMMAND ... --option`` the README shows is an option of COMMAND."""
    seen = 0
    shown = r"\bdea2anki (build|check|changelog|preview|sync|pull)\b([^`#\n]*)"
    for name, rest in re.findall(shown, README):
        words = shlex.split(rest)
        command = COMMANDS[name]
        opts = {o for p in command.params for o in p.opts + p.secondary_opts}
        opts |= {"--help", "-h"}
        for word in words:
            if word.startswith("-"):
                assert word.split("=")[0] in opts, (name, rest)
                seen += 1
    assert seen >= 10  # the usage block and the examples are all read


SYNTAX_DOCS = (REPO / "docs" / "syntaxes.md").read_text(encoding="utf-8")
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def _syntax_examples() -> list[tuple[str, str, int]]:
    """(syntax, example Markdown, the number of notes its text says it gives), per section."""
    out = []
    for section in SYNTAX_DOCS.split("\n## `")[1:]:
        name = section.split("`", 1)[0]
        example = section.split("````markdown\n", 1)[1].split("\n````", 1)[0]
        said = re.search(r"That gives (\w+) (?:cloze )?notes", section)
        assert said is not None, name
        out.append((name, example, _NUMBERS[said.group(1)]))
    return out


def test_every_syntax_has_a_section_with_an_example() -> None:
    assert [name for name, _, _ in _syntax_examples()] == [
        "concept",
        "cloze",
        "sr",
        "qa",
        "callout",
        "glossary",
        "heading",
    ]


@pytest.mark.parametrize(("name", "example", "notes"), _syntax_examples())
def test_each_syntax_example_gives_the_notes_its_text_says(
    name: str, example: str, notes: int
) -> None:
    found = parse_concepts(example, syntaxes=(name,)).concepts
    assert len(found) == notes

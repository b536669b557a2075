"""Every setting, declared once: its name, its kind of value, its default, where it may be
given, and the help that --help and the README show.

Precedence is decided in one place, ``precedence``: a command-line flag, then the note
file's frontmatter, then the config file, then the default. Adding a
setting is one entry in ``SETTINGS`` plus its row in the README (tests/test_docs.py keeps
the README's tables and this registry equal); the CLI's flags, the config file's keys and the
frontmatter keys are all made from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")


@dataclass(frozen=True)
class Kind:
    """A kind of value: how to check it and how messages describe what it must be."""

    check: Callable[[Any], bool]
    what: str
    empty_is_unset: bool = False
    """A frontmatter key with no value (``deck-depth:``) counts as not given."""
    convert: Callable[[Any], Any] | None = None
    """Turns a checked value (or a flag's text) into the value the settings hold."""
    flag_text: bool = False
    """The flag takes one text that ``convert`` splits (``--syntax concept,glossary``)."""


def _is_text(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


BOOL = Kind(lambda v: isinstance(v, bool), "true or false")
DEPTHS = range(7)
"""Heading levels that may make decks: 0 (none) to 6 (H1 to H6)."""
DEPTH = Kind(
    lambda v: isinstance(v, int) and not isinstance(v, bool) and v in DEPTHS,
    f"a whole number from {DEPTHS[0]} to {DEPTHS[-1]}",
    empty_is_unset=True,
)
TEXT = Kind(_is_text, "a non-empty text")
PATH = Kind(_is_text, "a path")
PATHS = Kind(lambda v: isinstance(v, list) and all(_is_text(x) for x in v), "a list of paths")
TAGS = Kind(lambda v: isinstance(v, list) and all(_is_text(x) for x in v), "a list of tags")
LEVELS = range(1, 7)
LEVEL = Kind(
    lambda v: isinstance(v, int) and not isinstance(v, bool) and v in LEVELS,
    f"a heading level from {LEVELS[0]} to {LEVELS[-1]}",
    empty_is_unset=True,
)

SYNTAX_NAMES = ("concept", "cloze", "sr", "qa", "callout", "glossary", "heading")
"""Every card syntax (syntax.parse.SYNTAXES has one reader for each, in this order)."""
DEFAULT_SYNTAXES = ("concept", "cloze", "qa", "callout")
"""On when ``syntax`` is not given; ``sr`` then reads the files tagged ``flashcards``."""


def _names(value: Any) -> tuple[str, ...]:
    """``[concept, glossary]``, ``"concept, glossary"`` or ``"concept glossary"``."""
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,\s]+", str(value))
    return tuple(dict.fromkeys(str(x).strip().casefold() for x in items if str(x).strip()))


def _is_names(value: Any) -> bool:
    if not isinstance(value, (str, list, tuple)):
        return False
    if isinstance(value, (list, tuple)) and not all(isinstance(x, str) for x in value):
        return False
    names = _names(value)
    return bool(names) and all(n in SYNTAX_NAMES for n in names)


NAMES = Kind(
    _is_names,
    f"a list of syntax names from: {', '.join(SYNTAX_NAMES)}",
    convert=_names,
    flag_text=True,
)

NOTES_COMMANDS = frozenset({"build", "check", "changelog", "preview", "sync", "pull"})
"""The commands that read notes (and so take the notes' settings as flags)."""


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    """The name in the config file and the frontmatter, and the flag's (``--deck-depth``)."""
    kind: Kind
    default: T
    doc: str
    """What it sets, as the README's table of settings says it."""
    flag: bool = True
    """Given on the command line: ``--KEY VALUE``, or ``--KEY/--no-KEY`` for BOOL."""
    commands: frozenset[str] = NOTES_COMMANDS
    frontmatter: bool = False
    """A note file's frontmatter may set it for that file (after a flag, before the config)."""
    config: bool = True
    help: str = ""
    """The flag's --help text."""
    metavar: str = ""
    short: str = ""
    """A one-letter flag as well (``-o``)."""
    default_doc: str = ""
    """The default as the README says it, when not simply the value."""
    per_file: bool = False
    """It changes what a single file turns into: part of the parse cache's key."""

    @property
    def flag_name(self) -> str:
        return "--" + self.key

    @property
    def param(self) -> str:
        return self.key.replace("-", "_")


# The order is the README's (and --help's).
NOTES = Setting[tuple[str, ...]](
    "notes", PATHS, ("notes",), "notes to read", flag=False, default_doc="`notes/`"
)
OUTPUT = Setting[str](
    "output",
    PATH,
    "build",
    "output",
    commands=frozenset({"build"}),
    short="-o",
    metavar="OUT",
    help="Folder for one <Root deck>.apkg per root deck, or a file name ending in .apkg to "
    "put every deck into one package [default: build].",
    default_doc="`build/`",
)
LOCK = Setting[str | None](
    "lock",
    PATH,
    None,
    "lock file",
    metavar="FILE",
    help="The lock file (note identities and change times; build, sync and pull write it) "
    "[default: dea2anki.lock in the notes folder].",
    default_doc="`dea2anki.lock` in the notes folder",
)
DECK_DEPTH = Setting[int](
    "deck-depth",
    DEPTH,
    2,
    "heading levels that make decks",
    frontmatter=True,
    help="How many heading levels become subdecks (H1, H2, ...) [default: 2]. Deeper "
    "headings only show in the card's context line.",
    per_file=True,
)
INCLUDE_EMPTY = Setting[bool](
    "include-empty",
    BOOL,
    False,
    "export concepts without definition",
    help="Also export concepts that have no definition yet (by default they are skipped "
    "with a warning).",
)
REVERSE = Setting[bool](
    "reverse",
    BOOL,
    False,
    "reverse (Definition → Term) cards",
    frontmatter=True,
    help="Also make a Definition -> Term card for every concept (or for none). Without "
    "either, a file's frontmatter `reverse: true` decides.",
    per_file=True,
)
ALLOW_HTML = Setting[bool | None](
    "allow-html",
    BOOL,
    None,
    "render raw HTML",
    frontmatter=True,
    help="Keep all raw HTML in the notes, scripts too (or none: show it as text) [default: "
    "a safe subset: <br>, <sub>, <img>, <span class>, <details>..., no scripts, event "
    "handlers or javascript: links]. Without either, a file's frontmatter "
    "`allow-html: true/false` decides.",
    default_doc="a safe subset (no scripts)",
    per_file=True,
)
SYNTAX = Setting[tuple[str, ...] | None](
    "syntax",
    NAMES,
    None,
    "card syntaxes to read",
    frontmatter=True,
    metavar="NAMES",
    help="The card syntaxes to read, joined by commas: "
    f"{', '.join(SYNTAX_NAMES)} [default: {', '.join(DEFAULT_SYNTAXES)}, and sr in files "
    "tagged flashcards]. The list given is the list read.",
    default_doc=f"{', '.join(DEFAULT_SYNTAXES)}; sr in files tagged `flashcards`",
    per_file=True,
)
HEADING_LEVEL = Setting[int](
    "heading-level",
    LEVEL,
    2,
    "heading level of `heading` cards",
    frontmatter=True,
    metavar="N",
    help="With the heading syntax, headings of this level are card fronts [default: 2].",
    per_file=True,
)
FOLDER_DECKS = Setting[bool](
    "folder-decks",
    BOOL,
    False,
    "folders make deck levels",
    help="The folders between the notes folder and a file become deck levels above its "
    "headings [default: off].",
    default_doc="no",
    per_file=True,
)
RETIRE = Setting[bool](
    "retire",
    BOOL,
    False,
    "ship gone concepts as retired",
    commands=frozenset({"build", "check", "changelog"}),
    help="Ship concepts that are gone from the notes as notes tagged dea2anki::retired, so "
    "learners can find and delete them (Anki never deletes on import).",
)
SKIP_DRAFTS = Setting[bool](
    "skip-drafts",
    BOOL,
    False,
    "leave out `draft: true` files",
    help="Leave out files whose frontmatter says `draft: true` [default: include].",
    default_doc="no (drafts build)",
    per_file=True,
)
TAGS_SETTING = Setting[tuple[str, ...]](
    "tags",
    TAGS,
    (),
    "extra tags on every note",
    flag=False,
    default_doc="none",
    per_file=True,
)

SETTINGS: tuple[Setting[Any], ...] = (
    NOTES,
    OUTPUT,
    LOCK,
    DECK_DEPTH,
    INCLUDE_EMPTY,
    TAGS_SETTING,
    REVERSE,
    SYNTAX,
    HEADING_LEVEL,
    FOLDER_DECKS,
    ALLOW_HTML,
    RETIRE,
    SKIP_DRAFTS,
)
CONFIG_KEYS = {s.key: s for s in SETTINGS if s.config}
PATH_KEYS = tuple(s.key for s in SETTINGS if s.kind in (PATH, PATHS))


@dataclass(frozen=True)
class FileKey:
    """A frontmatter key that is not a setting: it describes the file itself."""

    key: str
    kind: Kind
    doc: str


# Frontmatter keys, in the README's order. ``tags`` here are the file's own (the config's
# ``tags`` are added after them, for every file); they may also be one text, "a, b".
DECK_KEY = FileKey("deck", TEXT, "the root deck (default: the file name); `AWS::DEA` nests it")
TAGS_KEY = FileKey("tags", TAGS, "added to every note of the file (`status/x` → `status::x`)")
ANKI_KEY = FileKey("anki", BOOL, "leave this file out of every build")
DRAFT_KEY = FileKey(
    "draft",
    BOOL,
    "leave it out with `--skip-drafts` (the seed is a draft and builds by default)",
)
FILE_KEYS = (DECK_KEY, TAGS_KEY, ANKI_KEY, DRAFT_KEY)
FRONTMATTER_KEYS = tuple(k.key for k in FILE_KEYS) + tuple(s.key for s in SETTINGS if s.frontmatter)


@dataclass(frozen=True)
class Config:
    """A config file's values, checked against the registry (see read.config)."""

    path: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)


def precedence(flag: T | None, frontmatter: T | None, config: T | None, default: T) -> T:
    """The one rule: a command-line flag > the file's frontmatter > the config file > the
    default. The first that was given (is not None) wins."""
    for value in (flag, frontmatter, config):
        if value is not None:
            return value
    return default


@dataclass(frozen=True)
class Options:
    """Every setting for one run, as the flags and the config file give it.

    ``options[SETTING]`` is its value for the whole run; ``for_file`` puts a file's
    frontmatter in its place between the two. Hashable and with a stable repr: part of the
    parse cache's key.
    """

    given: tuple[tuple[str, Any, Any], ...]
    """(key, flag value, config value) per setting, None where not given."""
    config_dir: str | None = None
    """The config file's folder: the vault root when no ``.obsidian/`` or git work tree
    holds the notes (read.files.vault_root)."""

    def _layers(self, key: str) -> tuple[Any, Any]:
        for k, flag, config in self.given:
            if k == key:
                return flag, config
        raise KeyError(f"{key} is not among these options")

    def __getitem__(self, setting: Setting[T]) -> T:
        flag, config = self._layers(setting.key)
        return cast(T, precedence(flag, None, config, setting.default))

    def is_given(self, setting: Setting[Any]) -> bool:
        """Whether a flag or the config file gives it (else it is the default)."""
        return any(v is not None for v in self._layers(setting.key))

    def for_file(self, setting: Setting[T], frontmatter: Mapping[str, Any]) -> T:
        """The value for one file, whose frontmatter may give it."""
        flag, config = self._layers(setting.key)
        written = frontmatter.get(setting.key)
        return cast(T, precedence(flag, written, config, setting.default))

    def per_file(self) -> Options:
        """Only the settings that shape a single file (what the parse cache is keyed by)."""
        keys = {s.key for s in SETTINGS if s.per_file}
        return Options(tuple(g for g in self.given if g[0] in keys), self.config_dir)


def resolve(flags: Mapping[str, Any], config: Config | None = None) -> Options:
    """The options of a run: ``flags`` by setting key and the config's values. An empty
    value (None, "", no paths) is not given: ``-o ""`` or ``notes = []`` mean the default."""
    conf = config.values if config is not None else {}
    given = []
    for s in SETTINGS:
        given.append((s.key, _given(s, flags.get(s.key)), _given(s, conf.get(s.key))))
    where = config.path if config is not None else None
    return Options(tuple(given), str(where.parent) if where is not None else None)


def _given(setting: Setting[Any], value: Any) -> Any:
    if value is not None and value != "" and setting.kind.convert is not None:
        value = setting.kind.convert(value)
    if isinstance(value, (list, tuple)):
        return tuple(value) or None
    return None if value == "" else value


DEFAULTS = resolve({})

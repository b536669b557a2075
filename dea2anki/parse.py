"""Markdown body -> Concept records. Pure: no I/O, no Anki.

mistune parses the block structure (so code fences, setext headings, block quotes and lazy
list lines are read the way every Markdown tool reads them); this module walks the tokens,
keeps the heading trail, finds concept blocks and concept lines, and splits each concept into
term, definition and tags on the Markdown *source* (a separator colon is never one inside
`code`, **bold**, a link target, a URL or ``10:30``). The grammar is written down in the README.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import mistune
from mistune.core import BlockState

from .diagnostics import Diagnostic, warning
from .render import plain_text

Token = dict[str, Any]

_block_md = mistune.create_markdown(renderer=None)
# Lists and quotes nested this deep are where mistune stops parsing containers.
_MAX_DEPTH = _block_md.block.max_nested_level - 1


class Concept(NamedTuple):
    """One concept as written. A named tuple rather than a dataclass: a large vault has one
    per concept, and they travel between processes and through the cache (pickled)."""

    term: str
    """Plain text of the term (markup removed, whitespace collapsed): what identity uses."""
    term_md: str
    """The term as written, Markdown included (rendered on the card)."""
    definition: str
    """Markdown source of the definition line, whitespace collapsed; may be empty."""
    tags: tuple[str, ...]
    """The concept's own tag list, cleaned (spaces inside a tag become ``_``)."""
    deck_path: tuple[str, ...]
    """Deck components below the root deck, from the enclosing headings."""
    context: tuple[str, ...]
    """The full heading trail (every level), outermost first, cleaned like deck names."""
    line: int
    """1-based line in the file where the concept's text starts."""
    column: int | None = None
    """1-based column of the term on that line."""
    block_id: str | None = None
    """Obsidian block id (``^athena``) at the end of the concept line, if any."""
    details: str = ""
    """Markdown of the rest of the list item (paragraphs, sub-bullets, code), dedented."""


@dataclass(frozen=True)
class ParseResult:
    concepts: tuple[Concept, ...]
    diagnostics: tuple[Diagnostic, ...]


class _SourceState(BlockState):
    """Remembers the source text of every list item and block quote.

    mistune parses each container from its own dedented copy of the source; keeping it lets
    us map tokens back to file lines exactly and hand a concept's extra blocks on as Markdown.
    """

    def child_state(self, src: str, lazy_line_starts: set[int] | None = None) -> BlockState:
        child = super().child_state(src, lazy_line_starts)
        self.env.setdefault("_sources", {})[id(child.tokens)] = src
        return child


def parse_concepts(
    body: str,
    *,
    path: str = "<string>",
    first_line: int = 1,
    deck_depth: int = 2,
    fast: bool = True,
) -> ParseResult:
    """Find every concept in a Markdown body (the file without its frontmatter).

    ``first_line`` is the file line number of the body's first line, so reported lines are
    lines of the file. ``deck_depth`` is how many heading levels make decks. ``fast=False``
    always uses mistune (the fast path must give the same result; the tests compare them).
    """
    src = body.replace("\r\n", "\n").replace("\r", "\n")
    src = src if src.endswith("\n") else src + "\n"
    blocks = _simple_blocks(src) if fast else None
    if blocks is not None:
        walker = _Walker(path, deck_depth, {}, src, first_line)
        walker.walk_simple(blocks, first_line)
    else:
        state = _SourceState()
        state.process(src)
        _block_md.block.parse(state)
        walker = _Walker(path, deck_depth, state.env.get("_sources", {}), src, first_line)
        walker.walk_top(state.tokens, _Scope(src, first_line))
    return ParseResult(tuple(walker.concepts), tuple(walker.diagnostics))


# --- the fast path -----------------------------------------------------------------------------

# Most note files are headings, prose paragraphs, breaks and one-line bullets. For those the
# block structure is plain from the lines alone, and scanning them is many times faster than
# mistune's block parser. Anything else (indentation, quotes, fences, HTML, numbered lists,
# setext underlines, a bullet continued on the next line...) sends the whole file to mistune.
# tests/test_properties.py checks that both paths give the same concepts and diagnostics.
_SIMPLE_HEADING = re.compile(r"(#{1,6}) +(\S(?:.*[^\s#])?) *")
_SIMPLE_BREAK = re.compile(r"([-*_])(?: *\1){2,} *")
_SIMPLE_ITEM = re.compile(r"[-*+] (.*)")
# What may start a block other than a paragraph (or be a setext underline): never plain text.
_NOT_PLAIN = re.compile(
    r"[\s#>]|[-+*](?:\s|$)|\d{1,9}[.)](?:\s|$)|```|~~~|<|\[|([-*_=])(?: *\1)* *$"
)

_HEAD, _RULE, _PARA, _BULLET = range(4)
_Block = tuple[int, int, str, int]
"""(kind, index of the line in the body, text, heading level)."""


def _simple_blocks(src: str) -> list[_Block] | None:
    """The blocks of a body written only in the simple subset, else None."""
    if "\t" in src:
        return None
    blocks: list[_Block] = []
    prev = _RULE  # what the previous non-blank line was; a break behaves like the start
    blank = True
    para: list[str] = []
    for i, line in enumerate(src.split("\n")):
        if not line or line.isspace():
            if line:
                return None  # a whitespace-only line may end or continue a block
            if para:
                blocks[-1] = (_PARA, blocks[-1][1], "\n".join(para) + "\n", 0)
                para = []
            blank = True
            continue
        first = line[0]
        if first == "#":
            m = _SIMPLE_HEADING.fullmatch(line)
            if m is None or not m.group(2).strip("#") or (prev == _PARA and not blank):
                return None  # `# #` is an empty heading and its closing sequence
            blocks.append((_HEAD, i, m.group(2), len(m.group(1))))
            kind = _HEAD
        elif first in "-*_" and _SIMPLE_BREAK.fullmatch(line):
            if not (blank or prev == _HEAD):
                return None  # under a paragraph it would be a setext underline
            blocks.append((_RULE, i, "", 0))
            kind = _RULE
        elif first in "-*+" and line[1:2] == " ":
            m = _SIMPLE_ITEM.fullmatch(line)
            text = m.group(1) if m else ""
            if (
                not text
                or _NOT_PLAIN.match(text)
                or text[-1].isspace()
                or (prev == _PARA and not blank)
            ):
                return None
            blocks.append((_BULLET, i, text + "\n", 0))
            kind = _BULLET
        elif _NOT_PLAIN.match(line) or line[-1].isspace():
            return None
        else:
            if prev == _BULLET and not blank:
                return None  # a lazy continuation of the bullet
            if not para:
                blocks.append((_PARA, i, "", 0))
            para.append(line)
            kind = _PARA
        if para and kind != _PARA:
            return None  # a block interrupting a paragraph: leave that to mistune
        prev, blank = kind, False
    return blocks


# --- deck names ------------------------------------------------------------------------------

_COLON_RUN = re.compile(r"\s*:{2,}\s*")


def clean_deck_component(title: str) -> str:
    """A heading as one deck name component.

    ``::`` is Anki's level separator, so a run of colons inside a heading becomes one colon;
    surrounding whitespace and colons go (``# Security, Identity, and Compliance:``).
    """
    return _COLON_RUN.sub(": ", title).strip(" \t:")


# --- splitting one concept line ------------------------------------------------------------

_BLOCK_MARKER = re.compile(r"^(?=[*_]+)[*_]+\s*concepts?\s*:?\s*[*_]+\s*:?$", re.IGNORECASE)
# Obsidian block ids are letters, digits and dashes; one with no letter (`x ^2`) is maths.
_BLOCK_ID = re.compile(r"\s\^((?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9-]+)\s*$")
# Colons that never separate: inside bold, link targets, autolinks, URLs, `\:`, between
# digits (10:30, 1:2) and in $math$. Code spans are masked separately (_mask_code_spans).
# (literal the alternative needs, alternative), in order: leftmost match, first alternative.
_PROTECTED_PARTS = (
    ("**", r"\*\*[^*\n]+?\*\*"),
    ("__", r"__[^_\n]+?__"),
    ("<", r"<[^<>\s]+>"),
    ("://", r"\b[A-Za-z][\w+.-]{0,31}://[^\s<>()]+"),
    ("\\:", r"\\:"),
    (":", r"\d:\d"),
    ("$", r"\$\$[^$\n]+\$\$|\$(?![\s$])[^$\n]+?\$(?!\d)"),
)


@functools.cache
def _protected_pattern(present: tuple[bool, ...]) -> re.Pattern[str]:
    parts = zip(_PROTECTED_PARTS, present, strict=True)
    return re.compile("|".join(p for (_, p), on in parts if on))


def _protected(text: str) -> re.Pattern[str]:
    """The protecting pattern with only the alternatives that can match in ``text``: the
    same matches, without trying (say) the URL alternative at every word of a definition."""
    return _protected_pattern(tuple(lit in text for lit, _ in _PROTECTED_PARTS))


_COLON = re.compile(":")
_BOLD_TERM_COLON = re.compile(r"^(\*\*|__)([^*_\n]+?):\1")
_TAG = r"[\w\-/.&+#]+"
# Outside concept blocks a tag list is one-word tags joined by " ; " (at least one), which
# ordinary prose after a colon almost never is: `- Note: see below`, `- C;C++;Java` are not.
_LINE_TAG_LIST = re.compile(rf"^\s*(?:{_TAG}\s+;\s*)+(?:{_TAG}\s*)?$")
# Inside a block the tag list may also be a single tag, and tags may contain spaces.
_BLOCK_TAG_LIST = re.compile(rf"^\s*(?:{_TAG}|[\w\-/.&+# ]+(?:;[\w\-/.&+# ]*)+)\s*$")


class _Parts(NamedTuple):
    term_md: str
    definition: str
    tags: str | None


def _mask_code_spans(text: str) -> str:
    """Blank out `code spans` (CommonMark pairing: a run closes at the next run of the same
    length). Linear in the number of backtick runs, whatever their lengths."""
    if "`" not in text:
        return text
    runs = [(m.start(), m.end()) for m in re.finditer(r"`+", text)]
    next_same: dict[int, int] = {}
    last_by_len: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        n = runs[i][1] - runs[i][0]
        if n in last_by_len:
            next_same[i] = last_by_len[n]
        last_by_len[n] = i
    out = list(text)
    i = 0
    while i < len(runs):
        j = next_same.get(i)
        if j is None:
            i += 1
            continue
        for k in range(runs[i][0], runs[j][1]):
            out[k] = "\0"
        i = j + 1
    return "".join(out)


def _mask_link_targets(text: str) -> str:
    """Blank out `](target)` link targets. A regex would rescan to the end of the line from
    every `](` that never closes (quadratic); one pass from the right finds each closing ')'."""
    if "](" not in text:
        return text
    next_close = [len(text)] * (len(text) + 1)
    for i in range(len(text) - 1, -1, -1):
        next_close[i] = i if text[i] in ")\n" else next_close[i + 1]
    out = list(text)
    i = text.find("](")
    while i >= 0:
        end = next_close[i + 2]
        if end < len(text) and text[end] == ")":
            for k in range(i, end + 1):
                out[k] = "\0"
            i = text.find("](", end + 1)
        else:
            i = text.find("](", i + 2)
    return "".join(out)


def _separators(text: str) -> list[int]:
    text = _mask_link_targets(_mask_code_spans(text))
    masked = _protected(text).sub(lambda m: "\0" * len(m.group(0)), text)
    return [m.start() for m in _COLON.finditer(masked)]


def split_concept_text(text: str, *, in_block: bool = True) -> _Parts | None:
    """``Term : Definition : Tag ; Tag`` -> parts; None without a separator colon.

    The first separator ends the term; the last one starts the tag list when what follows it
    is one (see the README), so the definition may contain colons.
    """
    text = text.strip()
    if ":**" in text or ":__" in text:  # `**Term:**`: the colon inside the bold separates
        text = _BOLD_TERM_COLON.sub(r"\1\2\1 :", text, count=1)
    seps = _separators(text)
    if not seps:
        return None
    first, last = seps[0], seps[-1]
    term_md = _unwrap_bold(text[:first].strip())
    tail = text[last + 1 :].strip()
    if last == first:
        # `Term : DEA ; AWS` is a term with tags and no definition yet; `Term : word` is a
        # definition.
        if _LINE_TAG_LIST.match(tail):
            return _Parts(term_md, "", tail)
    elif (_BLOCK_TAG_LIST if in_block else _LINE_TAG_LIST).match(tail):
        return _Parts(term_md, text[first + 1 : last].strip(), tail)
    return _Parts(term_md, text[first + 1 :].strip(), None)


# `**Term** : definition : Tag ; Tag`, the line most concepts are, when nothing in it can
# change how split_concept_text reads it: a plain term (no markup, no double space), a
# definition with no colon, bold, `__` or block id, and both separators as " : " (a colon
# after a space is never inside a URL or 10:30). tests/test_properties.py compares it with
# the full reading through the parser's two paths.
_PLAIN_CONCEPT = re.compile(
    r"\*\*([^\\`*_~\[\]()<>!&$=^|:\n]+)\*\* +: +([^:*_^\n]+?) +: +([^:\n]+)"
)


def _plain_concept(text: str, in_block: bool) -> tuple[str, str, str] | None:
    """(term, definition, tag list) of a plain concept line, else None (read it in full)."""
    m = _PLAIN_CONCEPT.fullmatch(text.strip())
    if m is None:
        return None
    term, definition, tags = m.groups()
    if "  " in term or not term.strip():
        return None
    tags = tags.strip()
    if not (_BLOCK_TAG_LIST if in_block else _LINE_TAG_LIST).match(tags):
        return None
    return " ".join(term.split()), " ".join(definition.split()), tags


def _unwrap_bold(term: str) -> str:
    for mark in ("**", "__"):
        if term.startswith(mark) and term.endswith(mark) and len(term) >= 2 * len(mark):
            inner = term[len(mark) : -len(mark)]
            if mark not in inner:
                return inner.strip()
    return term


def split_tags(tag_list: str | None) -> tuple[str, ...]:
    if not tag_list:
        return ()
    tags = ("_".join(t.split()) for t in tag_list.split(";"))
    return tuple(t.lstrip("#") for t in tags if t.lstrip("#"))


# --- mapping tokens back to lines --------------------------------------------------------------

_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_BREAK = re.compile(r"^ {0,3}([-*_])[ \t]*(?:\1[ \t]*){2,}$")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MARKER = re.compile(r"^[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)")
_QUOTE = re.compile(r"^ {0,3}>")
_TEXT_BLOCKS = ("paragraph", "block_text")


class _Scope:
    """One source text mistune parsed (the body, a list item, a block quote) and the file
    line of its first line. Tokens come in source order, so each is found by searching
    forward; containers get scopes of their own, so a search never strays outside them."""

    def __init__(self, src: str, first_line: int) -> None:
        self.lines = src.split("\n")
        self.first_line = first_line
        self.pos = 0

    def find(self, pred: Callable[[str], bool]) -> int:
        """Index of the next line satisfying ``pred``.

        mistune emits a block quote after a list it swallowed a line of (it prepends the
        quote token), so a token may start before the cursor: then search from the top.
        """
        for i in range(self.pos, len(self.lines)):
            if pred(self.lines[i]):
                return i
        for i in range(min(self.pos, len(self.lines))):
            if pred(self.lines[i]):
                return i
        return min(self.pos, len(self.lines) - 1)

    def consume(self, start: int, count: int) -> int:
        """Move past ``count`` lines from ``start``; returns the file line of ``start``."""
        self.pos = min(max(self.pos, start + max(count, 1)), len(self.lines))
        return start + self.first_line

    def file_line(self, index: int) -> int:
        return index + self.first_line


def _fence_length(lines: list[str], start: int) -> int:
    """Lines from an opening code fence through its closing fence (or the end)."""
    m = _FENCE_OPEN.match(lines[start])
    if m is None:
        return 1
    char, width = m.group(1)[0], len(m.group(1))
    closing = re.compile(rf"^ {{0,3}}{re.escape(char)}{{{width},}}[ \t]*$")
    end = start + 1
    while end < len(lines) and not closing.match(lines[end]):
        end += 1
    return end - start + 1


def _line_count(text: str) -> int:
    return len(text.rstrip("\n").split("\n"))


def _first_text_line(text: str) -> tuple[int, str]:
    for i, line in enumerate(text.split("\n")):
        if line.strip():
            return i, line.strip()
    return 0, ""


def _same_text(needle: str) -> Callable[[str], bool]:
    return lambda line: line.strip() == needle or (bool(needle) and needle in line)


def _item_marker(first: str) -> Callable[[str], bool]:
    """A list marker line whose text (after one or more markers) is ``first``."""

    def pred(line: str) -> bool:
        rest = line
        while True:
            m = _MARKER.match(rest)
            if not m:
                return False
            rest = rest[m.end() :]
            if rest.strip() == first:
                return True

    return pred


# --- the walk --------------------------------------------------------------------------------


@dataclass
class _Heading:
    level: int
    title: str
    deck: str


class _Walker:
    def __init__(
        self, path: str, deck_depth: int, sources: dict[int, str], src: str, first_line: int
    ) -> None:
        self.body_lines = src.split("\n")
        self.first_line = first_line
        self.path = path
        self.deck_depth = deck_depth
        self.sources = sources
        self.trail: list[_Heading] = []
        # (deck_path, context) under the current trail: shared by the concepts under it,
        # which keeps a large vault's memory and cache small.
        self._where: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        self._tag_lists: dict[str | None, tuple[str, ...]] = {}
        self.in_block = False
        self.concepts: list[Concept] = []
        self.diagnostics: list[Diagnostic] = []

    def walk_top(self, tokens: Iterable[Token], scope: _Scope) -> None:
        for tok in tokens:
            kind = tok["type"]
            if kind == "heading":
                self._heading(tok, scope)
            elif kind == "thematic_break":
                scope.consume(scope.find(lambda s: bool(_BREAK.match(s))), 1)
                self.in_block = False
            elif kind == "paragraph":
                self._locate_text(tok["text"], scope)
                if _BLOCK_MARKER.match(tok["text"].strip()):
                    self.in_block = True
            else:
                self._block(tok, scope, in_block=self.in_block, top=True)

    def walk_simple(self, blocks: list[_Block], first_line: int) -> None:
        """The same walk as ``walk_top`` over the fast path's blocks, whose lines are known."""
        for kind, index, text, level in blocks:
            line = index + first_line
            if kind == _HEAD:
                self._enter_heading(level, text, line)
            elif kind == _RULE:
                self.in_block = False
            elif kind == _PARA:
                if _BLOCK_MARKER.match(text.strip()):
                    self.in_block = True
            else:
                concept = self._concept(text, line, self.in_block, "")
                if concept is not None:
                    self.concepts.append(concept)

    def _heading(self, tok: Token, scope: _Scope) -> None:
        if tok.get("style") == "setext":
            line = self._locate_text(tok["text"], scope)
            scope.consume(scope.pos, 1)  # the underline
        else:
            line = scope.consume(scope.find(lambda s: bool(_ATX.match(s))), 1)
        self._enter_heading(tok["attrs"]["level"], tok["text"], line)

    def _enter_heading(self, level: int, text: str, line: int) -> None:
        title = plain_text(text, keep_html=False)
        deck = clean_deck_component(title)
        if not deck and level <= self.deck_depth:
            self.diagnostics.append(
                warning(
                    self.path,
                    line,
                    "empty-deck-name",
                    f"heading {title!r} makes no deck name; its concepts go to the parent deck",
                )
            )
        while self.trail and self.trail[-1].level >= level:
            self.trail.pop()
        self.trail.append(_Heading(level, title, deck))
        self._where = None
        self.in_block = False

    def _locate_text(self, text: str, scope: _Scope) -> int:
        offset, first = _first_text_line(text)
        start = scope.find(_same_text(first))
        return scope.consume(start - offset if start >= offset else start, _line_count(text))

    def _block(
        self, tok: Token, scope: _Scope, *, in_block: bool, top: bool = False, depth: int = 0
    ) -> None:
        """Any block that is not a heading, break or top-level paragraph. ``depth`` counts
        the lists and quotes around it."""
        kind = tok["type"]
        if kind == "list":
            for item in tok["children"]:
                self._item(item, scope, in_block=in_block, depth=depth)
        elif kind == "block_quote":
            start = scope.find(lambda s: bool(_QUOTE.match(s)))
            src = self.sources.get(id(tok["children"]), "")
            inner = _Scope(src, scope.file_line(start))
            scope.consume(start, _line_count(src))
            # A concept block never reaches into a quote; tagged lines there still count.
            for child in tok["children"]:
                if child["type"] in _TEXT_BLOCKS:
                    self._locate_text(child["text"], inner)
                elif child["type"] != "heading":
                    self._block(child, inner, in_block=False, depth=depth + 1)
                elif top:
                    # mistune keeps a heading written right after a quote ("> a\n## B")
                    # inside it; in CommonMark a heading line is never a lazy continuation,
                    # so a heading whose line has no '>' is the document's.
                    at = inner.find(lambda s: bool(_ATX.match(s)))
                    if not _QUOTE.match(scope.lines[min(start + at, len(scope.lines) - 1)]):
                        self._heading(child, inner)
        elif kind == "block_code" and tok.get("style") == "fenced":
            start = scope.find(lambda s: bool(_FENCE_OPEN.match(s)))
            scope.consume(start, _fence_length(scope.lines, start))
        elif kind in _TEXT_BLOCKS:
            self._locate_text(tok["text"], scope)
        elif kind in ("block_code", "block_html"):
            self._locate_text(tok.get("raw", ""), scope)

    def _item(self, item: Token, scope: _Scope, *, in_block: bool, depth: int) -> None:
        children: list[Token] = item.get("children", [])
        src = self.sources.get(id(children), "")
        offset, first = _first_text_line(src)
        marker = scope.find(_item_marker(first if offset == 0 else ""))
        base = marker
        if offset == 0 and not _item_marker(first)(scope.lines[marker]):
            # `-` alone on its line: mistune drops that empty first line from the item.
            marker = scope.find(_item_marker(""))
            base = marker + 1
        inner = _Scope(src, scope.file_line(base))
        scope.consume(marker, base - marker + _line_count(src))
        if depth >= _MAX_DEPTH:
            # mistune stops nesting here and reads everything deeper as one paragraph; a
            # concept taken from that text would have the wrong term and line.
            self._warn(
                scope.file_line(marker),
                None,
                "nested-too-deep",
                f"lists nested more than {_MAX_DEPTH} levels deep are read as text; "
                "nothing in them becomes a card",
            )
            return

        head = children[0] if children and children[0]["type"] in _TEXT_BLOCKS else None
        concept = None
        if head is not None:
            line = self._locate_text(head["text"], inner)
            concept = self._concept(head["text"], line, in_block, _details(src, head["text"]))
        if concept is not None:
            self.concepts.append(concept)
            return
        # Not a concept: its own sub-lists may hold some (a grouping bullet).
        for child in children[1 if head is not None else 0 :]:
            if child["type"] != "heading":
                self._block(child, inner, in_block=in_block, depth=depth + 1)

    def _column(self, line: int, text: str) -> int | None:
        """Where ``text`` starts on the file's ``line`` (tokens carry no columns)."""
        index = line - self.first_line
        if not 0 <= index < len(self.body_lines):
            return None
        pos = self.body_lines[index].find(_first_text_line(text)[1][:12])
        return pos + 1 if pos >= 0 else None

    def _tags(self, tag_list: str | None) -> tuple[str, ...]:
        # Concepts mostly repeat one tag list: they share one tuple (memory, cache size).
        tags = self._tag_lists.get(tag_list)
        if tags is None:
            tags = self._tag_lists[tag_list] = split_tags(tag_list)
        return tags

    def _warn(self, line: int, column: int | None, code: str, message: str) -> None:
        self.diagnostics.append(warning(self.path, line, code, message, column))

    def _concept(self, text: str, line: int, in_block: bool, details: str) -> Concept | None:
        column = self._column(line, text)
        plain = _plain_concept(text, in_block)
        if plain is not None:
            term, definition, tags = plain
            return self._make(term, term, definition, tags, line, column, None, details)
        block_id = None
        m = _BLOCK_ID.search(text)
        if m:
            block_id = m.group(1)
            text = text[: m.start()]
        parts = split_concept_text(text, in_block=in_block)
        if parts is None:
            if in_block and text.lstrip().startswith(("**", "__")):
                self._warn(
                    line,
                    column,
                    "concept-no-separator",
                    "list item in a concept block has no ':' after the term: "
                    f"{_first_text_line(text)[1][:60]!r}",
                )
            return None
        if not in_block and parts.tags is None:
            return None
        term = plain_text(parts.term_md)
        if not term:
            if in_block or parts.term_md:
                self._warn(line, column, "empty-term", "concept has no term before the ':'")
            return None
        if _mask_code_spans(text).count("**") % 2:
            self._warn(
                line,
                column,
                "unbalanced-bold",
                f"concept {term!r} has an unpaired '**'; check the term and definition",
            )
        term_md = " ".join(parts.term_md.split())
        definition = " ".join(parts.definition.split())
        return self._make(term, term_md, definition, parts.tags, line, column, block_id, details)

    def _make(
        self,
        term: str,
        term_md: str,
        definition: str,
        tags: str | None,
        line: int,
        column: int | None,
        block_id: str | None,
        details: str,
    ) -> Concept:
        if not self.trail:
            self._warn(
                line,
                column,
                "no-heading",
                f"concept {term!r} is not under any heading; it goes to the root deck",
            )
        where = self._where
        if where is None:
            where = self._where = (
                tuple(h.deck for h in self.trail if h.level <= self.deck_depth and h.deck),
                tuple(h.deck or h.title for h in self.trail),
            )
        return Concept(
            term=term,
            term_md=term_md,
            definition=definition,
            tags=self._tags(tags),
            deck_path=where[0],
            context=where[1],
            line=line,
            column=column,
            block_id=block_id,
            details=details,
        )


def _details(item_src: str, head_text: str) -> str:
    """The item's Markdown after its first paragraph."""
    start = item_src.find(head_text.rstrip("\n"))
    if start < 0:
        return ""
    return item_src[start + len(head_text.rstrip("\n")) :].strip("\n")

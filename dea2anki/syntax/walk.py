"""The general way to a file's blocks: mistune's block parser, its tokens mapped back to
the file's lines.

mistune parses the block structure (so code fences, setext headings, block quotes and lazy
list lines are read the way every Markdown tool reads them); tokens carry no line numbers,
so each is found in the source by searching forward from the previous one (``_Scope``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import mistune
from mistune.core import BlockState

from .blocks import BREAK, HEADING, ITEM, PARAGRAPH, TOO_DEEP, Block, first_text_line

Token = dict[str, Any]

_block_md = mistune.create_markdown(renderer=None)
# Lists and quotes nested this deep are where mistune stops parsing containers.
MAX_DEPTH = _block_md.block.max_nested_level - 1


class _SourceState(BlockState):
    """Remembers the source text of every list item and block quote.

    mistune parses each container from its own dedented copy of the source; keeping it lets
    us map tokens back to file lines exactly and hand an item's extra blocks on as Markdown.
    """

    def child_state(self, src: str, lazy_line_starts: set[int] | None = None) -> BlockState:
        child = super().child_state(src, lazy_line_starts)
        self.env.setdefault("_sources", {})[id(child.tokens)] = src
        return child


def walk(src: str, first_line: int) -> list[Block]:
    """The blocks of a body (``src`` ends with a newline; ``first_line`` is the file line of
    its first line)."""
    state = _SourceState()
    state.process(src)
    _block_md.block.parse(state)
    walker = _Walker(state.env.get("_sources", {}))
    walker.walk_top(state.tokens, _Scope(src, first_line))
    return walker.blocks


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
        self.quotes: set[int] = set()
        """Lines where a quote already found starts (a quote may be found behind the
        cursor, see ``find``, and two quotes may read the same)."""

    def find(self, pred: Callable[[str], bool]) -> int:
        """Index of the next line satisfying ``pred`` (the cursor's line if none does)."""
        found = self.search(lambda i: pred(self.lines[i]))
        return found if found is not None else min(self.pos, len(self.lines) - 1)

    def search(self, pred: Callable[[int], bool], skip: set[int] | None = None) -> int | None:
        """The next line index (not in ``skip``) satisfying ``pred``, or None.

        mistune emits a block quote after a list it swallowed a line of (it prepends the
        quote token), so a token may start before the cursor: then search from the top.
        """
        skip = skip or set()
        for i in range(self.pos, len(self.lines)):
            if i not in skip and pred(i):
                return i
        for i in range(min(self.pos, len(self.lines))):
            if i not in skip and pred(i):
                return i
        return None

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


def _same_text(needle: str) -> Callable[[str], bool]:
    return lambda line: line.strip() == needle or (bool(needle) and needle in line)


def _find_quote(scope: _Scope, src: str) -> int:
    """Where a block quote whose text (one ``>`` level off) is ``src`` starts. mistune may
    emit quotes after a list that followed them ("> a\n- b\n> c"), so only their text tells
    which quote lines they are: all of it if it is found, else its first line."""
    lines = scope.lines
    want = [line.strip() for line in src.rstrip("\n").split("\n")]

    def text(i: int) -> str | None:
        if i >= len(lines):
            return None
        line = lines[i]
        return (_QUOTE.sub("", line, 1) if _QUOTE.match(line) else line).strip()

    def whole(i: int) -> bool:
        return bool(_QUOTE.match(lines[i])) and all(text(i + k) == w for k, w in enumerate(want))

    def first(i: int) -> bool:
        return bool(_QUOTE.match(lines[i])) and text(i) == want[0]

    def any_quote(i: int) -> bool:
        return bool(_QUOTE.match(lines[i]))

    for pred in (whole, first, any_quote):
        found = scope.search(pred, scope.quotes)
        if found is not None:
            return found
    return min(scope.pos, len(lines) - 1)


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


# --- the walk ------------------------------------------------------------------------------


class _Walker:
    def __init__(self, sources: dict[int, str]) -> None:
        self.sources = sources
        self.blocks: list[Block] = []

    def walk_top(self, tokens: Iterable[Token], scope: _Scope) -> None:
        for tok in tokens:
            kind = tok["type"]
            if kind == "heading":
                self._heading(tok, scope)
            elif kind == "thematic_break":
                line = scope.consume(scope.find(lambda s: bool(_BREAK.match(s))), 1)
                self.blocks.append(Block(BREAK, line, ""))
            else:
                self._block(tok, scope, quoted=False, parent=-1)

    def _heading(self, tok: Token, scope: _Scope) -> None:
        if tok.get("style") == "setext":
            line = self._locate_text(tok["text"], scope)
            scope.consume(scope.pos, 1)  # the underline
        else:
            line = scope.consume(scope.find(lambda s: bool(_ATX.match(s))), 1)
        self.blocks.append(Block(HEADING, line, tok["text"], tok["attrs"]["level"]))

    def _locate_text(self, text: str, scope: _Scope) -> int:
        offset, first = first_text_line(text)
        start = scope.find(_same_text(first))
        return scope.consume(start - offset if start >= offset else start, _line_count(text))

    def _block(
        self, tok: Token, scope: _Scope, *, quoted: bool, parent: int, depth: int = 0
    ) -> None:
        """Any block that is not a heading or a break of the file itself. ``depth`` counts
        the lists and quotes around it."""
        kind = tok["type"]
        if kind == "list":
            for item in tok["children"]:
                self._item(item, scope, quoted=quoted, parent=parent, depth=depth)
        elif kind == "block_quote":
            src = self.sources.get(id(tok["children"]), "")
            start = _find_quote(scope, src)
            scope.quotes.add(start)
            inner = _Scope(src, scope.file_line(start))
            scope.consume(start, _line_count(src))
            for child in tok["children"]:
                if child["type"] != "heading":
                    self._block(child, inner, quoted=True, parent=parent, depth=depth + 1)
                elif depth == 0 and parent < 0:
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
            line = self._locate_text(tok["text"], scope)
            self.blocks.append(Block(PARAGRAPH, line, tok["text"], depth, "", quoted, parent))
        elif kind in ("block_code", "block_html"):
            self._locate_text(tok.get("raw", ""), scope)

    def _item(self, item: Token, scope: _Scope, *, quoted: bool, parent: int, depth: int) -> None:
        children: list[Token] = item.get("children", [])
        src = self.sources.get(id(children), "")
        offset, first = first_text_line(src)
        marker = scope.find(_item_marker(first if offset == 0 else ""))
        base = marker
        if offset == 0 and not _item_marker(first)(scope.lines[marker]):
            # `-` alone on its line: mistune drops that empty first line from the item.
            marker = scope.find(_item_marker(""))
            base = marker + 1
        inner = _Scope(src, scope.file_line(base))
        scope.consume(marker, base - marker + _line_count(src))
        if depth >= MAX_DEPTH:
            # mistune stops nesting here and reads everything deeper as one paragraph; a
            # concept taken from that text would have the wrong term and line.
            self.blocks.append(
                Block(TOO_DEEP, scope.file_line(marker), "", depth, "", quoted, parent)
            )
            return
        head = children[0] if children and children[0]["type"] in _TEXT_BLOCKS else None
        index = len(self.blocks)
        if head is not None:
            line = self._locate_text(head["text"], inner)
            details = _details(src, head["text"])
            self.blocks.append(Block(ITEM, line, head["text"], depth, details, quoted, parent))
        else:
            # An item without a first paragraph is a place, not a block: its blocks belong
            # to the item around it.
            index = parent
        for child in children[1 if head is not None else 0 :]:
            if child["type"] != "heading":
                self._block(child, inner, quoted=quoted, parent=index, depth=depth + 1)


def _details(item_src: str, head_text: str) -> str:
    """The item's Markdown after its first paragraph."""
    start = item_src.find(head_text.rstrip("\n"))
    if start < 0:
        return ""
    return item_src[start + len(head_text.rstrip("\n")) :].strip("\n")

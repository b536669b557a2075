"""The lines of a file, for the syntaxes that read past one block (``qa``, ``callout``).

Blocks carry their text but not what lies between them (code, HTML, comments, the underline
of a setext heading) nor the quotes around them: these read the file's own lines for that,
and split a card's back into its first paragraph and the blocks after it.
"""

from __future__ import annotations

import re

from .blocks import ITEM, Block, FileContext

QUOTE = re.compile(r"[ \t]*>[ \t]?")
"""One level of quote at the start of a line."""
ATX = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
BREAK = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
"""A thematic break: ``---``, ``***``, ``___`` (spaces between allowed)."""
SETEXT_UNDERLINE = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
FENCE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")
ITEM_MARKER = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")
COMMENT_LINE = re.compile(r"[ \t]*(?:<!--.*-->|%%.*%%)[ \t]*")
"""A line that is only a comment: ``<!--ID: 123-->`` (Obsidian_to_Anki), ``<!--SR:...-->``,
``%%x%%``. No card shows it, and none ends a card's back."""
STARTS_BLOCK = re.compile(
    r"[ \t]{0,3}(?:#{1,6}(?:[ \t]|$)|[-*+](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|`{3}|~{3}"
    r"|<[A-Za-z/!?]|>|\|)|[ \t]{4}|([-*_])(?:[ \t]*\1){2,}[ \t]*$"
)
"""A line that starts a block of its own: it never continues a paragraph."""
CALLOUT_HEAD = re.compile(r"\[!(?P<kind>[^\]\s]+)\](?P<fold>[+-]?)[ \t]*(?P<title>.*)")
"""A callout's first line, its quotes taken off: ``[!definition]- Title``."""
_TABLE_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")


def unquote(line: str, most: int = 1 << 30) -> tuple[int, str]:
    """How many ``>`` (at most ``most``) start ``line``, and the text after them."""
    depth = 0
    while depth < most:
        m = QUOTE.match(line)
        if m is None:
            break
        line, depth = line[m.end() :], depth + 1
    return depth, line


def last_line(file: FileContext) -> int:
    return file.first_line + len(file.body_lines) - 1


def fence_step(fence: str, text: str) -> str:
    """The open code fence after ``text`` (``fence`` the one open before it, or "")."""
    m = FENCE.match(text)
    if not fence:
        return m.group(1) if m else ""
    if m is None or m.group(1)[0] != fence[0] or len(m.group(1)) < len(fence):
        return fence
    return fence if text[m.end() :].strip() else ""


def block_end(file: FileContext, block: Block) -> int:
    """The file line of a block's last line (a list item with its sub-blocks; a setext
    heading without its underline)."""
    end = block.line + block.text.rstrip("\n").count("\n")
    if block.kind == ITEM and block.details:
        depth = unquote(file.line_text(block.line))[0]
        for i in range(end + 1, last_line(file) + 1):
            n, rest = unquote(file.line_text(i), depth)
            if n < depth or (rest.strip() and rest[0] not in " \t"):
                break
            if rest.strip():
                end = i
    return end


def setext_underline(file: FileContext, block: Block) -> int:
    """The file line of a heading's setext underline (``---`` or ``===`` under its text), or
    0 for an ATX heading (``## Title``)."""
    depth, first = unquote(file.line_text(block.line))
    if ATX.match(first):
        return 0
    line = block_end(file, block) + 1
    return line if SETEXT_UNDERLINE.match(unquote(file.line_text(line), depth)[1]) else 0


def scan_gap(file: FileContext, start: int, stop: int) -> tuple[bool, int]:
    """Whether the lines from ``start`` to before ``stop`` hold only what no syntax is shown
    (blank lines, code, HTML, indented lines), and the last such line with text. A line that
    is only ``---`` (``***``, ``___``) ends the gap, setext underline or not: it is where a
    card's back ends."""
    last, fence, html = start - 1, "", False
    for i in range(start, stop):
        raw = file.line_text(i)
        text = unquote(raw)[1]
        if fence or FENCE.match(text):
            fence, last = fence_step(fence, text), i
        elif not text.strip() or COMMENT_LINE.fullmatch(text):
            html = html and bool(text.strip())
        elif not html and BREAK.match(raw):  # (`> ---` is in a quote: the quote's)
            return False, last
        elif html or text.startswith("<") or text[0] in " \t" or BREAK.match(text):
            html, last = html or text.startswith("<"), i
        else:
            return False, last
    return True, last


def text_lines(file: FileContext, start: int, stop: int) -> list[str]:
    """The file's lines from ``start`` to before ``stop``, less those that are comments."""
    lines = (file.line_text(i) for i in range(start, stop))
    return [line for line in lines if not COMMENT_LINE.fullmatch(line)]


def split_back(markdown: str) -> tuple[str, str]:
    """(definition, details): the first paragraph as one line, then the rest as blocks. A
    back that starts with a block (a list, code, a table) is all details."""
    lines = markdown.strip("\n").split("\n")
    if not lines[0].strip() or STARTS_BLOCK.match(lines[0]):
        return "", markdown.strip("\n")
    end = 1
    while end < len(lines) and lines[end].strip() and not STARTS_BLOCK.match(lines[end]):
        end += 1
    if end > 1 and _TABLE_RULE.fullmatch(lines[1]):
        return "", markdown.strip("\n")
    return " ".join(" ".join(lines[:end]).split()), "\n".join(lines[end:]).strip("\n")


def back_fields(markdown: str) -> tuple[str, str]:
    """(definition, details) of a card's back: the first paragraph as one line and the rest
    as blocks, as a concept line and the rest of its item are. A back that opens with a block
    (``A:`` over a list or code) has no line to lift out: all of it is the definition."""
    definition, details = split_back(markdown)
    return (definition, details) if definition else (markdown.strip("\n"), "")

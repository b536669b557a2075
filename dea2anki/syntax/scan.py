"""The fast way to a file's blocks: a line scanner for files in a simple subset of Markdown.

Most note files are headings, prose paragraphs, breaks, bullets (a bullet's paragraph may go
on, unindented, on the next lines) and one-paragraph block quotes (callouts: ``> [!tip]``
and its ``> `` lines). For those the block structure is plain from the lines alone, and
scanning them is many times faster than mistune's block parser. Anything else (indentation,
nested or lazy quotes, fences, HTML, numbered lists, setext underlines...) sends the whole
file to ``walk``; tests/test_properties.py checks that both give the same concepts and
diagnostics, with every syntax on.
"""

from __future__ import annotations

import functools
import re

from .blocks import BREAK, HEADING, ITEM, PARAGRAPH, Block

_SIMPLE_HEADING = re.compile(r"(#{1,6}) +(\S(?:.*[^\s#])?) *")
_SIMPLE_BREAK = re.compile(r"([-*_])(?: *\1){2,} *")
_SIMPLE_ITEM = re.compile(r"[-*+] (.*)")
# What may start a block other than a paragraph (or be a setext underline): never plain text.
_OTHER_BLOCK = re.compile(
    r"[\s#>]|[-+*](?:\s|$)|\d{1,9}[.)](?:\s|$)|```|~~~|<|\[|([-*_=])(?: *\1)* *$"
)


# A callout's first line, `[!type]` (folded `+`/`-`, then its title): never a link
# reference definition (`[label]: url`), the one block a line starting with `[` may be. No
# backslash in the type: after `[!a\]` (an escaped bracket) the label would go on.
_CALLOUT_HEAD = re.compile(r"\[![^\]\\\n]*\][+-]?(?: |$)")
_QUOTE = -1  # a line of a block quote (a kind of line here, not of Block)


# A Block from its values without the named tuple's Python-level __new__: a large vault has
# a block per concept line, and this is a third of the cost of scanning it.
_block = functools.partial(tuple.__new__, Block)
_TOP = ("", False, -1)  # no details, not quoted, inside no list item


def scan(src: str, first_line: int) -> list[Block] | None:
    """The blocks of a body written only in the simple subset, else None (use walk).

    ``src`` ends with a newline; ``first_line`` is the file line of its first line."""
    if "\t" in src:
        return None
    blocks: list[Block] = []
    prev = BREAK  # what the previous non-blank line was; a break behaves like the start
    blank = True
    para: list[str] = []
    for i, line in enumerate(src.split("\n")):
        if not line or line.isspace():
            if line:
                return None  # a whitespace-only line may end or continue a block
            if para:
                blocks[-1] = blocks[-1]._replace(text="\n".join(para) + "\n")
                para = []
            blank = True
            continue
        first = line[0]
        if prev == _QUOTE and not blank and first != ">":
            return None  # a lazy continuation of the quote, or a block ending it
        if first == ">":
            text = line[2:] if line[1:2] == " " else ""
            starts = prev != _QUOTE or blank
            if (
                not text
                or text[-1].isspace()
                or (_OTHER_BLOCK.match(text) and not (starts and _CALLOUT_HEAD.match(text)))
            ):
                return None  # a nested quote, an empty quote line, a block inside...
            if starts:
                if not (blank or prev in (HEADING, BREAK)):
                    return None  # interrupting a paragraph or an item: leave it to mistune
                blocks.append(_block((PARAGRAPH, i + first_line, "", 1, "", True, -1)))
            para.append(text)
            prev, blank = _QUOTE, False
            continue
        if first == "#":
            m = _SIMPLE_HEADING.fullmatch(line)
            if m is None or not m.group(2).strip("#") or (prev == PARAGRAPH and not blank):
                return None  # `# #` is an empty heading and its closing sequence
            blocks.append(_block((HEADING, i + first_line, m.group(2), len(m.group(1)), *_TOP)))
            kind = HEADING
        elif first in "-*_" and _SIMPLE_BREAK.fullmatch(line):
            if not (blank or prev == HEADING):
                return None  # under a paragraph it would be a setext underline
            blocks.append(_block((BREAK, i + first_line, "", 0, *_TOP)))
            kind = BREAK
        elif first in "-*+" and line[1:2] == " ":
            m = _SIMPLE_ITEM.fullmatch(line)
            text = m.group(1) if m else ""
            if (
                not text
                or _OTHER_BLOCK.match(text)
                or text[-1].isspace()
                or (prev == PARAGRAPH and not blank)
            ):
                return None
            blocks.append(_block((ITEM, i + first_line, text + "\n", 0, *_TOP)))
            kind = ITEM
        elif _OTHER_BLOCK.match(line) or line[-1].isspace():
            return None
        elif prev == ITEM and not blank:
            # A lazy continuation of the bullet's paragraph (`$$ x $$` under a concept line).
            item = blocks[-1]
            blocks[-1] = item._replace(text=item.text + line + "\n")
            kind = ITEM
        else:
            if not para:
                blocks.append(_block((PARAGRAPH, i + first_line, "", 0, *_TOP)))
            para.append(line)
            kind = PARAGRAPH
        if para and kind != PARAGRAPH:
            return None  # a block interrupting a paragraph: leave that to mistune
        prev, blank = kind, False
    return blocks

"""Which card syntaxes read a file: the one place that decides it.

The ``syntax`` setting, when given (flag, frontmatter or config), is the list read. When it
is not, the defaults are read, and ``sr`` too in the files obsidian-spaced-repetition would
review: those tagged ``flashcards`` (or ``flashcards/...``) in the frontmatter or by an
inline ``#flashcards`` tag.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..settings import DEFAULT_SYNTAXES

SR_TAG = "flashcards"
# An inline tag: after a space or at a line start, never inside a word, a URL's #fragment
# or a heading's "# ".
_INLINE_TAG = re.compile(rf"(?:^|(?<=\s))#{SR_TAG}(?:/[^\s#]*)?(?![\w/-])", re.MULTILINE)


def is_flashcards_tag(tag: str) -> bool:
    tag = tag.lstrip("#").casefold()
    return tag == SR_TAG or tag.startswith(SR_TAG + "/")


def syntaxes_for(
    given: Sequence[str] | None, file_tags: Sequence[str], body: str
) -> tuple[str, ...]:
    if given is not None:
        return tuple(given)
    if any(is_flashcards_tag(t) for t in file_tags) or (
        "#" + SR_TAG in body and _INLINE_TAG.search(body)
    ):
        return (*DEFAULT_SYNTAXES, "sr")
    return DEFAULT_SYNTAXES

"""Markdown fragments -> card HTML: plain prose here, everything else by rich.py. Pure.

Most definitions are plain prose (text.is_plain), whose HTML is the text itself: a build of
such notes never imports mistune, pygments or nh3 (rich.py), a tenth of its start-up.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..read.media import MediaCallback
from .text import is_plain, plain_html

if TYPE_CHECKING:
    from .rich import RichRenderer


class CardRenderer:
    """Renders one file's concepts: its media callback, its ``allow-html`` setting (None:
    the safe subset, True: all, False: none) and the footnotes the file defines. What it
    renders is what rich.RichRenderer renders; plain prose (the usual definition) does not
    need it."""

    def __init__(
        self,
        *,
        media: MediaCallback | None = None,
        allow_html: bool | None = None,
        footnotes: Mapping[str, str] | None = None,
    ) -> None:
        self._media = media
        self._allow_html = allow_html
        self._notes = footnotes

    @functools.cached_property
    def _rich(self) -> RichRenderer:
        from .rich import RichRenderer

        return RichRenderer(media=self._media, allow_html=self._allow_html, footnotes=self._notes)

    def fields(self, term_md: str, definition: str, details: str) -> tuple[str, str]:
        """The Term and Definition fields of one card (see RichRenderer.fields)."""
        # A plain line has no line break, footnote mark or block id (is_plain): it is
        # rendered inline, as itself.
        if not details and is_plain(term_md) and is_plain(definition):
            return plain_html(term_md), plain_html(definition)
        return self._rich.fields(term_md, definition, details)

    def inline(self, src: str) -> str:
        return plain_html(src) if is_plain(src) else self._rich.inline(src)

    def block(self, src: str) -> str:
        return self._rich.block(src) if src.strip() else ""

    def definition(self, definition: str, details: str) -> str:
        """The Definition field: the concept line's definition, then the rest of its item."""
        return self.fields("", definition, details)[1]


def file_footnotes(body: str) -> Mapping[str, str]:
    """The footnote texts a file defines, by key (footnotes.definitions; most files have
    none, and need not import mistune to find that out)."""
    if "[^" not in body:
        return {}
    from .footnotes import definitions

    return definitions(body)


_CODE = re.compile(r"<code\b[^>]*>.*?</code>", re.S)


def cloze_text(html: str) -> str:
    """A cloze note's Text as Anki must read it: Anki finds ``{{c1::`` anywhere in a field,
    code included, so in code (`{{c1::` in a note about Anki) the braces become entities,
    which look the same and open no gap."""
    if "{{" not in html or "<code" not in html:
        return html
    return _CODE.sub(lambda m: m.group(0).replace("{{", "&#123;&#123;"), html)

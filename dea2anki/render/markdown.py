"""mistune set up for cards: Obsidian wikilinks, embeds and callouts, footnotes, maths for
MathJax, images through a media callback, code highlighted by pygments. Pure."""

from __future__ import annotations

import html
import re
from typing import Any

import mistune
from mistune.core import InlineState
from mistune.plugins.math import math, math_in_list, math_in_quote
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from ..naming import CONTEXT_SEPARATOR
from ..read.media import MEDIA_TYPES, MediaCallback
from . import callouts as _callouts
from . import footnotes as _footnotes
from .sanitize import EXTERNAL, local_images

CODE_CLASS = "d2a-code"
_FORMATTER = HtmlFormatter(cssclass=CODE_CLASS, wrapcode=True)
_IMAGE_EXT = {ext for ext, kind in MEDIA_TYPES.items() if kind.startswith("image/")}
_WIKILINK = r"(?P<wl_embed>!?)\[\[(?P<wl_target>[^\]\[|\n]+?)(?:\|(?P<wl_alias>[^\]\[\n]*))?\]\]"


class CardHTML(mistune.HTMLRenderer):
    def __init__(self, escape: bool, media: MediaCallback | None) -> None:
        super().__init__(escape=escape)
        self.media = media
        self.raw_html = False
        """Raw HTML was rendered (unescaped) since the caller last cleared this."""

    def inline_html(self, html: str) -> str:
        if self.escape_enabled:
            return super().inline_html(html)
        self.raw_html = True
        return local_images(html, self.media)

    def block_html(self, html: str) -> str:
        if self.escape_enabled:
            return super().block_html(html)
        self.raw_html = True
        return local_images(html, self.media) + "\n"

    def callout(self, text: str, family: str) -> str:
        return _callouts.render_callout(text, family)

    def callout_title(self, text: str) -> str:
        return _callouts.render_callout_title(text)

    def footnote_ref(self, key: str, index: int) -> str:
        return _footnotes.render_ref(index)

    def footnotes(self, text: str) -> str:
        return _footnotes.render_list(text)

    def footnote_item(self, text: str, key: str, index: int) -> str:
        return _footnotes.render_item(text)

    def image(self, text: str, url: str, title: str | None = None) -> str:
        return self._image(text, url, title, None)

    def _image(self, alt: str, url: str, title: str | None, size: str | None) -> str:
        if EXTERNAL.match(url):
            src: str | None = url
        else:
            src = self.media(url) if self.media else None
        if src is None:
            # Missing or refused (the build reports it): keep the alt text, not a broken box.
            # A Markdown image's alt comes rendered (escaped, maybe with tags): read as the
            # alt attribute reads it, so that "a & b" shows as "a & b".
            text = html.unescape(mistune.util.striptags(alt)) if alt else url
            return html.escape(f"[{text}]", quote=False)
        attrs: dict[str, object] = {
            "src": self.sanitize_url(src),
            "alt": mistune.util.striptags(alt),
        }
        if title:
            attrs["title"] = title
        if size:
            w, _, h = size.partition("x")
            if w.isdigit():
                attrs["width"] = w
            if h.isdigit():
                attrs["height"] = h
        return "<img" + self.render_attrs(attrs) + ">"

    def block_code(self, code: str, info: str | None = None) -> str:
        lang = (info or "").strip().split(None, 1)[0] if (info or "").strip() else ""
        try:
            lexer = get_lexer_by_name(lang) if lang else None
        except ClassNotFound:
            lexer = None
        if lexer is None:
            escaped = html.escape(code, quote=False)
            return f'<div class="{CODE_CLASS}"><pre><code>{escaped}</code></pre></div>\n'
        return str(highlight(code, lexer, _FORMATTER))

    def wikilink(self, target: str, alias: str | None, embed: str) -> str:
        page, _, heading = target.partition("#")
        if embed:
            ext = page.strip().rsplit(".", 1)[-1].lower() if "." in page else ""
            if f".{ext}" in _IMAGE_EXT:
                size = (
                    alias.strip() if alias and re.fullmatch(r"\d+(x\d+)?", alias.strip()) else None
                )
                alt = alias if alias and not size else page.strip()
                return self._image(alt, page.strip(), None, size)
        if alias:
            label = alias
        elif heading and page:
            label = f"{page}{CONTEXT_SEPARATOR}{heading}"
        else:
            label = page or heading
        return html.escape(label.strip(), quote=False)


def _render_inline_math(renderer: Any, text: str) -> str:
    return r"\(" + html.escape(text, quote=False) + r"\)"


def _render_block_math(renderer: Any, text: str) -> str:
    return r"\[" + html.escape(text.strip(), quote=False) + "\\]\n"


def _parse_wikilink(inline: Any, m: re.Match[str], state: InlineState) -> int:
    state.append_token(
        {
            "type": "wikilink",
            "attrs": {
                "target": m.group("wl_target"),
                "alias": m.group("wl_alias"),
                "embed": m.group("wl_embed"),
            },
        }
    )
    return m.end()


def _obsidian(md: mistune.Markdown) -> None:
    md.inline.register("wikilink", _WIKILINK, _parse_wikilink, before="link")


def markdown(
    escape: bool, media: MediaCallback | None, *, cards: bool = True
) -> tuple[mistune.Markdown, CardHTML]:
    """``cards=False``: without the callout grammar (plain text for identity, which must not
    change with what cards learn to show). Footnotes: ``footnoted``."""
    renderer = CardHTML(escape, media)
    return _create(renderer, [_callouts.callouts] if cards else []), renderer


def footnoted(renderer: CardHTML) -> mistune.Markdown:
    """The cards' grammar and footnotes, on ``renderer``. Only text holding ``[^`` needs it:
    its inline rule slows the parsing of every line a little."""
    return _create(renderer, [_callouts.callouts, _footnotes.footnotes])


def _create(renderer: CardHTML, extra: list[Any]) -> mistune.Markdown:
    plugins: list[Any] = ["strikethrough", "mark", "table", math, math_in_list, math_in_quote]
    plugins += [_obsidian, *extra]
    md = mistune.create_markdown(renderer=renderer, plugins=plugins)
    renderer.register("inline_math", _render_inline_math)
    renderer.register("block_math", _render_block_math)
    return md

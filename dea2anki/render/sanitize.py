"""Raw HTML in notes: what of it reaches a card. Pure.

By default a field that holds raw HTML goes through nh3 (the Rust ``ammonia`` sanitiser) with
the lists below: the markup notes really use (``<br>``, ``<sub>``, ``<kbd>``, ``<span class>``,
``<details>``, ``<img src>``...) stays, and nothing that runs, loads or navigates does: no
scripts, no event handlers, no ``javascript:``/``data:`` links, no ``style`` that loads a URL.
A tag that is not listed is removed and its text kept; the tags in ``DROPPED_WITH_CONTENT``
go with their content. ``allow-html: true`` keeps all of it, ``false`` shows it as text.

``<img src="x.png">`` in raw HTML is looked up like a Markdown image (``local_images``) and
packed, whichever of the first two ways applies.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import NamedTuple

import nh3

TAGS = frozenset(
    # text
    {"a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "del", "dfn", "em", "i", "ins"}
    | {"kbd", "mark", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strike"}
    | {"strong", "sub", "sup", "u", "var", "wbr"}
    # blocks
    | {"blockquote", "caption", "col", "colgroup", "dd", "details", "div", "dl", "dt"}
    | {"figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p"}
    | {"pre", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
    # media
    | {"img"}
)
ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "title", "lang", "dir", "style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type"},
    "li": {"value"},
    "details": {"open"},
}
STYLE_PROPERTIES = frozenset(
    {"color", "background-color", "font-weight", "font-style", "font-size"}
    | {"text-decoration", "text-align", "vertical-align", "width", "height", "display"}
)
"""Inline ``style`` keeps these properties only, and none of them when the attribute could
load something (``url(``, ``image-set(``, ``expression(``, CSS escapes that could hide them)."""
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "data"})
"""``data:`` only for images of the kinds Markdown images may be (see ``_attribute``)."""
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "textarea", "select"}
)
_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpeg|webp);", re.IGNORECASE)
_STYLE_LOADS = re.compile(r"url\(|image-set\(|expression|@import|\\|/\*", re.IGNORECASE)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
"""A reference that is not a file of the notes (``https:``, ``data:``, ``//host``)."""


def _attribute(element: str, name: str, value: str) -> str | None:
    if name == "style":
        return None if _STYLE_LOADS.search(value) else value
    if name in ("href", "src"):
        # What a browser makes of the URL: it drops tabs and newlines anywhere and control
        # characters and spaces at the start (`d&Tab;ata:` is `data:`).
        url = _URL_IGNORED.sub("", value).lstrip(_URL_LEADING)
        if url[:5].casefold() == "data:":
            ok = element == "img" and name == "src" and _DATA_IMAGE.match(url)
            return url if ok else None
    return value


_URL_IGNORED = re.compile(r"[\t\n\r]")
_URL_LEADING = "".join(map(chr, range(0x21)))


@functools.cache
def _cleaner() -> nh3.Cleaner:
    # Made on first use: most vaults hold no raw HTML.
    return nh3.Cleaner(
        tags=set(TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes=ATTRIBUTES,
        attribute_filter=_attribute,
        link_rel=None,
        url_schemes=set(URL_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
    )


def clean(fragment: str) -> str:
    """The safe subset of an HTML fragment (entities come out as characters or ``&nbsp;``)."""
    return str(_cleaner().clean(fragment))


def local_images(fragment: str, media: Callable[[str], str | None] | None) -> str:
    """``fragment`` with each ``<img src>`` of a local file renamed to its packaged name; an
    image that cannot be packed shows ``[alt]``, as a Markdown image does."""
    if "<img" not in fragment.casefold():
        return fragment
    finder = _Images()
    finder.feed(fragment)
    finder.close()
    if not finder.found:
        return fragment
    starts = [0]
    starts += [m.end() for m in re.finditer("\n", fragment)]
    out, done = [], 0
    for (line, column), tag, attrs in finder.found:
        at = starts[line - 1] + column  # where the tag starts in the fragment
        src = next((v for k, v in attrs if k == "src"), None)
        if src is None or EXTERNAL.match(src.strip()) or fragment[at : at + len(tag)] != tag:
            continue
        name = media(src.strip()) if media else None
        if name is None:
            alt = next((v for k, v in attrs if k == "alt" and v), None) or src.strip()
            new = html.escape(f"[{alt}]", quote=False)
        else:
            new = "<img" + "".join(_attr(k, name if k == "src" else v) for k, v in attrs) + ">"
        out += [fragment[done:at], new]
        done = at + len(tag)
    return "".join(out) + fragment[done:]


def _attr(name: str, value: str | None) -> str:
    return f" {name}" if value is None else f' {name}="{html.escape(value)}"'


class _Img(NamedTuple):
    where: tuple[int, int]
    """(line, column) of the tag, as HTMLParser.getpos gives it."""
    tag: str
    """The start tag as written."""
    attrs: list[tuple[str, str | None]]


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[_Img] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        text = self.get_starttag_text()
        if tag == "img" and text:
            self.found.append(_Img(self.getpos(), text, attrs))

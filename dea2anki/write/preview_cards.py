"""The cards of a note as Anki shows them, rendered from the note type's own templates.

Used by the preview page (write/preview.py), so what the page shows is what Anki shows.
"""

from __future__ import annotations

import base64
import functools
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote

import latex2mathml.converter

from ..naming import DECK_SEPARATOR
from ..read.media import MEDIA_TYPES
from ..records import ReleaseNote
from ..syntax.cloze_marks import Gap, fill
from .notetype import (
    CLOZE_FIELDS,
    FIELDS,
    cloze_ords,
    cloze_values,
    make_cloze_model,
    make_model,
)

# --- Anki's template language, the part our note type uses ----------------------------------

# A section with no other section inside it: resolving the innermost ones first, repeatedly,
# handles nesting without a parser. It runs on the template only, before any field is
# inserted, so field content that happens to contain "{{" is never read as template syntax.
_SECTION = re.compile(
    r"\{\{([#^])\s*([^{}]+?)\s*\}\}((?:(?!\{\{[#^/]).)*?)\{\{/\s*\2\s*\}\}",
    re.DOTALL,
)
_REPLACEMENT = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# Anki counts a field holding only whitespace, <br> and empty <div>s as empty (an editor
# leaves those behind when the text is deleted), so sections on it disappear. ASCII: to
# Anki a no-break space is content.
_EMPTY_FIELD = re.compile(r"(?:\s|</?(?:br|div)\s*/?>)*", re.IGNORECASE | re.ASCII)


class Cloze(NamedTuple):
    """Which cloze card a template renders: its number, and the question or the answer."""

    number: int
    answer: bool


_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}


def _attribute_char(c: str) -> str:
    # Anki writes data-cloze with the htmlescape crate's encode_attribute: ASCII letters and
    # digits as they are, five named entities, every other character below U+0100 as hex.
    if c.isascii() and c.isalnum():
        return c
    if c in _NAMED:
        return _NAMED[c]
    return f"&#x{ord(c):X};" if ord(c) < 0x100 else c


def render_cloze(text: str, cloze: Cloze) -> str:
    """``{{cloze:Text}}`` as Anki renders it: the card's own gaps shown as ``[...]`` (or
    ``[hint]``) on the question and as the answer on the back; every other gap as its text."""

    def gap(g: Gap) -> str:
        if g.number != cloze.number:
            return f'<span class="cloze-inactive" data-ordinal="{g.number}">{g.answer}</span>'
        if cloze.answer:
            return f'<span class="cloze" data-ordinal="{g.number}">{g.answer}</span>'
        hidden = "".join(map(_attribute_char, g.answer))
        shown = f"[{g.hint or '...'}]"
        return f'<span class="cloze" data-cloze="{hidden}" data-ordinal="{g.number}">{shown}</span>'

    out = fill(text, gap)
    return out if out is not None else text


def render_template(
    template: str,
    fields: Mapping[str, str],
    *,
    deck: str,
    front_side: str = "",
    cloze: Cloze | None = None,
) -> str:
    """Render an Anki card template as Anki does for our note type.

    Field values are inserted as they are (they are HTML already); ``{{#F}}…{{/F}}`` keeps
    its content when F is not empty, ``{{^F}}…{{/F}}`` when it is; ``{{Deck}}`` is the full
    deck name with ``::``, ``{{Subdeck}}`` its last level, ``{{FrontSide}}`` the rendered
    question, ``{{cloze:F}}`` field F as the card ``cloze`` shows it. A name that is none of
    those renders as nothing.
    """
    values = {
        **fields,
        "FrontSide": front_side,
        "Deck": deck,
        "Subdeck": deck.rsplit(DECK_SEPARATOR, 1)[-1],
    }

    def section(m: re.Match[str]) -> str:
        kind, name, body = m.groups()
        filled = not _EMPTY_FIELD.fullmatch(values.get(name, ""))
        return body if filled == (kind == "#") else ""

    text, count = _SECTION.subn(section, template)
    while count:
        text, count = _SECTION.subn(section, text)

    def replacement(m: re.Match[str]) -> str:
        name = m.group(1)
        if name.startswith("cloze:") and cloze is not None:
            return render_cloze(values.get(name[len("cloze:") :], ""), cloze)
        return values.get(name, "")

    return _REPLACEMENT.sub(replacement, text)


# --- Cards -----------------------------------------------------------------------------------

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.DOTALL | re.IGNORECASE)
_STYLE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SRC = re.compile(r"""(\ssrc\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


@dataclass(frozen=True)
class PreviewCard:
    """One card as Anki would show it: ``front`` and ``back`` are the card's HTML."""

    note: ReleaseNote
    template: str
    front: str
    back: str


def html_text(fragment: str) -> str:
    """The text a reader sees in an HTML fragment, whitespace collapsed."""
    fragment = _TAG.sub(" ", _STYLE.sub(" ", _SCRIPT.sub(" ", fragment)))
    return " ".join(html.unescape(fragment).split())


@dataclass(frozen=True)
class _Template:
    name: str
    qfmt: str
    afmt: str


@functools.cache
def _templates(cloze: bool) -> tuple[_Template, ...]:
    # Without their scripts: the page runs each of them once for all cards (see
    # template_scripts) instead of once per card side, which would be quadratic.
    model = make_cloze_model() if cloze else make_model()
    return tuple(
        _Template(t["name"], _SCRIPT.sub("", t["qfmt"]), _SCRIPT.sub("", t["afmt"]))
        for t in model.templates
    )


def note_cards(note: ReleaseNote) -> list[PreviewCard]:
    """The cards Anki makes for a note: one per template whose front is not blank, or for
    a cloze note one per cloze number."""
    if note.cloze:
        fields = dict(zip(CLOZE_FIELDS, cloze_values(note.fields), strict=True))
        (t,) = _templates(True)
        out = []
        for ord_ in cloze_ords(fields[CLOZE_FIELDS[0]]):
            name = f"{t.name} {ord_ + 1}"
            ask, show = Cloze(ord_ + 1, False), Cloze(ord_ + 1, True)
            front = render_template(t.qfmt, fields, deck=note.deck, cloze=ask)
            back = render_template(t.afmt, fields, deck=note.deck, front_side=front, cloze=show)
            out.append(PreviewCard(note, name, front, back))
        return out
    fields = dict(zip(FIELDS, note.fields, strict=True))
    out = []
    for t in _templates(False):
        front = render_template(t.qfmt, fields, deck=note.deck)
        if html_text(front):
            back = render_template(t.afmt, fields, deck=note.deck, front_side=front)
            out.append(PreviewCard(note, t.name, front, back))
    return out


def template_scripts() -> list[str]:
    """The note type's ``<script>`` elements, each once, in template order."""
    seen: dict[str, None] = {}
    for t in (*make_model().templates, *make_cloze_model().templates):
        for side in (t["qfmt"], t["afmt"]):
            seen.update(dict.fromkeys(_SCRIPT.findall(side)))
    return list(seen)


def inline_media(fragment: str, media: Mapping[str, Path], cache: dict[str, str]) -> str:
    """Replace ``src`` values naming packaged media with data: URIs; leave the rest alone.

    ``cache`` holds the URIs made so far: an image shown on both sides is read once.
    """

    def replace(m: re.Match[str]) -> str:
        raw = m.group(2) if m.group(2) is not None else m.group(3)
        name = html.unescape(raw)
        if name not in media:
            name = unquote(name)  # a renderer may have percent-encoded a non-ASCII name
        if name not in media:
            return m.group(0)
        uri = cache.get(name)
        if uri is None:
            path = media[name]
            mime = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            uri = cache[name] = f"data:{mime};base64,{data}"
        return f'{m.group(1)}"{uri}"'

    return _SRC.sub(replace, fragment)


# Cards hold maths as Anki's MathJax delimiters (render/html.py): \(…\) and \[…\].
_MATHS = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)


def mathml(fragment: str) -> str:
    """``fragment`` with its maths as MathML, which a browser draws without MathJax (the
    page stays offline). TeX that latex2mathml cannot read stays as written."""
    if "\\(" not in fragment and "\\[" not in fragment:
        return fragment

    def convert(m: re.Match[str]) -> str:
        inline, block = m.groups()
        tex = html.unescape(inline if inline is not None else block)
        try:
            out: str = latex2mathml.converter.convert(
                tex, display="inline" if inline is not None else "block"
            )
        except Exception:  # any TeX it cannot read is shown as written
            return m.group(0)
        return out

    return _MATHS.sub(convert, fragment)

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
from urllib.parse import unquote

from ..naming import DECK_SEPARATOR
from ..records import ReleaseNote
from .notetype import FIELDS, make_model

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


def render_template(
    template: str, fields: Mapping[str, str], *, deck: str, front_side: str = ""
) -> str:
    """Render an Anki card template as Anki does for our note type.

    Field values are inserted as they are (they are HTML already); ``{{#F}}…{{/F}}`` keeps
    its content when F is not empty, ``{{^F}}…{{/F}}`` when it is; ``{{Deck}}`` is the full
    deck name with ``::``, ``{{Subdeck}}`` its last level, ``{{FrontSide}}`` the rendered
    question. A name that is neither a field nor one of those renders as nothing.
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
    return _REPLACEMENT.sub(lambda m: values.get(m.group(1), ""), text)


# --- Cards -----------------------------------------------------------------------------------

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.DOTALL | re.IGNORECASE)
_STYLE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SRC = re.compile(r"""(\ssrc\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)

# A fixed table rather than the mimetypes module, which reads the machine's mime.types:
# the page must come out byte-identical everywhere.
_MIME = {
    ".apng": "image/apng",
    ".avif": "image/avif",
    ".bmp": "image/bmp",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".webp": "image/webp",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}


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
def _templates() -> tuple[_Template, ...]:
    # Without their scripts: the page runs each of them once for all cards (see
    # template_scripts) instead of once per card side, which would be quadratic.
    return tuple(
        _Template(t["name"], _SCRIPT.sub("", t["qfmt"]), _SCRIPT.sub("", t["afmt"]))
        for t in make_model().templates
    )


def note_cards(note: ReleaseNote) -> list[PreviewCard]:
    """The cards Anki makes for a note: one per template whose front is not blank."""
    fields = dict(zip(FIELDS, note.fields, strict=True))
    out = []
    for t in _templates():
        front = render_template(t.qfmt, fields, deck=note.deck)
        if html_text(front):
            back = render_template(t.afmt, fields, deck=note.deck, front_side=front)
            out.append(PreviewCard(note, t.name, front, back))
    return out


def template_scripts() -> list[str]:
    """The note type's ``<script>`` elements, each once, in template order."""
    seen: dict[str, None] = {}
    for t in make_model().templates:
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
            mime = _MIME.get(path.suffix.lower(), "application/octet-stream")
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            uri = cache[name] = f"data:{mime};base64,{data}"
        return f'{m.group(1)}"{uri}"'

    return _SRC.sub(replace, fragment)

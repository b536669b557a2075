"""A browser preview of the cards a build would write: one self-contained HTML page.

The cards are rendered from the note type's own templates and CSS (write/preview_cards.py),
so what the page shows is what Anki shows, without importing anything: checking a grammar
change or a whole vault takes a browser tab instead of an import into a throwaway profile.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..naming import CONTEXT_SEPARATOR, DECK_SEPARATOR
from ..records import ReleaseNote
from .notetype import CSS, FIELDS
from .preview_cards import (
    PreviewCard,
    html_text,
    inline_media,
    mathml,
    note_cards,
    template_scripts,
)

# --- The page --------------------------------------------------------------------------------

# Page chrome only. Card content is styled by the note type's CSS alone, as in Anki; the
# wrappers get a frame, and the .card elements' colours are left to that CSS so that the
# night mode toggle shows the real night colours.
_PAGE_CSS = """\
[hidden] { display: none !important; }
html { color-scheme: light; }
html.pv-night { color-scheme: dark; }
body.pv-page {
  margin: 0;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans KR", sans-serif;
  color: #1f2328;
  background: #eaedf1;
}
html.pv-night body.pv-page { color: #e6edf3; background: #0d1117; }
.pv-bar {
  position: sticky;
  top: 0;
  z-index: 10;
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 0.5rem 1rem;
  padding: 0.7rem 1.25rem;
  background: #f6f8fa;
  border-bottom: 1px solid #d0d7de;
}
html.pv-night .pv-bar { background: #161b22; border-color: #30363d; }
.pv-bar h1 { flex: 1 1 12rem; margin: 0; font-size: 1.15rem; }
.pv-search {
  flex: 1 1 16rem;
  max-width: 28rem;
  box-sizing: border-box;
  padding: 0.4rem 0.65rem;
  font: inherit;
  color: inherit;
  background: #fff;
  border: 1px solid #8c959f;
  border-radius: 6px;
}
html.pv-night .pv-search { background: #0d1117; border-color: #6e7681; }
.pv-count { min-width: 8.5rem; color: #57606a; font-variant-numeric: tabular-nums; }
html.pv-night .pv-count { color: #9aa4ae; }
.pv-night-toggle {
  padding: 0.4rem 0.8rem;
  font: inherit;
  color: inherit;
  background: transparent;
  border: 1px solid #8c959f;
  border-radius: 6px;
  cursor: pointer;
}
.pv-night-toggle[aria-pressed="true"] { background: #30363d; border-color: #6e7681; }
.pv-main { max-width: 100rem; margin: 0 auto; padding: 0.25rem 1.25rem 3rem; }
.pv-deck-name { margin: 1.75rem 0 0.75rem; font-size: 1.1rem; font-weight: 650; }
.pv-deck-root { color: #57606a; font-weight: 500; }
html.pv-night .pv-deck-root { color: #9aa4ae; }
/* Lay out only the cards near the screen: a 10,000-card page loads in about a second
   instead of ten. */
.pv-card { margin: 0 0 1.4rem; content-visibility: auto; contain-intrinsic-size: auto 20rem; }
@media print {
  .pv-card { content-visibility: visible; break-inside: avoid; }
  .pv-bar { position: static; }
}
.pv-label {
  display: flex;
  flex-wrap: wrap;
  gap: 0.25rem 0.4rem;
  margin: 0 0 0.35rem;
  font-size: 0.8rem;
  color: #57606a;
}
html.pv-night .pv-label { color: #9aa4ae; }
.pv-template { font-weight: 600; margin-right: 0.35rem; }
.pv-tag {
  padding: 0 0.45rem;
  border-radius: 999px;
  background: #dde3ea;
  color: #3b444d;
}
html.pv-night .pv-tag { background: #262c34; color: #c9d1d9; }
.pv-sides {
  display: grid;
  grid-template-columns: repeat(2, minmax(0, 1fr));
  gap: 0.75rem;
  align-items: start; /* a short front is not stretched to the height of its back */
}
.pv-side { display: flex; flex-direction: column; min-width: 0; }
.pv-side-name {
  margin: 0 0 0.2rem 0.2rem;
  font-size: 0.7rem;
  letter-spacing: 0.06em;
  text-transform: uppercase;
  color: #57606a;
}
html.pv-night .pv-side-name { color: #9aa4ae; }
.pv-side > .card {
  flex: 1;
  overflow-x: auto;
  border: 1px solid #d0d7de;
  border-radius: 8px;
  box-shadow: 0 1px 2px rgba(31, 35, 40, 0.06);
}
.pv-side > .card.nightMode { border-color: #30363d; }
.pv-side > .card img { max-width: 100%; height: auto; }
.pv-empty { margin: 3rem 0; text-align: center; color: #57606a; }
@media (max-width: 800px) {
  .pv-sides { grid-template-columns: minmax(0, 1fr); }
  .pv-bar { padding: 0.6rem 0.75rem; }
  .pv-main { padding: 0.25rem 0.75rem 2rem; }
}
"""

# Search by every word typed (all must occur), over the text each card carries in
# data-search; decks without a matching card disappear with their heading.
_PAGE_JS = """\
(function () {
  "use strict";
  var search = document.getElementById("pv-search");
  var count = document.getElementById("pv-count");
  var empty = document.getElementById("pv-empty");
  var toggle = document.getElementById("pv-night-toggle");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".pv-card"));
  var decks = Array.prototype.slice.call(document.querySelectorAll(".pv-deck"));
  var texts = cards.map(function (c) {
    return (c.getAttribute("data-search") || "").toLowerCase();
  });
  function filter() {
    var words = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    cards.forEach(function (card, i) {
      var hit = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
      card.hidden = !hit;
      if (hit) { shown += 1; }
    });
    decks.forEach(function (deck) {
      deck.hidden = !deck.querySelector(".pv-card:not([hidden])");
    });
    count.textContent = shown + " of " + cards.length + " cards";
    empty.hidden = shown !== 0;
  }
  function night(on) {
    document.documentElement.classList.toggle("pv-night", on);
    document.querySelectorAll(".pv-side > .card").forEach(function (c) {
      c.classList.toggle("nightMode", on);
    });
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = on ? "Day mode" : "Night mode";
  }
  search.addEventListener("input", filter);
  toggle.addEventListener("click", function () {
    night(toggle.getAttribute("aria-pressed") !== "true");
  });
  // A browser may restore the search text when the page is reloaded.
  filter();
})();"""


def _deck_heading(deck: str) -> str:
    # The root is the same for most of a vault; dimming it makes the sections stand out.
    root, *levels = deck.split(DECK_SEPARATOR)
    parts = [f'<span class="pv-deck-root">{html.escape(root)}</span>']
    parts.extend(html.escape(level) for level in levels)
    return CONTEXT_SEPARATOR.join(parts)


def _card_html(card: PreviewCard, media: Mapping[str, Path], cache: dict[str, str]) -> str:
    note = card.note
    fields = dict(zip(FIELDS, note.fields, strict=True))
    searchable = [
        *(html_text(fields[f]) for f in ("Term", "Definition", "Context", "Source")),
        note.deck,
        *note.tags,
    ]
    tags = "".join(f'<span class="pv-tag">{html.escape(t)}</span>' for t in note.tags)
    sides = "".join(
        f'<div class="pv-side"><div class="pv-side-name">{name}</div>'
        f'<div class="card">\n{mathml(inline_media(side, media, cache))}\n</div></div>'
        for name, side in (("Front", card.front), ("Back", card.back))
    )
    search = html.escape(" ".join(searchable))
    return (
        f'<article class="pv-card" data-search="{search}">\n'
        f'<div class="pv-label"><span class="pv-template">{html.escape(card.template)}</span>'
        f"{tags}</div>\n"
        f'<div class="pv-sides">{sides}</div>\n'
        "</article>\n"
    )


def preview_html(
    notes: Sequence[ReleaseNote],
    media: Mapping[str, Path],
    *,
    title: str,
    home: str | None = None,
) -> str:
    """One HTML page showing every card of ``notes``, front and back, grouped by deck;
    ``home``: the index page it is one of (preview_pages), linked from its bar.

    Self-contained: the note type's CSS and scripts are inlined and media become data: URIs
    (references to other sites, which the notes may contain, are kept as written). The same
    notes and media give the same bytes.
    """
    by_deck: dict[str, list[PreviewCard]] = {}
    for note in notes:
        by_deck.setdefault(note.deck, []).extend(note_cards(note))
    total = sum(len(c) for c in by_deck.values())
    cache: dict[str, str] = {}
    sections = [
        f'<section class="pv-deck">\n<h2 class="pv-deck-name">{_deck_heading(deck)}</h2>\n'
        + "".join(_card_html(c, media, cache) for c in deck_cards)
        + "</section>\n"
        for deck, deck_cards in by_deck.items()
        if deck_cards
    ]
    scripts = "\n".join(template_scripts())
    t = html.escape(title)
    body = "".join(sections)
    empty = "" if total == 0 else " hidden"
    return f"""\
{page_head(t)}
<style>
{CSS}
</style>
<style>
{_PAGE_CSS}</style>
</head>
<body class="pv-page">
<header class="pv-bar">
{_home_link(home)}<h1>{t}</h1>
<input type="search" id="pv-search" class="pv-search" placeholder="Search cards"
  aria-label="Search cards" autocomplete="off" spellcheck="false">
<output id="pv-count" class="pv-count" for="pv-search" aria-live="polite">\
{total} of {total} cards</output>
<button type="button" id="pv-night-toggle" class="pv-night-toggle" aria-pressed="false">\
Night mode</button>
</header>
<main class="pv-main">
{body}<p id="pv-empty" class="pv-empty"{empty}>\
No cards match.</p>
</main>
{scripts}
<script>
{_PAGE_JS}
</script>
</body>
</html>
"""


def page_head(title_html: str) -> str:
    """What every preview page starts with, up to its title."""
    return f"""\
<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dea2anki">
<title>{title_html}</title>"""


def _home_link(home: str | None) -> str:
    if home is None:
        return ""
    return f'<a class="pv-home" href="{html.escape(home)}">All decks</a>\n'

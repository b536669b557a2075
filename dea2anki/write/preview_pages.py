"""The preview on disk: one page, or for a large vault an index and a page per deck.

One page for 100,000 concepts is some 160 MB, more than a browser opens, and built whole it
takes a gigabyte of memory. Past ``PAGE_NOTES`` notes, ``write_preview`` writes an index of
the decks where the page was asked for and one page per deck in a folder beside it
(``preview.html`` and ``preview-decks/0001.html``, …), each built and written in turn, so
memory holds one deck's page at a time. All of it is written as one batch: a failed write
leaves the previous preview as it was.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..naming import CONTEXT_SEPARATOR, DECK_SEPARATOR
from ..records import ReleaseNote
from .atomic import AtomicBatch, atomic_output
from .preview import page_head, preview_html

PAGE_NOTES = 5000
"""Up to this many notes the preview is one page (about 8 MB)."""
_DECK_PAGE = re.compile(r"\d{4,}\.html")


def write_preview(
    path: Path,
    notes: Sequence[ReleaseNote],
    media: Mapping[str, Path],
    *,
    title: str,
    page_notes: int = PAGE_NOTES,
) -> int:
    """Write the preview at ``path``. Returns how many deck pages were written beside it
    (0: it is one page)."""
    if len(notes) <= page_notes:
        page = preview_html(notes, media, title=title)
        with atomic_output(path) as f:
            f.write(page.encode("utf-8"))
        return 0
    by_deck: dict[str, list[ReleaseNote]] = {}
    for note in notes:
        by_deck.setdefault(note.deck, []).append(note)
    folder = deck_folder(path)
    names = [f"{i:04d}.html" for i in range(1, len(by_deck) + 1)]
    home = f"../{path.name}"
    with AtomicBatch() as batch:
        for (deck, members), name in zip(by_deck.items(), names, strict=True):
            used = {m: media[m] for n in members for m in n.media if m in media}
            page = preview_html(members, used, title=f"{title}: {deck}", home=home)
            with batch.open(folder / name) as f:
                f.write(page.encode("utf-8"))
        rows = [
            (deck, f"{folder.name}/{name}", len(m))
            for (deck, m), name in zip(by_deck.items(), names, strict=True)
        ]
        with batch.open(path, last=True) as f:
            f.write(index_html(title, rows).encode("utf-8"))
    # Pages of a larger earlier preview: only the names this module writes.
    for old in folder.iterdir():
        if _DECK_PAGE.fullmatch(old.name) and old.name not in names:
            old.unlink()
    return len(names)


def deck_folder(path: Path) -> Path:
    """Where the deck pages of the preview at ``path`` go."""
    return path.with_name(f"{path.stem}-decks")


def index_html(title: str, rows: Sequence[tuple[str, str, int]]) -> str:
    """The index page: every deck, its note count and its page, filtered as you type."""
    t = html.escape(title)
    items = "".join(
        f'<li data-name="{html.escape(deck.casefold())}"><a href="{html.escape(link)}">'
        f"{html.escape(deck.replace(DECK_SEPARATOR, CONTEXT_SEPARATOR))}</a> "
        f'<span class="pv-n">{count}</span></li>\n'
        for deck, link, count in rows
    )
    total = sum(count for _, _, count in rows)
    return f"""\
{page_head(t)}
<style>
body {{
  font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 48rem; padding: 0 1rem;
}}
input {{ width: 100%; font-size: 1rem; padding: 0.4rem; margin: 0.5rem 0 1rem; }}
li {{ margin: 0.2rem 0; }}
.pv-n {{ color: #57606a; font-size: 0.85em; }}
</style>
</head>
<body>
<h1>{t}</h1>
<p>{total} notes in {len(rows)} decks: a page per deck.</p>
<input type="search" id="pv-deck-search" placeholder="Filter decks" aria-label="Filter decks">
<ul id="pv-decks">
{items}</ul>
<script>
document.getElementById("pv-deck-search").addEventListener("input", function (e) {{
  var words = e.target.value.toLowerCase().split(/\\s+/).filter(Boolean);
  document.querySelectorAll("#pv-decks li").forEach(function (li) {{
    var name = li.getAttribute("data-name");
    li.hidden = !words.every(function (w) {{ return name.indexOf(w) >= 0; }});
  }});
}});
</script>
</body>
</html>
"""

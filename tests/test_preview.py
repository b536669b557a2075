"""The preview page: Anki's template rules (checked against Anki itself), the seed's cards on
one self-contained, reproducible page, and a real browser loading it: no console errors, no
network, search, deck trail, night mode, narrow screens."""

from __future__ import annotations

import base64
import html
import json
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from ankiutil import Anki
from conftest import Run, write

from dea2anki.pipeline.dry_run import preview_notes
from dea2anki.records import ReleaseNote
from dea2anki.settings import DEFAULTS
from dea2anki.write import notetype
from dea2anki.write.preview import preview_html
from dea2anki.write.preview_cards import Cloze, inline_media, note_cards, render_template
from dea2anki.write.preview_cards import html_text as plain_text
from dea2anki.write.preview_pages import deck_folder, write_preview

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

GOLDEN = json.loads((Path(__file__).parent / "golden" / "DEA.concepts.json").read_text("utf-8"))
EXPORTED = [c for c in GOLDEN if c["definition"]]
TRAIL = " \u203a "
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOT = Path("/tmp/preview-shot.png")
NEXT_FRAME = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def note(
    term: str = "T", definition: str = "D", *, reverse: str = "", deck: str = "R::S"
) -> ReleaseNote:
    return ReleaseNote(
        guid="g",
        mod=0,
        deck=deck,
        tags=("DEA",),
        fields=(term, definition, "C", "x.md:1", reverse),
    )


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid solid-colour PNG, so the tests need no image files or libraries."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# --- render_template -------------------------------------------------------------------------


def test_fields_are_inserted_raw() -> None:
    # Field content is HTML already: escaping it again would show tags as text.
    got = render_template("<b>{{Term}}</b>", {"Term": "<i>A</i> &amp; B"}, deck="D")
    assert got == "<b><i>A</i> &amp; B</b>"


def test_sections_show_when_the_field_has_content() -> None:
    tpl = "a{{#Context}}[{{Context}}]{{/Context}}b"
    assert render_template(tpl, {"Context": "x"}, deck="D") == "a[x]b"
    assert render_template(tpl, {"Context": ""}, deck="D") == "ab"
    # Anki's notion of empty: whitespace, <br> and empty <div>s; a no-break space is content.
    for empty in (" \n\t", "<br>", "<BR />", "<div><br></div>"):
        assert render_template(tpl, {"Context": empty}, deck="D") == "ab"
    assert render_template(tpl, {"Context": "\xa0"}, deck="D") == "a[\xa0]b"


def test_inverted_sections_show_when_the_field_is_empty() -> None:
    tpl = "{{^Reverse}}one way{{/Reverse}}{{#Reverse}}both ways{{/Reverse}}"
    assert render_template(tpl, {"Reverse": ""}, deck="D") == "one way"
    assert render_template(tpl, {"Reverse": "y"}, deck="D") == "both ways"
    assert render_template(tpl, {}, deck="D") == "one way"


def test_nested_sections() -> None:
    tpl = "{{#A}}a{{#B}}b{{/B}}{{^B}}-{{/B}}{{/A}}"
    assert render_template(tpl, {"A": "1", "B": "1"}, deck="D") == "ab"
    assert render_template(tpl, {"A": "1", "B": ""}, deck="D") == "a-"
    assert render_template(tpl, {"A": "", "B": "1"}, deck="D") == ""


def test_front_side_deck_and_subdeck() -> None:
    tpl = "{{FrontSide}}|{{Deck}}|{{Subdeck}}"
    got = render_template(tpl, {}, deck="DEA::Analytics::Athena", front_side="<p>Q</p>")
    assert got == "<p>Q</p>|DEA::Analytics::Athena|Athena"
    assert render_template("[{{FrontSide}}]", {}, deck="D") == "[]"


def test_unknown_fields_render_empty() -> None:
    assert render_template("a{{Nope}}b{{#Nope}}x{{/Nope}}c", {"Term": "t"}, deck="D") == "abc"


def test_field_content_is_never_read_as_template() -> None:
    # A note about Jinja or Anki itself may contain "{{": it is text, not syntax.
    fields = {"Term": "{{Definition}} {{#Term}}x{{/Term}}", "Definition": "secret"}
    assert render_template("{{Term}}", fields, deck="D") == fields["Term"]
    assert render_template("{{ Definition }}", fields, deck="D") == "secret"


def test_reverse_card_only_when_the_reverse_field_is_set() -> None:
    assert [c.template for c in note_cards(note())] == ["Term → Definition"]
    both = note_cards(note(reverse="y"))
    assert [c.template for c in both] == ["Term → Definition", "Definition → Term"]
    assert "D" in plain_text(both[1].front) and "T" not in plain_text(both[1].front)
    assert len(note_cards(note(reverse="<br>"))) == 1
    for c in both:
        # The page runs the template's script once, not inside every card.
        assert "<script" not in c.front + c.back
        assert c.back.startswith(c.front)


def test_matches_anki_for_every_card(seed_project: Path, cli, anki: Anki) -> None:  # type: ignore[no-untyped-def]
    """Anki's own renderer is the reference: every card of the seed (both directions) and
    notes with the field values an editor leaves behind."""
    r: Run = cli("build", "--reverse", "-o", "x.apkg", epoch=1_700_000_000)
    assert r.code == 0, r.err
    anki.import_package(Path("x.apkg"))
    col = anki.col
    model = col.models.by_name(notetype.MODEL_NAME)
    assert model is not None
    odd = ("<br>", " ", "&nbsp;", "\xa0", "<div><br></div>", "<p></p>", "{{Term}}")
    odd_deck = col.decks.id("Odd::Values")
    assert odd_deck is not None
    for i, value in enumerate(odd):
        n = col.new_note(model)
        n["Term"], n["Definition"], n["Context"], n["Reverse"] = f"T{i}", "d", value, value
        col.add_note(n, odd_deck)
    templates = notetype.make_model().templates
    checked = 0
    for nid in col.find_notes(""):
        n = col.get_note(nid)
        anki_cards = n.cards()
        deck = col.decks.name(anki_cards[0].did)
        fields = dict(n.items())
        rn = ReleaseNote("g", 0, deck, (), tuple(fields[f] for f in notetype.FIELDS))
        assert [c.template for c in note_cards(rn)] == [
            templates[c.ord]["name"] for c in anki_cards
        ]
        for c in anki_cards:
            out = c.render_output()
            t = templates[c.ord]
            front = render_template(t["qfmt"], fields, deck=deck)
            assert front == out.question_text
            back = render_template(t["afmt"], fields, deck=deck, front_side=front)
            assert back == out.answer_text
            checked += 1
    # The seed both ways; the odd notes once, and twice for the four values Anki counts as
    # content (&nbsp;, a no-break space, an empty <p>, "{{Term}}").
    assert checked == 2 * len(EXPORTED) + len(odd) + 4


# --- the page --------------------------------------------------------------------------------


@dataclass
class SeedPage:
    path: Path
    notes: tuple[ReleaseNote, ...]
    media: dict[str, Path] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


@pytest.fixture
def seed_page(seed_project: Path) -> SeedPage:
    preview = preview_notes(["notes"], DEFAULTS)
    out = seed_project / "build" / "preview.html"
    write_preview(out, preview.notes, preview.media, title="DEA preview")
    return SeedPage(out, preview.notes, dict(preview.media))


def matching(*words: str) -> list[dict[str, str]]:
    """Seed concepts whose term, definition, deck or context contain every word."""
    return [
        c
        for c in EXPORTED
        if all(
            w in " ".join([c["term"], c["definition"], c["deck"], c["context"]]).lower()
            for w in words
        )
    ]


def test_page_shows_every_exported_term(seed_page: SeedPage) -> None:
    page = seed_page.text
    assert len(EXPORTED) == 29
    terms = [plain_text(t) for t in re.findall(r'<div class="d2a-term">(.*?)</div>', page)]
    # Each term twice: on the front, and again on the back (Anki's {{FrontSide}}).
    assert sorted(terms) == sorted(c["term"] for c in EXPORTED for _ in range(2))
    for c in EXPORTED:
        assert html.escape(c["term"], quote=False) in page
    assert page.count('<article class="pv-card"') == 29
    assert ">29 of 29 cards</output>" in page


def test_page_has_a_heading_per_deck_in_order_of_first_appearance(seed_page: SeedPage) -> None:
    headings = [
        plain_text(h) for h in re.findall(r'<h2 class="pv-deck-name">(.*?)</h2>', seed_page.text)
    ]
    decks = list(dict.fromkeys(c["deck"] for c in EXPORTED))
    assert headings == [d.replace("::", TRAIL) for d in decks]
    assert len(headings) == 12


def test_page_is_self_contained(seed_page: SeedPage) -> None:
    page = seed_page.text
    assert not re.search(r"""\bsrc\s*=\s*["']?(?:https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page.lower()
    assert not re.search(r"""url\(\s*["']?(?:https?:)?//""", page, re.IGNORECASE)
    assert "@import" not in page
    assert notetype.CSS in page


def test_page_is_reproducible(seed_page: SeedPage) -> None:
    first = seed_page.path.read_bytes()
    write_preview(seed_page.path, seed_page.notes, seed_page.media, title="DEA preview")
    assert seed_page.path.read_bytes() == first
    assert preview_html(seed_page.notes, {}, title="DEA preview").encode("utf-8") == first


def test_title_is_escaped() -> None:
    page = preview_html([note()], {}, title='<script>alert("x")</script> & co')
    assert "<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</title>" in page
    assert '<script>alert("x")' not in page


def test_no_notes_gives_an_empty_page() -> None:
    page = preview_html([], {}, title="Nothing")
    assert ">0 of 0 cards</output>" in page
    assert '<p id="pv-empty" class="pv-empty">' in page


def test_media_become_data_uris(tmp_path: Path) -> None:
    image = tmp_path / "flow.png"
    image.write_bytes(png(2, 2, (200, 30, 30)))
    media = {"flow-abc123.png": image}
    uri = "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode()
    cache: dict[str, str] = {}
    got = inline_media('<img src="flow-abc123.png" alt="f">', media, cache)
    assert got == f'<img src="{uri}" alt="f">'
    assert inline_media("<img alt='f' src='flow-abc123.png'>", media, cache) == (
        f"<img alt='f' src=\"{uri}\">"
    )
    # Other references are the notes' business: left exactly as written.
    for other in ('<img src="https://example.com/x.png">', '<img src="missing.png">'):
        assert inline_media(other, media, cache) == other
    assert "flow-abc123.png" in inline_media("<p>flow-abc123.png</p>", media, cache)


def test_page_inlines_the_images_the_notes_embed(workdir: Path) -> None:
    make_rich_project(workdir)
    preview = preview_notes(["notes"], DEFAULTS)
    assert len(preview.media) == 1
    page = preview_html(preview.notes, preview.media, title="Rich")
    (name,) = preview.media
    assert f'src="{name}"' not in page
    # The definition's image: on the back of the forward card, both sides of the reverse one.
    assert page.count('src="data:image/png;base64,') == 3
    assert page.count('<article class="pv-card"') == 6  # frontmatter reverse: true


def make_rich_project(root: Path) -> None:
    """Notes with an image, a code block and reverse cards."""
    notes = root / "notes"
    (notes / "img").mkdir(parents=True)
    (notes / "img" / "flow.png").write_bytes(png(120, 40, (40, 120, 200)))
    (notes / "Rich.md").write_text(
        "---\nreverse: true\n---\n# Pictures\n\n## Diagrams\n\n**_Concept_**\n\n"
        "- **Pipeline** : ![flow](img/flow.png) data moves left to right : DEA ; AWS\n"
        "- **Query** : Run it against the table. : DEA ; AWS\n\n"
        "  ```sql\n  SELECT name FROM t WHERE id = 1;\n  ```\n"
        "- **Cost** : $\\sum_i x_i$ per TB, $$a^2$$ : DEA ; AWS\n",
        encoding="utf-8",
    )


# --- in a real browser -----------------------------------------------------------------------


@dataclass
class Loaded:
    page: Page
    errors: list[str]
    requests: list[str]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser tests need Playwright: pip install playwright"
    )
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (Debian: apt install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser: Browser, path: Path, width: int = 1280) -> Loaded:
    page = browser.new_page(viewport={"width": width, "height": 900})
    loaded = Loaded(page, [], [])
    page.on("console", lambda m: loaded.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: loaded.errors.append(str(e)))
    page.on("request", lambda r: loaded.requests.append(r.url))
    page.goto(path.resolve().as_uri(), wait_until="load")
    return loaded


def full_page_screenshot(page: Page, path: Path) -> None:
    """Screenshot the whole page as a screen that tall would show it.

    A plain full-page screenshot leaves the cards below the first screen blank: the page lays
    out only cards near the viewport (content-visibility), and the screenshot does not scroll.
    """
    width = page.viewport_size["width"] if page.viewport_size else 1280
    height = 0
    for _ in range(10):  # real card heights replace the estimates until the page settles
        new = page.evaluate("document.documentElement.scrollHeight")
        if new == height:
            break
        height = new
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate(NEXT_FRAME)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": 900})


def visible(page: Page, selector: str) -> int:
    return page.locator(f"{selector} >> visible=true").count()


def test_browser_search_trail_and_screenshots(
    browser: Browser, seed_page: SeedPage, tmp_path: Path
) -> None:
    loaded = open_page(browser, seed_page.path)
    page = loaded.page
    total = sum(len(note_cards(n)) for n in seed_page.notes)
    assert total == 29
    assert visible(page, ".pv-card") == total
    assert page.locator("#pv-count").inner_text() == f"{total} of {total} cards"

    # textContent, not innerText: cards far off screen are not laid out (content-visibility),
    # and innerText is empty for them.
    trails = page.locator(".d2a-trail").all_text_contents()
    assert len(trails) == 2 * total  # front, and the front again on the back
    assert all(TRAIL in t and "::" not in t for t in trails)
    assert trails[0] == TRAIL.join(["DEA", "Analytics", "Amazon Athena"])
    # The footer's Context is hidden where it only repeats the trail below the root deck.
    hidden = page.locator(".d2a-context").evaluate_all(
        "els => els.map(e => e.style.display === 'none')"
    )
    repeats = [
        plain_text(n.fields.context) == TRAIL.join(n.deck.split("::")[1:])
        for n in seed_page.notes
        if n.fields.context
    ]
    assert hidden == repeats
    assert True in hidden and False in hidden  # both kinds are in the seed

    full_page_screenshot(page, SHOT)
    shot = tmp_path / "viewport.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 5_000

    page.locator("#pv-search").press_sequentially("kinesis")
    expected = len(matching("kinesis"))
    assert 0 < expected < total
    assert visible(page, ".pv-card") == expected
    assert page.locator("#pv-count").inner_text() == f"{expected} of {total} cards"
    shown = page.locator(".pv-card >> visible=true").all_text_contents()
    assert all("kinesis" in t.lower() for t in shown)
    headings = page.locator(".pv-deck-name >> visible=true").all_inner_texts()
    decks = dict.fromkeys(c["deck"].replace("::", TRAIL) for c in matching("kinesis"))
    assert headings == list(decks)

    # Case-insensitive, every word must match; no match says so.
    page.locator("#pv-search").fill("KINESIS  shard")
    assert 0 < visible(page, ".pv-card") == len(matching("kinesis", "shard")) < expected
    page.locator("#pv-search").fill("no such thing anywhere")
    assert visible(page, ".pv-card") == 0
    assert page.locator("#pv-empty").is_visible()
    assert page.locator("#pv-count").inner_text() == f"0 of {total} cards"
    page.locator("#pv-search").fill("")
    assert visible(page, ".pv-card") == total
    assert not page.locator("#pv-empty").is_visible()

    assert loaded.errors == []
    assert all(u.startswith(("file:", "data:")) for u in loaded.requests), loaded.requests
    page.close()


def test_browser_night_mode(browser: Browser, seed_page: SeedPage, tmp_path: Path) -> None:
    loaded = open_page(browser, seed_page.path)
    page = loaded.page
    card = page.locator(".pv-side > .card").first

    def colours() -> list[str]:
        return list(
            card.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]")
        )

    assert colours() == ["rgb(253, 253, 252)", "rgb(31, 35, 40)"]
    page.locator("#pv-night-toggle").click()
    assert page.locator(".pv-side > .card.nightMode").count() == 2 * 29
    assert page.locator("#pv-night-toggle").get_attribute("aria-pressed") == "true"
    assert page.locator("#pv-night-toggle").inner_text() == "Day mode"  # what a click does
    # The note type's own night colours, from card.css.
    assert colours() == ["rgb(28, 31, 36)", "rgb(230, 237, 243)"]
    page.screenshot(path=str(tmp_path / "night.png"))
    page.locator("#pv-night-toggle").click()
    assert page.locator(".pv-side > .card.nightMode").count() == 0
    assert page.locator("#pv-night-toggle").inner_text() == "Night mode"
    assert loaded.errors == []
    page.close()


def test_browser_narrow_screen_stacks_the_sides(browser: Browser, seed_page: SeedPage) -> None:
    loaded = open_page(browser, seed_page.path, width=380)
    page = loaded.page
    front, back = page.locator(".pv-card").first.locator(".pv-side").all()
    f, b = front.bounding_box(), back.bounding_box()
    assert f is not None and b is not None
    assert b["y"] >= f["y"] + f["height"]  # below, not beside
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert loaded.errors == []
    page.close()


def test_browser_shows_images_code_and_reverse_cards(browser: Browser, workdir: Path) -> None:
    make_rich_project(workdir)
    preview = preview_notes(["notes"], DEFAULTS)
    out = workdir / "rich.html"
    write_preview(out, preview.notes, preview.media, title="Rich")
    loaded = open_page(browser, out)
    page = loaded.page
    sizes = page.locator(".card img").evaluate_all(
        "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
    )
    assert sizes == [[True, 120, 40]] * 3
    both_ways = ["Term → Definition", "Definition → Term"]
    assert page.locator(".pv-template").all_text_contents() == both_ways * 3
    assert page.locator(".d2a-code").count() == 3
    # Maths is drawn (MathML, offline), not shown as TeX, wherever the definition shows: the
    # forward card's back, the reverse card's front and its back (which repeats the front).
    assert page.locator("math[display=inline]").count() == 3
    assert page.locator("math[display=block]").count() == 3
    assert "\\(" not in page.locator(".pv-card").last.inner_text()
    # A short front is as tall as its content, not as its back.
    front, back = page.locator(".pv-card").nth(1).locator(".pv-side > .card").all()
    f, b = front.bounding_box(), back.bounding_box()
    assert f is not None and b is not None and f["height"] < b["height"]
    assert loaded.errors == []
    assert all(u.startswith(("file:", "data:")) for u in loaded.requests), loaded.requests
    page.close()


def test_cloze_cards_match_anki(workdir: Path, cli, anki: Anki) -> None:  # type: ignore[no-untyped-def]
    """Anki's own cloze renderer is the reference for the preview's cloze cards."""
    write(
        "notes/Geo.md",
        "# Europe\n\nThe capital of France is {{c1::Paris::city}} and of Spain "
        "{{c2::Madrid}}.\n\n- The {{c1::Danube}} & {{c3::Rhine <i>x</i> é 한}}\n  - long rivers\n",
    )
    r: Run = cli("build", "-o", "x.apkg", epoch=1_700_000_000)
    assert r.code == 0, r.err
    anki.import_package(Path("x.apkg"))
    col = anki.col
    (template,) = notetype.make_cloze_model().templates
    checked = 0
    for nid in col.find_notes(""):
        n = col.get_note(nid)
        fields = dict(n.items())
        deck = col.decks.name(n.cards()[0].did)
        rn = ReleaseNote("g", 0, deck, (), (*(fields[f] for f in notetype.CLOZE_FIELDS), ""))
        rn = rn._replace(cloze=True)
        assert [c.template for c in note_cards(rn)] == [f"Cloze {c.ord + 1}" for c in n.cards()]
        for card in n.cards():
            out = card.render_output()
            ask, show = Cloze(card.ord + 1, False), Cloze(card.ord + 1, True)
            front = render_template(template["qfmt"], fields, deck=deck, cloze=ask)
            assert front == out.question_text
            back = render_template(template["afmt"], fields, deck=deck, cloze=show)
            assert back == out.answer_text
            checked += 1
    assert checked == 4


def test_a_large_preview_is_an_index_and_a_page_per_deck(seed_project: Path) -> None:
    """Past page_notes notes (5,000 by default; 1 here) one page per deck, each holding only
    its deck's cards, the index linking every page; a smaller preview removes the pages it
    no longer needs."""
    preview = preview_notes(["notes"], DEFAULTS)
    decks = list(dict.fromkeys(n.deck for n in preview.notes))
    out = seed_project / "build" / "preview.html"
    pages = write_preview(out, preview.notes, preview.media, title="DEA", page_notes=1)
    assert pages == len(decks) == 12
    index = out.read_text("utf-8")
    links = re.findall(r'<a href="([^"]+)">', index)
    assert links == [f"preview-decks/{i:04d}.html" for i in range(1, pages + 1)]
    for deck, link in zip(decks, links, strict=True):
        page = (out.parent / link).read_text("utf-8")
        assert '<a class="pv-home" href="../preview.html">All decks</a>' in page
        expected = sum(len(note_cards(n)) for n in preview.notes if n.deck == deck)
        assert page.count('<article class="pv-card"') == expected
        assert html.escape(deck.split("::")[-1]) in page
    assert f"{len(preview.notes)} notes in {pages} decks" in index
    # Fewer decks next time: the pages left over go; the rest of the folder is the user's.
    (deck_folder(out) / "mine.txt").write_text("keep")
    first = [n for n in preview.notes if n.deck == decks[0]]
    assert write_preview(out, first, preview.media, title="DEA", page_notes=0) == 1
    assert sorted(p.name for p in deck_folder(out).iterdir()) == ["0001.html", "mine.txt"]
    # Small enough: one page again, as always.
    assert write_preview(out, preview.notes, preview.media, title="DEA") == 0
    assert out.read_text("utf-8").count('<article class="pv-card"') == 29

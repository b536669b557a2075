"""Golden HTML for each construct (tests/fixtures/render.txt), one test per case."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from fixture_cases import read_cases
from hypothesis import given, settings
from hypothesis import strategies as st
from mistune.core import BlockState

import dea2anki.render.rich as render_rich
import dea2anki.render.text as render_text
import dea2anki.write as card_css
from dea2anki.render.callouts import FAMILIES
from dea2anki.render.footnotes import definitions
from dea2anki.render.html import CardRenderer
from dea2anki.render.rich import code_css
from dea2anki.render.sanitize import clean
from dea2anki.render.text import plain_text
from dea2anki.write.notetype import CSS

FIXTURES = Path(__file__).parent / "fixtures" / "render.txt"


ALLOW = {"allow-html: true": True, "allow-html: false": False}


def load_cases() -> dict[str, tuple[bool | None, str, str, str]]:
    cases: dict[str, tuple[bool | None, str, str, str]] = {}
    for name, case in read_cases(FIXTURES).items():
        lines = list(case.input)
        allow = ALLOW[lines.pop(0)] if lines[0] in ALLOW else None
        definition, _, details = "\n".join(lines).partition("\ndetails: ")
        details = details.replace("\\n", "\n")
        cases[name] = (allow, definition, details, "\n".join(case.expected))
    return cases


CASES = load_cases()


def test_fixture_file_has_all_cases() -> None:
    assert len(CASES) == 40


@pytest.mark.parametrize("name", list(CASES))
def test_render_golden(name: str) -> None:
    allow, definition, details, expected = CASES[name]
    assert CardRenderer(allow_html=allow).definition(definition, details) == expected


def test_allow_html_renders_raw_html() -> None:
    r = CardRenderer(allow_html=True)
    assert r.inline("<b>b</b> <sup>2</sup>") == "<b>b</b> <sup>2</sup>"


def test_media_callback_names_images() -> None:
    seen: list[str] = []

    def media(ref: str) -> str | None:
        seen.append(ref)
        return None if ref == "gone.png" else f"{Path(ref).stem}-0123456789ab.png"

    r = CardRenderer(media=media)
    html = r.inline('![a](img/x%20y.png "t") ![[chart.png|300]] ![[c.png|240x120]] ![](gone.png)')
    assert html == (
        '<img src="x%20y-0123456789ab.png" alt="a" title="t"> '
        '<img src="chart-0123456789ab.png" alt="chart.png" width="300"> '
        '<img src="c-0123456789ab.png" alt="c.png" width="240" height="120"> [gone.png]'
    )
    assert seen == ["img/x%20y.png", "chart.png", "c.png", "gone.png"]


def test_code_css_is_scoped_and_has_night_mode() -> None:
    css = code_css()
    rules = [line for line in css.splitlines() if "{" in line]
    assert rules and all(line.startswith((".d2a-code", ".nightMode .d2a-code")) for line in rules)
    assert ".nightMode .d2a-code .k" in css and ".night_mode .d2a-code .k" in css
    assert "http" not in css  # nothing fetched from the network


def test_the_shipped_code_css_is_what_pygments_makes() -> None:
    """write/code.css is code_css() written out, so that a build need not import pygments:
    regenerate it (python3 -c "from dea2anki.render.rich import code_css; print(code_css(),
    end='')" > dea2anki/write/code.css) when code_css changes."""
    shipped = resources.files("dea2anki.write").joinpath("code.css").read_text(encoding="utf-8")
    assert shipped == code_css()
    assert CSS.endswith(shipped)


def test_a_plain_build_imports_no_markdown_parser(tmp_path: Path) -> None:
    """Plain prose is its own HTML: building such notes never imports mistune, pygments or
    nh3 (a tenth of the start-up), and a note with markup does."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text(
        "---\ndeck: D\n---\n\n**_Concept_**\n\n- **Term** : plain prose here\n",
        encoding="utf-8",
    )
    probe = (
        "import sys\n"
        "from dea2anki.cli.main import main\n"
        "code = main(['build', sys.argv[1], '-o', sys.argv[2], '-q'])\n"
        "print(code, sorted(m for m in ('mistune', 'pygments', 'nh3') if m in sys.modules))\n"
    )

    def run() -> str:
        out = subprocess.run(
            [sys.executable, "-c", probe, str(notes), str(tmp_path / "out")],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()

    assert run() == "0 []"
    (notes / "a.md").write_text(
        "---\ndeck: D\n---\n\n**_Concept_**\n\n- **Term** : *marked* prose\n",
        encoding="utf-8",
    )
    assert run() == "0 ['mistune', 'nh3', 'pygments']"


def test_plain_text_of_wikilinks_and_markup() -> None:
    assert plain_text("**[[Glue|AWS Glue]]** `x`") == "AWS Glue x"


_MARKDOWNISH = st.text(alphabet="ab 한글.,'\"-\\`*_~[]()<>!&$=^|:#\n\t", max_size=40)


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(_MARKDOWNISH, _MARKDOWNISH, st.sampled_from(["", "more", "- a\n- b", "> [!tip]\n> t"]))
def test_card_fields_of_plain_prose_are_what_the_rich_renderer_makes(
    term: str, definition: str, details: str
) -> None:
    """The card renderer passes plain prose by without mistune: the fields it makes are
    exactly those of the full renderer (rich.py) for any term, definition and details."""
    notes = {"1": "a note"}
    fast = CardRenderer(footnotes=notes)
    full = render_rich.RichRenderer(footnotes=notes)
    assert fast.fields(term, definition, details) == full.fields(term, definition, details)
    assert fast.inline(term) == full.inline(term)


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(_MARKDOWNISH)
def test_plain_text_shortcut_matches_mistune(text: str) -> None:
    """The fast path for plain prose must give exactly what mistune gives."""
    fast = CardRenderer()
    md, renderer = fast._rich._mistune
    renderer.raw_html = False
    slow_tokens = list(md.inline(render_rich._strip_block_ids(text), {}))
    slow_html = str(renderer(slow_tokens, BlockState())).strip()
    if renderer.raw_html:
        slow_html = clean(slow_html).strip()
    if render_text.is_plain(text):
        assert fast.inline(text) == slow_html
        assert plain_text(text) == " ".join(render_text._text_of(slow_tokens, True).split())
    else:
        assert fast.inline(text) == slow_html


# --- raw HTML, entities, footnotes, callouts -----------------------------------------------


def packed(ref: str) -> str | None:
    return None if ref.startswith("gone") else f"pkg-{Path(ref).name}"


@pytest.mark.parametrize("allow", [None, True])
def test_raw_html_images_are_packed_like_markdown_images(allow: bool | None) -> None:
    seen: list[str] = []

    def media(ref: str) -> str | None:
        seen.append(ref)
        return packed(ref)

    html = CardRenderer(media=media, allow_html=allow).definition(
        '<img src="img/flow.png" width="300" alt="flow"> <img src="https://x.io/a.png">'
        ' <img src="gone.png" alt="lost">',
        '<p align="center"><img src="img/b.png"></p>',
    )
    assert seen == ["img/flow.png", "gone.png", "img/b.png"]
    assert '<img src="pkg-flow.png" width="300" alt="flow">' in html
    assert '<img src="https://x.io/a.png">' in html and "[lost]" in html
    assert '<img src="pkg-b.png">' in html


def test_allow_html_false_never_looks_up_raw_images() -> None:
    seen: list[str] = []

    def media(ref: str) -> str | None:
        seen.append(ref)
        return None

    html = CardRenderer(media=media, allow_html=False).inline('<img src="x.png">')
    assert html == "&lt;img src=&quot;x.png&quot;&gt;" and seen == []


def test_entities_render_as_characters() -> None:
    assert CardRenderer().inline("a&nbsp;b &copy; &#x41;") == "a\u00a0b © A"
    assert CardRenderer(allow_html=False).inline("a&nbsp;b") == "a&amp;nbsp;b"


def test_the_sanitiser_only_sees_fields_with_raw_html(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cards of notes without raw HTML stay byte for byte what they were."""

    def refuse(fragment: str) -> str:
        raise AssertionError(fragment)

    monkeypatch.setattr(render_rich, "clean", refuse)
    r = CardRenderer()
    assert r.definition("**a** [x](javascript:1) &copy;", "> [!tip]\n> t[^1]\n\n[^1]: n")
    with pytest.raises(AssertionError):
        r.inline("<b>x</b>")


def test_footnotes_number_across_term_and_definition() -> None:
    body = (
        "- **Shard**[^s] : unit[^t] : K\n\n"
        "```\n[^fake]: in code, not a note\n```\n\n"
        "[^s]: From the *Kinesis* docs.\n[^t]: 1 MB/s in.\n[^unused]: never cited\n"
    )
    notes = definitions(body)
    assert set(notes) == {"S", "T", "UNUSED"}
    r = CardRenderer(footnotes=notes)
    term, definition = r.fields("**Shard**[^s]", "unit[^t] and [^fake]", "more[^s]")
    assert term == '<strong>Shard</strong><sup class="d2a-fnref">1</sup>'
    assert definition == (
        '<p>unit<sup class="d2a-fnref">2</sup> and [^fake]</p>\n'
        '<p>more<sup class="d2a-fnref">1</sup></p>\n'
        '<ol class="d2a-footnotes">\n<li>From the <em>Kinesis</em> docs.</li>\n'
        "<li>1 MB/s in.</li>\n</ol>"
    )
    # No anchors: a link inside a card field would navigate the review screen away.
    assert "href" not in term + definition and "id=" not in term + definition


def test_a_note_under_the_concept_wins_over_the_files() -> None:
    r = CardRenderer(footnotes={"1": "from the file"})
    assert r.definition("x[^1]", "[^1]: from the item") == (
        'x<sup class="d2a-fnref">1</sup>\n<ol class="d2a-footnotes">\n<li>from the item</li>\n</ol>'
    )
    assert r.fields("only the term[^1]", "", "")[1] == (
        '<ol class="d2a-footnotes">\n<li>from the file</li>\n</ol>'
    )
    multi = r.fields("line one[^1]\nline two", "", "")
    assert multi[0] == '<p>line one<sup class="d2a-fnref">1</sup>\nline two</p>'


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.text(alphabet="ab*_`<>[]^!:\n-", max_size=30),
    st.text(alphabet="ab*_`<>[]!:\n-", max_size=30),
    st.text(alphabet="ab*_`<>[]!:\n->", max_size=40),
)
def test_fields_without_footnotes_are_inline_and_definition(t: str, d: str, det: str) -> None:
    """A side written on one line is inline Markdown; over several lines, blocks."""
    r = CardRenderer()
    if "[^" in t:
        t = t.replace("[^", "[")
    term = r.block(t) if "\n" in t.strip() else r.inline(t)
    assert r.fields(t, d, det) == (term, r.definition(d, det))
    if "\n" in d.strip():
        assert r.definition(d, det) == "\n".join(x for x in (r.block(d), r.block(det)) if x)


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(
    st.text(alphabet="ab*`<>[]^!:$\n-", max_size=24),
    st.text(alphabet="ab*`<>[]^!:$\n- ", max_size=40),
)
def test_the_footnote_path_changes_nothing_but_footnotes(d: str, det: str) -> None:
    """A definition holding "[^" or "^[" (a regex in code, say) but no footnote renders as
    it would without the footnote grammar. (Definitions, "[x]: ...", are left out: the
    footnote path shares them between the concept line and the lines under it.)"""
    r = render_rich.RichRenderer()
    term, definition = r._with_footnotes("", d, det)
    first, rest = r.inline(d), r.block(det)
    plain = (f"<p>{first}</p>\n{rest}" if first else rest) if rest else first
    if "\n" in d.strip():  # a definition over several lines is blocks, then the details
        plain = "\n".join(x for x in (r.block(d), rest) if x)
    assert term == ""
    if "d2a-fnref" not in definition and "]:" not in det:
        assert definition == plain


@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_callout_type_has_its_family(family: str) -> None:
    for kind in FAMILIES[family]:
        for written in (kind, kind.upper()):
            html = CardRenderer().block(f"> [!{written}]\n> body")
            assert html.startswith(f'<div class="d2a-callout d2a-callout-{family}">\n')
            assert f'<div class="d2a-callout-title">{kind.capitalize()}</div>' in html
    assert "d2a-callout-note" in CardRenderer().block("> [!anything-else] T")


def test_callout_css_has_every_family_by_day_and_night() -> None:
    css = Path(card_css.__file__).with_name("card.css").read_text(encoding="utf-8")
    for family in FAMILIES:
        if family != "note":  # the default colours, on .d2a-callout itself
            assert f".d2a-callout-{family} {{" in css
            assert f".nightMode .d2a-callout-{family}, .night_mode .d2a-callout-{family}" in css


# Pieces of the attacks sanitisers are tested with (OWASP's XSS filter evasion list and
# the like), mixed with the Markdown around them.
ATTACKS = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//x.js></SCRIPT>",
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
        "<img src=x onerror=alert(1)>",
        "<img/src=x/onerror=alert(1)>",
        '<IMG SRC="jav&#x09;ascript:alert(1);">',
        "<svg/onload=alert(1)>",
        "<a href='javascript:alert(1)'>x</a>",
        '<a href="&#106;avascript:alert(1)">x</a>',
        "<a href=' java\tscript:x'>x</a>",
        '<a href="vbscript:x">v</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">d</a>',
        "<iframe src=javascript:alert(1)></iframe>",
        '<span style="background:url(javascript:x)">s</span>',
        '<div style="width: expression(alert(1))">e</div>',
        '<div onmouseover="x">d</div>',
        "<details open ontoggle=alert(1)>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<body onload=alert(1)>",
        "<input autofocus onfocus=alert(1)>",
        "<object data=javascript:alert(1)>",
        "<embed src=javascript:alert(1)>",
        "<form action=javascript:alert(1)><button>b</button></form>",
        "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
        "<base href=javascript:/>",
        "<!--",
        "-->",
        "<![CDATA[",
        "[x](javascript:alert(1))",
        "![x](javascript:alert(1))",
        "<javascript:alert(1)>",
        "[[<img src=x onerror=alert(1)>]]",
        "> [!note] <img src=x onerror=alert(1)>\n> body\n",
        "x[^1]\n\n[^1]: <svg onload=alert(1)>\n",
        "<b>",
        "</b>",
        "<kbd>k</kbd>",
        "**",
        "`",
        "\n",
        "\n\n",
        " ",
        "=",
        '"',
        "'",
        "on",
        "onerror=alert(1)",
        "javascript:",
    ]
)
HTMLISH = st.lists(ATTACKS | st.text(alphabet="<>=\"' /aeijnorstv:&#;", max_size=6), max_size=10)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def dangers(html: str) -> list[str]:
    """What in ``html`` could run or navigate: script elements, event handler attributes,
    URLs of the script and data schemes (data images in an img aside), whatever their
    spelling (entities, case, tabs and control characters inside the scheme)."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    found = []
    if "<script" in html.casefold():
        found.append("<script")
    for tag, attrs in parser.tags:
        if tag in ("script", "iframe", "object", "embed", "base", "meta", "form", "svg"):
            found.append(tag)
        for name, value in attrs:
            squeezed = re.sub(r"[\x00-\x20]", "", value or "").casefold()
            if name.startswith("on"):
                found.append(f"{tag} {name}=")
            if re.match(r"(?:java|vb)script:", squeezed):
                found.append(f"{tag} {name}={value}")
            if squeezed.startswith("data:") and not (tag == "img" and name == "src"):
                found.append(f"{tag} {name}={value}")
            if name == "style" and re.search(r"url\(|expression", squeezed):
                found.append(f"{tag} style={value}")
    return found


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(HTMLISH.map("".join), HTMLISH.map("".join), st.sampled_from([None, False]))
def test_safe_output_never_runs_anything(line: str, details: str, allow: bool | None) -> None:
    r = CardRenderer(media=packed, allow_html=allow, footnotes={"1": "<img src=x onerror=y>"})
    term, definition = r.fields(line.replace("\n", " "), line.replace("\n", " "), details)
    for html in (term, definition):
        assert dangers(html) == [], html
        # And as plain text: the text between tags is escaped, so any "<" starts a tag.
        for tag in re.findall(r"<[^>]*>?", html):
            assert not re.search(r"\son[a-z]*\s*=", tag, re.IGNORECASE), html
            assert "javascript:" not in tag.casefold() and "<script" not in tag.casefold()


def test_the_danger_check_sees_dangers() -> None:
    """The property above is only as good as ``dangers``: it must flag what it looks for."""
    raw = CardRenderer(allow_html=True)
    assert dangers(raw.inline('<img src="//x/y.png" onerror="alert(1)">')) == ["img onerror="]
    assert dangers(raw.inline('<a href="&#106;ava\tscript:x">a</a>')) == ["a href=java\tscript:x"]
    assert dangers(raw.inline("<script>alert(1)</script>")) == ["<script", "script"]


@pytest.mark.parametrize(
    "link",
    [
        '<a href="d&Tab;ata:text/html,x">x</a>',
        '<a href="da&#10;ta:text/html,x">x</a>',
        '<a href="&#1;data:text/html,x">x</a>',
        '<a href=" data:text/html,x">x</a>',
        '<img src="&#9;data:text/html,x">',
    ],
)
def test_a_data_url_hidden_by_ignored_characters_is_removed(link: str) -> None:
    html = CardRenderer().fields("t", link, "")[1]
    assert "data:" not in html.replace("&#", "").replace("\t", "").casefold()
    assert "ata:" not in html

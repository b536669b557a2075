"""Golden HTML for each construct (tests/fixtures/render.txt), one test per case."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_cases import read_cases
from hypothesis import given, settings
from hypothesis import strategies as st
from mistune.core import BlockState

import dea2anki.render.html as render_html
import dea2anki.render.text as render_text
from dea2anki.render.html import CardRenderer, code_css
from dea2anki.render.text import plain_text

FIXTURES = Path(__file__).parent / "fixtures" / "render.txt"


def load_cases() -> dict[str, tuple[str, str, str]]:
    cases: dict[str, tuple[str, str, str]] = {}
    for name, case in read_cases(FIXTURES).items():
        definition, _, details = "\n".join(case.input).partition("\ndetails: ")
        cases[name] = (definition, details.replace("\\n", "\n"), "\n".join(case.expected))
    return cases


CASES = load_cases()


def test_fixture_file_has_all_cases() -> None:
    assert len(CASES) >= 14


@pytest.mark.parametrize("name", list(CASES))
def test_render_golden(name: str) -> None:
    definition, details, expected = CASES[name]
    assert CardRenderer().definition(definition, details) == expected


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


def test_plain_text_of_wikilinks_and_markup() -> None:
    assert plain_text("**[[Glue|AWS Glue]]** `x`") == "AWS Glue x"


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(st.text(alphabet="ab 한글.,'\"-\\`*_~[]()<>!&$=^|:#\n\t", max_size=40))
def test_plain_text_shortcut_matches_mistune(text: str) -> None:
    """The fast path for plain prose must give exactly what mistune gives."""
    fast = CardRenderer()
    md, renderer = fast._mistune
    slow_tokens = list(md.inline(render_html._strip_block_ids(text), {}))
    slow_html = str(renderer(slow_tokens, BlockState())).strip()
    if render_text.is_plain(text):
        assert fast.inline(text) == slow_html
        assert plain_text(text) == " ".join(render_text._text_of(slow_tokens, True).split())
    else:
        assert fast.inline(text) == slow_html

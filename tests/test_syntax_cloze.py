"""The ``cloze`` syntax: one case per rule in tests/fixtures/syntax_cloze.txt, read by both
parse paths, and the marker grammar it shares with the writer and the preview."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dea2anki.syntax.cloze_marks import filled, numbers


@pytest.mark.parametrize(
    ("text", "answers", "cards"),
    [
        ("{{c1::a}} {{c2::b::hint}}", "a b", [1, 2]),
        ("{{c1::a {{c2::b}} c}}", "a b c", [1, 2]),
        ("{{c1::a::b::c}}", "a", [1]),
        ("{{c3::x}} {{c1::y}} {{c3::z}}", "x y z", [1, 3]),
        ("{{c1::open", None, []),
        ("}} :: {{c1::x}}", "}} :: x", [1]),
    ],
)
def test_the_marker_grammar(text: str, answers: str | None, cards: list[int]) -> None:
    assert filled(text) == answers
    assert numbers(text) == cards


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.text(alphabet="{}c12:ab ", max_size=60))
def test_filling_removes_every_marker_it_reads(text: str) -> None:
    out = filled(text)
    if out is not None:
        assert "{{c1::" not in out and "{{c2::" not in out


@pytest.mark.parametrize(
    "text",
    ["{{c1::x}} {{c2::" + "a::" * 20000, "{{c1::" * 8000 + "}}" * 8000],
)
def test_reading_markers_is_linear(text: str) -> None:
    start = time.process_time()
    filled(text)
    numbers(text)
    assert time.process_time() - start < 1.0

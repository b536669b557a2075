"""Callouts, footnotes and raw HTML as a learner sees them: Anki's own importer (desktop
defaults) and Anki's rendering of the card (``card.question()`` / ``card.answer()``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ankiutil import Anki
from conftest import write

T1 = 1_700_000_000
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a0d3e1a60000000049454e44ae426082"
)

NOTE = """\
# Streams

**_Concept_**

- **Shard**[^s] : a unit of <kbd>capacity</kbd>, H<sub>2</sub>O&nbsp;&copy; \
<script>alert(1)</script> <img src="img/dot.png" width="20" onerror="alert(2)"> \
<a href="javascript:alert(3)">x</a> <span class="hot" onclick="alert(4)">hot</span> : DEA
  > [!warning] Limits
  > 1 MB/s **in**

  > [!tip]-
  > folded, shown open

  <details><summary>More</summary>hidden</details>

[^s]: From the *Kinesis* docs.
"""


def build_and_import(cli, anki: Anki, *flags: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    write("notes/img/dot.png", PNG)
    r = cli("build", *flags, epoch=T1)
    assert r.code == 0, r.err
    log = anki.import_package(Path("build/Streams.apkg"))
    assert (log.new, log.conflicting) == (1, 0)
    ((card,),) = [n["cards"] for n in anki.notes().values()]
    # Without the note type's CSS that Anki puts in front of each side.
    return card.question().split("</style>", 1)[1], card.answer().split("</style>", 1)[1]


def test_callouts_footnotes_and_safe_html_as_anki_shows_them(workdir, cli, anki: Anki) -> None:  # type: ignore[no-untyped-def]
    write("notes/Streams.md", NOTE)
    question, answer = build_and_import(cli, anki)
    # The front: the term and its footnote number, not the notes (they are the back's).
    assert '<strong>Shard</strong><sup class="d2a-fnref">1</sup>' in question
    assert "d2a-footnotes" not in question and "d2a-callout" not in question
    # Callouts: titled boxes of their family, the foldable one open.
    assert (
        '<div class="d2a-callout d2a-callout-warning">\n'
        '<div class="d2a-callout-title">Limits</div>\n'
        "<p>1 MB/s <strong>in</strong></p>\n</div>"
    ) in answer
    assert (
        '<div class="d2a-callout d2a-callout-tip">\n<div class="d2a-callout-title">Tip</div>\n'
        "<p>folded, shown open</p>\n</div>"
    ) in answer
    # The raw HTML notes use is kept; what runs or navigates is not.
    assert "<kbd>capacity</kbd>" in answer and "H<sub>2</sub>O&nbsp;©" in answer
    assert '<span class="hot">hot</span>' in answer and "<a>x</a>" in answer
    assert "<details><summary>More</summary>hidden</details>" in answer
    # The template has a script of its own (the deck trail); the note's is gone.
    assert answer.count("<script>") == 1 and "alert(" not in answer
    assert "onerror" not in answer and "onclick" not in answer and "javascript:" not in answer
    # The raw <img src> was packed as a Markdown image is: Anki has the file.
    m = re.search(r'<img src="(dot-[0-9a-f]{12}\.png)" width="20">', answer)
    assert m is not None and anki.col.media.have(m.group(1))
    # The footnotes: numbered, at the end of the back, plain text (no links, no anchors).
    assert answer.index("d2a-callout-tip") < answer.index('<ol class="d2a-footnotes">')
    assert "<li>From the <em>Kinesis</em> docs.</li>" in answer
    assert "href" not in answer.split('<div class="d2a-definition">', 1)[1]


@pytest.mark.parametrize(
    ("how", "flags"),
    [
        ("frontmatter", ()),
        ("flag", ("--no-allow-html",)),
        ("flag over frontmatter", ("--no-allow-html",)),
    ],
)
def test_allow_html_false_shows_raw_html_as_text(  # type: ignore[no-untyped-def]
    workdir, cli, anki: Anki, how: str, flags: tuple[str, ...]
) -> None:
    header = "---\nallow-html: false\n---\n" if how == "frontmatter" else ""
    if how == "flag over frontmatter":
        header = "---\nallow-html: true\n---\n"
    write("notes/Streams.md", header + NOTE)
    _question, answer = build_and_import(cli, anki, *flags)
    assert "&lt;kbd&gt;capacity&lt;/kbd&gt;" in answer and "&amp;copy;" in answer
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer and "<img" not in answer
    assert 'class="d2a-callout-title">Limits' in answer  # callouts are Markdown


def test_allow_html_true_keeps_all_of_it(workdir, cli, anki: Anki) -> None:  # type: ignore[no-untyped-def]
    write("notes/Streams.md", NOTE)
    _question, answer = build_and_import(cli, anki, "--allow-html")
    assert "<script>alert(1)</script>" in answer and 'onclick="alert(4)"' in answer
    # Its local image is packed all the same.
    assert re.search(r'<img src="dot-[0-9a-f]{12}\.png" width="20" onerror="alert\(2\)">', answer)

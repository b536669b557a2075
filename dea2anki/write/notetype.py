"""The note types: their fields, card templates and CSS, as genanki Models.

**dea2anki Concept** (Term, Definition, Context, Source, Reverse) for every syntax but cloze;
**dea2anki Cloze** (Text, Extra, Context, Source) for cloze notes, with the same design.

A public contract once a learner has imported a deck: the model id, the field and template
ids. Change them only with a new model id and a migration.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

import genanki

from ..naming import CONTEXT_SEPARATOR, DECK_SEPARATOR
from ..records import Fields
from ..syntax.cloze_marks import numbers

# Fixed forever: Anki matches note types by id, and fields/templates by their own ids.
MODEL_ID = 1_732_579_200_117
MODEL_NAME = "dea2anki Concept"

FIELDS = tuple(name.capitalize() for name in Fields._fields)
"""Term, Definition, Context, Source, Reverse: records.Fields, as Anki names them."""
_FIELD_IDS = {
    "Term": 7_315_840_912_301_001,
    "Definition": 7_315_840_912_301_002,
    "Context": 7_315_840_912_301_003,
    "Source": 7_315_840_912_301_004,
    # Non-empty switches on the reverse card. Part of the schema from day one so that reverse
    # cards can be turned on later without a note type change (which Anki treats as a
    # conflict and answers with a second note type).
    "Reverse": 7_315_840_912_301_005,
}

# Anki's {{Deck}} is where the card actually is ("DEA::Analytics::Amazon Athena"); the
# script shows it as a trail. Without scripts (some viewers) the plain name still reads.
# The footer's Context line is hidden where it only repeats the trail below the root deck
# (no deeper heading): decided here, not in the field, so no note is re-stamped for it.
_TRAIL = f"""\
<div class="d2a-trail">{{{{Deck}}}}</div>
<script>
document.querySelectorAll(".d2a-trail").forEach(function (e) {{
  if (e.textContent.indexOf("{DECK_SEPARATOR}") >= 0)
    e.textContent = e.textContent.split("{DECK_SEPARATOR}").join("{CONTEXT_SEPARATOR}");
}});
document.querySelectorAll(".d2a-context").forEach(function (c) {{
  var box = c.parentElement;
  while (box && !box.querySelector(".d2a-trail")) box = box.parentElement;
  var trail = box && box.querySelector(".d2a-trail");
  if (trail && trail.textContent.split("{CONTEXT_SEPARATOR}").slice(1).join("{CONTEXT_SEPARATOR}")
      === c.textContent) c.style.display = "none";
}});
</script>"""

_FOOTER = """\
<div class="d2a-meta">
{{#Context}}<div class="d2a-context">{{Context}}</div>{{/Context}}
{{#Source}}<div class="d2a-source">{{Source}}</div>{{/Source}}
</div>"""

_FRONT = f"""\
<div class="d2a d2a-front">
{_TRAIL}
<div class="d2a-term">{{{{Term}}}}</div>
</div>"""

_BACK = f"""\
{{{{FrontSide}}}}
<hr id="answer">
<div class="d2a d2a-back">
<div class="d2a-definition">{{{{Definition}}}}</div>
{_FOOTER}
</div>"""

_REVERSE_FRONT = f"""\
{{{{#Reverse}}}}<div class="d2a d2a-front">
{_TRAIL}
<div class="d2a-definition">{{{{Definition}}}}</div>
</div>{{{{/Reverse}}}}"""

_REVERSE_BACK = f"""\
{{{{FrontSide}}}}
<hr id="answer">
<div class="d2a d2a-back">
<div class="d2a-term">{{{{Term}}}}</div>
{_FOOTER}
</div>"""

# code.css is render.rich.code_css() written out (a test keeps them equal): building the
# note type need not import pygments, and a pygments upgrade cannot change the note type.
CSS = "".join(
    resources.files("dea2anki.write").joinpath(name).read_text(encoding="utf-8")
    for name in ("card.css", "code.css")
)


def make_model() -> genanki.Model:
    """A fresh Model each call: genanki mutates the field and template dicts when writing."""
    return genanki.Model(
        MODEL_ID,
        MODEL_NAME,
        fields=[{"name": name, "id": _FIELD_IDS[name]} for name in FIELDS],
        templates=[
            {
                "name": "Term → Definition",
                "id": 7_315_840_912_302_001,
                "qfmt": _FRONT,
                "afmt": _BACK,
            },
            {
                "name": "Definition → Term",
                "id": 7_315_840_912_302_002,
                "qfmt": _REVERSE_FRONT,
                "afmt": _REVERSE_BACK,
            },
        ],
        css=CSS,
        sort_field_index=0,
    )


CLOZE_MODEL_ID = 1_732_579_200_118
CLOZE_MODEL_NAME = "dea2anki Cloze"
CLOZE_FIELDS = ("Text", "Extra", "Context", "Source")
"""records.Fields' term, definition, context and source, as the cloze note type names them."""
_CLOZE_FIELD_IDS = (
    7_315_840_912_303_001,
    7_315_840_912_303_002,
    7_315_840_912_303_003,
    7_315_840_912_303_004,
)

_CLOZE_FRONT = f"""\
<div class="d2a d2a-front d2a-cloze">
{_TRAIL}
<div class="d2a-text">{{{{cloze:Text}}}}</div>
</div>"""

_CLOZE_BACK = f"""\
<div class="d2a d2a-back d2a-cloze">
{_TRAIL}
<div class="d2a-text">{{{{cloze:Text}}}}</div>
{{{{#Extra}}}}<hr id="answer"><div class="d2a-definition">{{{{Extra}}}}</div>{{{{/Extra}}}}
{_FOOTER}
</div>"""


def cloze_ords(text: str) -> list[int]:
    """The cards (template ords) of a cloze note: one per cloze number, as Anki makes them
    (``c1`` is ord 0; ``c0`` makes none)."""
    return [n - 1 for n in numbers(text) if n > 0]


def cloze_values(fields: Sequence[str]) -> tuple[str, ...]:
    """A cloze note's field values, in CLOZE_FIELDS' order, from its records.Fields."""
    return tuple(fields[: len(CLOZE_FIELDS)])


def make_cloze_model() -> genanki.Model:
    return genanki.Model(
        CLOZE_MODEL_ID,
        CLOZE_MODEL_NAME,
        fields=[
            {"name": name, "id": fid}
            for name, fid in zip(CLOZE_FIELDS, _CLOZE_FIELD_IDS, strict=True)
        ],
        templates=[
            {
                "name": "Cloze",
                "id": 7_315_840_912_304_001,
                "qfmt": _CLOZE_FRONT,
                "afmt": _CLOZE_BACK,
            }
        ],
        css=CSS,
        model_type=genanki.Model.CLOZE,
        sort_field_index=0,
    )

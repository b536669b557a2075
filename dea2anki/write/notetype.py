"""The note type: its fields, card templates and CSS, as a genanki Model.

A public contract once a learner has imported a deck: the model id, the field and template
ids. Change them only with a new model id and a migration.
"""

from __future__ import annotations

from importlib import resources

import genanki

from ..naming import CONTEXT_SEPARATOR, DECK_SEPARATOR
from ..records import Fields
from ..render.html import code_css

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
_TRAIL = f"""\
<div class="d2a-trail">{{{{Deck}}}}</div>
<script>
document.querySelectorAll(".d2a-trail").forEach(function (e) {{
  e.textContent = e.textContent.split("{DECK_SEPARATOR}").join("{CONTEXT_SEPARATOR}");
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

CSS = (
    resources.files("dea2anki.write").joinpath("card.css").read_text(encoding="utf-8") + code_css()
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

"""The note type, identities (GUIDs, deck ids) and genanki objects.

Everything here is a public contract once a learner has imported a deck: the model id, the
field and template ids, the GUID rule. Change them only with a new model id and a migration.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from importlib import resources

import genanki

from .render import code_css

# Fixed forever: Anki matches note types by id, and fields/templates by their own ids.
MODEL_ID = 1_732_579_200_117
MODEL_NAME = "dea2anki Concept"

FIELDS = ("Term", "Definition", "Context", "Source", "Reverse")
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
_TRAIL = """\
<div class="d2a-trail">{{Deck}}</div>
<script>
document.querySelectorAll(".d2a-trail").forEach(function (e) {
  e.textContent = e.textContent.split("::").join(" \u203a ");
});
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

CSS = resources.files("dea2anki").joinpath("card.css").read_text(encoding="utf-8") + code_css()


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


def normal_form(text: str) -> str:
    """What counts as "the same term": NFC, case-folded, whitespace collapsed.

    Case-folding means fixing ``AWS GLue`` to ``AWS Glue`` edits the note in place instead of
    making a new one; Anki itself compares deck names and tags case-insensitively.
    """
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return unicodedata.normalize("NFC", text.casefold())


# Terms and deck names recur across a build (and the lock): their keys are remembered.
identity_key = functools.cache(normal_form)


def concept_guid(root_deck: str, term: str) -> str:
    """Stable across edits of the definition, moves between sections, files and positions."""
    return default_guid((identity_key(root_deck), identity_key(term)), None)


_BASE91 = "".join(genanki.util.BASE91_TABLE)


def guid_for(*values: object) -> str:
    """genanki.guid_for, to the character (tested), without its per-byte loops: a first
    build makes one per concept."""
    digest = hashlib.sha256("__".join(map(str, values)).encode("utf-8")).digest()
    n = int.from_bytes(digest[:8], "big")
    out = []
    while n:
        n, digit = divmod(n, 91)
        out.append(_BASE91[digit])
    return "".join(reversed(out))


def default_guid(key: tuple[str, str], block: str | None) -> str:
    """The GUID a new concept gets (identity.resolve makes it unique against the lock): from
    its block id when it has one, else from its identity key (root deck, term)."""
    if block:
        return guid_for("dea2anki-block", key[0], block)
    return guid_for("dea2anki", *key)


def deck_id(full_name: str) -> int:
    # Anki matches decks by name on import, but ids must still be unique inside a package.
    digest = hashlib.sha256(("dea2anki-deck:" + identity_key(full_name)).encode()).digest()
    return (1 << 40) + int.from_bytes(digest[:6], "big")


def deck_name(root_deck: str, path: tuple[str, ...]) -> str:
    return "::".join((root_deck, *path))


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def content_hash(fields: Sequence[str], tags: Sequence[str]) -> str:
    """What the lock compares to decide whether a note changed (and needs a new mod).

    Each part is length-prefixed, so no field content can imitate a separator.
    """
    parts = [*fields, "", *sorted(tags)]
    return short_hash("".join([f"{len(p)}:{p}" for p in parts]))


# --- tags and deck names as Anki stores them ---------------------------------------------------


@functools.lru_cache(maxsize=1 << 14)
def normalise_tag(tag: str) -> str:
    """Obsidian tag -> Anki tag: ``#status/in progress`` -> ``status::in_progress``."""
    tag = "_".join(tag.strip().lstrip("#").split())
    parts = (part.strip(":") for part in re.split(r"/|::", tag))
    return "::".join(part for part in parts if part)


@functools.cache
def storable_tag(tag: str) -> str:
    """The tag without the control and format characters Anki drops silently."""
    return "".join(ch for ch in tag if unicodedata.category(ch)[0] != "C")


def tag_list(
    raw: Sequence[str],
    spelling: dict[str, str],
    invalid: Callable[[str, str], None] | None = None,
) -> tuple[str, ...]:
    """A note's tags from the tags written for it, each spelled as ``spelling`` first saw it
    (Anki keeps one spelling per tag; new spellings are added to ``spelling``).
    ``invalid(tag, cleaned)`` hears of tags with characters Anki cannot store."""
    out: dict[str, str] = {}
    for tag in raw:
        clean = storable_tag(tag)
        if clean != tag:
            if invalid is not None:
                invalid(tag, clean)
            tag = clean
        t = normalise_tag(tag)
        if t:
            key = t.casefold()
            out.setdefault(key, spelling.setdefault(key, t))
    return tuple(out.values())


def same_spelling(deck: str, seen: dict[str, str]) -> str:
    """Anki matches deck names case-insensitively: `DEA::x` and `dea::X` are one deck. Spell
    each level the way ``seen`` first saw it, so one build never names a deck two ways."""
    parts = deck.split("::")
    out = []
    for i, part in enumerate(parts):
        key = "::".join(parts[: i + 1]).casefold()
        out.append(seen.setdefault(key, part))
    return "::".join(out)

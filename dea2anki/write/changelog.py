"""Release notes in Markdown: from a build's events, or by comparing two packages."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from ..identity.release import RETIRED_TAG
from ..records import Event, EventKind
from .apkg_read import PackagedNote
from .notetype import FIELDS, MODEL_NAME

_ORDER = tuple(EventKind)  # the sections of the changelog, in the enum's order
_HEADINGS = {
    EventKind.ADDED: "Added",
    EventKind.RESTORED: "Back again",
    EventKind.CHANGED: "Changed",
    EventKind.RENAMED: "Renamed",
    EventKind.MOVED: "Moved",
    EventKind.RETIRED: "Retired",
    EventKind.GONE: "Removed from the notes (not retired yet)",
}


def anki_search_for_moved(term: str, new_deck: str) -> str:
    """An Anki browser search that finds a moved note's cards still sitting elsewhere."""

    def quote(text: str) -> str:
        return re.sub(r'([\\"*_])', r"\\\1", text)

    return f'"note:{MODEL_NAME}" "Term:{quote(term)}" -"deck:{quote(new_deck)}"'


def render_changelog(events: Sequence[Event], title: str) -> str:
    if not events:
        return f"# {title}\n\nNo changes.\n"
    counts = ", ".join(
        f"{sum(1 for e in events if e.kind is k)} {_HEADINGS[k].lower()}"
        for k in _ORDER
        if any(e.kind is k for e in events)
    )
    out = [f"# {title}", "", counts[0].upper() + counts[1:] + ".", ""]
    for deck in sorted({e.deck for e in events}, key=str.casefold):
        out += [f"## {deck}", ""]
        in_deck = [e for e in events if e.deck == deck]
        for kind in _ORDER:
            for e in sorted(
                (e for e in in_deck if e.kind is kind), key=lambda e: e.term.casefold()
            ):
                out.append(_line(e))
        out.append("")
    if any(e.kind is EventKind.MOVED for e in events):
        out += [
            "> Moved concepts: Anki updates their text but keeps existing cards in their old "
            "deck. Search for each one as shown in the Anki browser, select the cards and use "
            "*Change Deck*.",
            "",
        ]
    return "\n".join(out)


def _line(e: Event) -> str:
    term = f"**{e.term}**"
    if e.kind is EventKind.RENAMED:
        return f"- Renamed: **{e.old_term}** → {term} (matched by {e.how})"
    if e.kind is EventKind.MOVED:
        search = anki_search_for_moved(e.term, e.deck)
        return f"- Moved: {term} from `{e.old_deck}`; find its cards with `{search}`"
    return f"- {_HEADINGS[e.kind].split(' (')[0]}: {term}"


_TERM = FIELDS.index("Term")


def package_events(old: Sequence[PackagedNote], new: Sequence[PackagedNote]) -> list[Event]:
    """What changed between two releases, matched by GUID."""
    before = {n.guid: n for n in old}
    events: list[Event] = []
    for n in new:
        term = _text(n.fields[_TERM])
        retired = RETIRED_TAG in n.tags
        o = before.pop(n.guid, None)
        if o is None:
            if not retired:
                events.append(Event(EventKind.ADDED, term, n.deck, ""))
        elif retired and RETIRED_TAG not in o.tags:
            events.append(Event(EventKind.RETIRED, term, n.deck, ""))
        elif RETIRED_TAG in o.tags and not retired:
            events.append(Event(EventKind.RESTORED, term, n.deck, ""))
        elif o.fields[_TERM] != n.fields[_TERM]:
            events.append(
                Event(
                    EventKind.RENAMED, term, n.deck, "", old_term=_text(o.fields[_TERM]), how="GUID"
                )
            )
        elif o.deck != n.deck:
            events.append(Event(EventKind.MOVED, term, n.deck, "", old_deck=o.deck))
        elif _comparable(o.fields) != _comparable(n.fields) or set(o.tags) != set(n.tags):
            events.append(Event(EventKind.CHANGED, term, n.deck, ""))
    for o in before.values():
        if RETIRED_TAG not in o.tags:
            events.append(Event(EventKind.GONE, _text(o.fields[_TERM]), o.deck, ""))
    return events


def _comparable(fields: tuple[str, ...]) -> tuple[str, ...]:
    # Source is "file:line"; lines shift whenever text is inserted above, which is no change
    # to the note (the build does not re-stamp it for that either).
    if len(fields) == len(FIELDS):
        source = FIELDS.index("Source")
        return (*fields[:source], re.sub(r":\d+$", "", fields[source]), *fields[source + 1 :])
    return fields


def _text(field_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", field_html))

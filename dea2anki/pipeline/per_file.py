"""One note file, read, parsed and rendered: the unit of caching and of parallel work.

Everything that depends on a single file (its concepts, their card HTML, the images they
embed, the diagnostics) is computed here and nowhere else, so it can be cached (see
cache.py) and computed on several cores (parallel.py): files do not depend on each other
until ``plan``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path, PurePosixPath

from ..diagnostics import DECK_NAME, NO_CONCEPTS, Dea2AnkiError, Diagnostic, report
from ..identity.keys import content_hash, default_guid, definition_key, identity_key
from ..naming import clean_deck_component, context_line, deck_name, root_deck_name, tag_list
from ..read.frontmatter import decode, split_frontmatter
from ..read.media import MediaCollector, MediaIndex
from ..records import Fields, FileResult, Located, NoteFile, SourceFile, readable
from ..render.html import CardRenderer, cloze_text, file_footnotes
from ..render.text import escape
from ..settings import (
    ALLOW_HTML,
    DECK_DEPTH,
    FOLDER_DECKS,
    HEADING_LEVEL,
    REVERSE,
    SKIP_DRAFTS,
    SYNTAX,
    TAGS_SETTING,
    Options,
)
from ..syntax.choose import syntaxes_for
from ..syntax.parse import parse_concepts
from ..syntax.suggest import advice, suggest

NO_CONCEPTS_FOUND = "no concepts found in this file"
"""The ``no-concepts`` message when no other syntax would read the file either."""


def process(
    nf: NoteFile,
    data: bytes,
    options: Options,
    indexes: dict[Path, MediaIndex] | None = None,
) -> FileResult:
    """Turn one file's bytes into its concepts and their card HTML.

    ``indexes``: the media index of each notes folder, shared by the files of one build (an
    index walks its whole folder once; one per file would walk it once per file)."""
    try:
        src = split_frontmatter(nf, decode(nf.display, data))
    except Dea2AnkiError as e:
        return FileResult(None, None, diagnostics=e.diagnostics)
    diagnostics = list(src.warnings)
    # The concepts carry what the build needs of the body: not keeping it halves what a
    # large vault holds in memory and in the cache.
    body, src = src.body, replace(src, body="")
    if not src.anki or (src.draft and options[SKIP_DRAFTS]):
        return FileResult(src, None, diagnostics=tuple(diagnostics), included=False)
    root = _root_deck(src, diagnostics)
    frontmatter = dict(src.settings)
    syntaxes = syntaxes_for(options.for_file(SYNTAX, frontmatter), src.tags, body)
    heading_level = options.for_file(HEADING_LEVEL, frontmatter)
    parsed = parse_concepts(
        body,
        path=nf.display,
        first_line=src.body_line,
        deck_depth=options.for_file(DECK_DEPTH, frontmatter),
        syntaxes=syntaxes,
        heading_level=heading_level,
    )
    diagnostics.extend(parsed.diagnostics)
    if not parsed.concepts:
        message = NO_CONCEPTS_FOUND
        found = suggest(
            body, read_with=syntaxes, first_line=src.body_line, heading_level=heading_level
        )
        if found is not None:
            message += "; " + advice(found, syntaxes)
        diagnostics.append(report(NO_CONCEPTS, nf.display, None, message))
    indexes = {} if indexes is None else indexes
    index = indexes.get(nf.media_root)
    if index is None:
        index = indexes[nf.media_root] = MediaIndex(nf.media_root)
    collector = MediaCollector(index, nf.path, nf.display)
    renderer = CardRenderer(
        media=collector,
        allow_html=options.for_file(ALLOW_HTML, frontmatter),
        footnotes=file_footnotes(body),
    )
    reverse = "y" if options.for_file(REVERSE, frontmatter) else ""
    # With folder-decks, the folders between the notes root and the file come first:
    # Vault/AWS/Glue.md's concepts go to AWS::Glue::<headings>. Identity keeps the root deck
    # alone, so moving a file to another folder moves its cards instead of renewing them.
    folders = _folder_decks(nf.rel) if options[FOLDER_DECKS] else ()
    file_tags = src.tags + options[TAGS_SETTING]
    spelling: dict[str, str] = {}
    raw_lists: dict[tuple[str, ...], tuple[str, ...]] = {}
    tag_lists: dict[tuple[str, ...], tuple[str, ...]] = {}
    # Concepts under one heading share these texts (memory, cache size).
    contexts: dict[tuple[str, ...], str] = {}
    decks: dict[tuple[str, ...], str] = {}
    located = []
    # Without a usable root deck the concepts are dropped below; their diagnostics count.
    root_name = root or ""
    root_key = identity_key(root_name)
    rel = nf.rel
    for c in parsed.concepts:
        collector.begin(c.line)
        raw_tags = raw_lists.get(c.tags)
        if raw_tags is None:
            raw_tags = raw_lists[c.tags] = c.tags + file_tags
        tags = tag_lists.get(raw_tags)
        if tags is None:
            tags = tag_lists[raw_tags] = tag_list(raw_tags, spelling)
        term, definition = renderer.fields(c.term_md, c.definition, c.details)
        if c.cloze:
            term = cloze_text(term)
        context = contexts.get(c.context)
        if context is None:
            context = contexts[c.context] = escape(context_line(c.context))
        deck = decks.get(c.deck_path)
        if deck is None:
            deck = decks[c.deck_path] = deck_name(root_name, c.deck_path, folders)
        key = (root_key, identity_key(c.term))
        back_to_front = "" if c.cloze else ("y" if c.reverse else reverse)
        fields = Fields(term, definition, context, escape(f"{rel}:{c.line}"), back_to_front)
        located.append(
            Located(
                concept=c,
                source=src,
                root_deck=root_name,
                key=key,
                guid=default_guid(key, c.block_id, c.cloze),
                deck=deck,
                raw_tags=raw_tags,
                tags=tags,
                field_term=fields.term,
                field_definition=fields.definition,
                field_context=fields.context,
                field_source=fields.source,
                field_reverse=fields.reverse,
                content=content_hash(fields, tags, source=rel),
                media=tuple(sorted(collector.used)),
                definition_key=definition_key(c.definition),
            )
        )
    diagnostics.extend(collector.diagnostics)
    return FileResult(
        src,
        root,
        tuple(located) if root is not None else (),
        tuple(sorted((name, str(p)) for name, p in collector.files.items())),
        index.fingerprint() if collector.referenced else None,
        tuple(diagnostics),
    )


def _folder_decks(rel: str) -> tuple[str, ...]:
    parts = (clean_deck_component(readable(p)) for p in PurePosixPath(rel).parent.parts)
    return tuple(p for p in parts if p)


def _root_deck(src: SourceFile, out: list[Diagnostic]) -> str | None:
    name = root_deck_name(src.root_deck)
    if not name:
        out.append(
            report(
                DECK_NAME,
                src.file.display,
                None,
                f"root deck {src.root_deck!r} is empty once cleaned; set 'deck:' in the "
                "frontmatter",
            )
        )
        return None
    return name

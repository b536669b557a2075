"""dea2anki: Markdown study notes -> Anki decks with stable identities."""

__version__ = "0.1.0"

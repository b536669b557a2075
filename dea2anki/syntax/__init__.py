"""Card syntaxes: a file's Markdown blocks -> concepts (see blocks.py for the interface)."""

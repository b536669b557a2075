"""Writing: packages (a deterministic zip of a collection), the preview page, changelogs."""

"""Reading: note files on disk -> text, frontmatter and body; the config file; media."""

"""Identity: which note is which (keys and GUIDs, matching to the lock, the release)."""

"""What a --watch session keeps between its builds."""

from __future__ import annotations

from ..identity.lock import LockBook
from ..records import FileResult


class Memory:
    """What a --watch session keeps between its builds: the last build's parse results (by
    cache key) and its lock book, so a rebuild reads only what changed. A one-off build has
    none."""

    def __init__(self) -> None:
        self.results: dict[str, FileResult] = {}
        self.locks = LockBook()

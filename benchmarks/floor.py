"""The floor a build is measured against: the least any tool must do to write a package of
N notes, with no reading, parsing or rendering at all.

    python3 benchmarks/floor.py 100000 /tmp/floor.apkg

It writes N note rows and N card rows (fields of the benchmark vault's size and entropy)
into an Anki collection's two main tables with SQLite ``executemany``, builds their indexes,
and deflates the file into a zip, in a fresh process. A build's time over the floor's,
measured in the same run, is what bench.py reports: the machine's speed cancels out.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

from make_vault import definition

SCHEMA = """
CREATE TABLE notes (id integer primary key, guid text not null, mid integer not null,
  mod integer not null, usn integer not null, tags text not null, flds text not null,
  sfld integer not null, csum integer not null, flags integer not null, data text not null);
CREATE TABLE cards (id integer primary key, nid integer not null, did integer not null,
  ord integer not null, mod integer not null, usn integer not null, type integer not null,
  queue integer not null, due integer not null, ivl integer not null,
  factor integer not null, reps integer not null, lapses integer not null,
  left integer not null, odue integer not null, odid integer not null,
  flags integer not null, data text not null);
"""
INDEXES = """
CREATE INDEX ix_notes_usn on notes (usn);
CREATE INDEX ix_cards_usn on cards (usn);
CREATE INDEX ix_cards_nid on cards (nid);
CREATE INDEX ix_cards_sched on cards (did, queue, due);
"""
# Definitions as random as the vault's (one phrase repeated would deflate three times
# smaller and faster than the packages measured against it), from a pool made up front:
# drawing each note's own would cost the floor seconds that no build spends on them.
_POOL = 1000


def floor(n: int, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp, "collection.anki2")
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.executescript(SCHEMA)
        base = 1_700_000_000_000
        rng = random.Random(n)
        pool = [definition(rng) for _ in range(_POOL)]
        conn.executemany(
            "INSERT INTO notes VALUES (?,?,1,0,-1,' DEA AWS ',?,?,0,0,'')",
            (
                (
                    base + i,
                    f"g{i:09d}",
                    f"Concept {i:06d}\x1f{pool[i % _POOL]}\x1fDomain {i // 100} \u203a Service\x1f"
                    f"note-{i // 100:04d}.md:{i % 100 + 19}\x1f",
                    i,
                )
                for i in range(n)
            ),
        )
        conn.executemany(
            "INSERT INTO cards VALUES (?,?,1,0,0,-1,0,0,?,0,0,0,0,0,0,0,0,'')",
            ((base + n + i, base + i, i) for i in range(n)),
        )
        conn.executescript(INDEXES)
        conn.commit()
        conn.close()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as z:
            z.write(db, "collection.anki2")
            z.writestr("media", "{}")


if __name__ == "__main__":
    floor(int(sys.argv[1]), Path(sys.argv[2]))

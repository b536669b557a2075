"""Read a fixture file of tests/fixtures/: many cases in one text file, one test per case.

The layout every such file shares (its header says what the two parts of a case mean):

    Free text up to the first case: the file's header.

    ## name of the case
    input lines, exactly as written
    ->
    expected lines

A case's input is every line after its "## name" line up to its first "->" line, so it may
hold "## " lines of its own (a Markdown heading). Its expected lines run from the "->" to the
next line starting with "## " or the end of the file, less the blank lines at their end.
(So a case that lacks its "->" swallows the case after it: each test file also checks how
many cases it read.) tests/fixtures/render.txt has this layout too.

No line may end in a space or a tab: an editor that trims them would silently change a case.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SEPARATOR = "->"
CASE = "## "


@dataclass(frozen=True)
class FixtureCase:
    name: str
    where: str
    """file:line of the case's "## name" line, for error messages."""
    input: tuple[str, ...]
    expected: tuple[str, ...]

    @property
    def text(self) -> str:
        """The input lines as a file's text: every line ends with a newline."""
        return "".join(line + "\n" for line in self.input)


def read_cases(path: Path) -> dict[str, FixtureCase]:
    """The cases of a fixture file by name, in file order; a malformed file raises."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines[-1] == "":
        lines.pop()
    drafts: list[tuple[str, str, list[str], list[str]]] = []
    in_input = False
    for number, line in enumerate(lines, 1):
        where = f"{path.name}:{number}"
        if line != line.rstrip(" \t"):
            raise ValueError(f"{where}: the line ends in whitespace")
        if in_input:
            if line == SEPARATOR:
                in_input = False
            else:
                drafts[-1][2].append(line)
        elif line.startswith(CASE):
            name = line[len(CASE) :].strip()
            if not name:
                raise ValueError(f"{where}: a case without a name")
            drafts.append((name, where, [], []))
            in_input = True
        elif drafts:
            drafts[-1][3].append(line)
    if in_input:
        raise ValueError(f'{drafts[-1][1]}: the last case has no "{SEPARATOR}" line')

    cases: dict[str, FixtureCase] = {}
    for name, where, source, expected in drafts:
        if name in cases:
            raise ValueError(f"{where}: a second case named {name!r}")
        while expected and expected[-1] == "":
            expected.pop()
        cases[name] = FixtureCase(name, where, tuple(source), tuple(expected))
    return cases

"""The package's layers: every import of dea2anki's own code points down this list (the
README's Development section draws the same list). Imports inside functions count too."""

from __future__ import annotations

import ast

from conftest import REPO

LAYERS = [
    "__main__",
    "cli",
    "pipeline",
    "write",
    "identity",
    "syntax",
    "render",
    "read",
    "naming",
    "settings",
    "records",
    "diagnostics",
    "__init__",
]
PACKAGE = REPO / "dea2anki"


def layer(module: str) -> int:
    """The layer of ``dea2anki.<first>...``; the package itself is its __init__."""
    first = module.split(".")[1] if "." in module else "__init__"
    return LAYERS.index(first)


def imports(path_module: str, tree: ast.AST, is_package: bool) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = path_module.split(".")
            base = base if is_package else base[:-1]
            base = base[: len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            found.append((node.lineno, target))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dea2anki"):
            found.append((node.lineno, node.module or ""))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("dea2anki")]
    return found


def test_imports_point_down_the_layers() -> None:
    wrong = []
    modules = 0
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(REPO).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules += 1
        for line, target in imports(module, tree, rel.name == "__init__"):
            if layer(target) < layer(module):
                wrong.append(f"{rel}.py:{line} imports {target}")
    assert modules > 40
    assert wrong == []


def test_every_top_level_part_has_a_layer() -> None:
    parts = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()}
    parts = {p for p in parts if not p.startswith((".", "_")) or p in ("__init__", "__main__")}
    parts -= {"py", "__pycache__"}
    assert parts <= set(LAYERS), parts - set(LAYERS)

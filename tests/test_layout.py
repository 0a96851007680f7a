"""The layout holds: no import circle in indicators/ (imports inside functions count too), and the
store below the rules (it imports no use-case module: no roles, no cycle, no audit wording)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

# What store/ may import from the rest of indicators/: the tables' declarations and the one error type.
STORE_MAY_IMPORT = {"indicators.config", "indicators.ledgers", "indicators.problems"}


def modules(root: Path, package: str) -> dict[str, Path]:
    """{dotted name: file} of every module of `package` under `root`."""
    out = {}
    for path in (root / package).rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imported(name: str, path: Path, known: dict[str, Path], *, typing_too: bool = True) -> set[str]:
    """The modules of `known` that module `name` imports anywhere in its text (module level, inside
    functions, under `if TYPE_CHECKING` only when `typing_too`). `from pkg import sub` is an import of
    pkg.sub (pkg, its parent, is imported first in any case); `from pkg import name` one of pkg."""
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set()
    if not typing_too:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = ".".join(base[: len(base) - node.level + 1] + [node.module or ""]).strip(".") \
                if node.level else node.module
            out |= {f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names}
    return (out & known.keys()) - {name}


def cycles(root: Path, package: str) -> list[list[str]]:
    """Every import circle among the modules of `package`, each as the path that closes it
    (a -> b -> ... -> a), found by a depth-first walk; [] when there is none."""
    known = modules(root, package)
    graph = {m: sorted(imported(m, p, known)) for m, p in known.items()}
    found, state = [], {}  # state: 1 on the current path, 2 done

    def walk(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in graph[m]:
            if state.get(n) == 1:
                found.append(path[path.index(n):] + [n])
            elif n not in state:
                walk(n, path + [n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            walk(m, [m])
    return found


def write_package(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("files,expected", [
    # two modules importing each other at module level
    ({"p/__init__.py": "", "p/a.py": "from . import b\n", "p/b.py": "from .a import x\n"}, [["p.a", "p.b", "p.a"]]),
    # the circle closed by an import inside a function ("imported when first needed") is still one
    ({"p/__init__.py": "", "p/a.py": "from .b import y\n",
      "p/b.py": "def f():\n    from . import a\n    return a\n"}, [["p.a", "p.b", "p.a"]]),
    # a package whose __init__ re-exports a submodule that imports the package's own names back
    ({"p/__init__.py": "from .s import x\n", "p/s/__init__.py": "from .t import x\n",
      "p/s/t.py": "from .. import y\nx = 1\n"}, [["p", "p.s", "p.s.t", "p"]]),
    # three modules in a ring, through an absolute import
    ({"p/__init__.py": "", "p/a.py": "import p.b\n", "p/b.py": "from p import c\n", "p/c.py": "from .a import z\n"},
     [["p.a", "p.b", "p.c", "p.a"]]),
    # a submodule importing a sibling through the package (`from . import b`) is no circle with the package
    ({"p/__init__.py": "from . import a, b\n", "p/a.py": "from . import b\n", "p/b.py": "import json\n"}, []),
])
def test_the_walk_finds_and_names_each_circle(tmp_path, files, expected):
    write_package(tmp_path, files)
    assert cycles(tmp_path, "p") == expected


def test_indicators_has_no_import_circle():
    found = cycles(ROOT, "indicators")
    assert not found, "import circles in indicators/: " + "; ".join(" -> ".join(c) for c in found)


def test_the_store_imports_no_rule():
    """store/ holds SQL: it imports no roles, no cycle, no use case of indicators/ (a type named only
    for the type checker aside)."""
    known = modules(ROOT, "indicators")
    above = {(m, n) for m, p in known.items() if m.startswith("indicators.store")
             for n in imported(m, p, known, typing_too=False)
             if not n.startswith("indicators.store") and n not in STORE_MAY_IMPORT}
    assert not above, "store/ imports rules from above it: " + "; ".join(f"{m} -> {n}" for m, n in sorted(above))

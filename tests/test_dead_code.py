"""No dead code in the product: vulture over indicators/, ui/ (with its pages) and app.py finds no
function, method, property or class that nothing calls, no unused import and nothing at 100 %
(unreachable code, unused arguments). Uses in tests/, bench/ and tools/ count as uses; the few names
only Python uses are in tests/dead_code_whitelist.py.

Unused attributes and variables at 60 % are not judged: they are python-docx, openpyxl and
python-pptx properties set on library objects, dataclass fields read through asdict, and names of a
tuple unpacked whole, which static analysis cannot tell from dead ones."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT

CONFIDENCE = 60  # vulture's confidence for an unused function, method, property or class
PRODUCT = ("indicators/", "ui/", "app.py")
USERS = ("tests", "bench", "tools")
WHITELIST = "tests/dead_code_whitelist.py"
NOT_JUDGED = re.compile(r"unused (attribute|variable) '[^']+' \(60% confidence\)")


def dead(paths: list[str], cwd=ROOT) -> list[str]:
    """vulture's findings in the product, less the kinds it cannot judge."""
    r = subprocess.run([sys.executable, "-m", "vulture", *paths, "--min-confidence", str(CONFIDENCE)],
                       cwd=cwd, capture_output=True, text=True, timeout=120)
    assert r.returncode in (0, 3), r.stderr  # 3: dead code found
    return [line for line in r.stdout.splitlines() if line.startswith(PRODUCT) and not NOT_JUDGED.search(line)]


def test_no_dead_code_in_the_product():
    assert dead(["indicators", "ui", "app.py", *USERS, WHITELIST]) == []


@pytest.mark.parametrize("code,finding", [
    ("def helper():\n    return 1\n", "unused function 'helper'"),
    ("class Thing:\n    def method(self):\n        return 1\n\n\nThing()\n", "unused method 'method'"),
    ("class Thing:\n    @property\n    def size(self):\n        return 1\n\n\nThing()\n", "unused property 'size'"),
    ("import json\n", "unused import 'json'"),
    ("def f():\n    return 1\n    print('never')\n\n\nf()\n", "unreachable code after 'return'"),
])
def test_a_dead_function_is_found(tmp_path, code, finding):
    """The filter above hides no kind of dead code it claims to judge."""
    (tmp_path / "indicators").mkdir()
    (tmp_path / "indicators" / "mod.py").write_text(code, "utf-8")
    found = dead(["indicators"], cwd=tmp_path)
    assert len(found) == 1 and finding in found[0]

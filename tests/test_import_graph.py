"""The shared core (intimacy_app's accounts and content, and the settings) imports no feature
app: what needs both, like the account-wide export, is composed in the project package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = [
    *sorted((ROOT / "intimacy_app" / "accounts").rglob("*.py")),
    *sorted((ROOT / "intimacy_app" / "content").rglob("*.py")),
    ROOT / "intimacy_app" / "settings.py",
]
FEATURES = ("quiz", "journal")


def _imported(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("path", CORE, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_core_imports_no_feature_app(path: Path) -> None:
    features = {m for m in _imported(path) if m.split(".")[0] in FEATURES}
    assert features == set(), f"{path.relative_to(ROOT)} imports {sorted(features)}"

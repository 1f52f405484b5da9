"""The shared core (everything in intimacy_app but the modules that compose the site: its URLs,
the account-wide export and the member's home) imports no feature app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSITION = {
    ROOT / "intimacy_app" / name for name in ("urls.py", "account_export.py", "member_home.py")
}
CORE = [path for path in sorted((ROOT / "intimacy_app").rglob("*.py")) if path not in COMPOSITION]
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

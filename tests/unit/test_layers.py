"""The package's rooms keep their order: imports run handlers → api → logic → dal → models.

Read from the source (no import is executed), so a new module that breaks the layering fails
here before anyone builds on it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "functions" / "newsdesk"
# A layer may import only from the layers after it in this list (and from itself).
LAYERS = ["handlers", "api", "logic", "dal"]


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("newsdesk.")}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


MODULES = {_module(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_run_downwards(module: str) -> None:
    own = _layer(module)
    allowed = set(LAYERS[LAYERS.index(own) :]) if own else set()
    for imported in MODULES[module]:
        target = _layer(imported)
        if target is None:
            continue
        assert own is not None, f"{module} (below the layers) imports {imported}"
        assert target in allowed, f"{module} ({own}) imports {imported} ({target}): upward"


def test_the_fast_path_uses_the_shared_reads_not_the_reverse() -> None:
    assert "newsdesk.api.articles" in MODULES["newsdesk.api.fastpath"]
    assert not any(m.startswith("newsdesk.api.fastpath") for m in MODULES["newsdesk.api.articles"])
    routes = MODULES["newsdesk.api.routes.articles"]
    assert not any(m.startswith("newsdesk.api.fastpath") for m in routes)

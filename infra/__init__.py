"""Tooling around the deployment: local stack, template reading, sample content."""

import sys
from pathlib import Path

# Lambda puts the deployed package (functions/) at the root of the import path; so does every
# `python -m infra.…` tool, whatever started it (make, a shell, a test).
_FUNCTIONS = str(Path(__file__).resolve().parents[1] / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.insert(0, _FUNCTIONS)

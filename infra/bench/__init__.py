"""Benchmarks behind `make bench`: figures printed as ratios against baselines of the same run."""

import sys
from pathlib import Path

# Lambda puts the deployed package (functions/) at the root of the import path; so do we.
_FUNCTIONS = str(Path(__file__).resolve().parents[2] / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.insert(0, _FUNCTIONS)

"""Write the API's OpenAPI document to docs/openapi.json: the published frontend contract.

    python -m infra.deploy.openapi    # `make openapi`

The document is committed so that a change of the contract shows in review; a test fails
when the served document and the committed one differ.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from infra.deploy.tools import REPO_ROOT

DOCUMENT = REPO_ROOT / "docs" / "openapi.json"
# Route wiring reads the settings; no AWS is touched, so any well-formed names do.
_WIRING_ENVIRONMENT = {"TABLE_NAME": "newsdesk", "CONTENT_BUCKET": "newsdesk-content"}


def served_document() -> dict[str, Any]:
    """The document the app serves at /openapi.json."""
    sys.path.insert(0, str(REPO_ROOT / "functions"))
    for name, value in _WIRING_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    from newsdesk.api.app import create_app  # noqa: PLC0415 - after the path and environment

    document: dict[str, Any] = create_app().openapi()
    return document


def render(document: dict[str, Any]) -> str:
    """Stable text: sorted keys, two-space indent, non-ASCII kept, final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    """Write the committed document from the app."""
    DOCUMENT.write_text(render(served_document()), encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

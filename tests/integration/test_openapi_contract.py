"""The committed contract (docs/openapi.json) is exactly what the API serves: a change of the
API shows in review as a change of that file (`make openapi` refreshes it)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from infra.deploy.openapi import DOCUMENT, render


def test_served_document_is_the_committed_one(aws: dict[str, Any]) -> None:
    from newsdesk.api.app import create_app

    served = TestClient(create_app()).get("/openapi.json")
    assert served.status_code == 200
    assert render(served.json()) == DOCUMENT.read_text(encoding="utf-8"), (
        "the API changed: run `make openapi` and review docs/openapi.json"
    )
    assert json.loads(DOCUMENT.read_text(encoding="utf-8"))["paths"]

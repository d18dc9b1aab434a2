"""A handler that writes every event it gets to RECORD_DIR: the local stack's tests add it to
a copy of template.yaml to see what the stack dispatches (filters, batches, event shapes)."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Record the event; report no failures."""
    folder = Path(os.environ["RECORD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{uuid.uuid4().hex}.tmp"
    partial.write_text(json.dumps(event, ensure_ascii=False), encoding="utf-8")
    partial.rename(folder / f"{time.time_ns()}-{uuid.uuid4().hex}.json")  # sortable: arrival
    return {"batchItemFailures": []}

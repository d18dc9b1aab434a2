"""functions/requirements.txt (what sam build ships) is exactly the lock's runtime closure."""

from __future__ import annotations

import subprocess

from infra.deploy.tools import REPO_ROOT, tool

REQUIREMENTS = REPO_ROOT / "functions" / "requirements.txt"


def test_requirements_txt_matches_uv_lock() -> None:
    # The same flags as the Makefile's `requirements` target; --frozen never touches the lock.
    exported = subprocess.run(
        [
            str(tool("uv")),
            "export",
            "--frozen",
            "--no-dev",
            "--no-hashes",
            "--no-emit-project",
            "--no-header",
            "--quiet",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    shipped = REQUIREMENTS.read_text("utf-8")
    assert shipped == exported, (
        "functions/requirements.txt drifted from uv.lock: `make requirements`"
    )
    assert "moto" not in shipped and "pytest" not in shipped

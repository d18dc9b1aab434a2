"""Where the deployment tools live and the environment they run in.

aws-sam-cli and checkov pin conflicting dependencies, so the Makefile installs each into its
own venv under `.tools/` from the locks in `infra/deploy/tools/`; cfn-lint comes with the dev venv.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = REPO_ROOT / "template.yaml"
# Any region will do for the offline checks; the stack's own region comes from samconfig.toml.
REGION = "eu-north-1"


def tool(name: str) -> Path:
    """The executable of a deployment tool; a missing one says how to install it."""
    candidates = {
        "sam": REPO_ROOT / ".tools" / "sam" / "bin" / "sam",
        "checkov": REPO_ROOT / ".tools" / "checkov" / "bin" / "checkov",
        "cfn-lint": Path(sys.executable).parent / "cfn-lint",
        "uv": REPO_ROOT / ".tools" / "uv" / "bin" / "uv",
    }
    path = candidates[name]
    if not path.exists():
        raise FileNotFoundError(f"{path.relative_to(REPO_ROOT)} is missing: run `make tools`")
    return path


def base_python_bin() -> Path:
    """The bin directory of the interpreter behind this venv (it has python3.13 and pip)."""
    return Path(sys.base_prefix) / "bin"


def tool_env() -> dict[str, str]:
    """The environment for sam and checkov: no telemetry, no network look-ups, Python 3.13 first.

    `sam build` looks up `python3.13` on PATH and runs its pip: the base interpreter's bin
    directory comes first so that neither a pyenv shim nor a venv without pip is found.
    """
    env = dict(os.environ)
    env.update(
        SAM_CLI_TELEMETRY="0",
        BC_SKIP_MAPPING="TRUE",
        AWS_DEFAULT_REGION=env.get("AWS_DEFAULT_REGION", REGION),
        PATH=os.pathsep.join([str(base_python_bin()), env.get("PATH", "")]),
    )
    return env

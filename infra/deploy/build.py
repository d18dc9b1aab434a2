"""`sam build` of the template, for Lambda's arm64 or for the host's architecture.

The deployed build is arm64 (`make build`, into `.aws-sam/build` where `sam deploy` finds it).
The smoke test needs a build it can import on this machine: the same template with the
architecture swapped, built from the same sources (`--base-dir`), beside the arm64 one.
"""

from __future__ import annotations

import argparse
import compileall
import platform
import py_compile
import re
import subprocess
import sys
from pathlib import Path

from infra.deploy.tools import REPO_ROOT, TEMPLATE, tool, tool_env

DEPLOYED_ARCHITECTURE = "arm64"
# Lambda's runtime (template Globals): bytecode is only valid for this Python version.
RUNTIME_VERSION = (3, 13)
_ARCHITECTURES = re.compile(r"^(\s+Architectures: )\[arm64\]$", re.MULTILINE)


def host_architecture() -> str:
    """Lambda's name for the architecture this machine runs."""
    return {"aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower(), "x86_64")


def template_for(architecture: str) -> str:
    """The template text with its (single, global) architecture set to `architecture`."""
    text, count = _ARCHITECTURES.subn(rf"\g<1>[{architecture}]", TEMPLATE.read_text("utf-8"))
    if count != 1:
        raise ValueError(
            f"expected one `Architectures: [arm64]` line in the template, found {count}"
        )
    return text


def start(build_dir: Path, architecture: str = DEPLOYED_ARCHITECTURE) -> subprocess.Popen[str]:
    """Start `sam build` into `build_dir` (builds of both architectures may run side by side)."""
    build_dir.parent.mkdir(parents=True, exist_ok=True)
    template = TEMPLATE
    if architecture != DEPLOYED_ARCHITECTURE:
        template = build_dir.parent / f"template-{architecture}.yaml"
        template.write_text(template_for(architecture), "utf-8")
    argv = [str(tool("sam")), "build", "--template-file", str(template)]
    argv += ["--base-dir", str(REPO_ROOT), "--build-dir", str(build_dir)]
    return subprocess.Popen(
        argv,
        cwd=REPO_ROOT,
        env=tool_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 900) -> str:
    """Wait for a build and return its output; a failed build raises with that output."""
    output, _ = process.communicate(timeout=timeout)
    if process.returncode != 0:
        raise RuntimeError(f"sam build failed ({process.returncode}):\n{output}")
    return output


def compile_bytecode(build_dir: Path) -> None:
    """Ship `.pyc` files: Lambda's code directory is read-only, so without them every cold
    start compiles every module from source. Unchecked-hash pycs stay valid whatever
    modification times the zip restores."""
    if sys.version_info[:2] != RUNTIME_VERSION:
        print(f"bytecode not compiled: this Python is not the runtime's {RUNTIME_VERSION}")
        return
    for function_dir in sorted(path for path in build_dir.iterdir() if path.is_dir()):
        compiled = compileall.compile_dir(
            function_dir,
            quiet=1,
            workers=0,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        if not compiled:  # a vendored file Python cannot compile is imported from source
            print(f"{function_dir.name}: some modules were left uncompiled (see above)")


def build(build_dir: Path, architecture: str = DEPLOYED_ARCHITECTURE) -> Path:
    """Build and return the directory holding one sub-directory per function."""
    finish(start(build_dir, architecture))
    compile_bytecode(build_dir)
    return build_dir


def main() -> int:
    """`make build`: the deployable arm64 build in .aws-sam/build (what `sam deploy` uploads)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument(
        "--architecture", default=DEPLOYED_ARCHITECTURE, choices=["arm64", "x86_64"]
    )
    parser.add_argument("--build-dir", type=Path, default=REPO_ROOT / ".aws-sam" / "build")
    args = parser.parse_args()
    process = start(args.build_dir, args.architecture)
    assert process.stdout is not None
    for line in process.stdout:
        print(line, end="")
    if process.wait() != 0:
        return process.returncode
    compile_bytecode(args.build_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())

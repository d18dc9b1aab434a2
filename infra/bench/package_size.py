"""Package size: what `sam build` ships per function, against Lambda's limits.

The deployed (arm64) build is made afresh in a temporary directory, so the figure is that of
the current sources and lock. Size drives cold-start time and the upload on every deploy.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

from infra.deploy import build

# Lambda's quotas for a .zip package: unpacked size, and a zip uploaded directly.
UNZIPPED_LIMIT = 250 * 1024 * 1024
ZIPPED_DIRECT_LIMIT = 50 * 1024 * 1024
MIB = 1024 * 1024


def unzipped_bytes(function_dir: Path) -> int:
    """Bytes of every file in the function directory, as Lambda unpacks them."""
    return sum(path.stat().st_size for path in function_dir.rglob("*") if path.is_file())


def zipped_bytes(function_dir: Path) -> int:
    """Bytes of the deflated zip `sam deploy` would upload."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(function_dir.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(function_dir))
    return buffer.getbuffer().nbytes


def largest_packages(function_dir: Path, count: int = 5) -> list[tuple[str, int]]:
    """The top-level entries (packages, modules) that weigh the most."""
    sizes: Counter[str] = Counter()
    for path in function_dir.rglob("*"):
        if path.is_file():
            top = path.relative_to(function_dir).parts[0]
            if not top.endswith((".dist-info", ".data")):
                sizes[top] += path.stat().st_size
    return sizes.most_common(count)


def report(build_dir: Path) -> list[str]:
    """Printable lines: per function, unzipped and zipped size against the limits."""
    lines = ["package size (sam build, python3.13, arm64):"]
    functions = sorted(path for path in build_dir.iterdir() if path.is_dir())
    for function_dir in functions:
        unzipped, zipped = unzipped_bytes(function_dir), zipped_bytes(function_dir)
        lines.append(
            f"  {function_dir.name:16} unzipped {unzipped / MIB:6.1f} MiB"
            f" ({unzipped / UNZIPPED_LIMIT:4.0%} of 250 MiB)"
            f"   zipped {zipped / MIB:5.1f} MiB ({zipped / ZIPPED_DIRECT_LIMIT:4.0%} of 50 MiB)"
        )
    if functions:
        heaviest = ", ".join(
            f"{name} {size / MIB:.1f}" for name, size in largest_packages(functions[0])
        )
        lines.append(f"  heaviest entries (MiB): {heaviest}")
    return lines


def main() -> None:
    """Build the deployed artifact and print its size."""
    with tempfile.TemporaryDirectory(prefix="newsdesk-size-") as scratch:
        build_dir = build.build(Path(scratch) / "build")
        print("\n".join(report(build_dir)))


if __name__ == "__main__":
    main()

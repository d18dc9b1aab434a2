"""The artifact `sam build` makes is the one that works: built, imported, invoked.

Two builds run side by side from the same template and sources: Lambda's arm64 (what
`sam deploy` uploads; its compiled wheels are checked to be AArch64 ELF files) and one for
this machine's architecture, whose function directories are imported by a fresh interpreter
that sees nothing but the standard library and that directory (`-I -S`), as Lambda does.
The API handler then answers API Gateway HTTP API (payload 2.0) events against moto's server.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from infra.deploy import build
from infra.deploy.tools import REPO_ROOT, base_python_bin
from infra.local.httpapi import request_event
from infra.local.intrinsics import Resolver
from infra.template.reading import create_table_request, function_environment, resources

pytestmark = pytest.mark.slow

FUNCTIONS = resources("AWS::Serverless::Function")
REGION = "eu-north-1"
TABLE = "newsdesk-built-smoke"
ELF_MACHINES = {0xB7: "arm64", 0x3E: "x86_64"}
DEV_ONLY = ("moto", "pytest", "hypothesis", "schemathesis", "mypy", "ruff", "cfnlint")

# Runs inside the fresh interpreter: import the handler from the built directory, invoke it
# with each event, and report where every imported module came from.
PROBE = """
import importlib, json, sys
build_dir, handler_path, events = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path.insert(0, build_dir)
module_name, _, attribute = handler_path.rpartition(".")
handler = getattr(importlib.import_module(module_name), attribute)

class Context:
    function_name = "smoke"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-north-1:123456789012:function:smoke"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/smoke"
    log_stream_name = "2026/11/26/[$LATEST]smoke"
    def get_remaining_time_in_millis(self):
        return 10_000

responses = [handler(event, Context()) for event in events]
files = [getattr(m, "__file__", None) or "" for m in list(sys.modules.values())]
outside = sorted(f for f in files if "-packages" in f and not f.startswith(build_dir))
print(json.dumps({"callable": callable(handler), "responses": responses, "outside": outside}))
"""


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build directories by architecture: arm64 (deployed) and this machine's, in parallel."""
    root = tmp_path_factory.mktemp("sam-build")
    architectures = {build.DEPLOYED_ARCHITECTURE, build.host_architecture()}
    started = {arch: build.start(root / arch, arch) for arch in sorted(architectures)}
    for arch, process in started.items():
        build.finish(process)
        build.compile_bytecode(root / arch)
    return {arch: root / arch for arch in started}


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """moto's server on loopback with the template's table and the content bucket."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def function_env(logical_id: str, endpoint: str) -> dict[str, str]:
    """The function's environment as the template declares it, pointed at moto's server."""
    # No CDN and no origin secret here (as on the local stack); the link key by name.
    refs = {"Table": TABLE, "CdnDistribution": "", "OriginVerifySecret": ""}
    resolver = Resolver(region=REGION, refs=refs | {"EbookTokenSecret": "newsdesk/ebook-token-key"})
    declared = {
        name: resolver.string(value)
        for name, value in function_environment(logical_id).items()
        if resolver.resolve(value) is not None
    }
    return {
        **declared,
        "PATH": os.environ["PATH"],
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_LAMBDA_FUNCTION_NAME": logical_id,
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def invoke_built(
    build_dir: Path, logical_id: str, events: list[dict[str, Any]], endpoint: str
) -> dict[str, Any]:
    """Import the function from its built directory in a fresh, isolated interpreter."""
    function_dir = build_dir / logical_id
    handler = FUNCTIONS[logical_id]["Properties"]["Handler"]
    python = base_python_bin() / "python3.13"
    done = subprocess.run(
        [str(python), "-I", "-S", "-c", PROBE, str(function_dir), handler, json.dumps(events)],
        cwd=function_dir,
        env=function_env(logical_id, endpoint),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def json_body(response: dict[str, Any]) -> Any:
    """The JSON an API Gateway response carries (Mangum base64-encodes problem+json)."""
    body = response["body"]
    return json.loads(base64.b64decode(body) if response.get("isBase64Encoded") else body)


def elf_machine(path: Path) -> str:
    """The architecture an ELF shared object was compiled for."""
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    return ELF_MACHINES.get(int.from_bytes(header[18:20], "little"), "other")


def test_deployed_build_holds_only_arm64_binaries(builds: dict[str, Path]) -> None:
    for logical_id in FUNCTIONS:
        shared_objects = list((builds["arm64"] / logical_id).rglob("*.so"))
        assert shared_objects, f"{logical_id}: no compiled wheel at all (pydantic-core has one)"
        machines = {path.name: elf_machine(path) for path in shared_objects}
        assert set(machines.values()) == {"arm64"}, machines


def test_build_ships_bytecode_valid_without_source_timestamps(builds: dict[str, Path]) -> None:
    for logical_id in FUNCTIONS:
        pycache = builds["arm64"] / logical_id / "newsdesk" / "handlers" / "__pycache__"
        (compiled,) = pycache.glob("api.cpython-313*.pyc")
        flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
        assert flags == 0b01, "an unchecked-hash pyc (PEP 552): zip timestamps cannot stale it"


def test_build_ships_the_package_and_the_runtime_closure_only(builds: dict[str, Path]) -> None:
    requirements = (REPO_ROOT / "functions" / "requirements.txt").read_text("utf-8")
    pinned = [line.split("==")[0] for line in requirements.splitlines() if "==" in line]
    for build_dir in builds.values():
        for logical_id in FUNCTIONS:
            function_dir = build_dir / logical_id
            installed = {p.name.split("-")[0].lower() for p in function_dir.glob("*.dist-info")}
            assert (function_dir / "newsdesk" / "__init__.py").is_file()
            for name in pinned:
                assert name.replace("-", "_").lower() in installed, f"{logical_id}: {name}"
            assert not {name for name in installed if name.startswith(DEV_ONLY)}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_built_function_imports_from_its_directory_alone(
    builds: dict[str, Path], moto_endpoint: str, logical_id: str
) -> None:
    report = invoke_built(builds[build.host_architecture()], logical_id, [], moto_endpoint)
    assert report["callable"] is True
    assert report["outside"] == []


def test_built_api_answers_http_api_events(builds: dict[str, Path], moto_endpoint: str) -> None:
    dynamodb = boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    dynamodb.create_table(**create_table_request(TABLE))
    events = [
        request_event("GET", path, headers={"user-agent": "smoke-test"})
        for path in ("/openapi.json", "/articles", "/articles/findes-ikke")
    ]
    report = invoke_built(builds[build.host_architecture()], "ApiFunction", events, moto_endpoint)
    openapi, listing, missing = report["responses"]

    assert openapi["statusCode"] == 200
    assert "/articles/{slug}" in json_body(openapi)["paths"]
    assert listing["statusCode"] == 200
    assert json_body(listing) == {"items": [], "next_cursor": None}
    assert missing["statusCode"] == 404
    assert missing["headers"]["content-type"].startswith("application/problem+json")
    assert json_body(missing)["status"] == 404
    assert report["outside"] == []

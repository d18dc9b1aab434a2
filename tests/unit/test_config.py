"""Fail-fast settings: the template's environment validates; a missing or malformed variable
fails the init naming it; each handler's needs are declared for it in template.yaml."""

from __future__ import annotations

import importlib
import subprocess
import sys
from typing import Any

import pytest
from newsdesk.config import ConfigurationError, Settings

from infra.local.intrinsics import Resolver
from infra.template.reading import REPO_ROOT, function_environment, handler_path, resources

FUNCTIONS = [
    logical_id
    for logical_id, spec in resources("AWS::Serverless::Function").items()
    if spec["Properties"]["Handler"].startswith("newsdesk.handlers.")
]
GLOBALS = {"TABLE_NAME": "newsdesk-dev-table", "CONTENT_BUCKET": "newsdesk-dev-content"}


def declared_environment(logical_id: str) -> dict[str, str]:
    """The function's variables as the template declares them, parameters at their defaults."""
    refs = {"Table": GLOBALS["TABLE_NAME"], "CdnDistribution": "", "OriginVerifySecret": ""}
    resolver = Resolver(refs=refs | {"EbookTokenSecret": "arn:aws:secretsmanager:e"})
    return {
        name: resolver.string(value)
        for name, value in function_environment(logical_id).items()
        if resolver.resolve(value) is not None
    }


def handler_module(logical_id: str) -> Any:
    return importlib.import_module(handler_path(logical_id).rpartition(".")[0])


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_template_declares_what_each_handler_requires(logical_id: str) -> None:
    environment = declared_environment(logical_id)
    needed = handler_module(logical_id).ENVIRONMENT
    assert set(needed) <= set(environment), f"{logical_id} lacks {set(needed) - set(environment)}"
    Settings.from_env(environment).require(*needed)


def test_every_setting_is_a_variable_some_function_declares() -> None:
    declared = {name for f in FUNCTIONS for name in declared_environment(f)}
    local_only = {"OUTBOX_DIR"}
    aliases = {field.alias for field in Settings.model_fields.values()}
    assert aliases - local_only <= declared


@pytest.mark.parametrize("missing", ["TABLE_NAME", "CONTENT_BUCKET"])
def test_a_missing_global_is_named(missing: str) -> None:
    env = {k: v for k, v in GLOBALS.items() if k != missing}
    with pytest.raises(ConfigurationError, match=missing):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WORDS_PER_MINUTE", "mange"),
        ("WORDS_PER_MINUTE", "0"),
        ("TABLE_NAME", "   "),
        ("PUBLIC_API_URL", "api.example.dk"),
        ("API_BASE_PATH", "nyheder"),
    ],
)
def test_a_malformed_variable_is_named(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        Settings.from_env(GLOBALS | {variable: value})


def test_a_function_specific_variable_must_be_declared() -> None:
    settings = Settings.from_env(GLOBALS)
    with pytest.raises(ConfigurationError, match="WORDS_PER_MINUTE"):
        settings.require("WORDS_PER_MINUTE")
    with pytest.raises(ConfigurationError, match="SES_SENDER"):
        Settings.from_env(GLOBALS | {"SES_SENDER": ""}).require("SES_SENDER")
    assert Settings.from_env(GLOBALS | {"WORDS_PER_MINUTE": "250"}).require("WORDS_PER_MINUTE")


def test_values_are_parsed_as_the_template_writes_them() -> None:
    settings = Settings.from_env(
        GLOBALS
        | {
            "PUBLIC_API_URL": "https://api.example.dk/",
            "OUTBOX_DIR": "",
        }
    )
    assert settings.public_api_url == "https://api.example.dk"
    assert settings.outbox_dir is None
    assert settings.api_base_path == "/"


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_lambda_init_fails_without_the_functions_variables(logical_id: str) -> None:
    """Importing the handler in a Lambda-like process with only the Globals fails the init."""
    module = handler_path(logical_id).rpartition(".")[0]
    needed = handler_module(logical_id).ENVIRONMENT
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO_ROOT / "functions"),
        "AWS_LAMBDA_FUNCTION_NAME": logical_id,
        "AWS_REGION": "eu-north-1",
    }

    def init(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", f"import {module}"],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )

    bare = init(env)
    assert bare.returncode != 0
    assert "ConfigurationError" in bare.stderr and "TABLE_NAME" in bare.stderr
    declared = init(env | declared_environment(logical_id))
    assert declared.returncode == 0, declared.stderr
    if needed:
        short = init(env | GLOBALS)
        assert short.returncode != 0
        assert needed[0] in short.stderr

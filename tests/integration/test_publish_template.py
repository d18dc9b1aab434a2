"""The publish wiring in template.yaml: triggers, retries, dead letters, least privilege."""

from __future__ import annotations

import importlib
from typing import Any

from infra.template.reading import Intrinsic, function_environment, handler_path, load_template

PUBLISH = "PublishFunction"


def publish_properties() -> dict[str, Any]:
    properties: dict[str, Any] = load_template()["Resources"][PUBLISH]["Properties"]
    return properties


def statements() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for policy in publish_properties()["Policies"]:
        assert isinstance(policy, dict) and set(policy) == {"Statement"}, policy
        found.extend(policy["Statement"])
    return found


def test_handler_named_in_the_template_exists() -> None:
    module, _, name = handler_path(PUBLISH).rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))


def test_created_and_removed_events_for_articles_and_ebooks() -> None:
    wanted = {
        (kind, prefix)
        for kind in ("s3:ObjectCreated:*", "s3:ObjectRemoved:*")
        for prefix in ("articles/", "ebooks/")
    }
    found = set()
    for event in publish_properties()["Events"].values():
        assert event["Type"] == "S3"
        props = event["Properties"]
        assert props["Bucket"] == Intrinsic("Ref", "ContentBucket")
        [rule] = props["Filter"]["S3Key"]["Rules"]
        assert rule["Name"] == "prefix"
        found.add((props["Events"], rule["Value"]))
    assert found == wanted


def test_reports_are_written_outside_the_trigger_prefixes() -> None:
    """The function writes reports/…: were that a trigger prefix, it would trigger itself."""
    writes = [s for s in statements() if "s3:PutObject" in s["Action"]]
    [write] = writes
    assert all(str(r.value).endswith("/reports/*") for r in write["Resource"])
    triggers = {
        e["Properties"]["Filter"]["S3Key"]["Rules"][0]["Value"]
        for e in publish_properties()["Events"].values()
    }
    assert "reports/" not in triggers


def test_least_privilege() -> None:
    actions = {
        a
        for s in statements()
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not [a for a in actions if "*" in a]
    assert {a for a in actions if a.startswith("dynamodb:")} == {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
    }
    reads = next(s for s in statements() if "s3:GetObjectVersion" in s["Action"])
    assert sorted(str(r.value).rsplit("/", 2)[1] for r in reads["Resource"]) == [
        "articles",
        "ebooks",
    ]
    assert all(str(r.value).endswith("/*") for r in reads["Resource"])


def test_async_retries_are_bounded_and_failures_dead_lettered() -> None:
    config = publish_properties()["EventInvokeConfig"]
    assert 0 <= config["MaximumRetryAttempts"] <= 2
    destination = config["DestinationConfig"]["OnFailure"]
    assert destination["Type"] == "SQS"
    queue = destination["Destination"]
    assert queue.name == "GetAtt"
    assert load_template()["Resources"][queue.value.split(".")[0]]["Type"] == "AWS::SQS::Queue"


def test_words_per_minute_is_a_parameter() -> None:
    assert function_environment(PUBLISH)["WORDS_PER_MINUTE"] == Intrinsic("Ref", "WordsPerMinute")


def test_content_bucket_is_private_versioned_encrypted_and_tls_only() -> None:
    resources = load_template()["Resources"]
    bucket = resources["ContentBucket"]["Properties"]
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    policies = [r for r in resources.values() if r["Type"] == "AWS::S3::BucketPolicy"]
    denies = [
        s
        for p in policies
        if p["Properties"]["Bucket"] == Intrinsic("Ref", "ContentBucket")
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
    ]
    assert any(
        s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false" for s in denies
    )

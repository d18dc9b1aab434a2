"""The template gates inside `make test`: cfn-lint, `sam validate --lint` and checkov, offline.

The tools live in their own venvs under .tools/ (`make tools`, a prerequisite of `make test`).
"""

from __future__ import annotations

from typing import Any

import pytest

from infra.deploy import gates


@pytest.mark.slow
@pytest.mark.parametrize("gate", sorted(gates.GATES))
def test_gate_passes(gate: str) -> None:
    outcome = gates.GATES[gate]()
    assert not outcome.problems, f"{outcome.name}:\n{outcome.output}\n" + "\n".join(
        outcome.problems
    )


def _report(**results: list[dict[str, Any]]) -> dict[str, Any]:
    failed = results.get("failed_checks", [])
    skipped = results.get("skipped_checks", [])
    return {
        "summary": {"passed": 3, "failed": len(failed), "skipped": len(skipped)},
        "results": results,
    }


def _check(check_id: str, comment: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"result": "SKIPPED" if comment is not None else "FAILED"}
    if comment is not None:
        result["suppress_comment"] = comment
    return {
        "check_id": check_id,
        "check_name": "a check",
        "resource": "AWS::S3::Bucket.ContentBucket",
        "check_result": result,
    }


def test_checkov_report_with_reasoned_skips_passes() -> None:
    report = _report(skipped_checks=[_check("CKV_AWS_18", "a second bucket for nothing")])
    assert gates.checkov_problems(report) == []


def test_checkov_failure_skip_without_reason_and_parse_error_all_fail() -> None:
    report = _report(
        failed_checks=[_check("CKV_AWS_21")], skipped_checks=[_check("CKV_AWS_18", " ")]
    )
    report["summary"]["parsing_errors"] = 1
    problems = gates.checkov_problems(report)
    assert any("CKV_AWS_21 failed" in problem for problem in problems)
    assert any("CKV_AWS_18 skipped" in problem and "reason" in problem for problem in problems)
    assert any("could not parse" in problem for problem in problems)


def test_checkov_report_that_checked_nothing_fails() -> None:
    report = _report()
    report["summary"]["passed"] = 0
    assert gates.checkov_problems(report) == [
        "checkov passed no check at all: it did not read the resources"
    ]

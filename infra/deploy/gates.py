"""The template gates: cfn-lint, `sam validate --lint` and checkov, all offline.

`make gates` prints them; `tests/test_gates.py` runs the same commands inside `make test`.
A gate passes only on a clean exit *and* a clean report: checkov exits 0 on a template it
could not parse, so its JSON report is read as well.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from infra.deploy.tools import REGION, REPO_ROOT, TEMPLATE, tool, tool_env


@dataclass(frozen=True)
class GateResult:
    """What one gate printed and what it found wrong (nothing, when it passed)."""

    name: str
    output: str
    problems: list[str]


def cfn_lint() -> GateResult:
    """cfn-lint with its default rules: any error or warning fails."""
    done = _run([str(tool("cfn-lint")), str(TEMPLATE)])
    problems = [] if done.returncode == 0 else [f"cfn-lint exited {done.returncode}"]
    return GateResult("cfn-lint", done.stdout, problems)


def sam_validate() -> GateResult:
    """SAM's own transform and lint of the template, as `sam deploy` would see it."""
    argv = [str(tool("sam")), "validate", "--lint", "--region", REGION]
    done = _run([*argv, "--template-file", str(TEMPLATE)])
    problems = [] if done.returncode == 0 else [f"sam validate exited {done.returncode}"]
    return GateResult("sam validate --lint", done.stdout, problems)


def checkov() -> GateResult:
    """checkov's CloudFormation checks: no failure, no parse error, every skip with a reason."""
    done = _run(
        [
            str(tool("checkov")),
            "--file",
            str(TEMPLATE),
            "--framework",
            "cloudformation",
            "--skip-download",
            "--output",
            "json",
        ]
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return GateResult("checkov", done.stdout, ["checkov printed no JSON report"])
    return GateResult("checkov", _checkov_summary(report), checkov_problems(report))


def checkov_problems(report: dict[str, Any]) -> list[str]:
    """Everything in a checkov JSON report that must stop a deploy."""
    summary = report.get("summary", {})
    results = report.get("results", {})
    problems = [
        f"{check['check_id']} failed for {check['resource']}: {check['check_name']}"
        for check in results.get("failed_checks", [])
    ]
    problems += [
        f"{check['check_id']} skipped for {check['resource']} without a reason"
        for check in results.get("skipped_checks", [])
        if not (check.get("check_result", {}).get("suppress_comment") or "").strip()
    ]
    if summary.get("parsing_errors", 0):
        problems.append(f"checkov could not parse the template: {report.get('parsing_errors')}")
    if not summary.get("passed", 0):
        problems.append("checkov passed no check at all: it did not read the resources")
    return problems


def _checkov_summary(report: dict[str, Any]) -> str:
    """One line per failed or skipped check, then the totals (the raw JSON is unreadable)."""
    results = report.get("results", {})
    lines = [
        f"FAILED  {check['check_id']:12} {check['resource']}"
        for check in results.get("failed_checks", [])
    ]
    lines += [
        f"skipped {check['check_id']:12} {check['resource']}"
        f"  — {check['check_result'].get('suppress_comment')}"
        for check in results.get("skipped_checks", [])
    ]
    totals = {key: report.get("summary", {}).get(key, 0) for key in _TOTALS}
    lines.append(", ".join(f"{key.replace('_', ' ')} {value}" for key, value in totals.items()))
    return "\n".join(lines)


_TOTALS = ("passed", "failed", "skipped", "parsing_errors")


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=REPO_ROOT,
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        stdin=subprocess.DEVNULL,
    )


GATES = {"cfn-lint": cfn_lint, "sam-validate": sam_validate, "checkov": checkov}


def main() -> int:
    """Run every gate, print what each found, and fail if any found something."""
    failed = False
    for gate in GATES.values():
        outcome = gate()
        verdict = "ok" if not outcome.problems else "FAILED"
        print(f"== {outcome.name}: {verdict}\n{outcome.output.strip()}")
        for problem in outcome.problems:
            print(f"   ✗ {problem}")
        failed = failed or bool(outcome.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

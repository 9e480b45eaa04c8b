"""Every verdict counts: a journey rule or an x-inferred part the target contradicts fails the run, on every
profile, as one violation named after the rule or inferred id, in the one failure count of every report; a
rule not exercised is a note unless --require-rules. Each run is the probe plus one positive example per
operation (`--mode positive --max-examples 1`): a fraction of a second."""

from __future__ import annotations

from pathlib import Path

import pytest

from juspay_kit.contract.settings import resolve
from juspay_kit.errors import UsageError
from tests.broken_servers import COUNTERS_ABOVE_THE_PROBE, VERDICT_FAULTS, serve
from tests.contract_check import CREDENTIALS, contract_check, summary

CHEAP = ("--mode", "positive", "--max-examples", "1", "--seed", "3")
SANDBOX = ("--profile", "sandbox", "--rate-limit", "0", "--budget", "0")
# fault -> (the /__mock__/ controls served: mock profile, else standin; extra arguments). Between them the
# faults cover the three profiles; the one Setup 200 needs a bound card primed through the controls.
PROFILES: dict[str, tuple[bool, tuple[str, ...]]] = {
    "trigger-beyond-limit": (False, ()),
    "session-never-locks": (True, ()),
    "fetch-without-instruction": (True, SANDBOX),
    "setup-on-unbound-token": (False, ()),
    "setup-without-instruction-id": (True, ()),
}


@pytest.mark.parametrize("fault", sorted(VERDICT_FAULTS))
def test_a_contradicted_rule_or_inference_fails_the_run_by_name(fault: str, tmp_path: Path) -> None:
    middleware, name, operations = VERDICT_FAULTS[fault]
    controls, extra = PROFILES[fault]
    chosen = [arg for operation in operations for arg in ("--operation", operation)]
    with serve(middleware, controls=controls) as url:
        result = contract_check("--base-url", url, *CHEAP, *extra, *chosen, "--report-dir", str(tmp_path),
                                env=CREDENTIALS)  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    data = summary(tmp_path)
    check = "inferred_part" if fault == "setup-without-instruction-id" else "journey_rule"
    found = data["violations"]
    # one fault, one violation: a contradicted rule is not counted again as its contradicted inferred id
    assert [(v["check"], v["title"]) for v in data["violations"]] == [(check, name)], data["violations"]
    assert data["outcome"] == "violations" and data["failures"] == 1
    junit = (tmp_path / "junit.xml").read_text()
    assert f'name="{check}: {name}"><failure' in junit
    assert f'failures="{data["failures"]}"' in junit and junit.count("<failure ") == data["failures"]
    markdown = (tmp_path / "summary.md").read_text()
    assert markdown.startswith("## ❌") and f"**{data['failures']} violation(s)**" in markdown
    inferred = found[0]["inferred"]
    assert f"| `{inferred}` | ❌ contradicted |" in markdown  # the inferred table, for a rule's inferred id too
    if check == "journey_rule":
        assert any(line.startswith(f"| `{name}`: ") and "| ❌ contradicted |" in line for line in markdown.splitlines())
    assert f"{data['failures']} violation(s)" in result.stdout and f"{check}: {name}" in result.stdout
    if extra == SANDBOX:  # against the sandbox it is the spec that must learn
        assert inferred == "fetch-status-400"
        assert found[0]["message"].startswith(f"the spec's inference `{inferred}` is contradicted by the target")
        assert f"rule `{name}`" in found[0]["message"]
    if check == "journey_rule":
        assert found[0]["reproduce"].startswith(f"juspay-contract --base-url {url}")
    else:
        assert found[0]["reproduce"].startswith("curl ") and found[0]["occurrences"] >= 1


def test_require_rules_fails_a_stand_in_that_does_not_let_a_rule_be_exercised(tmp_path: Path) -> None:
    args = ("--operation", "triggerOtp", *CHEAP)
    with serve(COUNTERS_ABOVE_THE_PROBE, controls=False) as url:
        noted = contract_check("--base-url", url, *args, "--report-dir", str(tmp_path / "n"), env=CREDENTIALS)
        required = contract_check("--base-url", url, *args, "--require-rules", "--report-dir", str(tmp_path / "r"),
                                  env=CREDENTIALS)  # fmt: skip
    assert noted.returncode == 0, noted.stdout + noted.stderr
    assert summary(tmp_path / "n")["rules"]["trigger-request-limit"]["verdict"] == "not_exercised"
    assert required.returncode == 1, required.stdout + required.stderr
    data = summary(tmp_path / "r")
    # only the rule of the chosen operation is required; the other three were left out by --operation
    assert [(v["check"], v["title"]) for v in data["violations"]] == [("journey_rule", "trigger-request-limit")]
    assert "above the probe's 5" in data["violations"][0]["message"]
    assert 'name="journey_rule: trigger-request-limit"><failure' in (tmp_path / "r" / "junit.xml").read_text()
    assert "| ❌ not_exercised |" in (tmp_path / "r" / "summary.md").read_text()


def test_require_rules_comes_from_the_command_line_then_the_environment() -> None:
    def required(flag: bool | None, env: dict[str, str]) -> bool:
        settings = resolve(base_url=None, mode="all", max_examples=None, seed=1, report_dir=Path("r"),
                           profile=None, rate_limit=None, budget=None, request_timeout=10, environ=env,
                           require_rules=flag)  # fmt: skip
        return settings.require_rules

    assert not required(None, {}) and required(None, {"JUSPAY_REQUIRE_RULES": "1"})
    assert required(True, {"JUSPAY_REQUIRE_RULES": "0"}) and not required(False, {"JUSPAY_REQUIRE_RULES": "yes"})
    with pytest.raises(UsageError, match="JUSPAY_REQUIRE_RULES"):
        required(None, {"JUSPAY_REQUIRE_RULES": "maybe"})

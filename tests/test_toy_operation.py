"""One spec edit adds an operation: regenerate, the client's method, the mock's answer, a contract run, the proxy
and replay, with no Python edit (issue 25). The operation is Trigger OTP copied under a new path and id."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from juspay_kit import api, regenerate, spec
from juspay_kit.mock.rules import RULES
from tests.toy_operation import TOY_ID, TOY_PATH, toy_spec


def test_an_operation_added_to_the_spec_takes_the_whole_path_with_no_python_edit(tmp_path: Path) -> None:
    document = toy_spec(tmp_path / "openapi.yaml")
    client = tmp_path / "client"
    regenerate.generate(client, document)
    generated = (client / "juspay_visa_agentic_client" / "juspay_client.py").read_text(encoding="utf-8")
    assert generated.count("def trigger_otp_again(") == 2  # JuspayClient and AsyncJuspayClient
    assert TOY_ID not in RULES  # the mock has no rule for it: it answers by the spec

    env = {k: v for k, v in os.environ.items() if not k.startswith("JUSPAY_")}
    env |= {"JUSPAY_KIT_SPEC": str(document), "PYTHONPATH": os.pathsep.join([str(client), str(spec.ROOT)])}
    ran = subprocess.run(
        [sys.executable, "-m", "tests.toy_operation", str(tmp_path)],
        cwd=spec.ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    seen = json.loads(ran.stdout.strip().splitlines()[-1])

    assert seen["client_module"].startswith(str(client))  # the client generated from the changed spec
    keywords = seen["trigger_signature"].split(" -> ")[0]  # Trigger OTP's, from the same request schema
    assert seen["signatures"] == [f"{keywords} -> 'TriggerOtpResponse'"] * 2  # its 200 model (no `returns` entry)
    assert seen["answer"] == api.example(spec.load(), "triggerOtp")  # the spec's success example
    assert (seen["fault_status"], seen["fault_played"]) == (201, 500)
    assert seen["journal"] == [[TOY_ID, 200], [TOY_ID, 500]]
    contract = seen["contract"]
    assert seen["contract_exit"] == 0 and contract["outcome"] == "passed" and not contract["violations"], contract
    assert contract["statuses"].get(f"{TOY_ID} 200", 0) > 0 and not contract["errors"]
    assert {key.split()[0] for key in contract["statuses"]} == {TOY_ID}
    assert seen["proxy_violations"] == {} and seen["recorded"] == [TOY_ID]  # the proxy knew it and checked it
    assert seen["replay"] == ["same", 1]
    assert TOY_PATH not in spec.load()["paths"]  # the vendored spec is untouched

"""A spec with one operation more, and the whole path it takes with no Python edit (tests/test_toy_operation.py).

`toy_spec` writes the vendored spec plus `triggerOtpAgain` (POST /initiateVerificationAgain), a copy of Trigger OTP
under a new path and id, as a spec change would add it. `main` runs in a process whose kit reads that spec
(JUSPAY_KIT_SPEC) and whose client is the one generated from it (first on PYTHONPATH): the client's method, the
mock's answer, a fault and the journal, a contract run, the proxy and a replay of its cassette. It prints what it
saw as one JSON line.
"""

from __future__ import annotations

import copy
import inspect
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from juspay_kit import spec

TOY_ID, TOY_PATH = "triggerOtpAgain", "/initiateVerificationAgain"
KEY, MERCHANT = "toy_key_0000", "toy_merchant"


def toy_spec(path: Path) -> Path:
    """The vendored spec with Trigger OTP copied to TOY_PATH as TOY_ID; returns `path`."""
    document = spec.load()
    operation = copy.deepcopy(document["paths"]["/initiateVerification"]["post"])
    operation.update(operationId=TOY_ID, summary="Trigger OTP again")
    document["paths"][TOY_PATH] = {"post": operation}
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def main(work: Path) -> dict[str, Any]:
    import httpx
    import juspay_visa_agentic_client
    from juspay_visa_agentic_client import AsyncJuspayClient, JuspayClient, exceptions

    from juspay_kit.cli import run
    from juspay_kit.commands.contract import main as contract
    from juspay_kit.mock.app import MockApp, MockSettings
    from juspay_kit.proxy import cassette, replay
    from juspay_kit.proxy.app import ProxyApp
    from juspay_kit.redact import Redactor
    from tests.broken_servers import serve_app

    seen: dict[str, Any] = {"client_module": juspay_visa_agentic_client.__file__}
    toy_client: Any = JuspayClient  # generated from the toy spec: the installed client's types lack the method
    toy_async: Any = AsyncJuspayClient
    seen["signatures"] = [str(inspect.signature(kind.trigger_otp_again)) for kind in (toy_client, toy_async)]
    seen["trigger_signature"] = str(inspect.signature(JuspayClient.trigger_otp))
    ids = {"token_reference": "tok-1", "v_provisioned_token_id": "tok-1", "step_up_request_id": "cw=="}
    app = MockApp(MockSettings(api_key=KEY, merchant_id=MERCHANT, seed=3))
    with serve_app(app) as mock, httpx.Client(base_url=mock, timeout=5) as controls:
        with toy_client(KEY, MERCHANT, base_url=mock) as client:
            answer = client.trigger_otp_again(client_reference_id="s-1", **ids)
            seen["answer"] = answer.to_dict()
            fault = {"operation": TOY_ID, "status": 500, "times": 1}
            seen["fault_status"] = controls.post("/__mock__/faults", json=fault).status_code
            try:
                client.trigger_otp_again(client_reference_id="s-2", **ids)
            except exceptions.ServerError as exc:
                seen["fault_played"] = exc.status_code
        journal = controls.get("/__mock__/requests").json()["requests"]
        seen["journal"] = [(call["operation"], call["status"]) for call in journal]

        args = ["--base-url", mock, "--operation", TOY_ID, "--max-examples", "1", "--seed", "1",
                "--report-dir", str(work / "reports")]  # fmt: skip
        os.environ.update(JUSPAY_API_KEY=KEY, JUSPAY_MERCHANT_ID=MERCHANT)
        try:
            run(contract, args)
        except SystemExit as exited:
            seen["contract_exit"] = exited.code
        summary = json.loads((work / "reports" / "summary.json").read_text(encoding="utf-8"))
        seen["contract"] = {key: summary[key] for key in ("outcome", "cases", "violations", "errors", "statuses")}

        record, redactor = work / "toy.jsonl", Redactor()
        recorder = cassette.CassetteWriter(record, {"upstream": mock}, redactor)
        proxy = ProxyApp(mock, recorder=recorder, redactor=redactor, out=sys.stderr, timeout=5)
        try:
            with serve_app(proxy, lifespan="on") as url, toy_client(KEY, MERCHANT, base_url=url) as client:
                client.trigger_otp_again(client_reference_id="s-3", **ids)
        finally:
            recorder.close()
        seen["proxy_violations"] = dict(proxy.violations)
        seen["recorded"] = [exchange["operation"] for exchange in cassette.read(record)[1]]
        replayed = replay.replay(record, mock, KEY, MERCHANT).as_dict()
        seen["replay"] = (replayed["outcome"], replayed["compared"])
    return seen


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1])), default=str))

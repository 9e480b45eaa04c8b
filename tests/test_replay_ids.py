"""Replay follows the identifiers a server invents (issue 23): a whole journey recorded through the proxy on one
seed replays clean on another, the reports list each mapping (secrets masked), and a stand-in that behaves
otherwise still differs."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import httpx

from juspay_kit import api, spec
from juspay_kit.commands import replay as replay_command
from juspay_kit.mock import drive
from juspay_kit.mock.app import DEFAULT_API_KEY, DEFAULT_MERCHANT_ID
from juspay_kit.proxy import cassette, ids
from juspay_kit.proxy.app import ProxyApp
from juspay_kit.redact import MASK, Redactor
from tests import broken_servers
from tests.broken_servers import serve, serve_app
from tests.commands import run_command

CREDENTIALS = (DEFAULT_API_KEY, DEFAULT_MERCHANT_ID)
FETCH = "/cards/fetchAgenticTransactCreds"


def record_journey(path: Path, seed: int) -> str:
    """Provision, Trigger OTP, Validate OTP, a Fetch before Setup (refused), Setup, Fetch carrying the
    instructionId in its query: through the proxy, from a mock on `seed`. The recorded Provision's token id."""
    auth = "Basic " + base64.b64encode(f"{DEFAULT_API_KEY}:".encode()).decode()
    sent = {"Authorization": auth, "x-merchantid": DEFAULT_MERCHANT_ID}
    redactor = Redactor()
    with serve(broken_servers.conformant, seed=seed, credentials=CREDENTIALS) as upstream:
        recorder = cassette.CassetteWriter(path, {"upstream": upstream}, redactor)
        app = ProxyApp(upstream, recorder=recorder, redactor=redactor, out=io.StringIO(), timeout=5)
        with serve_app(app, lifespan="on") as url, httpx.Client(base_url=url, headers=sent, trust_env=False) as http:
            card = drive.provision(http, "cust-ids")  # no clientReferenceId: the server invents one too
            ids_of = {name: card[name] for name in drive.IDS}
            http.post("/initiateVerification", json={**ids_of, "stepUpRequestId": card["stepUpRequestId"]})
            with httpx.Client(base_url=upstream, trust_env=False) as box:
                inbox = {name: ids_of[name] for name in ("tokenReference", "clientReferenceId")}
                otp = box.get("/__mock__/inbox", params=inbox).json()["otpValue"]
            http.post("/validateOtp", json={**ids_of, "otpValue": otp, "networkType": "VISA"})
            fetch = {"networkType": "VISA", **{k: ids_of[k] for k in ("vProvisionedTokenId", "clientReferenceId")},
                     "nwTransactionId": "nw-1", "transactionDetails": [drive.transaction(10.0)]}  # fmt: skip
            refused = http.post(FETCH, json=fetch)
            assert api.shared().refusal_code(refused.json()) == "INSTRUCTION_NOT_FOUND"
            body = drive.setup_body(card["vProvisionedTokenId"], card["clientReferenceId"], "cust-ids")
            instruction = http.post("/cards/setUpAgenticPaymentInstruction", json=body).json()["instructionId"]
            assert http.post(FETCH, params={"instructionId": instruction}, json=fetch).status_code == 200
        recorder.close()
    return card["vProvisionedTokenId"]


def _fetch_before_setup_accepted(path: str, status: int, body: Any) -> tuple[int, Any]:
    if path == FETCH and api.shared().refusal_code(body) == "INSTRUCTION_NOT_FOUND":
        return 200, api.example(spec.load(), "fetchPaymentCredentials")
    return status, body


def test_a_whole_journey_replays_clean_on_another_seed_and_a_stand_in_that_differs_still_differs(
    tmp_path: Path,
) -> None:
    record = tmp_path / "journey.jsonl"
    token_id = record_journey(record, seed=11)
    recorded = [json.loads(line) for line in record.read_text().splitlines()[1:]]
    assert [e["response"]["status"] for e in recorded] == [200, 200, 200, 400, 200, 200]

    same = run_command(replay_command.main, [str(record), "--seed", "12", "--report-dir", str(tmp_path / "s")], env={})
    report = json.loads((tmp_path / "s" / "replay.json").read_text())
    assert same.returncode == 0, same.stdout + same.stderr
    assert (report["outcome"], report["compared"], report["differing"]) == ("same", 6, 0)
    mapped = {m["field"]: m for m in report["mappings"]}
    assert set(mapped) == {"tokenReference", "vProvisionedTokenId", "clientReferenceId", "stepUpRequestId",
                           "instructionId"}  # fmt: skip
    assert mapped["vProvisionedTokenId"]["recorded"] == token_id != mapped["vProvisionedTokenId"]["replayed"]
    assert (mapped["vProvisionedTokenId"]["seq"], mapped["instructionId"]["seq"]) == (1, 5)
    assert f"vProvisionedTokenId {token_id} -> " in same.stdout and "5 identifiers" in same.stdout
    assert f"`{token_id}`" in (tmp_path / "s" / "replay.md").read_text()

    stand_in = broken_servers.rewrite(_fetch_before_setup_accepted)
    with serve(stand_in, seed=13, credentials=CREDENTIALS) as url:
        other = run_command(replay_command.main, [str(record), "--against", url, "--report-dir", str(tmp_path)], env={})
    differs = json.loads((tmp_path / "replay.json").read_text())
    assert other.returncode == 1 and differs["differing"] == 1, other.stdout
    fetch_before_setup = differs["results"][3]
    assert fetch_before_setup["seq"] == 4 and fetch_before_setup["differences"][:2] == [
        "status 400 -> 200", "refusal code INSTRUCTION_NOT_FOUND -> None"
    ]  # fmt: skip


def test_masked_values_are_never_mapped_secret_fields_are_shown_masked_and_the_table_is_bounded() -> None:
    def exchange(answer: dict[str, Any], carried: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"request": {"path": "/a", "body": {}}, "response": {"body": answer}},
                {"request": {"path": "/b", "body": carried}, "response": None}]  # fmt: skip

    masked = ids.IdMap(exchange({"id": "[masked]", "x": "a[masked-otp]b"}, {"id": "[masked]", "x": "a[masked-otp]b"}))
    assert masked.candidates == {}
    secret = ids.IdMap(exchange({"tokenNumber": "4111"}, {"t": "4111"}))
    assert secret.learn(0, {"seq": 1}, {"tokenNumber": "4222"})[0].as_dict()["replayed"] == MASK
    many = {f"k{i}": f"id-{i}" for i in range(ids.MAX_MAPPINGS + 5)}
    first, rest = dict(list(many.items())[: ids.MAX_MAPPINGS]), dict(list(many.items())[ids.MAX_MAPPINGS :])
    table = ids.IdMap([*exchange(first, {})[:1], *exchange(rest, {"all": list(many.values())})])
    for index, answer in enumerate((first, rest)):
        table.learn(index, {"seq": index + 1}, {k: v + "-new" for k, v in answer.items()})
    assert len(table.table) == ids.MAX_MAPPINGS and table.not_kept == 5
    sent = table.request({"path": "/x/id-1", "query": "q=id-2", "headers": {"x-ref": "id-3", "authorization": "id-4"},
                          "body": {"deep": [{"v": "id-5"}]}})  # fmt: skip
    assert (sent["path"], sent["query"], sent["headers"], sent["body"]) == (
        "/x/id-1-new", "q=id-2-new", {"x-ref": "id-3-new", "authorization": "id-4"}, {"deep": [{"v": "id-5-new"}]}
    )  # fmt: skip


def test_seed_with_a_target_of_ones_own_is_a_one_line_usage_error(tmp_path: Path) -> None:
    ran = run_command(replay_command.main, ["c.jsonl", "--against", "http://127.0.0.1:9", "--seed", "1"], env={})
    assert ran.returncode == 2 and ran.stderr.count("\n") == 1 and "--seed" in ran.stderr
    assert "Traceback" not in ran.stderr

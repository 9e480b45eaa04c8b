"""The OTP inbox page in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`, which
`make test` installs when missing) driven by Selenium. It shows a session and its code within 2 s without a
reload, filters the journal by operation, opens one exchange in detail (the OTP masked), polls with 304s while
nothing changes, shows an injected fault, empties on reset, never runs script a caller sent, and logs no console
error. A page of another origin cannot inject a fault (no-cors fetch, form post), and a DNS-rebinding name gets
no page and no code."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from juspay_visa_agentic_client.exceptions import InvalidOtp
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from juspay_kit.pytest_plugin import JuspayMock

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None, reason="chromium and chromium-driver are not installed: run `make browser`"
)
HOSTILE = '<img src=x onerror="window.pwned=1">'
REBIND = "rebind.test"
# A page of another local origin that tries what a visited web page can: a no-cors fetch and a top-level form
# post, both text/plain (no CORS preflight), each injecting a fault for every operation.
ATTACK = """<!doctype html><title>attack</title><body>
<form id="post" method="POST" action="{mock}/__mock__/faults" enctype="text/plain">
<input name='{{"operation": "*", "status": 503, "times": 1000, "pad": "' value='"}}'></form>
<script>
fetch("{mock}/__mock__/faults", {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
  body: JSON.stringify({{operation: "*", status: 503, times: 1000}})}})
  .catch(() => null).finally(() => document.getElementById("post").submit());
</script></body>"""


@contextmanager
def attack_page(mock_url: str) -> Iterator[str]:
    """The ATTACK page served from another loopback origin (its own port)."""
    page = ATTACK.format(mock=mock_url).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--no-proxy-server",
                     f"--host-resolver-rules=MAP {REBIND} 127.0.0.1"):  # a DNS-rebinding name, on loopback  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # keep the console for the test to read
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_the_page_follows_sessions_faults_and_reset_live(browser: WebDriver, juspay_mock: JuspayMock) -> None:
    driver = browser
    driver.get(f"{juspay_mock.base_url}/__mock__/ui")
    wait = WebDriverWait(driver, 2)
    wait.until(lambda d: "No session yet." in d.find_element(By.ID, "sessions").text)
    with juspay_mock.client() as client:
        client.trigger_otp(token_reference=HOSTILE, v_provisioned_token_id="v", client_reference_id="browser",
                           step_up_request_id="s")  # fmt: skip
    code = juspay_mock.inbox(HOSTILE, "browser")
    wait.until(lambda d: code in d.find_element(By.ID, "sessions").text)  # within 2 s, no reload
    sessions = driver.find_element(By.ID, "sessions").text
    assert HOSTILE in sessions and "PENDING" in sessions  # shown as text
    assert driver.execute_script("return window.pwned === undefined")
    assert not driver.find_elements(By.CSS_SELECTOR, "#sessions img")
    assert juspay_mock.api_key not in driver.page_source
    wrong = "000000" if code != "000000" else "111111"
    with juspay_mock.client() as client, pytest.raises(InvalidOtp):
        client.validate_otp(token_reference=HOSTILE, otp_value=wrong, client_reference_id="browser",
                            v_provisioned_token_id="v")  # fmt: skip

    card = juspay_mock.provisioned_card(HOSTILE, bind=True)
    wait.until(lambda d: card.v_provisioned_token_id in d.find_element(By.ID, "cards").text)
    cards = driver.find_element(By.ID, "cards").text
    assert HOSTILE in cards and "bound" in cards and not driver.find_elements(By.CSS_SELECTOR, "#cards img")

    Select(driver.find_element(By.ID, "filter-operation")).select_by_value("validateOtp")  # the fixture's and ours
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#requests button.details")) == 2)
    assert "triggerOtp" not in driver.find_element(By.ID, "requests").text
    refused = next(
        row for row in driver.find_elements(By.CSS_SELECTOR, "#requests tbody tr") if "INVALID_OTP" in row.text
    )
    refused.find_element(By.CSS_SELECTOR, "button.details").click()
    wait.until(lambda d: "onerror" in d.find_element(By.ID, "detail-request").text)
    summary, detail = driver.find_element(By.ID, "detail-summary").text, driver.find_element(By.ID, "detail").text
    assert "validateOtp" in detail and "400" in summary and "INVALID_OTP" in summary  # the request, answer, code
    assert "INVALID_OTP" in driver.find_element(By.ID, "detail-answer").text
    assert '"otpValue"' in detail and wrong not in detail and code not in detail  # masked by the journal
    assert not driver.find_elements(By.CSS_SELECTOR, "#detail img")
    wait.until(lambda d: d.execute_script("return Number(document.body.dataset.unchanged || 0)") >= 1)  # 304s

    juspay_mock.inject_fault("validateOtp", status=503, times=2)
    wait.until(lambda d: "validateOtp" in d.find_element(By.ID, "faults").text)
    assert "503" in driver.find_element(By.ID, "faults").text

    driver.find_element(By.ID, "reset").click()
    wait.until(lambda d: "No session yet." in d.find_element(By.ID, "sessions").text)
    wait.until(lambda d: "No pending fault." in d.find_element(By.ID, "faults").text)
    wait.until(lambda d: "No card provisioned yet." in d.find_element(By.ID, "cards").text)
    console = driver.execute("getLog", {"type": "browser"})["value"]  # what Chrome's get_log("browser") reads
    severe = [entry["message"] for entry in console if entry["level"] == "SEVERE"]
    assert not severe, severe  # no console error: not the favicon, not a refused fetch


def test_another_origin_cannot_drive_the_mock_and_a_rebinding_host_reads_no_code(
    browser: WebDriver, juspay_mock: JuspayMock
) -> None:
    driver = browser
    with attack_page(juspay_mock.base_url) as attacker:
        driver.get(attacker)
        WebDriverWait(driver, 3).until(lambda d: d.current_url.endswith("/__mock__/faults"))  # the form went
    assert "ORIGIN_NOT_ALLOWED" in driver.page_source or "Content-Type" in driver.page_source
    state = httpx.get(f"{juspay_mock.base_url}/__mock__/state", timeout=5, trust_env=False).json()
    assert state["faults"] == []  # neither the fetch nor the form injected anything

    with juspay_mock.client() as client:
        client.trigger_otp(token_reference="rebind", v_provisioned_token_id="v", client_reference_id="r",
                           step_up_request_id="s")  # fmt: skip
    code = juspay_mock.inbox("rebind", "r")
    port = juspay_mock.base_url.rsplit(":", 1)[1]
    for path in ("/__mock__/ui", "/__mock__/state"):
        driver.get(f"http://{REBIND}:{port}{path}")
        assert "MISDIRECTED_REQUEST" in driver.page_source and code not in driver.page_source

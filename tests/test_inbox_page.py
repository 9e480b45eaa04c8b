"""The OTP inbox page in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`, which
`make test` installs when missing) driven by Selenium. It shows a session and its code within 2 s without a
reload, shows an injected fault, empties on reset, and never runs script a caller sent."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from juspay_kit.pytest_plugin import JuspayMock

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None, reason="chromium and chromium-driver are not installed: run `make browser`"
)
HOSTILE = '<img src=x onerror="window.pwned=1">'


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--no-proxy-server"):  # fmt: skip
        options.add_argument(argument)
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

    card = juspay_mock.provisioned_card(HOSTILE, bind=True)
    wait.until(lambda d: card.v_provisioned_token_id in d.find_element(By.ID, "cards").text)
    cards = driver.find_element(By.ID, "cards").text
    assert HOSTILE in cards and "bound" in cards and not driver.find_elements(By.CSS_SELECTOR, "#cards img")

    juspay_mock.inject_fault("validateOtp", status=503, times=2)
    wait.until(lambda d: "validateOtp" in d.find_element(By.ID, "faults").text)
    assert "503" in driver.find_element(By.ID, "faults").text

    driver.find_element(By.ID, "reset").click()
    wait.until(lambda d: "No session yet." in d.find_element(By.ID, "sessions").text)
    wait.until(lambda d: "No pending fault." in d.find_element(By.ID, "faults").text)
    wait.until(lambda d: "No card provisioned yet." in d.find_element(By.ID, "cards").text)

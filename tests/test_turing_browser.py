"""End to end: a scripted participant takes the study in headless Chromium.

Needs the Debian packages chromium + chromium-driver and `pip install selenium`.
Where they are missing the test is skipped with the reason, unless
DEEPCOLOR_REQUIRE_BROWSER=1 (set it in CI) turns the skip into a failure.
Chromium and the test talk only to 127.0.0.1.
"""
import os
import shutil

import pytest

from deepcolor.cli import turing
from tests.turing_helpers import fetch, make_study, make_study_dirs, read_rows, running_server

try:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    webdriver = None

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = [what for what, ok in [("chromium (apt-get install chromium)", CHROMIUM),
                                 ("chromedriver (apt-get install chromium-driver)",
                                  CHROMEDRIVER),
                                 ("selenium (pip install selenium)", webdriver)] if not ok]
REQUIRED = os.environ.get("DEEPCOLOR_REQUIRE_BROWSER") == "1"
pytestmark = pytest.mark.skipif(bool(MISSING) and not REQUIRED,
                                reason="headless browser test needs " + ", ".join(MISSING))

WAIT_S = 15
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--no-proxy-server", "--window-size=900,900"]


@pytest.fixture
def browser(tmp_path):
    if MISSING:
        pytest.fail("DEEPCOLOR_REQUIRE_BROWSER=1 but missing: " + ", ".join(MISSING))
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    # An explicit driver path keeps Selenium Manager from looking for one online.
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(WAIT_S)
    driver.set_script_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


def plan(label: str, trial: int) -> str:
    """The scripted participant: right on odd trials, wrong on even ones."""
    truth = "real" if label.startswith("real/") else "colorized"
    return truth if trial % 2 else ("colorized" if truth == "real" else "real")


def test_scripted_participant(tmp_path, browser, capsys):
    known = make_study_dirs(tmp_path)
    out = tmp_path / "answers.csv"
    n = 6
    with running_server(make_study(tmp_path), out, n=n, seed=11,
                        participant="robot") as server:
        wait = WebDriverWait(browser, WAIT_S)
        browser.get(server.url)
        assert browser.find_element(By.ID, "participant").get_attribute("value") == "robot"
        browser.find_element(By.ID, "start").click()
        shown, clicked = [], []
        for trial in range(1, n + 1):
            wait.until(EC.text_to_be_present_in_element((By.ID, "progress"),
                                                        f"Photo {trial} of {n}"))
            button = wait.until(EC.element_to_be_clickable((By.ID, "answer-real")))
            src = browser.find_element(By.ID, "photo").get_attribute("src")
            assert src.startswith(server.url + "image/")
            shown.append(known[fetch(src)])
            clicked.append(plan(shown[-1], trial))
            if clicked[-1] == "colorized":
                button = browser.find_element(By.ID, "answer-colorized")
            button.click()
        wait.until(EC.visibility_of_element_located((By.ID, "done")))
        page = {key: browser.find_element(By.ID, key).text
                for key in ("correct", "total", "turing-fraction", "judged-real",
                            "colorized", "public-acceptance")}
        assert browser.find_element(By.ID, "error").text == ""
    rows = read_rows(out)
    assert len(rows) == n
    assert [r["image"] for r in rows] == shown
    assert [r["answer"] for r in rows] == clicked
    assert [r["truth"] for r in rows] == ["real" if s.startswith("real/") else "colorized"
                                          for s in shown]
    assert sum(s.startswith("real/") for s in shown) == n // 2  # half real by design
    assert {r["participant"] for r in rows} == {"robot"}
    assert all(0 <= int(r["response_ms"]) < WAIT_S * 1000 for r in rows)
    colorized = [r for r in rows if r["truth"] == "colorized"]
    assert page == {"correct": str(n // 2), "total": str(n), "turing-fraction": "0.500",
                    "judged-real": str(sum(r["answer"] == "real" for r in colorized)),
                    "colorized": str(len(colorized)),
                    "public-acceptance": page["public-acceptance"]}
    assert turing.main(["--score", str(out)]) == 0
    overall = capsys.readouterr().out.splitlines()[-1]
    assert overall == (f"| **overall** | {page['colorized']} | {page['judged-real']} "
                       f"| {page['public-acceptance']} | {n} | {page['correct']} "
                       f"| {page['turing-fraction']} | {overall.split('|')[-2].strip()} |")

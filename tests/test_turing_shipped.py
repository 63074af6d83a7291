"""The Turing page shows the shipped model's colorization, pixel for pixel (issue 24,
point 3): a photo colorized by `deepcolor colorize` is served by `deepcolor turing`,
headless Chromium draws the page's image into a canvas, and its pixels equal (within
one level) what `deepcolor.colorize` gives for the same photo. The shipped decoder
runs on a random encoder here (test_api.fast_shipped): the path is tested, not the
colours. Skipped without Chromium, like tests/test_turing_browser.py.
"""
import numpy as np
import pytest
from PIL import Image

import deepcolor
from deepcolor.cli import colorize as colorize_cli
from deepcolor.turing.server import Study
from tests.test_api import fast_shipped  # noqa: F401  (fixture)
from tests.test_turing_browser import MISSING, REQUIRED, WAIT_S, browser  # noqa: F401
from tests.turing_helpers import fetch, running_server

pytestmark = pytest.mark.skipif(bool(MISSING) and not REQUIRED,
                                reason="headless browser test needs " + ", ".join(MISSING))

PIXELS_JS = """
const img = document.getElementById('photo');
if (!img.complete || !img.naturalWidth) { return null; }
const canvas = document.createElement('canvas');
canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
const context = canvas.getContext('2d');
context.drawImage(img, 0, 0);
return [canvas.width, canvas.height,
        Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data)];
"""


def shown_pixels(browser, wait) -> np.ndarray:
    """The page's current photo as the browser decoded it: uint8 (H, W, 3)."""
    width, height, rgba = wait.until(lambda b: b.execute_script(PIXELS_JS))
    return np.asarray(rgba, np.uint8).reshape(height, width, 4)[..., :3]


def test_the_turing_page_serves_the_shipped_colorization(tmp_path, browser, fast_shipped):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    real, shipped = tmp_path / "real", tmp_path / "shipped"
    real.mkdir()
    y, x = np.mgrid[0:48, 0:72]
    photo = np.stack([x * 3, y * 5, 255 - x * 2], axis=-1).astype(np.uint8)
    Image.fromarray(photo).save(real / "p.png")
    assert colorize_cli.main([str(real / "p.png"), "--out", str(shipped)]) == 0
    expected = np.asarray(deepcolor.colorize(str(real / "p.png")), dtype=np.int16)
    served_file = (shipped / "p.png").read_bytes()
    seen = {}
    with running_server(Study(real, [("shipped", shipped)]), tmp_path / "answers.csv",
                        n=2, seed=0) as server:
        wait = WebDriverWait(browser, WAIT_S)
        browser.get(server.url)
        browser.find_element(By.ID, "start").click()
        for trial in (1, 2):
            wait.until(EC.text_to_be_present_in_element((By.ID, "progress"),
                                                        f"Photo {trial} of 2"))
            button = wait.until(EC.element_to_be_clickable((By.ID, "answer-real")))
            src = browser.find_element(By.ID, "photo").get_attribute("src")
            kind = "colorized" if fetch(src) == served_file else "real"
            seen[kind] = shown_pixels(browser, wait).astype(np.int16)
            button.click()
    assert set(seen) == {"colorized", "real"}
    assert seen["colorized"].shape == expected.shape
    assert np.abs(seen["colorized"] - expected).max() <= 1
    assert np.abs(seen["real"] - photo).max() <= 1
    assert np.abs(seen["colorized"] - photo).max() > 1  # the two are told apart

"""`deepcolor serve` (deepcolor/studio): uploads checked as the Turing server checks
them, files written only inside the output folder, and a person's path through the
page in headless Chromium: pick photos, see gray | colorized | original, download."""
import contextlib
import io
import json
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from deepcolor.colorspaces import LabSpace
from deepcolor.serving import api, export
from deepcolor.studio import server as studio
from tests.colorizer_helpers import tiny_model
from tests.test_turing_browser import CHROMIUM, MISSING, REQUIRED, WAIT_S, browser  # noqa: F401

MARK = "colorized by deepcolor test, model tiny_lab"


@pytest.fixture(scope="module")
def colorizer(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m.keras"
    return api.load(export.save_keras_with_metadata(tiny_model("lab"), LabSpace(), path))


@contextlib.contextmanager
def running(colorizer, out, **kw):
    server = studio.StudioServer(colorizer, out, MARK, **kw)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _png(size=(30, 20), mode="L"):
    buffer = io.BytesIO()
    pixels = np.random.default_rng(0).integers(0, 256, size[::-1] + ((3,) if mode == "RGB" else ()),
                                               dtype=np.uint8)
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _post(server, data: bytes, name="photo.png", headers=None):
    request = urllib.request.Request(server.url + "api/colorize", data=data, method="POST",
                                     headers={"X-Filename": name, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_an_upload_comes_back_as_three_panels_and_a_marked_file(tmp_path, colorizer):
    with running(colorizer, tmp_path / "out") as server:
        status, reply = _post(server, _png((30, 20), "RGB"), "../../etc/My%20Scan.png")
        assert status == 200 and (reply["width"], reply["height"]) == (30, 20)
        assert reply["download"].startswith("My_Scan-") and reply["download"].endswith(".png")
        for kind in ("gray", "colorized", "original"):
            with urllib.request.urlopen(server.url + reply[kind].lstrip("/")) as response:
                with Image.open(io.BytesIO(response.read())) as image:
                    assert image.size == (30, 20)
        with Image.open(tmp_path / "out" / reply["download"]) as written:
            assert written.info["Software"] == MARK
    files = _files(tmp_path / "out")  # nothing outside the output folder, ../ or not
    assert len(files) == 3 and all(not f.startswith("..") for f in files)
    assert not (tmp_path / "etc").exists()


def test_uploads_get_the_turing_servers_checks(tmp_path, colorizer, monkeypatch):
    monkeypatch.setattr(studio, "MAX_UPLOAD_BYTES", 2000)
    monkeypatch.setattr(studio, "MAX_PIXELS", 40 * 40)
    with running(colorizer, tmp_path / "out", max_photos=2) as server:
        assert _post(server, b"%PDF-1.4 not an image")[0] == 415
        tiff = io.BytesIO()
        Image.new("L", (8, 8)).save(tiff, format="TIFF")
        status, reply = _post(server, tiff.getvalue())
        assert status == 415 and "TIFF" in reply["error"]
        assert _post(server, b"x" * 2001)[0] == 413  # refused before it is read
        big = io.BytesIO()
        Image.new("L", (50, 50)).save(big, format="PNG")
        status, reply = _post(server, big.getvalue())
        assert status == 413 and "megapixels" in reply["error"]
        assert _post(server, _png())[0] == 200
        assert _post(server, _png())[0] == 200
        status, reply = _post(server, _png())  # the count
        assert status == 429 and "limit" in reply["error"]
        for path in ("/result/../../etc/passwd", "/result/x/colorized", "/etc/passwd"):
            with pytest.raises(urllib.error.HTTPError) as raised:
                urllib.request.urlopen(server.url.rstrip("/") + path)
            assert raised.value.code == 404
    assert len(_files(tmp_path / "out")) == 2 * 3


def test_serve_command_misuse_is_one_line(tmp_path, capsys):
    from deepcolor import cli

    (tmp_path / "file").write_text("x")
    assert cli.main(["serve", "--out", str(tmp_path / "file")]) == 2
    assert cli.main(["serve", "--port", "70000"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("deepcolor serve: error:") for line in err)


@pytest.mark.skipif(bool(MISSING) and not REQUIRED, reason="headless browser: " + ", ".join(MISSING))
def test_a_person_colorizes_two_photos_in_the_browser(tmp_path, colorizer, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    (tmp_path / "in").mkdir()
    photos = [tmp_path / "in" / "gray photo.png", tmp_path / "in" / "colour.jpg"]
    Image.fromarray(np.full((24, 36), 120, np.uint8)).save(photos[0])
    Image.fromarray(np.full((20, 16, 3), 90, np.uint8)).save(photos[1])
    (tmp_path / "in" / "notes.txt").write_text("not a photo")
    with running(colorizer, tmp_path / "out") as server:
        browser.get(server.url)
        picker = browser.find_element(By.ID, "files")
        picker.send_keys("\n".join(str(p) for p in photos + [tmp_path / "in" / "notes.txt"]))
        wait = WebDriverWait(browser, WAIT_S)
        wait.until(lambda b: len(b.find_elements(By.CLASS_NAME, "result")) == 3)
        wait.until(lambda b: b.execute_script(
            "return [...document.images].every(i => i.complete && i.naturalWidth > 0)"))
        boxes = browser.find_elements(By.CLASS_NAME, "result")
        by_name = {box.find_element(By.CLASS_NAME, "name").text: box for box in boxes}
        assert "Not colorized" in by_name["notes.txt"].find_element(By.CLASS_NAME, "error").text
        for photo, size in ((photos[0], (36, 24)), (photos[1], (16, 20))):
            box = by_name[photo.name]
            sizes = browser.execute_script(
                "return [...arguments[0].querySelectorAll('img')].map("
                "i => [i.className, i.naturalWidth, i.naturalHeight])", box)
            assert sizes == [[f"panel-{k}", *size] for k in ("gray", "colorized", "original")]
            link = box.find_element(By.CLASS_NAME, "download")
            assert link.get_attribute("download").endswith(".png")
            with urllib.request.urlopen(link.get_attribute("href")) as response:
                with Image.open(io.BytesIO(response.read())) as image:
                    assert image.size == size and image.info["Software"] == MARK
    assert len(_files(tmp_path / "out")) == 2 * 3


def test_serve_command_listens_on_loopback_and_stops(tmp_path, capsys):
    from deepcolor import cli

    model = export.save_keras_with_metadata(tiny_model("lab"), LabSpace(), tmp_path / "m.keras")
    assert cli.main(["serve", "--model", str(model), "--port", "0", "--out",
                     str(tmp_path / "out"), "--max-seconds", "1"]) == 0
    out = capsys.readouterr().out
    assert "Colorize photos at http://127.0.0.1:" in out and "colorized 0 photo(s)" in out
    assert _files(tmp_path / "out") == []

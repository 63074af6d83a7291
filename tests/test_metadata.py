"""Colorized files keep their photo's EXIF, ICC profile and DPI, the orientation is
applied once and reset, and each file says it was colorized and by which model
(deepcolor/serving/metadata.py, `deepcolor colorize`)."""
import hashlib

import numpy as np
import pytest
from PIL import Image, ImageCms

from deepcolor.cli import colorize
from deepcolor.colorspaces import LabSpace
from deepcolor.serving import export
from deepcolor.serving.metadata import DESCRIPTION, ORIENTATION, SOFTWARE
from tests.colorizer_helpers import tiny_model

CAPTION, COPYRIGHT, DATE = "Grandma at the lake, 1952", "(c) The Family", "1952:07:04 10:00:00"
EXIF_IFD, DATE_ORIGINAL, COPYRIGHT_TAG = 0x8769, 0x9003, 0x8298


def _scan(path, orientation=6, caption=CAPTION, fmt="JPEG"):
    """A 60 x 40 (W x H) colour photo with a caption, copyright, date, sRGB profile,
    300 DPI and an orientation asking viewers to turn it a quarter."""
    y, x = np.mgrid[0:40, 0:60]
    rgb = np.stack([x * 4, y * 6, (x + y) * 2], -1).astype(np.uint8)
    exif = Image.Exif()
    if caption:
        exif[DESCRIPTION] = caption
    exif[COPYRIGHT_TAG] = COPYRIGHT
    exif[ORIENTATION] = orientation
    exif.get_ifd(EXIF_IFD)[DATE_ORIGINAL] = DATE
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(rgb).save(path, format=fmt, exif=exif.tobytes(), icc_profile=icc,
                              dpi=(300, 300))
    return icc


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m.keras"
    return export.save_keras_with_metadata(tiny_model("lab"), LabSpace(), path)


@pytest.mark.parametrize("fmt", ["jpg", "png", "webp"])
def test_metadata_is_kept_and_the_file_is_marked(tmp_path, model_file, fmt):
    photo = tmp_path / "scan.jpg"
    icc = _scan(photo)
    before = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert colorize.main([str(photo), "--model", str(model_file), "--out", str(tmp_path / "o"),
                          "--format", fmt]) == 0
    with Image.open(tmp_path / "o" / f"scan.{fmt}") as out:
        assert out.size == (40, 60)  # turned upright once...
        exif = out.getexif()
        assert exif.get(ORIENTATION, 1) == 1  # ...and not to be turned again
        assert exif[DESCRIPTION] == CAPTION and exif[COPYRIGHT_TAG] == COPYRIGHT
        assert exif.get_ifd(EXIF_IFD)[DATE_ORIGINAL] == DATE
        assert "colorized by deepcolor" in exif[SOFTWARE] and "tiny_lab" in exif[SOFTWARE]
        assert out.info.get("icc_profile") == icc
        if fmt != "webp":  # WebP has no DPI field: it is in the EXIF resolution tags
            assert tuple(round(v) for v in out.info["dpi"]) == (300, 300)
        assert float(exif[0x011A]) == 300.0
        if fmt == "png":
            assert "colorized by deepcolor" in out.info["Software"]
            assert "colorized by deepcolor" in out.info["Comment"]
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == before  # original untouched


def test_a_photo_without_metadata_is_still_marked(tmp_path, model_file):
    Image.fromarray(np.full((20, 30), 90, np.uint8)).save(tmp_path / "plain.png")
    assert colorize.main([str(tmp_path / "plain.png"), "--model", str(model_file),
                          "--out", str(tmp_path / "o")]) == 0
    with Image.open(tmp_path / "o" / "plain.png") as out:
        exif = out.getexif()
        assert "colorized by deepcolor" in exif[DESCRIPTION]
        assert "colorized by deepcolor" in out.info["Software"]
        assert out.info.get("icc_profile") is None


def test_a_damaged_exif_block_does_not_stop_the_photo(tmp_path, model_file):
    path = tmp_path / "odd.jpg"
    _scan(path)
    data = bytearray(path.read_bytes())
    start = data.find(b"Exif\x00\x00")
    data[start + 6:start + 14] = b"XXXXXXXX"  # garbled TIFF header
    path.write_bytes(bytes(data))
    assert colorize.main([str(path), "--model", str(model_file), "--out",
                          str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "odd.png").is_file()

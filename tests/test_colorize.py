"""`deepcolor colorize`: full resolution, folders, bad files, overwrite, --compare."""
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from deepcolor.cli import colorize
from deepcolor.serving import export
from deepcolor.colorspaces import LabSpace
from tests.colorizer_helpers import tiny_model


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    return str(export.save_keras_with_metadata(tiny_model("lab"), LabSpace(), path))


def _photo(path, size, mode="RGB", seed=0, **save):
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "RGBA": 4, "L": 1}[mode]
    array = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    Image.fromarray(array.squeeze(-1) if channels == 1 else array, mode).save(path, **save)
    return path


def _size(path):
    with Image.open(path) as image:
        return image.size


def test_4000x3000_jpeg_keeps_its_size(tmp_path, model_file):
    # A smooth photo-like image: random noise would make PNG encoding the whole test.
    y, x = np.mgrid[0:3000, 0:4000].astype(np.float32)
    gray = (127 + 100 * np.sin(x / 300) * np.cos(y / 200)).astype(np.uint8)
    Image.fromarray(gray).save(tmp_path / "big.jpg", quality=90)
    start = time.perf_counter()
    code = colorize.main([str(tmp_path / "big.jpg"), "--model", model_file,
                          "--out", str(tmp_path / "o")])
    seconds = time.perf_counter() - start
    print(f"4000x3000 colorized in {seconds:.1f} s")
    assert code == 0
    assert _size(tmp_path / "o" / "big.png") == (4000, 3000)
    assert seconds < 20


def test_folder_with_bad_files(tmp_path, model_file, capsys):
    src = tmp_path / "photos"
    (src / "trip" / "day1").mkdir(parents=True)
    _photo(src / "a.jpg", (40, 30))
    _photo(src / "trip" / "b.PNG", (25, 31), mode="L")
    _photo(src / "trip" / "day1" / "c.webp", (33, 20))
    (src / "zero.jpg").write_bytes(b"")
    (src / "trip" / "text.jpg").write_text("not an image\n")
    good = _photo(tmp_path / "full.jpg", (64, 48), seed=3).read_bytes()
    (src / "trip" / "day1" / "truncated.jpg").write_bytes(good[: len(good) // 2])
    (src / "notes.txt").write_text("ignored: not an image extension")

    code = colorize.main([str(src), "--model", model_file, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    out = tmp_path / "out"
    assert _size(out / "a.png") == (40, 30)
    assert _size(out / "trip" / "b.png") == (25, 31)
    assert _size(out / "trip" / "day1" / "c.png") == (33, 20)
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == ["a.png", "b.png", "c.png"]
    failed = err[err.index("failed 3 input(s)"):]
    for name in ("zero.jpg", "text.jpg", "truncated.jpg"):
        assert name in failed
    assert "Traceback" not in err


def test_existing_outputs_are_kept_unless_overwrite(tmp_path, model_file, capsys):
    photo = _photo(tmp_path / "p.jpg", (30, 20))
    out = tmp_path / "out"
    out.mkdir()
    Image.new("RGB", (5, 5), "red").save(out / "p.png")
    args = [str(photo), "--model", model_file, "--out", str(out)]
    assert colorize.main(args) == 0
    assert _size(out / "p.png") == (5, 5)
    assert "kept 1 existing output" in capsys.readouterr().out
    assert colorize.main(args + ["--overwrite"]) == 0
    assert _size(out / "p.png") == (30, 20)


def test_compare_strips(tmp_path, model_file):
    gray = _photo(tmp_path / "g.png", (30, 20), mode="L")
    colour = _photo(tmp_path / "c.jpg", (30, 20))
    out = tmp_path / "out"
    assert colorize.main([str(gray), str(colour), "--model", model_file, "--out", str(out),
                          "--compare"]) == 0
    band = _size(out / "g_compare.png")[1] - 20  # the caption band over the panels
    assert band > 0 and _size(out / "g_compare.png") == (60, 20 + band)  # gray | colorized
    assert _size(out / "c_compare.png") == (90, 20 + band)  # gray | colorized | original
    assert _size(out / "c.png") == (30, 20)
    strip = np.asarray(Image.open(out / "c_compare.png"))
    np.testing.assert_array_equal(strip[band:, 30:60], np.asarray(Image.open(out / "c.png")))


def test_formats_and_batching_agree(tmp_path, model_file):
    src = tmp_path / "src"
    src.mkdir()
    for i, (name, mode, save) in enumerate([("a.bmp", "RGB", {}), ("b.gif", "L", {}),
                                            ("c.tif", "RGB", {}), ("d.png", "RGBA", {}),
                                            ("e.webp", "RGB", {"lossless": True})]):
        _photo(src / name, (24, 18), mode=mode, seed=i, **save)
    Image.fromarray(np.full((18, 24), 40000, np.uint16)).save(src / "f16.png")  # 16-bit gray
    one, three = tmp_path / "one", tmp_path / "three"
    assert colorize.main([str(src), "--model", model_file, "--out", str(one)]) == 0
    assert colorize.main([str(src), "--model", model_file, "--out", str(three),
                          "--batch-size", "3"]) == 0
    names = sorted(p.name for p in one.iterdir())
    assert names == ["a.png", "b.png", "c.png", "d.png", "e.png", "f16.png"]
    for name in names:
        np.testing.assert_array_equal(np.asarray(Image.open(one / name)),
                                      np.asarray(Image.open(three / name)))
    # 16-bit gray is scaled (40000 / 257), not clipped to 255; RGBA loses its alpha.
    assert np.unique(colorize.read_image(src / "f16.png")).tolist() == [156]
    assert colorize.read_image(src / "d.png").shape == (18, 24, 3)
    assert colorize.read_image(src / "b.gif").shape == (18, 24, 3)  # palette: read as colour
    exif = Image.Exif()
    exif[0x0112] = 6  # camera held upright: the stored pixels are rotated
    _photo(tmp_path / "upright.jpg", (24, 18), exif=exif)
    assert colorize.read_image(tmp_path / "upright.jpg").shape == (24, 18, 3)


def test_clashing_output_names_fail(tmp_path, model_file, capsys):
    src = tmp_path / "src"
    src.mkdir()
    _photo(src / "x.jpg", (20, 20))
    _photo(src / "x.png", (20, 20))
    assert colorize.main([str(src), "--model", model_file, "--out", str(tmp_path / "o")]) == 1
    assert "clashes" in capsys.readouterr().err


@pytest.mark.parametrize("args,message", [
    (["in.jpg", "--model", "nowhere.keras", "--out", "o"], "model not found"),
    (["--model", "MODEL", "--out", "o"], "no inputs"),
    (["missing.jpg", "--model", "MODEL", "--out", "o"], "input not found"),
    (["in.jpg", "--model", "MODEL", "--out", "o", "--batch-size", "0"], "at least 1"),
    (["in.jpg", "--model", "MODEL", "--out", "in.jpg"], "not a folder"),
    (["empty_dir", "--model", "MODEL", "--out", "o"], "no images"),
    (["in.jpg", "--model", "in.jpg", "--out", "o"], "cannot load model"),
])
def test_misuse_exits_2_with_one_line(tmp_path, model_file, capsys, monkeypatch, args,
                                      message):
    _photo(tmp_path / "in.jpg", (8, 8))
    (tmp_path / "empty_dir").mkdir()
    monkeypatch.chdir(tmp_path)
    args = [model_file if a == "MODEL" else a for a in args]
    assert colorize.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and err.startswith("deepcolor colorize")


def test_entry_point_in_a_new_process(tmp_path):
    # The real command: no traceback, status 2, and no TensorFlow import for misuse.
    done = subprocess.run([sys.executable, "-m", "deepcolor", "colorize", str(tmp_path),
                           "--model", str(tmp_path / "none"), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == f"deepcolor colorize: error: model not found: {tmp_path / 'none'}"

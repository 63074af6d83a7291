"""The light install (README, "A light install for colorizing only"): `deepcolor colorize
--model m.onnx` runs the exported colorize path on onnxruntime in a process where
TensorFlow, Keras and JAX cannot be imported, keeps the photo's metadata and marks the
file as the Keras path does, and matches the Keras path's pixels within 1 level."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

pytest.importorskip("onnxruntime")
pytest.importorskip("tf2onnx")

import deepcolor  # noqa: E402
from deepcolor import cli  # noqa: E402
from deepcolor.errors import UsageError  # noqa: E402
from tests.test_api import fast_shipped  # noqa: E402,F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("tensorflow", "keras", "jax")
# A meta-path finder that makes every import of the named packages fail, as on an install
# that never had them.
BLOCKER = """
import importlib.abc, sys
class _Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
sys.meta_path.insert(0, _Absent())
from deepcolor.cli import main
code = main(ARGS)
assert not [m for m in sys.modules if m.split(".")[0] in BLOCKED]
sys.exit(code)
"""


def run_without(blocked, args, cwd):
    """`deepcolor ARGS` in a new Python where the `blocked` packages are unimportable."""
    code = f"BLOCKED = {tuple(blocked)!r}\nARGS = {list(args)!r}\n{BLOCKER}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _photos(folder: Path):
    """A colour JPEG with a caption, DPI and an ICC profile, and a gray PNG."""
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:90, 0:140]
    smooth = np.stack([x * 1.8, y * 2.5, (x + y) * 0.9], -1) + rng.normal(0, 12, (90, 140, 3))
    colour = Image.fromarray(np.clip(smooth, 0, 255).astype(np.uint8))
    exif = Image.Exif()
    exif[0x010E] = "Grandma's garden, 1952"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    colour.save(folder / "garden.jpg", quality=95, exif=exif, dpi=(300, 300), icc_profile=icc)
    gray = rng.integers(0, 256, (57, 83), dtype=np.uint8)
    Image.fromarray(gray).save(folder / "street.png")
    return ["garden.jpg", "street.png"]


def _worst(a, b) -> int:
    return int(np.abs(np.asarray(a).astype(int) - np.asarray(b).astype(int)).max())


def test_onnx_colorizes_without_tensorflow_keras_or_jax(tmp_path, capfd, fast_shipped):
    model = tmp_path / "shipped.onnx"
    assert cli.main(["export", "--to", "onnx", "--out", str(model)]) == 0
    names = _photos(tmp_path)
    photos = [str(tmp_path / name) for name in names]
    assert cli.main(["colorize", *photos, "--out", str(tmp_path / "keras_out")]) == 0
    capfd.readouterr()
    done = run_without(HEAVY, ["colorize", "--model", str(model), *names, "--out", "onnx_out"],
                       tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "ONNX on onnxruntime" in done.stdout and "colorized 2 image(s)" in done.stdout
    for name in names:
        stem = Path(name).stem
        with Image.open(tmp_path / "onnx_out" / f"{stem}.png") as light, \
                Image.open(tmp_path / "keras_out" / f"{stem}.png") as full:
            assert light.size == full.size == Image.open(tmp_path / name).size
            assert _worst(light, full) <= 1  # the same colorize path, exported
            assert _worst(light, deepcolor.load()(tmp_path / name)) <= 1
            assert light.info["Software"].startswith("colorized by deepcolor")
            assert light.info["Software"] == full.info["Software"]  # "model effnet_unet ..."
            for key in ("dpi", "icc_profile"):
                assert light.info.get(key) == full.info.get(key)
            light_exif, full_exif = light.getexif(), full.getexif()
            assert light_exif.get(0x010E) == full_exif.get(0x010E)
    with Image.open(tmp_path / "onnx_out" / "garden.png") as light:
        assert light.getexif()[0x010E] == "Grandma's garden, 1952"  # the caption kept
        assert light.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        assert light.info["icc_profile"]
    # Controls the exported graph cannot honour are refused, one line each.
    with pytest.raises(UsageError, match="saturation 1"):
        deepcolor.load(model, saturation=1.5)
    with pytest.raises(UsageError, match="fixed at 128 px"):
        deepcolor.load(model, render_size=256)


def test_onnx_model_without_onnxruntime_is_one_line(tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"\x08\x07")  # never read: refused before loading
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "p.png")
    done = run_without(HEAVY + ("onnxruntime",),
                       ["colorize", "--model", "m.onnx", "p.png"], tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == ("deepcolor colorize: error: m.onnx is an ONNX model, "
                                   "which needs onnxruntime: pip install onnxruntime")
    assert not (tmp_path / "colorized").exists()

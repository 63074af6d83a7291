"""`deepcolor.colorize` / `deepcolor.load` (deepcolor/serving/api.py): input kinds, sizes,
model resolution (shipped, .keras, run folders) and a light `import deepcolor`."""
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import deepcolor
from deepcolor.colorspaces import LabSpace
from deepcolor.errors import UsageError
from deepcolor.serving import api, export, pretrained
from tests.colorizer_helpers import tiny_model


@pytest.fixture
def fast_shipped(monkeypatch):
    """The shipped decoder on a random encoder: no ImageNet conversion in unit tests."""
    original = pretrained.load_shipped_colorizer
    monkeypatch.setattr(pretrained, "load_shipped_colorizer",
                        lambda **kw: original(**{"weights": None, **kw}))
    monkeypatch.setattr(api, "_CACHE", {})


def make_run(root, names=("00-baseline-seed0",), preset="default", stand_in=""):
    """A run folder as deepcolor.train writes it: config.json, one model per run folder."""
    stamp = root / "runs" / "exp" / preset / "20260101-000000"
    stamp.mkdir(parents=True)
    (stamp / "config.json").write_text(json.dumps(
        {"experiment": "exp", "preset": preset, "stand_in": stand_in, "runs": []}))
    for name in names:
        (stamp / name).mkdir()
        export.save_keras_with_metadata(tiny_model("lab"), LabSpace(),
                                        stamp / name / "model.keras")
    return stamp


def test_every_input_kind_returns_its_kind_at_its_size(tmp_path, fast_shipped):
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (37, 53), dtype=np.uint8)
    Image.fromarray(gray).save(tmp_path / "g.png")
    colorizer = deepcolor.load()
    assert "shipped colorizer effnet_unet" in colorizer.description
    from_path = deepcolor.colorize(str(tmp_path / "g.png"))
    assert isinstance(from_path, Image.Image) and from_path.size == (53, 37)
    assert from_path.mode == "RGB"
    assert deepcolor.colorize(tmp_path / "g.png").size == (53, 37)  # pathlib.Path too
    from_pil = colorizer(Image.fromarray(gray))
    assert isinstance(from_pil, Image.Image) and from_pil.size == (53, 37)
    for array in (gray, gray[..., None], np.repeat(gray[..., None], 3, -1)):
        out = colorizer.colorize(array)
        assert isinstance(out, np.ndarray) and out.shape == (37, 53, 3) and out.dtype == np.uint8
        np.testing.assert_array_equal(out, np.asarray(from_path))  # same picture, same colours
    assert deepcolor.load() is colorizer  # loaded once per process


def test_bad_inputs_are_one_line_errors(tmp_path, fast_shipped):
    colorizer = deepcolor.load()
    with pytest.raises(ValueError, match="uint8"):
        colorizer(np.zeros((8, 8), np.float32))
    with pytest.raises(ValueError, match="shape"):
        colorizer(np.zeros((8, 8, 2), np.uint8))
    with pytest.raises(FileNotFoundError, match="image not found"):
        colorizer(str(tmp_path / "none.jpg"))
    with pytest.raises(TypeError, match="path, a PIL image or a numpy array"):
        colorizer([1, 2, 3])


def test_run_folders_resolve_to_their_model(tmp_path):
    stamp = make_run(tmp_path)
    model_file = stamp / "00-baseline-seed0" / "model.keras"
    assert api.find_model(stamp) == model_file
    assert api.find_model(stamp / "00-baseline-seed0") == model_file
    assert api.find_model(model_file) == model_file
    colorizer = deepcolor.load(stamp)
    assert colorizer.warning is None and "tiny_lab" in colorizer.description
    out = colorizer(np.zeros((20, 30), np.uint8))
    assert out.shape == (20, 30, 3)


def test_ambiguous_or_empty_folders_are_one_clear_error(tmp_path):
    stamp = make_run(tmp_path, names=("00-a", "01-b"))
    with pytest.raises(UsageError, match="holds 2 models, name one: 00-a, 01-b"):
        api.find_model(stamp)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no model in"):
        api.find_model(tmp_path / "empty")
    with pytest.raises(UsageError, match="model not found"):
        deepcolor.load(tmp_path / "nowhere")


def test_a_smoke_run_is_flagged_as_a_stand_in(tmp_path):
    stamp = make_run(tmp_path, preset="smoke", stand_in="24 synthetic images")
    warning = deepcolor.load(stamp).warning
    assert warning.startswith("warning:") and "stand-in" in warning
    assert "24 synthetic images" in warning and "\n" not in warning
    # The export metadata can say it too, outside any run folder.
    path = export.save_keras_with_metadata(tiny_model("lab"), LabSpace(), tmp_path / "m.keras",
                                           provenance={"preset": "smoke"})
    assert "stand-in" in deepcolor.load(path).warning


def test_import_deepcolor_loads_no_tensorflow():
    code = ("import sys, deepcolor; assert callable(deepcolor.colorize); "
            "print(sorted(m for m in ('tensorflow', 'keras', 'torch') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

"""One colorize path (deepcolor/serving/render.py) for the shipped model, exported
models, the CLI and the Python API, under TensorFlow or JAX."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import deepcolor
from deepcolor.cli import colorize as colorize_cli
from deepcolor.colorspaces import LabSpace, rgb_to_lab
from deepcolor.serving import api, export, pretrained, render
from tests.colorizer_helpers import constant_model, tiny_model
from tests.test_api import fast_shipped  # noqa: F401  (fixture)
from tests.test_backend_jax import _no_tensorflow_path, needs_jax

ROOT = Path(__file__).resolve().parents[1]


def _noise(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


@pytest.mark.parametrize("size,out", [((300, 200), (37, 53)), ((16, 16), (40, 30)),
                                      ((37, 53), (300, 123)), ((64, 64), (64, 64))])
def test_resize_weights_match_tensorflow_resize(size, out):
    image = np.random.default_rng(1).random((1, *size, 2)).astype("float32")
    shrinking = out[0] < size[0]
    ours = render.resize_channels_first(np.transpose(image, (0, 3, 1, 2)), *out, shrinking)
    expected = tf.image.resize(image, out, antialias=shrinking).numpy()
    np.testing.assert_allclose(np.transpose(np.asarray(ours), (0, 2, 3, 1)), expected, atol=1e-4)


def test_shipped_and_exported_paths_give_the_same_pixels(tmp_path, fast_shipped):
    """The shipped model through the API, the same weights as an exported SavedModel and
    as a .keras file: the same colours within 1 level, at two photo sizes."""
    shipped = deepcolor.load()
    model = pretrained._MODEL.get("model") or shipped._batch_fn.model
    manifest = pretrained.read_manifest()
    saved = export.export_saved_model(model, manifest["colorspace"], tmp_path / "saved",
                                      manifest["input_size"])
    keras_file = export.save_keras_with_metadata(model, manifest["colorspace"],
                                                 tmp_path / "m.keras", manifest["input_size"])
    for shape in [(90, 140, 1), (257, 131, 3)]:
        image = _noise(shape)
        expected = shipped(image).astype(int)
        for path in (saved, keras_file):
            got = deepcolor.load(path)(image).astype(int)
            assert np.abs(got - expected).max() <= 1, (path, shape)
        colour = pretrained.colorize_image(image, model=model).astype(int)
        assert np.abs(colour - expected).max() <= 1


def test_batch_size_batches_the_shipped_model(tmp_path, fast_shipped, monkeypatch):
    for i in range(3):
        Image.fromarray(_noise((30, 40), seed=i)).save(tmp_path / f"p{i}.png")
    batches = []
    original = render.colorize_in_bands

    def spy(model, colorspace, images, *args):
        batches.append(np.shape(images)[0])
        return original(model, colorspace, images, *args)

    monkeypatch.setattr(render, "colorize_in_bands", spy)
    assert colorize_cli.main([str(tmp_path / f"p{i}.png") for i in range(3)]
                             + ["--out", str(tmp_path / "out"), "--batch-size", "2"]) == 0
    assert batches == [2, 1]
    single = deepcolor.colorize(tmp_path / "p2.png")
    with Image.open(tmp_path / "out" / "p2.png") as written:
        np.testing.assert_array_equal(np.asarray(written), np.asarray(single))


def test_saturation_scales_the_chroma_and_render_size_changes_the_working_size(tmp_path):
    path = export.save_keras_with_metadata(constant_model([0.2, -0.1]), LabSpace(),
                                           tmp_path / "m.keras")
    image = np.full((30, 50), 128, np.uint8)
    ab = {s: rgb_to_lab(deepcolor.colorize(image, path, saturation=s) / 255.0).numpy()[..., 1:]
          for s in (0.0, 1.0, 1.5)}
    assert np.abs(ab[0.0]).max() < 1.0
    np.testing.assert_allclose(ab[1.5].mean((0, 1)), 1.5 * ab[1.0].mean((0, 1)), rtol=0.05)
    tiny = export.save_keras_with_metadata(tiny_model("lab"), LabSpace(), tmp_path / "t.keras")
    larger = deepcolor.load(tiny, render_size=32)
    assert larger._batch_fn.input_size == 32 and larger(_noise((40, 60))).shape == (40, 60, 3)
    assert "32 px" in larger.description or larger._batch_fn.model.input_shape[1] == 32


@pytest.mark.parametrize("args,message", [
    (["--saturation", "9"], "--saturation must be between 0 and 4"),
    (["--render-size", "4"], "render size must be between 16 and 2048"),
])
def test_control_misuse_is_one_line(tmp_path, capsys, args, message):
    Image.fromarray(_noise((8, 8))).save(tmp_path / "a.png")
    assert colorize_cli.main([str(tmp_path / "a.png"), "--out", str(tmp_path / "o")] + args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_shipped_render_size_must_be_a_multiple_of_32(fast_shipped):
    from deepcolor.errors import UsageError

    with pytest.raises(UsageError, match="multiples of 32"):
        api.load(None, render_size=100)
    assert api.load(None, render_size=64)._batch_fn.input_size == 64


_JAX_SCRIPT = """
import sys, numpy as np, deepcolor
from deepcolor.serving import pretrained
original = pretrained.load_shipped_colorizer
pretrained.load_shipped_colorizer = lambda **kw: original(**{"weights": None, **kw})
image = np.load(sys.argv[2])
np.save(sys.argv[3], deepcolor.colorize(image, sys.argv[1]))
shipped = deepcolor.colorize(image, saturation=1.2)
assert shipped.shape == image.shape[:2] + (3,), shipped.shape
assert "tensorflow" not in sys.modules
print("backend", __import__("keras").backend.backend())
"""


@needs_jax
def test_the_api_colorizes_under_jax_without_tensorflow(tmp_path):
    path = export.save_keras_with_metadata(tiny_model("lab"), LabSpace(), tmp_path / "m.keras")
    image = _noise((45, 70, 1))
    np.save(tmp_path / "in.npy", image)
    (tmp_path / "script.py").write_text(_JAX_SCRIPT)
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu",
               DEEPCOLOR_DATA=str(tmp_path / "data"),
               PYTHONPATH=os.pathsep.join([str(_no_tensorflow_path(tmp_path)), str(ROOT)]))
    done = subprocess.run([sys.executable, str(tmp_path / "script.py"), str(path),
                           str(tmp_path / "in.npy"), str(tmp_path / "out.npy")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "backend jax" in done.stdout
    under_tf = deepcolor.colorize(image, path).astype(int)
    assert np.abs(np.load(tmp_path / "out.npy").astype(int) - under_tf).max() <= 1


@pytest.mark.parametrize("space", ["lab", "yuv", "rgb"])
def test_large_photos_colorized_in_bands_match_the_whole(monkeypatch, space):
    model = tiny_model(space)
    images = _noise((2, 61, 47, 3), seed=4)
    whole = render.colorize_images(model, space, images, 16).numpy().astype(int)
    monkeypatch.setattr(render, "BAND_PIXELS", 2 * 47 * 9)  # 9-row bands, a short last one
    banded = render.colorize_in_bands(model, space, images, 16).astype(int)
    assert np.abs(banded - whole).max() <= 1


def test_a_savedmodel_refuses_controls_it_cannot_honour(tmp_path):
    from deepcolor.errors import UsageError

    saved = export.export_saved_model(tiny_model("lab"), LabSpace(), tmp_path / "saved")
    with pytest.raises(UsageError, match="saturation 1"):
        deepcolor.load(saved, saturation=1.5)
    with pytest.raises(UsageError, match="fixed at 16 px"):
        deepcolor.load(saved, render_size=32)

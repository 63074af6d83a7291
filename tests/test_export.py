"""deepcolor.serving.export: SavedModel (checked in a fresh TensorFlow-only process), .keras
with sidecar metadata, and TFLite."""
import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from deepcolor.cli import colorize
from deepcolor.serving import export
from deepcolor.colorspaces import LabSpace, RGBSpace
from deepcolor.serving.inference import Colorizer
from tests.colorizer_helpers import tiny_model

# Runs in a new interpreter that imports TensorFlow and nothing of deepcolor: what a
# user of the exported model has.
_LOADER = textwrap.dedent("""
    import sys
    import numpy as np
    import tensorflow as tf
    serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
    for name in sys.argv[2:]:
        out = serve(images=tf.constant(np.load(name)))["colorized"]
        assert out.dtype == tf.uint8, out.dtype
        np.save(name + ".out.npy", out.numpy())
    assert not [m for m in sys.modules if m.startswith("deepcolor")]
""")


def _levels(a, b):
    return int(np.abs(a.astype(int) - b.astype(int)).max())


def test_saved_model_in_fresh_process_matches_keras_path_and_cli(tmp_path):
    model = tiny_model("lab")
    saved = export.export_saved_model(model, LabSpace(), tmp_path / "saved")
    meta = json.loads((saved / "assets" / "deepcolor.json").read_text())
    assert meta["colorspace"]["name"] == "lab" and meta["input_size"] == 16

    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (1, 37, 53, 1), dtype=np.uint8)
    colour = rng.integers(0, 256, (1, 64, 48, 3), dtype=np.uint8)
    # The CLI reads a file; the fresh process gets the very pixels PIL decoded from it.
    photo = tmp_path / "photo.jpg"
    Image.fromarray(rng.integers(0, 256, (45, 61, 3), dtype=np.uint8)).save(photo)
    decoded = colorize.read_image(photo)[None]
    inputs = {"gray": gray, "colour": colour, "photo": decoded}
    for name, array in inputs.items():
        np.save(tmp_path / f"{name}.npy", array)

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    done = subprocess.run([sys.executable, "-c", _LOADER, str(saved)]
                          + [str(tmp_path / f"{n}.npy") for n in inputs],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    served = {n: np.load(tmp_path / f"{n}.npy.out.npy") for n in inputs}

    keras_path = Colorizer(model, LabSpace())
    assert served["gray"].shape == (1, 37, 53, 3) and served["colour"].shape == (1, 64, 48, 3)
    for name, array in inputs.items():
        assert _levels(served[name], keras_path(array)) <= 1, name

    keras_file = export.save_keras_with_metadata(model, LabSpace(), tmp_path / "m.keras")
    args = [str(photo), "--model", str(keras_file), "--out", str(tmp_path / "out")]
    assert colorize.main(args) == 0
    from_cli = np.asarray(Image.open(tmp_path / "out" / "photo.png"))
    assert _levels(served["photo"][0], from_cli) <= 1


def test_keras_file_sidecar_and_explicit_metadata(tmp_path):
    model = tiny_model("rgb")
    path = export.save_keras_with_metadata(model, RGBSpace(output_range=(-1.0, 1.0)),
                                           tmp_path / "m.keras")
    sidecar = json.loads((tmp_path / "m.keras.json").read_text())
    assert sidecar["colorspace"]["output_range"] == [-1.0, 1.0]
    loaded = export.load_for_inference(path)
    assert loaded.colorspace == RGBSpace(output_range=(-1.0, 1.0)) and loaded.input_size == 16
    image = np.random.default_rng(1).integers(0, 256, (1, 21, 34, 1), dtype=np.uint8)
    expected = Colorizer(model, RGBSpace(output_range=(-1.0, 1.0)))(image)
    assert _levels(loaded(image), expected) == 0

    # Without the sidecar the colour space must be given; deepcolor.json also works.
    (tmp_path / "m.keras.json").rename(tmp_path / "elsewhere.json")
    with pytest.raises(ValueError, match="colour space unknown"):
        export.load_for_inference(path)
    assert export.load_for_inference(path, colorspace="rgb").colorspace == RGBSpace()
    (tmp_path / "elsewhere.json").rename(tmp_path / "deepcolor.json")
    assert export.load_for_inference(path).colorspace == RGBSpace(output_range=(-1.0, 1.0))

    with pytest.raises(ValueError, match="not a SavedModel"):
        export.load_for_inference(tmp_path / "missing.keras")
    with pytest.raises(ValueError, match="end in .keras"):
        export.save_keras_with_metadata(model, "rgb", tmp_path / "m.h5")


def test_multi_input_model_is_refused_before_writing(tmp_path):
    gray, embedding = keras.Input((16, 16, 1)), keras.Input((8,))
    model = keras.Model([gray, embedding], keras.layers.Conv2D(2, 1)(gray))
    with pytest.raises(ValueError, match="one gray input"):
        export.export_saved_model(model, LabSpace(), tmp_path / "saved")
    assert not (tmp_path / "saved").exists()


# Inputs outside the signature's contract, uint8 (B, H, W, 1..4), none empty.
_BAD_INPUTS = {"5 channels": (1, 8, 8, 5), "0 channels": (1, 8, 8, 0), "rank 3": (8, 8, 1),
               "empty batch": (0, 8, 8, 1), "empty height": (1, 0, 8, 1)}


def test_saved_model_signature_refuses_inputs_outside_its_contract(tmp_path):
    saved = export.export_saved_model(tiny_model("lab"), LabSpace(), tmp_path / "saved")
    serve = tf.saved_model.load(str(saved)).signatures["serving_default"]
    loaded = export.load_for_inference(saved)
    for name, shape in _BAD_INPUTS.items():
        images = np.zeros(shape, np.uint8)
        # TensorFlow alone: the graph's own check names the contract and the shape.
        with pytest.raises(tf.errors.InvalidArgumentError) as raised:
            serve(images=tf.constant(images))
        message = str(raised.value)
        if name == "rank 3":  # the signature's own shape check, naming both shapes
            assert "[8,8,1] is not compatible with expected shape [?,?,?,?]" in message
        else:
            assert "1..4 channels" in message, name
            assert str(list(shape)).replace(",", "") in message, name
        # Our loader: one plain line before TensorFlow is called.
        with pytest.raises(ValueError) as raised:
            loaded(images)
        assert len(str(raised.value).splitlines()) == 1, name
        assert str(shape) in str(raised.value), name
    with pytest.raises(ValueError, match="dtype float32"):  # 0..1 floats would be garbled
        loaded(np.zeros((1, 8, 8, 1), np.float32))
    good = np.zeros((1, 8, 8, 4), np.uint8)
    assert serve(images=tf.constant(good))["colorized"].shape == (1, 8, 8, 3)
    assert loaded(good).shape == (1, 8, 8, 3)


@pytest.mark.parametrize("space,channels", [("lab", 1), ("rgb", 3)])
def test_tflite_matches_tensorflow(tmp_path, space, channels):
    model = tiny_model(space)
    path = export.export_tflite(model, space, tmp_path / "m.tflite", channels=channels)
    assert export.check_tflite(path, model, space) <= 2
    # The check can fail: another model's TFLite file is far off.
    with pytest.raises(AssertionError, match="differs"):
        export.check_tflite(path, tiny_model(space, seed=7), space)

"""Exports colorize any size: the SavedModel (plain TensorFlow), the TFLite model (its
interpreter) and the ONNX model (onnxruntime) take a photo of any size and return it
colorized at that size, matching the CLI's path within 1 level, with nothing printed."""
import importlib.util

import numpy as np
import pytest
import tensorflow as tf

import deepcolor
from deepcolor import cli
from deepcolor.serving import export
from tests.test_api import fast_shipped  # noqa: F401  (fixture)

SIZES = [(90, 140), (257, 131)]  # neither is the model's 128 x 128
needs_onnx = pytest.mark.skipif(
    importlib.util.find_spec("tf2onnx") is None or importlib.util.find_spec("onnxruntime") is None,
    reason="tf2onnx and onnxruntime are not installed (pip install 'deepcolor[onnx]')")


def _photos(channels):
    rng = np.random.default_rng(3)
    return [rng.integers(0, 256, size + (channels,), dtype=np.uint8) for size in SIZES]


def _export(tmp_path, capfd, target, channels=1):
    out = tmp_path / {"savedmodel": "sm", "tflite": "m.tflite", "onnx": "m.onnx"}[target]
    assert cli.main(["export", "--to", target, "--out", str(out),
                     *(["--channels", str(channels)] if target != "savedmodel" else [])]) == 0
    captured = capfd.readouterr()
    assert captured.err == "", captured.err  # no TensorFlow, absl or converter lines
    assert captured.out.startswith(f"wrote {out}")
    return out


def _worst(got, expected):
    return int(np.abs(np.asarray(got).astype(int) - np.asarray(expected).astype(int)).max())


def test_savedmodel_in_plain_tensorflow(tmp_path, capfd, fast_shipped):
    out = _export(tmp_path, capfd, "savedmodel")
    serve = tf.saved_model.load(str(out)).signatures["serving_default"]
    assert serve.structured_input_signature[1]["images"].shape.as_list() == [None] * 4
    for photo in _photos(3):
        got = serve(images=tf.constant(photo[None]))["colorized"].numpy()[0]
        assert got.shape == photo.shape
        assert _worst(got, deepcolor.load()(photo)) <= 1


@pytest.mark.parametrize("channels", [1, 3])
def test_tflite_in_its_interpreter(tmp_path, capfd, fast_shipped, channels):
    out = _export(tmp_path, capfd, "tflite", channels)
    photos = _photos(channels)
    for photo, got in zip(photos, export.run_tflite(out, photos)):
        assert got.shape == photo.shape[:2] + (3,)
        assert _worst(got, deepcolor.load()(photo)) <= 1


@needs_onnx
def test_onnx_in_onnxruntime(tmp_path, capfd, fast_shipped):
    import onnxruntime

    out = _export(tmp_path, capfd, "onnx")
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (inp,) = session.get_inputs()
    assert inp.name == "images" and all(isinstance(d, str) for d in inp.shape[:3])
    for photo in _photos(1):
        (got,) = session.run(None, {"images": photo[None]})
        assert got.shape == (1,) + photo.shape[:2] + (3,)
        assert _worst(got[0], deepcolor.load()(photo)) <= 1

"""Export a trained colorizer and load it back for inference.

* `export_saved_model`: a TF SavedModel whose `serving_default` signature takes
  `images` uint8 (B, H, W, 1..4) of any size and returns `{"colorized": uint8
  (B, H, W, 3)}`. Other ranks, channel counts and empty batches fail with an
  assertion naming this contract (`inference.checked_images`). Normalisation, colour conversion and resizing are inside, so a
  loader needs TensorFlow only. `assets/deepcolor.json` records the colour space and
  input size.
* `save_keras_with_metadata`: a `.keras` file plus the same JSON as a sidecar
  `<file>.json` (e.g. `model.keras.json`), since a bare `.keras` file cannot say
  which colour space its outputs are in.
* `export_tflite` / `check_tflite`: a TFLite model uint8 (B, H, W, C) -> uint8
  (B, H, W, 3) for any H and W (resize the input tensor, then allocate), and a
  comparison of its output with the TensorFlow path; `export_onnx` the same in ONNX
  (dynamic batch, height and width).
* `load_for_inference`: either of the first two back as a callable uint8 -> uint8.

Every path runs `deepcolor.serving.inference.colorize_images`. Only
`save_keras_with_metadata` works without TensorFlow (under JAX or torch): SavedModel
and TFLite are TensorFlow formats, so TensorFlow is imported by the functions that
write or read them.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Optional

import keras
import numpy as np

from deepcolor.colorspaces import get_colorspace
from deepcolor.serving.contract import check_images, check_outputs

METADATA_NAME = "deepcolor.json"
_FORMAT = "deepcolor-colorizer"


def _metadata(model: keras.Model, colorspace, input_size: int,
              provenance: Optional[dict] = None) -> dict:
    """`provenance` (optional): where the model comes from, e.g. {"experiment": ...,
    "preset": "smoke", "stand_in": "24 synthetic images"}; `deepcolor colorize` warns
    when the preset is "smoke" or a stand-in is named."""
    data = {"format": _FORMAT, "version": 1, "model_name": model.name,
            "colorspace": colorspace.to_config(), "input_size": input_size,
            "signature": {"inputs": "images: uint8 (B, H, W, 1..4)",
                          "outputs": "colorized: uint8 (B, H, W, 3)"}}
    if provenance:
        data["provenance"] = dict(provenance)
    return data


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")


def export_saved_model(model: keras.Model, colorspace, path, input_size: Optional[int] = None,
                       provenance: Optional[dict] = None) -> Path:
    """Write a SavedModel colorizing uint8 images of any size; returns its directory."""
    import tensorflow as tf

    from deepcolor.serving.inference import Colorizer

    colorizer = Colorizer(model, colorspace, input_size)
    path = Path(path)
    tf.saved_model.save(colorizer, str(path),
                        signatures={"serving_default": colorizer.serve.get_concrete_function()})
    # Loaders ignore unknown files in assets/, and the JSON travels with the directory.
    (path / "assets").mkdir(exist_ok=True)
    _write_json(path / "assets" / METADATA_NAME,
                _metadata(model, colorizer.colorspace, colorizer.input_size, provenance))
    return path


def save_keras_with_metadata(model: keras.Model, colorspace, path,
                             input_size: Optional[int] = None,
                             provenance: Optional[dict] = None) -> Path:
    """Save `model` as `.keras` and its colour space and size as `<path>.json`."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"{path}: a Keras model file must end in .keras")
    colorspace, input_size = check_outputs(model, colorspace, input_size)  # before writing
    model.save(path)
    _write_json(path.with_name(path.name + ".json"),
                _metadata(model, colorspace, input_size, provenance))
    return path


def _read_sidecar(path: Path) -> dict:
    """The metadata next to a .keras file: model.keras.json, model.json, then deepcolor.json."""
    for candidate in (path.with_name(path.name + ".json"), path.with_suffix(".json"),
                      path.with_name(METADATA_NAME)):
        if candidate.is_file():
            data = json.loads(candidate.read_text())
            if "colorspace" in data:
                return data
    return {}


def read_metadata(path) -> dict:
    """The deepcolor JSON of a SavedModel directory or a `.keras` file ({} if none)."""
    path = Path(path)
    if path.is_dir():
        meta = path / "assets" / METADATA_NAME
        return json.loads(meta.read_text()) if meta.is_file() else {}
    return _read_sidecar(path)


class SavedModelColorizer:
    """A loaded deepcolor SavedModel: call it on uint8 (B, H, W, C) numpy images."""

    def __init__(self, path: Path):
        import tensorflow as tf

        self.source = path
        self._loaded = tf.saved_model.load(str(path))  # keep a reference: owns the variables
        self._serve = self._loaded.signatures["serving_default"]
        meta_path = path / "assets" / METADATA_NAME
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        self.colorspace = get_colorspace(meta["colorspace"]) if "colorspace" in meta else None
        self.input_size = meta.get("input_size")

    def __call__(self, images) -> np.ndarray:
        import tensorflow as tf

        return self._serve(images=tf.constant(check_images(images)))["colorized"].numpy()


def load_for_inference(path, colorspace=None, input_size: Optional[int] = None):
    """A callable uint8 (B, H, W, C) -> uint8 (B, H, W, 3) from a SavedModel or `.keras`.

    A SavedModel directory carries everything it needs. For a `.keras` file the
    colour space and input size come from the arguments, else from a sidecar JSON
    (see `_read_sidecar`), else (size only) from the model's static input shape.
    Both results have `colorspace` and `input_size` attributes.
    """
    path = Path(path)
    if path.is_dir() and (path / "saved_model.pb").is_file():
        loaded = SavedModelColorizer(path)
        if colorspace is not None and loaded.colorspace not in (None, get_colorspace(colorspace)):
            raise ValueError(f"{path} was exported for {loaded.colorspace}, not {colorspace}")
        if input_size is not None and loaded.input_size not in (None, input_size):
            raise ValueError(f"{path} was exported at size {loaded.input_size}, not {input_size}")
        return loaded
    if path.is_file() and path.suffix == ".keras":
        meta = _read_sidecar(path)
        colorspace = colorspace if colorspace is not None else meta.get("colorspace")
        if colorspace is None:
            raise ValueError(f"{path}: colour space unknown; pass it or put {path.name}.json "
                             "(written by save_keras_with_metadata) next to the model")
        import deepcolor.models  # noqa: F401  registers the suite's custom layers, if any
        from deepcolor.serving.inference import Colorizer

        model = keras.models.load_model(path, compile=False)
        return Colorizer(model, colorspace, input_size if input_size is not None
                         else meta.get("input_size"))
    raise ValueError(f"{path}: not a SavedModel directory or a .keras file")


QUANTIZATIONS = (None, "fp16", "int8")


def export_tflite(model: keras.Model, colorspace, path, input_size: Optional[int] = None,
                  channels: int = 1, quantize: Optional[str] = None) -> Path:
    """Write a TFLite model for uint8 (B, H, W, `channels`) -> uint8 (B, H, W, 3), any
    H and W: the photo is shrunk to the model size S inside, and its colour laid on
    the full-size luminance (`render.colorize_images`). A runtime sets the size with
    `resize_tensor_input` before `allocate_tensors` (`run_tflite` does).
    `quantize`: None (float32), "fp16" (weights stored as float16, half the size) or
    "int8" (the converter's dynamic-range quantization: weights in 8 bits, a quarter
    of the size; activations stay float). Full-integer int8 with a representative
    dataset was tried and rejected: it quantizes the Lab <-> RGB conversion inside the
    graph too, and a test model's colours moved by 21 levels on average (up to 215).
    """
    if quantize not in QUANTIZATIONS:
        raise ValueError(f"quantize must be one of {QUANTIZATIONS}, not {quantize!r}")
    import tensorflow as tf

    from deepcolor.serving.inference import Colorizer

    colorizer = Colorizer(model, colorspace, input_size)
    function = colorizer.any_size_function(channels)
    # No trackable object: with one, TF 2.21 converts through a SavedModel and binds
    # the Keras 3 variables wrongly (garbage weights); without, they are frozen in.
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function])
    if quantize is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    path = Path(path)
    with _absl_quiet():  # "consider providing the trackable_obj": see above
        path.write_bytes(converter.convert())
    return path


class _absl_quiet:
    """absl's Python WARNING lines off inside the block."""

    def __enter__(self):
        import logging

        self._logger = logging.getLogger("absl")
        self._level = self._logger.level
        self._logger.setLevel(logging.ERROR)

    def __exit__(self, *_):
        self._logger.setLevel(self._level)


def onnx_unavailable() -> Optional[str]:
    """None if `tf2onnx` imports, else one line saying what to install."""
    try:
        import tf2onnx  # noqa: F401
    except ImportError as error:
        return (f"ONNX export needs tf2onnx ({error}); install it with "
                f"pip install 'deepcolor[onnx]' or pip install tf2onnx onnx")
    return None


def export_onnx(model: keras.Model, colorspace, path, input_size: Optional[int] = None,
                channels: Optional[int] = None, opset: int = 17,
                provenance: Optional[dict] = None) -> Path:
    """Write an ONNX model for uint8 (B, H, W, `channels`) -> uint8 (B, H, W, 3), any
    batch, H and W, input `images`, output `colorized`, with tf2onnx (optional extra).
    `channels` None takes 1 to 4 (gray, gray + alpha, RGB, RGBA) as the SavedModel does.
    The deepcolor JSON (model name, colour space, size) goes into the file's metadata
    (key "deepcolor"), read by `onnx_runner` on an install without Keras."""
    problem = onnx_unavailable()
    if problem:
        raise RuntimeError(problem)
    import onnx
    import tensorflow as tf
    import tf2onnx

    from deepcolor.serving.inference import Colorizer
    from deepcolor.serving.onnx_runner import METADATA_KEY

    colorizer = Colorizer(model, colorspace, input_size)
    spec = (tf.TensorSpec([None, None, None, channels], tf.uint8, name="images"),)
    with _absl_quiet():
        proto, _ = tf2onnx.convert.from_function(tf.function(colorizer._colorize),
                                                 input_signature=spec, opset=opset)
    meta = _metadata(model, colorizer.colorspace, colorizer.input_size, provenance)
    onnx.helper.set_model_props(proto, {METADATA_KEY: json.dumps(meta)})
    path = Path(path)
    onnx.save(proto, str(path))
    return path


def _interpreter(path) -> "tf.lite.Interpreter":
    import tensorflow as tf

    # tf.lite.Interpreter warns that it moves to the ai_edge_litert package, which is
    # not a dependency; it still runs the same flatbuffer, so hush the warning here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated")
        return tf.lite.Interpreter(model_path=str(path))


def run_tflite(path, images):
    """Run a TFLite colorizer on uint8 images (H, W, C) of any sizes, one at a time:
    a batch array (N, H, W, C) gives an array (N, H, W, 3), a list a list."""
    from deepcolor.serving.quiet import c_stderr_silenced

    with c_stderr_silenced():  # "Created TensorFlow Lite XNNPACK delegate for CPU"
        interpreter = _interpreter(path)
        (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
        results = []
        for image in images:
            interpreter.resize_tensor_input(inp["index"], (1, *image.shape))
            interpreter.allocate_tensors()
            interpreter.set_tensor(inp["index"], np.asarray(image, np.uint8)[None])
            interpreter.invoke()
            results.append(interpreter.get_tensor(out["index"])[0].copy())
    return np.stack(results) if isinstance(images, np.ndarray) else results


def check_tflite(path, model: keras.Model, colorspace, input_size: Optional[int] = None,
                 images=None, tolerance: int = 1) -> int:
    """Compare the TFLite model at `path` with the TensorFlow path; returns the worst
    difference in uint8 levels and raises AssertionError above `tolerance`.

    Without `images`, two random images of two sizes other than the model's, with
    the exported input channels."""
    from deepcolor.serving.inference import Colorizer

    colorizer = Colorizer(model, colorspace, input_size)
    channels = int(_interpreter(path).get_input_details()[0]["shape_signature"][-1])
    if images is None:
        rng = np.random.default_rng(0)
        images = [rng.integers(0, 256, shape + (channels,), dtype=np.uint8)
                  for shape in ((37, 53), (90, 61))]
    worst = max(int(np.abs(got.astype(int) - colorizer(image[None])[0].astype(int)).max())
                for image, got in zip(images, run_tflite(path, list(images))))
    if worst > tolerance:
        raise AssertionError(f"TFLite output differs from TensorFlow by {worst} levels "
                             f"(tolerance {tolerance})")
    return worst

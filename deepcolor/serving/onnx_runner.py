"""Colorize with an exported `.onnx` file on onnxruntime: the light install.

`deepcolor export --to onnx` traces the one colorize path (`render.colorize_images`:
the photo shrunk to the model's working size, colour predicted there and laid on the
photo's own full-resolution luminance) into the ONNX graph, with the model's name,
colour space and size in its metadata (`export.export_onnx`). This module only feeds
that graph: uint8 photos in, uint8 colorized photos out. It imports numpy and
onnxruntime, never Keras, TensorFlow or JAX, so `deepcolor colorize --model m.onnx`
runs on an install of numpy, pillow and onnxruntime alone (README, "A light install").
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np

from deepcolor.errors import UsageError
from deepcolor.serving.contract import check_images
from deepcolor.serving.images import is_gray

SUFFIX = ".onnx"
METADATA_KEY = "deepcolor"  # the ONNX metadata_props entry: the exporter's JSON


def is_onnx(path) -> bool:
    return Path(path).suffix.lower() == SUFFIX and Path(path).is_file()


def require_onnxruntime(path) -> None:
    """A one-line UsageError if `path` is an ONNX file and onnxruntime is not installed."""
    if not is_onnx(path):
        return
    try:
        import onnxruntime  # noqa: F401  (imported anyway to run the model)
    except ImportError:
        raise UsageError(f"{path} is an ONNX model, which needs onnxruntime: "
                         f"pip install onnxruntime") from None


class OnnxColorizer:
    """An exported colorizer on onnxruntime: numpy uint8 (B, H, W, C) in, uint8
    (B, H, W, 3) out, like `render.KerasColorizer`. The graph's working size and
    saturation are fixed at export (`input_size`, saturation 1)."""

    saturation = 1.0

    def __init__(self, path):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only: no start-up lines on the terminal
        # No memory arena: a 24-megapixel scan peaked at 1.6 GB instead of 2.0 GB (README).
        options.enable_cpu_mem_arena = options.enable_mem_pattern = False
        self._session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"])
        (image_input,) = self._session.get_inputs()
        self._input = image_input.name
        channels = image_input.shape[-1]
        self.channels = channels if isinstance(channels, int) else None  # None: 1 to 4
        props = self._session.get_modelmeta().custom_metadata_map
        self.metadata = json.loads(props.get(METADATA_KEY, "{}"))
        self.input_size = self.metadata.get("input_size")
        self.colorspace_name = self.metadata.get("colorspace", {}).get("name", "?")

    def _fed(self, images: np.ndarray) -> np.ndarray:
        """`images` with the channel count the graph was exported for. Gray stored as three
        equal channels is the same photo as one channel (the graph replicates gray)."""
        have = images.shape[-1]
        if self.channels is None or have == self.channels:
            return images
        if self.channels == 1:
            if have >= 3 and not is_gray(images[..., :3]):
                raise ValueError("this ONNX model takes gray photos (exported with "
                                 "--channels 1); export it without --channels for colour photos")
            return images[..., :1]
        if have < 3:  # a 3-channel graph: gray replicated, as the graph itself does
            return np.repeat(images[..., :1], 3, axis=-1)
        return images[..., :3]  # alpha dropped

    def __call__(self, images) -> np.ndarray:
        images = self._fed(check_images(images))
        (colorized,) = self._session.run(None, {self._input: images})
        return colorized


def load(path: Path, render_size: Optional[int] = None):
    """(OnnxColorizer, model name, one-line description) for the `.onnx` file at `path`."""
    require_onnxruntime(path)
    try:
        colorizer = OnnxColorizer(path)
    except Exception as error:  # a broken or foreign file: one line
        from deepcolor.errors import first_line

        raise UsageError(f"cannot load model {path}: {type(error).__name__}: "
                         f"{first_line(error)}") from None
    size = colorizer.input_size
    if render_size is not None and render_size != size:
        raise UsageError(f"{path} is an ONNX model fixed at {size} px; --render-size needs "
                         f"the .keras file or the shipped model")
    name = colorizer.metadata.get("model_name") or Path(path).stem
    if colorizer.metadata.get("provenance", {}).get("source") == "shipped":
        name += " (shipped)"  # the name the shipped model marks its files with (api.py)
    description = (f"model {name} from {path} (ONNX on onnxruntime, "
                   f"{colorizer.colorspace_name}, {size} px)")
    return colorizer, name, description

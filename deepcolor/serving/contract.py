"""What a colorizer must be and take, checked without TensorFlow.

`inference.Colorizer` (TensorFlow) and `export.save_keras_with_metadata` (any Keras
backend) both validate a model here: one gray input, one output with the colour
space's channels, a known square size; `check_images` states the uint8 contract.
Nothing here imports Keras (the onnxruntime runner, deepcolor/serving/onnx_runner.py,
checks its images here on an install without it).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np

if TYPE_CHECKING:  # annotations only: importing this module must not import Keras
    import keras


def single_input(model: keras.Model) -> None:
    """Raise a clear error unless `model` maps one image input to one output."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        names = [t.name for t in model.inputs]
        raise ValueError(
            f"model {model.name!r} has {len(model.inputs)} inputs {names} and "
            f"{len(model.outputs)} outputs; colorization and export need one gray input and "
            "one output. Wrap a fusion model with its backbone inside so it takes the gray "
            "image alone.")


def resolve_input_size(model: keras.Model, input_size: Optional[int]) -> int:
    """The square size S the model runs at: `input_size`, or the model's own static size."""
    height, width = tuple(model.inputs[0].shape[1:3])
    if input_size is None:
        if height is None or height != width:
            raise ValueError(f"model input is {height}x{width}; "
                             "pass input_size (the training size)")
        return int(height)
    if height is not None and (height, width) != (input_size, input_size):
        raise ValueError(f"input_size {input_size} does not match the model input {height}x{width}")
    return int(input_size)


IMAGES_CONTRACT = "uint8 (batch, height, width, 1..4 channels)"


def check_images(images) -> np.ndarray:
    """`images` as a numpy array if it keeps the contract IMAGES_CONTRACT, else a
    one-line ValueError saying what is wrong (not TensorFlow's graph error)."""
    array = np.asarray(images)
    if array.dtype != np.uint8:  # a float in [0, 1] or an int over 255 would be garbled
        raise ValueError(f"images must be {IMAGES_CONTRACT}; got dtype {array.dtype}")
    if array.ndim != 4:
        hint = " (one image? add a batch axis: images[None])" if array.ndim == 3 else ""
        raise ValueError(f"images must be {IMAGES_CONTRACT}; got shape {array.shape}{hint}")
    if not 1 <= array.shape[-1] <= 4:
        raise ValueError(f"images must have 1 to 4 channels (gray, gray+alpha, RGB, RGBA); "
                         f"got shape {array.shape}")
    if 0 in array.shape:
        raise ValueError(f"images must not be empty; got shape {array.shape}")
    return array


def check_outputs(model: keras.Model, colorspace, input_size: Optional[int] = None):
    """(colour space, input size) of a model fit to colorize; a one-line ValueError if
    it has several inputs or outputs, no known size, or the wrong output channels."""
    from deepcolor.colorspaces import get_colorspace

    single_input(model)
    colorspace = get_colorspace(colorspace)
    size = resolve_input_size(model, input_size)
    if model.outputs[0].shape[-1] != colorspace.output_channels:
        raise ValueError(f"model outputs {model.outputs[0].shape[-1]} channels but "
                         f"{colorspace.name} needs {colorspace.output_channels}")
    return colorspace, size

"""The TensorFlow wrapping of full-resolution colorization, for the SavedModel,
TFLite and ONNX exports: `Colorizer` traces `render.colorize_images` (the one
implementation, in keras.ops, that the CLI and the Python API run too), so every
path agrees up to the float rounding of its runtime.
"""
from __future__ import annotations

from typing import Optional

import keras
import tensorflow as tf

from deepcolor.serving.contract import (IMAGES_CONTRACT, check_images,  # noqa: F401
                                        check_outputs, resolve_input_size, single_input)
from deepcolor.serving.render import colorize_images, to_rgb  # noqa: F401  (re-exported)


def checked_images(images: tf.Tensor) -> tf.Tensor:
    """`images` of unknown rank, checked in the graph (the SavedModel signature has no
    Python to do it): rank 4, 1..4 channels, no empty axis, else an assertion that
    states the contract and the shape given. One condition built only from ops that
    work at any rank: graph ops run in no fixed order, so a shape[3] guarded by a
    separate rank check could still fail first with an obscure error."""
    shape = tf.shape(images)
    first4 = tf.concat([shape, tf.ones([4], tf.int32)], 0)[:4]  # safe at any rank
    valid = tf.reduce_all([tf.equal(tf.size(shape), 4), tf.reduce_all(first4 > 0),
                           first4[3] <= 4])
    check = tf.debugging.Assert(valid, [f"images must be {IMAGES_CONTRACT}, none empty; "
                                        "got shape", shape], summarize=8)
    with tf.control_dependencies([check]):
        return tf.ensure_shape(tf.identity(images), [None, None, None, None])


class Colorizer(tf.Module):
    """A model, its colour space and size, with `colorize_images` as a traced function.

    `serve` takes uint8 (B, H, W, 1..4) of any size; it is the SavedModel signature,
    shown as (-1, -1, -1, -1): TensorFlow itself refuses another rank, naming both
    shapes, and `checked_images` the wrong channel counts and empty axes. Calling a
    `Colorizer` on a numpy array returns a numpy array (and checks it in Python).
    """

    def __init__(self, model: keras.Model, colorspace, input_size: Optional[int] = None):
        super().__init__(name="deepcolor_colorizer")
        self.model = model
        self.colorspace, self.input_size = check_outputs(model, colorspace, input_size)
        self.serve = tf.function(
            self._serve, input_signature=[tf.TensorSpec([None, None, None, None], tf.uint8,
                                                       name="images")])

    def _serve(self, images):
        return self._colorize(checked_images(images))

    def _colorize(self, images):
        return {"colorized": colorize_images(self.model, self.colorspace, images, self.input_size)}

    def any_size_function(self, channels: int):
        """A concrete function for uint8 (batch, H, W, `channels`), batch, H and W left
        dynamic (TFLite, ONNX): a fixed channel count keeps the graph free of branches."""
        spec = tf.TensorSpec([None, None, None, channels], tf.uint8, name="images")
        return tf.function(self._colorize).get_concrete_function(spec)

    def __call__(self, images):
        return self.serve(tf.constant(check_images(images)))["colorized"].numpy()

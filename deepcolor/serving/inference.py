"""Full-resolution colorization: the one TensorFlow implementation of it.

The `deepcolor colorize` command, the exported SavedModel and the TFLite model all
run `colorize_images`, so they agree to the bit (up to float rounding of the
runtime). The model only ever sees its training size S x S; the photo keeps its
own size. As in Zhang et al.'s demo and DeOldify, only the chroma comes from the
network: it is predicted at S x S, upsampled bilinearly to H x W and combined with
the photo's own full-resolution luminance, so edges and detail stay sharp:

* Lab models: predicted ab with the photo's L;
* YUV models: predicted UV with the photo's Y;
* RGB-output models: the ab of the predicted RGB (converted to Lab at S x S) with
  the photo's L.

A colour photo is treated as its luminance (its own colours are ignored).
"""
from __future__ import annotations

from typing import Optional

import keras
import numpy as np
import tensorflow as tf

from deepcolor.colorspaces import ColorSpace, RGBSpace, get_colorspace, lab_to_rgb, rgb_to_lab
from deepcolor.serving.contract import (IMAGES_CONTRACT, check_images,  # noqa: F401
                                        check_outputs, resolve_input_size, single_input)


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


def to_rgb(images: tf.Tensor) -> tf.Tensor:
    """uint8 (B, H, W, C) with C in 1..4 -> float RGB in [0, 1]; gray is replicated,
    a second (alpha) or fourth channel is dropped."""
    x = tf.cast(images, tf.float32) / 255.0
    channels = x.shape[-1]
    if channels is not None:  # static: no tf.cond, so TFLite sees a plain graph
        rgb = tf.repeat(x[..., :1], 3, axis=-1) if channels < 3 else x[..., :3]
    else:
        rgb = tf.cond(tf.shape(x)[-1] < 3, lambda: tf.repeat(x[..., :1], 3, axis=-1),
                      lambda: x[..., :3])
    return tf.ensure_shape(rgb, [None, None, None, 3])


def _resize(x: tf.Tensor, height, width, antialias: bool) -> tf.Tensor:
    """Bilinear resize, skipped when the static shape already matches (keeps TFLite lean)."""
    if x.shape[1] == height and x.shape[2] == width and isinstance(height, int):
        return x
    return tf.image.resize(x, tf.stack([height, width]), method="bilinear", antialias=antialias)


def colorize_images(model: keras.Model, colorspace: ColorSpace, images: tf.Tensor,
                    input_size: int) -> tf.Tensor:
    """uint8 images (B, H, W, 1..4), any H and W -> colorized uint8 RGB (B, H, W, 3).

    `model` maps the colour space's model input (B, S, S, 1) to its output
    (B, S, S, C), S = `input_size`. Works eagerly and inside `tf.function` with
    dynamic H and W.
    """
    colorspace = get_colorspace(colorspace)
    rgb = to_rgb(images)
    shape = tf.shape(rgb)
    height = rgb.shape[1] if rgb.shape[1] is not None else shape[1]
    width = rgb.shape[2] if rgb.shape[2] is not None else shape[2]

    # Antialias when shrinking a large photo to S x S, else fine texture aliases.
    small = _resize(rgb, input_size, input_size, antialias=True)
    output = tf.cast(model(colorspace.encode_input(small), training=False), tf.float32)
    # Upsampling chroma: bilinear without antialias (antialias only matters shrinking,
    # and its kernel is not a TFLite builtin op).
    if isinstance(colorspace, RGBSpace):
        predicted_rgb = colorspace.decode(colorspace.encode_input(small), output)
        predicted_ab = rgb_to_lab(predicted_rgb)[..., 1:]
        lightness = rgb_to_lab(rgb)[..., :1]
        full = lab_to_rgb(tf.concat([lightness, _resize(predicted_ab, height, width, False)], -1))
    else:
        # Lab and YUV decode is linear in the model output (ab = out * scale,
        # UV = out / scale), so upsampling the output is upsampling the chroma.
        upsampled = _resize(output, height, width, False)
        full = colorspace.decode(colorspace.encode_input(rgb), upsampled)
    return tf.cast(tf.round(tf.clip_by_value(full, 0.0, 1.0) * 255.0), tf.uint8)


class Colorizer(tf.Module):
    """A model, its colour space and size, with `colorize_images` as a traced function.

    `serve` takes uint8 (B, H, W, 1..4) of any size; it is the SavedModel signature.
    Its input has no fixed rank so that a wrong rank reaches `checked_images` and
    fails with a clear message instead of deep inside the graph. Calling a
    `Colorizer` on a numpy array returns a numpy array (and checks it in Python).
    """

    def __init__(self, model: keras.Model, colorspace, input_size: Optional[int] = None):
        super().__init__(name="deepcolor_colorizer")
        self.model = model
        self.colorspace, self.input_size = check_outputs(model, colorspace, input_size)
        self.serve = tf.function(
            self._serve, input_signature=[tf.TensorSpec(None, tf.uint8, name="images")])

    def _serve(self, images):
        return self._colorize(checked_images(images))

    def _colorize(self, images):
        return {"colorized": colorize_images(self.model, self.colorspace, images, self.input_size)}

    def fixed_size_function(self, channels: int, batch: int = 1):
        """A concrete function for input (batch, S, S, channels) uint8, e.g. for TFLite."""
        spec = tf.TensorSpec([batch, self.input_size, self.input_size, channels], tf.uint8,
                             name="images")
        return tf.function(self._colorize).get_concrete_function(spec)

    def __call__(self, images):
        return self.serve(tf.constant(check_images(images)))["colorized"].numpy()

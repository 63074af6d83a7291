"""Full-resolution colorization, written once in `keras.ops`: the one path every
colorizer takes (the CLI, `deepcolor.colorize`, the shipped model, exported models,
the SavedModel, TFLite and ONNX graphs), under TensorFlow or JAX.

The model only ever sees its working size S x S (`render_size`); the photo keeps its
own size. As in Zhang et al.'s demo and DeOldify, only the chroma comes from the
network: the photo's luminance is shrunk to S x S (antialiased), the chroma is
predicted there, enlarged bilinearly to H x W and laid on the photo's own
full-resolution luminance, so edges and detail stay sharp:

* Lab models: predicted ab with the photo's L;
* YUV models: predicted UV with the photo's Y;
* RGB-output models: the ab of the predicted RGB (converted to Lab at S x S) with
  the photo's L.

A colour photo is treated as its luminance (its own colours are ignored).
`saturation` multiplies the predicted chroma (1: as predicted, 0: gray).

Both resizes are products with small weight matrices built from the shapes (the
triangle kernel of `tf.image.resize` / `jax.image.resize`, widened when shrinking
for antialiasing): plain matmuls, so the graph has dynamic H and W in TFLite and
ONNX too, where the antialiased resize op does not exist.

Numpy photos (the CLI, `deepcolor.load`, the shipped model) take `colorize_in_bands`:
the same steps a band of rows at a time; for Lab models its full-size steps (the
photo's L, the enlarge, Lab -> sRGB) are deepcolor/serving/fullsize.py's numpy/OpenCV
versions of this module's maths, within 1 level of it (issue 24: the 1.5 s budget for
a 12-megapixel photo).
"""
from __future__ import annotations

import numpy as np
from keras import ops

from deepcolor.colorspaces import (LabSpace, RGBSpace, get_colorspace, lab_to_rgb,
                                   rgb_to_lab)


def resize_weights(in_size, out_size, antialias: bool):
    """(out_size, in_size) float32 weights of a bilinear resize along one axis, half-pixel
    centres, edges clamped; `antialias` widens the kernel when shrinking. Sizes may be
    Python ints or scalar tensors (a traced graph's dynamic shape)."""
    in_f, out_f = ops.cast(in_size, "float32"), ops.cast(out_size, "float32")
    inv_scale = in_f / out_f
    sample = (ops.cast(ops.arange(out_size), "float32") + 0.5) * inv_scale - 0.5
    distance = ops.abs(sample[:, None] - ops.cast(ops.arange(in_size), "float32")[None, :])
    if antialias:
        distance = distance / ops.maximum(inv_scale, 1.0)
    weights = ops.maximum(1.0 - distance, 0.0)
    # Every output sample lies within half a pixel of an input one: the sum is > 0.
    return weights / ops.sum(weights, axis=1, keepdims=True)


def resize_channels_first(x, height, width, antialias: bool):
    """x (..., h, w) -> (..., height, width); skipped when the static size already matches."""
    h, w = ops.shape(x)[-2], ops.shape(x)[-1]
    if all(isinstance(v, int) for v in (h, w, height, width)) and (h, w) == (height, width):
        return x
    rows = resize_weights(h, height, antialias)
    columns = resize_weights(w, width, antialias)
    return ops.matmul(ops.matmul(rows, x), ops.transpose(columns))


def to_rgb(images, as_uint8: bool = False):
    """uint8 (B, H, W, C), C in 1..4 -> float RGB in [0, 1] (or uint8 RGB with
    `as_uint8`, which the colour spaces linearise by lookup: cheaper at full size);
    gray (and gray + alpha) is replicated, a fourth (alpha) channel dropped."""
    x = ops.convert_to_tensor(images) if as_uint8 else ops.cast(images, "float32") / 255.0
    channels = ops.shape(x)[-1]
    gray = ops.repeat(x[..., :1], 3, axis=-1)
    if isinstance(channels, int):
        return gray if channels < 3 else x[..., :3]
    # Unknown channel count in a traced graph: both candidates, no control flow.
    padded = ops.concatenate([x, x[..., :1], x[..., :1]], axis=-1)[..., :3]
    return ops.where(channels < 3, gray, padded)


def _size(x, axis: int):
    return ops.shape(x)[axis]


def shrink(model_input, input_size: int, rows=None):
    """Model input (B, H, W, 1) -> (B, S, S, 1), antialiased. `rows`: the (S, h) slice of
    the row weights for a band of h rows (the bands' results add up to the whole)."""
    x = model_input[..., 0]
    if rows is None:
        return resize_channels_first(x, input_size, input_size, antialias=True)[..., None]
    columns = resize_weights(_size(x, 2), input_size, antialias=True)
    return ops.matmul(ops.matmul(rows, x), ops.transpose(columns))[..., None]


def predict_chroma(model, colorspace, small, flip_average: bool = False):
    """The chroma predicted at S x S from the shrunk model input (B, S, S, 1): the model's
    output for Lab and YUV, the predicted RGB's Lab ab for RGB-output models.
    `flip_average`: the mean with the prediction for the mirror image, mirrored back
    (test-time flips; issue 24 measures them with benchmarks/colorizer_heldout.py)."""
    if flip_average:
        mirrored = predict_chroma(model, colorspace, ops.flip(small, axis=2))
        return (predict_chroma(model, colorspace, small) + ops.flip(mirrored, axis=2)) / 2.0
    output = ops.cast(model(small, training=False), "float32")
    if isinstance(colorspace, RGBSpace):
        return rgb_to_lab(colorspace.decode(small, output))[..., 1:]
    return output


def compose(colorspace, rgb, model_input, chroma, saturation=1.0, rows=None):
    """Lay the S x S `chroma` (predict_chroma), enlarged to H x W and scaled by
    `saturation`, on the full-size luminance -> uint8 RGB (B, H, W, 3). `rows`: the
    (h, S) slice of the enlarging row weights when `rgb` is a band of h rows."""
    width = _size(rgb, 2)
    chroma = ops.transpose(chroma, (0, 3, 1, 2))  # channels first for the resize
    if rows is None:
        upsampled = resize_channels_first(chroma, _size(rgb, 1), width, antialias=False)
    else:
        columns = resize_weights(_size(chroma, 3), width, antialias=False)
        upsampled = ops.matmul(ops.matmul(rows, chroma), ops.transpose(columns))
    upsampled = ops.transpose(upsampled, (0, 2, 3, 1))
    if not (isinstance(saturation, (int, float)) and saturation == 1):
        upsampled = upsampled * saturation
    if isinstance(colorspace, RGBSpace):
        lightness = rgb_to_lab(rgb)[..., :1]
        full = lab_to_rgb(ops.concatenate([lightness, upsampled], axis=-1))
    else:
        # Lab and YUV decode is linear in the model output (ab = out * scale,
        # UV = out / scale), so enlarging the output is enlarging the chroma.
        full = colorspace.decode(model_input, upsampled)
    return ops.cast(ops.round(ops.clip(full, 0.0, 1.0) * 255.0), "uint8")


def colorize_images(model, colorspace, images, input_size: int, saturation=1.0,
                    flip_average: bool = False):
    """uint8 images (B, H, W, 1..4), any H and W -> colorized uint8 RGB (B, H, W, 3).

    `model` maps the colour space's model input (B, S, S, 1) to its output
    (B, S, S, C), S = `input_size`. Works eagerly (numpy in, backend tensor out) and
    traced (`tf.function`, `jax.jit`) with dynamic H and W.
    """
    colorspace = get_colorspace(colorspace)
    # float RGB here: exported graphs (TFLite --fp16 turns float constants such as the
    # uint8 lookup table to float16); the banded numpy path below takes the lookup.
    rgb = to_rgb(ops.convert_to_tensor(images))
    model_input = colorspace.encode_input(rgb)
    chroma = predict_chroma(model, colorspace, shrink(model_input, input_size), flip_average)
    return compose(colorspace, rgb, model_input, chroma, saturation)


BAND_PIXELS = 1_000_000  # rows per band: about this many pixels (bounds the memory)


def _bands(height: int, width: int, batch: int):
    step = max(1, BAND_PIXELS // (width * batch))
    return [(top, min(top + step, height)) for top in range(0, height, step)]


def colorize_in_bands(model, colorspace, images: np.ndarray, input_size: int,
                      saturation=1.0) -> np.ndarray:
    """`colorize_images` for numpy input, a band of rows at a time, so the full-size
    float temporaries of a 24-megapixel scan never exist at once; the same numbers
    within 1 level (every step is per pixel but the two resizes, and those are split
    by rows). Lab models take `_lab_in_bands` (OpenCV, deepcolor/serving/fullsize.py)."""
    colorspace = get_colorspace(colorspace)
    if isinstance(colorspace, LabSpace):
        return _lab_in_bands(model, colorspace, images, input_size, saturation)
    height, width = images.shape[1:3]
    bands = _bands(height, width, images.shape[0])
    if len(bands) == 1:
        return ops.convert_to_numpy(colorize_images(model, colorspace, images, input_size,
                                                    saturation))
    shrink_rows = resize_weights(height, input_size, antialias=True)
    small = 0.0
    for top, bottom in bands:
        band_input = colorspace.encode_input(to_rgb(images[:, top:bottom], as_uint8=True))
        small = small + shrink(band_input, input_size, shrink_rows[:, top:bottom])
    chroma = predict_chroma(model, colorspace, small)
    enlarge_rows = resize_weights(input_size, height, antialias=False)
    out = np.empty(images.shape[:3] + (3,), np.uint8)
    for top, bottom in bands:
        rgb = to_rgb(images[:, top:bottom], as_uint8=True)
        out[:, top:bottom] = ops.convert_to_numpy(compose(
            colorspace, rgb, colorspace.encode_input(rgb), chroma, saturation,
            enlarge_rows[top:bottom]))
    return out


def _lab_in_bands(model, colorspace, images: np.ndarray, input_size: int,
                  saturation=1.0) -> np.ndarray:
    """`colorize_in_bands` for a Lab model: the photos' own L is computed once per band
    and kept for the output (4 bytes a pixel of the batch), the shrunk L goes through
    the model as in `colorize_images`, the chroma is laid on the L a band at a time."""
    from deepcolor.serving import fullsize

    height, width = images.shape[1:3]
    bands = _bands(height, width, 1)
    weights = {name: ops.convert_to_numpy(resize_weights(*sizes, antialias=name != "up"))
               for name, sizes in (("rows", (height, input_size)), ("up", (input_size, height)),
                                   ("columns", (width, input_size)))}
    lightness = [[fullsize.lightness(image[top:bottom]) for top, bottom in bands]
                 for image in images]
    shrunk_rows = [sum(fullsize.banded_matmul(weights["rows"][:, top:bottom], band)
                       for (top, bottom), band in zip(bands, photo)) for photo in lightness]
    small = np.stack([fullsize.banded_matmul(weights["columns"], rows.T).T
                      for rows in shrunk_rows])[..., None]
    chroma = predict_chroma(model, colorspace, colorspace.input_of_lightness(small))
    # ab = the output x ab_scale (LabSpace.decode), x saturation: linear, so applied at S x S.
    chroma = ops.convert_to_numpy(chroma) * np.float32(colorspace.ab_scale * saturation)
    out = np.empty(images.shape[:3] + (3,), np.uint8)
    for index, photo in enumerate(lightness):
        for (top, bottom), band in zip(bands, photo):
            ab = fullsize.enlarge(chroma[index], weights["up"][top:bottom], width)
            fullsize.lab_to_srgb8(band, ab, out[index, top:bottom])
    return out


class KerasColorizer:
    """A Keras model with its colour space and working size: numpy uint8 (B, H, W, C)
    in, numpy uint8 (B, H, W, 3) out, on whichever backend Keras runs."""

    def __init__(self, model, colorspace, input_size: int, saturation: float = 1.0):
        self.model, self.colorspace = model, get_colorspace(colorspace)
        self.input_size, self.saturation = int(input_size), float(saturation)

    def __call__(self, images) -> np.ndarray:
        from deepcolor.serving.contract import check_images

        images = check_images(images)
        return colorize_in_bands(self.model, self.colorspace, images, self.input_size,
                                 self.saturation)

    def with_saturation(self, saturation: float) -> "KerasColorizer":
        return KerasColorizer(self.model, self.colorspace, self.input_size, saturation)


def model_at_size(model, size: int):
    """A functional Keras model rebuilt for S x S input (same weights), for a working
    size other than the one it was saved at; a ValueError if it cannot take it."""
    config = model.get_config()
    inputs = [layer for layer in config.get("layers", []) if layer["class_name"] == "InputLayer"]
    if len(inputs) != 1:
        raise ValueError(f"model {model.name!r} cannot be rebuilt at another size")
    shape = list(inputs[0]["config"]["batch_shape"])
    inputs[0]["config"]["batch_shape"] = [shape[0], size, size, shape[-1]]
    try:
        clone = model.__class__.from_config(config)
        clone.set_weights(model.get_weights())
    except Exception as error:  # e.g. a layer with a fixed spatial size
        raise ValueError(f"model {model.name!r} cannot run at {size} x {size}: "
                         f"{type(error).__name__}") from None
    return clone

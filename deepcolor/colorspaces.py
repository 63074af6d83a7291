"""Colour spaces: the spine every pipeline, model, metric and export goes through.

Written once in `keras.ops` (tf ops under TensorFlow: they run in `tf.data`, XLA and a
SavedModel; jax ops under JAX). Functions take RGB in [0, 1] (uint8 0-255 too for
`rgb_to_lab`, `lab_lightness`, `encode`, `encode_input`), channels last, any leading
shape, numpy or backend tensor, and return a backend tensor.

Conventions (each checked in tests/test_colorspaces.py):

* Lab: CIE L*a*b*, D65 white, 2-degree observer, sRGB companding; the
  `skimage.color.rgb2lab` convention. L in [0, 100], a in about [-86, 98],
  b in about [-108, 94] for sRGB colours (nominally [-128, 127]).
* YUV: the `tf.image.rgb_to_yuv` convention (BT.601 weights). Y in [0, 1],
  U in [-0.436, 0.436], V in [-0.615, 0.615]. OpenCV's COLOR_RGB2YUV is the same
  with 0.5 added to U and V.
* Gray: the Y of YUV (0.299 R + 0.587 G + 0.114 B), which is also what
  `tf.image.rgb_to_grayscale` and PIL's "L" mode compute.

A `ColorSpace` turns an RGB image into (model input, model target) and turns
(model input, model output) back into RGB. The three the reports use:

* `RGBSpace`  gray in, RGB out (reports 000, 002, 003);
* `YUVSpace`  Y in, UV out (report 000);
* `LabSpace`  L in, ab out (reports 001, 004 and Deep Koalarization).
"""
from __future__ import annotations

import abc
import dataclasses
from typing import Tuple

import numpy as np
from keras import ops
from keras.backend import standardize_dtype

# sRGB primaries to XYZ, D65 (the matrix skimage.color uses).
_XYZ_FROM_RGB = np.array([[0.412453, 0.357580, 0.180423],
                          [0.212671, 0.715160, 0.072169],
                          [0.019334, 0.119193, 0.950227]], dtype=np.float64)
_RGB_FROM_XYZ = np.linalg.inv(_XYZ_FROM_RGB)
_D65_WHITE = np.array([0.95047, 1.0, 1.08883], dtype=np.float64)
_LUMA = (0.299, 0.587, 0.114)
# RGB to YUV as tf.image.rgb_to_yuv (BT.601); its yuv_to_rgb kernel is this inverse.
_YUV_FROM_RGB = np.array([[0.299, 0.587, 0.114],
                          [-0.14714119, -0.28886916, 0.43601035],
                          [0.61497538, -0.51496512, -0.10001026]])
_RGB_FROM_YUV = np.linalg.inv(_YUV_FROM_RGB)


def _float(x):
    """Any array (numpy, tf, jax; any dtype) as a float32 backend tensor."""
    return ops.cast(ops.convert_to_tensor(x), "float32")


def _matmul_channels(x, matrix: np.ndarray):
    """Apply a 3x3 matrix to the last axis: out[..., i] = sum_j m[i, j] x[..., j]."""
    return ops.tensordot(x, ops.convert_to_tensor(matrix.T, x.dtype), axes=1)


def _pow(x, exponent: float):
    """x ** exponent for x > 0. exp and log are vectorised on CPU, TF's float pow is
    not: 6x faster, same accuracy (benchmarks/colorspace_profile.py)."""
    return ops.exp(exponent * ops.log(x))


def _srgb_to_linear(rgb):
    return ops.where(rgb > 0.04045, _pow((ops.maximum(rgb, 0.04045) + 0.055) / 1.055, 2.4),
                     rgb / 12.92)


# sRGB decoding of the 256 uint8 levels (float64 once): a lookup, not a power, per pixel.
_LINEAR_OF_UINT8 = np.where(np.arange(256) / 255.0 > 0.04045,
                            ((np.arange(256) / 255.0 + 0.055) / 1.055) ** 2.4,
                            np.arange(256) / 255.0 / 12.92).astype(np.float32)


def to_unit_rgb(rgb):
    """uint8 (0-255) or float RGB -> float32 in [0, 1]."""
    rgb = ops.convert_to_tensor(rgb)
    if standardize_dtype(rgb.dtype) == "uint8":
        return ops.cast(rgb, "float32") / 255.0
    return ops.cast(rgb, "float32")


# (fx, fy, fz) -> (L + 16, a, b) as one matmul (cheaper than unstack and stack).
_LAB_FROM_F = np.array([[0.0, 116.0, 0.0], [500.0, -500.0, 0.0], [0.0, 200.0, -200.0]])
CIE_EPSILON, CIE_SLOPE = 0.008856, 7.787  # f: cube root above epsilon, linear below (skimage)


def rgb_to_lab(rgb):
    """RGB in [0, 1] (or uint8) -> Lab (L in [0, 100]); matches skimage.color.rgb2lab."""
    rgb = ops.convert_to_tensor(rgb)
    if standardize_dtype(rgb.dtype) == "uint8":
        linear = ops.take(ops.convert_to_tensor(_LINEAR_OF_UINT8), ops.cast(rgb, "int32"))
    else:
        linear = _srgb_to_linear(ops.cast(rgb, "float32"))
    xyz = _matmul_channels(linear, _XYZ_FROM_RGB / _D65_WHITE[:, None])
    f = ops.where(xyz > CIE_EPSILON, _pow(ops.maximum(xyz, CIE_EPSILON), 1.0 / 3.0),
                  CIE_SLOPE * xyz + 16.0 / 116.0)
    return _matmul_channels(f, _LAB_FROM_F) - ops.convert_to_tensor([16.0, 0.0, 0.0], "float32")


def lab_lightness(image):
    """RGB or gray (uint8, or float in [0, 1]) -> `rgb_to_lab`'s L alone, (..., 1)."""
    image = ops.convert_to_tensor(image)
    if standardize_dtype(image.dtype) == "uint8":
        linear = ops.take(ops.convert_to_tensor(_LINEAR_OF_UINT8), ops.cast(image, "int32"))
    else:
        linear = _srgb_to_linear(ops.cast(image, "float32"))
    if linear.shape[-1] != 1:
        y_row = (_XYZ_FROM_RGB[1] / _D65_WHITE[1]).astype(np.float32)  # Y of linear RGB
        linear = ops.sum(linear * ops.convert_to_tensor(y_row), axis=-1, keepdims=True)
    f = ops.where(linear > CIE_EPSILON, _pow(ops.maximum(linear, CIE_EPSILON), 1.0 / 3.0),
                  CIE_SLOPE * linear + 16.0 / 116.0)
    return 116.0 * f - 16.0


def lab_to_rgb(lab):
    """Lab -> RGB in [0, 1] (out-of-gamut colours clipped); matches skimage.color.lab2rgb."""
    lab = _float(lab)
    lightness, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    fy = (lightness + 16.0) / 116.0
    # skimage clips a negative fz (impossible Z) to 0 and keeps fx, fy as they are.
    f = ops.stack([fy + a / 500.0, fy, ops.maximum(fy - b / 200.0, 0.0)], axis=-1)
    xyz = ops.where(f > 0.2068966, f * f * f, (f - 16.0 / 116.0) / CIE_SLOPE)
    linear = _matmul_channels(xyz * ops.convert_to_tensor(_D65_WHITE, "float32"), _RGB_FROM_XYZ)
    rgb = ops.where(linear > 0.0031308,
                    1.055 * _pow(ops.maximum(linear, 0.0031308), 1.0 / 2.4) - 0.055,
                    12.92 * linear)
    return ops.clip(rgb, 0.0, 1.0)


def rgb_to_yuv(rgb):
    """RGB in [0, 1] -> YUV (tf.image convention)."""
    return _matmul_channels(_float(rgb), _YUV_FROM_RGB)


def yuv_to_rgb(yuv):
    """YUV -> RGB in [0, 1], clipped to the RGB cube."""
    return ops.clip(_matmul_channels(_float(yuv), _RGB_FROM_YUV), 0.0, 1.0)


def rgb_to_gray(rgb):
    """RGB in [0, 1] -> luma in [0, 1] with a trailing channel of 1."""
    rgb = _float(rgb)
    return ops.sum(rgb * ops.convert_to_tensor(_LUMA, "float32"), axis=-1, keepdims=True)


def _to_range(x, low: float, high: float):
    """Map x in [0, 1] linearly to [low, high]."""
    return x * (high - low) + low


def _from_range(x, low: float, high: float):
    """Inverse of `_to_range`."""
    return (_float(x) - low) / (high - low)


@dataclasses.dataclass(frozen=True)
class ColorSpace(abc.ABC):
    """How a model sees an image: one input channel of luminance, some output channels.

    `encode(rgb)`: (model input, target) for training; `encode_input(image)`: the model
    input alone (colour or gray image); `decode(model_input, model_output)`: RGB in [0, 1].
    """

    input_range: Tuple[float, float] = (-1.0, 1.0)

    name = "abstract"
    output_channels = 0

    @abc.abstractmethod
    def encode(self, rgb): ...

    @abc.abstractmethod
    def encode_input(self, image): ...

    @abc.abstractmethod
    def decode(self, model_input, model_output): ...

    @abc.abstractmethod
    def describe(self) -> str: ...

    def to_config(self) -> dict:
        return {"name": self.name, **{k: list(v) if isinstance(v, tuple) else v
                                      for k, v in dataclasses.asdict(self).items()}}


@dataclasses.dataclass(frozen=True)
class LabSpace(ColorSpace):
    """L in, ab out. Input: L/100 mapped to `input_range`. Target: ab / `ab_scale`.

    Deep Koalarization uses L in [-1, 1] and ab / 128 (its decoder's tanh output is
    multiplied back by 128; its README says 127), so a target near [-1, 1].
    """

    input_range: Tuple[float, float] = (-1.0, 1.0)
    ab_scale: float = 128.0

    name = "lab"
    output_channels = 2

    def encode(self, rgb):
        lab = rgb_to_lab(rgb)
        return self.input_of_lightness(lab[..., :1]), lab[..., 1:] / self.ab_scale

    def encode_input(self, image):
        return self.input_of_lightness(lab_lightness(image))  # gray: a = b = 0

    def input_of_lightness(self, lightness):
        """Lab L in [0, 100] -> the model input (serving/fullsize.py computes L itself)."""
        return _to_range(lightness / 100.0, *self.input_range)

    def decode(self, model_input, model_output):
        lightness = _from_range(model_input, *self.input_range) * 100.0
        ab = _float(model_output) * self.ab_scale
        return lab_to_rgb(ops.concatenate([lightness, ab], axis=-1))

    def describe(self):
        return (f"Lab: input L/100 in [{self.input_range[0]:g}, {self.input_range[1]:g}], "
                f"target ab/{self.ab_scale:g} in about [-1, 1]")


@dataclasses.dataclass(frozen=True)
class YUVSpace(ColorSpace):
    """Y in, UV out. Input: Y mapped to `input_range`. Target: UV * `uv_scale`.

    With the default `uv_scale` of 1 the target keeps YUV's own ranges
    (U in [-0.436, 0.436], V in [-0.615, 0.615]), as report 000 did; this is why
    its UV losses are smaller than its RGB losses before any learning happens.
    """

    input_range: Tuple[float, float] = (0.0, 1.0)
    uv_scale: float = 1.0

    name = "yuv"
    output_channels = 2

    def encode(self, rgb):
        yuv = rgb_to_yuv(to_unit_rgb(rgb))
        return _to_range(yuv[..., :1], *self.input_range), yuv[..., 1:] * self.uv_scale

    def encode_input(self, image):
        image = to_unit_rgb(image)  # uint8 or float in [0, 1]
        gray = image if image.shape[-1] == 1 else rgb_to_gray(image)
        return _to_range(gray, *self.input_range)

    def decode(self, model_input, model_output):
        y = _from_range(model_input, *self.input_range)
        uv = _float(model_output) / self.uv_scale
        return yuv_to_rgb(ops.concatenate([y, uv], axis=-1))

    def describe(self):
        return (f"YUV: input Y in [{self.input_range[0]:g}, {self.input_range[1]:g}], "
                f"target UV x {self.uv_scale:g} (U in +-0.436, V in +-0.615 before scaling)")


@dataclasses.dataclass(frozen=True)
class RGBSpace(ColorSpace):
    """Gray in, RGB out. Input: luma mapped to `input_range`; target: RGB mapped to
    `output_range` ([0, 1] for a sigmoid output, [-1, 1] for tanh)."""

    input_range: Tuple[float, float] = (0.0, 1.0)
    output_range: Tuple[float, float] = (0.0, 1.0)

    name = "rgb"
    output_channels = 3

    def encode(self, rgb):
        rgb = to_unit_rgb(rgb)
        return self.encode_input(rgb), _to_range(rgb, *self.output_range)

    def encode_input(self, image):
        image = to_unit_rgb(image)  # uint8 or float in [0, 1]
        gray = image if image.shape[-1] == 1 else rgb_to_gray(image)
        return _to_range(gray, *self.input_range)

    def decode(self, model_input, model_output):
        return ops.clip(_from_range(model_output, *self.output_range), 0.0, 1.0)

    def describe(self):
        return (f"RGB: input gray in [{self.input_range[0]:g}, {self.input_range[1]:g}], "
                f"target RGB in [{self.output_range[0]:g}, {self.output_range[1]:g}]")


_SPACES = {cls.name: cls for cls in (LabSpace, YUVSpace, RGBSpace)}


def get_colorspace(spec) -> ColorSpace:
    """A ColorSpace from a name ("lab"), a config dict ({"name": "lab", ...}) or itself."""
    if isinstance(spec, ColorSpace):
        return spec
    if isinstance(spec, str):
        spec = {"name": spec}
    spec = dict(spec)
    name = spec.pop("name", None)
    if name not in _SPACES:
        raise ValueError(f"unknown colour space {name!r}; choose one of {sorted(_SPACES)}")
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in spec.items()}
    return _SPACES[name](**kwargs)

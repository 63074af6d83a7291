"""The full-resolution steps of `render.colorize_in_bands` for Lab models, in numpy and
OpenCV (a runtime dependency, setup.cfg): the photo's Lab L, the chroma enlarged to the
photo's size and Lab -> uint8 sRGB. Each is the maths of render.py's float path
(`colorspaces.lab_lightness`, the bilinear enlarge of `render.resize_weights`,
`colorspaces.lab_to_rgb`) in fewer, fused passes over float32: within 1 level per
channel of it (tests/test_render_fullsize.py, on real photographs and on every L level
with extreme ab). Only the numpy path takes them; the traced graphs (SavedModel,
TFLite, ONNX) keep the `keras.ops` float path.

Why (issue 24, point 4: at most 1.5 s per 12-megapixel photo on 2 cores): in
`keras.ops` the per-pixel powers of the sRGB gamma, the L computed twice (once per band
pass) and the dense products of the two resizes, most of whose weights are zero, took
1.70-1.84 s to colorize a 12 MP photo; OpenCV's fused Lab -> RGB (a spline table for the
gamma), its bilinear resize, lookups for the linearisation and products over the
non-zero block of the weights take 0.26-0.41 s (`python -m benchmarks.shipped_speed
--repeats 5`, old and new code back to back on the same 2 busy cores, load 4-4.8).
"""
from __future__ import annotations

import cv2
import numpy as np

from deepcolor.colorspaces import (CIE_EPSILON, CIE_SLOPE, _D65_WHITE, _LINEAR_OF_UINT8,
                                   _XYZ_FROM_RGB)

# Each uint8 level's share of the luminance Y, per channel (the row of the XYZ matrix
# over the white's Y, which sums to 1): Y = sum over channels of a lookup.
_Y_OF_UINT8 = np.stack([_LINEAR_OF_UINT8 * np.float32(w / _D65_WHITE[1])
                        for w in _XYZ_FROM_RGB[1]], axis=-1)[None].astype(np.float32)
_CIE_KAPPA = 116.0 * CIE_SLOPE  # L = kappa Y on the linear segment


def lightness(image: np.ndarray) -> np.ndarray:
    """uint8 (h, w, C), C in 1..4 (gray, gray + alpha, RGB, RGBA) -> float32 Lab L
    (h, w), as `colorspaces.lab_lightness` of `render.to_rgb`'s RGB."""
    channels = image.shape[-1]
    pixels = np.ascontiguousarray(image[..., :1] if channels < 3 else image[..., :3])
    if channels < 3:  # gray: Y is the linearised level (the Y row sums to 1)
        luminance = cv2.LUT(pixels, _LINEAR_OF_UINT8[None])
    else:
        luminance = cv2.transform(cv2.LUT(pixels, _Y_OF_UINT8), np.ones((1, 3), np.float32))
    luminance = luminance.reshape(image.shape[:2])
    result = np.cbrt(np.maximum(luminance, CIE_EPSILON))
    result *= 116.0
    result -= 16.0
    dark = luminance <= CIE_EPSILON
    result[dark] = luminance[dark] * _CIE_KAPPA
    return result


def banded_matmul(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """weights (m, n) @ x (n, k), float32, for (a slice of) resize weights, whose
    non-zeros lie in a few contiguous rows and columns: only that block is multiplied (a
    band of a 12 MP photo shrunk to 128 rows touches about 13 of them). By OpenCV's
    gemm: numpy's multi-threaded BLAS took 10-60x longer on these small products on 2
    busy cores (its threads wait for each other)."""
    nonzero = weights != 0
    rows, columns = np.flatnonzero(nonzero.any(axis=1)), np.flatnonzero(nonzero.any(axis=0))
    out = np.zeros((weights.shape[0], x.shape[1]), np.float32)
    if len(rows):
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, columns[0], columns[-1] + 1
        out[r0:r1] = cv2.gemm(np.ascontiguousarray(weights[r0:r1, c0:c1]),
                              np.ascontiguousarray(x[c0:c1]), 1.0, None, 0.0)
    return out


def enlarge(chroma: np.ndarray, rows: np.ndarray, width: int) -> np.ndarray:
    """The (S, S, C) float32 chroma enlarged bilinearly to a band of h rows and `width`
    columns, (h, width, C): the rows by `rows` (the band's (h, S) slice of
    `render.resize_weights`), the columns by OpenCV's bilinear resize, whose half-pixel
    centres and clamped edges are those of the same weights."""
    size, _, channels = chroma.shape
    tall = banded_matmul(rows, chroma.reshape(size, size * channels))
    tall = tall.reshape(len(rows), size, channels)
    wide = cv2.resize(tall, (width, len(rows)), interpolation=cv2.INTER_LINEAR)
    return wide.reshape(len(rows), width, channels)


def lab_to_srgb8(lightness_band: np.ndarray, ab: np.ndarray, out: np.ndarray) -> None:
    """Lab (L (h, w), ab (h, w, 2), float32) -> uint8 sRGB written into `out` (h, w, 3),
    as `colorspaces.lab_to_rgb` then rounding: OpenCV's Lab -> RGB, with b capped where
    lab_to_rgb clips a negative fz (fy - b / 200) to 0, which OpenCV does not."""
    a, b = cv2.split(ab)
    np.minimum(b, (lightness_band + 16.0) * np.float32(200.0 / 116.0), out=b)
    rgb = cv2.cvtColor(cv2.merge([lightness_band, a, b]), cv2.COLOR_Lab2RGB)
    # A 4-value scalar scales every channel (a bare number is a 1-channel scalar in
    # some OpenCV versions); the conversion to uint8 rounds and clips.
    out[...] = cv2.multiply(rgb, (255.0, 255.0, 255.0, 255.0), dtype=cv2.CV_8U)

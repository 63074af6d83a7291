"""The numpy path's image operations: decode (PIL), crop, resize, quantise, chroma.

Each mirrors its TensorFlow twin in `ops` so that both data paths give the same
pixels (tested within one level): JPEGs are decoded by libjpeg at the same scale
(`rules.jpeg_ratio`) with the same accurate IDCT (`ops.DCT_METHOD`); resizing is
TensorFlow's bilinear resampling written as two weight matrices, one per axis,
applied in float32:

* shrinking: `tf.image.resize(antialias=True)` (the `scale_and_translate` op with a
  triangle kernel stretched by the scale factor, weights normalised per pixel);
* enlarging: `tf.image.resize` bilinear with half-pixel centres, the same triangle
  unstretched (edge pixels repeat);
* the grayness check: `tf.image.resize(method="area")`, exact box averages.

No TensorFlow here: this module runs on machines that have none.
"""
from __future__ import annotations

import concurrent.futures
import functools
import os
import warnings
from typing import List, Optional, Tuple

import numpy as np
from PIL import Image

from data_pipelines import rules
from data_pipelines.plan import JPEG_FORMATS


def map_ordered(function, items) -> list:
    """`function` over `items` in a thread pool, results in order (PIL and numpy release
    the GIL while decoding and resampling, so threads use every core)."""
    items = list(items)
    if len(items) < 2:
        return [function(item) for item in items]
    with concurrent.futures.ThreadPoolExecutor(min(32, os.cpu_count() or 1)) as pool:
        return list(pool.map(function, items))


def decode(path: str, image_size: Optional[int] = None, resize: str = "squash",
           max_pixels: int = rules.MAX_PIXELS) -> np.ndarray:
    """An image file -> uint8 RGB (h, w, 3), as `ops.decode_image` decodes it: gray
    replicated, alpha dropped, 16-bit scaled to 8 bits, GIF's first frame, a JPEG at
    the libjpeg scale that still leaves `image_size` pixels for `resize`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(path) as image:
            if image.format in JPEG_FORMATS:
                width, height = image.size
                ratio = rules.jpeg_ratio(height, width, image_size, resize, max_pixels)
                if ratio > 1:  # libjpeg's DCT scaling, as tf.io.decode_jpeg(ratio=...)
                    image.draft(image.mode, (max(1, width // ratio), max(1, height // ratio)))
                    expected = (-(-width // ratio), -(-height // ratio))
                    if image.size != expected:
                        raise OSError(f"libjpeg scaled {width}x{height} to {image.size}, "
                                      f"not {expected}")
            image.load()
            if image.mode.startswith("I;16") or image.mode == "I":  # 16-bit gray: top byte
                gray = (np.asarray(image).astype(np.uint32) >> 8).astype(np.uint8)
                return np.repeat(gray[..., None], 3, axis=-1)
            return np.asarray(image.convert("RGB"))


@functools.lru_cache(maxsize=None)
def _resize_weights(in_size: int, out_size: int) -> np.ndarray:
    """(out_size, in_size) float32 weights of TF's bilinear resize along one axis:
    a triangle kernel, stretched by in/out when shrinking (antialiasing), each
    output's weights summing to one."""
    scale = np.float32(out_size) / np.float32(in_size)
    inv_scale = np.float32(1.0) / scale
    kernel_scale = max(inv_scale, np.float32(1.0))
    sample = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * inv_scale
    source = np.arange(in_size, dtype=np.float32) + np.float32(0.5)
    weights = np.maximum(0.0, 1.0 - np.abs((source[None, :] - sample[:, None]) / kernel_scale))
    weights = weights.astype(np.float32)
    return weights / weights.sum(axis=1, keepdims=True)


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """float32 (h, w, c) -> (height, width, c) by `_resize_weights` on each axis."""
    if image.shape[:2] == (height, width):
        return image
    rows = _resize_weights(image.shape[0], height)
    cols = _resize_weights(image.shape[1], width)
    h, w, c = image.shape
    out = (rows @ image.reshape(h, w * c)).reshape(height, w, c)
    return np.matmul(out.transpose(0, 2, 1), cols.T).transpose(0, 2, 1)


def resize_image(image: np.ndarray, image_size: int, mode: str = "squash") -> np.ndarray:
    """`ops.resize_image`: (image_size, image_size, 3) float32 by squash, center_crop or
    pad (letterbox: TF's `resize_with_pad` arithmetic, in float32 as it does it)."""
    rules.check_resize_mode(mode)
    image = np.asarray(image, np.float32)
    height, width = image.shape[:2]
    if (height, width) == (image_size, image_size):
        return image
    if mode == "center_crop":
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        return _resize(image[top:top + side, left:left + side], image_size, image_size)
    if mode == "squash":
        return _resize(image, image_size, image_size)
    size = np.float32(image_size)
    ratio = max(np.float32(width) / size, np.float32(height) / size)
    new_h, new_w = np.float32(height) / ratio, np.float32(width) / ratio
    top = max(0, int(np.floor((size - new_h) / np.float32(2))))
    left = max(0, int(np.floor((size - new_w) / np.float32(2))))
    resized = _resize(image, int(np.floor(new_h)), int(np.floor(new_w)))
    out = np.zeros((image_size, image_size, image.shape[2]), np.float32)
    out[top:top + resized.shape[0], left:left + resized.shape[1]] = resized
    return out


def quantize(image: np.ndarray) -> np.ndarray:
    """`ops.quantize`: float in [0, 255] -> uint8, rounded half to even as tf.round."""
    return np.round(np.clip(image, 0.0, 255.0)).astype(np.uint8)


def prepare(path: str, image_size: int, resize: str = "squash",
            max_pixels: int = rules.MAX_PIXELS) -> np.ndarray:
    """A file -> the uint8 (image_size, image_size, 3) image both paths cache."""
    image = decode(path, image_size, resize, max_pixels)
    if image.shape[:2] == (image_size, image_size):
        return image
    return quantize(resize_image(image, image_size, resize))


def crop_square(image: np.ndarray, top: int, left: int, side: int, flip: bool) -> np.ndarray:
    """`ops.crop_square`: a (side, side) crop at (top, left), mirrored when `flip`."""
    crop = image[top:top + side, left:left + side]
    return crop[:, ::-1] if flip else crop


@functools.lru_cache(maxsize=8)
def _photo(path: str, max_pixels: int) -> np.ndarray:
    image = decode(path, None, "squash", max_pixels)
    image.setflags(write=False)  # shared by every crop of the photo
    return image


def sample_crop(crop: Tuple[str, int, int, int, bool], image_size: int,
                resize: str = "squash", max_pixels: int = rules.MAX_PIXELS) -> np.ndarray:
    """A `sample` crop (photo path, top, left, side, flip) -> resized uint8 image
    (`pipeline.sample_crop_fn`)."""
    path, top, left, side, flip = crop
    square = crop_square(_photo(path, max_pixels), top, left, side, flip)
    return quantize(resize_image(square, image_size, resize))


@functools.lru_cache(maxsize=None)
def _area_weights(in_size: int, out_size: int) -> np.ndarray:
    """(out_size, in_size) weights of TF's area resize along one axis: each output
    averages the input cells its box covers, partial cells by their covered part."""
    scale = np.float32(in_size) / np.float32(out_size)
    weights = np.zeros((out_size, in_size), np.float32)
    for y in range(out_size):
        start, end = np.float32(y) * scale, np.float32(y + 1) * scale
        for i in range(int(np.floor(start)), int(np.ceil(end))):
            weights[y, min(i, in_size - 1)] += min(i + 1, end) - max(i, start)
    return weights / scale


def shrink_for_chroma(image: np.ndarray) -> np.ndarray:
    """`ops.shrink_for_chroma`: (CHROMA_SIZE, CHROMA_SIZE, 3) float32 in [0, 1]."""
    image = np.asarray(image, np.float32)
    size = rules.CHROMA_SIZE
    rows, cols = _area_weights(image.shape[0], size), _area_weights(image.shape[1], size)
    small = np.einsum("yh,hwc,xw->yxc", rows, image, cols, optimize=True)
    return small / np.float32(255.0)


def mean_chroma(rgb01: np.ndarray) -> np.ndarray:
    """`ops.mean_chroma`: mean of max(R,G,B) - min(R,G,B) over the last three axes."""
    rgb01 = np.asarray(rgb01, np.float32)
    return (rgb01.max(axis=-1) - rgb01.min(axis=-1)).mean(axis=(-2, -1))


def decode_checks(paths: List[str], max_pixels: int = rules.MAX_PIXELS
                  ) -> List[Tuple[Optional[str], Optional[float]]]:
    """`validate.decode_checks` with PIL: (reason or None, mean chroma) per file."""
    def check(path):
        try:
            image = decode(path, rules.CHROMA_SIZE, "squash", max_pixels)
            return None, float(mean_chroma(shrink_for_chroma(image)))
        except Exception as error:  # PIL raises many types for corrupt data
            message = " ".join(str(error).split()) or type(error).__name__
            return f"decode failed: {message}", None
    return map_ordered(check, paths)

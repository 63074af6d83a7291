"""Pure-TensorFlow map functions of the pipeline: decode, crop, resize, quantise, chroma.

Every function here works eagerly and inside `tf.data` (tests run both, as
big_vision does), takes one image (no batch axis) unless it says otherwise, and uses
no Python image library, so the hot path stays in TF's parallel map threads.
"""
from __future__ import annotations

import functools

import tensorflow as tf

from data_pipelines.rules import (CHROMA_SIZE, JPEG_RATIOS, MAX_PIXELS, RESIZE_MODES,  # noqa: F401
                                  check_resize_mode)

# libjpeg's accurate integer IDCT, not TF's default fast one (up to 6 levels off):
# the numpy path (PIL) decodes with it, so both paths give the same pixels.
DCT_METHOD = "INTEGER_ACCURATE"


def jpeg_ratio_index(height, width, image_size=None, resize: str = "squash",
                     max_pixels: int = MAX_PIXELS) -> tf.Tensor:
    """Index into JPEG_RATIOS: the largest reduction that keeps the side the resize
    needs (short side for squash/center_crop, long side for pad) at least
    `image_size`, raised if needed so the decoded image stays under `max_pixels`."""
    check_resize_mode(resize)
    # Few ops on purpose: this runs once per image inside tf.data, where each op costs
    # about a microsecond of dispatch, as much as decoding a CIFAR-10 JPEG.
    hw = tf.cast(tf.stack([height, width]), tf.int64)
    ratios = tf.constant(JPEG_RATIOS, tf.int64)[:, None]
    scaled = (hw[None, :] + ratios - 1) // ratios  # libjpeg rounds scaled sides up
    too_big = tf.reduce_sum(tf.cast(scaled[:, 0] * scaled[:, 1] > max_pixels, tf.int32))
    if image_size is None:
        return tf.minimum(too_big, len(JPEG_RATIOS) - 1)
    side = tf.reduce_max(hw) if resize == "pad" else tf.reduce_min(hw)
    # Sides shrink monotonically with the ratio, so counting the ratios that still
    # fit gives the index of the largest one (ratio 1 always counts).
    fits = tf.reduce_sum(tf.cast(side // ratios[1:, 0] >= image_size, tf.int32))
    return tf.minimum(tf.maximum(fits, too_big), len(JPEG_RATIOS) - 1)


def decode_image(contents, image_size=None, resize: str = "squash",
                 max_pixels: int = MAX_PIXELS) -> tf.Tensor:
    """Encoded JPEG/PNG/BMP/GIF bytes -> uint8 RGB (h, w, 3).

    Gray is replicated to 3 channels, alpha dropped, 16-bit PNG scaled to 8 bits,
    CMYK JPEG converted by libjpeg, GIF reduced to its first frame. A JPEG is decoded
    at the smallest libjpeg scale that still leaves `image_size` pixels for `resize`
    (its header is read with `extract_jpeg_shape`, no full decode).
    """
    contents = tf.convert_to_tensor(contents, tf.string)

    def jpeg():
        shape = tf.image.extract_jpeg_shape(contents)
        index = jpeg_ratio_index(shape[0], shape[1], image_size, resize, max_pixels)
        branches = [functools.partial(tf.io.decode_jpeg, contents, channels=3, ratio=r,
                                      dct_method=DCT_METHOD)
                    for r in JPEG_RATIOS]
        return tf.switch_case(index, branches)

    def other():
        return tf.io.decode_image(contents, channels=3, dtype=tf.uint8,
                                  expand_animations=False)

    image = tf.cond(tf.io.is_jpeg(contents), jpeg, other)
    return tf.ensure_shape(image, [None, None, 3])


def resize_image(image, image_size: int, mode: str = "squash") -> tf.Tensor:
    """Resize to (image_size, image_size) as float32, keeping the value scale.

    squash: plain resize (aspect ratio not kept); center_crop: the central square,
    then resize; pad: letterbox, the longer side fits and black bars fill the rest.
    Bilinear with antialiasing, whose weights are non-negative, so no overshoot.
    Enlarging skips the antialiasing kernel: there it computes the same bilinear
    values (tested), through a slower general resampling op.
    """
    check_resize_mode(mode)
    image = tf.cast(image, tf.float32)
    shape = tf.shape(image)

    def resize_with(square, antialias: bool):
        if mode == "pad":
            return tf.image.resize_with_pad(square, image_size, image_size,
                                            antialias=antialias)
        return tf.image.resize(square, (image_size, image_size), method="bilinear",
                               antialias=antialias)

    def resize():
        square = image
        if mode == "center_crop":
            side = tf.minimum(shape[0], shape[1])
            square = tf.image.crop_to_bounding_box(image, (shape[0] - side) // 2,
                                                   (shape[1] - side) // 2, side, side)
        shrinking = tf.reduce_any(tf.shape(square)[:2] > image_size)
        return tf.cond(shrinking, lambda: resize_with(square, True),
                       lambda: resize_with(square, False))

    # Already the right size (CIFAR-10 at 32 px): skip the resampling work.
    same = tf.logical_and(shape[0] == image_size, shape[1] == image_size)
    image = tf.cond(same, lambda: image, resize)
    return tf.ensure_shape(image, [image_size, image_size, 3])


def resize_to_uint8(image, image_size: int, mode: str = "squash") -> tf.Tensor:
    """uint8 image -> (image_size, image_size, 3) uint8; an image already that size
    passes through untouched (no float round trip: CIFAR-10 at 32 px)."""
    shape = tf.shape(image)
    same = tf.logical_and(shape[0] == image_size, shape[1] == image_size)
    image = tf.cond(same, lambda: image,
                    lambda: quantize(resize_image(image, image_size, mode)))
    return tf.ensure_shape(image, [image_size, image_size, 3])


def crop_square(image, top, left, side, flip) -> tf.Tensor:
    """A (side, side) crop at (top, left), mirrored left-right when `flip` is true."""
    crop = tf.image.crop_to_bounding_box(image, top, left, side, side)
    return tf.cond(tf.cast(flip, tf.bool), lambda: tf.image.flip_left_right(crop),
                   lambda: crop)


def quantize(image) -> tf.Tensor:
    """Float in [0, 255] -> uint8 (rounded); the cache holds uint8, 4x smaller."""
    return tf.cast(tf.round(tf.clip_by_value(image, 0.0, 255.0)), tf.uint8)


def to_unit_float(image) -> tf.Tensor:
    """uint8 -> float32 in [0, 1], what colour spaces take."""
    return tf.cast(image, tf.float32) / 255.0


def mean_chroma(rgb01) -> tf.Tensor:
    """Mean HSV chroma, max(R,G,B) - min(R,G,B), over the pixels of RGB in [0, 1]
    (any leading batch axes).

    0 for gray; CIFAR-10's grayscale images score below 0.005, colour photographs
    mostly above 0.05. Chosen over mean Lab chroma, which ranks CIFAR-10 alike
    (correlation 0.94) but costs 100x more (cube roots and powers per pixel).
    """
    rgb01 = tf.convert_to_tensor(rgb01, tf.float32)
    chroma = tf.reduce_max(rgb01, axis=-1) - tf.reduce_min(rgb01, axis=-1)
    return tf.reduce_mean(chroma, axis=[-2, -1])


def shrink_for_chroma(image) -> tf.Tensor:
    """Any decoded image -> (CHROMA_SIZE, CHROMA_SIZE, 3) float32 in [0, 1]; area
    averaging is antialiased and cheaper than bilinear with antialias."""
    small = tf.image.resize(tf.cast(image, tf.float32), (CHROMA_SIZE, CHROMA_SIZE),
                            method="area")
    return tf.ensure_shape(small, [CHROMA_SIZE, CHROMA_SIZE, 3]) / 255.0


def decode_for_check(contents, max_pixels: int = MAX_PIXELS) -> tf.Tensor:
    """Encoded bytes -> small float image for the validation pass (JPEG at reduced
    scale). Fails exactly when `decode_image` fails: libjpeg entropy-decodes the
    whole stream at every scale, so a corrupt JPEG fails at all of them."""
    return shrink_for_chroma(decode_image(contents, CHROMA_SIZE, "squash", max_pixels))


def decoded_chroma(contents, max_pixels: int = MAX_PIXELS) -> tf.Tensor:
    """Encoded bytes -> mean chroma of the image (the per-file validation check)."""
    return mean_chroma(decode_for_check(contents, max_pixels))

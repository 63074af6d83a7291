"""Pictures in and out of the colorizers: files, PIL images and numpy arrays as uint8.

Every colorizer takes uint8 (H, W, 1) gray or (H, W, 3) RGB pixels; these helpers
turn what a user has into that, with one-line errors for what cannot be used.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

_GRAY_MODES = {"1", "L", "LA", "La", "F"}


def from_pil(image: Image.Image) -> np.ndarray:
    """uint8 (H, W, 1) for a gray PIL image, (H, W, 3) for colour (alpha dropped)."""
    if image.mode.startswith("I"):  # 16/32-bit gray, e.g. 16-bit PNG and TIFF
        array = np.asarray(image, dtype=np.float64)
        # "I;16" is 16-bit for sure; plain "I" is taken as 8-bit if it fits in 8 bits.
        scale = 257.0 if image.mode.startswith("I;16") or array.max() > 255 else 1.0
        return np.clip(np.round(array / scale), 0, 255).astype(np.uint8)[..., None]
    if image.mode in _GRAY_MODES:
        return np.asarray(image.convert("L"))[..., None]
    # Palette, RGBA, CMYK, YCbCr...: alpha is dropped, colours go to sRGB.
    return np.asarray(image.convert("RGB"))


def read_image(path) -> np.ndarray:
    """uint8 (H, W, 1) for a gray image file, (H, W, 3) for colour; raises on a bad file."""
    with Image.open(Path(path)) as image:
        try:
            upright = ImageOps.exif_transpose(image)  # the camera orientation, applied
        except (SyntaxError, ValueError, KeyError, TypeError):  # a damaged EXIF block
            upright = image
        # Decodes fully, so a truncated file fails here.
        return from_pil(upright)


def from_array(array) -> np.ndarray:
    """A uint8 H x W, H x W x 1, H x W x 3 (or x 4, alpha dropped) array as (H, W, 1 or 3)."""
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image (0-255), got dtype {array.dtype}; "
                         f"for floats in [0, 1] pass (x * 255).round().astype('uint8')")
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[-1] not in (1, 3, 4):
        raise ValueError(f"expected an H x W, H x W x 1 or H x W x 3 image, got shape "
                         f"{array.shape}")
    if 0 in array.shape:
        raise ValueError(f"empty image of shape {array.shape}")
    return array[..., :3]


def is_gray(image: np.ndarray) -> bool:
    """True for one channel or three equal channels."""
    return image.shape[-1] == 1 or (np.array_equal(image[..., 0], image[..., 1])
                                    and np.array_equal(image[..., 1], image[..., 2]))


def luma(image: np.ndarray) -> np.ndarray:
    """uint8 (H, W): BT.601 luma as PIL's "L" mode, what a gray print of the photo shows."""
    if image.shape[-1] == 1:
        return image[..., 0]
    gray = np.round(image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))
    return np.clip(gray, 0, 255).astype(np.uint8)

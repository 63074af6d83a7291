"""The rules both data paths share, in plain Python (no TensorFlow): resize modes,
decoded-size limits, the libjpeg scale rule, and how an epoch's order is seeded.

The tf.data path (`pipeline`) and the numpy path (`arrays`) import these, so the two
decode the same file at the same scale and order epochs from the same seeds.
"""
from __future__ import annotations

from typing import Optional

RESIZE_MODES = ("squash", "center_crop", "pad")

# libjpeg decodes at 1/1, 1/2, 1/4 or 1/8 scale for nearly free (it skips IDCT work).
JPEG_RATIOS = (1, 2, 4, 8)

# Decoded-pixel ceiling. 40 MP of uint8 RGB is 120 MB, and resizing works in float32
# (480 MB); with a few parallel decodes this stays well inside a laptop's memory.
# Larger JPEGs are decoded at a reduced scale, larger PNG/BMP/GIF are skipped.
MAX_PIXELS = 40_000_000

# Images are judged for grayness at this size: enough pixels for a stable mean,
# cheap enough to run over 60,000 files.
CHROMA_SIZE = 32


def check_resize_mode(mode: str) -> str:
    if mode not in RESIZE_MODES:
        raise ValueError(f"unknown resize mode {mode!r}; choose one of {RESIZE_MODES}")
    return mode


def jpeg_ratio(height: int, width: int, image_size: Optional[int] = None,
               resize: str = "squash", max_pixels: int = MAX_PIXELS) -> int:
    """The libjpeg scale denominator: the largest reduction that keeps the side the
    resize needs (short side for squash/center_crop, long side for pad) at least
    `image_size`, raised if needed so the decoded image stays under `max_pixels`
    (`ops.jpeg_ratio_index` is the same rule in TensorFlow, tested)."""
    check_resize_mode(resize)
    # libjpeg rounds scaled sides up.
    too_big = sum(-(-height // r) * -(-width // r) > max_pixels for r in JPEG_RATIOS)
    fits = 0
    if image_size is not None:
        needed = max(height, width) if resize == "pad" else min(height, width)
        fits = sum(needed // r >= image_size for r in JPEG_RATIOS[1:])
    return JPEG_RATIOS[min(max(fits, too_big), len(JPEG_RATIOS) - 1)]


def epoch_seed(seed: int, epoch: int) -> int:
    """The shuffle seed of one epoch: a function of (seed, epoch) alone, so a run resumed
    at epoch k in a new process draws the same order as an uninterrupted run."""
    return (seed * 1_000_003 + epoch) % (2 ** 31 - 1)


def steps_per_epoch(num_images: int, batch_size: int, drop_remainder: bool = False) -> int:
    return num_images // batch_size if drop_remainder else -(-num_images // batch_size)


def process_rows(batch_rows: int, shard) -> slice:
    """This process's rows of a global batch of `batch_rows` under multihost training;
    `shard` = (process, processes, devices), every process holding devices / processes
    devices, numbered process by process (JAX's order). Process p takes the p-th of
    `processes` equal runs of consecutive rows, so the processes' rows side by side are
    the global batch. A batch that does not split over the devices (an epoch's last,
    partial one) loses its last rows up to the nearest multiple of `devices`: a sharded
    array needs equal parts."""
    process, processes, devices = shard
    if devices % processes or not 0 <= process < processes:
        raise ValueError(f"shard {shard}: expected 0 <= process < processes dividing devices")
    each = batch_rows // devices * devices // processes
    return slice(process * each, (process + 1) * each)

"""Lab conversion speed: the profile behind the colour-space speed-up.

    python -m benchmarks.colorspace_profile [--quick]

The input pipeline profile (benchmarks.pipeline) showed the Lab encode of cached
batches costing more per image than skimage's `rgb2lab` in the plain loop. This
times, on the same batch in one process (so under the same machine load):

* `skimage.color.rgb2lab`, image by image (float64, what the reports' loops ran);
* `rgb_to_lab` as it was before the fix (commit 52c8aa4, kept below verbatim):
  `tf.pow` for the sRGB curve and the cube root, `unstack`/`stack` for L, a, b;
* `colorspaces.rgb_to_lab` now: `exp(p * log(x))` instead of `tf.pow` (Eigen's float
  pow is not vectorised; exp and log are) and one 3x3 matmul for L, a, b;
* the pipeline's batch encode, `data_pipelines.encode_fn(_enc("lab"))`: the same maths
  compiled by XLA into one fused pass;
* and `lab_to_rgb` before and after (the colorize and evaluation path).
"""
from __future__ import annotations

import argparse

import numpy as np
import tensorflow as tf

from deepcolor.train.data import encoder as _enc
from benchmarks import common
from deepcolor import colorspaces as cs

SIZES = (32, 224, 320)
BATCH = 32


def old_rgb_to_lab(rgb):
    """deepcolor.colorspaces.rgb_to_lab before the fix (commit 52c8aa4)."""
    rgb = tf.convert_to_tensor(rgb, tf.float32)
    linear = tf.where(rgb > 0.04045, tf.pow((tf.maximum(rgb, 0.04045) + 0.055) / 1.055, 2.4),
                      rgb / 12.92)
    xyz = cs._matmul_channels(linear, cs._XYZ_FROM_RGB) / tf.constant(cs._D65_WHITE, tf.float32)
    f = tf.where(xyz > 0.008856, tf.pow(tf.maximum(xyz, 0.008856), 1.0 / 3.0),
                 7.787 * xyz + 16.0 / 116.0)
    fx, fy, fz = tf.unstack(f, axis=-1)
    lightness = 116.0 * fy - 16.0
    return tf.stack([lightness, 500.0 * (fx - fy), 200.0 * (fy - fz)], axis=-1)


def old_lab_to_rgb(lab):
    """deepcolor.colorspaces.lab_to_rgb before the fix (commit 52c8aa4)."""
    lab = tf.convert_to_tensor(lab, tf.float32)
    lightness, a, b = tf.unstack(lab, axis=-1)
    fy = (lightness + 16.0) / 116.0
    f = tf.stack([fy + a / 500.0, fy, tf.maximum(fy - b / 200.0, 0.0)], axis=-1)
    xyz = tf.where(f > 0.2068966, tf.pow(f, 3.0), (f - 16.0 / 116.0) / 7.787)
    linear = cs._matmul_channels(xyz * tf.constant(cs._D65_WHITE, tf.float32), cs._RGB_FROM_XYZ)
    rgb = tf.where(linear > 0.0031308,
                   1.055 * tf.pow(tf.maximum(linear, 0.0031308), 1.0 / 2.4) - 0.055,
                   12.92 * linear)
    return tf.clip_by_value(rgb, 0.0, 1.0)


def per_image_ms(fn, x, repeats: int) -> float:
    fn(x)  # trace / compile
    seconds = min(common.timed(lambda: tf.nest.map_structure(np.asarray, fn(x)))
                  for _ in range(repeats))
    return 1e3 * seconds / x.shape[0]


def profile(size: int, repeats: int, rng) -> dict:
    from skimage.color import rgb2lab

    from data_pipelines import encode_fn

    rgb = rng.uniform(0, 1, (BATCH, size, size, 3)).astype(np.float32)
    x = tf.constant(rgb)
    lab = tf.constant(rgb2lab(rgb.astype(np.float64)).astype(np.float32))
    reference = rgb2lab(rgb.astype(np.float64))

    def skimage_loop(images):
        return [rgb2lab(image.numpy()) for image in images]

    row = {"size": size, "skimage rgb2lab ms": per_image_ms(skimage_loop, x, repeats),
           "before: rgb_to_lab ms": per_image_ms(tf.function(old_rgb_to_lab), x, repeats),
           "now: rgb_to_lab ms": per_image_ms(tf.function(cs.rgb_to_lab), x, repeats),
           "now: pipeline encode (XLA) ms": per_image_ms(tf.function(encode_fn(_enc("lab"))), x,
                                                        repeats),
           "before: lab_to_rgb ms": per_image_ms(tf.function(old_lab_to_rgb), lab, repeats),
           "now: lab_to_rgb ms": per_image_ms(tf.function(cs.lab_to_rgb), lab, repeats)}
    row["max error now (Lab units)"] = float(np.abs(cs.rgb_to_lab(x).numpy()
                                                          - reference).max())
    row["max error before"] = float(np.abs(old_rgb_to_lab(x).numpy() - reference).max())
    return row


COLUMNS = ["size", "skimage rgb2lab ms", "before: rgb_to_lab ms", "now: rgb_to_lab ms",
           "now: pipeline encode (XLA) ms", "before: lab_to_rgb ms", "now: lab_to_rgb ms",
           "max error before", "max error now (Lab units)"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--section", default="Colour-space conversion profile")
    parser.add_argument("--output", default=str(common.RESULTS))
    args = parser.parse_args(argv)
    env = common.machine()
    command = common.command_line("benchmarks.colorspace_profile", argv)
    sizes, repeats = ((16,), 1) if args.quick else (SIZES, 3)
    rng = np.random.default_rng(0)
    rows = [profile(size, repeats, rng) for size in sizes]
    body = common.header(env, command) + [
        f"- Milliseconds per image on a batch of {BATCH} random RGB images, best of "
        f"{repeats}; TensorFlow runs use both cores, the skimage loop one.", "",
        common.table(rows, COLUMNS)]
    return common.publish(args.section, body, args.output)


if __name__ == "__main__":
    raise SystemExit(main())

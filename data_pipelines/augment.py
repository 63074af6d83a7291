"""Training augmentation: a random square crop and a left-right flip, new each epoch.

`load_images(split="train", augment=True)` caches each image resized to
`cache_size(image_size)`, MARGIN times larger, and after the cache cuts from it a
square whose side is uniform in [image_size, cache_size] at a uniform position,
resizes that to image_size (always shrinking, so antialiased, never blurred by
enlargement) and mirrors half of them. Crops thus vary in position and in scale (64%
to 100% of the cached area).

No report prescribes this: report 003 (section II, "Data", item 4) tried rotations
and flips and dropped them as harmful, so it is off by default. It is here for
small sets such as `photos` (290 training photos), where every epoch would
otherwise show the same images.

Randomness: stateless ops seeded per image by `tf.data.Dataset.random(seed,
rerandomize_each_iteration=True)`, so each new pass over the dataset (an epoch)
draws new crops, the same seed gives the same crops epoch by epoch, and parallel
map threads cannot change them. The numpy path draws its crops in
`array_batches.random_crops` from `np.random.default_rng(epoch_seed(seed, epoch))`.
"""
from __future__ import annotations


MARGIN = 1.25  # the default; DataConfig.crop_margin sets it per run


def cache_size(image_size: int, margin: float = MARGIN) -> int:
    """The side the augmented split is cached at: crops then cover 1/margin^2 to all of
    its area (64% to 100% at the default margin)."""
    return int(round(image_size * margin))


def random_crop_fn(image_size: int):
    """(uint8 image (L, L, 3), int64 seed pair) -> uint8 (image_size, image_size, 3)."""
    import tensorflow as tf

    from data_pipelines import ops

    def crop(image, seed):
        large = tf.shape(image)[0]
        draws = tf.random.stateless_uniform([4], seed=seed)  # side, top, left, flip
        extra = tf.cast(draws[0] * tf.cast(large - image_size + 1, tf.float32), tf.int32)
        side = tf.minimum(image_size + extra, large)  # draws < 1; min guards rounding
        room = tf.cast(large - side + 1, tf.float32)
        top = tf.minimum(tf.cast(draws[1] * room, tf.int32), large - side)
        left = tf.minimum(tf.cast(draws[2] * room, tf.int32), large - side)
        square = ops.crop_square(image, top, left, side, draws[3] < 0.5)
        return ops.quantize(ops.resize_image(square, image_size, "squash"))
    return crop


def random_crops(images, image_size: int, seed: int = 0):
    """`images` (a tf.data.Dataset of uint8, cached at `cache_size(image_size)`) as
    random crops, new per epoch and deterministic given `seed`; same order and count."""
    import tensorflow as tf

    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
    return tf.data.Dataset.zip((images, seeds)).map(
        random_crop_fn(image_size), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)

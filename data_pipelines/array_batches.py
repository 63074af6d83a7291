"""The numpy path's `encode_batches`: encoded batches as a `keras.utils.PyDataset`.

    uint8 images (+ extras) -> epoch order -> (random crops) -> batch -> encode

Works under every Keras backend, TensorFlow not needed. The resume contract is
`pipeline.encode_batches(epochs=...)`'s: with `epochs`, one stream of epochs
`first_epoch` .. `epochs - 1` back to back for `fit(..., steps_per_epoch=...)`,
epoch e ordered (and, with `augment_size`, cropped) from `epoch_seed(seed, e)` alone,
so a run resumed at epoch k sees the batches an uninterrupted run saw from epoch k
on. The order is numpy's, not tf.data's shuffle: the same seed gives another
(equally random) order on the two paths.
"""
from __future__ import annotations

import functools
from typing import Optional

import keras
import numpy as np

from data_pipelines import augment as augmentation, pixels
from data_pipelines.rules import epoch_seed, process_rows, steps_per_epoch


@functools.lru_cache(maxsize=None)
def compiled(encode):
    """The colour space's encode, compiled once per process under JAX (its ~20
    elementwise ops fuse into one pass, as `pipeline.encode_fn` does with XLA)."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(encode)
    return encode


def random_crops(images: np.ndarray, indices: np.ndarray, image_size: int,
                 draws: np.ndarray) -> np.ndarray:
    """`augment.random_crop_fn` in numpy: for each index, a square of side uniform in
    [image_size, L] at a uniform position of the (L, L) cached image, resized to
    image_size and mirrored when its draw says so; `draws` (N, 4) uniform in [0, 1)."""
    large = images.shape[1]
    out = np.empty((len(indices), image_size, image_size, 3), np.uint8)
    for row, index in enumerate(indices):
        d = draws[index]
        side = min(image_size + int(d[0] * (large - image_size + 1)), large)
        room = large - side + 1
        top, left = min(int(d[1] * room), large - side), min(int(d[2] * room), large - side)
        square = pixels.crop_square(images[index], top, left, side, d[3] < 0.5)
        out[row] = pixels.quantize(pixels.resize_image(square, image_size, "squash"))
    return out


class ArrayBatches(keras.utils.PyDataset):
    """(model_input, target) batches of uint8 `images`, or ((model_input, extra),
    target) with `extras` aligned with the images. Iterable (one pass) and indexable
    (Keras' `fit`/`evaluate` take it as any PyDataset). With `shard` (process,
    processes, devices), each batch holds this process's rows of the global batch
    (`rules.process_rows`), for multihost training."""

    def __init__(self, images: np.ndarray, encode, batch_size: int, *, shuffle: bool,
                 seed: int = 0, extras: Optional[np.ndarray] = None,
                 drop_remainder: bool = False, epochs: Optional[int] = None,
                 first_epoch: int = 0, augment_size: int = 0, shard=None):
        super().__init__()
        if extras is not None and len(extras) != len(images):
            raise ValueError(f"{len(extras)} extras for {len(images)} images")
        self.images, self.extras = images, extras
        self.encode = compiled(encode)
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.augment_size, self.shard = augment_size, shard
        self.steps = steps_per_epoch(len(images), batch_size, drop_remainder)
        # Without `epochs`: one pass per iteration, a new order each pass (`on_epoch_end`).
        self.stream = epochs is not None
        self.epochs = list(range(first_epoch, max(first_epoch + 1, epochs))) if self.stream else [0]
        self._passes = 0
        self._cached = (None, None, None)

    def __len__(self) -> int:
        return self.steps * len(self.epochs)

    def on_epoch_end(self):
        if not self.stream:
            self._passes += 1

    def _epoch(self, epoch: int):
        """(order, crop draws) of one epoch: functions of (seed, epoch) only."""
        if self._cached[0] != epoch:
            rng = np.random.default_rng(epoch_seed(self.seed, epoch))
            n = len(self.images)
            order = rng.permutation(n) if self.shuffle else np.arange(n)
            draws = rng.random((n, 4)) if self.augment_size else None
            self._cached = (epoch, order, draws)
        return self._cached[1:]

    def indices(self, index: int) -> tuple:
        """(epoch, image indices) of batch `index` of the stream."""
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        epoch = self.epochs[index // self.steps] if self.stream else self._passes
        order, _ = self._epoch(epoch)
        step = index % self.steps
        rows = order[step * self.batch_size:(step + 1) * self.batch_size]
        return epoch, rows if self.shard is None else rows[process_rows(len(rows), self.shard)]

    def __getitem__(self, index: int):
        epoch, chosen = self.indices(index)
        if self.augment_size:
            rgb = random_crops(self.images, chosen, self.augment_size, self._epoch(epoch)[1])
        else:
            rgb = self.images[chosen]
        model_input, target = self.encode(rgb)
        if self.extras is None:
            return model_input, target
        # Backend tensors like the encoded images: a model called on the batch directly
        # (evaluation) refuses a mix of tensors and numpy arrays.
        return (model_input, keras.ops.convert_to_tensor(self.extras[chosen])), target

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]


def encode_batches(images: np.ndarray, encode, batch_size: int, *, shuffle: bool,
                   seed: int = 0, extras: Optional[np.ndarray] = None,
                   drop_remainder: bool = False, epochs: Optional[int] = None,
                   first_epoch: int = 0, augment_size: int = 0, shard=None) -> ArrayBatches:
    """`pipeline.encode_batches` for uint8 arrays (`arrays.load_arrays(as_uint8=True)`).

    `augment_size`: `images` were cached at `augment.cache_size(augment_size)`; each
    epoch cuts a new random crop and flip of every image at augment_size (keyed by
    (seed, epoch), so resumes see the same crops)."""
    if augment_size and images.shape[1] != augmentation.cache_size(augment_size):
        raise ValueError(f"augment_size {augment_size} needs images cached at "
                         f"{augmentation.cache_size(augment_size)} px, got {images.shape[1]}")
    return ArrayBatches(images, encode, batch_size, shuffle=shuffle, seed=seed, extras=extras,
                        drop_remainder=drop_remainder, epochs=epochs, first_epoch=first_epoch,
                        augment_size=augment_size, shard=shard)

"""The two calls the experiment runner makes: `load_images` and `encode_batches`.

    source -> (validated file list) -> read -> decode -> resize -> uint8 -> cache
           -> float32 [0, 1]                                       (load_images)
    images (+ extras) -> shuffle -> batch -> colour-space encode -> prefetch
                                                                  (encode_batches)

Everything after the file list runs on the fly in `tf.data` with AUTOTUNE
parallelism and deterministic order.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Optional, Union

import tensorflow as tf

from data_pipelines import ops, plan, registry, sample, tfds_source
from data_pipelines.folder import GRAY_CHROMA, check_split, select_files
from data_pipelines.report import DataSourceError, SourceReport
from data_pipelines import augment as augmentation
from data_pipelines.rules import epoch_seed, process_rows, steps_per_epoch  # noqa: F401  (the package API)

AUTOTUNE = tf.data.AUTOTUNE
SOURCES = registry.names()
SHUFFLE_BUDGET_BYTES = 1 << 30  # the shuffle buffer holds whole images: cap its memory


def prepare_fn(image_size: int, resize: str, max_pixels: int):
    """Encoded bytes -> resized uint8 image (what the cache keeps)."""
    def prepare(contents):
        image = ops.decode_image(contents, image_size, resize, max_pixels)
        return ops.resize_to_uint8(image, image_size, resize)
    return prepare


def sample_crop_fn(image_size: int, resize: str, max_pixels: int):
    """A `sample` crop (photo path, top, left, side, flip) -> resized uint8 image."""
    def crop(path, top, left, side, flip):
        photo = ops.decode_image(tf.io.read_file(path), None, resize, max_pixels)
        image = ops.crop_square(photo, top, left, side, flip)
        return ops.quantize(ops.resize_image(image, image_size, resize))
    return crop


def _sample_dataset(split, seed, limit, drop_grayscale, gray_threshold, image_size, resize,
                    max_pixels):
    crops = sample.split_crops(split, seed)
    dropped = 0
    if drop_grayscale:  # judge each crop as yielded, at the chroma check's size
        small = tf.data.Dataset.from_tensor_slices(tuple(map(list, zip(*crops)))).map(
            sample_crop_fn(ops.CHROMA_SIZE, resize, max_pixels), num_parallel_calls=AUTOTUNE)
        chroma = [float(ops.mean_chroma(ops.shrink_for_chroma(image))) for image in small]
        kept = [crop for crop, value in zip(crops, chroma) if value >= gray_threshold]
        crops, dropped = kept, len(crops) - len(kept)
    crops = crops[:limit]
    columns = tuple(map(list, zip(*crops))) if crops else (
        tf.constant([], tf.string), *[tf.constant([], tf.int32)] * 3, tf.constant([], tf.bool))
    dataset = tf.data.Dataset.from_tensor_slices(columns).map(
        sample_crop_fn(image_size, resize, max_pixels), num_parallel_calls=AUTOTUNE,
        deterministic=True)
    report = SourceReport("sample", split, len(crops), [], True,
                          sample.describe(split, len(crops)), dropped)
    return dataset, report


def _file_dataset(source, layout, split, image_size, resize, max_pixels, description,
                  **select):
    paths, skipped, dropped, how, headers = select_files(None, split, max_pixels=max_pixels,
                                                         layout=layout, **select)
    # Each file decoded by the plan its header calls for (no per-image control flow).
    dataset = plan.planned_dataset(paths, headers, image_size, resize, max_pixels)
    text = registry.describe(description, split, paths, how, skipped, layout)
    return dataset, SourceReport(source, split, len(paths), skipped, False, text, dropped)



def _tfds_dataset(source, split, image_size, resize, max_pixels, limit, drop_grayscale,
                  gray_threshold, **options):
    encoded, count, description = tfds_source.load_encoded(source, split, **options)
    dropped = 0
    if drop_grayscale:
        # No file list to check upfront: filter in the pipeline and count it once
        # (a full decode pass) so that num_images stays exact.
        encoded = encoded.filter(
            lambda contents: ops.decoded_chroma(contents, max_pixels) >= gray_threshold)
        kept = int(encoded.reduce(0, lambda n, _: n + 1))
        count, dropped = kept, count - kept
    if limit is not None:
        encoded, count = encoded.take(limit), min(count, limit)
    dataset = encoded.map(prepare_fn(image_size, resize, max_pixels),
                          num_parallel_calls=AUTOTUNE, deterministic=True)
    return dataset, SourceReport(source, split, count, [], False, description, dropped)


def _cache(dataset: tf.data.Dataset, cache: Union[bool, str], key: str) -> tf.data.Dataset:
    """In memory (True), in files (a path: a hash of the settings is appended, since
    tf.data would silently reuse a cache file written for other settings) or not."""
    if cache is True:
        return dataset.cache()
    if cache:
        path = Path(f"{cache}-{hashlib.sha1(key.encode()).hexdigest()[:12]}")
        path.parent.mkdir(parents=True, exist_ok=True)
        return dataset.cache(str(path))
    return dataset


def load_images(source: str, split: str, *, image_size: int, resize: str = "squash",
                drop_grayscale: bool = False, limit: Optional[int] = None, seed: int = 0,
                validation_fraction: float = 0.1, test_fraction: float = 0.1,
                cache: Union[bool, str] = True, gray_threshold: float = GRAY_CHROMA,
                max_pixels: int = ops.MAX_PIXELS, tfds_data_dir: Optional[str] = None,
                download: bool = True, as_uint8: bool = False, augment: bool = False):
    """Dataset of float32 RGB [0,1] images (image_size, image_size, 3), deterministic
    order, resized (and cached); and a SourceReport with the exact count.

    `as_uint8` yields the cached uint8 images themselves, for `encode_batches`, which
    converts whole batches: a per-image float conversion costs more than the shuffle
    and batching together (benchmarks/pipeline.py).

    source: any spec of `registry.SOURCES` (`tfds:NAME[:SPLIT]`, `folder:PATH`,
    `cifar10-jpg`, `fruits360:PATH`, ...).
    split: `train`, `validation` or `test`. `seed` sets the order (a seeded shuffle of
    the file list, the same every epoch; splits do not depend on it) and `limit`
    keeps the first N images of that order. `drop_grayscale` leaves out images whose
    mean HSV chroma is below `gray_threshold` (report 004, section IV "Pre-processing",
    removes MIRFLICKR's grayscale images). `resize`: squash, center_crop or pad (see
    `ops.resize_image`). `cache` keeps the resized uint8 images in memory (True) or
    in files at a path. `max_pixels` bounds decoded image size (see `ops.MAX_PIXELS`);
    `tfds_data_dir` and `download` are passed to TFDS. `augment` gives the train
    split a new random crop and flip of each image every epoch, after the cache
    (`augment.random_crops`, seeded by `seed`); other splits ignore it.
    """
    check_split(split)
    ops.check_resize_mode(resize)
    if limit is not None and limit < 0:
        raise DataSourceError(f"limit must be >= 0, got {limit}")
    augmenting = augment and split == "train"
    cached_size = augmentation.cache_size(image_size) if augmenting else image_size
    common = dict(image_size=cached_size, resize=resize, max_pixels=max_pixels)
    select = dict(limit=limit, seed=seed, validation_fraction=validation_fraction,
                  test_fraction=test_fraction, drop_grayscale=drop_grayscale,
                  gray_threshold=gray_threshold)
    spec, argument = registry.lookup(source)
    if spec.kind == "files":
        layout, description = spec.open(argument)
        dataset, report = _file_dataset(source, layout, split, description=description,
                                        **common, **select)
    elif spec.kind == "sample":
        dataset, report = _sample_dataset(split, seed, limit, drop_grayscale, gray_threshold,
                                          **common)
    else:
        dataset, report = _tfds_dataset(
            source, split, limit=limit, drop_grayscale=drop_grayscale,
            gray_threshold=gray_threshold, validation_fraction=validation_fraction,
            test_fraction=test_fraction, data_dir=tfds_data_dir, download=download, **common)
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(report.num_images))
    key = repr((source, split, sorted(common.items()), sorted(select.items())))
    dataset = _cache(dataset, cache, key)
    if augmenting:  # after the cache, so each epoch gets new crops
        dataset = augmentation.random_crops(dataset, image_size, seed)
        report.description += ", a new random crop and flip of each every epoch"
    if as_uint8:
        return dataset, report
    return dataset.map(ops.to_unit_float, num_parallel_calls=AUTOTUNE), report


def encode_fn(encode, with_extras: bool = False):
    """Batch of RGB (float [0,1] or uint8) -> (model_input, target); with extras,
    (rgb, extra) -> ((model_input, extra), target).

    `encode` is the colour space's forward direction (e.g. deepcolor's
    `ColorSpace.encode`): the pipeline is handed it and imports nothing of deepcolor.
    """
    return _encode_fn(encode, with_extras)


@functools.lru_cache(maxsize=None)
def _encode_fn(encode_rgb, with_extras: bool):
    # XLA fuses the conversion's ~20 elementwise ops into one pass over the batch: the
    # Lab encode runs 5-10x faster on CPU (benchmarks/colorspace_profile.py). One
    # compiled function per colour space for the whole process: an experiment that
    # trains 16 models on 3 splits compiles each batch shape once, not 48 times.
    encode = tf.function(encode_rgb, jit_compile=True)
    if with_extras:
        def encode_with_extras(rgb, extra):
            model_input, target = encode(rgb)
            return (model_input, extra), target
        return encode_with_extras
    return encode


def _shuffle_buffer(dataset: tf.data.Dataset, batch_size: int) -> int:
    """The whole dataset if it fits SHUFFLE_BUDGET_BYTES, else as many as fit."""
    element_bytes = 0
    for spec in tf.nest.flatten(dataset.element_spec):
        if not spec.shape.is_fully_defined():
            return max(1024, batch_size)
        element_bytes += spec.shape.num_elements() * spec.dtype.size
    fit = max(batch_size, SHUFFLE_BUDGET_BYTES // max(element_bytes, 1))
    cardinality = int(dataset.cardinality())
    return min(fit, cardinality) if cardinality > 0 else fit


def encode_batches(images, encode, batch_size: int, *, shuffle: bool,
                   seed: int = 0, extras: Optional[tf.data.Dataset] = None,
                   drop_remainder: bool = False, shuffle_buffer: Optional[int] = None,
                   epochs: Optional[int] = None, first_epoch: int = 0,
                   shard=None) -> tf.data.Dataset:
    """(model_input, target) batches of `images` (float [0, 1] or uint8, see
    `load_images(as_uint8=True)`); with `extras` (a dataset aligned with `images`,
    e.g. precomputed backbone embeddings) yields ((model_input, extra), target).

    Shuffles before batching, after zipping extras, so pairs stay aligned. Encodes
    whole batches (one vectorised colour conversion).

    Without `epochs`: one pass per iteration, reshuffled each iteration from `seed`.
    With `epochs` (for `fit(..., steps_per_epoch=steps_per_epoch(n, batch_size))`):
    one stream of epochs `first_epoch` .. `epochs - 1` back to back, epoch e shuffled
    from `epoch_seed(seed, e)`; `images` may then be a function of the epoch (e.g. new
    random crops per epoch). A run resumed at epoch k sees the batches an
    uninterrupted run saw from epoch k on.

    With `shard` (process, processes, devices), for multihost training: each batch holds
    this process's rows of the global batch (`rules.process_rows`).
    """
    if epochs is None:
        dataset = images if extras is None else tf.data.Dataset.zip((images, extras))
        if shuffle:
            buffer = shuffle_buffer or _shuffle_buffer(dataset, batch_size)
            dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    else:
        dataset = _epoch_stream(images, extras, batch_size, shuffle, seed, drop_remainder,
                                shuffle_buffer, epochs, first_epoch)
    if shard is not None:
        dataset = dataset.map(_process_rows(shard))
    dataset = dataset.map(encode_fn(encode, extras is not None),
                          num_parallel_calls=AUTOTUNE, deterministic=True)
    return dataset.prefetch(AUTOTUNE)


def _process_rows(shard):
    """`rules.process_rows` on each batch (its row count known only when it runs)."""
    process, processes, devices = shard
    process_rows(devices, shard)  # the same checks of `shard`

    def cut(*batch):
        rows = tf.shape(batch[0])[0]
        each = rows // devices * devices // processes
        out = tuple(t[process * each:(process + 1) * each] for t in batch)
        return out if len(out) > 1 else out[0]
    return cut


def _epoch_stream(images, extras, batch_size, shuffle, seed, drop_remainder, shuffle_buffer,
                  epochs, first_epoch):
    pieces, steps = [], []
    for epoch in range(first_epoch, max(first_epoch + 1, epochs)):
        epoch_images = images(epoch) if callable(images) else images
        dataset = (epoch_images if extras is None
                   else tf.data.Dataset.zip((epoch_images, extras)))
        if shuffle:
            buffer = shuffle_buffer or _shuffle_buffer(dataset, batch_size)
            dataset = dataset.shuffle(buffer, seed=epoch_seed(seed, epoch),
                                      reshuffle_each_iteration=False)
        pieces.append(dataset.batch(batch_size, drop_remainder=drop_remainder))
        steps.append(int(pieces[-1].cardinality()))
        if steps[-1] < 0:
            raise ValueError("encode_batches(epochs=...) needs images of known length "
                             "(load_images sets it)")
    if len(pieces) == 1:
        return pieces[0]
    # One flat choice stream (not nested concatenations): epoch after epoch, in order.
    choice = tf.data.Dataset.from_tensor_slices(
        tf.constant([i for i, n in enumerate(steps) for _ in range(max(n, 0))], tf.int64))
    return tf.data.Dataset.choose_from_datasets(pieces, choice)

"""A run's data: its three splits, its backbone embeddings, and its encoded batches.

data_pipelines loads and caches images and knows nothing of colour spaces; this
module hands it the run's colour-space encode (`encoder`). It picks the data path
by Keras backend: tf.data under TensorFlow, numpy arrays (`data_pipelines.arrays`,
no TensorFlow needed) under JAX and torch. Both give the same splits and pixels.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import os

import keras
import numpy as np

import data_pipelines
from deepcolor.colorspaces import ColorSpace, get_colorspace, to_unit_rgb
from deepcolor.errors import UsageError
from deepcolor.models.backbone import build_embedder
from deepcolor.train.config import BackboneConfig, RunConfig

SPLITS = ("train", "validation", "test")


@functools.lru_cache(maxsize=None)
def _encoder(space: ColorSpace):
    return space.encode


def encoder(spec):
    """The colour space's batch encode, one function object per space for the whole
    process, so data_pipelines compiles it once (colour spaces compare by value)."""
    return _encoder(get_colorspace(spec))


def uses_tf_data() -> bool:
    """tf.data only under the TensorFlow backend: elsewhere TensorFlow may be absent
    (JAX GPU machines), and its tensors would need converting anyway."""
    return keras.backend.backend() == "tensorflow"


def load_splits(run: RunConfig, seed: int, as_uint8: bool = False) -> dict:
    """{split: (images, SourceReport)}; a split with no usable image is an error.

    With `run.data.augment`, the training images are cached larger
    (`augment.cache_size`) and `batches` cuts new random crops from them each epoch."""
    from data_pipelines import augment

    if uses_tf_data():
        load = data_pipelines.load_images
    else:
        from data_pipelines.arrays import load_arrays as load
    d = run.data
    out = {}
    for split in SPLITS:
        limit = d.train_limit if split == "train" else d.eval_limit
        augmenting = d.augment and split == "train"
        size = augment.cache_size(d.image_size, d.crop_margin) if augmenting else d.image_size
        out[split] = load(
            d.source, split, image_size=size, resize=d.resize,
            drop_grayscale=d.drop_grayscale, limit=limit, seed=seed,
            validation_fraction=d.validation_fraction, test_fraction=d.test_fraction,
            as_uint8=as_uint8)
        if out[split][1].num_images == 0:
            raise data_pipelines.DataSourceError(
                f"{d.source} has no usable images in its {split} split")
    return out


def rgb_arrays(run: RunConfig, seed: int) -> dict:
    """{split: float32 RGB [0, 1] array (N, S, S, 3)} of the run's data, on either data
    path (tf.data or numpy): for baselines and checks computed without a model."""
    out = {}
    for split, (images, _) in load_splits(run, seed, as_uint8=True).items():
        if uses_tf_data():
            array = np.concatenate([np.asarray(b) for b in images.batch(256).as_numpy_iterator()])
        else:
            array = np.asarray(images)
        out[split] = array.astype("float32") / (255.0 if array.dtype == np.uint8 else 1.0)
    return out


def embeddings(embedder, images, colorspace: ColorSpace, cache_path) -> np.ndarray:
    """Each image's backbone embedding, computed once and kept on disk for resumes
    (`cache_path` None: not kept, e.g. in a multihost process other than 0)."""
    if cache_path and os.path.exists(cache_path):
        return np.load(cache_path)
    if isinstance(images, np.ndarray):  # the numpy path: encode a chunk at a time
        emb = np.concatenate([
            np.asarray(embedder.predict(np.asarray(colorspace.encode_input(
                to_unit_rgb(images[i:i + 256]))), batch_size=32, verbose=0))
            for i in range(0, len(images), 256)]).astype("float32")
    else:
        import tensorflow as tf

        inputs = images.map(lambda image: colorspace.encode_input(to_unit_rgb(image)),
                            num_parallel_calls=tf.data.AUTOTUNE)
        emb = embedder.predict(inputs.batch(32), verbose=0).astype("float32")
    if not cache_path:
        return emb
    tmp = cache_path + ".partial.npy"
    np.save(tmp, emb)
    os.replace(tmp, cache_path)  # a kill mid-write never leaves a truncated cache
    return emb


def batches(splits: dict, colorspace: ColorSpace, batch_size: int, seed: int, extras: dict,
            *, epochs: int, first_epoch: int = 0, augment_size: int = 0, shard=None) -> dict:
    """{split: (model_input, target) batches}. The training split is one stream of the
    epochs still to train, epoch e shuffled (and, with `augment_size`, cropped) from
    (seed, e) alone, so a resumed run sees what an uninterrupted one saw.

    `shard` (process, processes, devices), under multihost: the training and validation
    batches hold this process's rows of each global batch only (`fit` joins them); the
    test batches stay whole (process 0 evaluates alone)."""
    if not uses_tf_data():
        return _array_batches(splits, colorspace, batch_size, seed, extras, epochs=epochs,
                              first_epoch=first_epoch, augment_size=augment_size, shard=shard)
    import tensorflow as tf
    from data_pipelines import augment

    def extra(split):
        return None if extras.get(split) is None else tf.data.Dataset.from_tensor_slices(extras[split])

    train_images = splits["train"][0]
    if augment_size:
        large = train_images
        train_images = lambda epoch: augment.random_crops(  # noqa: E731
            large, augment_size, data_pipelines.epoch_seed(seed, epoch))
    out = {"train": data_pipelines.encode_batches(
        train_images, encoder(colorspace), batch_size, shuffle=True, seed=seed,
        extras=extra("train"), epochs=epochs, first_epoch=first_epoch, shard=shard)}
    for split in ("validation", "test"):
        out[split] = data_pipelines.encode_batches(
            splits[split][0], encoder(colorspace), batch_size, shuffle=False,
            extras=extra(split), shard=shard if split == "validation" else None)
    return out


def _array_batches(splits, colorspace, batch_size, seed, extras, *, epochs, first_epoch,
                   augment_size, shard) -> dict:
    from data_pipelines.array_batches import encode_batches

    out = {"train": encode_batches(splits["train"][0], encoder(colorspace), batch_size,
                                   shuffle=True, seed=seed, extras=extras.get("train"),
                                   epochs=epochs, first_epoch=first_epoch,
                                   augment_size=augment_size, shard=shard)}
    for split in ("validation", "test"):
        out[split] = encode_batches(splits[split][0], encoder(colorspace), batch_size,
                                    shuffle=False, extras=extras.get(split),
                                    shard=shard if split == "validation" else None)
    return out


def load_run_data(run: RunConfig, run_dir: str, seed: int, writer: bool, log):
    """The run's splits, and their reports (bad files listed in skipped.json)."""
    splits = load_splits(run, seed, as_uint8=True)  # encode_batches converts whole batches
    reports = {s: dataclasses.asdict(r) for s, (_, r) in splits.items()}
    for split, (_, report) in splits.items():
        log(f"  {split}: {report.num_images} images from {report.description}")
        if report.skipped:
            log(f"  {split}: skipped {len(report.skipped)} bad files (listed in {run_dir}/skipped.json)")
    if writer:
        with open(os.path.join(run_dir, "skipped.json"), "w") as f:
            json.dump({s: r["skipped"] for s, r in reports.items()}, f, indent=1)
    return splits, reports


def run_embeddings(run: RunConfig, spec, splits: dict, colorspace, run_dir: str, writer: bool,
                log):
    """A fusion model's backbone and each split's embeddings (None for other models)."""
    embedder, extras = None, {s: None for s in SPLITS}
    if "embedding" in spec.extra_inputs and run.data.augment:
        raise UsageError(f"run {run.name!r}: augment cannot be combined with {run.model}: its "
                         f"backbone embeddings are computed once, not per epoch's crops")
    if "embedding" in spec.extra_inputs:
        bb = run.backbone or BackboneConfig()
        embedder = build_embedder(run.data.image_size, arch=bb.arch, weights=bb.weights,
                                               embedding=bb.embedding, backbone_size=bb.size)
        for split, (images, _) in splits.items():
            extras[split] = embeddings(
                embedder, images, colorspace,
                os.path.join(run_dir, f"embeddings_{split}.npy") if writer else None)
        log(f"  backbone {bb.arch} ({bb.weights or 'random init'}), {bb.embedding} embedding: "
            f"computed once per image, reused every epoch")
    return embedder, extras

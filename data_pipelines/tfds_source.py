"""`tfds:NAME[:SPLIT]`: a TensorFlow Datasets dataset through the real `tfds.load`.

Images come out still encoded (`tfds.decode.SkipDecoding`), so they share the
folder sources' decoder, including reduced-scale JPEG decoding of large photos.
The image is the dataset's first `tfds.features.Image` feature (depth first through
nested feature dicts), so supervised and unsupervised datasets both work.

Splits: without SPLIT, the dataset's own `train`/`validation`/`test` are used; a
missing validation or test split is carved from the front of `train` (test first,
then validation; exact counts from the fractions). With SPLIT (any TFDS split
expression, e.g. `tfds:mirflickr:train` or `tfds:cifar10:train[:5000]`) that split is
the pool, carved the same way into all three. Order is TFDS's stored order
(`shuffle_files=False`), which is deterministic.

Offline, or with `download=False` and no prepared copy, loading fails with a
one-line DataSourceError naming the offline sources.
"""
from __future__ import annotations

from typing import Optional, Tuple

import tensorflow as tf

from data_pipelines.report import DataSourceError, one_line

OFFLINE_HINT = ("offline alternatives: `cifar10-jpg` (CIFAR-10 as JPEGs from "
                "../shared/datasets), `folder:PATH` (any folder of images), `sample` "
                "(photos shipped with scikit-image/scikit-learn)")


def parse_spec(spec: str) -> Tuple[str, Optional[str]]:
    """'tfds:NAME[:SPLIT]' -> (NAME, SPLIT or None); SPLIT may itself hold ':'."""
    parts = spec.split(":", 2)
    if len(parts) < 2 or not parts[1]:
        raise DataSourceError(f"bad source {spec!r}: expected tfds:NAME or tfds:NAME:SPLIT")
    return parts[1], (parts[2] if len(parts) == 3 and parts[2] else None)


def image_feature_path(features, prefix=()) -> Optional[Tuple[str, ...]]:
    """Key path of the first `tfds.features.Image` in a (nested) FeaturesDict."""
    import tensorflow_datasets as tfds
    for key, feature in features.items():
        if isinstance(feature, tfds.features.Image):
            return prefix + (key,)
        if isinstance(feature, tfds.features.FeaturesDict):
            found = image_feature_path(feature, prefix + (key,))
            if found:
                return found
    return None


def _nested(path, leaf):
    """('a', 'b'), x -> {'a': {'b': x}} (the shape TFDS wants for `decoders`)."""
    for key in reversed(path):
        leaf = {key: leaf}
    return leaf


def _hint(name: str) -> str:
    if name.split("/")[0] == "cifar10":
        return "CIFAR-10 is available offline as `cifar10-jpg`; other " + OFFLINE_HINT
    return OFFLINE_HINT


def _online(host: str = "storage.googleapis.com", timeout: float = 5.0) -> bool:
    """Whether the download host resolves; offline, TFDS would otherwise retry for minutes."""
    import concurrent.futures
    import socket

    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        pool.submit(socket.getaddrinfo, host, 443).result(timeout)
        return True
    except Exception:  # resolution failure or time-out: both mean no usable network
        return False
    finally:
        pool.shutdown(wait=False)


def _builder(name: str, data_dir: Optional[str], download: bool):
    import tensorflow_datasets as tfds
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except Exception as error:  # DatasetNotFoundError, bad config or version
        # Its first line says what is wrong; the rest lists every TFDS dataset.
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise DataSourceError(f"tfds:{name}: {one_line(first, 160).rstrip('.')}; "
                              f"{OFFLINE_HINT}") from error
    if builder.is_prepared():
        return builder
    if not download:
        raise DataSourceError(f"tfds:{name} is not prepared in {builder.data_dir} and "
                              f"download=False; {_hint(name)}")
    if not _online():
        raise DataSourceError(f"tfds:{name} is not prepared in {builder.data_dir} and cannot be "
                              f"downloaded: no network; {_hint(name)}")
    try:
        builder.download_and_prepare()
    except Exception as error:  # network errors come in many types, offline they all mean this
        raise DataSourceError(
            f"tfds:{name} is not prepared in {builder.data_dir} and could not be downloaded "
            f"(offline?): {type(error).__name__}: {one_line(error, 160)}; {_hint(name)}"
        ) from error
    return builder


def _count(builder, expression: str, dataset: tf.data.Dataset) -> int:
    """Examples in a split: from TFDS metadata, else cardinality, else by reading."""
    try:
        return int(builder.info.splits[expression].num_examples)
    except (KeyError, ValueError, TypeError):
        pass
    cardinality = int(dataset.cardinality())
    if cardinality >= 0:
        return cardinality
    return int(dataset.reduce(0, lambda count, _: count + 1))


def load_encoded(spec: str, split: str, *, validation_fraction: float, test_fraction: float,
                 data_dir: Optional[str] = None, download: bool = True):
    """(dataset of encoded image bytes, exact count, description) for one split."""
    import tensorflow_datasets as tfds
    name, pool = parse_spec(spec)
    builder = _builder(name, data_dir, download)
    key = image_feature_path(builder.info.features)
    if key is None:
        raise DataSourceError(f"tfds:{name} has no tfds.features.Image feature")
    available = set(builder.info.splits.keys())
    carved = ("test", "validation") if pool else tuple(
        s for s in ("test", "validation") if s not in available)
    # Without split metadata (a dataset not yet described, or mocked) trust the name.
    if not pool and (not available or split in available):
        expression, carved = split, ()
    else:
        expression = pool or "train"
        if not pool and "train" not in available:
            raise DataSourceError(f"tfds:{name} has splits {sorted(available)}; no {split!r} "
                                  f"and no 'train' to carve it from (give tfds:{name}:SPLIT)")
    dataset = tfds.load(name, split=expression, data_dir=data_dir, download=False,
                        shuffle_files=False, decoders=_nested(key, tfds.decode.SkipDecoding()))
    total = _count(builder, expression, dataset)
    start, stop = 0, total
    if carved:
        fractions = {"test": test_fraction, "validation": validation_fraction}
        bounds = {}
        for part in carved:
            size = int(round(fractions[part] * total))
            bounds[part] = (start, start + size)
            start += size
        start, stop = bounds.get(split, (start, total))
        dataset = dataset.skip(start).take(stop - start)

    def pick(example):
        for part in key:
            example = example[part]
        return example

    dataset = dataset.map(pick, num_parallel_calls=tf.data.AUTOTUNE)
    where = f"{expression}[{start}:{stop}]" if carved else expression
    description = f"tfds:{name} {where}: {stop - start} images (feature {'/'.join(key)})"
    return dataset, stop - start, description

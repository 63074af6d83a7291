"""The numpy path's `load_images`: a split as one uint8 array, without TensorFlow.

    source -> (validated file list) -> PIL decode -> resize -> uint8 array  (load_arrays)

Same sources (but `tfds:`), same splits, order, `limit`, bad-file skipping and
SourceReport as `pipeline.load_images`, and the same pixels within one level
(tests/test_data_pipelines_arrays.py): the file lists come from the same code
(`folder.select_files`, `sample.split_crops`), and `pixels` decodes and resizes
as `ops` does. Files are decoded by a thread pool; the array is the cache (in
memory, or in a `.npy` file when `cache` is a path). Batches:
`array_batches.encode_batches`.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Optional, Union

import numpy as np

from data_pipelines import pixels, registry, rules, sample
from data_pipelines.folder import GRAY_CHROMA, check_split, select_files
from data_pipelines.report import DataSourceError, SourceReport

SOURCES = registry.names(tf_data=False)


def _empty(image_size: int) -> np.ndarray:
    return np.zeros((0, image_size, image_size, 3), np.uint8)


def _stack(images, image_size: int) -> np.ndarray:
    return np.stack(images) if images else _empty(image_size)


def _sample_arrays(split, seed, limit, drop_grayscale, gray_threshold, image_size, resize,
                   max_pixels):
    crops = sample.split_crops(split, seed)
    dropped = 0
    if drop_grayscale:  # judged at the chroma check's size, as the tf.data path does
        small = pixels.map_ordered(
            lambda crop: pixels.sample_crop(crop, rules.CHROMA_SIZE, resize, max_pixels), crops)
        chroma = [float(pixels.mean_chroma(pixels.shrink_for_chroma(image))) for image in small]
        kept = [crop for crop, value in zip(crops, chroma) if value >= gray_threshold]
        crops, dropped = kept, len(crops) - len(kept)
    crops = crops[:limit]
    images = pixels.map_ordered(
        lambda crop: pixels.sample_crop(crop, image_size, resize, max_pixels), crops)
    report = SourceReport("sample", split, len(crops), [], True,
                          sample.describe(split, len(crops)), dropped)
    return _stack(images, image_size), report


def _file_arrays(source, layout, split, image_size, resize, max_pixels, description, **select):
    paths, skipped, dropped, how, _ = select_files(None, split, max_pixels=max_pixels,
                                                   decoder="numpy", layout=layout, **select)

    def prepare(path):
        try:
            return pixels.prepare(path, image_size, resize, max_pixels)
        except Exception as error:  # validated a moment ago: the file changed since
            raise DataSourceError(f"{path}: could not be decoded although it passed the "
                                  f"check ({type(error).__name__}: {error}); was it just "
                                  f"replaced?") from error

    images = pixels.map_ordered(prepare, paths)
    text = registry.describe(description, split, paths, how, skipped, layout)
    report = SourceReport(source, split, len(paths), skipped, False, text, dropped)
    return _stack(images, image_size), report


def _load(source, split, image_size, resize, max_pixels, select):
    spec, argument = registry.lookup(source)
    common = dict(image_size=image_size, resize=resize, max_pixels=max_pixels)
    if spec.kind == "files":
        layout, description = spec.open(argument)
        return _file_arrays(source, layout, split, description=description, **common, **select)
    if spec.kind == "sample":
        return _sample_arrays(split, select["seed"], select["limit"], select["drop_grayscale"],
                              select["gray_threshold"], **common)
    raise DataSourceError(f"{source}: TFDS datasets need TensorFlow, which the numpy "
                          f"data path runs without; use the TensorFlow backend, or "
                          f"{SOURCES}")


def load_arrays(source: str, split: str, *, image_size: int, resize: str = "squash",
                drop_grayscale: bool = False, limit: Optional[int] = None, seed: int = 0,
                validation_fraction: float = 0.1, test_fraction: float = 0.1,
                cache: Union[bool, str] = True, gray_threshold: float = GRAY_CHROMA,
                max_pixels: int = rules.MAX_PIXELS, as_uint8: bool = False):
    """(images (N, image_size, image_size, 3), SourceReport): float32 RGB in [0, 1], or
    the uint8 images themselves with `as_uint8` (what `array_batches` takes).

    The arguments mean what they mean for `pipeline.load_images` (same splits, order
    and `limit`); `cache` as a path keeps the array in a `.npy` file there (a hash of
    the settings appended), read back by later runs with the same settings.
    Random crops for training are `array_batches.encode_batches(augment_size=...)`.
    """
    check_split(split)
    rules.check_resize_mode(resize)
    if limit is not None and limit < 0:
        raise DataSourceError(f"limit must be >= 0, got {limit}")
    select = dict(limit=limit, seed=seed, validation_fraction=validation_fraction,
                  test_fraction=test_fraction, drop_grayscale=drop_grayscale,
                  gray_threshold=gray_threshold)
    images, report = None, None
    cache_file = None
    if cache and cache is not True:
        key = repr((source, split, image_size, resize, max_pixels, sorted(select.items())))
        cache_file = Path(f"{cache}-{hashlib.sha1(key.encode()).hexdigest()[:12]}.npz")
    if cache_file is not None and cache_file.is_file():
        with np.load(cache_file, allow_pickle=False) as saved:
            images = saved["images"]
        report = _load_report(cache_file)
    if images is None or report is None:
        images, report = _load(source, split, image_size, resize, max_pixels, select)
        if cache_file is not None:
            _save(cache_file, images, report)
    if as_uint8:
        return images, report
    return images.astype(np.float32) / np.float32(255.0), report


def _save(path: Path, images: np.ndarray, report: SourceReport) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.partial.npz")
    np.savez(tmp, images=images)
    path.with_suffix(".json").write_text(json.dumps(report.to_dict()))
    os.replace(tmp, path)  # atomic: a reader sees the whole array or none


def _load_report(path: Path) -> Optional[SourceReport]:
    import json

    try:
        data = json.loads(path.with_suffix(".json").read_text())
        data["skipped"] = [tuple(item) for item in data["skipped"]]
        return SourceReport(**data)
    except (OSError, ValueError, TypeError, KeyError):
        return None  # a lost report means reloading, not a wrong one

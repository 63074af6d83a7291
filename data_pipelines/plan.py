"""Decode plans: how each file is decoded, decided once from its header, not per image.

The validation pass already reads every file's header (format, width, height). From
it follows, for a given target size, how the file must be decoded: a JPEG at libjpeg
scale 1, 1/2, 1/4 or 1/8 (`ops.jpeg_ratio_index`, same rule), another format by
`tf.io.decode_image`; and whether the decoded image needs resizing at all (CIFAR-10 at
32 px does not). Files with the same plan are decoded by one map function without
control flow, and `choose_from_datasets` interleaves the groups back into file order.
TensorFlow is imported only by `planned_dataset`: the plan itself is plain Python,
which the numpy path (`arrays`) uses too.

Why: inside `tf.data` each `tf.cond`/`tf.switch_case` is a function call per image.
For small images those calls cost as much as the decode; planned, CIFAR-10 decodes and
resizes in about half the time (stage profile in results/benchmarks.md).
"""
from __future__ import annotations

from typing import List, NamedTuple, Optional, Sequence

import numpy as np

from data_pipelines import rules

JPEG_FORMATS = ("JPEG", "MPO")  # MPO: a camera's multi-picture JPEG; libjpeg reads it


class Header(NamedTuple):
    format: str
    width: int
    height: int


class Plan(NamedTuple):
    ratio: Optional[int]  # libjpeg scale denominator; None: not a JPEG
    resize: bool  # False when the decoded image is already image_size x image_size


def plan_for(header: Header, image_size: int, resize: str = "squash",
             max_pixels: int = rules.MAX_PIXELS) -> Plan:
    """The plan of one file (`rules.jpeg_ratio`, the rule `ops.jpeg_ratio_index` uses)."""
    width, height = header.width, header.height
    if header.format not in JPEG_FORMATS:
        return Plan(None, (height, width) != (image_size, image_size))
    ratio = rules.jpeg_ratio(height, width, image_size, resize, max_pixels)
    decoded = (-(-height // ratio), -(-width // ratio))  # libjpeg rounds sides up
    return Plan(ratio, decoded != (image_size, image_size))


def _prepare(plan: Plan, image_size: int, resize: str):
    import tensorflow as tf

    from data_pipelines import ops

    def prepare(path):
        contents = tf.io.read_file(path)
        if plan.ratio is None:
            image = tf.io.decode_image(contents, channels=3, dtype=tf.uint8,
                                       expand_animations=False)
        else:
            image = tf.io.decode_jpeg(contents, channels=3, ratio=plan.ratio,
                                      dct_method=ops.DCT_METHOD)
        image = tf.ensure_shape(image, [None, None, 3])
        if plan.resize:
            image = ops.quantize(ops.resize_image(image, image_size, resize))
        return tf.ensure_shape(image, [image_size, image_size, 3])
    return prepare


def planned_dataset(paths: Sequence[str], headers: Sequence[Header], image_size: int,
                    resize: str = "squash", max_pixels: int = rules.MAX_PIXELS):
    """tf.data.Dataset of uint8 (image_size, image_size, 3) images of `paths`, in order,
    each decoded by its plan (the same pixels as `pipeline.prepare_fn`, tested)."""
    import tensorflow as tf

    plans = [plan_for(h, image_size, resize, max_pixels) for h in headers]
    kinds: List[Plan] = sorted(set(plans), key=lambda p: (p.ratio or 0, p.resize))
    if not plans:
        return tf.data.Dataset.from_tensor_slices(tf.zeros([0, image_size, image_size, 3],
                                                           tf.uint8))
    groups = [tf.data.Dataset.from_tensor_slices(
                  tf.constant([p for p, plan in zip(paths, plans) if plan == kind], tf.string))
              .map(_prepare(kind, image_size, resize), num_parallel_calls=tf.data.AUTOTUNE,
                   deterministic=True)
              for kind in kinds]
    if len(groups) == 1:
        return groups[0]
    choice = np.array([kinds.index(plan) for plan in plans], np.int64)
    return tf.data.Dataset.choose_from_datasets(groups, tf.data.Dataset.from_tensor_slices(choice))

"""Decode plans: the planned pipeline gives the very pixels of the per-image one, in order."""
import itertools

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from data_pipelines import ops, plan
from data_pipelines.pipeline import prepare_fn
from tests.test_data_pipelines import KINDS, _write


@pytest.mark.parametrize("resize", ops.RESIZE_MODES)
def test_plan_ratio_is_the_rule_of_jpeg_ratio_index(resize):
    sides = (7, 31, 32, 33, 64, 250, 257, 1000, 4000)
    for (height, width), size, cap in itertools.product(
            itertools.product(sides, sides), (32, 256), (ops.MAX_PIXELS, 10_000)):
        got = plan.plan_for(plan.Header("JPEG", width, height), size, resize, cap)
        expected = ops.JPEG_RATIOS[int(ops.jpeg_ratio_index(height, width, size, resize, cap))]
        assert got.ratio == expected, (height, width, size, resize, cap)
    assert plan.plan_for(plan.Header("PNG", 32, 32), 32) == plan.Plan(None, False)
    assert plan.plan_for(plan.Header("PNG", 40, 32), 32) == plan.Plan(None, True)
    assert plan.plan_for(plan.Header("JPEG", 256, 256), 32) == plan.Plan(8, False)
    assert plan.plan_for(plan.Header("MPO", 250, 250), 32) == plan.Plan(4, True)


@pytest.mark.parametrize("size, resize", [(40, "squash"), (16, "center_crop"), (60, "pad")])
def test_planned_dataset_matches_per_image_decode(tmp_path, size, resize):
    """Every format, sizes that need no resize, reduced-scale JPEGs, mixed in one order."""
    paths = []
    for kind in sorted(KINDS):
        path = tmp_path / f"{kind}{KINDS[kind]}"
        _write(kind, path)
        paths.append(str(path))
    rng = np.random.default_rng(0)
    for name, shape in (("exact.jpg", (size, size)), ("big.jpg", (300, 500)),
                        ("exact.png", (size, size))):
        Image.fromarray(rng.integers(0, 256, shape + (3,), np.uint8)).save(tmp_path / name)
        paths.insert(len(paths) // 2, str(tmp_path / name))
    headers = []
    for path in paths:
        with Image.open(path) as image:
            headers.append(plan.Header(image.format, *image.size))
    prepare = prepare_fn(size, resize, ops.MAX_PIXELS)
    expected = [prepare(tf.io.read_file(p)).numpy() for p in paths]
    planned = list(plan.planned_dataset(paths, headers, size, resize).as_numpy_iterator())
    assert len(planned) == len(expected)
    for path, got, want in zip(paths, planned, expected):
        np.testing.assert_array_equal(got, want, err_msg=path)


def test_planned_dataset_of_no_files_is_empty():
    assert len(list(plan.planned_dataset([], [], 8))) == 0

"""The numpy path gives what the tf.data path gives: splits, order, bad files, pixels.

Pixels within one level (float rounding of the resampling may flip a .5), on
generated images of every format and mode we read, at sizes that shrink, enlarge
and keep them, in the three resize modes, and on `sample`. Needs TensorFlow.
"""
import numpy as np
import pytest

from data_pipelines.arrays import load_arrays
from tests.test_data_pipelines_arrays import make_folder

tf = pytest.importorskip("tensorflow")
from data_pipelines.pipeline import load_images  # noqa: E402

SPLITS = ("train", "validation", "test")


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "data"))


def _both(source, split, **options):
    dataset, tf_report = load_images(source, split, as_uint8=True, cache=False, **options)
    tf_images = np.stack(list(dataset.as_numpy_iterator())) if tf_report.num_images else None
    np_images, np_report = load_arrays(source, split, as_uint8=True, **options)
    return (tf_images, tf_report), (np_images, np_report)


def _assert_same(tf_side, np_side):
    (tf_images, tf_report), (np_images, np_report) = tf_side, np_side
    assert np_report.num_images == tf_report.num_images
    assert np_report.description == tf_report.description
    assert np_report.dropped_grayscale == tf_report.dropped_grayscale
    # Same files skipped, for the same kind of reason (decoders word errors differently).
    assert ([(p, r.split(":")[0]) for p, r in np_report.skipped]
            == [(p, r.split(":")[0]) for p, r in tf_report.skipped])
    if tf_images is not None:
        assert np_images.shape == tf_images.shape
        assert np.abs(np_images.astype(int) - tf_images.astype(int)).max() <= 1


@pytest.mark.parametrize("size, resize", [(16, "squash"), (40, "center_crop"), (32, "pad"),
                                          (64, "squash")])
def test_folder_images_match_tf_data(tmp_path, size, resize):
    make_folder(tmp_path / "images")
    for split in SPLITS:
        _assert_same(*_both(f"folder:{tmp_path / 'images'}", split, image_size=size,
                            resize=resize, validation_fraction=0.2, test_fraction=0.2, seed=1))


def test_folder_limit_and_gray_dropping_match_tf_data(tmp_path):
    make_folder(tmp_path / "images")
    dropped = 0
    for split in SPLITS:
        tf_side, np_side = _both(f"folder:{tmp_path / 'images'}", split, image_size=16,
                                 drop_grayscale=True, seed=2, validation_fraction=0.2,
                                 test_fraction=0.2)
        _assert_same(tf_side, np_side)
        dropped += np_side[1].dropped_grayscale
    assert dropped == 1  # gray.jpg
    _assert_same(*_both(f"folder:{tmp_path / 'images'}", "train", image_size=16, limit=3,
                        seed=2, validation_fraction=0.2, test_fraction=0.2))


@pytest.mark.parametrize("split", SPLITS)
def test_sample_matches_tf_data(split):
    _assert_same(*_both("sample", split, image_size=16, limit=24, seed=1))


def test_sample_gray_dropping_matches_tf_data():
    _assert_same(*_both("sample", "train", image_size=16, drop_grayscale=True,
                        gray_threshold=0.08, limit=10))

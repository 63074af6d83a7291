"""data_pipelines sources: `sample`, `tfds:` (faked with tfds.testing.mock_data so the
real tfds.load code runs, and offline failure), `cifar10-jpg` (a tiny generated
archive; the real one in a slow test)."""
import shutil
import tarfile

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from PIL import Image

from data_pipelines import DataSourceError, archive, load_images, sample
from data_pipelines import cifar10 as cifar10_module


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "data_dir"))
    # tfds.testing.mock_data makes downloads no-ops; the network check must not stop them.
    # Tests of the offline path set it back to False.
    monkeypatch.setattr("data_pipelines.tfds_source._online", lambda: True)


# ------------------------------------------------------------------ sample

def test_sample_splits_are_by_photo_and_cover_all_photos():
    photos = [set(names) for names in sample.SPLIT_PHOTOS.values()]
    assert set().union(*photos) == set(sample.PHOTOS)
    assert sum(map(len, photos)) == len(sample.PHOTOS)  # no photo in two splits
    for split, names in sample.SPLIT_PHOTOS.items():
        crops = sample.split_crops(split)
        assert {crop[0] for crop in crops} == {str(sample.photo_path(n)) for n in names}


def test_sample_crops_are_fixed_and_inside_their_photo():
    for name in sample.PHOTOS:
        crops = sample.photo_crops(name)
        assert crops == sample.photo_crops(name) and len(crops) == sample.CROPS_PER_PHOTO
        with Image.open(sample.photo_path(name)) as photo:
            width, height = photo.size
        for _, top, left, side, _ in crops:
            assert top + side <= height and left + side <= width
            assert side >= int(sample.CROP_FRACTION[0] * min(width, height))


def test_sample_counts_and_report():
    counts = {}
    for split in ("train", "validation", "test"):
        images, report = load_images("sample", split, image_size=16, cache=False)
        counts[split] = report.num_images
        assert len(images) == report.num_images and report.is_stand_in
        assert report.skipped == [] and report.description.startswith(f"sample: {len(images)}")
    assert counts == {"train": 300, "validation": 60, "test": 60}


def test_sample_images_order_and_limit():
    images, _ = load_images("sample", "validation", image_size=24)
    batch = np.stack(list(images.as_numpy_iterator()))
    assert batch.shape == (60, 24, 24, 3) and batch.dtype == np.float32
    assert 0 <= batch.min() and batch.max() <= 1 and batch.std() > 0.05
    again, _ = load_images("sample", "validation", image_size=24, cache=False)
    np.testing.assert_array_equal(np.stack(list(again.as_numpy_iterator())), batch)
    first, report = load_images("sample", "validation", image_size=24, limit=7)
    assert report.num_images == len(first) == 7
    np.testing.assert_array_equal(np.stack(list(first.as_numpy_iterator())), batch[:7])
    reseeded, _ = load_images("sample", "validation", image_size=24, seed=1, limit=7)
    assert not np.array_equal(np.stack(list(reseeded.as_numpy_iterator())), batch[:7])


def test_sample_drop_grayscale_count_is_exact():
    images, report = load_images("sample", "test", image_size=8, drop_grayscale=True,
                                 gray_threshold=0.25)
    assert 0 < report.dropped_grayscale < 60
    assert report.num_images == len(list(images)) == 60 - report.dropped_grayscale


# -------------------------------------------------------------------- tfds

def test_tfds_mock_data_runs_the_real_loader(tmp_path):
    with tfds.testing.mock_data(num_examples=6):
        images, report = load_images("tfds:cifar10", "train", image_size=32,
                                     tfds_data_dir=str(tmp_path))
        batch = np.stack(list(images.as_numpy_iterator()))
        # TFDS's own decoding of the same (deterministic) mock examples.
        reference = np.stack([example["image"] for example in tfds.as_numpy(tfds.load(
            "cifar10", split="train", data_dir=str(tmp_path)))])
        _, limited = load_images("tfds:cifar10", "test", image_size=16, limit=4,
                                 tfds_data_dir=str(tmp_path))
    assert report.num_images == len(images) == 6 and batch.shape == (6, 32, 32, 3)
    np.testing.assert_array_equal(np.round(batch * 255).astype(np.uint8), reference)
    assert not report.is_stand_in and "feature image" in report.description
    assert limited.num_images == 4


def test_tfds_gray_images_become_rgb_and_count_drops_gray(tmp_path):
    with tfds.testing.mock_data(num_examples=3):
        images, _ = load_images("tfds:mnist", "train", image_size=8,
                                tfds_data_dir=str(tmp_path))
        batch = np.stack(list(images.as_numpy_iterator()))
        _, dropped = load_images("tfds:mnist", "train", image_size=8, drop_grayscale=True,
                                 tfds_data_dir=str(tmp_path))
        _, kept = load_images("tfds:cifar10", "train", image_size=8, drop_grayscale=True,
                              tfds_data_dir=str(tmp_path))
    assert batch.shape == (3, 8, 8, 3)
    np.testing.assert_array_equal(batch[..., 0], batch[..., 2])
    assert (dropped.num_images, dropped.dropped_grayscale) == (0, 3)
    assert (kept.num_images, kept.dropped_grayscale) == (3, 0)


def test_tfds_split_pool_is_carved_into_three(tmp_path):
    counts = {}
    with tfds.testing.mock_data(num_examples=10):
        for split in ("train", "validation", "test"):
            images, report = load_images("tfds:cifar10:train[:10]", split, image_size=8,
                                         validation_fraction=0.2, test_fraction=0.1,
                                         tfds_data_dir=str(tmp_path))
            counts[split] = (report.num_images, len(list(images)))
    assert counts == {"train": (7, 7), "validation": (2, 2), "test": (1, 1)}


def _check_offline_message(error):
    message = str(error.value)
    assert "\n" not in message and isinstance(error.value, ValueError)
    for alternative in ("cifar10-jpg", "folder:PATH", "sample"):
        assert alternative in message


def test_tfds_not_prepared_without_download_fails_in_one_line(tmp_path):
    with pytest.raises(DataSourceError, match="not prepared") as error:
        load_images("tfds:cifar10", "train", image_size=8, tfds_data_dir=str(tmp_path),
                    download=False)
    _check_offline_message(error)
    assert "CIFAR-10 is available offline as `cifar10-jpg`" in str(error.value)


def test_tfds_download_failure_fails_in_one_line(tmp_path, monkeypatch):
    def offline(self, *args, **kwargs):
        raise ConnectionError("Failed to establish a new connection:\n[Errno -3] "
                              "Temporary failure in name resolution")
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", offline)
    monkeypatch.setattr("data_pipelines.tfds_source._online", lambda: True)  # DNS works, download fails
    with pytest.raises(DataSourceError, match="could not be downloaded") as error:
        load_images("tfds:cifar10", "train", image_size=8, tfds_data_dir=str(tmp_path))
    _check_offline_message(error)
    assert "ConnectionError" in str(error.value)


def test_tfds_without_network_fails_fast_in_one_line(tmp_path, monkeypatch):
    def must_not_download(self, *args, **kwargs):
        raise AssertionError("tried to download without a network")
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", must_not_download)
    monkeypatch.setattr("data_pipelines.tfds_source._online", lambda: False)
    with pytest.raises(DataSourceError, match="no network") as error:
        load_images("tfds:cifar10", "train", image_size=8, tfds_data_dir=str(tmp_path))
    _check_offline_message(error)


def test_tfds_unknown_dataset_and_bad_spec(tmp_path):
    with pytest.raises(DataSourceError, match="not found") as error:
        load_images("tfds:no_such_dataset_xyz", "train", image_size=8,
                    tfds_data_dir=str(tmp_path))
    _check_offline_message(error)
    with pytest.raises(DataSourceError, match="expected tfds:NAME"):
        load_images("tfds:", "train", image_size=8)


# -------------------------------------------------------------- cifar10-jpg

@pytest.fixture
def fake_cifar_tar(tmp_path, monkeypatch):
    """A cifar10-jpg.tar.gz with the real layout: 2 classes x (5 train + 2 test)."""
    tree = tmp_path / "tree"
    for part, count in (("train", 5), ("test", 2)):
        for label, colour in (("cat", (200, 120, 40)), ("ship", (40, 90, 200))):
            folder = tree / part / label
            folder.mkdir(parents=True)
            for i in range(count):
                Image.fromarray(np.full((32, 32, 3), colour, np.uint8)).save(
                    folder / f"{i:04d}.jpg")
    (tree / "README.md").write_text("fake CIFAR-10")
    archive = tmp_path / "cifar10-jpg.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for item in sorted(tree.iterdir()):
            tar.add(item, arcname=item.name)
    monkeypatch.setenv("DEEPCOLOR_CIFAR10_TAR", str(archive))
    return archive


@pytest.mark.parametrize("system_tar", [True, False])
def test_cifar10_jpg_is_extracted_once_and_split(fake_cifar_tar, tmp_path, monkeypatch,
                                                 system_tar):
    if not system_tar:  # Python's tarfile fallback, for machines without GNU tar
        monkeypatch.setattr(shutil, "which", lambda name: None)
    counts = {s: load_images("cifar10-jpg", s, image_size=32, validation_fraction=0.2)[1]
              for s in ("train", "validation", "test")}
    assert {s: r.num_images for s, r in counts.items()} == {
        "train": 8, "validation": 2, "test": 4}
    assert not counts["train"].is_stand_in and "JPEG" in counts["train"].description
    assert (tmp_path / "data_dir" / "cifar10-jpg" / "train" / "cat" / "0000.jpg").is_file()
    monkeypatch.setattr(archive, "_extract", lambda *a: pytest.fail("re-extracted"))
    images, report = load_images("cifar10-jpg", "test", image_size=32)
    assert report.num_images == len(list(images)) == 4
    assert not list((tmp_path / "data_dir").glob(".cifar10-jpg.partial*"))


def test_cifar10_jpg_missing_archive_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPCOLOR_CIFAR10_TAR", str(tmp_path / "nowhere.tar.gz"))
    with pytest.raises(DataSourceError, match="DEEPCOLOR_CIFAR10_TAR") as error:
        load_images("cifar10-jpg", "train", image_size=32)
    assert "\n" not in str(error.value) and "sample" in str(error.value)


@pytest.mark.slow
@pytest.mark.skipif(not cifar10_module.cifar10_tar().is_file(),
                    reason="../shared/datasets/cifar10-jpg.tar.gz is not here")
def test_real_cifar10_jpg_matches_report_000_split(monkeypatch):
    """Report 000: CIFAR-10 as 40k train / 10k validation / 10k test. Unpacks the real
    archive into the repository's data/ (about 20 s the first time)."""
    monkeypatch.delenv("DEEPCOLOR_DATA")
    counts = {s: load_images("cifar10-jpg", s, image_size=32, validation_fraction=0.2,
                             cache=False)[1] for s in ("train", "validation", "test")}
    assert {s: r.num_images for s, r in counts.items()} == {
        "train": 40000, "validation": 10000, "test": 10000}
    assert all(not r.skipped for r in counts.values())
    images = load_images("cifar10-jpg", "test", image_size=32, limit=3)[0]
    assert tf.reduce_max(next(iter(images))) <= 1.0


def test_the_old_data_variable_still_works_with_a_deprecation_warning(monkeypatch, tmp_path):
    from data_pipelines.paths import data_dir

    monkeypatch.delenv("DEEPCOLOR_DATA", raising=False)
    monkeypatch.setenv("DEEPCOLOR_DATA_DIR", str(tmp_path / "old"))
    with pytest.warns(DeprecationWarning, match="DEEPCOLOR_DATA"):
        assert data_dir() == tmp_path / "old"
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "new"))
    assert data_dir() == tmp_path / "new"  # the new name wins

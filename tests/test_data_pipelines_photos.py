"""The `photos` source (real-photos.tar) and training augmentation (augment.py).

Most tests use a small generated archive with the real layout (10 photos of mixed
sizes, a truncated JPEG, a 4x4 JPEG and MANIFEST.tsv), found through
DEEPCOLOR_PHOTOS_TAR; one test reads the real archive when ../shared/datasets has it.
"""
import hashlib
import io
import tarfile

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from data_pipelines import DataSourceError, archive, augment, load_images, photos
from data_pipelines.paths import photos_tar

SPLITS = ("train", "validation", "test")
SIZES = [(90, 120), (120, 90), (64, 200), (150, 150), (80, 100),
         (100, 80), (70, 140), (140, 70), (96, 128), (128, 96)]  # (height, width)
FRACTIONS = dict(validation_fraction=0.2, test_fraction=0.2)


def _photo(height, width, index):
    """A distinct colourful image: gradients with a per-photo tint and noise."""
    rng = np.random.default_rng(index)
    y, x = np.mgrid[0:height, 0:width]
    tint = rng.uniform(0, 255, 3)
    image = np.stack([x * 255 / width, y * 255 / height, np.full(x.shape, 128.0)], -1)
    image = 0.5 * image + 0.5 * tint + rng.normal(0, 10, image.shape)
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


def _jpeg_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "data_dir"))


@pytest.fixture
def fake_photos_tar(tmp_path, monkeypatch):
    """A real-photos.tar with the real layout; returns its list of file names."""
    files = {f"pkg__photo{i:02d}.jpg": _jpeg_bytes(_photo(h, w, i))
             for i, (h, w) in enumerate(SIZES)}
    files["pkg__broken.jpg"] = files["pkg__photo00.jpg"][:400]  # header fine, data cut
    files["pkg__tiny.jpg"] = _jpeg_bytes(_photo(4, 4, 99))
    rows = ["file\tpackage\tversion\tlicence"] + [f"{n}\tpkg\t1.0\tCC0" for n in files]
    files[photos.MANIFEST] = ("\n".join(rows) + "\n").encode()
    archive = tmp_path / "real-photos.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(f"{photos.FOLDER}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    monkeypatch.setenv("DEEPCOLOR_PHOTOS_TAR", str(archive))
    return sorted(n for n in files if n.endswith(".jpg"))


def _fingerprints(split, seed=0, **options):
    images, report = load_images("photos", split, image_size=32, seed=seed, as_uint8=True,
                                 **FRACTIONS, **options)
    prints = [hashlib.sha1(image.numpy().tobytes()).hexdigest() for image in images]
    assert len(prints) == report.num_images
    return prints


def test_counts_add_up_and_bad_files_are_skipped_and_reported(fake_photos_tar, tmp_path):
    reports = {s: load_images("photos", s, image_size=32, **FRACTIONS)[1] for s in SPLITS}
    assert {s: r.num_images + len(r.skipped) for s, r in reports.items()} == {
        "train": 8, "validation": 2, "test": 2}  # 12 files: round(0.2 * 12) = 2 each
    skipped = {path.rsplit("/", 1)[-1]: why for r in reports.values() for path, why in r.skipped}
    assert set(skipped) == {"pkg__broken.jpg", "pkg__tiny.jpg"}
    assert "too small" in skipped["pkg__tiny.jpg"]
    assert sum(r.num_images for r in reports.values()) == len(SIZES)
    root = tmp_path / "data_dir" / photos.FOLDER
    assert all(str(root / photos.MANIFEST) in r.description for r in reports.values())
    assert set(photos.read_manifest(root)) == set(fake_photos_tar)  # licences reachable


def test_splits_are_by_photo_disjoint_and_independent_of_seed(fake_photos_tar, tmp_path,
                                                              monkeypatch):
    by_split = {s: _fingerprints(s) for s in SPLITS}
    everything = [p for prints in by_split.values() for p in prints]
    assert len(everything) == len(set(everything)) == len(SIZES)  # each photo once
    for split in SPLITS:  # another seed reorders a split but never moves a photo
        reordered = _fingerprints(split, seed=7)
        assert sorted(reordered) == sorted(by_split[split])
    assert _fingerprints("train", seed=7) != by_split["train"]
    # A fresh extraction elsewhere splits the same way: the rule is the file name.
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "other_data_dir"))
    assert {s: sorted(_fingerprints(s)) for s in SPLITS} == {
        s: sorted(p) for s, p in by_split.items()}


def test_default_fractions_are_80_10_10(fake_photos_tar):
    counts = {s: load_images("photos", s, image_size=16)[1] for s in SPLITS}
    total = {s: r.num_images + len(r.skipped) for s, r in counts.items()}
    assert total == {"train": 10, "validation": 1, "test": 1}  # round(0.1 * 12) = 1


@pytest.mark.parametrize("size", [32, 160])
@pytest.mark.parametrize("resize", ["squash", "center_crop", "pad"])
def test_images_have_the_right_shape_type_and_range(fake_photos_tar, size, resize):
    images, report = load_images("photos", "train", image_size=size, resize=resize,
                                 **FRACTIONS)
    batch = np.stack([image.numpy() for image in images])
    assert batch.shape == (report.num_images, size, size, 3) and batch.dtype == np.float32
    assert 0.0 <= batch.min() and batch.max() <= 1.0 and batch.std() > 0.05
    raw, _ = load_images("photos", "train", image_size=size, resize=resize, as_uint8=True,
                         **FRACTIONS)
    assert next(iter(raw)).dtype == tf.uint8


def test_extracted_once_atomically_and_missing_archive_is_one_line(fake_photos_tar, tmp_path,
                                                                   monkeypatch):
    load_images("photos", "test", image_size=32)
    root = tmp_path / "data_dir" / photos.FOLDER
    assert (root / "pkg__photo03.jpg").is_file() and (root / photos.MANIFEST).is_file()
    assert not list((tmp_path / "data_dir").glob(f".{photos.FOLDER}.partial*"))
    monkeypatch.setattr(archive, "_extract", lambda *a: pytest.fail("re-extracted"))
    assert load_images("photos", "validation", image_size=32)[1].num_images >= 0
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("DEEPCOLOR_PHOTOS_TAR", str(tmp_path / "nowhere.tar"))
    with pytest.raises(DataSourceError, match="DEEPCOLOR_PHOTOS_TAR") as error:
        load_images("photos", "train", image_size=32)
    assert "\n" not in str(error.value)
    assert all(a in str(error.value) for a in ("folder:PATH", "cifar10-jpg", "sample"))


def test_augmentation_gives_new_crops_each_epoch_reproducibly(fake_photos_tar):
    def epochs(seed, split="train", augment_=True):
        images, report = load_images("photos", split, image_size=32, seed=seed,
                                     as_uint8=True, augment=augment_, **FRACTIONS)
        assert "random crop" in report.description or not augment_ or split != "train"
        return [np.stack([i.numpy() for i in images]) for _ in range(2)]

    first, second = epochs(seed=3)
    assert first.shape == (len(first), 32, 32, 3) and first.dtype == np.uint8
    changed = [not np.array_equal(a, b) for a, b in zip(first, second)]
    assert len(first) >= 6 and sum(changed) >= len(first) - 1  # a repeat crop is rare
    again = epochs(seed=3)
    assert np.array_equal(again[0], first) and np.array_equal(again[1], second)
    assert not np.array_equal(epochs(seed=4)[0], first)
    # Evaluation splits are never augmented.
    plain = epochs(seed=3, split="validation", augment_=False)[0]
    assert np.array_equal(epochs(seed=3, split="validation")[0], plain)


def test_random_crop_is_a_crop_shrunk_or_mirrored():
    """On an image whose red channel is its column, every crop's columns stay in
    order (or reversed when flipped) inside the image; crops vary in place and scale."""
    size, large = 16, augment.cache_size(16)
    column = np.tile(np.arange(large, dtype=np.uint8)[None, :, None] * 10, (large, 1, 3))
    crop = augment.random_crop_fn(size)
    starts, flips = set(), set()
    for i in range(40):
        red = crop(tf.constant(column), tf.constant([i, 0], tf.int64)).numpy()[..., 0]
        assert red.shape == (size, size) and np.ptp(red, axis=0).max() <= 1  # rows alike
        steps = np.diff(red[0].astype(int))
        assert (steps >= 0).all() or (steps <= 0).all()
        flips.add(bool(steps.sum() < 0))
        starts.add((int(red[0].min()), int(np.ptp(red[0]))))
    assert flips == {True, False} and len(starts) > 5


@pytest.mark.skipif(not photos_tar().is_file(),
                    reason="../shared/datasets/real-photos.tar is not here")
def test_real_archive_splits_every_photo_once(monkeypatch):
    """Unpacks the real archive into the repository's data/ (about 1 s the first time)."""
    monkeypatch.delenv("DEEPCOLOR_DATA")
    reports = {s: load_images("photos", s, image_size=128, cache=False)[1] for s in SPLITS}
    manifest = photos.read_manifest(photos.ensure_extracted())
    assert all(not r.skipped for r in reports.values())
    assert sum(r.num_images for r in reports.values()) == len(manifest)
    assert reports["test"].num_images == reports["validation"].num_images == round(
        0.1 * len(manifest))
    images = load_images("photos", "test", image_size=128, limit=2)[0]
    assert next(iter(images)).shape == (128, 128, 3)

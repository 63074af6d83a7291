"""The numpy data path (data_pipelines.arrays, array_batches), under any Keras backend.

Needs no TensorFlow: tests/test_backend_jax.py reruns this file under JAX with
TensorFlow blocked. The pixel comparison with tf.data is in
tests/test_data_pipelines_arrays_vs_tf.py.
"""
import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from data_pipelines import DataSourceError, augment, epoch_seed
from data_pipelines.array_batches import encode_batches
from data_pipelines.arrays import load_arrays


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "data"))


def _photo(height, width, seed):
    """A smooth colour image with some noise (JPEG-like content, not flat)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (height // 8 + 2, width // 8 + 2, 3)).astype(np.uint8)
    image = np.asarray(Image.fromarray(base).resize((width, height), Image.BICUBIC), int)
    return np.clip(image + rng.integers(-25, 25, image.shape), 0, 255).astype(np.uint8)


def make_folder(root):
    """16 good images of every format and mode we read, and 4 bad files; returns the
    names of the bad ones."""
    root.mkdir(parents=True)
    shapes = [(32, 32), (100, 150), (333, 517), (700, 300), (48, 64), (20, 90)]
    for i, (h, w) in enumerate(shapes):
        Image.fromarray(_photo(h, w, i)).save(root / f"photo{i}.jpg", quality=85)
        Image.fromarray(_photo(w, h, i + 10)).save(root / f"photo{i}.png")
    image = _photo(40, 56, 20)
    Image.fromarray(image).convert("L").save(root / "gray.jpg", quality=90)
    Image.fromarray(image).convert("RGBA").save(root / "alpha.png")
    Image.fromarray(image).save(root / "bitmap.bmp")
    Image.fromarray(image).convert("P").save(root / "palette.gif")
    jpeg = io.BytesIO()
    Image.fromarray(_photo(64, 64, 30)).save(jpeg, "JPEG", quality=90)
    (root / "truncated.jpg").write_bytes(jpeg.getvalue()[:len(jpeg.getvalue()) // 2])
    (root / "empty.jpg").write_bytes(b"")
    (root / "text.png").write_text("not an image")
    Image.fromarray(image[:4, :4]).save(root / "tiny.png")
    return {"truncated.jpg", "empty.jpg", "text.png", "tiny.png"}


def test_folder_splits_skip_bad_files_and_count_exactly(tmp_path):
    bad = make_folder(tmp_path / "images")
    counts, skipped = 0, set()
    for split in ("train", "validation", "test"):
        images, report = load_arrays(f"folder:{tmp_path / 'images'}", split, image_size=24,
                                     validation_fraction=0.2, test_fraction=0.2, as_uint8=True)
        assert images.shape == (report.num_images, 24, 24, 3) and images.dtype == np.uint8
        counts += report.num_images
        skipped |= {path.rsplit("/", 1)[-1] for path, _ in report.skipped}
    assert counts == 16 and skipped == bad
    floats, _ = load_arrays(f"folder:{tmp_path / 'images'}", "train", image_size=24,
                            validation_fraction=0.2, test_fraction=0.2)
    assert floats.dtype == np.float32 and 0 <= floats.min() and floats.max() <= 1


def test_sample_order_limit_and_file_cache(tmp_path):
    full, report = load_arrays("sample", "validation", image_size=16, seed=3, as_uint8=True)
    assert report.num_images == 60 and report.is_stand_in
    first, _ = load_arrays("sample", "validation", image_size=16, seed=3, limit=7, as_uint8=True)
    np.testing.assert_array_equal(first, full[:7])  # limit keeps the first N of the order
    other, _ = load_arrays("sample", "validation", image_size=16, seed=4, as_uint8=True)
    assert not np.array_equal(other, full)
    cache = str(tmp_path / "cache" / "sample")
    written, _ = load_arrays("sample", "validation", image_size=16, seed=3, cache=cache,
                             as_uint8=True)
    read, again = load_arrays("sample", "validation", image_size=16, seed=3, cache=cache,
                              as_uint8=True)
    np.testing.assert_array_equal(read, full)
    assert again.num_images == 60 and len(list((tmp_path / "cache").glob("*.npz"))) == 1


def test_tfds_and_unknown_sources_fail_in_one_line():
    with pytest.raises(DataSourceError, match="need TensorFlow") as error:
        load_arrays("tfds:cifar10", "train", image_size=32)
    assert "\n" not in str(error.value)
    with pytest.raises(DataSourceError, match="unknown data source"):
        load_arrays("nowhere", "train", image_size=32)


def _split_encode(rgb):
    """A stand-in colour space: channel 0 in, channels 1-2 out (uint8 kept as float)."""
    import keras

    rgb = keras.ops.cast(rgb, "float32")
    return rgb[..., :1], rgb[..., 1:]


def _stream(images, first_epoch, epochs=3, **options):
    stream = encode_batches(images, _split_encode, 4, shuffle=True, seed=5, epochs=epochs,
                            first_epoch=first_epoch, **options)
    return [np.asarray(model_input) for model_input, _ in stream]


def test_epoch_order_depends_on_seed_and_epoch_only():
    """The resume contract: a stream started at epoch 1 is the tail of one started at 0;
    each epoch is a permutation of the images, different from the other epochs'."""
    images = np.arange(10, dtype=np.uint8)[:, None, None, None] * np.ones((1, 2, 2, 3), np.uint8)
    whole, resumed = _stream(images, 0), _stream(images, 1)
    steps = 3  # ceil(10 / 4)
    assert len(whole) == 3 * steps and len(resumed) == 2 * steps
    for a, b in zip(whole[steps:], resumed):
        np.testing.assert_array_equal(a, b)
    orders = [np.concatenate(whole[e * steps:(e + 1) * steps])[:, 0, 0, 0] for e in range(3)]
    assert all(sorted(order) == list(range(10)) for order in orders)
    assert len({tuple(order) for order in orders}) == 3
    expected = np.random.default_rng(epoch_seed(5, 2)).permutation(10)
    np.testing.assert_array_equal(orders[2], expected)


def test_extras_stay_aligned_and_eval_order_is_fixed():
    images = np.arange(6, dtype=np.uint8)[:, None, None, None] * np.ones((1, 2, 2, 3), np.uint8)
    extras = np.arange(6, dtype=np.float32)[:, None] * 10
    stream = encode_batches(images, _split_encode, 4, shuffle=True, seed=1, extras=extras,
                            epochs=2)
    for (model_input, extra), target in stream:
        np.testing.assert_array_equal(np.asarray(model_input)[:, 0, 0, 0] * 10,
                                      np.asarray(extra)[:, 0])
        assert np.asarray(target).shape[1:] == (2, 2, 2)
    fixed = encode_batches(images, _split_encode, 4, shuffle=False, extras=extras)
    assert len(fixed) == 2
    seen = [np.asarray(i)[:, 0, 0, 0] for (i, _), _ in fixed]
    np.testing.assert_array_equal(np.concatenate(seen), np.arange(6))


def test_random_crops_are_new_each_epoch_and_repeat_on_resume():
    images, _ = load_arrays("sample", "validation", image_size=augment.cache_size(16),
                            limit=8, as_uint8=True)
    crop = {"augment_size": 16}
    whole, resumed = _stream(images, 0, **crop), _stream(images, 1, **crop)
    assert whole[0].shape == (4, 16, 16, 1)
    for a, b in zip(whole[2:], resumed):
        np.testing.assert_array_equal(a, b)
    epoch0, epoch1 = (np.sort(np.concatenate(whole[e * 2:e * 2 + 2]).reshape(8, -1), axis=0)
                      for e in (0, 1))
    assert not np.array_equal(epoch0, epoch1)
    with pytest.raises(ValueError, match="cached at 20 px"):
        encode_batches(images[:, :16, :16], _split_encode, 4, shuffle=True, augment_size=16)


def test_package_imports_no_tensorflow():
    code = ("import sys, data_pipelines, data_pipelines.arrays, data_pipelines.folder, "
            "data_pipelines.validate, data_pipelines.augment\n"
            "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)

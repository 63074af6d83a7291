"""data_pipelines: map functions (eagerly and inside tf.data), folder sources, bad
files, splits, caching and batching. All images are tiny and generated in tmp_path."""
import functools

import cv2
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from data_pipelines import DataSourceError, encode_batches, encode_fn, load_images, ops
from data_pipelines import validate
from data_pipelines.pipeline import prepare_fn, sample_crop_fn
from deepcolor.train.data import encoder as _enc  # the colour space's encode, cached

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    """Validation caches and unpacked data go to tmp, never to the repo's data/."""
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "data_dir"))


def run_both(fn, *args):
    """fn(*args) eagerly and as a tf.data map; both must agree (big_vision style)."""
    eager = fn(*args)
    graph = next(iter(tf.data.Dataset.from_tensors(tuple(args)).map(fn)))
    tf.nest.map_structure(
        lambda a, b: np.testing.assert_allclose(np.asarray(a, np.float64),
                                                np.asarray(b, np.float64), atol=1e-5),
        eager, graph)
    return eager


def smooth_rgb(height=40, width=60):
    """A smooth colour gradient (JPEG keeps it well, unlike noise)."""
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 255 // width, y * 255 // height, 255 - x * 255 // width],
                    -1).astype(np.uint8)


def solid(value, size=(12, 12)):
    return np.full(size + (3,), value, np.uint8)


def contents(path):
    return tf.constant(open(path, "rb").read())


# ----------------------------------------------------------------- decoding

def _write(kind, path):
    """Write one image of `kind` and return the RGB it should decode to."""
    rgb = smooth_rgb()
    if kind in ("jpg", "png", "bmp"):
        Image.fromarray(rgb).save(path, quality=95)
    elif kind == "gray_png":
        Image.fromarray(rgb[..., 0]).save(path)
        rgb = np.repeat(rgb[..., :1], 3, -1)
    elif kind == "rgba_png":
        Image.fromarray(np.dstack([rgb, np.full(rgb.shape[:2], 90, np.uint8)])).save(path)
    elif kind == "gray16_png":
        gray16 = rgb[..., 0].astype(np.uint16) * 257 + 100  # high byte = the 8-bit value
        Image.fromarray(gray16).save(path)
        rgb = np.repeat(rgb[..., :1], 3, -1)
    elif kind == "rgb48_png":
        cv2.imwrite(str(path), (rgb[..., ::-1].astype(np.uint16) * 257))
    elif kind == "cmyk_jpg":
        Image.fromarray(rgb).convert("CMYK").save(path, quality=95)
    elif kind == "palette_png":
        Image.fromarray(rgb).convert("P").save(path)
        rgb = np.asarray(Image.open(path).convert("RGB"))
    elif kind == "gif":  # two frames: the first is kept
        first = Image.fromarray(solid((255, 0, 0), (40, 60)))
        first.save(path, save_all=True, append_images=[Image.fromarray(solid((0, 0, 255),
                                                                             (40, 60)))])
        rgb = solid((255, 0, 0), (40, 60))
    elif kind == "png_named_jpg":
        Image.fromarray(rgb).save(path, format="PNG")
    return rgb


KINDS = {"jpg": ".jpg", "png": ".png", "bmp": ".bmp", "gray_png": ".png",
         "rgba_png": ".png", "gray16_png": ".png", "rgb48_png": ".png", "cmyk_jpg": ".jpg",
         "palette_png": ".png", "gif": ".gif", "png_named_jpg": ".jpg"}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_decode_image_formats(tmp_path, kind):
    path = tmp_path / f"image{KINDS[kind]}"
    expected = _write(kind, path)
    image = run_both(ops.decode_image, contents(path))
    assert image.dtype == tf.uint8 and image.shape == expected.shape
    error = np.abs(image.numpy().astype(int) - expected.astype(int)).mean()
    lossy = kind.endswith("jpg") and kind != "png_named_jpg"
    assert error < (4.0 if lossy else 0.51), f"{kind}: mean error {error}"


@pytest.mark.parametrize("image_size, resize, max_pixels, shape", [
    (None, "squash", ops.MAX_PIXELS, (240, 400)),
    (32, "squash", ops.MAX_PIXELS, (60, 100)),     # short side 240 -> 1/4 keeps >= 32
    (32, "center_crop", ops.MAX_PIXELS, (60, 100)),
    (32, "pad", ops.MAX_PIXELS, (30, 50)),         # long side 400 -> 1/8 keeps >= 32
    (200, "squash", ops.MAX_PIXELS, (240, 400)),
    (None, "squash", 10_000, (60, 100)),           # the pixel cap forces 1/4
])
def test_large_jpeg_decodes_at_reduced_scale(tmp_path, image_size, resize, max_pixels, shape):
    Image.fromarray(smooth_rgb(240, 400)).save(tmp_path / "big.jpg")
    decode = functools.partial(ops.decode_image, image_size=image_size, resize=resize,
                               max_pixels=max_pixels)
    assert tuple(run_both(decode, contents(tmp_path / "big.jpg")).shape[:2]) == shape


def test_jpeg_ratio_index():
    index = functools.partial(ops.jpeg_ratio_index, image_size=32, resize="squash")
    assert int(run_both(index, 31, 1000)) == 0   # smaller than the target: full scale
    assert int(run_both(index, 64, 1000)) == 1
    assert int(run_both(index, 4000, 3000)) == 3
    capped = functools.partial(ops.jpeg_ratio_index, image_size=None, max_pixels=100)
    assert int(run_both(capped, 20, 20)) == 1    # 400 px > 100, 100 px at 1/2


# ------------------------------------------------------------- resize & co

def _three_bands():
    """20 x 40: blue columns 0-9, red 10-29, green 30-39."""
    image = np.zeros((20, 40, 3), np.uint8)
    image[:, :10, 2] = image[:, 10:30, 0] = image[:, 30:, 1] = 255
    return image


def test_resize_center_crop_keeps_the_middle():
    out = run_both(functools.partial(ops.resize_image, image_size=8, mode="center_crop"),
                   _three_bands()).numpy()
    np.testing.assert_allclose(out[..., 0], 255, atol=1e-3)
    np.testing.assert_allclose(out[..., 1:], 0, atol=1e-3)


def test_resize_squash_keeps_everything():
    out = run_both(functools.partial(ops.resize_image, image_size=8, mode="squash"),
                   _three_bands()).numpy()
    assert out.shape == (8, 8, 3) and out.dtype == np.float32
    assert out[:, 0, 2].min() > 200 and out[:, -1, 1].min() > 200 and out[:, 4, 0].min() > 200


def test_resize_pad_letterboxes_with_black():
    out = run_both(functools.partial(ops.resize_image, image_size=8, mode="pad"),
                   _three_bands()).numpy()
    assert out[:2].max() == 0 and out[-2:].max() == 0   # 20x40 -> 4x8 plus 2 rows each side
    assert out[2:6].max(axis=-1).min() > 200


@pytest.mark.parametrize("mode", ["squash", "center_crop", "pad"])
def test_enlarging_without_the_antialias_kernel_gives_the_same_values(mode):
    """Enlarging takes the plain bilinear kernel (faster); it must equal the antialiased one."""
    image = RNG.integers(0, 256, (12, 10, 3), dtype=np.uint8)
    out = run_both(functools.partial(ops.resize_image, image_size=40, mode=mode), image)
    square = tf.cast(image, tf.float32)
    if mode == "center_crop":
        square = square[1:11]
    reference = (tf.image.resize_with_pad(square, 40, 40, antialias=True) if mode == "pad"
                 else tf.image.resize(square, (40, 40), antialias=True))
    np.testing.assert_allclose(out, reference, atol=1e-3)


def test_resize_same_size_is_exact_and_modes_are_checked():
    image = RNG.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    out = run_both(functools.partial(ops.resize_image, image_size=16, mode="squash"), image)
    np.testing.assert_array_equal(out.numpy(), image.astype(np.float32))
    with pytest.raises(ValueError, match="resize mode"):
        ops.resize_image(image, 8, "stretch")


def test_crop_square_and_flip():
    image = RNG.integers(0, 256, (10, 12, 3), dtype=np.uint8)
    plain = run_both(ops.crop_square, image, 2, 3, 5, False).numpy()
    flipped = run_both(ops.crop_square, image, 2, 3, 5, True).numpy()
    np.testing.assert_array_equal(plain, image[2:7, 3:8])
    np.testing.assert_array_equal(flipped, image[2:7, 3:8][:, ::-1])


def test_quantize_and_unit_float():
    values = np.array([[[-3.0, 0.4, 0.6], [127.5, 254.6, 300.0]]], np.float32)
    quantized = run_both(ops.quantize, values)
    assert quantized.dtype == tf.uint8
    np.testing.assert_array_equal(quantized.numpy(), [[[0, 0, 1], [128, 255, 255]]])
    as_float = run_both(ops.to_unit_float, quantized)
    assert as_float.dtype == tf.float32 and float(tf.reduce_max(as_float)) == 1.0


def test_mean_chroma_and_check_decode(tmp_path):
    gray = np.full((4, 4, 3), 0.3, np.float32)
    red = np.zeros((4, 4, 3), np.float32)
    red[..., 0] = 1
    assert float(run_both(ops.mean_chroma, gray)) == pytest.approx(0.0, abs=1e-6)
    assert float(run_both(ops.mean_chroma, red)) == pytest.approx(1.0)
    assert run_both(ops.mean_chroma, np.stack([gray, red])).shape == (2,)
    Image.fromarray(smooth_rgb()).save(tmp_path / "a.png")
    small = run_both(ops.decode_for_check, contents(tmp_path / "a.png"))
    assert small.shape == (ops.CHROMA_SIZE, ops.CHROMA_SIZE, 3) and float(small[0, 0, 2]) > 0.9
    assert float(run_both(ops.decoded_chroma, contents(tmp_path / "a.png"))) > 0.3


def test_prepare_fn_and_sample_crop_fn(tmp_path):
    rgb = smooth_rgb()
    Image.fromarray(rgb).save(tmp_path / "a.png")
    prepared = run_both(prepare_fn(16, "center_crop", ops.MAX_PIXELS),
                        contents(tmp_path / "a.png"))
    assert prepared.dtype == tf.uint8 and prepared.shape == (16, 16, 3)
    crop = run_both(sample_crop_fn(8, "squash", ops.MAX_PIXELS), str(tmp_path / "a.png"),
                    5, 10, 20, True)
    expected = ops.resize_image(rgb[5:25, 10:30][:, ::-1], 8, "squash").numpy()
    assert crop.dtype == tf.uint8
    np.testing.assert_allclose(crop.numpy(), expected, atol=0.51)


# ------------------------------------------------------------ folder sources

def make_bad_folder(root):
    """Good images (some needing conversion) and one of each bad kind."""
    root.mkdir(parents=True)
    good = {"plain.jpg": "jpg", "cmyk.jpg": "cmyk_jpg", "gray16.png": "gray16_png",
            "rgba.png": "rgba_png", "anim.gif": "gif", "sub/deeper/plain.bmp": "bmp"}
    for name, kind in good.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        _write(kind, root / name)
    Image.fromarray(smooth_rgb(240, 320)).save(root / "huge.jpg")   # kept: 1/4 scale fits
    Image.fromarray(smooth_rgb(100, 100)).save(root / "huge.png")   # skipped: over the cap
    data = (root / "huge.jpg").read_bytes()  # header intact, scan data cut: only TF sees it
    (root / "truncated.jpg").write_bytes(data[:len(data) * 2 // 3])
    (root / "zero.jpg").write_bytes(b"")
    (root / "text.jpg").write_text("this is not an image\n")
    Image.fromarray(solid((10, 200, 30), (1, 1))).save(root / "one_pixel.png")
    (root / "notes.txt").write_text("ignored: not an image extension")
    (root / "._plain.jpg").write_bytes(b"\x00\x05\x16\x07 AppleDouble")  # hidden: ignored
    return len(good) + 1


BAD = {"truncated.jpg": "decode failed", "zero.jpg": "empty file",
       "text.jpg": "not a readable image", "one_pixel.png": "too small",
       "huge.png": "too large"}


def test_bad_files_are_skipped_and_listed(tmp_path):
    num_good = make_bad_folder(tmp_path / "imgs")
    images, report = load_images(f"folder:{tmp_path / 'imgs'}", "train", image_size=16,
                                 validation_fraction=0, test_fraction=0, max_pixels=5000)
    reasons = {path.split("/")[-1]: reason for path, reason in report.skipped}
    assert set(reasons) == set(BAD)
    for name, words in BAD.items():
        assert words in reasons[name], reasons[name]
    assert report.num_images == num_good == len(images)
    batch = np.stack(list(images.as_numpy_iterator()))
    assert batch.shape == (num_good, 16, 16, 3) and batch.dtype == np.float32
    assert 0.0 <= batch.min() and batch.max() <= 1.0
    summary = report.skipped_summary(max_listed=2)
    assert summary.startswith("skipped 5 bad files: ") and summary.endswith("and 3 more")
    assert "\n" not in summary
    saved = report.save_skipped(tmp_path / "out" / "skipped.tsv").read_text().splitlines()
    assert saved[0] == "path\treason" and len(saved) == 6
    assert not report.is_stand_in and "5 bad files skipped" in report.description


def test_validation_is_cached_per_file(tmp_path, monkeypatch):
    root = tmp_path / "imgs"
    make_bad_folder(root)
    spec = dict(image_size=8, validation_fraction=0, test_fraction=0, max_pixels=5000)
    _, first = load_images(f"folder:{root}", "train", **spec)
    calls = []
    real = validate.decode_checks
    monkeypatch.setattr(validate, "decode_checks",
                        lambda paths, *a, **k: calls.append(list(paths)) or real(paths, *a, **k))
    _, second = load_images(f"folder:{root}", "train", **spec)
    assert calls == [] and second.skipped == first.skipped
    Image.fromarray(solid((0, 0, 255), (20, 30))).save(root / "plain.jpg")  # changed file
    (root / "zero.jpg").write_bytes((root / "plain.jpg").read_bytes())      # now good
    _, third = load_images(f"folder:{root}", "train", **spec)
    assert sorted(p.split("/")[-1] for p in calls[0]) == ["plain.jpg", "zero.jpg"]
    assert third.num_images == first.num_images + 1


def make_numbered_folder(root, count, prefix=""):
    """Images whose red value is 8 * their number, so the order can be read back."""
    for i in range(count):
        path = root / prefix / f"img{i:02d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(solid((8 * i, 100, 50))).save(path)


def numbers(images):
    return [int(round(image[0, 0, 0] * 255 / 8)) for image in images.as_numpy_iterator()]


def test_hash_split_is_exact_disjoint_and_seed_independent(tmp_path):
    make_numbered_folder(tmp_path, 30)
    source = f"folder:{tmp_path}"
    split = {s: numbers(load_images(source, s, image_size=8, cache=False)[0])
             for s in ("train", "validation", "test")}
    assert [len(split[s]) for s in ("train", "validation", "test")] == [24, 3, 3]
    assert sorted(sum(split.values(), [])) == list(range(30))
    reseeded = numbers(load_images(source, "train", image_size=8, seed=1)[0])
    assert sorted(reseeded) == sorted(split["train"]) and reseeded != split["train"]
    again = numbers(load_images(source, "train", image_size=8)[0])
    assert again == split["train"]
    limited, report = load_images(source, "train", image_size=8, limit=5)
    assert numbers(limited) == split["train"][:5] and report.num_images == len(limited) == 5


def test_train_test_folders_carve_validation(tmp_path):
    make_numbered_folder(tmp_path, 20, "train")
    make_numbered_folder(tmp_path, 5, "test")
    counts = {s: load_images(f"folder:{tmp_path}", s, image_size=8,
                             validation_fraction=0.2)[1].num_images
              for s in ("train", "validation", "test")}
    assert counts == {"train": 16, "validation": 4, "test": 5}
    make_numbered_folder(tmp_path, 3, "val")
    _, report = load_images(f"folder:{tmp_path}", "validation", image_size=8)
    assert report.num_images == 3 and "val/" in report.description


def test_drop_grayscale(tmp_path):
    for i, colour in enumerate([(200, 30, 30), (30, 200, 30), (30, 30, 200)]):
        Image.fromarray(solid(colour, (20, 20))).save(tmp_path / f"colour{i}.jpg")
    for i in range(2):  # gray content stored as RGB JPEG, as in MIRFLICKR
        Image.fromarray(solid(60 + 80 * i, (20, 20))).save(tmp_path / f"gray{i}.jpg")
    spec = dict(image_size=8, validation_fraction=0, test_fraction=0)
    _, kept_all = load_images(f"folder:{tmp_path}", "train", **spec)
    images, report = load_images(f"folder:{tmp_path}", "train", drop_grayscale=True, **spec)
    assert kept_all.num_images == 5
    assert report.num_images == len(images) == 3 and report.dropped_grayscale == 2


@pytest.mark.parametrize("source, split, match", [
    ("folder:/no/such/folder", "train", "no such folder"),
    ("flickr", "train", "unknown data source"),
    ("sample", "training", "unknown split"),
])
def test_source_errors_are_one_line(source, split, match):
    with pytest.raises(DataSourceError, match=match) as error:
        load_images(source, split, image_size=8)
    assert "\n" not in str(error.value) and isinstance(error.value, ValueError)


def test_empty_folder_and_bad_fractions(tmp_path):
    with pytest.raises(DataSourceError, match="no .* files"):
        load_images(f"folder:{tmp_path}", "train", image_size=8)
    make_numbered_folder(tmp_path, 3)
    with pytest.raises(DataSourceError, match="sum below 1"):
        load_images(f"folder:{tmp_path}", "train", image_size=8, validation_fraction=0.6,
                    test_fraction=0.5)


def test_cache_to_file(tmp_path):
    make_numbered_folder(tmp_path / "imgs", 4)
    images, _ = load_images(f"folder:{tmp_path / 'imgs'}", "train", image_size=8,
                            test_fraction=0, validation_fraction=0,
                            cache=str(tmp_path / "cache" / "train"))
    first = numbers(images)
    written = list((tmp_path / "cache").iterdir())
    assert written and all(p.name.startswith("train-") for p in written)
    assert numbers(images) == first and sorted(first) == [0, 1, 2, 3]


# ---------------------------------------------------------------- batching

@pytest.mark.parametrize("space, channels", [("lab", 2), ("yuv", 2), ("rgb", 3)])
def test_encode_fn_eager_and_in_tf_data(space, channels):
    rgb = RNG.random((2, 6, 6, 3)).astype(np.float32)
    model_input, target = run_both(encode_fn(_enc(space)), rgb)
    assert model_input.shape == (2, 6, 6, 1) and target.shape == (2, 6, 6, channels)
    (inp, extra), _ = run_both(encode_fn(_enc(space), with_extras=True), rgb, np.arange(2.0))
    np.testing.assert_array_equal(inp, model_input)
    np.testing.assert_array_equal(extra, [0.0, 1.0])


def _indexed_images(count):
    """Images whose value is their index / 100, plus the indices as 'extras'."""
    values = np.arange(count, dtype=np.float32)[:, None, None, None] / 100
    images = tf.data.Dataset.from_tensor_slices(np.broadcast_to(values, (count, 4, 4, 3)))
    return images, tf.data.Dataset.range(count)


def test_encode_batches_keeps_extras_aligned_through_shuffle():
    images, extras = _indexed_images(23)
    batches = encode_batches(images, _enc("rgb"), 5, shuffle=True, seed=3, extras=extras)
    seen = []
    for (model_input, extra), target in batches:
        np.testing.assert_allclose(target[:, 0, 0, 0].numpy() * 100, extra.numpy(), atol=1e-4)
        assert model_input.shape[1:] == (4, 4, 1)
        seen += extra.numpy().tolist()
    assert sorted(seen) == list(range(23)) and seen != list(range(23))


def test_encode_batches_order_remainder_and_reshuffle():
    images, _ = _indexed_images(23)
    unshuffled = encode_batches(images, _enc("yuv"), 5, shuffle=False)
    assert [int(x.shape[0]) for x, _ in unshuffled] == [5, 5, 5, 5, 3]
    dropped = encode_batches(images, _enc("yuv"), 5, shuffle=False, drop_remainder=True)
    assert len(list(dropped)) == 4 and dropped.element_spec[0].shape[0] == 5

    def epoch(dataset):
        return np.concatenate([x[:, 0, 0, 0].numpy() for x, _ in dataset]).tolist()
    run_a = encode_batches(images, _enc("rgb"), 5, shuffle=True, seed=7)
    run_b = encode_batches(images, _enc("rgb"), 5, shuffle=True, seed=7)
    first, second = epoch(run_a), epoch(run_a)
    assert first == epoch(run_b) and first != second and sorted(first) == sorted(second)


@pytest.mark.parametrize("space", ["lab", "yuv", "rgb"])
def test_uint8_images_encode_like_their_float_versions(tmp_path, space):
    """load_images(as_uint8=True) + the batched encode == the float path: the cached
    bytes are the same images, and Lab's lookup-table sRGB decode matches the power."""
    make_numbered_folder(tmp_path / "imgs", 6)
    kwargs = dict(image_size=8, test_fraction=0, validation_fraction=0)
    source = f"folder:{tmp_path / 'imgs'}"
    as_float, _ = load_images(source, "train", **kwargs)
    as_bytes, _ = load_images(source, "train", as_uint8=True, **kwargs)
    assert as_bytes.element_spec.dtype == tf.uint8
    float_batches = list(encode_batches(as_float, _enc(space), 4, shuffle=False))
    byte_batches = list(encode_batches(as_bytes, _enc(space), 4, shuffle=False))
    for (x_f, y_f), (x_b, y_b) in zip(float_batches, byte_batches, strict=True):
        np.testing.assert_allclose(x_b, x_f, atol=2e-6)
        np.testing.assert_allclose(y_b, y_f, atol=2e-6)

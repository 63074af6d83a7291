"""The numpy/OpenCV full-size steps (deepcolor/serving/fullsize.py) give the colours of
render.py's float path, the one the SavedModel, TFLite and ONNX graphs trace, within 1
level per channel: on real photographs, on every L level under extreme chroma, and
for gray, RGBA and batched input."""
import io
import tarfile

import numpy as np
import pytest
from PIL import Image

from data_pipelines.paths import photos_tar
from deepcolor.colorspaces import lab_lightness, lab_to_rgb
from deepcolor.serving import fullsize, render
from tests.colorizer_helpers import constant_model, tiny_model


def _float_path(model, images, size, saturation=1.0):
    return render.colorize_images(model, "lab", images, size, saturation).numpy().astype(int)


def _fast_path(model, images, size, saturation=1.0):
    return render.colorize_in_bands(model, "lab", images, size, saturation).astype(int)


def _real_photos(count):
    with tarfile.open(photos_tar()) as archive:
        members = sorted((m for m in archive.getmembers() if m.name.endswith(".jpg")),
                         key=lambda m: m.name)[::40][:count]
        return [np.asarray(Image.open(io.BytesIO(archive.extractfile(m).read())).convert("RGB"))
                for m in members]


@pytest.mark.skipif(not photos_tar().is_file(),
                    reason="../shared/datasets/real-photos.tar is not here")
def test_real_photographs_match_the_float_path_within_one_level(monkeypatch):
    monkeypatch.setattr(render, "BAND_PIXELS", 50_000)  # several bands, a short last one
    model = tiny_model("lab", size=32)
    for photo in _real_photos(4):
        for saturation in (1.0, 1.7):
            expected = _float_path(model, photo[None], 32, saturation)
            got = _fast_path(model, photo[None], 32, saturation)
            assert got.shape == expected.shape
            assert np.abs(got - expected).max() <= 1, (photo.shape, saturation)
            assert (got != expected).mean() < 0.01  # rounding ties, not a shifted colour


@pytest.mark.parametrize("ab", [(0.9, 0.9), (-0.9, -0.9), (0.9, -0.9), (-0.9, 0.9), (0.0, 0.0)])
def test_every_lightness_under_extreme_chroma_matches(ab):
    """Every gray level (L 0 to 100) with chroma far out of the sRGB gamut: the clipping
    of lab_to_rgb (a negative fz set to 0, RGB clipped) is reproduced."""
    ramp = np.tile(np.arange(256, dtype=np.uint8), (7, 1))[None, ..., None]
    model = constant_model(list(ab))
    assert np.abs(_fast_path(model, ramp, 16) - _float_path(model, ramp, 16)).max() <= 1


def test_gray_rgba_and_batches_match():
    rng = np.random.default_rng(3)
    model = tiny_model("lab")
    for images in (rng.integers(0, 256, (1, 33, 47, 1), dtype=np.uint8),
                   rng.integers(0, 256, (1, 20, 30, 2), dtype=np.uint8),
                   rng.integers(0, 256, (1, 33, 47, 4), dtype=np.uint8),
                   rng.integers(0, 256, (3, 40, 21, 3), dtype=np.uint8),
                   rng.integers(0, 256, (2, 9, 5, 3), dtype=np.uint8)):  # under S x S
        got, expected = _fast_path(model, images, 16), _float_path(model, images, 16)
        assert got.shape == images.shape[:3] + (3,)
        assert np.abs(got - expected).max() <= 1, images.shape


def test_lightness_and_lab_conversion_match_the_colorspaces_module():
    colours = np.random.default_rng(0).integers(0, 256, (200, 300, 3), dtype=np.uint8)
    np.testing.assert_allclose(fullsize.lightness(colours),
                               np.asarray(lab_lightness(colours))[..., 0], atol=2e-4)
    levels = np.arange(256, dtype=np.uint8)[None, :, None]
    np.testing.assert_allclose(fullsize.lightness(levels),
                               np.asarray(lab_lightness(levels))[..., 0], atol=2e-4)
    grid = np.stack(np.meshgrid(np.linspace(0, 100, 101), np.linspace(-128, 127, 60),
                                np.linspace(-128, 127, 60), indexing="ij"), -1)
    grid = grid.reshape(101, 3600, 3).astype(np.float32)
    out = np.empty(grid.shape, np.uint8)
    fullsize.lab_to_srgb8(grid[..., 0].copy(), grid[..., 1:].copy(), out)
    expected = np.round(np.asarray(lab_to_rgb(grid)) * 255).astype(int)
    assert np.abs(out.astype(int) - expected).max() <= 1


@pytest.mark.parametrize("height,width", [(53, 71), (9, 5)])
def test_enlarge_is_the_bilinear_resize_of_the_float_path(height, width):
    chroma = np.random.default_rng(2).normal(size=(16, 16, 2)).astype(np.float32)
    rows = np.asarray(render.resize_weights(16, height, antialias=False))
    expected = render.resize_channels_first(np.transpose(chroma, (2, 0, 1)), height, width,
                                            False)
    got = fullsize.enlarge(chroma, rows[2:8], width)
    np.testing.assert_allclose(got, np.transpose(np.asarray(expected), (1, 2, 0))[2:8],
                               atol=1e-4)

"""Colour conversions against skimage and OpenCV, and the encode/decode abstraction.

Backend-neutral: tests/test_backend_jax.py runs this file again under JAX."""
import warnings

import cv2
import numpy as np
import pytest
import skimage.color
import skimage.data
from keras import config

from deepcolor import colorspaces as cs


def _grid(n=33):
    axes = [np.linspace(0.0, 1.0, n)] * 3
    return np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 1, 3).astype(np.float32)


def _photos():
    # Photographs shipped inside the scikit-image wheel (no download).
    return [img.astype(np.float32) / 255.0 for img in (skimage.data.astronaut(), skimage.data.coffee())]


@pytest.mark.parametrize("name, image", [("grid", _grid())] + [(f"photo{i}", p) for i, p in enumerate(_photos())])
def test_lab_matches_skimage_and_opencv(name, image):
    ours = np.asarray(cs.rgb_to_lab(image))
    ref = skimage.color.rgb2lab(image.astype(np.float64))
    ocv = cv2.cvtColor(image, cv2.COLOR_RGB2Lab)
    assert np.abs(ours - ref).max() < 0.05
    # OpenCV's float path interpolates its sRGB gamma from a table: on the grid it agrees
    # with skimage to 0.013, on dark photo pixels only to about 0.42. We ask to be as
    # close to OpenCV as skimage is, plus 0.05.
    assert np.abs(ours - ocv).max() < np.abs(ref - ocv).max() + 0.05
    if name == "grid":
        assert np.abs(ours - ocv).max() < 0.05


def test_lab_ranges():
    lab = np.asarray(cs.rgb_to_lab(_grid()))
    assert lab[..., 0].min() >= -1e-4 and lab[..., 0].max() <= 100 + 1e-4
    assert -128 <= lab[..., 1:].min() and lab[..., 1:].max() <= 127


@pytest.mark.parametrize("image", [_grid()] + _photos())
def test_yuv_matches_opencv(image):
    ours = np.asarray(cs.rgb_to_yuv(image))
    ref = cv2.cvtColor(image, cv2.COLOR_RGB2YUV)
    ref[..., 1:] -= 0.5  # OpenCV offsets U and V by 0.5 for float input
    assert np.abs(ours - ref).max() < 1e-3


@pytest.mark.parametrize("forward, backward", [(cs.rgb_to_lab, cs.lab_to_rgb),
                                               (cs.rgb_to_yuv, cs.yuv_to_rgb)])
def test_round_trip_within_one_level(forward, backward):
    for image in [_grid()] + _photos():
        back = np.asarray(backward(forward(image)))
        assert np.abs(back - image).max() < 1.0 / 255


def test_lab_to_rgb_matches_skimage_on_out_of_gamut_values():
    rng = np.random.default_rng(0)
    lab = np.stack([rng.uniform(0, 100, 500), rng.uniform(-128, 127, 500),
                    rng.uniform(-128, 127, 500)], -1).reshape(-1, 1, 3).astype(np.float32)
    with warnings.catch_warnings():  # skimage warns that it clips impossible Z values; so do we
        warnings.simplefilter("ignore")
        ref = np.clip(skimage.color.lab2rgb(lab.astype(np.float64)), 0, 1)
    assert np.abs(np.asarray(cs.lab_to_rgb(lab)) - ref).max() < 2.0 / 255


def test_gray_is_luma():
    image = _photos()[0]
    ref = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[..., None]
    assert np.abs(np.asarray(cs.rgb_to_gray(image)) - ref).max() < 1e-3


SPACES = [cs.LabSpace(), cs.YUVSpace(), cs.RGBSpace(), cs.RGBSpace(output_range=(-1.0, 1.0)),
          cs.YUVSpace(input_range=(-1.0, 1.0), uv_scale=2.0), cs.LabSpace(ab_scale=127.0)]


@pytest.mark.parametrize("space", SPACES, ids=lambda s: s.describe())
def test_encode_decode_round_trip(space):
    image = _photos()[1][::4, ::4]
    model_input, target = space.encode(image)
    assert model_input.shape[-1] == 1 and target.shape[-1] == space.output_channels
    lo, hi = space.input_range
    model_input = np.asarray(model_input)
    assert lo - 1e-5 <= model_input.min() and model_input.max() <= hi + 1e-5
    assert np.abs(np.asarray(target)).max() <= 1.0 + 1e-5
    back = np.asarray(space.decode(model_input, target))
    assert np.abs(back - image).max() < 1.0 / 255


@pytest.mark.parametrize("space", SPACES, ids=lambda s: s.describe())
def test_encode_input_of_gray_equals_encode_of_colour(space):
    """A gray photo and the colour photo it came from give the same model input."""
    image = _photos()[0][::8, ::8]
    colour_input, _ = space.encode(image)
    gray = cs.rgb_to_gray(image)
    if space.name == "lab":
        # L of the colour image is not a function of luma alone; compare with L itself.
        expected = space.encode_input(image)
    else:
        expected = space.encode_input(gray)
    np.testing.assert_allclose(np.asarray(colour_input), np.asarray(expected), atol=1e-5)


@pytest.mark.skipif(config.backend() != "tensorflow",
                    reason="tf.data runs keras.ops only under the TensorFlow backend; "
                           "this test runs in the suite's TensorFlow pass")
@pytest.mark.parametrize("space", SPACES[:3], ids=lambda s: s.name)
def test_encode_is_the_same_eagerly_and_in_tf_data(space):
    import tensorflow as tf

    images = np.stack([_photos()[0][:32, :32], _photos()[1][:32, :32]])
    eager = [np.asarray(t) for t in space.encode(images)]
    ds = tf.data.Dataset.from_tensor_slices(images).map(space.encode).batch(2)
    graph = [np.asarray(t) for t in next(iter(ds))]
    for a, b in zip(eager, graph):
        np.testing.assert_allclose(a, b, atol=1e-6)



@pytest.mark.skipif(config.backend() != "jax",
                    reason="jax.jit applies under the JAX backend; this test runs in the "
                           "suite's JAX pass (tests/test_backend_jax.py)")
@pytest.mark.parametrize("space", SPACES[:3], ids=lambda s: s.name)
def test_encode_is_the_same_eagerly_and_jax_compiled(space):
    """Under JAX, Keras compiles the train step with jax.jit: encode must trace there."""
    import jax

    images = np.stack([_photos()[0][:32, :32], (_photos()[1][:32, :32] * 255).astype(np.uint8)])
    for batch in (images[:1], images[1:]):  # float and uint8 input
        eager = [np.asarray(t) for t in space.encode(batch)]
        compiled = [np.asarray(t) for t in jax.jit(space.encode)(batch)]
        for a, b in zip(eager, compiled):
            np.testing.assert_allclose(a, b, atol=1e-5)


def test_get_colorspace_from_config_and_errors():
    space = cs.get_colorspace({"name": "rgb", "input_range": [0, 1], "output_range": [-1, 1]})
    assert isinstance(space, cs.RGBSpace) and space.output_range == (-1, 1)
    assert cs.get_colorspace(space.to_config()) == space
    assert isinstance(cs.get_colorspace("lab"), cs.LabSpace)
    with pytest.raises(ValueError, match="unknown colour space"):
        cs.get_colorspace("hsv")


def test_rgb_to_lab_of_uint8_uses_exact_srgb_levels():
    """Every one of the 256^3 / 8^3 sampled uint8 colours: the lookup-table path
    agrees with the float path and with skimage."""
    levels = np.arange(0, 256, 8, dtype=np.uint8)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 1, 3)
    from_bytes = np.asarray(cs.rgb_to_lab(grid))
    np.testing.assert_allclose(from_bytes, np.asarray(cs.rgb_to_lab(grid / 255.0)), atol=2e-4)
    np.testing.assert_allclose(from_bytes, skimage.color.rgb2lab(grid / 255.0), atol=2e-4)

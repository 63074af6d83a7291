"""deepcolor.serving.inference: full-resolution colorization from an S x S model."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from deepcolor.colorspaces import LabSpace, RGBSpace, YUVSpace, rgb_to_lab
from deepcolor.serving.inference import Colorizer, colorize_images
from tests.colorizer_helpers import constant_model, tiny_model

SPACES = [LabSpace(), YUVSpace(), RGBSpace()]


def _noise(shape, seed=0, low=0, high=256):
    return np.random.default_rng(seed).integers(low, high, shape, dtype=np.uint8)


@pytest.mark.parametrize("space", SPACES, ids=lambda s: s.name)
def test_gray_prediction_returns_the_full_resolution_input(space):
    # No chroma predicted: the output must be the input itself, pixel for pixel, at
    # 37x53 although the model runs at 16x16 (the luminance is never resized).
    model = constant_model([0.5] * 3 if space.name == "rgb" else [0.0, 0.0])
    image = _noise((2, 37, 53, 1))
    out = Colorizer(model, space)(image)
    assert out.shape == (2, 37, 53, 3)
    assert np.abs(out.astype(int) - image.astype(int)).max() <= 1


def test_constant_lab_chroma_is_spread_over_the_whole_image():
    image = np.tile(np.linspace(90, 170, 53).astype(np.uint8), (1, 37, 1))[..., None]
    out = Colorizer(constant_model([0.2, -0.1]), LabSpace())(image)
    lab = rgb_to_lab(out / 255.0).numpy()
    np.testing.assert_allclose(lab[..., 1], 25.6, atol=1.5)
    np.testing.assert_allclose(lab[..., 2], -12.8, atol=1.5)
    np.testing.assert_allclose(lab[..., 0], rgb_to_lab(image / 255.0 * np.ones(3)).numpy()[..., 0],
                               atol=0.6)


@pytest.mark.parametrize("space", SPACES[:2], ids=lambda s: s.name)
def test_model_size_input_equals_plain_decode(space):
    model = tiny_model(space)
    image = _noise((1, 16, 16, 1), seed=1)
    model_input = space.encode_input(image / 255.0)
    expected = np.round(space.decode(model_input, model(model_input)).numpy() * 255)
    out = colorize_images(model, space, image, 16).numpy()
    assert np.abs(out.astype(int) - expected).max() <= 1


def test_rgb_output_gives_its_ab_and_keeps_the_input_lightness():
    image = np.tile(np.linspace(90, 170, 53).astype(np.uint8), (1, 37, 1))[..., None]
    predicted = np.array([0.6, 0.5, 0.4], "float32")
    out = Colorizer(constant_model(predicted), RGBSpace())(image)
    lab = rgb_to_lab(out / 255.0).numpy()
    ab = rgb_to_lab(predicted).numpy()[1:]
    np.testing.assert_allclose(lab[..., 1:], np.broadcast_to(ab, lab[..., 1:].shape), atol=1.5)
    np.testing.assert_allclose(lab[..., 0], rgb_to_lab(image / 255.0 * np.ones(3)).numpy()[..., 0],
                               atol=0.6)


def test_colour_input_is_treated_as_its_luminance():
    colour = _noise((1, 40, 30, 3), seed=2)
    luma = np.round(colour @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)[..., None]
    colorizer = Colorizer(tiny_model("yuv"), YUVSpace())
    assert np.abs(colorizer(colour).astype(int) - colorizer(luma).astype(int)).max() <= 2


def test_one_trace_serves_every_size_and_channel_count():
    colorizer = Colorizer(tiny_model("lab"), LabSpace())
    shapes = [(1, 37, 53, 1), (2, 64, 48, 3), (1, 9, 70, 4), (1, 20, 20, 2)]
    for shape in shapes:
        assert colorizer(_noise(shape)).shape == shape[:3] + (3,)
    assert colorizer.serve.experimental_get_tracing_count() == 1


def test_model_shape_checks():
    gray = keras.Input((16, 16, 1))
    embedding = keras.Input((8,))
    two_inputs = keras.Model([gray, embedding], keras.layers.Conv2D(2, 1)(gray))
    with pytest.raises(ValueError, match="2 inputs"):
        Colorizer(two_inputs, LabSpace())
    with pytest.raises(ValueError, match="needs 2"):
        Colorizer(tiny_model("rgb"), LabSpace())
    with pytest.raises(ValueError, match="does not match"):
        Colorizer(tiny_model("lab"), LabSpace(), input_size=32)
    free = keras.Input((None, None, 1))
    free_model = keras.Model(free, keras.layers.Conv2D(2, 1)(free))
    with pytest.raises(ValueError, match="pass input_size"):
        Colorizer(free_model, LabSpace())
    assert Colorizer(free_model, LabSpace(), input_size=24).input_size == 24


def test_runs_inside_a_user_tf_function():
    model = tiny_model("lab")

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 1], tf.uint8)])
    def run(images):
        return colorize_images(model, LabSpace(), images, 16)

    assert run(_noise((1, 33, 17, 1))).shape == (1, 33, 17, 3)


def test_colorizer_call_refuses_bad_images_in_one_line():
    colorizer = Colorizer(tiny_model("lab"), LabSpace())
    with pytest.raises(ValueError, match=r"add a batch axis: images\[None\]"):
        colorizer(_noise((20, 20, 1)))
    with pytest.raises(ValueError, match="1 to 4 channels"):
        colorizer(_noise((1, 20, 20, 5)))
    with pytest.raises(ValueError, match="dtype int64"):  # 300 would wrap to 44 silently
        colorizer(np.full((1, 20, 20, 1), 300))

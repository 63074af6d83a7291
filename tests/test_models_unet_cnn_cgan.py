"""Report 002's Koalarization adaptation, U-Net and cGAN discriminator
(deepcolor/models/families/unet_cnn_cgan.py)."""
import keras
import numpy as np
import pytest
from keras import layers

from deepcolor import models
from deepcolor.errors import BackboneUnavailable
from deepcolor.models import backbone
from deepcolor.models.families import unet_cnn_cgan as m002
from tests import model_checks as mc


def _conv_params(pairs, kernel=3, bias=True):
    return sum(kernel * kernel * c_in * c_out + (c_out if bias else 0) for c_in, c_out in pairs)


def unet002_hand_count(f: int = 64) -> int:
    """The docstring's layer list: bias-free convs + BN (4 per channel), 1x1 conv to RGB."""
    widths, total, c_in = [f, 2 * f, 4 * f, 8 * f], 0, 1
    for w in widths + [16 * f]:  # two 3x3 conv + BN per level, bottleneck last
        total += _conv_params([(c_in, w), (w, w)], bias=False) + 2 * 4 * w
        c_in = w
    for w in reversed(widths):  # upsample, 2x2 up-conv + BN, concat, two 3x3 conv + BN
        total += _conv_params([(c_in, w)], kernel=2, bias=False) + 4 * w
        total += _conv_params([(2 * w, w), (w, w)], bias=False) + 2 * 4 * w
        c_in = w
    return total + c_in * 3 + 3


def test_report_size_and_inputs():
    """224x224 for all three (module docstring); 3.1 takes the VGG16 vector, 3.3 the pair."""
    for name in ("koalarization002", "unet002", "cgan002_discriminator"):
        assert models.get(name).input_size == 224
    assert models.get("koalarization002").extra_inputs == ("embedding",)
    model = models.build("cgan002_discriminator")
    assert [tuple(t.shape[1:]) for t in model.inputs] == [(224, 224, 1), (224, 224, 3)]


def test_parameter_counts_match_docstring_recount():
    encoder = _conv_params([(1, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 512),
                            (512, 512), (512, 256)])
    decoder = _conv_params([(256 + 1000, 128), (128, 64), (64, 32), (32, 3)])
    assert encoder + decoder == 7_367_363
    assert models.build("koalarization002").count_params() == encoder + decoder

    # 3 x (conv 4x4 no bias + BN), conv 4x4 to 1, flatten 28*28, Dense 15, Dense 1.
    disc = _conv_params([(4, 128), (128, 256), (256, 512)], kernel=4, bias=False) \
        + 4 * (128 + 256 + 512) + _conv_params([(512, 1)], kernel=4) + (784 * 15 + 15) + (15 + 1)
    assert disc == 2_653_200
    assert models.build("cgan002_discriminator").count_params() == disc

    assert unet002_hand_count() == 31_051_267
    assert models.build("unet002", input_size=32).count_params() == unet002_hand_count()


def test_fusion_has_1256_channels_and_unet_reaches_1024():
    fusion = models.build("koalarization002").get_layer("fusion")
    assert tuple(fusion.output.shape[1:]) == (28, 28, 1256)
    unet = models.build("unet002")
    assert tuple(unet.get_layer("bottleneck_b_act").output.shape[1:]) == (14, 14, 1024)
    assert sum(isinstance(l, layers.MaxPooling2D) for l in unet.layers) == 4


def test_fusion_tiles_the_same_vector_everywhere():
    model = models.build("koalarization002", input_size=32)
    tiled = keras.Model(model.inputs, model.get_layer("fusion_tile").output)
    emb = np.random.default_rng(0).random((2, 1000)).astype("float32")
    out = np.asarray(tiled([np.zeros((2, 32, 32, 1), "float32"), emb]))
    assert out.shape == (2, 4, 4, 1000)
    np.testing.assert_allclose(out, np.broadcast_to(emb[:, None, None, :], out.shape))


def test_end_to_end_model_takes_gray_only():
    """Embedder + head joined for export: one gray input, the embedder frozen."""
    gray = keras.Input((32, 32, 1))
    toy_embedder = keras.Model(gray, layers.Dense(1000, activation="softmax")(
        layers.GlobalAveragePooling2D()(gray)))
    head = models.build("koalarization002", input_size=32)
    full = m002.build_koalarization002_end_to_end(32, head=head, embedder=toy_embedder)
    assert len(full.inputs) == 1 and tuple(full.inputs[0].shape[1:]) == (32, 32, 1)
    x = keras.ops.convert_to_tensor(mc.random_inputs(full))
    expected = head([x, toy_embedder(x)], training=False)
    np.testing.assert_allclose(np.asarray(full(x, training=False)), np.asarray(expected),
                               atol=1e-6)
    assert len(full.trainable_weights) == len(head.trainable_weights)


def test_offline_imagenet_is_one_line_naming_alternatives(monkeypatch):
    def no_internet(**kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/x.h5: None -- "
                        "[Errno -2] Name or service not known")

    monkeypatch.setitem(backbone._ARCHS, "vgg16", (no_internet, 224))
    with pytest.raises(BackboneUnavailable) as err:
        m002.build_vgg16_embedder(weights="imagenet")
    message = str(err.value)
    assert "\n" not in message and "none" in message and "PATH" in message


def test_vgg16_embedder_gives_1000_probabilities():
    """The real VGG16 (138M parameters, random weights; about 5 s on 2 cores)."""
    embedder = m002.build_vgg16_embedder(weights=None)
    out = np.asarray(embedder(mc.random_inputs(embedder), training=False))
    assert out.shape == (2, 1000)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-4)
    full = m002.build_koalarization002_end_to_end(embedder=embedder)
    mc.check_output_shape(full, (224, 224), 3)

"""Report 003's U-Net, DenseNet121 and MobileNet models (deepcolor/models/families/deepcolor003.py).

The pretrained encoders are built with weights=None: the tests never download.
"""
import keras
import numpy as np
import pytest
from keras import layers

from deepcolor import models
from deepcolor.errors import BackboneUnavailable
from deepcolor.models.families import deepcolor003
from tests import model_checks as mc

NAMES = ["unet003", "densenet003", "mobilenet003"]
OFFLINE = {"unet003": {}, "densenet003": {"weights": None}, "mobilenet003": {"weights": None}}


def build(name, input_size=None):
    return models.build(name, input_size, **OFFLINE[name])


def test_report_size_and_sigmoid_rgb():
    """Section II: 256x256 gray in, RGB in [0, 1] out (sigmoid)."""
    for name in NAMES:
        spec = models.get(name)
        assert spec.input_size == 256 and spec.colorspace["output_range"] == [0.0, 1.0]
        assert build(name, 32).get_layer("output").get_config()["activation"] == "sigmoid"


def test_parameter_counts_match_docstring_recount():
    # U-Net: conv (9*c_in+1)*c_out, BN 4 per channel (over the concatenation in decoders).
    encoder = (9 * 1 + 1) * 64 + 4 * 64 + (9 * 64 + 1) * 128 + 4 * 128 \
        + (9 * 128 + 1) * 256 + 4 * 256 + (9 * 256 + 1) * 512 + 4 * 512
    decoder = (9 * 512 + 1) * 256 + 4 * 512 + (9 * 512 + 1) * 128 + 4 * 256 \
        + (9 * 256 + 1) * 64 + 4 * 128 + (9 * 128 + 1) * 3
    assert encoder + decoder == 3_478_083  # also the authors' notebook's printed total
    assert build("unet003", 32).count_params() == encoder + decoder

    dense_decoder = (9 * 1024 + 1) * 128 + 4 * 128 + (9 * 128 + 1) * 64 + 4 * 64 \
        + (9 * 64 + 1) * 32 + 4 * 32 + (9 * 32 + 1) * 16 + 4 * 16 + (9 * 16 + 1) * 3
    mobile_decoder = (9 * 1024 + 1) * 512 + (9 * 512 + 1) * 256 + (9 * 256 + 1) * 128 \
        + (9 * 128 + 1) * 64 + (9 * 64 + 1) * 32 + (9 * 32 + 1) * 3
    assert (dense_decoder, mobile_decoder) == (1_278_051, 6_287_171)
    for name, encoder_params, decoder_params in (("densenet003", 7_037_504, dense_decoder),
                                                 ("mobilenet003", 3_228_864, mobile_decoder)):
        model = build(name, 32)
        assert model.layers[3].count_params() == encoder_params  # after input, rgb, scaling
        assert model.count_params() == encoder_params + decoder_params


def test_unet_blocks_follow_the_report():
    model = build("unet003", 32)
    slopes = [l.negative_slope for l in model.layers if isinstance(l, layers.LeakyReLU)]
    assert slopes == pytest.approx([0.01] * 4)
    assert [l.rate for l in model.layers if isinstance(l, layers.Dropout)] == [0.5] * 3
    assert sum(isinstance(l, layers.Conv2DTranspose) for l in model.layers) == 4


def test_gray_is_replicated_inside_the_model():
    model = build("densenet003", 32)
    rgb = keras.Model(model.input, model.get_layer("gray_to_rgb").output)
    gray = mc.random_inputs(model)
    out = np.asarray(rgb(gray))
    assert out.shape == (2, 32, 32, 3)
    for channel in range(3):
        np.testing.assert_array_equal(out[..., channel:channel + 1], gray)


def test_freeze_encoder_leaves_only_the_decoder_trainable():
    model = deepcolor003.build_mobilenet003(32, weights=None, freeze_encoder=True)
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 6_287_171


def test_local_weights_file_is_loaded(tmp_path):
    source = deepcolor003.build_mobilenet003(32, weights=None)
    path = tmp_path / "mobilenet_notop.weights.h5"
    source.layers[3].save_weights(path)
    loaded = deepcolor003.build_mobilenet003(32, weights=str(path))
    for a, b in zip(source.layers[3].weights, loaded.layers[3].weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    with pytest.raises(FileNotFoundError, match="None"):
        deepcolor003.build_mobilenet003(32, weights=str(tmp_path / "missing.h5"))


@pytest.mark.parametrize("application", ["DenseNet121", "MobileNet"])
def test_offline_imagenet_is_one_line_naming_alternatives(application, monkeypatch):
    def no_internet(**kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/x.h5: None -- "
                        "[Errno -2] Name or service not known")

    monkeypatch.setattr(keras.applications, application, no_internet)
    name = {"DenseNet121": "densenet003", "MobileNet": "mobilenet003"}[application]
    with pytest.raises(BackboneUnavailable) as err:
        models.build(name)  # the report's default: weights="imagenet"
    message = str(err.value)
    assert "\n" not in message and "weights=None" in message and "weights=PATH" in message

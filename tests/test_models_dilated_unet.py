"""Report 004's three U-Net-like models (deepcolor/models/families/dilated_unet.py)."""
import pytest
from keras import layers

from deepcolor import models
from deepcolor.models.families import dilated_unet

NAMES = ["unet004_model1", "unet004_model2", "unet004_model3"]


def test_report_size_lab_and_tanh():
    """Section III: 320x320 L in, ab out through tanh."""
    for name in NAMES:
        spec = models.get(name)
        assert spec.input_size == 320 and spec.colorspace["name"] == "lab"
        assert models.build(name, 32).get_layer("output").get_config()["activation"] == "tanh"


def test_parameter_counts_match_docstring_recount():
    # (kernel*kernel*c_in + 1) * c_out per conv / transposed conv, from the docstrings.
    model1 = (9 * 1 + 1) * 64 + (9 * 64 + 1) * 128 + (9 * 128 + 1) * 128 + (9 * 128 + 1) * 64 \
        + (4 * 64 + 1) * 2
    model2 = (9 * 1 + 1) * 64 + (9 * 64 + 1) * 128 + (9 * 128 + 1) * 256 \
        + (9 * 256 + 1) * 128 + (9 * 256 + 1) * 64 + (9 * 128 + 1) * 32 + (4 * 33 + 1) * 2
    encoder3 = (9 + 1) * 64 + (576 + 1) * 64 + (576 + 1) * 128 + (1152 + 1) * 128 \
        + (1152 + 1) * 256 + (2304 + 1) * 256
    decoder3 = (2304 + 1) * 128 * 2 + (1152 + 1) * 64 * 2 + (576 + 1) * 32 + (297 + 1) * 32 \
        + (128 + 1) * 2
    assert (model1, model2, encoder3 + decoder3) == (296_386, 849_386, 1_910_178)
    for name, expected in zip(NAMES, (model1, model2, encoder3 + decoder3)):
        assert models.build(name, input_size=32).count_params() == expected


def test_model1_has_no_skips_and_model3_has_dilations():
    model1, model3 = models.build("unet004_model1", 32), models.build("unet004_model3", 32)
    assert not any(isinstance(l, layers.Concatenate) for l in model1.layers)
    convs = [l for l in model3.layers if isinstance(l, layers.Conv2D)
             and not isinstance(l, layers.Conv2DTranspose)]
    transposed = [l for l in model3.layers if isinstance(l, layers.Conv2DTranspose)]
    assert len(convs) == 6 + 1 and len(transposed) == 6  # +1: the 2x2 output conv
    assert sum(l.dilation_rate == (2, 2) for l in convs) == 3
    assert model3.get_layer("to_ab").kernel_size == (2, 2)


def test_input_size_must_divide():
    with pytest.raises(ValueError, match="divisible"):
        dilated_unet.build_model2(36)

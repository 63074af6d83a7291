"""Report 000's simple and complex UNets, RGB and YUV (deepcolor/models/families/unet_colorspace.py)."""
import pytest
from keras import layers

from deepcolor import models
from deepcolor.models.families import unet_colorspace

NAMES = ["unet000_simple_rgb", "unet000_simple_yuv", "unet000_complex_rgb", "unet000_complex_yuv"]


def hand_count(depth: int, channels: int, complex_: bool, f: int = 64) -> int:
    """The docstring's layer list: bias-free 3x3 convs + BN (4 per channel), 1x1 output."""
    widths = [f * 2 ** i for i in range(depth)]
    total, c_in = 0, 1
    for w in widths:  # down: conv + BN (skip), then the stride-2 conv + BN if complex
        total += 9 * c_in * w + 4 * w + (9 * w * w + 4 * w if complex_ else 0)
        c_in = w
    total += 9 * c_in * c_in + 4 * c_in  # bottleneck keeps the deepest width
    for w in reversed(widths):  # up: transposed conv + BN if complex, concat skip, conv + BN
        if complex_:
            total += 9 * c_in * w + 4 * w
            c_in = w
        total += 9 * (c_in + w) * w + 4 * w
        c_in = w
    return total + c_in * channels + channels


def test_cifar_size_and_output_channels():
    """Sections 3-4: 32x32 CIFAR-10 input; RGB has 3 output channels, YUV the 2 of UV."""
    for name in NAMES:
        spec = models.get(name)
        channels = 3 if spec.colorspace["name"] == "rgb" else 2
        assert spec.input_size == 32
        assert tuple(models.build(name).output.shape[1:]) == (32, 32, channels)


def test_batch_norm_momentum_is_set_when_built():
    """Every BatchNormalization layer gets the builder's momentum (0.9 by default)."""
    model = models.build("unet000_complex_rgb")
    momenta = [l.momentum for l in model.layers if isinstance(l, layers.BatchNormalization)]
    assert len(momenta) == 3 * 2 + 1 + 3 * 2 and set(momenta) == {0.9}
    model = models.build("unet000_complex_rgb", bn_momentum=0.99)
    assert {l.momentum for l in model.layers if isinstance(l, layers.BatchNormalization)} == {0.99}


def test_parameter_counts_match_docstring_recount():
    # Written out for the simple RGB UNet at 32x32: 3 levels of 64, 128, 256.
    simple_rgb = (9 * 64 + 4 * 64) + (9 * 64 * 128 + 4 * 128) + (9 * 128 * 256 + 4 * 256) \
        + (9 * 256 * 256 + 4 * 256) \
        + (9 * 512 * 256 + 4 * 256) + (9 * 384 * 128 + 4 * 128) + (9 * 192 * 64 + 4 * 64) \
        + (64 * 3 + 3)
    assert simple_rgb == hand_count(3, 3, False) == 2_696_451
    for name, channels, complex_ in [("unet000_simple_rgb", 3, False),
                                     ("unet000_simple_yuv", 2, False),
                                     ("unet000_complex_rgb", 3, True),
                                     ("unet000_complex_yuv", 2, True)]:
        assert models.build(name).count_params() == hand_count(3, channels, complex_)


def test_flowers_size_gets_a_fourth_level():
    """Section 4: at 256x256 (Oxford Flowers 102) one more down/up level."""
    model = models.build("unet000_simple_rgb", input_size=256)
    assert sum(isinstance(l, layers.MaxPooling2D) for l in model.layers) == 4
    assert model.count_params() == hand_count(4, 3, False)
    assert tuple(model.output.shape[1:]) == (256, 256, 3)
    complex_ = models.build("unet000_complex_yuv", input_size=256)
    assert complex_.count_params() == hand_count(4, 2, True)
    assert complex_.get_layer("bottleneck_conv").output.shape[1:3] == (16, 16)


def test_simple_and_complex_differ_in_down_and_up_operators():
    simple, complex_ = models.build("unet000_simple_rgb"), models.build("unet000_complex_rgb")
    assert not any(isinstance(l, layers.Conv2DTranspose) for l in simple.layers)
    assert sum(isinstance(l, layers.UpSampling2D) for l in simple.layers) == 3
    assert not any(isinstance(l, layers.MaxPooling2D) for l in complex_.layers)
    assert sum(isinstance(l, layers.Conv2DTranspose) for l in complex_.layers) == 3
    assert complex_.get_layer("down0_stride2_conv").strides == (2, 2)


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="variant"):
        unet_colorspace.build_unet000(32, variant="fancy")
    with pytest.raises(ValueError, match="divisible"):
        unet_colorspace.build_unet000(36)

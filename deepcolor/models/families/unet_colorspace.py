"""Report 000 (Zhuang, Zhou, Chen, "Image Colorization Using CNN", Toronto), sections 3-4.

Two adapted UNets, each with an RGB output (3 channels) and a YUV output (UV, 2
channels; Y is the input and is passed through by the colour space on decoding):

* simple:  conv + BN + ReLU, max-pool 2 down, upsample 2 up (section 4, "first version");
* complex: the same, but a stride-2 convolution down and a transposed convolution up
  (section 4, "second version").

Depth follows the input size (section 3 and 4): three levels plus a bottleneck for
CIFAR-10 at 32x32 (figure 1), one level more for Oxford Flowers 102 at 256x256
(figure 2: "an extra layer of downsample and upsample").

`build_unet000`'s layers, with F = base_filters, D = depth, C = 3 (rgb) or 2 (yuv), all
3x3 convs "same" padded with no bias (BN follows), BN = 4 numbers per channel:

* level i = 0..D-1, filters F*2^i: conv 3x3 + BN + ReLU (kept as the skip), then
  down: simple = MaxPool 2; complex = conv 3x3 stride 2 (same filters) + BN + ReLU;
* bottleneck at H/2^D: conv 3x3 + BN + ReLU with F*2^(D-1) filters (section 3:
  "maintains the number of filters");
* level i = D-1..0: up: simple = UpSampling 2 (nearest); complex = Conv2DTranspose
  3x3 stride 2 with F*2^i filters, no bias, + BN + ReLU (mirrors the stride-2 conv);
  concatenate the level-i skip; conv 3x3 + BN + ReLU with F*2^i filters;
* output: conv 1x1 to C channels (with bias), tanh (float32).

Parameters: each 3x3 conv 9*c_in*c_out plus 4*c_out for its BN; an up level's conv
sees 2*F*2^i channels (upsampled + skip); the output conv F*C + C. At 32x32 (D=3):
simple 2,696,451 (RGB) / 2,696,386 (YUV), complex 4,248,323 / 4,248,258; at 256x256
(D=4) simple RGB 10,959,107 and complex RGB 17,233,667.

Choices where the report is silent (figures 1-2 are missing from the text):
* 3x3 kernels and F = 64: the U-Net the report adapts ([3], Ronneberger et al.)
  starts at 64 filters with 3x3 convolutions; section 3 says filters double per level;
* one conv per level in each path: section 3 lists one convolution per block;
* a conv block after each skip concatenation: "the expansive path mirrors the
  contracting path", so each up level ends with the same conv + BN + ReLU;
* BatchNormalization momentum 0.9 (PyTorch's default, 0.1 in its convention; the
  report's notebooks are not given) rather than Keras's 0.99: with 0.99, after one
  epoch of 40k CIFAR-10 images at batch 128 (313 steps) the moving statistics lagged
  so far that the simple RGB UNet's validation MSE was 0.120 with moving statistics
  and 0.021 with batch statistics (results/unet_colorspace/bn_momentum_check.txt);
* gray input in [0, 1] and RGB targets in [-1, 1] for the tanh output; YUV targets
  keep YUV's own ranges (U +-0.436, V +-0.615), which is why section 4 finds the UV
  losses lower than the RGB ones.
"""
from __future__ import annotations

from typing import Optional

import keras
from keras import layers

from deepcolor.models.layers import conv_bn_act, gray_input, output_layer
from deepcolor.models.registry import register

RGB = {"name": "rgb", "input_range": [0.0, 1.0], "output_range": [-1.0, 1.0]}
YUV = {"name": "yuv", "input_range": [0.0, 1.0], "uv_scale": 1.0}
_CHANNELS = {"rgb": 3, "yuv": 2}
# PyTorch's default BatchNormalization momentum (0.1 in its convention); see the docstring.
BN_MOMENTUM = 0.9


def default_depth(input_size: int) -> int:
    """Three levels for CIFAR-sized inputs, four from 256x256 up (report 000, section 4)."""
    return 4 if input_size >= 256 else 3


def build_unet000(input_size: int = 32, *, variant: str = "simple", output: str = "rgb",
                  depth: Optional[int] = None, base_filters: int = 64,
                  bn_momentum: float = BN_MOMENTUM) -> keras.Model:
    """The adapted UNet of report 000, sections 3-4 (figures 1 and 2).

    Its layers, parameter counts and the choices where the report is silent are in
    the module docstring.
    """
    if variant not in ("simple", "complex"):
        raise ValueError(f"variant must be 'simple' or 'complex', not {variant!r}")
    if output not in _CHANNELS:
        raise ValueError(f"output must be one of {sorted(_CHANNELS)}, not {output!r}")
    depth = depth or default_depth(input_size)
    if input_size % (2 ** depth):
        raise ValueError(f"input_size {input_size} is not divisible by 2^{depth}")

    inputs = gray_input(input_size)
    x, skips = inputs, []
    for level in range(depth):
        filters = base_filters * 2 ** level
        x = conv_bn_act(x, filters, bn_momentum=bn_momentum, name=f"down{level}")
        skips.append(x)
        if variant == "simple":
            x = layers.MaxPooling2D(2, name=f"down{level}_pool")(x)
        else:
            x = conv_bn_act(x, filters, strides=2, bn_momentum=bn_momentum,
                            name=f"down{level}_stride2")

    x = conv_bn_act(x, base_filters * 2 ** (depth - 1), bn_momentum=bn_momentum,
                    name="bottleneck")

    for level in reversed(range(depth)):
        filters = base_filters * 2 ** level
        if variant == "simple":
            x = layers.UpSampling2D(2, name=f"up{level}_upsample")(x)
        else:
            x = layers.Conv2DTranspose(filters, 3, strides=2, padding="same", use_bias=False,
                                       name=f"up{level}_transpose")(x)
            x = layers.BatchNormalization(momentum=bn_momentum, name=f"up{level}_transpose_bn")(x)
            x = layers.Activation("relu", name=f"up{level}_transpose_act")(x)
        x = layers.Concatenate(name=f"up{level}_skip")([x, skips[level]])
        x = conv_bn_act(x, filters, bn_momentum=bn_momentum, name=f"up{level}")

    x = layers.Conv2D(_CHANNELS[output], 1, name="to_output")(x)
    outputs = output_layer(x, "tanh")
    return keras.Model(inputs, outputs, name=f"unet000_{variant}_{output}")


# The four registered models: section 4's two versions, each with an RGB and a YUV output.
_SIMPLE = "simple UNet (max-pool down, upsample up)"
_COMPLEX = "complex UNet (stride-2 conv down, transposed conv up)"
_DEPTHS = "tanh; depth 3 at 32x32, 4 at 256x256"


@register("unet000_simple_rgb", report="000", section="3-4", colorspace=RGB, input_size=32,
          description=f"{_SIMPLE}, RGB out, {_DEPTHS}")
def build_unet000_simple_rgb(input_size: int = 32, *, depth: Optional[int] = None,
                             base_filters: int = 64,
                             bn_momentum: float = BN_MOMENTUM) -> keras.Model:
    """Sections 3-4, the "first version" (max-pool / upsample), RGB out; see build_unet000."""
    return build_unet000(input_size, variant="simple", output="rgb", depth=depth,
                         base_filters=base_filters, bn_momentum=bn_momentum)


@register("unet000_simple_yuv", report="000", section="3-4", colorspace=YUV, input_size=32,
          description=f"{_SIMPLE}, YUV out, {_DEPTHS}")
def build_unet000_simple_yuv(input_size: int = 32, *, depth: Optional[int] = None,
                             base_filters: int = 64,
                             bn_momentum: float = BN_MOMENTUM) -> keras.Model:
    """Sections 3-4, the "first version" (max-pool / upsample), UV out; see build_unet000."""
    return build_unet000(input_size, variant="simple", output="yuv", depth=depth,
                         base_filters=base_filters, bn_momentum=bn_momentum)


@register("unet000_complex_rgb", report="000", section="3-4", colorspace=RGB, input_size=32,
          description=f"{_COMPLEX}, RGB out, {_DEPTHS}")
def build_unet000_complex_rgb(input_size: int = 32, *, depth: Optional[int] = None,
                              base_filters: int = 64,
                              bn_momentum: float = BN_MOMENTUM) -> keras.Model:
    """Sections 3-4, the "second version" (stride-2 conv / transposed conv), RGB out;
    see build_unet000."""
    return build_unet000(input_size, variant="complex", output="rgb", depth=depth,
                         base_filters=base_filters, bn_momentum=bn_momentum)


@register("unet000_complex_yuv", report="000", section="3-4", colorspace=YUV, input_size=32,
          description=f"{_COMPLEX}, YUV out, {_DEPTHS}")
def build_unet000_complex_yuv(input_size: int = 32, *, depth: Optional[int] = None,
                              base_filters: int = 64,
                              bn_momentum: float = BN_MOMENTUM) -> keras.Model:
    """Sections 3-4, the "second version" (stride-2 conv / transposed conv), UV out;
    see build_unet000."""
    return build_unet000(input_size, variant="complex", output="yuv", depth=depth,
                         base_filters=base_filters, bn_momentum=bn_momentum)

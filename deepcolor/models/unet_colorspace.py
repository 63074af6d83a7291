"""Report 000 (Zhuang, Zhou, Chen, "Image Colorization Using CNN", Toronto), sections 3-4.

Two adapted UNets, each with an RGB output (3 channels) and a YUV output (UV, 2
channels; Y is the input and is passed through by the colour space on decoding):

* simple:  conv + BN + ReLU, max-pool 2 down, upsample 2 up (section 4, "first version");
* complex: the same, but a stride-2 convolution down and a transposed convolution up
  (section 4, "second version").

Depth follows the input size (section 3 and 4): three levels plus a bottleneck for
CIFAR-10 at 32x32 (figure 1), one level more for Oxford Flowers 102 at 256x256
(figure 2: "an extra layer of downsample and upsample").
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


def default_depth(input_size: int) -> int:
    """Three levels for CIFAR-sized inputs, four from 256x256 up (report 000, section 4)."""
    return 4 if input_size >= 256 else 3


def build_unet000(input_size: int = 32, *, variant: str = "simple", output: str = "rgb",
                  depth: Optional[int] = None, base_filters: int = 64,
                  bn_momentum: float = 0.9) -> keras.Model:
    """The adapted UNet of report 000, sections 3-4 (figures 1 and 2).

    Layers, with F = base_filters, D = depth, C = 3 (rgb) or 2 (yuv), all 3x3 convs
    "same" padded with no bias (BN follows), BN = 4 numbers per channel:

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
        x = conv_bn_act(x, filters, name=f"down{level}")
        skips.append(x)
        if variant == "simple":
            x = layers.MaxPooling2D(2, name=f"down{level}_pool")(x)
        else:
            x = conv_bn_act(x, filters, strides=2, name=f"down{level}_stride2")

    x = conv_bn_act(x, base_filters * 2 ** (depth - 1), name="bottleneck")

    for level in reversed(range(depth)):
        filters = base_filters * 2 ** level
        if variant == "simple":
            x = layers.UpSampling2D(2, name=f"up{level}_upsample")(x)
        else:
            x = layers.Conv2DTranspose(filters, 3, strides=2, padding="same", use_bias=False,
                                       name=f"up{level}_transpose")(x)
            x = layers.BatchNormalization(name=f"up{level}_transpose_bn")(x)
            x = layers.Activation("relu", name=f"up{level}_transpose_act")(x)
        x = layers.Concatenate(name=f"up{level}_skip")([x, skips[level]])
        x = conv_bn_act(x, filters, name=f"up{level}")

    x = layers.Conv2D(_CHANNELS[output], 1, name="to_output")(x)
    outputs = output_layer(x, "tanh")
    model = keras.Model(inputs, outputs, name=f"unet000_{variant}_{output}")
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = bn_momentum
    return model


def _register(variant: str, output: str, colorspace: dict, what: str):
    @register(f"unet000_{variant}_{output}", report="000", section="3-4", colorspace=colorspace,
              input_size=32,
              description=f"{variant} UNet ({what}), {output.upper()} out, tanh; depth 3 at "
                          f"32x32, 4 at 256x256")
    def build(input_size: int = 32, **options) -> keras.Model:
        return build_unet000(input_size, variant=variant, output=output, **options)

    return build


build_simple_rgb = _register("simple", "rgb", RGB, "max-pool down, upsample up")
build_simple_yuv = _register("simple", "yuv", YUV, "max-pool down, upsample up")
build_complex_rgb = _register("complex", "rgb", RGB, "stride-2 conv down, transposed conv up")
build_complex_yuv = _register("complex", "yuv", YUV, "stride-2 conv down, transposed conv up")

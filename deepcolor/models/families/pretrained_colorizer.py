"""A pretrained-encoder colorizer: frozen EfficientNet-Lite0 (or -Lite2) + a small U-Net decoder.

This model is BEYOND the five reports. It follows their pretrained-encoder recipe,
the one of Deep Koalarization (Baldassarre et al. 2017, sec. 3: an ImageNet network
reads the gray image, replicated to three channels) and of DeOldify (a U-Net whose
encoder is an ImageNet classifier), with the encoder the suite can load offline:
EfficientNet-Lite0 with real ImageNet weights (deepcolor/models/efficientnet_lite.py).
`encoder_arch="efficientnet_lite2"` puts the same decoder on the larger EfficientNet-Lite2
(issue 24: Lite2 against Lite0); a run sets it as its backbone arch,
``RunConfig(..., "effnet_unet", backbone=BackboneConfig(arch="efficientnet_lite2"))``
(deepcolor.train.loop.model_options). Lite2's taps have other channel counts (16, 24,
48, 120, 1280), so the first convolutions of its decoder are wider.

    L (H x W x 1, in [-1, 1]) -> frozen encoder taps at strides 2, 4, 8, 16, 32
    -> decoder: 1x1 reduce the head, then per level bilinear x2 up, concatenate the
       encoder tap of that stride, 3x3 conv + batch norm + ReLU (U-Net skips)
    -> at full size concatenate L itself, 3x3 conv, 1x1 conv to 2, tanh -> ab / 128

Only the decoder is trained (about 1.2 M parameters); the encoder's weights come from
the pip package, so a shipped colorizer needs to carry only the decoder
(deepcolor/serving/pretrained.py). Encoder batch norm stays in inference mode (frozen).
Any input size that is a multiple of 32 works (five stride-2 stages).
"""
from __future__ import annotations

from typing import Optional

import keras
from keras import layers

from deepcolor.models.efficientnet_lite import DEFAULT_ARCH, TAP_STRIDES, build_gray_encoder
from deepcolor.models.layers import conv_bn_act, gray_input, output_layer
from deepcolor.models.registry import register

COLORSPACE = {"name": "lab", "input_range": [-1.0, 1.0], "ab_scale": 128.0}
INPUT_SIZE = 128
MULTIPLE = 32
ENCODER_NAME = "encoder"
# Decoder filters per output stride, coarse to fine (stride 32 is the reduced head).
DECODER_FILTERS = {32: 256, 16: 160, 8: 96, 4: 64, 2: 32, 1: 16}


def check_size(input_size: int) -> None:
    if input_size <= 0 or input_size % MULTIPLE:
        raise ValueError(f"input_size must be a positive multiple of {MULTIPLE}, got {input_size}")


def decoder_layer_names(model: keras.Model) -> list:
    """The trainable (decoder) layers that hold weights, in build order: what is shipped."""
    return [layer.name for layer in model.layers
            if layer.name != ENCODER_NAME and layer.weights]


@register("effnet_unet", report="beyond", section="the shipped colorizer; Baldassarre et al. 2017 sec. 3 "
          "(pretrained encoder), DeOldify (ImageNet U-Net encoder)", colorspace=COLORSPACE,
          input_size=INPUT_SIZE,
          description="frozen ImageNet EfficientNet-Lite0 (or -Lite2) encoder + U-Net decoder, "
                      "L -> ab")
def build_effnet_unet(input_size: int = INPUT_SIZE, weights: Optional[str] = "imagenet",
                      encoder_arch: str = DEFAULT_ARCH) -> keras.Model:
    """The shipped colorizer (beyond the reports) at `input_size` (a multiple
    of 32): Baldassarre et al. 2017's pretrained-encoder idea (sec. 3) as DeOldify uses it,
    a U-Net decoder on ImageNet features. `weights`: "imagenet" (the packaged
    weights of the encoder), None (random encoder, for tests) or a path. `encoder_arch`:
    "efficientnet_lite0" (what ships) or "efficientnet_lite2"."""
    check_size(input_size)
    l_in = gray_input(input_size, name="L")
    encoder = build_gray_encoder((input_size, input_size, 1), COLORSPACE["input_range"],
                                 weights=weights, strides=TAP_STRIDES, arch=encoder_arch)
    encoder.name = ENCODER_NAME  # one fixed name: the shipped decoder is found by exclusion
    encoder.trainable = False
    taps = dict(zip(TAP_STRIDES, encoder(l_in, training=False)))

    x = conv_bn_act(taps[32], DECODER_FILTERS[32], kernel_size=1, name="dec32")
    for stride in (16, 8, 4, 2):
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"up{stride}")(x)
        x = layers.Concatenate(name=f"skip{stride}")([x, taps[stride]])
        x = conv_bn_act(x, DECODER_FILTERS[stride], name=f"dec{stride}")
    x = layers.UpSampling2D(2, interpolation="bilinear", name="up1")(x)
    x = layers.Concatenate(name="skip1")([x, l_in])  # full-resolution edges from L itself
    x = conv_bn_act(x, DECODER_FILTERS[1], name="dec1")
    ab = layers.Conv2D(2, 1, name="to_ab")(x)
    return keras.Model(l_in, output_layer(ab, "tanh"), name="effnet_unet")


__all__ = ["build_effnet_unet", "decoder_layer_names", "check_size", "COLORSPACE", "INPUT_SIZE"]

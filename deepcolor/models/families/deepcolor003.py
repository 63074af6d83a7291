"""Report 003 (Tsvetkov, Walhout, Wang, "DeepColor", Brown), section II, "Models".

Three models, gray 256x256 in [0, 1] -> RGB 256x256x3 in [0, 1] (sigmoid):

* a U-Net trained from scratch (4 stride-2 encoder blocks, 3 transposed-conv decoder
  blocks with skips, a final transposed conv);
* DenseNet121 (ImageNet) as encoder + 5 upsample/conv decoder blocks;
* MobileNet (ImageNet) as encoder + 5 upsample/conv blocks + a sixth conv.

The report trains all three with Adam 1e-4, MSE and a batch of 383 images, for 10 and
30 epochs (Table 1); that batch belongs to the experiment config, not to the models.

The pretrained encoders take RGB, so the gray input is replicated to 3 channels inside
the model. `weights` is "imagenet" (the report's setting; needs internet or a cached
download), a local weights file, or None (random init; the only choice offline).
"""
from __future__ import annotations

import os
from typing import Optional

import keras
from keras import layers

from deepcolor.errors import BackboneUnavailable
from deepcolor.models.layers import KERAS_BN_MOMENTUM, gray_input, output_layer
from deepcolor.models.registry import register

COLORSPACE = {"name": "rgb", "input_range": [0.0, 1.0], "output_range": [0.0, 1.0]}
INPUT_SIZE = 256
# ImageNet statistics used by DenseNet's "torch" preprocessing (on [0, 1] pixels).
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


@register("unet003", report="003", section="II (Models)", colorspace=COLORSPACE,
          input_size=INPUT_SIZE,
          description="U-Net: 4 stride-2 conv+BN+LeakyReLU(0.01) blocks, 3 transposed conv"
                      "+skip+BN+dropout 0.5+ReLU blocks, transposed conv sigmoid RGB")
def build_unet003(input_size: int = INPUT_SIZE, *, dropout: float = 0.5,
                  bn_momentum: float = KERAS_BN_MOMENTUM) -> keras.Model:
    """Section II: the DeepColor U-Net (trained with batch 383, Adam 1e-4, MSE).

    Layers (all kernels 3x3, "same" padding, convs with bias; BN = 4 numbers/channel):

    * encoder blocks e1..e4: Conv2D stride 2 + BN + LeakyReLU(0.01) with 64, 128,
      256, 512 filters (256 -> 128, 64, 32, 16);
    * decoder blocks d1..d3: Conv2DTranspose stride 2 with 256, 128, 64 filters,
      concatenate the skip (e3, e2, e1), BN over the concatenation (512, 256, 128
      channels), Dropout 0.5, ReLU;
    * output: Conv2DTranspose 3 filters stride 2 (-> 256x256x3), sigmoid.

    Parameters: encoder 640+256, 73,856+512, 295,168+1,024, 1,180,160+2,048; decoder
    1,179,904+2,048, 589,952+1,024, 147,520+512; output 3,459; total 3,478,083.

    Choices: the report gives the block structure, the 0.01 slope, dropout 0.5 and
    the final transposed conv with sigmoid; the kernel size and filter numbers are not
    in the text and follow the authors' public notebook (github.com/annatsv/deepcolor),
    whose printed summary has the same 3,478,083 parameters. The report lists dropout in
    all three decoder blocks, so all three have it. BatchNormalization momentum is
    Keras's default 0.99 (`bn_momentum`; the report is silent).
    """
    if input_size % 16:
        raise ValueError(f"input_size {input_size} is not divisible by 16")
    inputs = gray_input(input_size)
    x, skips = inputs, []
    for i, filters in enumerate((64, 128, 256, 512), start=1):
        x = layers.Conv2D(filters, 3, strides=2, padding="same", name=f"e{i}_conv")(x)
        x = layers.BatchNormalization(momentum=bn_momentum, name=f"e{i}_bn")(x)
        x = layers.LeakyReLU(negative_slope=0.01, name=f"e{i}_act")(x)
        skips.append(x)
    for i, filters in enumerate((256, 128, 64), start=1):
        x = layers.Conv2DTranspose(filters, 3, strides=2, padding="same", name=f"d{i}_up")(x)
        x = layers.Concatenate(name=f"d{i}_skip")([x, skips[-1 - i]])
        x = layers.BatchNormalization(momentum=bn_momentum, name=f"d{i}_bn")(x)
        x = layers.Dropout(dropout, name=f"d{i}_dropout")(x)
        x = layers.Activation("relu", name=f"d{i}_act")(x)
    x = layers.Conv2DTranspose(3, 3, strides=2, padding="same", name="to_rgb")(x)
    return keras.Model(inputs, output_layer(x, "sigmoid"), name="unet003")


def _encoder_input(gray, preprocessing: str):
    """Gray [0, 1] -> 3-channel input scaled the way the ImageNet weights expect."""
    x = layers.Concatenate(name="gray_to_rgb")([gray, gray, gray])
    if preprocessing == "torch":  # DenseNet: (x - mean) / std per channel
        return layers.Normalization(mean=list(_IMAGENET_MEAN),
                                    variance=[s * s for s in _IMAGENET_STD],
                                    name="imagenet_normalize")(x)
    return layers.Rescaling(2.0, offset=-1.0, name="to_minus1_1")(x)  # MobileNet: [-1, 1]


def _encoder(name: str, input_size: int, weights, freeze_encoder: bool) -> keras.Model:
    """keras.applications.<name> without its classifier; offline "imagenet" -> one line."""
    if weights not in (None, "imagenet") and not os.path.exists(weights):
        raise FileNotFoundError(f"{name}: weights file {weights!r} not found; pass "
                                f"weights='imagenet' (online), a local weights file, or None")
    try:
        encoder = getattr(keras.applications, name)(
            weights=weights, include_top=False, input_shape=(input_size, input_size, 3))
    except (ValueError, TypeError):
        raise  # bad arguments, not a download problem
    except Exception as err:  # keras' get_file raises a bare Exception when it cannot fetch
        if weights != "imagenet":
            raise
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise BackboneUnavailable(
            f"{name}: cannot download the ImageNet weights ({reason}); offline, pass "
            f"weights=None (random init) or weights=PATH (a local {name} weights file)") from None
    encoder.trainable = not freeze_encoder
    return encoder


@register("densenet003", report="003", section="II (Models)", colorspace=COLORSPACE,
          input_size=INPUT_SIZE,
          description="DenseNet121 encoder (ImageNet) + 5 upsample+conv blocks, ReLU+BN, "
                      "last sigmoid RGB")
def build_densenet003(input_size: int = INPUT_SIZE, *, weights: Optional[str] = "imagenet",
                      freeze_encoder: bool = False,
                      bn_momentum: float = KERAS_BN_MOMENTUM) -> keras.Model:
    """Section II: DenseNet121 encoder + 5 decoder blocks (batch 383, Adam 1e-4, MSE).

    Layers: gray -> 3 channels -> ImageNet normalisation -> DenseNet121 without its
    classifier (7,037,504 parameters; 256x256 -> 8x8x1024); then blocks 1-4:
    UpSampling 2 + conv 3x3 (with bias) + ReLU + BN with 128, 64, 32, 16 filters;
    block 5: UpSampling 2 + conv 3x3 to 3 channels + sigmoid, no BN (-> 256x256x3).

    Decoder parameters: 9*1024*128+128 + 512, 9*128*64+64 + 256, 9*64*32+32 + 128,
    9*32*16+16 + 64, 9*16*3+3 = 1,179,776 + 512 + 73,792 + 256 + 18,464 + 128
    + 4,624 + 64 + 435 = 1,278,051.

    Choices: the report fixes 5 upsample + conv blocks, ReLU then BN in the first
    four ("an activation function is applied along with a batch normalization layer")
    and sigmoid without BN in the last. The filter numbers are not in the text; the
    authors' notebook has 128, 64, 32 in its first three blocks, and we continue halving
    (16) before the 3-channel output. The gray input is normalised with ImageNet's
    mean/std inside the model because the pretrained weights expect it; the data stays
    in [0, 1] as the report's preprocessing leaves it. `freeze_encoder` is off: the
    report says nothing of freezing DenseNet. `weights`: "imagenet", a local weights
    file or None (see the module docstring). The decoder's BatchNormalization momentum
    is Keras's default 0.99 (`bn_momentum`; the report is silent).
    """
    gray = gray_input(input_size)
    x = _encoder("DenseNet121", input_size, weights, freeze_encoder)(
        _encoder_input(gray, "torch"))
    for i, filters in enumerate((128, 64, 32, 16), start=1):
        x = layers.UpSampling2D(2, name=f"block{i}_up")(x)
        x = layers.Conv2D(filters, 3, padding="same", name=f"block{i}_conv")(x)
        x = layers.Activation("relu", name=f"block{i}_act")(x)
        x = layers.BatchNormalization(momentum=bn_momentum, name=f"block{i}_bn")(x)
    x = layers.UpSampling2D(2, name="block5_up")(x)
    x = layers.Conv2D(3, 3, padding="same", name="block5_conv")(x)
    return keras.Model(gray, output_layer(x, "sigmoid"), name="densenet003")


@register("mobilenet003", report="003", section="II (Models)", colorspace=COLORSPACE,
          input_size=INPUT_SIZE,
          description="MobileNet encoder (ImageNet) + 5 upsample+conv+ReLU, sixth conv "
                      "sigmoid RGB")
def build_mobilenet003(input_size: int = INPUT_SIZE, *, weights: Optional[str] = "imagenet",
                       freeze_encoder: bool = False) -> keras.Model:
    """Section II: MobileNet encoder + 5 upsample/conv/ReLU cycles + a sigmoid conv
    (batch 383, Adam 1e-4, MSE).

    Layers: gray -> 3 channels -> scaled to [-1, 1] -> MobileNet (alpha 1) without its
    classifier (3,228,864 parameters; 256x256 -> 8x8x1024); 5 x (UpSampling 2 + conv
    3x3 with bias + ReLU) with 512, 256, 128, 64, 32 filters; conv 3x3 to 3 channels
    + sigmoid.

    Decoder parameters: 9*1024*512+512, 9*512*256+256, 9*256*128+128, 9*128*64+64,
    9*64*32+32, 9*32*3+3 = 4,719,104 + 1,179,904 + 295,040 + 73,792 + 18,464 + 867
    = 6,287,171.

    Choices: filters and the 3x3 kernels are not in the text and follow the authors'
    notebook (512..32). That notebook froze the encoder; the report does not mention it,
    so `freeze_encoder` defaults to False and can be turned on. MobileNet's ImageNet
    weights expect inputs in [-1, 1], so the [0, 1] gray is rescaled inside the model.
    `weights`: "imagenet", a local weights file or None (see the module docstring).
    """
    gray = gray_input(input_size)
    x = _encoder("MobileNet", input_size, weights, freeze_encoder)(
        _encoder_input(gray, "tf"))
    for i, filters in enumerate((512, 256, 128, 64, 32), start=1):
        x = layers.UpSampling2D(2, name=f"block{i}_up")(x)
        x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"block{i}_conv")(x)
    x = layers.Conv2D(3, 3, padding="same", name="block6_conv")(x)
    return keras.Model(gray, output_layer(x, "sigmoid"), name="mobilenet003")

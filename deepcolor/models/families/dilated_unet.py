"""Report 004 (Bayraktar, Senyurt, "Black and White Image Colorization with Deep
Learning", Hacettepe), section III, "Models".

Three U-Net-like models of growing depth, L in, ab out (Lab), 320x320:

1. 2 convolutions + 2 transposed convolutions, no skips, a 2x2 conv to ab;
2. 3 + 3 with skip connections;
3. 6 + 6 with skip connections and dilated ("a trous") convolutions.

The report trains each with Adam 1e-3, L2 loss, batch 128, 120 epochs, seed 7
(section V); that is the experiment's config, not the models'.

Choices where section III is silent (figure 2, which drew the models, is missing):

* Down- and up-sampling: section III's description of the original U-Net (figure 1)
  mentions max-pooling, but the three models' own descriptions name only convolutions
  and transposed convolutions ("2 convolutional layers and 2 transpose convolutional
  layers"), so we do not pool: each encoder conv that changes resolution has stride 2
  and each decoder transposed conv that changes it has stride 2; kernels are 3x3. A
  labelled reading: with max-pooling after each conv the models would match too.
* Filters: 64, 128, 256 by level, the first levels of the original U-Net (figure 1);
  the decoder mirrors them and ends at 32 at full resolution.
* Activations: ReLU (the report's U-Net description), no batch norm (never named);
  the output is tanh, as ab/128 lies in about [-1, 1].
* The 2x2 output conv of model 1 is used by all three: section III says the later
  models output ab "as with the previous models".
* Skips (models 2, 3) concatenate the encoder output of the same resolution; at full
  resolution the only encoder-side tensor is the L input, which is concatenated too.
* Model 3's dilations: Keras (like most frameworks) cannot combine stride 2 with
  dilation, so each of model 3's three levels has two convs, a stride-2 conv and a
  dilated (rate 2) stride-1 conv, and each decoder level two transposed convs, a
  stride-2 one and a stride-1 one: 6 + 6 layers over the same three levels as model 2.
"""
from __future__ import annotations

import keras
from keras import layers

from deepcolor.models.layers import gray_input, output_layer
from deepcolor.models.registry import register

COLORSPACE = {"name": "lab", "input_range": [-1.0, 1.0], "ab_scale": 128.0}
INPUT_SIZE = 320


def _conv(x, filters, name, strides=1, dilation_rate=1):
    return layers.Conv2D(filters, 3, strides=strides, padding="same", activation="relu",
                         dilation_rate=dilation_rate, name=name)(x)


def _up(x, filters, name, strides=2):
    return layers.Conv2DTranspose(filters, 3, strides=strides, padding="same",
                                  activation="relu", name=name)(x)


def _to_ab(x):
    """The 2x2 output conv to the two ab channels, then tanh in float32."""
    return output_layer(layers.Conv2D(2, 2, padding="same", name="to_ab")(x), "tanh")


def _check(input_size: int, levels: int):
    if input_size % (2 ** levels):
        raise ValueError(f"input_size {input_size} is not divisible by {2 ** levels}")


@register("unet004_model1", report="004", section="III (Models)", colorspace=COLORSPACE,
          input_size=INPUT_SIZE,
          description="model 1: 2 conv + 2 transposed conv, no skips, 2x2 conv to ab, tanh")
def build_model1(input_size: int = INPUT_SIZE) -> keras.Model:
    """Model 1, section III: the baseline without skips.

    Layers (3x3 kernels, bias, ReLU): conv 64 stride 2, conv 128 stride 2,
    transposed conv 128 stride 2, transposed conv 64 stride 2, conv 2x2 to 2, tanh.
    Parameters: (9*1+1)*64 + (9*64+1)*128 + (9*128+1)*128 + (9*128+1)*64 + (4*64+1)*2
    = 640 + 73,856 + 147,584 + 73,792 + 514 = 296,386.
    """
    _check(input_size, 2)
    l_in = gray_input(input_size, name="L")
    x = _conv(l_in, 64, "down1", strides=2)
    x = _conv(x, 128, "down2", strides=2)
    x = _up(x, 128, "up2")
    x = _up(x, 64, "up1")
    return keras.Model(l_in, _to_ab(x), name="unet004_model1")


@register("unet004_model2", report="004", section="III (Models)", colorspace=COLORSPACE,
          input_size=INPUT_SIZE,
          description="model 2: 3 conv + 3 transposed conv with skips, 2x2 conv to ab, tanh")
def build_model2(input_size: int = INPUT_SIZE) -> keras.Model:
    """Model 2, section III: deeper, with skip connections.

    Layers (3x3 kernels, bias, ReLU): conv 64 s2 (e1, H/2), conv 128 s2 (e2, H/4),
    conv 256 s2 (H/8); transposed conv 128 s2 + concat e2 (256 ch); transposed conv 64
    s2 + concat e1 (128 ch); transposed conv 32 s2 + concat L (33 ch); conv 2x2 to 2, tanh.
    Parameters: 640 + 73,856 + (9*128+1)*256 + (9*256+1)*128 + (9*256+1)*64
    + (9*128+1)*32 + (4*33+1)*2 = 640 + 73,856 + 295,168 + 295,040 + 147,520 + 36,896
    + 266 = 849,386.
    """
    _check(input_size, 3)
    l_in = gray_input(input_size, name="L")
    e1 = _conv(l_in, 64, "down1", strides=2)
    e2 = _conv(e1, 128, "down2", strides=2)
    x = _conv(e2, 256, "down3", strides=2)
    for name, filters, skip in (("up3", 128, e2), ("up2", 64, e1), ("up1", 32, l_in)):
        x = _up(x, filters, name)
        x = layers.Concatenate(name=f"{name}_skip")([x, skip])
    return keras.Model(l_in, _to_ab(x), name="unet004_model2")


@register("unet004_model3", report="004", section="III (Models)", colorspace=COLORSPACE,
          input_size=INPUT_SIZE,
          description="model 3: 6 conv (3 dilated) + 6 transposed conv with skips, 2x2 conv "
                      "to ab, tanh")
def build_model3(input_size: int = INPUT_SIZE, *, dilation_rate: int = 2) -> keras.Model:
    """Model 3, section III: 6 + 6 layers, skips and dilated convolutions.

    Layers (3x3 kernels, bias, ReLU), three levels with 64, 128, 256 filters:
    * encoder level i: conv stride 2, then conv dilation 2 (the skip e_i);
    * decoder: transposed conv 128 s2, concat e2 (256 ch), transposed conv 128 s1;
      transposed conv 64 s2, concat e1 (128 ch), transposed conv 64 s1;
      transposed conv 32 s2, concat L (33 ch), transposed conv 32 s1;
    * conv 2x2 to 2, tanh.
    Parameters: encoder (9+1)*64 + (576+1)*64 + (576+1)*128 + (1152+1)*128
    + (1152+1)*256 + (2304+1)*256 = 640 + 36,928 + 73,856 + 147,584 + 295,168
    + 590,080; decoder (2304+1)*128 + (2304+1)*128 + (1152+1)*64 + (1152+1)*64
    + (576+1)*32 + (297+1)*32 + (128+1)*2 = 295,040 + 295,040 + 73,792 + 73,792
    + 18,464 + 9,536 + 258; total 1,910,178.
    """
    _check(input_size, 3)
    l_in = gray_input(input_size, name="L")
    x, skips = l_in, [l_in]
    for level, filters in enumerate((64, 128, 256), start=1):
        x = _conv(x, filters, f"down{level}_stride2", strides=2)
        x = _conv(x, filters, f"down{level}_dilated", dilation_rate=dilation_rate)
        skips.append(x)
    for level, filters in ((3, 128), (2, 64), (1, 32)):
        x = _up(x, filters, f"up{level}_stride2")
        x = layers.Concatenate(name=f"up{level}_skip")([x, skips[level - 1]])
        x = _up(x, filters, f"up{level}_refine", strides=1)
    return keras.Model(l_in, _to_ab(x), name="unet004_model3")

"""Report 002 (Fu, Guo, Liu, Zang, "U-Net, Deep CNN, and Conditional GAN for
Auto-Colorization", Brown CSCI 1430), section 3.

* 3.1 the Deep Koalarization adaptation: a conv encoder, a VGG16 1000-d vector tiled
  and concatenated to 1256 channels, an upsampling decoder to RGB (tanh);
* 3.2 a U-Net down to 1024 channels (conv + BN + LeakyReLU, max-pool), RGB out;
* 3.3 a conditional GAN whose generator is that U-Net and whose discriminator sees
  gray + colour concatenated to 4 channels.

Input size: the report never states it. We use 224x224 for all three: it is Deep
Koalarization's encoder size and VGG16's native input (its 1000-d classifier head
needs 224x224), and 224 divides by 16 for the U-Net's four poolings (14x14 at 1024).

Colour space: gray in [-1, 1] (Deep Koalarization's input scaling) and RGB targets in
[-1, 1] for the tanh outputs; the report gives neither range.

LeakyReLU slope: not stated. The report writes tensors as 1 x H x W (PyTorch's layout),
so we take PyTorch's default negative slope, 0.01.
"""
from __future__ import annotations

from typing import Optional

import keras
from keras import layers

from deepcolor.models.backbone import attach, build_embedder
from deepcolor.models.layers import KERAS_BN_MOMENTUM, conv_bn_act, gray_input, output_layer
from deepcolor.models.registry import register

COLORSPACE = {"name": "rgb", "input_range": [-1.0, 1.0], "output_range": [-1.0, 1.0]}
INPUT_SIZE = 224
EMBEDDING_SIZE = 1000
LEAKY = "leaky_relu:0.01"


@register("koalarization002", report="002", section="3.1", colorspace=COLORSPACE,
          input_size=INPUT_SIZE, extra_inputs=("embedding",),
          description="Deep Koalarization adaptation: conv encoder + VGG16 1000-d tiled to "
                      "1256 channels + upsampling decoder, RGB tanh")
def build_koalarization002(input_size: int = INPUT_SIZE) -> keras.Model:
    """Section 3.1: Deep Koalarization adapted to VGG16 features and RGB output.

    Inputs: "gray" (H x W x 1) and "embedding" (1000,), the VGG16 vector precomputed by
    `build_vgg16_embedder` (or fused in by `build_koalarization002_end_to_end`).

    Layers (all 3x3 convs "same" padded, with bias, ReLU, no BN - the report names none):

    * encoder 1 -> 64 -> 128 -> 128 (stride 2) -> 256 -> 256 (stride 2) -> 512
      -> 512 (stride 2) -> 256: section 3.1 puts stride 2 "between layers with the
      same number of channels", i.e. on the second 128, 256 and 512 layer, so H/8 out.
      (The original Deep Koalarization strides 64, the second 128 and second 256
      instead; both reach H/8, we follow the report's sentence.)
    * fusion: the 1000-d vector tiled to H/8 x W/8 and concatenated -> 1256 channels
      (no 1x1 fusion conv: the report's decoder starts from the 1256 channels);
    * decoder: conv 128, up x2, conv 64, up x2, conv 32, conv 3, up x2, tanh.
      The report gives 128 -> 64 -> 32 -> 3 with upsamples in between and "tanh
      before the last upsample"; three upsamples undo H/8, so conv 32 and conv 3 sit
      back to back and the model ends in an upsample, as Deep Koalarization's decoder
      does. Nearest upsampling commutes with tanh, so the tanh is applied after the
      last upsample to keep the float32 output layer last.

    Parameters: sum over convs of 9*c_in*c_out + c_out: encoder 5,827,200, decoder
    9*(1256*128 + 128*64 + 64*32 + 32*3) + 227 = 1,540,163; total 7,367,363.
    """
    if input_size % 8:
        raise ValueError(f"input_size {input_size} is not divisible by 8")
    gray = gray_input(input_size)
    embedding = keras.Input((EMBEDDING_SIZE,), name="embedding")

    x = gray
    for i, (filters, strides) in enumerate([(64, 1), (128, 1), (128, 2), (256, 1), (256, 2),
                                            (512, 1), (512, 2), (256, 1)]):
        x = layers.Conv2D(filters, 3, strides=strides, padding="same", activation="relu",
                          name=f"encoder{i}")(x)

    side = input_size // 8
    tiled = layers.Reshape((1, 1, EMBEDDING_SIZE), name="fusion_reshape")(embedding)
    tiled = layers.UpSampling2D((side, side), name="fusion_tile")(tiled)
    x = layers.Concatenate(name="fusion")([x, tiled])  # 256 + 1000 = 1256 channels

    x = layers.Conv2D(128, 3, padding="same", activation="relu", name="decoder0")(x)
    x = layers.UpSampling2D(2, name="decoder_up0")(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="decoder1")(x)
    x = layers.UpSampling2D(2, name="decoder_up1")(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="decoder2")(x)
    x = layers.Conv2D(3, 3, padding="same", name="decoder3")(x)
    x = layers.UpSampling2D(2, name="decoder_up2")(x)
    outputs = output_layer(x, "tanh")
    return keras.Model([gray, embedding], outputs, name="koalarization002")


def build_vgg16_embedder(input_size: int = INPUT_SIZE, *,
                         weights: Optional[str] = "imagenet") -> keras.Model:
    """Gray image in [-1, 1] -> the frozen 1000-d VGG16 vector of section 3.1 ("the
    length of the VGG16 feature is 1000"): the softmax class probabilities of
    keras.applications.VGG16 with its classifier head. The report does not say softmax
    or logits; 1000 is the size of that head and softmax is what VGG16 returns.

    Built by the shared `backbone.build_embedder` (resize to 224, gray to 3 channels,
    VGG16's caffe-style mean subtraction, all Keras layers). `weights`: "imagenet"
    (needs internet or a cached download), a local VGG16 weights file, or None; offline
    "imagenet" raises `BackboneUnavailable` with a one-line message naming those.
    """
    return build_embedder(input_size, arch="vgg16", weights=weights, embedding="softmax")


def build_koalarization002_end_to_end(input_size: int = INPUT_SIZE, *,
                                      weights: Optional[str] = "imagenet",
                                      head: Optional[keras.Model] = None,
                                      embedder: Optional[keras.Model] = None) -> keras.Model:
    """Embedder + head as one single-input model (gray in, RGB out), for export.

    The embedder is frozen: section 3.1 uses VGG16 as a fixed feature extractor.
    `head`/`embedder` default to freshly built ones; pass trained ones to export them.
    """
    head = head or build_koalarization002(input_size)
    embedder = embedder or build_vgg16_embedder(input_size, weights=weights)
    embedder.trainable = False
    return attach(head, embedder)


@register("unet002", report="002", section="3.2", colorspace=COLORSPACE,
          input_size=INPUT_SIZE,
          description="U-Net 64..1024, conv+BN+LeakyReLU, max-pool, RGB tanh; also the "
                      "cGAN generator (3.3)")
def build_unet002(input_size: int = INPUT_SIZE, *, base_filters: int = 64,
                  bn_momentum: float = KERAS_BN_MOMENTUM) -> keras.Model:
    """Section 3.2: the U-Net of Ronneberger et al. with BN + LeakyReLU and RGB out.

    Layers (F = base_filters = 64; convs "same" padded, no bias since BN follows;
    BN = 4 numbers per channel):

    * levels i = 0..3, filters F*2^i: 2 x (conv 3x3 + BN + LeakyReLU), kept as skip,
      then MaxPool 2;
    * bottleneck: 2 x (conv 3x3 + BN + LeakyReLU) with 16F = 1024 filters;
    * levels i = 3..0: UpSampling 2, conv 2x2 to F*2^i (halving, U-Net's "up-conv")
      + BN + LeakyReLU, concatenate skip i, 2 x (conv 3x3 + BN + LeakyReLU) at F*2^i;
    * output: conv 1x1 to 3 channels (with bias), tanh.

    Choices: "(almost) the same U-net as when it was proposed" fixes the two convs
    per level, 64..1024 filters and the 2x2 up-conv; "same" padding because the report
    returns "an image of the same height and width"; tanh because it is also the
    cGAN generator and the report's other RGB model (3.1) ends in tanh.
    BatchNormalization momentum: Keras's default 0.99 (`bn_momentum`; not in the report).
    """
    if input_size % 16:
        raise ValueError(f"input_size {input_size} is not divisible by 16")
    inputs = gray_input(input_size)
    x, skips = inputs, []
    for level in range(4):
        filters = base_filters * 2 ** level
        x = conv_bn_act(x, filters, activation=LEAKY, bn_momentum=bn_momentum,
                        name=f"down{level}a")
        x = conv_bn_act(x, filters, activation=LEAKY, bn_momentum=bn_momentum,
                        name=f"down{level}b")
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"down{level}_pool")(x)
    x = conv_bn_act(x, base_filters * 16, activation=LEAKY, bn_momentum=bn_momentum,
                    name="bottleneck_a")
    x = conv_bn_act(x, base_filters * 16, activation=LEAKY, bn_momentum=bn_momentum,
                    name="bottleneck_b")
    for level in reversed(range(4)):
        filters = base_filters * 2 ** level
        x = layers.UpSampling2D(2, name=f"up{level}_upsample")(x)
        x = conv_bn_act(x, filters, kernel_size=2, activation=LEAKY,
                        bn_momentum=bn_momentum, name=f"up{level}_upconv")
        x = layers.Concatenate(name=f"up{level}_skip")([x, skips[level]])
        x = conv_bn_act(x, filters, activation=LEAKY, bn_momentum=bn_momentum,
                        name=f"up{level}a")
        x = conv_bn_act(x, filters, activation=LEAKY, bn_momentum=bn_momentum,
                        name=f"up{level}b")
    x = layers.Conv2D(3, 1, name="to_rgb")(x)
    return keras.Model(inputs, output_layer(x, "tanh"), name="unet002")


@register("cgan002_discriminator", report="002", section="3.3", colorspace=COLORSPACE,
          input_size=INPUT_SIZE, extra_inputs=("color",), role="discriminator",
          description="cGAN discriminator: gray+colour 4 ch, 3 conv+BN+LeakyReLU, conv to "
                      "1 ch, MLP 15, sigmoid; output (batch, 1)")
def build_discriminator002(input_size: int = INPUT_SIZE, *,
                           bn_momentum: float = KERAS_BN_MOMENTUM) -> keras.Model:
    """Section 3.3: the conditional GAN's discriminator, P(colour image matches gray).

    Inputs "gray" (H x W x 1) and "color" (H x W x 3, generated or true, in the
    generator's [-1, 1]); output (batch, 1) in (0, 1).

    Layers: concatenate -> 4 channels; 3 x (conv 4x4 stride 2 + BN + LeakyReLU) with
    128, 256, 512 filters (no bias); conv 4x4 stride 1, 512 -> 1 channel (with bias);
    flatten (H/8 * W/8 values); Dense 15 + ReLU; Dense 1; sigmoid.

    Choices: the report fixes the 4-channel input, three conv + BN + LeakyReLU layers,
    512 channels into the last conv, an MLP of hidden size 15 and a sigmoid. We double
    the filters up to 512 (128, 256, 512), use the 4x4 stride-2 kernels of the pix2pix
    / DCGAN discriminators this design follows, and ReLU in the MLP's hidden layer.
    BatchNormalization momentum: Keras's default 0.99 (`bn_momentum`; not in the report).

    A mismatch we keep, labelled: section 3.3 says "3 convolution layers" and then "the
    last convolution layer maps from 512 channels to a single channel". We read that
    last layer as a fourth conv after the three conv + BN + LeakyReLU blocks (4 convs);
    it can also be read as the third of the three (3 convs, the third without BN).
    """
    if input_size % 8:
        raise ValueError(f"input_size {input_size} is not divisible by 8")
    gray = gray_input(input_size)
    color = keras.Input((input_size, input_size, 3), name="color")
    x = layers.Concatenate(name="gray_color")([gray, color])
    for i, filters in enumerate((128, 256, 512)):
        x = conv_bn_act(x, filters, kernel_size=4, strides=2, activation=LEAKY,
                        bn_momentum=bn_momentum, name=f"conv{i}")
    x = layers.Conv2D(1, 4, padding="same", name="to_one_channel")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(15, activation="relu", name="mlp_hidden")(x)
    x = layers.Dense(1, name="mlp_out")(x)
    return keras.Model([gray, color], output_layer(x, "sigmoid"), name="discriminator002")

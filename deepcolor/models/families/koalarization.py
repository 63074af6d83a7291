"""Report 001's fusion model and baseline, and the original Deep Koalarization.

Report 001 (UMass, "Colorization of Grayscale Images using deep CNN and ResNet
feature extractor") section 3.2 / Table 2 follows Deep Koalarization (Baldassarre
et al. 2017): an encoder over the L channel, an Inception-ResNet-v2 embedding of
the same gray image, a fusion layer and a decoder to ab.

The fusion models here take two inputs: the L channel and a precomputed backbone
embedding. The backbone is frozen, so the runner computes each image's embedding
once (`backbone.build_embedder`) and reuses it every epoch; `backbone.attach` joins
embedder and head into a one-input model for export.
"""
from __future__ import annotations

from typing import Optional

import keras
from keras import layers

from deepcolor.models.layers import gray_input, output_layer
from deepcolor.models.registry import register

LAB = {"name": "lab", "input_range": [-1.0, 1.0], "ab_scale": 128.0}
EMBEDDING_DIMS = {"pooled": 1536, "logits": 1000, "softmax": 1000}


def _conv(x, filters, strides=1, activation="relu", name=None):
    return layers.Conv2D(filters, 3, strides=strides, padding="same", activation=activation,
                         name=name)(x)


def _encoder(x, filters_strides):
    """Stacked 3x3 ReLU convs, one per (filters, stride)."""
    for i, (filters, strides) in enumerate(filters_strides):
        x = _conv(x, filters, strides, name=f"encoder_{i + 1}")
    return x


def _fuse(features, embedding, grid: int):
    """Fusion layer: tile the embedding over the H/8 x W/8 grid, concatenate, 1x1 conv 256.

    Tiling is Reshape to 1x1 then UpSampling2D (nearest), which repeats the vector
    at every position using keras.layers only.
    """
    tiled = layers.Reshape((1, 1, embedding.shape[-1]), name="embedding_1x1")(embedding)
    tiled = layers.UpSampling2D(size=grid, name="embedding_tiled")(tiled)
    fused = layers.Concatenate(name="fusion_concat")([features, tiled])
    return layers.Conv2D(256, 1, activation="relu", name="fusion")(fused)


def _check_size(input_size: int, multiple: int):
    if input_size % multiple:
        raise ValueError(f"input_size must be a multiple of {multiple}, got {input_size}")


# Koalarization's encoder (3x3 ReLU convs as (filters, stride)), down to H/8.
ENCODER = [(64, 2), (128, 1), (128, 2), (256, 1), (256, 2), (512, 1), (512, 1), (256, 1)]


def _fusion_model(name: str, input_size: int, embedding: str, decoder,
                  embedding_dim: Optional[int] = None) -> keras.Model:
    """Encoder + fusion + `decoder` (a list of conv filter counts and "up" for x2 upsampling).

    Every decoder conv is 3x3 ReLU except the last (2 filters), which ends in tanh.
    """
    _check_size(input_size, 8)
    gray = gray_input(input_size)
    emb = keras.Input((embedding_dim or EMBEDDING_DIMS[embedding],), name="embedding")
    x = _fuse(_encoder(gray, ENCODER), emb, input_size // 8)
    convs = [step for step in decoder if step != "up"]
    n_conv = n_up = 0
    for step in decoder:
        if step == "up":
            n_up += 1
            x = layers.UpSampling2D(2, name=f"decoder_up_{n_up}")(x)
        else:
            n_conv += 1
            last = n_conv == len(convs)
            x = _conv(x, step, activation=None if last else "relu", name=f"decoder_{n_conv}")
    return keras.Model([gray, emb], output_layer(x, "tanh", name="ab"), name=name)


@register("fusion001", report="001", section="3.2, Table 2", colorspace=LAB, input_size=224,
          extra_inputs=("embedding",),
          description="Encoder + Inception-ResNet-v2 embedding + fusion (1x1 conv 256) + "
                      "decoder -> ab")
def build_fusion001(input_size: int = 224, embedding: str = "pooled",
                    embedding_dim: Optional[int] = None) -> keras.Model:
    """Report 001's final model (section 3.2, Table 2).

    Encoder (all 3x3, ReLU): 64 s2, 128, 128 s2, 256, 256 s2, 512, 512, 256 -> H/8.
    Fusion: embedding tiled to H/8 x W/8, concatenated, 1x1 conv 256 ReLU.
    Decoder (Table 2, all 3x3 stride 1): 128, up x2, 64, up x2, 32, 16, 2, up x2.

    Choices where the report is silent:
    * input size 224 and L scaled to [-1, 1], ab / 128 as target: Deep
      Koalarization's, which the report follows (it does not state them);
    * ReLU after every conv, tanh after the last (2-filter) conv: Koalarization's;
    * embedding "pooled" (the 1536-d global-average-pool output): the report takes
      "the last but one layer" of Inception-ResNet-v2 after chopping off the output
      layer, which in Keras is `avg_pool`. Options: "logits" / "softmax" (1000-d).

    Parameters: encoder 9*(1*64+64*128+128*128+128*256+256*256+256*512+512*512+512*256)
    + biases; fusion (256+D)*256+256; decoder 9*(256*128+128*64+64*32+32*16+16*2) + biases.
    """
    return _fusion_model("fusion001", input_size, embedding,
                         [128, "up", 64, "up", 32, 16, 2, "up"], embedding_dim)


@register("koalarization", report="koalarization", section="Baldassarre et al. 2017, sec. 3",
          colorspace=LAB, input_size=224, extra_inputs=("embedding",),
          description="Original Deep Koalarization: 224x224 L, 1000-d logits embedding, ab x 128")
def build_koalarization(input_size: int = 224, embedding: str = "logits",
                        embedding_dim: Optional[int] = None) -> keras.Model:
    """The original Deep Koalarization (Baldassarre et al. 2017, section 3; facts from its
    public code, shared/papers/README.md).

    Encoder 64 s2, 128, 128 s2, 256, 256 s2, 512, 512, 256 (3x3 ReLU); fusion as in
    report 001; decoder 128, up x2, 64, 64, up x2, 32, 2 (tanh), up x2.
    The original embedding is the 1001-d pre-softmax logits of TF-Slim's model;
    Keras's Inception-ResNet-v2 has 1000 classes, so the closest is 1000-d logits
    (`classifier_activation=None`).
    """
    return _fusion_model("koalarization", input_size, embedding,
                         [128, "up", 64, 64, "up", 32, 2, "up"], embedding_dim)


@register("baseline001", report="001", section="4.1", colorspace=LAB, input_size=224,
          description="Baseline deep CNN: LeakyReLU + BN, max-pool every second conv, tanh -> ab")
def build_baseline001(input_size: int = 224, *, bn_momentum: float = 0.9) -> keras.Model:
    """Report 001's baseline deep CNN (section 4.1).

    The report lists filters {16, 32, 64, 128, 256, 128, 64, 64, 32, 2} (ten values,
    though it says "8 convolutional layers"; we build all ten), LeakyReLU after every
    conv but the last, BatchNormalization after each LeakyReLU, tanh after the last,
    and "a max-pooling layer after every alternate batch normalization layer".

    Choices where the report is silent: 3x3 kernels; LeakyReLU slope 0.2; pooling
    after the BN of convs 2 and 4 only and 2x upsampling after convs 6 and 8, so the
    output is back at full size (pooling after every second conv through all ten
    would shrink 224 to 7 and the report compares full-size ab maps).
    Order: 16, 32, pool, 64, 128, pool, 256, 128, up, 64, 64, up, 32, 2 tanh.
    BatchNormalization momentum 0.9 (`bn_momentum`; PyTorch's default, 0.1 in its
    convention) rather than Keras's 0.99: with 0.99 the moving statistics were still
    far off after the default preset's 190 steps (training-image MSE 0.087 with moving
    statistics vs 0.0096 with batch statistics), so inference colours were wrong.
    Parameters: 9 * (1*16+16*32+32*64+64*128+128*256+256*128+128*64+64*64+64*32+32*2)
    + biases (10 convs) + 2 * channels for BN (scale, offset) + 2 for moving stats.
    """
    _check_size(input_size, 4)
    gray = gray_input(input_size)
    x = gray
    filters = [16, 32, 64, 128, 256, 128, 64, 64, 32]
    for i, f in enumerate(filters, start=1):
        x = layers.Conv2D(f, 3, padding="same", name=f"conv_{i}")(x)
        x = layers.LeakyReLU(negative_slope=0.2, name=f"lrelu_{i}")(x)
        x = layers.BatchNormalization(momentum=bn_momentum, name=f"bn_{i}")(x)
        if i in (2, 4):
            x = layers.MaxPooling2D(2, name=f"pool_{i}")(x)
        if i in (6, 8):
            x = layers.UpSampling2D(2, name=f"up_{i}")(x)
    x = layers.Conv2D(2, 3, padding="same", name="conv_10")(x)
    return keras.Model(gray, output_layer(x, "tanh", name="ab"), name="baseline001")


__all__ = ["build_fusion001", "build_koalarization", "build_baseline001"]

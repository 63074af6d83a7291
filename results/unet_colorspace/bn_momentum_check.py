"""Why report 000's UNets use BatchNormalization momentum 0.9: moving vs batch statistics.

    python results/unet_colorspace/bn_momentum_check.py RUN_DIR [RUN_DIR ...] > bn_momentum_check.txt

For each trained run folder (with model.keras) of the simple RGB MSE UNet: validation
MSE (RGB in [-1, 1]) on the first 1,024 cifar10-jpg validation images, once with the
BN layers' moving statistics (inference, what every table reports) and once with each
batch's own statistics. A large gap means the moving statistics lag the weights.
"""
import json
import sys

import keras
import numpy as np

import data_pipelines
from deepcolor.colorspaces import get_colorspace
from deepcolor.models.unet_colorspace import RGB

space = get_colorspace(RGB)
images, _ = data_pipelines.load_images("cifar10-jpg", "validation", image_size=32, limit=1024,
                                       validation_fraction=0.2)
batches = data_pipelines.encode_batches(images, space, 128, shuffle=False, seed=0)
for folder in sys.argv[1:]:
    model = keras.saving.load_model(f"{folder}/model.keras", compile=False)
    momenta = sorted({layer.momentum for layer in model.layers
                      if isinstance(layer, keras.layers.BatchNormalization)})
    errors = {False: [], True: []}
    for x, y in batches:
        for training in errors:
            pred = np.asarray(model(x, training=training), "float32")
            errors[training].append(np.mean((pred - y.numpy()) ** 2))
    with open(f"{folder}/result.json") as f:
        history = json.load(f)["history"]
    print(f"{folder}: BN momentum {momenta}, {len(history['epoch'])} epoch(s) of 313 steps; "
          f"train loss (epoch mean) {history['loss'][-1]:.4f}; validation MSE with moving "
          f"statistics {np.mean(errors[False]):.4f}, with batch statistics {np.mean(errors[True]):.4f}")

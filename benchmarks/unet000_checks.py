"""Report 000's supporting checks, whose outputs sit in results/unet_colorspace/.

    python -m benchmarks.unet000_checks gray-psnr > results/unet_colorspace/gray_psnr_check.txt
    python -m benchmarks.unet000_checks bn-momentum RUN_DIR [RUN_DIR ...] > results/unet_colorspace/bn_momentum_check.txt
    python -m benchmarks.unet000_checks timing [--policy P --model M --batch B --width F]
    python -m benchmarks.unet000_checks summary     # writes results/unet_colorspace/config.json

* gray-psnr: how the gray prediction's (no colour) per-image mean PSNR on the
  cifar10-jpg test split is made up: near-gray images score very high.
* bn-momentum: why report 000's UNets use BatchNormalization momentum 0.9. For each
  trained run folder (model.keras) of the simple RGB MSE UNet, validation MSE (RGB in
  [-1, 1]) on 1,024 cifar10-jpg validation images with the BN layers' moving
  statistics (inference) and with each batch's own: a large gap means the moving
  statistics lag the weights.
* timing: per-image training and prediction cost of one UNet at 32 px, which set the
  cifar10 preset's CPU budget (results/unet_colorspace/timing/README.md).
* summary: results/unet_colorspace/config.json, the command, config, versions and
  machine behind each table of results/unet_colorspace/README.md.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parents[1] / "results" / "unet_colorspace"


def gray_psnr(rgb: np.ndarray) -> np.ndarray:
    """Per-image PSNR (dB, capped at 100) of the gray (BT.601 luma) version of RGB [0, 1]."""
    luma = rgb @ np.array([0.299, 0.587, 0.114])
    mse = ((rgb - luma[..., None]) ** 2).reshape(len(rgb), -1).mean(axis=1)
    return np.minimum(100.0, -10 * np.log10(np.maximum(mse, 1e-10)))


def _gray_psnr_report() -> str:
    import data_pipelines

    images, _ = data_pipelines.load_images("cifar10-jpg", "test", image_size=32,
                                           validation_fraction=0.2)
    values = np.concatenate([gray_psnr(np.asarray(batch, np.float64))
                             for batch in images.batch(1000).as_numpy_iterator()])
    return (f"gray PSNR over {len(values)} test images: mean {values.mean():.2f}, median "
            f"{np.median(values):.2f}, >40 dB: {(values > 40).sum()}, >30 dB: "
            f"{(values > 30).sum()}, mean without >40 dB: {values[values <= 40].mean():.2f}")


def _bn_momentum(folders) -> None:
    import keras

    import data_pipelines
    from deepcolor.models.families.unet_colorspace import RGB
    from deepcolor.train.data import encoder

    images, _ = data_pipelines.load_images("cifar10-jpg", "validation", image_size=32,
                                           limit=1024, validation_fraction=0.2)
    batches = data_pipelines.encode_batches(images, encoder(RGB), 128, shuffle=False)
    for folder in folders:
        model = keras.saving.load_model(f"{folder}/model.keras", compile=False)
        momenta = sorted({layer.momentum for layer in model.layers
                          if isinstance(layer, keras.layers.BatchNormalization)})
        errors = {False: [], True: []}
        for x, y in batches:
            for training in errors:
                pred = np.asarray(model(x, training=training), "float32")
                errors[training].append(np.mean((pred - np.asarray(y)) ** 2))
        history = json.loads(Path(folder, "result.json").read_text())["history"]
        print(f"{folder}: BN momentum {momenta}, {len(history['epoch'])} epoch(s); train loss "
              f"(epoch mean) {history['loss'][-1]:.4f}; validation MSE with moving statistics "
              f"{np.mean(errors[False]):.4f}, with batch statistics {np.mean(errors[True]):.4f}")


def _timing(policy: str, model_name: str, batch: int, width: int, n: int = 1024) -> str:
    import keras

    from deepcolor.models import registry
    from deepcolor.train.environment import load_average

    keras.mixed_precision.set_global_policy(policy)
    x = np.random.rand(n, 32, 32, 1).astype("float32")
    y = np.random.uniform(-1, 1, (n, 32, 32, 3)).astype("float32")
    model = registry.build(model_name, input_size=32, base_filters=width)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    model.fit(x[:batch * 2], y[:batch * 2], batch_size=batch, epochs=1, verbose=0)  # compile
    start = time.time()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    train = time.time() - start
    start = time.time()
    model.predict(x, batch_size=batch, verbose=0)
    predict = time.time() - start
    return (f"{policy} {model_name} batch {batch} width {width}: train {train / n * 1000:.2f} "
            f"ms/img, predict {predict / n * 1000:.2f} ms/img; load {load_average():.2f}")


def _summary() -> Path:
    summary = {"describes": "results/unet_colorspace/README.md", "tables": {}, "checks": {}}
    for preset in ("cifar10", "default"):  # the tables committed today
        if not (RESULTS / preset / "config.json").exists():
            continue
        run = json.loads((RESULTS / preset / "config.json").read_text())
        summary["tables"][preset] = {
            "source": f"results/unet_colorspace/{preset}/table.csv",
            "command": run["command"], "precision": run["precision"],
            "environment": run["environment"], "config": run["config"]}
    for check in ("gray_psnr_check", "bn_momentum_check"):
        summary["checks"][check] = {"command": f"python -m benchmarks.unet000_checks "
                                               f"{check.split('_check')[0].replace('_', '-')}",
                                    "output": f"results/unet_colorspace/{check}.txt"}
    summary["checks"]["timing"] = {"notes": "results/unet_colorspace/timing/README.md",
                                   "machine": "results/unet_colorspace/timing/machine.json"}
    path = RESULTS / "config.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.unet000_checks",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="check", required=True)
    sub.add_parser("gray-psnr")
    bn = sub.add_parser("bn-momentum")
    bn.add_argument("folders", nargs="+")
    timing = sub.add_parser("timing")
    timing.add_argument("--policy", default="float32")
    timing.add_argument("--model", default="unet000_simple_rgb")
    timing.add_argument("--batch", type=int, default=128)
    timing.add_argument("--width", type=int, default=64)
    sub.add_parser("summary")
    args = parser.parse_args(argv)
    if args.check == "gray-psnr":
        print(_gray_psnr_report())
    elif args.check == "bn-momentum":
        _bn_momentum(args.folders)
    elif args.check == "timing":
        print(_timing(args.policy, args.model, args.batch, args.width), flush=True)
    else:
        print(_summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())

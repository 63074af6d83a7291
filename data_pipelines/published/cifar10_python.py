"""`cifar10-python:PATH` (report 000): CIFAR-10 as Krizhevsky publishes it for Python,
`cifar-10-batches-py/` with `data_batch_1` ... `data_batch_5`, `test_batch` and
`batches.meta` (pickled uint8 arrays). Its official split: the five data batches are
train (50,000), `test_batch` is test (10,000); validation is carved from train by path
hash, as for `cifar10-jpg` (report 000's 40k/10k/10k is validation_fraction=0.2).

The arrays are written once, losslessly, as PNGs under the data folder
(`train/<class>/<batch>_<index>.png`), atomically, and read from there like any
folder, so both data paths decode them with the code they use for every image.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from data_pipelines.layout import Layout, images_in, require_root
from data_pipelines.paths import data_dir

NAME = "cifar10-python"
EXPECTED = ("CIFAR-10's python version: cifar-10-batches-py/ with data_batch_1..5, test_batch "
            "and batches.meta")
BATCHES = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}


def _load(path: Path) -> dict:
    with open(path, "rb") as handle:
        return pickle.load(handle, encoding="bytes")


def _write(source: Path, target: Path) -> None:
    names = [n.decode() for n in _load(source / "batches.meta")[b"label_names"]]
    for split, batches in BATCHES.items():
        for batch in batches:
            data = _load(source / batch)
            pixels = np.asarray(data[b"data"], np.uint8).reshape(-1, 3, 32, 32)
            for index, (image, label) in enumerate(zip(pixels, data[b"labels"])):
                folder = target / split / names[label]
                folder.mkdir(parents=True, exist_ok=True)
                Image.fromarray(image.transpose(1, 2, 0)).save(folder / f"{batch}_{index:05d}.png")


def ensure_converted(source: Path) -> Path:
    key = hashlib.sha1(str(source.resolve()).encode()).hexdigest()[:10]
    target = data_dir() / f"{NAME}-{key}"
    if target.is_dir():
        return target
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        _write(source, partial)
        os.replace(partial, target)
    except OSError:
        if not target.is_dir():  # not a lost race with another process
            raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def open_layout(path) -> Layout:
    source = require_root(NAME, path, ["batches.meta", "test_batch"] + BATCHES["train"], EXPECTED)
    root = ensure_converted(source)
    return Layout(root, {"train": images_in(root, "train"), "test": images_in(root, "test")},
                  [], f"CIFAR-10's data_batch_1..5 (train) and test_batch (test), from {source}",
                  carve="path")

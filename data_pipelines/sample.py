"""`sample`: a tiny built-in dataset, so a training job runs offline on a fresh install.

The colour photographs that scikit-image and scikit-learn ship inside their wheels
(no pooch download needed), cut into square crops. Splits are by photo, so no photo
is in two splits:

    train       astronaut, coffee, rocket, motorcycle_left (skimage), china (sklearn)
    validation  chelsea (skimage)
    test        flower (sklearn)

Each photo gives CROPS_PER_PHOTO = 60 crops: side uniform in [0.3, 0.8] of the
photo's short side, position uniform, half mirrored, drawn from a generator seeded
by the photo's name (fixed, so the dataset never changes). Counts: train 300,
validation 60, test 60. Crops are square, so every resize mode gives the same image.
This is a stand-in for smoke tests and demos, not any report's data.
"""
from __future__ import annotations

import importlib.util
import zlib
from pathlib import Path
from typing import List, Tuple

import numpy as np
from PIL import Image

from data_pipelines.report import DataSourceError

# name: (package, path inside the package)
PHOTOS = {
    "astronaut": ("skimage", "data/astronaut.png"),
    "coffee": ("skimage", "data/coffee.png"),
    "rocket": ("skimage", "data/rocket.jpg"),
    "motorcycle_left": ("skimage", "data/motorcycle_left.png"),
    "china": ("sklearn", "datasets/images/china.jpg"),
    "chelsea": ("skimage", "data/chelsea.png"),
    "flower": ("sklearn", "datasets/images/flower.jpg"),
}
SPLIT_PHOTOS = {
    "train": ("astronaut", "coffee", "rocket", "motorcycle_left", "china"),
    "validation": ("chelsea",),
    "test": ("flower",),
}
CROPS_PER_PHOTO = 60
CROP_FRACTION = (0.3, 0.8)

# One crop: (photo path, top, left, side, flip)
Crop = Tuple[str, int, int, int, bool]


def photo_path(name: str) -> Path:
    """Where the installed package keeps the photo (found without importing it)."""
    package, relative = PHOTOS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataSourceError(f"sample: {package} is not installed, so photo {name!r} is missing")
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        raise DataSourceError(f"sample: {path} is missing from this {package} install "
                              f"(use folder:PATH or cifar10-jpg instead)")
    return path


def photo_crops(name: str) -> List[Crop]:
    """The fixed crops of one photo."""
    path = photo_path(name)
    with Image.open(path) as image:
        width, height = image.size
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    short = min(width, height)
    crops = []
    for _ in range(CROPS_PER_PHOTO):
        side = int(rng.uniform(*CROP_FRACTION) * short)
        top = int(rng.integers(0, height - side + 1))
        left = int(rng.integers(0, width - side + 1))
        crops.append((str(path), top, left, side, bool(rng.random() < 0.5)))
    return crops


def split_crops(split: str, seed: int = 0) -> List[Crop]:
    """All crops of a split, in an order shuffled by `seed` (so `limit` mixes photos)."""
    crops = [crop for name in SPLIT_PHOTOS[split] for crop in photo_crops(name)]
    order = np.random.default_rng(seed).permutation(len(crops))
    return [crops[i] for i in order]


def describe(split: str, count: int) -> str:
    photos = SPLIT_PHOTOS[split]
    return (f"sample: {count} crops of {len(photos)} photo{'s' * (len(photos) > 1)} shipped "
            f"with scikit-image/scikit-learn ({', '.join(photos)}); a stand-in, not report data")

"""Tiny fake copies of the reports' datasets in their published layouts (real folder
names, a real setid.mat, true grayscale copies, annotation PNGs, metadata folders)."""
import pickle
from pathlib import Path

import numpy as np
from PIL import Image

_counter = [0]


def colour(path: Path, size=(24, 20), fmt=None) -> Path:
    """A distinct, strongly coloured image (each call new content)."""
    _counter[0] += 1
    rng = np.random.default_rng(_counter[0])
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    pixels[..., 0] = 255 - pixels[..., 2] // 4  # far from gray
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format=fmt)
    return path


def gray_copy(source: Path, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as image:
        image.convert("L").save(path)
    return path


def fruits360(root: Path, train=(5, 4), test=(2, 2)) -> Path:
    base = root / "fruits-360_dataset" / "fruits-360"  # the archive's wrapper folders
    for cls, n_train, n_test in zip(("Apple Braeburn", "Banana"), train, test):
        for i in range(n_train):
            colour(base / "Training" / cls / f"{i}_100.jpg")
        for i in range(n_test):
            colour(base / "Test" / cls / f"r_{i}_100.jpg")
    colour(base / "test-multiple_fruits" / "apple_banana.jpg")
    (base / "Readme.md").write_text("Fruits-360")
    return root


def landscapes(root: Path, n=10) -> Path:
    base = root / "landscape Images"
    for i in range(n):
        gray_copy(colour(base / "color" / f"{i}.jpg"), base / "gray" / f"{i}.jpg")
    return root


def animals(root: Path, per_class=4) -> Path:
    base = root / "raw-img"
    for cls in ("cane", "gatto", "cavallo"):
        for i in range(per_class):
            colour(base / cls / f"OIP-{cls}{i}.jpeg")
    colour(base / "loose.jpg")
    return root


def kaggle_colorization(root: Path, train=8, test=3) -> Path:
    base = root / "data"
    for split, n in (("train", train), ("test", test)):
        for i in range(n):
            gray_copy(colour(base / f"{split}_color" / f"image{i:04d}.jpg"),
                      base / f"{split}_black" / f"image{i:04d}.jpg")
    return root


def ncd(root: Path, per_category=3) -> Path:
    base = root / "NCD"
    for cat in ("Apple", "Strawberry", "Tomato"):
        for i in range(per_category):
            gray_copy(colour(base / "ColorfulOriginal" / cat / f"{cat}{i}.jpg"),
                      base / "Gray" / cat / f"{cat}{i}.jpg")
    return root


def coco(root: Path, train=6, val=3) -> Path:
    for folder, n in (("train2017", train), ("val2017", val)):
        for i in range(n):
            colour(root / folder / f"{i + (0 if folder == 'train2017' else 500):012d}.jpg")
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    (root / "annotations" / "instances_val2017.json").write_text("{}")
    return root


def places365(root: Path, train=6, val=3, flat_only=False) -> Path:
    if not flat_only:
        for i in range(train):
            colour(root / "data_256" / "a" / ("abbey" if i % 2 else "airfield") / f"{i:08d}.jpg")
    for i in range(val):
        colour(root / "val_256" / f"Places365_val_{i + 1:08d}.jpg")
    return root


def ade20k(root: Path, train=6, val=3) -> Path:
    base = root / "ADEChallengeData2016"
    for split, n in (("training", train), ("validation", val)):
        for i in range(n):
            name = f"ADE_{split[:5]}_{i + 1:08d}"
            colour(base / "images" / split / f"{name}.jpg")
            colour(base / "images" / split / f"{name}_seg.png", fmt="PNG")  # a mask beside
            colour(base / "annotations" / split / f"{name}.png", fmt="PNG")
    return root


def mirflickr(root: Path, n=12, grays=2) -> Path:
    base = root / "mirflickr"
    for i in range(1, n + 1):
        path = colour(base / f"im{i}.jpg")
        if i <= grays:
            gray_copy(path, path)  # a grayscale photo, as MIRFLICKR holds some
    (base / "meta" / "tags").mkdir(parents=True)
    (base / "meta" / "tags" / "tags1.txt").write_text("sky\n")
    colour(base / "meta" / "thumb.jpg")  # not a photo of the set
    (base / "doc").mkdir()
    (base / "doc" / "README.txt").write_text("MIRFLICKR-25000")
    return root


def flowers102(root: Path, ids=None) -> Path:
    import scipy.io

    ids = ids or {"trnid": [1, 2, 3], "valid": [4, 5], "tstid": [6, 7, 8, 9]}
    for i in range(1, 11):  # image 10 is in no list
        colour(root / "jpg" / f"image_{i:05d}.jpg")
    colour(root / "segmim" / "segmim_00001.jpg")
    scipy.io.savemat(root / "setid.mat", {k: np.array([v]) for k, v in ids.items()})
    return root


def cifar10_python(root: Path, per_batch=2) -> Path:
    base = root / "cifar-10-batches-py"
    base.mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = [f"batch_{i}" for i in range(1, 6)]
    for name in [f"data_{n}" for n in names] + ["test_batch"]:
        data = {b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                b"labels": [i % 2 for i in range(per_batch)]}
        (base / name).write_bytes(pickle.dumps(data))
    (base / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"airplane", b"cat"]}))
    return root

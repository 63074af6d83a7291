"""Where datasets are unpacked and where validation results are cached.

Both live in the repository's git-ignored `data/` folder (or `DEEPCOLOR_DATA_DIR`),
so nothing is ever written next to a user's images (their folder may be read-only,
as ../shared/datasets is).
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """`DEEPCOLOR_DATA_DIR`, else `<repo>/data` for a checkout, else ~/.cache/deepcolor."""
    env = os.environ.get("DEEPCOLOR_DATA_DIR")
    if env:
        return Path(env).expanduser()
    if (REPO_ROOT / "setup.cfg").exists():
        return REPO_ROOT / "data"
    # An installed (non-editable) package: never write into site-packages.
    return Path.home() / ".cache" / "deepcolor"


def cifar10_tar() -> Path:
    """`DEEPCOLOR_CIFAR10_TAR`, else ../shared/datasets/cifar10-jpg.tar.gz beside the repo."""
    env = os.environ.get("DEEPCOLOR_CIFAR10_TAR")
    if env:
        return Path(env).expanduser()
    return REPO_ROOT.parent / "shared" / "datasets" / "cifar10-jpg.tar.gz"


def photos_tar() -> Path:
    """`DEEPCOLOR_PHOTOS_TAR`, else ../shared/datasets/real-photos.tar beside the repo."""
    env = os.environ.get("DEEPCOLOR_PHOTOS_TAR")
    if env:
        return Path(env).expanduser()
    return REPO_ROOT.parent / "shared" / "datasets" / "real-photos.tar"

"""Where datasets are unpacked and where validation results are cached.

Both live in one data folder: `DEEPCOLOR_DATA`, else the repository's git-ignored
`data/`, so nothing is ever written next to a user's images (their folder may be
read-only, as ../shared/datasets is). The report datasets a preset reads
(`$DEEPCOLOR_DATA/mirflickr25k`, ...) live there too: one variable for all data.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """`DEEPCOLOR_DATA`, else `<repo>/data` for a checkout, else ~/.cache/deepcolor.

    The old name `DEEPCOLOR_DATA_DIR` still works, with a deprecation warning."""
    env = os.environ.get("DEEPCOLOR_DATA")
    if not env and os.environ.get("DEEPCOLOR_DATA_DIR"):
        warnings.warn("DEEPCOLOR_DATA_DIR is deprecated; set DEEPCOLOR_DATA", DeprecationWarning,
                      stacklevel=2)
        env = os.environ["DEEPCOLOR_DATA_DIR"]
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

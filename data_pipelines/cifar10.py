"""`cifar10-jpg`: the offline copy of CIFAR-10 in ../shared/datasets, unpacked once.

The archive (see ../shared/datasets/README.md) holds train/<class>/NNNN.jpg (50,000)
and test/<class>/NNNN.jpg (10,000), JPEG-re-encoded at quality about 75, so losses
are close to but not identical with those on tfds' CIFAR-10 arrays. It is unpacked
into `data_dir()/cifar10-jpg` and then read as `folder:`. Report 000 (section 2,
"Problem Specification") uses 40k/10k/10k: `validation_fraction=0.2` of train.
"""
from __future__ import annotations

from pathlib import Path

from data_pipelines.archive import extract_once
from data_pipelines.paths import cifar10_tar, data_dir

NAME = "cifar10-jpg"
DESCRIPTION = "CIFAR-10 (Krizhevsky 2009) re-encoded as JPEG quality ~75 (../shared/datasets)"


def ensure_extracted() -> Path:
    """The unpacked folder, extracting the archive on first use (atomically)."""
    return extract_once(NAME, cifar10_tar(), data_dir() / NAME,
                        "set DEEPCOLOR_CIFAR10_TAR to cifar10-jpg.tar.gz, use tfds:cifar10 "
                        "online, or `sample` offline")

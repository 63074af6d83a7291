"""`cifar10-jpg`: the offline copy of CIFAR-10 in ../shared/datasets, unpacked once.

The archive (see ../shared/datasets/README.md) holds train/<class>/NNNN.jpg (50,000)
and test/<class>/NNNN.jpg (10,000), JPEG-re-encoded at quality about 75, so losses
are close to but not identical with those on tfds' CIFAR-10 arrays. It is unpacked
into `data_dir()/cifar10-jpg` and then read as `folder:`. Report 000 (section 2,
"Problem Specification") uses 40k/10k/10k: `validation_fraction=0.2` of train.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from data_pipelines.paths import cifar10_tar, data_dir
from data_pipelines.report import DataSourceError

NAME = "cifar10-jpg"
DESCRIPTION = "CIFAR-10 (Krizhevsky 2009) re-encoded as JPEG quality ~75 (../shared/datasets)"


def _extract(archive: Path, target: Path) -> None:
    # GNU tar unpacks the 60,000 files in about 3 s, Python's tarfile in about 16 s.
    if shutil.which("tar"):
        subprocess.run(["tar", "-xzf", str(archive), "-C", str(target), "--no-same-owner"],
                       check=True, capture_output=True)
    else:
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")


def ensure_extracted() -> Path:
    """The unpacked folder, extracting the archive on first use.

    Extraction goes to a private temporary folder renamed into place at the end, so
    an interrupted or concurrent first run never leaves a half-filled folder behind.
    """
    target = data_dir() / NAME
    if target.is_dir():
        return target
    archive = cifar10_tar()
    if not archive.is_file():
        raise DataSourceError(
            f"{NAME}: archive not found at {archive} (set DEEPCOLOR_CIFAR10_TAR to "
            f"cifar10-jpg.tar.gz, use tfds:cifar10 online, or `sample` offline)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{NAME}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        _extract(archive, partial)
        os.replace(partial, target)
    except OSError:
        if not target.is_dir():  # not a lost race with another process: a real failure
            raise
    except subprocess.CalledProcessError as error:
        raise DataSourceError(f"{NAME}: could not unpack {archive}: "
                              f"{error.stderr.decode(errors='replace')}") from error
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target

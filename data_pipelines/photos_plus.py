"""`photos-plus`: `photos` with more training photographs (issue 24).

The train split is `photos`' train split plus every photo in `data_dir()/extra-photos`
(built by `python -m benchmarks.training_photos`: photographs from Debian packages
that are sources neither of `photos` nor of the held-out set); the validation and
test splits are exactly `photos`' (the same file-name hash rule), so a run on
`photos-plus` is scored on the same photos as a run on `photos`.
"""
from __future__ import annotations

from pathlib import Path

from data_pipelines import photos
from data_pipelines.folder import list_images, split_entries
from data_pipelines.layout import Layout
from data_pipelines.paths import data_dir
from data_pipelines.report import DataSourceError

NAME = "photos-plus"
EXTRA_FOLDER = "extra-photos"
BUILD_HINT = "python -m benchmarks.training_photos --debs DIR --download"


class PhotosPlusLayout(Layout):
    """Files are relative to the data folder: `real-photos/...` and `extra-photos/...`."""

    def select(self, split, validation_fraction, test_fraction):
        chosen, how = split_entries(self.pools["photos"], split, validation_fraction,
                                    test_fraction)
        entries = [(f"{photos.FOLDER}/{rel}", *rest) for rel, *rest in chosen]
        if split != "train":
            return entries, f"{how} (the photos split)"
        extra = [(f"{EXTRA_FOLDER}/{rel}", *rest) for rel, *rest in self.pools["extra"]]
        return entries + extra, f"{how}, + {len(extra)} training photos from {EXTRA_FOLDER}"


def open_layout(_argument: str = "") -> PhotosPlusLayout:
    """The layout, unpacking `photos` if needed; one line if extra-photos is missing."""
    real = photos.ensure_extracted()
    root = data_dir()
    extra_root = root / EXTRA_FOLDER
    extra = list_images(extra_root) if extra_root.is_dir() else []
    if not extra:
        raise DataSourceError(f"{NAME}: no photos in {extra_root}; build them with {BUILD_HINT} "
                              f"(or use `photos`)")
    if Path(real).resolve().parent != root.resolve():
        raise DataSourceError(f"{NAME}: {real} is not in the data folder {root}")
    return PhotosPlusLayout(root, {"photos": list_images(real), "extra": extra},
                            how=f"{NAME}: photos + {EXTRA_FOLDER}")


def describe(layout: PhotosPlusLayout) -> str:
    return (f"{NAME}: {photos.describe(layout.root / photos.FOLDER)}, plus "
            f"{len(layout.pools['extra'])} training photos in {layout.root / EXTRA_FOLDER} "
            f"(packages and licences in its MANIFEST.tsv)")

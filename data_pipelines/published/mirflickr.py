"""`mirflickr25k:PATH` (report 004): MIRFLICKR-25K as published, `mirflickr/im1.jpg` ...
`im25000.jpg`, with `meta/` and `doc/` beside the photos (text; any image there is
not a photo of the set and is left out). No official split: content-hash split.
Grayscale photos are dropped by the preset (`drop_grayscale`, as report 004 did) and
counted in the SourceReport.
"""
from __future__ import annotations

import re
from pathlib import Path

from data_pipelines.layout import Layout, LayoutError, images_in

NAME = "mirflickr25k"
EXPECTED = "MIRFLICKR-25K as published: mirflickr/im1.jpg ... im25000.jpg (with meta/, doc/)"
PHOTO = re.compile(r"im\d+\.jpg")


def _photos_folder(root: Path):
    for folder in (root, root / "mirflickr"):
        if folder.is_dir() and any(PHOTO.fullmatch(p.name) for p in folder.iterdir()):
            return folder
    return None


def open_layout(path) -> Layout:
    given = Path(path).expanduser()
    root = _photos_folder(given) if given.is_dir() else None
    if root is None:
        raise LayoutError(NAME, given, EXPECTED,
                          "no such folder" if not given.is_dir() else "no im<N>.jpg photos")
    photos, excluded = [], []
    for entry in images_in(root):
        if PHOTO.fullmatch(entry[0]):
            photos.append(entry)
        else:
            excluded.append((entry[0], "not a MIRFLICKR photo (meta/, doc/ or other)"))
    return Layout(root, {"all": photos}, excluded, f"{len(photos)} im<N>.jpg photos")

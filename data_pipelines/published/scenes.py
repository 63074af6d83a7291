"""Report 003's scene datasets, each with its official train/validation split:

* `coco:PATH`: COCO 2017, `train2017/*.jpg` and `val2017/*.jpg` (`annotations/` holds
  JSON, no images; `test2017/`, unlabelled, is left out).
* `places365:PATH`: Places365, class folders (`data_256/<letter>/<class>/`, or
  `train/<class>/` in the easy format) and/or the flat `val_256/` (or `val/`).
* `ade20k:PATH`: ADE20K, `images/training/` and `images/validation/` (the
  ADEChallengeData2016 layout, or the full release's `images/ADE/...`); the PNGs
  there and in `annotations/` are segmentation masks, not photographs: left out.

Alone, each gives train = its training set (validation carved by content hash) and
test = its official validation set. With only one of the two folders, that one is
split by content hash. `deepcolor003` combines the three as the report did.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, NamedTuple, Optional, Tuple

from data_pipelines.folder import FileEntry
from data_pipelines.layout import Layout, LayoutError, find_root, images_in


class Official(NamedTuple):
    root: Path
    train: List[FileEntry]
    held_out: List[FileEntry]  # the official validation set ([] when absent)
    excluded: List[Tuple[str, str]]
    how: str


def _find(source: str, path, candidates, expected: str) -> Tuple[Path, List[str]]:
    root = Path(path).expanduser()
    if root.is_dir():
        for folder in candidates:
            found = find_root(root, (folder,))
            if found is not None:
                return found, [c for c in candidates if (found / c).is_dir()]
    raise LayoutError(source, root, expected,
                      "no such folder" if not root.is_dir() else "none of its folders")


def _masks(entries) -> Tuple[List[FileEntry], List[Tuple[str, str]]]:
    """ADE20K's PNGs (and any PNG among these JPEG photo sets) are annotation masks."""
    photos = [e for e in entries if not e[0].lower().endswith(".png")]
    return photos, [(e[0], "annotation mask (PNG)") for e in entries if e not in photos]


class Coco:
    NAME = "coco"
    EXPECTED = "COCO 2017: train2017/*.jpg and/or val2017/*.jpg"

    @classmethod
    def official(cls, path) -> Official:
        root, present = _find(cls.NAME, path, ("train2017", "val2017"), cls.EXPECTED)
        excluded = [(rel, "test2017/ is not used") for rel, _, _ in images_in(root, "test2017")]
        return Official(root, images_in(root, "train2017"), images_in(root, "val2017"),
                        excluded, "COCO " + " and ".join(f"{p}/" for p in present))


class Places365:
    NAME = "places365"
    EXPECTED = ("Places365: class folders data_256/<letter>/<class>/ (or train/<class>/) "
                "and/or a flat val_256/ (or val/)")
    TRAIN, HELD_OUT = ("data_256", "train"), ("val_256", "val")

    @classmethod
    def official(cls, path) -> Official:
        root, present = _find(cls.NAME, path, cls.TRAIN + cls.HELD_OUT, cls.EXPECTED)
        train = [e for folder in cls.TRAIN for e in images_in(root, folder)]
        held_out = [e for folder in cls.HELD_OUT for e in images_in(root, folder)]
        excluded = [(rel, "test_256/ is not used") for rel, _, _ in images_in(root, "test_256")]
        return Official(root, train, held_out, excluded,
                        "Places365 " + " and ".join(f"{p}/" for p in present))


class Ade20k:
    NAME = "ade20k"
    EXPECTED = ("ADE20K: images/training/ and images/validation/ (JPEG photos; the PNG "
                "annotation masks are left out)")
    IMAGES = ("images/training", "images/validation", "images/ADE/training",
              "images/ADE/validation")

    @classmethod
    def official(cls, path) -> Official:
        root, present = _find(cls.NAME, path, cls.IMAGES, cls.EXPECTED)
        base = "images/ADE" if any("ADE" in p for p in present) else "images"
        train, masks = _masks(images_in(root, f"{base}/training"))
        held_out, more = _masks(images_in(root, f"{base}/validation"))
        notes = [(rel, "annotation mask (PNG)") for rel, _, _ in images_in(root, "annotations")]
        return Official(root, train, held_out, masks + more + notes,
                        f"ADE20K {base}/training/ and {base}/validation/")


def standalone(kind, path) -> Layout:
    found = kind.official(path)
    if found.train and found.held_out:
        pools = {"train": found.train, "test": found.held_out}
        how = f"{found.how}: the official validation set is the test split"
    else:
        pools, how = {"all": found.train or found.held_out}, found.how
    return Layout(found.root, pools, found.excluded, how)


def _source(kind):
    class Source:
        NAME, EXPECTED = kind.NAME, kind.EXPECTED

        @staticmethod
        def open_layout(path) -> Layout:
            return standalone(kind, path)
    return Source


COCO, PLACES365, ADE20K = _source(Coco), _source(Places365), _source(Ade20k)
KINDS = (Coco, Places365, Ade20k)


def by_name(name: str) -> Optional[type]:
    return next((kind for kind in KINDS if kind.NAME == name), None)

"""`animals:PATH` (report 001): an animal photo set in class folders, `<class>/*.jpg`
(Kaggle's sets ship so, some inside one wrapper folder such as `raw-img/`).

No official split: content-hash split of all class folders. Images lying loose
beside the class folders are left out and counted.
"""
from __future__ import annotations

from pathlib import Path

from data_pipelines.layout import Layout, LayoutError, class_folders, images_in

NAME = "animals"
EXPECTED = "class folders of photos: <class>/*.jpg, at least two classes"
GRAY_NAMES = ("gray", "grey", "grayscale", "black")


def _classes_root(root: Path):
    """root, or the one wrapper folder below it, holding two or more class folders."""
    for _ in range(3):
        if not root.is_dir():
            return None
        classes = [c for c in class_folders(root) if images_in(root / c)]
        if len(classes) >= 2:
            return root
        if len(classes) != 1:
            return None
        root = root / classes[0]
    return None


def open_layout(path) -> Layout:
    given = Path(path).expanduser()
    root = _classes_root(given)
    if root is None:
        raise LayoutError(NAME, given, EXPECTED,
                          "no such folder" if not given.is_dir() else "not two class folders")
    grays = [c for c in class_folders(root) if c.lower() in GRAY_NAMES or c.endswith("_black")]
    if grays:  # a colour/gray pair (landscapes:, ncd:) is not two classes
        raise LayoutError(NAME, given, EXPECTED, f"{grays[0]}/ holds gray copies, not a class")
    entries, excluded = [], []
    for rel, size, mtime in images_in(root):
        if "/" in rel:
            entries.append((rel, size, mtime))
        else:
            excluded.append((rel, "not in a class folder"))
    return Layout(root, {"all": entries}, excluded,
                  f"{len(class_folders(root))} class folders")


"""Datasets that ship each photo twice, in colour and as a gray copy: only the colour
files are images; the gray copies are left out (never targets) and counted.

* `landscapes:PATH` (report 001): Kaggle's landscape colorization set, `color/` and
  `gray/` side by side with the same file names; content-hash split of color/.
* `kaggle-colorization:PATH` (report 002, dataset 1): Kaggle's image-colorization set,
  `train_color/`, `train_black/`, `test_color/`, `test_black/`; its train/test split,
  validation carved from train_color/ by content hash.
* `ncd:PATH` (report 002, dataset 2): the Natural-Color Dataset, 723 photos in 20
  category folders, in a colour folder beside a gray one; content-hash split.
"""
from __future__ import annotations

from pathlib import Path

from data_pipelines.layout import (Layout, LayoutError, class_folders, find_root, images_in,
                                   require_root)

GRAY = "gray copy"


def _gray(root: Path, folders) -> list:
    return [(rel, GRAY) for folder in folders for rel, _, _ in images_in(root, folder)]


def _others(root: Path, known) -> list:
    return [(rel, f"not part of the dataset ({folder}/)") for folder in class_folders(root)
            if folder not in known for rel, _, _ in images_in(root, folder)]


class Landscapes:
    NAME = "landscapes"
    EXPECTED = "Kaggle's landscape set: color/*.jpg beside gray/*.jpg (the gray copies)"

    @classmethod
    def open_layout(cls, path) -> Layout:
        root = require_root(cls.NAME, path, ("color",), cls.EXPECTED)
        excluded = _gray(root, ["gray"]) + _others(root, ("color", "gray"))
        return Layout(root, {"all": images_in(root, "color")}, excluded,
                      "color/ only (gray/ holds gray copies)")


class KaggleColorization:
    NAME = "kaggle-colorization"
    EXPECTED = ("Kaggle's image-colorization set: train_color/, train_black/, test_color/, "
                "test_black/")
    FOLDERS = ("train_color", "train_black", "test_color", "test_black")

    @classmethod
    def open_layout(cls, path) -> Layout:
        root = require_root(cls.NAME, path, ("train_color", "test_color"), cls.EXPECTED)
        excluded = _gray(root, ["train_black", "test_black"]) + _others(root, cls.FOLDERS)
        return Layout(root, {"train": images_in(root, "train_color"),
                             "test": images_in(root, "test_color")}, excluded,
                      "train_color/ and test_color/ (the *_black/ gray copies are inputs we "
                      "derive, not read)")


class NaturalColor:
    NAME = "ncd"
    EXPECTED = ("the Natural-Color Dataset: a colour folder (ColorfulOriginal/ or color/) of "
                "category folders beside its gray copies (Gray/ or gray/)")
    COLOUR = ("ColorfulOriginal", "Colorful", "color", "colour", "Color", "Original")
    GRAYS = ("Gray", "gray", "Grey", "grey", "Grayscale", "grayscale")

    @classmethod
    def open_layout(cls, path) -> Layout:
        root = Path(path).expanduser()
        for colour in cls.COLOUR:
            found = root.is_dir() and find_root(root, (colour,))
            if found:
                grays = [g for g in cls.GRAYS if (found / g).is_dir()]
                excluded = _gray(found, grays) + _others(found, (colour, *grays))
                return Layout(found, {"all": images_in(found, colour)}, excluded,
                              f"{colour}/ only ({', '.join(grays) or 'no'} gray copies)")
        raise LayoutError(cls.NAME, root, cls.EXPECTED,
                          "no such folder" if not root.is_dir() else "no colour folder")


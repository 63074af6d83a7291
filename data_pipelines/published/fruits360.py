"""`fruits360:PATH`: Fruits-360 (report 001) with its official Training/ and Test/ split.

Published as `Training/<class>/*.jpg` and `Test/<class>/*.jpg` (100x100), often inside
a wrapper folder (`fruits-360_dataset/fruits-360/`); a `test-multiple_fruits/` folder
of multi-fruit photos is not part of the split and is left out. Validation is carved
from Training/ by content hash; Test/ is the test split, whole.
"""
from __future__ import annotations

from data_pipelines.layout import Layout, class_folders, images_in, require_root

NAME = "fruits360"
EXPECTED = "Fruits-360 as published: Training/<class>/*.jpg and Test/<class>/*.jpg"
SPLIT_FOLDERS = ("Training", "Test")


def open_layout(path) -> Layout:
    root = require_root(NAME, path, SPLIT_FOLDERS, EXPECTED)
    excluded = [(rel, f"not in the official split ({folder}/)")
                for folder in class_folders(root) if folder not in SPLIT_FOLDERS
                for rel, _, _ in images_in(root, folder)]
    return Layout(root, {"train": images_in(root, "Training"), "test": images_in(root, "Test")},
                  excluded, "Fruits-360's Training/ and Test/ folders")

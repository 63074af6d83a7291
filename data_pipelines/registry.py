"""Every data source, in one table that both data paths (`pipeline`, `arrays`), the data
check and every message listing sources read. Adding a source is a module and a line.

A spec is `NAME` (cifar10-jpg, photos, sample) or `NAME:ARGUMENT` (a path; for `tfds`,
`NAME[:SPLIT]`). File sources `open` to a `layout.Layout` (the files of each split and
what was left out) and a description; `sample` and `tfds` have their own loaders.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable, Optional, Tuple

from data_pipelines import cifar10, photos, photos_plus
from data_pipelines.layout import Layout, folder_layout
from data_pipelines.published import (animals, cifar10_python, deepcolor003, flowers102,
                                      fruits360, mirflickr, paired, scenes)
from data_pipelines.report import DataSourceError


@dataclasses.dataclass(frozen=True)
class Source:
    name: str
    kind: str  # "files", "sample" or "tfds"
    what: str  # the dataset, or the layout a path must have
    takes_path: bool = False
    opener: Optional[Callable] = None  # files: argument -> (Layout, description)

    @property
    def usage(self) -> str:
        if self.kind == "tfds":
            return "tfds:NAME[:SPLIT]"
        return f"{self.name}:PATH" if self.takes_path else self.name

    def open(self, argument: str) -> Tuple[Layout, str]:
        return self.opener(argument)


def _published(module) -> Source:
    def opener(argument):
        layout = module.open_layout(argument)
        return layout, f"{module.NAME}:{argument} ({module.EXPECTED.split(':')[0]})"
    return Source(module.NAME, "files", module.EXPECTED, True, opener)


def _folder(argument):
    return folder_layout(argument, f"folder:{argument}"), f"folder:{argument}"


def _cifar10_jpg(_):
    return folder_layout(cifar10.ensure_extracted(), cifar10.NAME), cifar10.DESCRIPTION


def _photos(_):
    root = photos.ensure_extracted()
    return folder_layout(root, photos.NAME), photos.describe(root)


def _photos_plus(_):
    layout = photos_plus.open_layout()
    return layout, photos_plus.describe(layout)


SOURCES = {source.name: source for source in (
    Source("tfds", "tfds", "a TensorFlow Datasets dataset (tf.data path only)", True),
    Source("folder", "files", "any folder of images (train/ and test/ folders are the split)",
           True, _folder),
    Source(cifar10.NAME, "files", "CIFAR-10 as JPEGs from ../shared/datasets", False,
           _cifar10_jpg),
    Source(photos.NAME, "files", "362 real photographs from ../shared/datasets", False, _photos),
    Source(photos_plus.NAME, "files", "photos, with more training photos (benchmarks."
           "training_photos)", False, _photos_plus),
    Source("sample", "sample", "photos shipped inside scikit-image and scikit-learn"),
    _published(cifar10_python),
    _published(flowers102),
    _published(fruits360),
    _published(paired.Landscapes),
    _published(animals),
    _published(paired.KaggleColorization),
    _published(paired.NaturalColor),
    _published(scenes.COCO),
    _published(scenes.PLACES365),
    _published(scenes.ADE20K),
    _published(deepcolor003),
    _published(mirflickr),
)}


def describe(description, split, paths, how, skipped, layout) -> str:
    """The SourceReport description of a file source (both data paths)."""
    text = f"{description}: {len(paths)} {split} images ({how})"
    if skipped:
        text += f", {len(skipped)} bad files skipped"
    left_out = layout.exclusion_counts()
    if left_out:
        text += ", left out: " + "; ".join(f"{n} {why}" for why, n in left_out.items())
    return text


def names(tf_data: bool = True) -> str:
    """The sources a message lists, e.g. 'tfds:NAME[:SPLIT], folder:PATH, ... or sample'."""
    usages = [s.usage for s in SOURCES.values() if tf_data or s.kind != "tfds"]
    return ", ".join(usages[:-1]) + " or " + usages[-1]


def lookup(spec: str) -> Tuple[Source, str]:
    """(the Source, its argument) of a spec; an unknown or incomplete spec is an error."""
    name, colon, argument = spec.partition(":")
    source = SOURCES.get(name)
    if source is not None and source.takes_path and not argument:
        raise DataSourceError(f"bad source {spec!r}: expected {source.usage} ({source.what})")
    if source is None or (colon and not source.takes_path):
        raise DataSourceError(f"unknown data source {spec!r}; use {names()}")
    return source, argument


def path_of(spec: str) -> Optional[Path]:
    """The folder a path-taking file source reads, or None."""
    source, argument = lookup(spec)
    return Path(argument).expanduser() if source.kind == "files" and source.takes_path else None

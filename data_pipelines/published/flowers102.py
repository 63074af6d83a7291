"""`flowers102:PATH` (report 000): Oxford Flowers 102 as published by the VGG group,
`jpg/image_00001.jpg` ... `image_08189.jpg` and `setid.mat`, whose `trnid`, `valid`
and `tstid` (1-based image ids) are the official 1,020 / 1,020 / 6,149 split (the one
TFDS `oxford_flowers102` gives). Images in no list, and other folders (`segmim/`),
are left out and counted; an id with no file is reported as missing.
"""
from __future__ import annotations

from data_pipelines.layout import Layout, LayoutError, class_folders, images_in, require_root

NAME = "flowers102"
EXPECTED = "Oxford Flowers 102 as published: jpg/image_NNNNN.jpg and setid.mat"
KEYS = {"train": "trnid", "validation": "valid", "test": "tstid"}


def _ids(root):
    import scipy.io

    try:
        mat = scipy.io.loadmat(str(root / "setid.mat"))
        return {split: [int(i) for i in mat[key].ravel()] for split, key in KEYS.items()}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise LayoutError(NAME, root, EXPECTED + " (setid.mat with trnid, valid, tstid)",
                          f"setid.mat unreadable: {type(error).__name__}") from error


def open_layout(path) -> Layout:
    root = require_root(NAME, path, ("jpg", "setid.mat"), EXPECTED)
    files = {rel: (rel, size, mtime) for rel, size, mtime in images_in(root, "jpg")}
    pools, listed, excluded = {}, set(), []
    for split, ids in _ids(root).items():
        names = [f"jpg/image_{i:05d}.jpg" for i in ids]
        pools[split] = [files[n] for n in names if n in files]
        excluded += [(n, "listed in setid.mat, no such file") for n in names if n not in files]
        listed.update(names)
    excluded += [(rel, "in no setid.mat list") for rel in files if rel not in listed]
    excluded += [(rel, f"not a flower photo ({folder}/)") for folder in class_folders(root)
                 if folder != "jpg" for rel, _, _ in images_in(root, folder)]
    return Layout(root, pools, excluded, "setid.mat's trnid/valid/tstid")

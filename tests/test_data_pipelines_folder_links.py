"""`folder:PATH` with symbolic links: a link loop, broken links and a second path to
the same folder must neither abort nor duplicate; a linked outside folder is read."""
import numpy as np
import pytest
from PIL import Image

from data_pipelines import load_images
from data_pipelines.folder import list_images


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPCOLOR_DATA", str(tmp_path / "data_dir"))


def _image(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((12, 12, 3), value, np.uint8)).save(path)


def test_link_loop_broken_links_and_aliases_are_survived(tmp_path):
    root = tmp_path / "imgs"
    _image(root / "a.png", 10)
    _image(root / "real" / "b.png", 20)
    _image(tmp_path / "outside" / "c.png", 30)
    (root / "loop").mkdir()
    (root / "loop" / "up").symlink_to("..")                # loop back to the root
    (root / "self").symlink_to(".")                         # loop on the spot
    (root / "alias").symlink_to("real")                     # second path to real/
    (root / "broken.png").symlink_to(tmp_path / "missing.png")
    (root / "broken_dir").symlink_to(tmp_path / "missing_dir")
    (root / "linked").symlink_to(tmp_path / "outside")      # a folder outside the tree
    names = [rel for rel, _, _ in list_images(root)]
    assert names == ["a.png", "linked/c.png", "real/b.png"]
    images, report = load_images(f"folder:{root}", "train", image_size=8,
                                 validation_fraction=0, test_fraction=0, cache=False)
    assert report.num_images == 3 == len(list(images))
    assert report.skipped == []

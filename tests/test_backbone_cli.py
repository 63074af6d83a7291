"""`deepcolor backbone --classify` is a registered command that prints ImageNet class
names (shipped in deepcolor/assets), and user-facing text carries no internal words."""
import numpy as np
import pytest
from PIL import Image

from deepcolor import cli
from deepcolor.cli import backbone


def test_the_class_names_ship_with_the_package():
    names = backbone.class_names()
    assert len(names) == 1000 and len(set(names)) > 990
    assert names[0] == "tench" and names[967] == "espresso"


def test_backbone_is_a_registered_command_printing_names(tmp_path, capsys):
    skimage_data = pytest.importorskip("skimage.data")
    Image.fromarray(skimage_data.chelsea()).save(tmp_path / "cat.png")
    assert cli.main(["backbone", "--classify", str(tmp_path / "cat.png"), "--top", "2"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith(str(tmp_path / "cat.png"))
    assert "(28" in line and any(word in line.lower() for word in ("cat", "tabby", "mau"))


def test_backbone_misuse_is_one_line(capsys):
    assert cli.main(["backbone", "--classify", "x.png", "--top", "0"]) == 2
    assert cli.main(["backbone"]) == 2
    assert cli.main(["backbone", "--classify", "x.png", "--arch", "efficientnet_lite5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "efficientnet_lite0, efficientnet_lite2" in err[-1]
    assert len(err) == 3 and all(line.startswith("deepcolor backbone: error:") for line in err)


def test_no_internal_words_in_the_models_table():
    from deepcolor import models

    for name in models.names():
        spec = models.get(name)
        for text in (spec.section, spec.description):
            assert "issue " not in text.lower(), (name, text)

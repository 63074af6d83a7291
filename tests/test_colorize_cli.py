"""`deepcolor colorize` out of the box (issue 14): the shipped model by default, run
folders, output formats, outputs checked before loading, progress, a quiet start-up,
`deepcolor --version`, and `deepcolor export`."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from deepcolor import cli
from deepcolor.cli import colorize
from deepcolor.serving import api, export
from tests.test_api import fast_shipped, make_run  # noqa: F401  (fixture)

TF_STARTUP_LINES = ("oneDNN custom operations", "Could not find cuda drivers",
                    "This TensorFlow binary is optimized", "cuInit", "absl::InitializeLog")


def _photo(path, size=(40, 30), seed=0):
    y, x = np.mgrid[0:size[1], 0:size[0]]
    rgb = np.stack([x * 5 % 256, y * 7 % 256, (x + y + seed) % 256], -1).astype(np.uint8)
    Image.fromarray(rgb).save(path)
    return path


def test_default_model_is_the_shipped_one_and_named(tmp_path, monkeypatch, capsys, fast_shipped):
    _photo(tmp_path / "photo.jpg")
    monkeypatch.chdir(tmp_path)
    assert colorize.main(["photo.jpg"]) == 0
    captured = capsys.readouterr()
    model_line = captured.out.splitlines()[0]
    assert model_line.startswith("model: shipped colorizer effnet_unet (EfficientNet-Lite0")
    assert "experiments.pretrained_colorizer" in model_line
    with Image.open(tmp_path / "colorized" / "photo.png") as image:  # default --out
        assert image.size == (40, 30)
    assert captured.err.startswith("1/1 photo.jpg ") and captured.err.strip().endswith(" s")


def test_run_folder_as_model_and_stand_in_warning(tmp_path, capsys):
    stamp = make_run(tmp_path, preset="smoke", stand_in="24 synthetic images")
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(3):
        _photo(photos / f"p{i}.png", seed=i)
    assert colorize.main([str(photos), "--model", str(stamp), "--out",
                          str(tmp_path / "o")]) == 0
    captured = capsys.readouterr()
    assert "model: model tiny_lab from" in captured.out
    errors = captured.err.splitlines()
    assert errors[0].startswith("warning: this model is a stand-in")
    assert errors[1].startswith("1/3 ") and "photos/s" in errors[1] and "left)" in errors[1]
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["p0.png", "p1.png", "p2.png"]


@pytest.mark.parametrize("fmt,pil_format", [("png", "PNG"), ("jpg", "JPEG"), ("webp", "WEBP")])
def test_formats_write_their_file_type(tmp_path, fmt, pil_format):
    stamp = make_run(tmp_path)
    _photo(tmp_path / "a.png")
    extra = ["--quality", "70"] if fmt != "png" else []
    assert colorize.main([str(tmp_path / "a.png"), "--model", str(stamp), "--out",
                          str(tmp_path / "o"), "--format", fmt, "--compare", *extra]) == 0
    for name in (f"a.{fmt}", f"a_compare.{fmt}"):
        with Image.open(tmp_path / "o" / name) as image:
            assert image.format == pil_format
    with Image.open(tmp_path / "o" / f"a_compare.{fmt}") as strip:
        assert strip.size[0] == 120 and strip.size[1] > 30  # three panels under their captions


def test_compare_strip_has_a_caption_band_over_untouched_panels():
    image = np.random.default_rng(0).integers(0, 256, (60, 50, 3), dtype=np.uint8)
    colorized = np.full_like(image, 200)
    strip = colorize.compare_strip(image, colorized)
    band = strip.shape[0] - 60
    assert band > 0 and strip.shape[1] == 150
    np.testing.assert_array_equal(strip[band:, 50:100], colorized)
    np.testing.assert_array_equal(strip[band:, 100:], image)
    caption = strip[:band]
    assert caption.min() < 100 and caption.max() == 255  # dark text on a white band
    for panel in range(3):  # each panel has its own caption
        assert caption[:, panel * 50:(panel + 1) * 50].min() < 100


def test_existing_outputs_are_checked_before_the_model_loads(tmp_path, monkeypatch, capsys):
    _photo(tmp_path / "a.jpg")
    out = tmp_path / "o"
    out.mkdir()
    Image.new("RGB", (5, 5)).save(out / "a.png")

    def no_loading(model=None):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(api, "load", no_loading)
    assert colorize.main([str(tmp_path / "a.jpg"), "--out", str(out)]) == 0
    assert "kept 1 existing output" in capsys.readouterr().out


def test_outputs_never_replace_inputs(tmp_path, monkeypatch, capsys):
    _photo(tmp_path / "a.png")
    monkeypatch.setattr(api, "load", lambda model=None: pytest.fail("loaded"))
    assert colorize.main([str(tmp_path / "a.png"), "--out", str(tmp_path), "--overwrite"]) == 1
    assert "would replace the input" in capsys.readouterr().err


@pytest.mark.parametrize("args,message", [
    (["--format", "png", "--quality", "80"], "--quality is for"),
    (["--format", "jpg", "--quality", "0"], "between 1 and 100"),
    (["--format", "gif"], "invalid choice"),
])
def test_format_misuse_is_one_line(tmp_path, capsys, args, message):
    _photo(tmp_path / "a.png")
    assert colorize.main([str(tmp_path / "a.png"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err


def test_version(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "deepcolor 0.1.0"


def test_real_command_is_quiet_and_names_the_shipped_model(tmp_path):
    # The user's first try: a new process, the shipped model, no TensorFlow chatter.
    _photo(tmp_path / "photo.jpg")
    done = subprocess.run([sys.executable, "-m", "deepcolor", "colorize", "photo.jpg"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0",  # TF's loudest
                               "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("model: shipped colorizer effnet_unet")
    assert not [line for line in done.stderr.splitlines()
                if any(text in line for text in TF_STARTUP_LINES)], done.stderr
    assert done.stderr.strip().startswith("1/1 photo.jpg")
    assert (tmp_path / "colorized" / "photo.png").is_file()


@pytest.mark.parametrize("target,options", [("savedmodel", []), ("tflite", []),
                                            ("tflite", ["--fp16"]), ("tflite", ["--int8"])])
def test_export(tmp_path, capsys, target, options):
    stamp = make_run(tmp_path)
    out = tmp_path / ("model" + {"savedmodel": "_sm", "tflite": ".tflite"}[target])
    assert cli.main(["export", str(stamp), "--to", target, *options, "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out} ({target}")
    image = np.random.default_rng(0).integers(0, 256, (1, 23, 41, 1), dtype=np.uint8)
    reference = export.load_for_inference(stamp / "00-baseline-seed0" / "model.keras")(image)
    if target == "savedmodel":
        result = export.load_for_inference(out)(image)
    else:
        result = export.run_tflite(out, image)  # any size, not only the model's 16 x 16
    assert result.shape == (1, 23, 41, 3) and result.dtype == np.uint8
    tolerance = 3  # quantized weights move a colour by a level or two at most
    assert np.abs(result.astype(int) - reference.astype(int)).max() <= tolerance
    # A second export to the same place is refused unless --overwrite.
    assert cli.main(["export", str(stamp), "--to", target, *options, "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err


def test_export_onnx_or_its_one_line_error(tmp_path, capsys, monkeypatch):
    stamp = make_run(tmp_path)
    out = tmp_path / "m.onnx"
    if importlib.util.find_spec("tf2onnx") is not None:
        assert cli.main(["export", str(stamp), "--to", "onnx", "--out", str(out)]) == 0
        import onnx

        model = onnx.load(str(out))
        onnx.checker.check_model(model)
        assert [i.name for i in model.graph.input] == ["images"]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    assert cli.main(["export", str(stamp), "--to", "onnx", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "tf2onnx" in err and "tflite" in err


def test_export_misuse_is_one_line(tmp_path, capsys):
    stamp = make_run(tmp_path)
    assert cli.main(["export", str(stamp), "--to", "savedmodel", "--fp16"]) == 2
    assert "for --to tflite" in capsys.readouterr().err
    assert cli.main(["export", str(stamp), "--to", "tflite", "--fp16", "--int8"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1

"""`deepcolor export` and `deepcolor colorize` defects of the second reliability run
(issue 19); each test failed before its fix.

N2 `export --overwrite` deleted whole folders it had not written; N3 a failed export
(a full disk) had already deleted the previous model, and said "misuse"; N4 a symlink
loop in an input folder was a traceback; N6 a non-UTF-8 file name crashed the listing
of kept outputs; N7 a small file with huge dimensions could take the machine down;
N8 two runs on one output folder raced on one temporary name; N12 a folder named like
an output counted as a kept output.
"""
import errno
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from deepcolor import cli
from deepcolor.cli import colorize
from deepcolor.serving import export
from tests.test_api import make_run

REPO = Path(__file__).resolve().parents[1]


def _photo(path, size=(40, 30), seed=0):
    y, x = np.mgrid[0:size[1], 0:size[0]]
    rgb = np.stack([x * 5 % 256, y * 7 % 256, (x + y + seed) % 256], -1).astype(np.uint8)
    Image.fromarray(rgb).save(path)
    return path


def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def run_folder(tmp_path):
    return make_run(tmp_path)


@pytest.mark.parametrize("target", ["tflite", "savedmodel", "onnx"])
def test_n2_overwrite_refuses_a_folder_the_suite_did_not_write(tmp_path, capsys, run_folder,
                                                               target, monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",  # the refusal needs no tf2onnx
                        lambda n, *a: object() if n == "tf2onnx" else real_find_spec(n, *a))
    out = tmp_path / "d"
    (out / "sub").mkdir(parents=True)
    (out / "notes.txt").write_text("x")
    (out / "older_savedmodel").mkdir()
    (out / "older_savedmodel" / "saved_model.pb").write_bytes(b"old")
    before = _tree(out)
    assert cli.main(["export", str(run_folder), "--to", target, "--out", str(out),
                     "--overwrite"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(out) in err and "refus" in err, err
    assert _tree(out) == before


@pytest.mark.parametrize("target,name", [("tflite", "notes.tflite"), ("onnx", "notes.onnx"),
                                         ("savedmodel", "notes_savedmodel")])
def test_n2_overwrite_refuses_a_file_of_another_kind(tmp_path, capsys, run_folder, target, name,
                                                     monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda n, *a: object() if n == "tf2onnx" else real_find_spec(n, *a))
    out = tmp_path / name
    out.write_text("my notes, not a model")
    assert cli.main(["export", str(run_folder), "--to", target, "--out", str(out),
                     "--overwrite"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "refus" in err, err
    assert out.read_text() == "my notes, not a model"


@pytest.mark.parametrize("target", ["savedmodel", "tflite"])
def test_n2_overwrite_replaces_what_the_suite_wrote(tmp_path, capsys, run_folder, target):
    out = tmp_path / ("m_sm" if target == "savedmodel" else "m.tflite")
    argv = ["export", str(run_folder), "--to", target, "--out", str(out)]
    assert cli.main(argv) == 0
    if target == "savedmodel":
        (out / "stale.txt").write_text("from the first export")
    assert cli.main(argv + ["--overwrite"]) == 0
    assert not (out / "stale.txt").exists()
    image = np.zeros((1, 16, 16, 1), np.uint8)
    result = (export.load_for_inference(out)(image) if target == "savedmodel"
              else export.run_tflite(out, image))
    assert result.shape == (1, 16, 16, 3)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("target", ["savedmodel", "tflite"])
def test_n3_a_failed_export_keeps_the_previous_model_and_exits_1(tmp_path, capsys, run_folder,
                                                                 target, monkeypatch):
    out = tmp_path / ("m_sm" if target == "savedmodel" else "m.tflite")
    argv = ["export", str(run_folder), "--to", target, "--out", str(out)]
    assert cli.main(argv) == 0
    before = _tree(out) if out.is_dir() else out.read_bytes()

    def disk_full(model, colorspace, path, *args, **kwargs):
        path = Path(path)
        if target == "savedmodel":
            (path / "variables").mkdir(parents=True)
            (path / "variables" / "variables_temp").write_bytes(b"half")
        else:
            path.write_bytes(b"half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(export, {"savedmodel": "export_saved_model",
                                 "tflite": "export_tflite"}[target], disk_full)
    capsys.readouterr()
    assert cli.main(argv + ["--overwrite"]) == 1  # an I/O failure, not misuse
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "No space left on device" in err, err
    assert (_tree(out) if out.is_dir() else out.read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["runs", out.name])


def test_n4_a_symlink_loop_in_an_input_folder_is_listed_and_the_rest_colorized(
        tmp_path, capsys, run_folder):
    photos = tmp_path / "photos"
    photos.mkdir()
    _photo(photos / "good.png")
    (photos / "self.jpg").symlink_to("self.jpg")            # ln -s self.jpg photos/self.jpg
    (photos / "a.jpg").symlink_to("b.jpg")
    (photos / "b.jpg").symlink_to("a.jpg")                  # a loop of two
    out = tmp_path / "out"
    assert colorize.main([str(photos), "--model", str(run_folder), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["good.png"]
    failed = [line for line in captured.err.splitlines() if line.startswith("  ")]
    assert len(failed) == 3 and all("symlink loop" in line for line in failed), captured.err
    assert "Traceback" not in captured.err


def test_n12_a_folder_named_like_an_output_is_a_failure_not_a_kept_output(tmp_path, capsys,
                                                                          run_folder):
    photos = tmp_path / "photos"
    photos.mkdir()
    _photo(photos / "good.jpg")
    _photo(photos / "other.jpg", seed=1)
    (tmp_path / "out" / "good.png").mkdir(parents=True)     # out/good.png/ is a folder
    for extra in ([], ["--overwrite"]):
        assert colorize.main([str(photos), "--model", str(run_folder),
                              "--out", str(tmp_path / "out"), *extra]) == 1
        captured = capsys.readouterr()
        assert "kept" not in captured.out
        failed = [line for line in captured.err.splitlines() if "good.jpg" in line]
        assert failed and "is a folder" in failed[-1], captured.err
        assert (tmp_path / "out" / "good.png").is_dir()
    assert (tmp_path / "out" / "other.png").is_file()


def test_n8_two_writers_of_one_output_do_not_share_a_temporary_file(tmp_path, monkeypatch):
    from deepcolor.cli import outputs

    target = tmp_path / "out" / "photo.png"
    image = np.zeros((8, 8, 3), np.uint8)
    original_save, seen = Image.Image.save, []

    def save(self, fp, *args, **kwargs):
        seen.append(Path(fp).name)
        original_save(self, fp, *args, **kwargs)
        if len(seen) == 1:  # the other process writes the same output meanwhile
            outputs.write_image(target, image + 1)

    monkeypatch.setattr(Image.Image, "save", save)
    outputs.write_image(target, image)  # before the fix: FileNotFoundError
    assert len(set(seen)) == 2 and target.is_file()
    assert [p.name for p in target.parent.iterdir()] == ["photo.png"]


def test_n6_a_non_utf8_file_name_is_printed_safely(tmp_path, run_folder):
    photos = tmp_path / "photos"
    photos.mkdir()
    name = os.fsdecode(b"caf\xe9.png")                      # Latin-1 bytes on a UTF-8 system
    _photo(photos / name)
    (tmp_path / "out").mkdir()
    _photo(tmp_path / "out" / name)                         # already colorized: kept, listed
    # stdout as under a real UTF-8 locale (en_US.UTF-8: strict; the C locales are lenient)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "deepcolor", "colorize", str(photos),
                           "--model", str(run_folder), "--out", str(tmp_path / "out")],
                          env=env, capture_output=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    assert b"kept 1 existing output" in done.stdout
    assert b"caf\\xe9.png" in done.stdout                    # shown escaped, not a crash


def test_n6_names_are_printed_safely_in_process_too(tmp_path, capsys, run_folder):
    photos = tmp_path / "photos"
    photos.mkdir()
    _photo(photos / os.fsdecode(b"na\xefve.png"))
    (photos / os.fsdecode(b"bad\xff.png")).write_bytes(b"not an image")
    out = tmp_path / os.fsdecode(b"out\xe9")
    assert colorize.main([str(photos), "--model", str(run_folder), "--out", str(out)]) == 1
    assert colorize.main([str(photos), "--model", str(run_folder), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "na\\xefve.png" in captured.out and "bad\\xff.png" in captured.err


def test_n7_a_photo_above_the_megapixel_limit_is_refused_before_decoding(tmp_path, capsys,
                                                                        run_folder, monkeypatch):
    huge = tmp_path / "huge.png"
    Image.new("L", (13000, 13000)).save(huge)               # 169 MP in about 170 KB
    assert huge.stat().st_size < 1_000_000
    _photo(tmp_path / "small.png")
    decoded = []
    real_read = colorize.read_image
    monkeypatch.setattr(colorize, "read_image", lambda p: decoded.append(Path(p).name)
                        or real_read(p))
    out = tmp_path / "out"
    assert colorize.main([str(huge), str(tmp_path / "small.png"), "--model", str(run_folder),
                          "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert decoded == ["small.png"]                          # the huge one was never decoded
    failed = [line for line in captured.err.splitlines() if "huge.png:" in line]
    assert len(failed) == 1 and "13000x13000" in failed[0] and "--max-megapixels" in failed[0]
    assert "DecompressionBomb" not in captured.err
    assert sorted(p.name for p in out.iterdir()) == ["small.png"]
    # A lower limit refuses more; the option raises or lowers it.
    capsys.readouterr()
    assert colorize.main([str(tmp_path / "small.png"), "--model", str(run_folder), "--out",
                          str(out), "--overwrite", "--max-megapixels", "0.001"]) == 1
    assert "above the limit of 0.001" in capsys.readouterr().err
    assert colorize.main(["x.png", "--max-megapixels", "0"]) == 2


def test_n7_the_limit_can_be_raised_past_pillows_own(tmp_path, capsys, run_folder, monkeypatch):
    from deepcolor.cli import colorize as module

    wide = tmp_path / "wide.png"
    Image.new("L", (20000, 10000)).save(wide)                # 200 MP: past PIL's bomb error
    seen = []
    monkeypatch.setattr(module, "read_image", lambda p: seen.append(p) or
                        np.zeros((4, 4, 1), np.uint8))      # no real 200 MP decode in a test
    assert colorize.main([str(wide), "--model", str(run_folder), "--out", str(tmp_path / "o"),
                          "--max-megapixels", "250"]) == 0, capsys.readouterr().err
    assert seen

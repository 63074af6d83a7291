"""The held-out photographs' builder, the held-out scoring benchmark and its statistics
(issue 24), on generated images only: no Debian package, no held-out photo."""
import csv
import hashlib

import numpy as np
import pytest
from PIL import Image

from benchmarks import colorizer_heldout as bench
from benchmarks import heldout_photos as builder
from benchmarks import heldout_report as report
from benchmarks import photo_filter
from deepcolor.errors import UsageError


def photo_like(seed: int, size=(400, 300)) -> Image.Image:
    """A smooth random colour field with grain: colourful, many colours, no flat areas."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (4, 5, 3)).astype(np.uint8)
    field = np.asarray(Image.fromarray(coarse).resize(size, Image.BICUBIC), dtype=np.float32)
    grain = rng.normal(0, 6, field.shape)
    return Image.fromarray(np.clip(field + grain, 0, 255).astype(np.uint8))


def drawing(size=(400, 300)) -> Image.Image:
    pixels = np.zeros(size[::-1] + (3,), np.uint8)
    pixels[:, : size[0] // 2] = (200, 30, 30)
    pixels[:, size[0] // 2:] = (30, 30, 200)
    return Image.fromarray(pixels)


SOURCE = builder.Source("fake-wallpapers", "1.0-1", ("usr/share/backgrounds",), "GPL-2+")
COPYRIGHT = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
License: GPL-2+

Files: images/sunny.jpg
License: CC-BY-4.0

Files: debian/*
License: Expat
"""


@pytest.fixture
def package(tmp_path):
    root = tmp_path / "root"
    folder = root / SOURCE.folders[0]
    folder.mkdir(parents=True)
    photo_like(1).save(folder / "sunny.jpg", quality=95)
    photo_like(2, (1600, 1200)).save(folder / "big.png")
    photo_like(3).save(folder / "lookalike.jpg", quality=95)  # dropped "by eye" below
    (folder / "zz_copy.jpg").write_bytes((folder / "sunny.jpg").read_bytes())
    photo_like(1).resize((360, 270)).save(folder / "zz_resized.jpg", quality=70)
    Image.fromarray(np.full((300, 400, 3), 128, np.uint8)
                    + np.random.default_rng(0).integers(0, 20, (300, 400, 1)).astype(np.uint8)
                    ).save(folder / "gray.jpg")
    drawing().save(folder / "drawing.png")
    photo_like(4, (200, 120)).save(folder / "small.jpg")
    (folder / "notes.txt").write_text("not an image")
    doc = root / "usr/share/doc" / SOURCE.package
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(COPYRIGHT)
    return root


def test_filter_keeps_photographs_and_says_why_others_go():
    assert photo_filter.judge(photo_like(5)) is None
    assert "grayscale" in photo_filter.judge(photo_like(5).convert("L").convert("RGB"))
    assert "drawing" in photo_filter.judge(drawing()) or "flat" in photo_filter.judge(drawing())
    assert "short side" in photo_filter.judge(photo_like(5, (300, 200)))


def test_builder_writes_photos_and_manifest_from_a_fake_package(package, tmp_path):
    out = tmp_path / "heldout"
    eye = {(SOURCE.package, "fake-wallpapers__lookalike.jpg"): "a render"}
    built = builder.build({SOURCE.package: (package, "1.0-1")}, out, sources=[SOURCE], eye=eye)
    assert [r["file"] for r in built.rows] == ["fake-wallpapers__big.jpg",
                                               "fake-wallpapers__sunny.jpg"]
    why = {where.rsplit("/", 1)[1]: reason for where, reason in built.rejected}
    assert why["zz_copy.jpg"].startswith("same file")
    assert why["zz_resized.jpg"].startswith("near-duplicate")
    assert why["lookalike.jpg"] == "by eye: a render"
    assert "grayscale" in why["gray.jpg"] and "short side" in why["small.jpg"]
    assert "notes.txt" not in why
    big, sunny = built.rows
    assert big["original_size"] == "1600x1200" and max(Image.open(out / big["file"]).size) == 1024
    assert (sunny["licence"], big["licence"]) == ("CC-BY-4.0", "GPL-2+")  # not debian/*'s
    assert sunny["sha256"] == hashlib.sha256((out / sunny["file"]).read_bytes()).hexdigest()
    manifest = builder.write_manifest(built.rows, out / "MANIFEST.tsv")
    with open(manifest, newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert tuple(rows[0]) == builder.COLUMNS and rows[1]["file"] == sunny["file"]


def test_builder_leaves_out_what_real_photos_holds(package, tmp_path):
    sunny = Image.open(package / SOURCE.folders[0] / "sunny.jpg").convert("RGB")
    known = ({"other"}, set(), [photo_filter.fingerprint(sunny)])
    built = builder.build({SOURCE.package: (package, "1.0-1")}, tmp_path / "o", known,
                          sources=[SOURCE], eye={})
    assert "fake-wallpapers__sunny.jpg" not in [r["file"] for r in built.rows]
    with pytest.raises(UsageError, match="is a source of real-photos"):
        builder.build({SOURCE.package: (package, "1")}, tmp_path / "p",
                      ({SOURCE.package}, set(), []), sources=[SOURCE])


def test_missing_packages_are_one_line_naming_them(tmp_path):
    with pytest.raises(UsageError) as error:
        builder.find_debs(tmp_path, [SOURCE])
    assert "fake-wallpapers=1.0-1" in str(error.value) and "\n" not in str(error.value)


def oracle(rgb, variant):  # the truth itself: no error
    return rgb


def gray(rgb, variant):
    return bench.gray_of(rgb)


@pytest.fixture
def fake_sets(tmp_path, monkeypatch):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(3):
        photo_like(10 + i, (320, 200)).save(folder / f"p{i}.png")
    paths = sorted(folder.glob("*.png"))
    monkeypatch.setattr(bench, "set_paths", lambda name: paths)
    calls = []

    def counted(colorize):
        def wrapped(rgb, variant):
            calls.append(variant)
            return colorize(rgb, variant)
        return wrapped

    monkeypatch.setattr(bench, "colorizers", lambda checkpoints, size, encoder: [
        ("gray", "fake:gray", lambda: counted(gray)),
        ("oracle", "fake:oracle", lambda: counted(oracle))])
    return calls


def test_benchmark_writes_its_tables_and_caches(fake_sets, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["--variants", "plain", "flip", "--out", str(out), "--long-side", "64"]
    assert bench.main(argv) == 0
    with open(out / "per_photo.csv", newline="") as handle:
        photos = list(csv.DictReader(handle))
    assert tuple(photos[0]) == bench.PHOTO_COLUMNS and len(photos) == 2 * 2 * 2 * 3
    by_seed = {(r["seed"], r["variant"], r["set"]): r for r in csv.DictReader(
        open(out / "per_seed.csv", newline=""))}
    assert tuple(next(iter(by_seed.values()))) == report.SEED_COLUMNS
    perfect, flat = by_seed[("oracle", "plain", "heldout")], by_seed[("gray", "plain", "test")]
    assert float(perfect["ciede2000"]) == 0 and float(perfect["share_beating_gray"]) == 1
    assert float(perfect["colourfulness_ratio"]) == pytest.approx(1)
    assert float(flat["gap"]) == 0 and float(flat["share_beating_gray"]) == 0
    text = (out / "table.md").read_text()
    assert "paired t-test on per-seed differences" in text and "FAIL" in text
    assert "python -m benchmarks.colorizer_heldout --variants plain flip" in text
    assert "FAIL: plain all: >= 3 seeds (2)" in capsys.readouterr().out
    first = len(fake_sets)
    assert first == 2 * 2 * 2 * 3
    bench.main(argv)  # every (colorizer, variant, set) is read from the cache
    assert len(fake_sets) == first


def test_paired_statistics_are_scipy_on_per_seed_differences():
    from scipy import stats

    rows = [{"seed": s, "variant": v, "set": "test", "photo": "a", "ciede2000": c,
             "ciede2000_gray": 13.0, "gap": 13.0 - c, "beats_gray": 1,
             "colourfulness": 30.0, "colourfulness_true": 40.0}
            for s, plain, flip in (("s0", 10.0, 9.5), ("s1", 10.4, 9.7), ("s2", 9.8, 9.6))
            for v, c in (("plain", plain), ("flip", flip))]
    seeds = report.per_seed(rows)
    tests = {r["comparison"]: r for r in report.comparisons(seeds, ["plain", "flip"], ["test"])}
    expected = stats.ttest_rel([9.5, 9.7, 9.6], [10.0, 10.4, 9.8])
    assert float(tests["flip - plain, CIEDE2000"]["p"]) == pytest.approx(expected.pvalue, rel=1e-2)
    assert tests["flip - plain, CIEDE2000"]["difference [95% CI]"].startswith("-0.467")
    verdicts = {c["check"]: c["verdict"] for c in report.checks(seeds, "flip", ["test"])}
    assert verdicts == {"gap to gray >= 3.0": "PASS",
                        "colourfulness >= 70% of the truth's": "PASS",
                        "beats gray on >= 80% of photos": "PASS", ">= 3 seeds": "PASS"}
    assert report.checks(seeds, "plain", ["test"])[0]["verdict"] == "FAIL"  # gap 2.93


def test_gallery_rule_is_the_first_by_sha256_of_the_file_name_per_set(tmp_path):
    from benchmarks import gallery

    names = [f"photo{i}.jpg" for i in range(30)]
    ranked = sorted(names, key=lambda n: hashlib.sha256(n.encode()).hexdigest())
    test = [tmp_path / "a" / n for n in names]
    held = [tmp_path / "b" / n for n in reversed(names[:5])]
    chosen = gallery.choose({"test": test, "heldout": held}, per_set=12)
    assert [p.name for s, p in chosen if s == "test"] == ranked[:12]
    assert [p.name for s, p in chosen if s == "heldout"] == [n for n in ranked if n in names[:5]]
    assert chosen == gallery.choose({"test": list(reversed(test)), "heldout": held}, 12)
    pixels = np.zeros((40, 60, 3), np.uint8)
    sheet = gallery.compose_sheet([("1. x", pixels, pixels, pixels)] * 3)
    block = 3 * (gallery.BOX[0] + gallery.PAD) + 3 * gallery.PAD
    assert sheet.size == (gallery.PER_ROW * block,
                          gallery.LABEL + 2 * (gallery.BOX[1] + gallery.LABEL))

"""benchmarks.precision_check: bf16 runs against float32 ones, paired by seed."""
from deepcolor.tables import write_csv
from benchmarks import precision_check


def _folder(path, scale, jitter):
    path.mkdir(parents=True)
    (path / "config.json").write_text('{"command": "python -m experiments.x", "precision": "float32"}')
    rows = [{"run": "model", "seed": s, "mse": 0.01 * (1 + 0.1 * s) * scale + jitter * (-1) ** s}
            for s in range(5)]
    write_csv(rows, ["run", "seed", "mse"], str(path / "per_seed.csv"))
    return str(path)


def test_a_change_within_seed_noise_is_not_flagged_and_a_large_one_is(tmp_path):
    fp32 = _folder(tmp_path / "fp32", 1.0, 0.0)
    same = _folder(tmp_path / "same", 1.0, 1e-5)
    worse = _folder(tmp_path / "worse", 1.5, 0.0)
    assert [r["beyond seed noise"] for r in precision_check.compare(fp32, same)] == ["no"]
    assert [r["beyond seed noise"] for r in precision_check.compare(fp32, worse)] == ["yes"]
    out = tmp_path / "check.md"
    assert precision_check.main([fp32, worse, "--out", str(out)]) == 0
    assert "1 of 1 run-metric pairs change beyond seed noise" in out.read_text()
    import json

    saved = json.loads(out.with_suffix(".json").read_text())
    assert saved["inputs"]["bf16"]["folder"] == worse and "hardware" in saved["environment"]

"""experiments.unet_colorspace (report 000): presets, the claims' verdicts, the gray baseline."""
import itertools

import numpy as np
import pytest
from PIL import Image

from deepcolor.errors import UsageError
from deepcolor.models import registry
from deepcolor.train import claims
from deepcolor.train.loop import RunResult
from experiments import unet_colorspace as exp

CIFAR_TRAIN_FOLDER, CIFAR_TEST_FOLDER = 50000, 10000
COMBOS = set(itertools.product(("simple", "complex"), ("rgb", "yuv"), ("mse", "l1")))


def _cifar_runs(config):
    return [run for run in config.runs if run.data.source == "cifar10-jpg"]


@pytest.mark.parametrize("preset", ["default", "cifar10", "paper"])
def test_every_preset_has_the_eight_cifar_configurations(preset):
    config = exp.get_config(preset)
    runs = _cifar_runs(config)
    assert {exp._key(run)[1:] for run in runs} == COMBOS and len(runs) == 8
    for run in config.runs:
        assert registry.get(run.model).report == "000"
        assert run.colorspace is None  # the model's registered one: RGB [-1, 1] or UV
        assert run.learning_rate == 1e-3 and run.epochs >= 1
    assert len({run.name for run in config.runs}) == len(config.runs)
    assert preset in exp.PRESETS


def test_cifar10_preset_is_the_reports_40k_10k_10k_split():
    config = exp.get_config("cifar10")
    assert not config.stand_in
    for run in config.runs:
        d = run.data
        assert (d.source, d.image_size, d.train_limit, d.eval_limit) == ("cifar10-jpg", 32, None, None)
        # validation is carved from the 50k train folder; test is the 10k test folder
        train = round(CIFAR_TRAIN_FOLDER * (1 - d.validation_fraction))
        assert (train, CIFAR_TRAIN_FOLDER - train, CIFAR_TEST_FOLDER) == (40000, 10000, 10000)


def test_default_is_a_labelled_stand_in_and_paper_adds_flowers_at_256():
    default = exp.get_config("default")
    assert default.stand_in and all(r.data.train_limit == 1000 for r in default.runs)
    paper = exp.get_config("paper")
    flowers = [r for r in paper.runs if r.data.source == "tfds:oxford_flowers102"]
    assert len(flowers) == 4 and all(r.data.image_size == 256 for r in flowers)
    from deepcolor.models.families.unet_colorspace import default_depth
    assert default_depth(256) == default_depth(32) + 1
    with pytest.raises(UsageError):
        exp.get_config("nope")


def _results(config, metrics_of):
    return {run.name: [RunResult(run.name, metrics_of(*exp._key(run)[1:]), {}, "", None, {}, {})]
            for run in config.runs}


BASE = {"rgb": {"mse": 0.08, "l1": 0.2}, "yuv": {"mse": 0.01, "l1": 0.05},  # scale 8x / 4x
        "psnr": 21.5}


def _metrics(test_loss, psnr):
    return {"test_loss": test_loss, "psnr": psnr, "ciede2000": 10.0}


def test_assess_raw_uv_advantage_that_is_only_scale():
    config = exp.get_config("default")

    def metrics(variant, space, loss):  # UV 5x lower raw loss but lower PSNR
        loss_value = (0.05 if space == "rgb" else 0.01) * (1.05 if variant == "complex" else 1)
        return _metrics(loss_value, 22.0 if space == "rgb" else 21.0)

    verdicts = exp.observations(_results(config, metrics), config, baseline_fn=lambda d, s: BASE)
    text = "\n".join(verdicts)
    assert "UV is lower in 4 of 4 pairs" in text
    assert "RGB/UV loss ratio of 8.0x (MSE) and 4.0x (L1)" in text
    assert "0.62x after dividing by the scale factor" in text  # MSE: 5 / 8
    assert "-1.00 to -1.00 dB; 0 of 4 pairs within 0.5 dB, 4 worse" in text and "only a matter of scale here" in text
    assert "RGB MSE 0.08" in text and "pipeline, not the report" in text
    # RGB runs: 0.05 (and 0.0525) vs gray 0.08 MSE / 0.2 L1; UV runs 0.01 vs 0.01 / 0.05
    assert "6 of 8 models have a lower test loss" in text
    assert "4 of 8 have a higher mean RGB PSNR (best 22.00 dB vs gray 21.50 dB" in text


def test_assess_flags_dissimilar_models_and_a_real_uv_gain_without_baseline():
    config = exp.get_config("cifar10")

    def metrics(variant, space, loss):  # complex 2x worse; UV better in RGB PSNR too
        return _metrics((0.02 if space == "rgb" else 0.001) * (2 if variant == "complex" else 1),
                        20.0 if space == "rgb" else 23.0)

    def offline(data, seed):
        raise OSError("no data here")

    text = "\n".join(exp.observations(_results(config, metrics), config, baseline_fn=offline))
    assert "better beyond scale in every pair (UV minus RGB PSNR +3.00 to +3.00 dB)" in text
    assert "scale factor" not in text and "gray-prediction" not in text
    assert "One epoch (a CPU budget)" in text


def test_gray_baseline_matches_numpy_bt601(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(12):
        Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(tmp_path / f"{i}.png")
    data = exp.DataConfig(source=f"folder:{tmp_path}", image_size=8, test_fraction=0.5)
    got = exp.gray_baseline(data)

    import data_pipelines
    images, report = data_pipelines.load_images(data.source, "test", image_size=8,
                                                test_fraction=0.5)
    rgb = np.stack(list(images.as_numpy_iterator())).astype(np.float64)
    assert report.num_images >= 3
    y = rgb @ np.array([0.299, 0.587, 0.114])
    u = rgb @ np.array([-0.14713, -0.28886, 0.436])
    v = rgb @ np.array([0.615, -0.51499, -0.10001])
    rgb_err = (2 * rgb - 1) - (2 * y[..., None] - 1)  # tanh targets in [-1, 1]
    assert got["rgb"]["mse"] == pytest.approx(np.mean(rgb_err ** 2), rel=1e-3)
    assert got["rgb"]["l1"] == pytest.approx(np.mean(np.abs(rgb_err)), rel=1e-3)
    assert got["yuv"]["mse"] == pytest.approx((np.mean(u ** 2) + np.mean(v ** 2)) / 2, rel=1e-3)
    assert got["yuv"]["l1"] == pytest.approx((np.mean(abs(u)) + np.mean(abs(v))) / 2, rel=1e-3)
    per_image = np.mean(rgb_err.reshape(len(rgb), -1) ** 2 / 4, axis=1)  # back to [0, 1]
    assert got["psnr"] == pytest.approx(np.mean(-10 * np.log10(per_image)), rel=1e-4)


def test_claims_are_decided_by_intervals_over_seeds():
    """Report 000's claims as data: three seeds whose intervals separate decide claim 2."""
    config = exp.get_config("default")
    values = {}
    for run in config.runs:
        _, variant, space, loss = exp._key(run)
        base = 0.05 if space == "rgb" else 0.01
        values[run.name] = {"test_loss": [base * (1 + 0.01 * s) for s in range(3)],
                            "psnr": [22.0 + 0.1 * s for s in range(3)]}
    verdicts = {v.text: v for v in claims.decide(config.claims, values)}
    uv = verdicts[exp.CLAIMS["uv_lower"]]
    assert uv.verdict == claims.SUPPORTED, uv.evidence
    assert verdicts[exp.CLAIMS["similar"]].verdict == claims.SUPPORTED
    # Same PSNR for RGB and UV: the common-space check cannot separate them.
    common = next(v for t, v in verdicts.items() if "common space" in t)
    assert common.verdict == claims.UNDECIDED

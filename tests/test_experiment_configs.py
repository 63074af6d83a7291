"""Every experiment module, found automatically: each preset builds a valid config, the
report's numbers and settings are where they belong, and its claims (data) come out
supported, contradicted or undecided from (fake) results over seeds."""
import importlib
import json
import pkgutil

import numpy as np
import pytest

import experiments
from deepcolor.errors import UsageError
from deepcolor.models import registry
from deepcolor.train import baselines, claims, loop, runner
from deepcolor.train.config import ExperimentConfig
from deepcolor.train.experiment import Experiment
from experiments import deepcolor003 as exp003
from experiments import dilated_unet as exp004
from experiments import leaderboard
from experiments import unet_cnn_cgan as exp002

MODULES = [importlib.import_module(f"experiments.{m.name}")  # "_name": an experiment's helper
           for m in pkgutil.iter_modules(experiments.__path__) if not m.name.startswith("_")]
METRICS = ("mse", "psnr", "ssim", "ciede2000", "colorfulness", "colorfulness_true",
           "colorfulness_gap", "final_loss")


def test_every_experiment_module_is_found():
    names = {m.__name__.rsplit(".", 1)[-1] for m in MODULES}
    assert {"unet_colorspace", "koalarization", "unet_cnn_cgan", "deepcolor003", "dilated_unet",
            "leaderboard"} <= names


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_every_preset_builds_a_valid_config(module):
    experiment = module.EXPERIMENT
    assert isinstance(experiment, Experiment) and experiment.module == module.__name__
    for preset in experiment.presets:
        config = experiment.config(preset)
        assert isinstance(config, ExperimentConfig) and config.preset == preset
        assert config.experiment == experiment.name == module.__name__.rsplit(".", 1)[-1]
        names = [run.name for run in config.runs]
        assert len(set(names)) == len(names), names
        for run in config.runs:
            spec = registry.get(run.model)  # raises for an unknown model
            assert run.trainer in loop.TRAINERS
            if run.trainer == "cgan":
                registry.get(run.trainer_options.get("discriminator", "cgan002_discriminator"))
            if "embedding" in spec.extra_inputs:
                assert run.backbone is not None
            loop.model_options(run, spec)  # pretrained weights travel in run.backbone only
        runner.check_init_from(config)  # init_from names an earlier run, same model
        runner.check_claims(config, experiment)  # claims name real runs and known metrics
        assert json.loads(config.to_json())
        for claim in config.claims:  # claims name runs (or baseline rows) and known metrics
            assert claims.from_dict(json.loads(json.dumps(claim.__dict__))) == claim
        assert config.expected_runtime
        if preset == "default" and config.report in ("000", "001", "002", "003", "004", "all"):
            assert config.stand_in  # never stands as the report's own result
    with pytest.raises(UsageError):
        experiment.config("no-such-preset")


def test_report_002_runs_and_paper_settings():
    config = exp002.get_config("paper")
    by_name = {run.name: run for run in config.runs}
    assert [exp002._role(run) for run in config.runs] == list(exp002.ROLES) * 2
    for tag, unet_epochs in (("d1", 150), ("d2", 100)):
        unet, koala = by_name[f"U-Net {tag}"], by_name[f"Koalarization {tag}"]
        assert unet.epochs == koala.epochs == unet_epochs
        pretrained = by_name[f"cGAN pretrained {tag}"]
        assert pretrained.init_from == f"U-Net {tag}" and pretrained.epochs == 100
        assert by_name[f"cGAN scratch {tag}"].init_from is None
        assert pretrained.data == by_name[f"U-Net {tag}"].data
    assert by_name["Koalarization d1"].backbone.weights == "imagenet"
    assert all(run.data.image_size == 224 and not run.paper for run in config.runs)


def test_report_003_table1_numbers_are_in_the_runs():
    for preset, epochs, batch in (("paper", (10, 30), 383), ("default", (1, 3), 8)):
        runs = {run.name: run for run in exp003.get_config(preset).runs}
        assert len(runs) == 6
        for model, name in exp003.MODELS.items():
            short, long = runs[f"{model}, 10-epoch column"], runs[f"{model}, 30-epoch column"]
            assert (short.epochs, long.epochs) == epochs and short.model == name
            assert short.batch_size == batch and short.learning_rate == 1e-4
    runs = {run.name: run for run in exp003.get_config("paper").runs}
    # Table 1 of report 003, read off the report.
    assert runs["U-Net, 30-epoch column"].paper == {"mse": 0.006, "psnr": 23.799}
    assert runs["DenseNet, 10-epoch column"].paper == {"mse": 0.014, "psnr": 19.073}
    assert runs["MobileNet, 30-epoch column"].paper == {"mse": 0.053, "psnr": 13.102}
    assert runs["DenseNet, 30-epoch column"].backbone.weights == "imagenet"
    assert all(run.data.image_size == 256 for run in runs.values())


def test_report_004_paper_settings():
    config = exp004.get_config("paper")
    assert config.seed == 7 and [r.model for r in config.runs] == list(exp004.MODELS.values())
    for run in config.runs:
        assert (run.batch_size, run.epochs, run.learning_rate, run.loss) == (128, 120, 1e-3, "mse")
        d = run.data
        settings = (d.image_size, d.drop_grayscale, d.train_limit, d.eval_limit)
        assert settings == (320, True, 8000, 1000)
    assert all(r.data.drop_grayscale for r in exp004.get_config("default").runs)


def test_leaderboard_is_every_model_under_one_protocol():
    config = leaderboard.get_config("default")
    trained = [run.model for run in config.runs if run.trainer == "supervised"]
    assert sorted(trained) == sorted(set(registry.names()) - {"cgan002_discriminator"})
    gan = [run for run in config.runs if run.trainer == "cgan"]
    assert [run.name for run in gan] == [leaderboard.GAN_ENTRY]
    assert len({(run.data.source, run.data.image_size, run.data.train_limit,
                 run.data.eval_limit, run.epochs, run.batch_size) for run in config.runs}) == 1


def _values(config, **per_run):
    """Three seeds per run around the given value (spread 0.2%), metrics as given."""
    out = {}
    for run in config.runs:
        metrics = per_run.get(run.name, {})
        out[run.name] = {k: [v * (1 + 0.001 * s) for s in range(3)] for k, v in metrics.items()}
    return out


def _verdicts(config, values):
    return {v.text: v.verdict for v in claims.decide(config.claims, values)}


def _only(verdicts, *words):
    """The verdicts of claims whose text holds every word."""
    return [v for text, v in verdicts.items() if all(w in text for w in words)]


def test_claims_002_both_ways():
    config = exp002.get_config("paper")
    good = {"U-Net": 0.01, "Koalarization": 0.03, "cGAN scratch": 0.04, "cGAN pretrained": 0.02}
    per_run = {run.name: {"mse": good[exp002._role(run)], "white_fraction": 0.5,
                          "ssim": 0.9 - good[exp002._role(run)], "test_loss": 2.0,
                          "final_loss": 1.0} for run in config.runs}
    per_run["Koalarization d2"]["white_fraction"] = 0.99
    per_run["cGAN pretrained d2"]["mse"] = 0.001
    per_run["U-Net d2"]["mse"] = 0.005
    got = _verdicts(config, _values(config, **per_run))
    assert set(got.values()) == {claims.SUPPORTED}, got
    per_run["U-Net d1"]["mse"] = 0.5
    per_run["Koalarization d2"]["white_fraction"] = 0.1
    got = _verdicts(config, _values(config, **per_run))
    assert _only(got, "U-Net performed the best") == [claims.CONTRADICTED]
    assert _only(got, "completely white") == [claims.CONTRADICTED]
    stand_in = exp002.get_config("default")  # no dataset 2: those claims are not testable
    got = _verdicts(stand_in, _values(stand_in, **per_run))
    assert _only(got, "Dataset 2") == [claims.NOT_TESTABLE] * 3


def test_claims_003_both_ways():
    config = exp003.get_config("default")
    ranked = {"U-Net": (0.01, 22.0), "DenseNet": (0.02, 20.0), "MobileNet": (0.07, 15.0)}
    per_run = {exp003.run_name(m, e): {"mse": mse, "psnr": psnr + (e == 30)}
               for m, (mse, psnr) in ranked.items() for e in (10, 30)}
    got = _verdicts(config, _values(config, **per_run))
    assert _only(got, "column") == [claims.SUPPORTED] * 4
    # Report: U-Net and DenseNet gain from 30 epochs, MobileNet loses (-0.26 dB).
    assert _only(got, "epochs give") == [claims.SUPPORTED, claims.SUPPORTED, claims.CONTRADICTED]
    assert _only(got, "perform similarly") == [claims.SUPPORTED] * 3
    assert _only(got, "about double") == [claims.SUPPORTED]
    assert _only(got, "5 to 10 times") == [claims.SUPPORTED]
    assert _only(got, "Table 1:") == [claims.NOT_TESTABLE] * 6  # the report's data only
    per_run[exp003.run_name("U-Net", 10)]["mse"] = 0.5
    assert _only(_verdicts(config, _values(config, **per_run)), "10-epoch", "(mse)") == [
        claims.CONTRADICTED]


def test_claims_004_both_ways_and_one_seed_decides_nothing():
    config = exp004.get_config("default")
    per_run = {name: {"lowest_loss": loss, "mse": loss, "colorfulness": c,
                      "colorfulness_true": 40.0, "red_share": 0.2, "red_share_true": 0.1}
               for name, loss, c in (("model 1", 0.3, 2.0), ("model 2", 0.2, 20.0),
                                     ("model 3", 0.1, 30.0))}
    got = _verdicts(config, _values(config, **per_run))
    assert list(got.values()) == [claims.SUPPORTED] * 6
    one_seed = {run: {k: v[:1] for k, v in m.items()} for run, m in _values(config, **per_run).items()}
    assert list(_verdicts(config, one_seed).values()) == [claims.UNDECIDED] * 6
    per_run["model 1"].update(lowest_loss=0.05, colorfulness=35.0)
    got = list(_verdicts(config, _values(config, **per_run)).values())
    assert got[0] == claims.CONTRADICTED and got[2] == claims.CONTRADICTED


def _result(name, **metrics):
    full = {key: 1.0 for key in METRICS}
    full.update(metrics)
    rng = np.random.default_rng(0)
    samples = {"gray": rng.uniform(0, 1, (2, 8, 8, 1)), "truth": rng.uniform(0, 1, (2, 8, 8, 3)),
               "prediction": rng.uniform(0, 1, (2, 8, 8, 3))}
    return loop.RunResult(name, full, {}, "", None, {}, samples)


def test_assess_leaderboard_ranks_models_and_baselines(monkeypatch):
    config = leaderboard.get_config("default")
    base = [{"run": baselines.BASELINES["no colour"], "ciede2000": 10.0, "psnr": 20.0,
             "colorfulness_gap": -30.0},
            {"run": baselines.BASELINES["mean colour"] + " (1.00, 2.00)", "ciede2000": 9.0,
             "psnr": 21.0, "colorfulness_gap": -29.0}]
    monkeypatch.setattr(leaderboard, "baseline_rows", lambda config: base)
    results = {"good": [_result("good", ciede2000=5.0, psnr=25.0, colorfulness_gap=-5.0)],
               "bad": [_result("bad", ciede2000=12.0, psnr=18.0, colorfulness_gap=-31.0)]}
    lines = leaderboard.observations(results, config)
    assert lines[0].startswith("Ranking by CIEDE2000") and "1. good 5.00" in lines[0]
    assert "4. bad 12.00" in lines[0]
    assert "1 of 2 (good)" in lines[1] and "Smallest colourfulness deficit: good" in lines[-1]
    assert leaderboard.baseline_rows(config) == base


def test_leaderboard_summary_ranks_rows_and_names_its_provenance(tmp_path):
    """results/leaderboard.md: ranked by CIEDE2000, with command, budget, machine, verdicts."""
    from deepcolor.tables import write_csv

    config = leaderboard.get_config("default")
    out = tmp_path / "leaderboard" / "default"
    out.mkdir(parents=True)
    env = {"hardware": "CPU only (2 cores)", "platform": "Linux", "date": "2026-01-01",
           "wall_time": "12.0 min wall time"}
    (out / "config.json").write_text(json.dumps({"command": "python -m experiments.leaderboard",
                                                 "config": config.to_dict(), "environment": env,
                                                 "precision": "float32"}))
    rows = [{"run": "worse", "model": "m1", "ciede2000": 12.0, "psnr": 20.0},
            {"run": "better", "model": "m2", "ciede2000": 8.0, "psnr": 24.0}]
    write_csv(rows, ["run", "model", "ciede2000", "psnr"], str(out / "table.csv"))
    (out / "table.md").write_text("# t\n\n## Observations\n\n- Ranking: x\n")
    path = leaderboard.write_summary(str(out), str(tmp_path), config)
    assert path == str(tmp_path / "leaderboard.md")
    text = (tmp_path / "leaderboard.md").read_text()
    assert text.index("| 1 | better") < text.index("| 2 | worse")
    for needle in ("python -m experiments.leaderboard", "3 epochs, batch 8", "CPU only (2 cores)",
                   "12.0 min wall time", "## What this run shows", "- Ranking: x"):
        assert needle in text


def test_backbone_weights_flag_reaches_every_pretrained_network(monkeypatch, tmp_path):
    """--backbone-weights PATH reaches report 003's encoders (densenet003, mobilenet003) as
    well as the fusion models' embedders: one field, rewritten for every run."""
    from deepcolor.train.config import replace_in_runs

    weights = str(tmp_path / "encoder.weights.h5")
    seen = {}

    def fake_build(name, input_size=None, **options):
        seen[name] = options.get("weights", "NOT PASSED")
        raise StopIteration  # nothing to build in this test

    monkeypatch.setattr(registry, "build", fake_build)
    config = replace_in_runs(exp003.get_config("default"), backbone_weights=weights)
    for run in config.runs:
        if run.model == "unet003":
            continue
        with pytest.raises(StopIteration):
            loop.build_model(run, registry.get(run.model), _NoScope(), False)
    assert seen == {"densenet003": weights, "mobilenet003": weights}
    fusion = replace_in_runs(leaderboard.get_config("default"), backbone_weights=weights)
    assert all(run.backbone.weights == weights for run in fusion.runs if run.backbone)
    none = replace_in_runs(exp003.get_config("default"), backbone_weights="none")
    assert all(run.backbone.weights is None for run in none.runs if run.backbone)


class _NoScope:
    def scope(self):
        import contextlib
        return contextlib.nullcontext()

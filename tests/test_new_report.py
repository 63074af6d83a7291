"""A sixth report needs one experiment file and nothing else (issue 10): this test is
that file. It declares a toy report (one run, three seeds, one claim) in the form every
experiment module uses, runs it end to end through the runner at a tiny size, and checks
that the claim comes out decided, with the interval behind it."""
import json

from deepcolor.train import claims, runner
from deepcolor.train.config import DataConfig, ExperimentConfig, RunConfig
from deepcolor.train.experiment import Experiment

PRESETS = {"default": "report 004's model 1 on 16 sample crops at 16 px, 1 epoch, 3 seeds"}


def get_config(preset: str) -> ExperimentConfig:
    data = DataConfig(source="sample", image_size=16, train_limit=16, eval_limit=8,
                      label="sample crops")
    run = RunConfig("model 1", "unet004_model1", data, batch_size=8, epochs=1)
    claim = claims.Bound("the model's outputs stay in range (ab MSE at most 1)", "model 1",
                         "mse", at_most=1.0)
    return ExperimentConfig("toy_report", preset, "999", "A toy sixth report", [run],
                            seeds=[0, 1, 2], claims=[claim], stand_in="sample crops (test)",
                            expected_runtime="seconds")


EXPERIMENT = Experiment("toy_report", "tests.test_new_report", "A toy sixth report.",
                        PRESETS, get_config)


def test_a_new_report_is_one_file_and_runs_end_to_end(tmp_path, capsys):
    argv = ["--results-dir", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs")]
    assert runner.main(EXPERIMENT, argv) == 0
    log = capsys.readouterr().out
    assert "expected time: seconds" in log  # the preset's expected time, first
    assert "[3/3] model 1, seed 2 (" in log and "min left)" in log  # progress with an ETA
    out = tmp_path / "results" / "toy_report" / "default"
    verdicts = json.loads((out / "verdicts.json").read_text())
    assert [v["verdict"] for v in verdicts] == [claims.SUPPORTED], verdicts
    assert "[" in verdicts[0]["evidence"]  # the 95% interval over the three seeds
    assert "one-sample t-test" in verdicts[0]["evidence"]  # the verdict names its test
    table = (out / "table.md").read_text()
    assert "Seeds: 0, 1, 2" in table and "SUPPORTED" in table and "mse 95% CI" in table
    for seed in (0, 1, 2):
        assert list((tmp_path / "runs").glob(f"toy_report/default/*/00-model_1-seed{seed}/result.json"))


def test_the_claims_summary_lists_every_verdict(tmp_path):
    """python -m deepcolor.train.summary gathers the toy report's verdict into one table."""
    from deepcolor.train import summary

    argv = ["--results-dir", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs"),
            "--seeds", "0,1,2", "--epochs", "1"]
    assert runner.main(EXPERIMENT, argv) == 0
    (tmp_path / "results" / "old" / "default").mkdir(parents=True)
    (tmp_path / "results" / "old" / "default" / "config.json").write_text(
        json.dumps({"command": "python -m experiments.old", "config": {"report": "000"}}))
    assert summary.main(["--results-dir", str(tmp_path / "results")]) == 0
    text = (tmp_path / "results" / "claims.md").read_text()
    assert ("| 999 | the model's outputs stay in range (ab MSE at most 1) | SUPPORTED | "
            "one-sample t-test against the seed-independent baseline | 3 |") in text
    assert "python -m experiments.old" in text  # listed as written before claims were data


def test_an_experiment_prints_no_tensorflow_log_lines(tmp_path):
    """TensorFlow's C++ lines (cuInit, oneDNN, grappler) stay off the run's output."""
    import subprocess
    import sys

    env = {k: v for k, v in __import__("os").environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "DEEPCOLOR_DEBUG")}
    result = subprocess.run([sys.executable, "-m", "tests.tiny_experiment", "--preset", "nobn",
                             "--epochs", "1", "--seeds", "0", "--results-dir",
                             str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs")],
                            capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    for noise in ("cuInit", "oneDNN custom operations", "E0000", "I0000", "W0000"):
        assert noise not in output, noise

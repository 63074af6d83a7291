"""Leaderboard: every registered colorizer under one protocol, plus two untrained baselines.

    python -m experiments.leaderboard                 # default preset, offline
    python -m experiments.leaderboard --preset full   # the same protocol on all of CIFAR-10

Every model of the registry (except the cGAN discriminator, which colours nothing)
is trained on the same images with the same budget and scored with the same metrics
on the same held-out images; report 002's cGAN (generator `unet002`, deepcolor/train/gan.py)
is its own entry. Two rows need no training:

* no colour: the test image's own L with a = b = 0 (a gray image);
* mean colour: the test image's L with the training set's mean a and b.

Protocol (both presets): CIFAR-10 at its native 32x32 (the offline JPEG copy); every
model accepts 32: the U-Nets need multiples of 8 or 16, DenseNet121 and MobileNet
their minimum of 32 (5 upsamplings back from 1x1), and the Inception-ResNet-v2 /
VGG16 embedders of the fusion models run at their smallest sizes (75 and 32); Adam
1e-3 and MSE in each model's own target space (RGB, YUV's UV or Lab's ab, as its
report defines it); the cGAN with its own loss (GAN + 50 L1) and Adam 2e-4 for both
networks; batch 8 (more steps for the same images, so that batch-norm moving
averages at Keras' momentum 0.99 lag less; they still lag, see the table notes);
seed 0. Scores are on RGB in [0, 1]: PSNR, SSIM, CIEDE2000, colourfulness (Hasler &
Suesstrunk) and its gap to the truth. Ranked by CIEDE2000.

Presets:
* ``default``: 512 training, 256 validation and 256 test images, 3 epochs (192 steps
  per model); encoders and backbones RANDOMLY initialised (offline). About 45 minutes
  on this project's 2-core CPU shared with other jobs (measured at a load average of
  about 5; 28 of them in model.fit, the rest embeddings, evaluation and export).
* ``full``: 45,000 training, 5,000 validation and 10,000 test images, 20 epochs, the
  ImageNet weights for DenseNet121, MobileNet, Inception-ResNet-v2 and VGG16 (needs
  internet or a cached download, see ``--backbone-weights``; Keras' ImageNet VGG16
  with its 1000-class head needs 224x224, so this preset runs VGG16 at 224). About
  half a day on one GPU.

After the run, `write_summary` writes the ranked table with its command, budget and
machine to results/leaderboard.md (the ``default`` preset) or
results/leaderboard_<preset>.md.
"""
from __future__ import annotations

import json
import os
import sys

from deepcolor.errors import UsageError
from deepcolor.train import baselines, metric_table, runner
from deepcolor.train.config import BackboneConfig, DataConfig, ExperimentConfig, RunConfig
from deepcolor.train.experiment import Experiment

PRESETS = {
    "default": "all registered models + cGAN, 512 CIFAR-10 images, 32px, 3 epochs, random "
               "encoders, 2 untrained baselines (offline; ~45 min on a 2-core CPU)",
    "full": "the same on all of CIFAR-10 (45k/5k/10k), 20 epochs, ImageNet encoders "
            "(needs the weights; about half a day on one GPU)",
}
SKIP = ("cgan002_discriminator",)
GAN_ENTRY = "unet002 cGAN"
RANK_BY = "ciede2000"
# Embedders of the models that take one: (arch, embedding, size offline, size pretrained).
_EMBEDDERS = {"fusion001": ("inception_resnet_v2", "pooled", 75, None),
              "koalarization": ("inception_resnet_v2", "logits", 75, None),
              "koalarization002": ("vgg16", "softmax", 32, 224)}
_ENCODER_MODELS = {"densenet003": "densenet121", "mobilenet003": "mobilenet",
                   "effnet_unet": "efficientnet_lite0"}


def model_names() -> list:
    from deepcolor.models import registry

    return [name for name in registry.names() if name not in SKIP]


def get_config(preset: str) -> ExperimentConfig:
    if preset not in PRESETS:
        raise UsageError(f"unknown preset {preset!r}")
    full = preset == "full"
    data = DataConfig(source="cifar10-jpg", image_size=32,
                      train_limit=None if full else 512, eval_limit=None if full else 256,
                      label="CIFAR-10 32px")
    epochs, weights = (20, "imagenet") if full else (3, None)
    runs = []
    for name in model_names():
        run = RunConfig(name, name, data, learning_rate=1e-3, batch_size=8, epochs=epochs)
        if name in _EMBEDDERS:
            arch, embedding, small, pretrained = _EMBEDDERS[name]
            run.backbone = BackboneConfig(arch=arch, weights=weights, embedding=embedding,
                                          size=pretrained if full else small)
        if name in _ENCODER_MODELS:
            run.backbone = BackboneConfig(arch=_ENCODER_MODELS[name], weights=weights)
        runs.append(run)
    runs.append(RunConfig(GAN_ENTRY, "unet002", data, learning_rate=2e-4, batch_size=8,
                          epochs=epochs, trainer="cgan"))
    return ExperimentConfig(
        "leaderboard", preset, "all", "Leaderboard: every model, one protocol", runs,
        stand_in="" if full else "a 512-image CIFAR-10 subset; encoders and backbones "
                                 "randomly initialised (offline)",
        expected_runtime="about half a day on one GPU" if full else
        "about 45 minutes on a shared 2-core CPU",
        notes=[f"Same protocol for every model: {data.label}, {epochs} epochs, batch 8, "
               f"Adam 1e-3 (cGAN: 2e-4, GAN + 50 L1), each model's own colour space; "
               f"ranked by {RANK_BY} (lower is better).",
               "final_loss / test_loss are in each model's own target space (and L_total for "
               "the cGAN): not comparable across rows; psnr, ssim, ciede2000 and colourfulness "
               "are, all on the same test images.",
               "The two baseline rows are computed, not trained, on the same test images.",
               "Batch norm at Keras' default momentum 0.99 (unet002, its cGAN, unet003) lags "
               "after this few steps: a final_val_loss far above final_loss is that lag "
               "(inference uses the moving statistics), and it costs those rows."])


def baseline_rows(config: ExperimentConfig) -> list:
    """The no-colour and mean-colour rows (deepcolor.train.baselines)."""
    return baselines.rows(config)


def observations(results, config) -> list:
    """The ranking and which models beat the untrained baselines (first seed)."""
    scores = {name: per_seed[0].metrics for name, per_seed in results.items() if per_seed}
    gray, mean = baseline_rows(config)  # no colour, mean colour
    entries = {**scores, gray["run"]: gray, mean["run"]: mean}
    ranked = sorted(entries, key=lambda name: entries[name][RANK_BY])
    lines = ["Ranking by CIEDE2000 (lower is better): " + "; ".join(
        f"{i}. {name} {entries[name][RANK_BY]:.2f}" for i, name in enumerate(ranked, 1))]
    for row, what in ((gray, "no-colour"), (mean, "mean-colour")):
        for metric, better in (("ciede2000", lambda a, b: a < b), ("psnr", lambda a, b: a > b)):
            beat = [n for n in scores if better(scores[n][metric], row[metric])]
            lines.append(f"Models better than the {what} baseline on {metric} "
                         f"({row[metric]:.3f}): {len(beat)} of {len(scores)}"
                         + (f" ({', '.join(beat)})" if beat else ""))
    vivid = max(scores, key=lambda n: scores[n]["colorfulness_gap"])
    lines.append(f"Smallest colourfulness deficit: {vivid} (gap "
                 f"{scores[vivid]['colorfulness_gap']:+.1f}; no-colour baseline "
                 f"{gray['colorfulness_gap']:+.1f})")
    return lines


def write_summary(out_dir: str, results_root: str, config: ExperimentConfig) -> str:
    """Called by the runner after the tables are written."""
    name = "leaderboard.md" if config.preset == "default" else f"leaderboard_{config.preset}.md"
    return write_markdown(out_dir, os.path.join(results_root, name))


def write_markdown(results_dir: str, path: str) -> str:
    """results/leaderboard.md: the runner's table ranked by CIEDE2000, with its provenance."""
    import pandas as pd

    from deepcolor.tables import markdown_table

    with open(os.path.join(results_dir, "config.json")) as f:
        saved = json.load(f)
    table = pd.read_csv(os.path.join(results_dir, "table.csv"))
    table = table.sort_values(metric_table.column(RANK_BY))
    table.insert(0, "rank", range(1, len(table) + 1))
    columns = (["rank", "run", "model"] + [metric_table.column(m) for m in
                                           metric_table.table_metrics(across_models=True)]
               + ["epochs", "train images"])
    rows = [{c: (None if pd.isna(v) else v) for c, v in row.items()}
            for row in table.to_dict("records")]
    env, config = saved["environment"], saved["config"]
    lines = ["# Leaderboard: every colorizer under one protocol", "",
             f"Command: `{saved['command']}` (preset `{config['preset']}`)", "",
             *[f"- {note}" for note in config["notes"]],
             f"- Data: {config['stand_in'] or 'the full CIFAR-10 copy'}",
             f"- Machine: {env['hardware']}, {env['platform']}; precision {saved['precision']}; "
             f"{env['date']}" + (f"; {env['wall_time']}" if env.get("wall_time") else ""),
             f"- Per-run results, curves and sample grid: `{results_dir}/`", "",
             markdown_table(rows, columns), ""]
    with open(os.path.join(results_dir, "table.md")) as f:  # the ranking and baseline verdicts
        verdicts = f.read().partition("## Observations")[2].strip()
    if verdicts:
        lines += ["## What this run shows", "", verdicts, ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path


EXPERIMENT = Experiment("leaderboard", "experiments.leaderboard", __doc__.split("\n\n")[0],
                        PRESETS, get_config, baseline_rows=baseline_rows,
                        observations=observations, summary=write_summary)

if __name__ == "__main__":
    sys.exit(runner.main(EXPERIMENT))

"""Training step: images/second and achieved FLOP/s of every registered model.

    python -m benchmarks.train_step                # every model, report sizes (~10-15 min)
    python -m benchmarks.train_step --quick        # two models at 16 px (smoke test)
    python -m benchmarks.train_step --full-batch   # the reports' batches (for a GPU)

Per model: forward FLOPs per image counted from the layer shapes (benchmarks.flops;
training = 3x forward; where TensorFlow is installed its graph profiler's count is
given beside it as a cross-check), then a training step
(Adam, MSE, synthetic batch; benchmarks.step_timing) in float32 and mixed_bfloat16,
each without and with XLA (`jit_compile=True`). Achieved FLOP/s = images/s x
training FLOPs per image. Fusion models: the trainable head on random embeddings;
their frozen backbone (one forward per image, once, then cached) is timed apart.

On a CPU the reports' batches would take minutes per step, so by default the timed
batch is the report's batch capped at `--step-gflop` GFLOP of training work per step
(the table gives both); per-image throughput on a CPU barely depends on the batch
once a step is this large. The JAX-backend variant is benchmarks.train_step_jax.
"""
from __future__ import annotations

import argparse
import math
import time

import keras

from benchmarks import common, flops
from benchmarks import step_timing as st

QUICK_MODELS = ("unet004_model1", "fusion001")


def choose_batch(train_flops: float, report: int, step_gflop: float, full: bool) -> int:
    if full:
        return report
    return max(1, min(report, math.floor(step_gflop * 1e9 / train_flops)))


def _tf_profiler_flops(model):
    """TensorFlow's own count, as a cross-check; None without TensorFlow or its backend."""
    if keras.backend.backend() != "tensorflow":
        return None
    return flops.tf_profiler_flops(model)


def measure(name: str, args, configs) -> tuple:
    from deepcolor.models import registry

    spec = registry.get(name)
    size = args.size or spec.input_size
    model = st.build(name, size)
    forward = flops.forward_flops(model)
    profiler = _tf_profiler_flops(model)
    variables = len(model.trainable_variables)
    del model
    keras.backend.clear_session()
    train = flops.TRAIN_FACTOR * forward
    batch = args.batch or choose_batch(train, st.report_batch(name), args.step_gflop,
                                       args.full_batch)
    row = {"model": name, "report": spec.report, "input": size, "variables": variables,
           "report batch": st.report_batch(name), "timed batch": batch,
           "fwd GFLOP/img": forward / 1e9, "train GFLOP/img": train / 1e9,
           "fwd GFLOP/img (TF profiler)": profiler / 1e9 if profiler else "-"}
    first = {"model": name}
    for label, policy, xla in configs:
        if xla and variables > args.xla_max_variables:
            first[f"{label} first step s"] = f"skipped (> {args.xla_max_variables:g} variables)"
            continue
        # XLA: the compile is the cost; its steps vary little, so one timed step.
        timing = args.xla_timing if xla else args.timing
        result = st.time_train_step(name, batch, policy, xla, size, **timing)
        row[f"{label} img/s"] = result["img_per_s"]
        row[f"{label} GFLOP/s"] = result["img_per_s"] * train / 1e9
        first[f"{label} first step s"] = result["warmup_s"]
        first[f"{label} steps timed"] = result["steps"]
        print(f"{name} batch {batch} {label}: {result['img_per_s']:.3g} img/s, "
              f"{row[f'{label} GFLOP/s']:.3g} GFLOP/s", flush=True)
    backbone = None
    if "embedding" in spec.extra_inputs and not args.quick:
        embedder, arch, backbone_size = st.build_backbone(name, size)
        cost = flops.forward_flops(embedder)
        result = st.time_backbone(embedder, args.backbone_batch, **args.timing)
        keras.backend.clear_session()
        backbone = {"model": name, "backbone": arch, "gray input": size,
                    "backbone input": backbone_size,
                    "fwd GFLOP/img": cost / 1e9, "batch": args.backbone_batch,
                    "fp32 img/s": result["img_per_s"],
                    "fp32 GFLOP/s": result["img_per_s"] * cost / 1e9}
    return row, first, backbone


def _parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="two models at 16 px, batch 2")
    parser.add_argument("--models", nargs="+", help="default: every registered model")
    parser.add_argument("--size", type=int, help="input size (default: each report's)")
    parser.add_argument("--batch", type=int, help="timed batch for every model")
    parser.add_argument("--step-gflop", type=float, default=60.0,
                        help="cap on training GFLOP per timed step (CPU)")
    parser.add_argument("--full-batch", action="store_true", help="the reports' batches")
    parser.add_argument("--backbone-batch", type=int, default=4)
    parser.add_argument("--xla-max-variables", type=float, default=100,
                        help="skip XLA for models with more trainable variables (compile time; "
                             "DenseNet121's did not finish in 7 min on 2 cores)")
    parser.add_argument("--configs", nargs="+", choices=[c[0] for c in st.CONFIGS],
                        default=[c[0] for c in st.CONFIGS])
    parser.add_argument("--section", default="Training step")
    parser.add_argument("--output", default=str(common.RESULTS))
    args = parser.parse_args(argv)
    args.timing = dict(warmup=1, min_steps=2, min_seconds=1.0)
    args.xla_timing = dict(warmup=1, min_steps=1, min_seconds=0.0)
    if args.quick:
        args.models = args.models or list(QUICK_MODELS)
        args.size, args.batch = args.size or 16, args.batch or 2
        args.timing = args.xla_timing
    return args


def main(argv=None) -> int:
    from deepcolor.models import registry

    args = _parse(argv)
    names = args.models or registry.names()
    configs = [c for c in st.CONFIGS if c[0] in args.configs]
    env = common.machine()
    command = common.command_line("benchmarks.train_step", argv)
    start = time.perf_counter()
    rows, firsts, backbones = [], [], []
    for name in names:
        row, first, backbone = measure(name, args, configs)
        rows.append(row)
        firsts.append(first)
        if backbone:
            backbones.append(backbone)
    body = _body(args, configs, env, command, time.perf_counter() - start, rows, firsts,
                 backbones)
    return common.publish(args.section, body, args.output)


def _body(args, configs, env, command, seconds, rows, firsts, backbones) -> list:
    """The section's lines: how it was measured, then the tables."""
    labels = [c[0] for c in configs]
    columns = (["model", "report", "input", "variables", "report batch", "timed batch",
                "fwd GFLOP/img", "train GFLOP/img", "fwd GFLOP/img (TF profiler)"]
               + [f"{label} {unit}" for label in labels for unit in ("img/s", "GFLOP/s")])
    body = common.header(env, command) + [
        f"- Load average at end: {common.load_average():.2f}; whole run "
        f"{seconds:.0f} s",
        f"- FLOPs: {flops.SHAPE_COUNT}. GFLOP/s = img/s x training GFLOP/img. "
        "`(TF profiler)`: TensorFlow's graph profiler on the frozen forward graph at batch 1 "
        "(adds bias and elementwise ops), a cross-check only ('-' without TensorFlow).",
        "- Timed batch: the report's batch, capped at "
        f"{args.step_gflop:g} GFLOP of training per step on this CPU"
        + (" (overridden by --batch/--quick)" if args.batch else "") + ". Reports 000 and "
        "002 state no batch: 32 (Keras' default) is taken.",
        "- Step: `train_on_batch` on one synthetic batch, Adam + MSE, random weights; "
        f"median of at least {args.timing['min_steps']} timed steps (and "
        f"{args.timing['min_seconds']:g} s) after {args.timing['warmup']} warm-up step, "
        "which traces; with XLA one timed step after the warm-up step that compiles. "
        "bf16 = Keras `mixed_bfloat16` (bfloat16 compute, float32 weights); XLA = "
        "`compile(jit_compile=True)`. XLA is skipped for models with more than "
        f"{args.xla_max_variables:g} trainable variables: compiling DenseNet121's train step "
        "did not finish within 7 minutes in a trial run of this benchmark on these 2 "
        "shared cores.",
        "- Fusion models (two inputs: gray + embedding): the trainable head with random "
        "embeddings; the frozen backbone is below.", "",
        common.table(rows, columns), "",
        "### First step (trace, and with XLA compile) in seconds, and steps timed", "",
        common.table(firsts, ["model"] + [f"{label} {what}" for label in labels
                                          for what in ("first step s", "steps timed")])]
    if backbones:
        body += ["", "### Frozen backbones of the fusion models (one forward per image, "
                 "computed once before training and cached)", "",
                 common.table(backbones, ["model", "backbone", "gray input", "backbone input",
                                          "fwd GFLOP/img",
                                          "batch", "fp32 img/s", "fp32 GFLOP/s"])]
    body += ["", "No GPU figures: this machine has no GPU and none was available to this "
             "work. On a GPU run `python -m benchmarks.train_step --full-batch` (TensorFlow) "
             "or the JAX variant (section below)."]
    return body


if __name__ == "__main__":
    raise SystemExit(main())

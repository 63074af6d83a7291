"""Training step under the JAX backend: the same timing as benchmarks.train_step.

    pip install -U "jax[cuda12]"     # on a GPU machine; plain `pip install jax` for CPU
    KERAS_BACKEND=jax python -m benchmarks.train_step_jax            # reports' batches
    KERAS_BACKEND=jax python -m benchmarks.train_step_jax --quick    # smoke test

JAX is not a dependency of the suite; the models use only keras.layers and
keras.ops, so they build and train under it unchanged. Every JAX step is compiled
by XLA (there is no non-XLA mode), in float32 and in mixed_bfloat16. Inputs are
synthetic batches (benchmarks.step_timing), as in the TensorFlow benchmark.
FLOPs per image are XLA's own count (`jax.jit(...).lower(...).compile()
.cost_analysis()["flops"]` of the forward pass at batch 1; training = 3 x forward);
XLA counts every elementwise op, so it can differ a little from the TensorFlow
profiler's count in the TensorFlow section.
"""
from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # must precede the first keras import

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import keras  # noqa: E402

from benchmarks import common  # noqa: E402
from benchmarks import step_timing as st  # noqa: E402

CONFIGS = (("fp32", "float32"), ("bf16", "mixed_bfloat16"))
QUICK_MODELS = ("unet000_simple_yuv", "fusion001")


def forward_flops(model) -> float:
    """XLA's FLOP count of one forward pass at batch 1."""
    import jax

    inputs, _ = st.synthetic_batch(model, 1)
    trainable = [v.value for v in model.trainable_variables]
    frozen = [v.value for v in model.non_trainable_variables]

    def forward(trainable, frozen, inputs):
        x = inputs[0] if len(inputs) == 1 else inputs
        return model.stateless_call(trainable, frozen, x, training=False)[0]

    cost = jax.jit(forward).lower(trainable, frozen, inputs).compile().cost_analysis()
    cost = cost[0] if isinstance(cost, (list, tuple)) else cost  # older jax: one per device
    return float(cost["flops"])


def main(argv=None) -> int:
    import jax

    from deepcolor.models import registry

    if keras.backend.backend() != "jax":
        raise SystemExit("run with KERAS_BACKEND=jax (keras was already set to "
                         f"{keras.backend.backend()!r})")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="two models at 16 px, batch 2")
    parser.add_argument("--models", nargs="+", help="default: every registered model")
    parser.add_argument("--size", type=int, help="input size (default: each report's)")
    parser.add_argument("--batch", type=int, help="batch for every model (default: report's)")
    parser.add_argument("--step-gflop", type=float,
                        help="cap on training GFLOP per step (for CPU runs)")
    parser.add_argument("--section", default="Training step, JAX backend")
    parser.add_argument("--output", default=str(common.RESULTS))
    args = parser.parse_args(argv)
    timing = dict(warmup=1, min_steps=3, min_seconds=2.0)
    if args.quick:
        args.models = args.models or list(QUICK_MODELS)
        args.size, args.batch = args.size or 16, args.batch or 2
        timing = dict(warmup=1, min_steps=1, min_seconds=0.0)
    env = common.machine()
    command = "KERAS_BACKEND=jax " + common.command_line("benchmarks.train_step_jax", argv)
    start = time.perf_counter()
    rows = []
    for name in args.models or registry.names():
        size = args.size or registry.get(name).input_size
        forward = forward_flops(st.build(name, size))
        keras.backend.clear_session()
        train = 3 * forward
        batch = args.batch or st.report_batch(name)
        if args.step_gflop:
            batch = max(1, min(batch, math.floor(args.step_gflop * 1e9 / train)))
        row = {"model": name, "input": size, "batch": batch, "fwd GFLOP/img (XLA)": forward / 1e9}
        for label, policy in CONFIGS:
            result = st.time_train_step(name, batch, policy, True, size, **timing)
            row[f"{label} img/s"] = result["img_per_s"]
            row[f"{label} GFLOP/s"] = result["img_per_s"] * train / 1e9
            row[f"{label} compile s"] = result["warmup_s"]
            print(f"{name} batch {batch} {label}: {result['img_per_s']:.3g} img/s", flush=True)
        rows.append(row)
    columns = ["model", "input", "batch", "fwd GFLOP/img (XLA)"] + [
        f"{label} {unit}" for label, _ in CONFIGS for unit in ("img/s", "GFLOP/s", "compile s")]
    body = common.header(env, command) + [
        f"- JAX {jax.__version__} devices: {', '.join(str(d) for d in jax.devices())}; "
        f"load average at end {common.load_average():.2f}; whole run "
        f"{time.perf_counter() - start:.0f} s",
        "- Every step XLA-compiled (JAX); `compile s` = first step (trace + compile). "
        "Median of the timed steps after it; synthetic batches, Adam + MSE, random weights.",
        "", common.table(rows, columns)]
    return common.publish(args.section, body, args.output)


if __name__ == "__main__":
    raise SystemExit(main())

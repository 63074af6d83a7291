"""Training step under the JAX backend, each configuration in its own child process.

    KERAS_BACKEND=jax python -m benchmarks.train_step_jax                 # reports' batches
    KERAS_BACKEND=jax python -m benchmarks.train_step_jax --quick         # smoke test (CPU)
    KERAS_BACKEND=jax python -m benchmarks.train_step_jax --models unet003 \\
        --configs fp32 bf16 bf16-bn32 --autotune both --profile traces/   # why is bf16 slow?

Needs no TensorFlow. Every JAX step is XLA-compiled. Configurations: `fp32`
(float32), `bf16` (Keras `mixed_bfloat16`: bfloat16 compute, float32 weights; Keras'
BatchNormalization takes and returns bfloat16 but computes its statistics in
float32) and `bf16-bn32` (the same with every BN layer on the float32 policy, so the
cast back to bfloat16 moves to the next layer). Layout: the models are channels-last
(NHWC) Keras models, kept as they are; XLA picks the physical layout of each conv.
FLOPs per image: counted from the layer shapes (benchmarks.flops; training = 3 x
forward), the same count as the TensorFlow benchmark's.

Autotune crash: on an H100/H200 XLA's cuDNN autotuning crashed on report 003's
U-Net (unet003, batch 383) with CUDA_ERROR_ILLEGAL_ADDRESS; the flag

    XLA_FLAGS=--xla_gpu_autotune_level=0

(no autotuning: XLA's default conv algorithms) avoided it. So each model runs in a
child process; if the child dies (that error or any other crash, or the per-model
time limit) while autotuning is on, its missing configurations are retried once with
`--xla_gpu_autotune_level=0`, and the table says so in `note`. `--autotune off`
times with the flag from the start; `--autotune both` times each configuration both
ways (the comparison that tells a slow configuration from a slow default algorithm).

`--profile DIR` traces `--profile-steps` steps of each configuration with
`jax.profiler` into DIR/<model>-<config>-autotune<level>/ (open with TensorBoard's
profile plugin or Perfetto). `--json FILE` also writes the rows as JSON.
"""
from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # must precede the first keras import

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from benchmarks import common, flops  # noqa: E402
from benchmarks import step_timing as st  # noqa: E402

# label -> (dtype policy, batch norm in float32)
CONFIGS = {"fp32": ("float32", False), "bf16": ("mixed_bfloat16", False),
           "bf16-bn32": ("mixed_bfloat16", True)}
AUTOTUNE_OFF = "--xla_gpu_autotune_level=0"
QUICK_MODELS = ("unet000_simple_yuv", "fusion001")
MARK = "RESULT "  # prefix of the child's result lines on stdout


def child(spec: dict) -> int:
    """Time spec["configs"] of one model in this process; one RESULT line per config."""
    import jax
    import keras

    # The parent never starts JAX (it would take the GPU's memory): the child says
    # which machine it ran on.
    print("ENV " + json.dumps(common.machine()), flush=True)
    size, name = spec["size"], spec["model"]
    forward = flops.forward_flops(st.build(name, size))
    keras.backend.clear_session()
    for label in spec["configs"]:
        policy, bn32 = CONFIGS[label]
        if spec["level"] is None and os.environ.get("DEEPCOLOR_TEST_CRASH") == label:
            os.abort()  # tests: a crash while autotuning is on, as unet003's on the GPU
        trace = None
        if spec.get("profile"):
            trace = os.path.join(spec["profile"], f"{name}-{label}-autotune-{'off' if spec['level'] == 0 else 'on'}")

        def profile(step, trace=trace):
            if trace:
                with jax.profiler.trace(trace):
                    for _ in range(spec["profile_steps"]):
                        step()

        result = st.time_train_step(name, spec["batch"], policy, True, size,
                                    prepare=st.batch_norm_in_float32 if bn32 else None,
                                    after=profile, **spec["timing"])
        stats = jax.devices()[0].memory_stats() or {}
        row = {"model": name, "input": size, "batch": spec["batch"], "config": label,
               "autotune": "off (level 0)" if spec["level"] == 0 else "on (default)",
               "fwd GFLOP/img": forward / 1e9, "img/s": result["img_per_s"],
               "GFLOP/s": result["img_per_s"] * flops.TRAIN_FACTOR * forward / 1e9,
               "compile s": result["warmup_s"], "steps": result["steps"],
               "peak GiB": stats.get("peak_bytes_in_use", 0) / 2**30 or "-",
               "trace": trace or "-"}
        print(MARK + json.dumps(row), flush=True)
    return 0


def _run_child(spec: dict, level, timeout: float):
    """Run one child; (rows it finished, why it stopped early or None)."""
    env = dict(os.environ, KERAS_BACKEND="jax")
    if level == 0:
        env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {AUTOTUNE_OFF}".strip()
    command = [sys.executable, "-m", "benchmarks.train_step_jax", "--child",
               json.dumps({**spec, "level": level})]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=timeout)
        out, err, code = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as expired:
        out, err, code = expired.stdout or "", expired.stderr or "", None
        out, err = (x.decode(errors="replace") if isinstance(x, bytes) else x for x in (out, err))
    rows = [json.loads(line[len(MARK):]) for line in out.splitlines() if line.startswith(MARK)]
    machines = [json.loads(line[4:]) for line in out.splitlines() if line.startswith("ENV ")]
    if machines:
        _MACHINE.setdefault("env", machines[0])
    if code == 0:
        return rows, None
    if code is None:
        return rows, f"time limit {timeout:g} s"
    if "CUDA_ERROR_ILLEGAL_ADDRESS" in err:
        return rows, "CUDA_ERROR_ILLEGAL_ADDRESS"
    lines = [line for line in err.splitlines() if line.strip()]
    return rows, f"exit {code}: {(lines[-1] if lines else '')[:160]}"


_MACHINE: dict = {}  # the first child's common.machine()


def measure(spec: dict, autotune: str, timeout: float, log=print):
    """Rows for one model: each config under each autotune setting, crash-retried once."""
    rows = []
    for level in ([None, 0] if autotune == "both" else [0 if autotune == "off" else None]):
        rows_now, why = _run_child(spec, level, timeout)
        for row in rows_now:
            row["note"] = ""
        missing = [c for c in spec["configs"] if c not in {r["config"] for r in rows_now}]
        if why and missing and level is None and autotune != "both":
            log(f"{spec['model']}: child stopped ({why}); retrying {missing} with {AUTOTUNE_OFF}")
            retried, why_again = _run_child({**spec, "configs": missing}, 0, timeout)
            for row in retried:
                row["note"] = f"retried with autotune level 0 after: {why}"
            rows_now += retried
            missing = [c for c in missing if c not in {r["config"] for r in retried}]
            why = why_again or why
        for label in missing:
            rows_now.append({"model": spec["model"], "input": spec["size"],
                             "batch": spec["batch"], "config": label,
                             "autotune": "off (level 0)" if level == 0 else "on (default)",
                             "note": f"FAILED: {why}"})
        rows += rows_now
        for row in rows_now:
            log(f"{row['model']} {row['config']} autotune {row['autotune']}: "
                f"{row.get('img/s', '-')} img/s {row['note']}")
    return rows


def _parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="two models at 16 px, batch 2")
    parser.add_argument("--models", nargs="+", help="default: every registered model")
    parser.add_argument("--size", type=int, help="input size (default: each report's)")
    parser.add_argument("--batch", type=int, help="batch for every model (default: report's)")
    parser.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=["fp32", "bf16"])
    parser.add_argument("--autotune", choices=["on", "off", "both"], default="on")
    parser.add_argument("--profile", metavar="DIR", help="jax.profiler traces go here")
    parser.add_argument("--profile-steps", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per child")
    parser.add_argument("--deadline", type=float,
                        help="seconds for the whole run: models not started by then are listed")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    parser.add_argument("--section", default="Training step, JAX backend")
    parser.add_argument("--output", default=str(common.RESULTS))
    return parser.parse_args(argv)


def main(argv=None) -> int:
    from deepcolor.models import registry

    args = _parse(argv)
    if args.child:
        return child(json.loads(args.child))
    timing = dict(warmup=1, min_steps=3, min_seconds=2.0)
    if args.quick:
        args.models = args.models or list(QUICK_MODELS)
        args.size, args.batch = args.size or 16, args.batch or 2
        timing = dict(warmup=1, min_steps=1, min_seconds=0.0)
    names = args.models or registry.names()
    unknown = sorted(set(names) - set(registry.names()))
    if unknown:
        raise SystemExit(f"unknown models {unknown}; known: {', '.join(registry.names())}")
    command = "KERAS_BACKEND=jax " + common.command_line("benchmarks.train_step_jax", argv)
    start = time.perf_counter()
    rows, skipped = [], []
    for name in names:
        if args.deadline and time.perf_counter() - start > args.deadline:
            skipped.append(name)
            continue
        spec = {"model": name, "size": args.size or registry.get(name).input_size,
                "batch": args.batch or st.report_batch(name), "configs": args.configs,
                "timing": timing, "profile": args.profile and os.path.abspath(args.profile),
                "profile_steps": args.profile_steps}
        rows += measure(spec, args.autotune, args.timeout)
    return _publish(args, command, time.perf_counter() - start, rows, skipped)


def _publish(args, command: str, seconds: float, rows: list, skipped: list) -> int:
    """The rows as JSON (--json) and as the results section, with how they were measured."""
    env = _MACHINE.get("env") or {
        "hardware": "unknown (no child finished)", "processor": "-", "platform": sys.platform,
        "versions": {}, "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "load_average_1min": round(common.load_average(), 2), "cpu_count": os.cpu_count(),
        "gpus": []}
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": env, "command": command, "rows": rows}, f, indent=1)
    columns = ["model", "input", "batch", "config", "autotune", "fwd GFLOP/img", "img/s",
               "GFLOP/s", "compile s", "steps", "peak GiB", "note"]
    body = common.header(env, command) + [
        f"- JAX devices: {', '.join(env['gpus']) or 'CPU'}; XLA_FLAGS="
        f"`{os.environ.get('XLA_FLAGS', '')}`; whole run {seconds:.0f} s",
        f"- FLOPs: {flops.SHAPE_COUNT}.",
        "- Each model in a child process; every step XLA-compiled; `compile s` = first step "
        "(trace + compile + autotune). Median of the timed steps after it; synthetic "
        "batches, Adam + MSE, random weights. bf16 = mixed_bfloat16; bf16-bn32 = the same "
        "with batch norm on the float32 policy. autotune off = XLA_FLAGS="
        f"{AUTOTUNE_OFF} (see the module docstring: cuDNN autotuning crashed on unet003).",
        "", common.table(rows, columns)]
    if skipped:
        body += ["", f"Not run (the {args.deadline:g} s deadline passed): {', '.join(skipped)}"]
    return common.publish(args.section, body, args.output)


if __name__ == "__main__":
    raise SystemExit(main())

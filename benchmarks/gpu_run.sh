#!/usr/bin/env bash
# benchmarks/gpu_run.sh: every GPU measurement of issue 11 in ONE device call (<= 8 min).
#
# The GPU machine has JAX, PyTorch, OpenCV, scikit-image, pandas and matplotlib but no
# TensorFlow and no internet. Keras and its two small dependencies travel as wheels.
#
# Once, on this (CPU) machine, in the repository root:
#   mkdir -p .whl gpu_data
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --implementation cp --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#       -d .whl keras==3.15.1 namex optree
#   cp ../shared/datasets/cifar10-jpg.tar.gz gpu_data/     # .whl/ and gpu_data/ are git-ignored
#
# Then with the device tool (`run`), timeout_s 480, carry [".whl", "gpu_data"]:
#   bash benchmarks/gpu_run.sh
# or only some steps (a second call for what a first one ran out of time for):
#   bash benchmarks/gpu_run.sh table            MODELS="unet003 unet002" bash ... table
#
# Steps, each under its own time limit so one failure cannot eat the budget:
#   diagnose  unet003 (report 003, batch 383) in fp32 / bf16 / bf16 with BN in float32,
#             XLA autotune on and off, with jax.profiler traces: why bf16 was slower
#             than float32 on an H200 (6,376 vs 4,200 img/s with autotune off)
#   torch     the PyTorch twin of unet003 (fp32, bf16 autocast, bf16 + torch.compile)
#   table     the JAX train-step table of every registered model at its report's size
#             and batch, fp32 and bf16, each model in a child process; a crash (the
#             CUDA_ERROR_ILLEGAL_ADDRESS of cuDNN autotuning on unet003) is retried once
#             with XLA_FLAGS=--xla_gpu_autotune_level=0 and noted in the table
#   experiment  one real experiment end to end under JAX (EXPERIMENT below)
# Outputs ($OUT, 6 files): gpu_report.md (every table), diagnose.json, table.json,
# logs.tar.gz (each step's log, nvidia-smi, versions), traces.tar.gz, experiment.tar.gz.
#
# --quick: tiny sizes on whatever JAX device there is (the CPU test in
# tests/test_gpu_run.py); no experiment.
set -u
cd "$(dirname "$0")/.."
QUICK=0
if [ "${1:-}" = "--quick" ]; then QUICK=1; shift; fi
STEPS=${*:-diagnose torch table experiment}
PY=${PYTHON:-python3}
OUT=${OUT:-$PWD/gpu_out}
W=$(mktemp -d)                      # work folder; only the packed files go to $OUT
mkdir -p "$OUT" "$W/logs" "$W/traces" "$W/experiment"
export KERAS_BACKEND=jax TF_CPP_MIN_LOG_LEVEL=3
REPORT="$W/gpu_report.md"
EXPERIMENT=${EXPERIMENT:-"-m experiments.unet_colorspace --preset default --epochs 1"}

if ls .whl/*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl > "$W/logs/pip.log" 2>&1
    export PYTHONPATH="/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
else
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
if [ -f gpu_data/cifar10-jpg.tar.gz ]; then
    export DEEPCOLOR_CIFAR10_TAR="$PWD/gpu_data/cifar10-jpg.tar.gz" DEEPCOLOR_DATA=/tmp/deepcolor_data
fi
{ nvidia-smi 2>&1; "$PY" -m pip list 2>/dev/null | grep -iE "jax|keras|torch|optree|namex|numpy"; } \
    > "$W/logs/machine.log"

step() {  # step NAME SECONDS COMMAND...: run it under its limit, log it, record its exit
    local name=$1 limit=$2; shift 2
    local start=$SECONDS
    timeout -k 10 "$limit" "$@" > "$W/logs/$name.log" 2>&1
    local code=$?
    local note="exit $code"; [ $code -eq 124 ] && note="time limit ${limit}s reached"
    echo "- step \`$name\`: $note after $((SECONDS - start)) s" | tee -a "$W/steps.md"
}

if [ $QUICK = 1 ]; then
    DIAG=(--models unet003 --size 16 --batch 2 --configs fp32 --autotune off --profile-steps 1)
    TABLE=(--quick --models unet000_simple_yuv --configs fp32)
    TORCH=(--quick --configs fp32)
    LIMITS=(60 30 60 1); STEPS=${*:-diagnose torch table}
else
    DIAG=(--models unet003 --configs fp32 bf16 bf16-bn32 --autotune both --timeout 60)
    # unet003 comes last: the diagnose step has it already.
    TABLE=(--configs fp32 bf16 --timeout 50 --deadline 100 --models ${MODELS:-$(
        "$PY" -c "from deepcolor.models import registry; print(*registry.names())" \
        2>/dev/null | tr ' ' '\n' | grep -vx unet003 | tr '\n' ' ') unet003})
    TORCH=()
    LIMITS=(130 100 150 60)  # + ~20 s set-up and packing: under 8 min
fi
for name in $STEPS; do
    case $name in
        diagnose) step diagnose "${LIMITS[0]}" "$PY" -m benchmarks.train_step_jax "${DIAG[@]}" \
                      --profile "$W/traces" --json "$W/diagnose.json" --output "$REPORT" \
                      --section "unet003: fp32 vs bf16, BN dtype, autotune (JAX)" ;;
        torch)    step torch "${LIMITS[1]}" "$PY" -m benchmarks.torch_unet003 "${TORCH[@]}" \
                      --output "$REPORT" ;;
        table)    step table "${LIMITS[2]}" "$PY" -m benchmarks.train_step_jax "${TABLE[@]}" \
                      --json "$W/table.json" --output "$REPORT" ;;
        experiment) step experiment "${LIMITS[3]}" "$PY" $EXPERIMENT \
                      --results-dir "$W/experiment/results" --runs-dir /tmp/deepcolor_runs ;;
        *) echo "unknown step $name (diagnose, torch, table, experiment)" | tee -a "$W/steps.md" ;;
    esac
done

# Pack: at most 8 files in $OUT.
{ echo "## Steps"; echo; cat "$W/steps.md"; echo; cat "$REPORT" 2>/dev/null; } > "$OUT/gpu_report.md"
for f in diagnose.json table.json; do [ -f "$W/$f" ] && cp "$W/$f" "$OUT/"; done
tar -czf "$OUT/logs.tar.gz" -C "$W" logs
[ -n "$(ls -A "$W/traces")" ] && tar -czf "$OUT/traces.tar.gz" -C "$W" traces
[ -n "$(ls -A "$W/experiment")" ] && tar -czf "$OUT/experiment.tar.gz" -C "$W" experiment
ls -la "$OUT"
rm -rf "$W"

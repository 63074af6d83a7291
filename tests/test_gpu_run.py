"""benchmarks/gpu_run.sh --quick: the GPU script's steps run end to end under JAX on the
CPU, with TensorFlow blocked, and pack their outputs into at most 8 files in $OUT."""
import importlib.util
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_quick_gpu_run_packs_its_outputs(tmp_path):
    stub = tmp_path / "no_tf" / "tensorflow"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text('raise ModuleNotFoundError("tensorflow is blocked", name="tensorflow")\n')
    out = tmp_path / "out"
    env = dict(os.environ, OUT=str(out), PYTHON=sys.executable, JAX_PLATFORMS="cpu",
               PYTHONPATH=str(stub.parent))
    # diagnose (unet003 at 16 px, autotune off, a jax.profiler trace) and torch (fails in
    # one line without PyTorch); `table` runs the same module as diagnose.
    done = subprocess.run(["bash", "benchmarks/gpu_run.sh", "--quick", "diagnose", "torch"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    files = sorted(p.name for p in out.iterdir())
    assert len(files) <= 8 and {"gpu_report.md", "diagnose.json", "logs.tar.gz"} <= set(files)
    report = (out / "gpu_report.md").read_text()
    assert "step `diagnose`: exit 0" in report
    rows = json.loads((out / "diagnose.json").read_text())["rows"]
    assert rows[0]["model"] == "unet003" and rows[0]["autotune"] == "off (level 0)"
    assert rows[0]["img/s"] > 0
    with tarfile.open(out / "traces.tar.gz") as traces:
        assert any(name.endswith(".xplane.pb") for name in traces.getnames())
    if importlib.util.find_spec("torch") is None:
        with tarfile.open(out / "logs.tar.gz") as logs:
            log = logs.extractfile("logs/torch.log").read().decode()
        assert "needs PyTorch" in log and "Traceback" not in log

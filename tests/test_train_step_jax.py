"""benchmarks.train_step_jax: a crashed child is retried once with XLA autotuning off
(the unet003 CUDA_ERROR_ILLEGAL_ADDRESS workaround) and the table says so. Skipped
without jax; the child runs under the JAX backend on the CPU."""
import importlib.util

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                                reason="jax is not installed")


def test_a_crash_is_retried_with_autotune_level_0(monkeypatch):
    from benchmarks import train_step_jax as bench

    monkeypatch.setenv("JAX_PLATFORMS", "cpu")
    monkeypatch.setenv("DEEPCOLOR_TEST_CRASH", "bf16")  # the child aborts at bf16, autotune on
    spec = {"model": "unet000_simple_yuv", "size": 16, "batch": 2, "configs": ["fp32", "bf16"],
            "timing": dict(warmup=1, min_steps=1, min_seconds=0.0), "profile": None,
            "profile_steps": 1}
    rows = {row["config"]: row for row in bench.measure(spec, "on", timeout=300, log=print)}
    assert rows["fp32"]["autotune"] == "on (default)" and rows["fp32"]["note"] == ""
    assert rows["bf16"]["autotune"] == "off (level 0)"
    assert rows["bf16"]["note"].startswith("retried with autotune level 0 after: exit")
    assert all(row["img/s"] > 0 for row in rows.values())

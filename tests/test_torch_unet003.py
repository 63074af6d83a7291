"""benchmarks.torch_unet003: imports without PyTorch, says so in one line when run
without it, and its plain-data layer list is the Keras unet003's conv layers."""
import importlib.util

import keras
import pytest

from benchmarks import torch_unet003
from deepcolor.models import registry


def test_layer_list_matches_the_keras_unet003():
    model = registry.build("unet003", input_size=256)
    kinds = {"Conv2D": "conv", "Conv2DTranspose": "transposed"}
    keras_layers = [(kinds[type(layer).__name__], layer.input.shape[-1], layer.filters,
                     layer.kernel_size[0], layer.strides[0])
                    for layer in model.layers if type(layer).__name__ in kinds]
    assert keras_layers == list(torch_unet003.LAYERS)
    # each decoder block concatenates the encoder output of the matching depth
    skips = [model.get_layer(f"e{i}_conv").filters for i in (3, 2, 1)]
    assert skips == list(torch_unet003.SKIP_CHANNELS)
    assert model.output.shape[1:] == (256, 256, 3)


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed")
def test_without_torch_it_says_so_in_one_line(tmp_path):
    with pytest.raises(SystemExit) as stop:
        torch_unet003.main(["--quick", "--output", str(tmp_path / "b.md")])
    message = str(stop.value.code)
    assert "needs PyTorch" in message and "\n" not in message


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_quick_run_with_torch(tmp_path):
    assert torch_unet003.main(["--quick", "--configs", "fp32", "bf16",
                               "--output", str(tmp_path / "b.md")]) == 0
    assert "unet003 (PyTorch)" in (tmp_path / "b.md").read_text()

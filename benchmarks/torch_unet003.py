"""PyTorch twin of report 003's U-Net (deepcolor.models.families.deepcolor003, unet003): how fast
the same network trains under PyTorch on the same GPU, beside the JAX table.

    python -m benchmarks.torch_unet003                  # 256 px, batch 383 (a GPU)
    python -m benchmarks.torch_unet003 --quick          # 32 px, batch 2 (smoke test)

PyTorch is not a dependency of the suite: it is imported inside main(), and without
it the command says so in one line. The layers are `LAYERS` below, written as plain
data so that tests/test_torch_unet003.py checks them against the Keras model without
PyTorch: 4 encoder blocks (3x3 conv stride 2 + BN + LeakyReLU 0.01), 3 decoder blocks
(3x3 transposed conv stride 2, concatenate the skip, BN over the concatenation,
dropout 0.5, ReLU), a final 3x3 transposed conv stride 2 to RGB and a sigmoid
(report 003, section II). Keras' "same" padding is padding=1 (and output_padding=1
for the transposed convs): the same shapes and FLOPs. BN momentum 0.01 is Keras' 0.99.

Training as in the report: Adam 1e-4, MSE, batch 383, synthetic gray -> RGB batches
on the device. Configurations: `fp32`, `bf16` (torch.autocast bfloat16; weights stay
float32) and `bf16+compile` (the same under torch.compile). Tensors are
channels-last (torch.channels_last), the layout tensor cores prefer and the Keras
models' own. img/s = batch / median step time after warm-up steps (which compile).
"""
from __future__ import annotations

import argparse
import time

from benchmarks import common

# (kind, input channels, output channels, kernel, stride), in the Keras model's order.
LAYERS = (("conv", 1, 64, 3, 2), ("conv", 64, 128, 3, 2), ("conv", 128, 256, 3, 2),
          ("conv", 256, 512, 3, 2),
          ("transposed", 512, 256, 3, 2), ("transposed", 512, 128, 3, 2),
          ("transposed", 256, 64, 3, 2),
          ("transposed", 128, 3, 3, 2))
SKIP_CHANNELS = (256, 128, 64)  # e3, e2, e1: concatenated after decoder blocks 1..3
CONFIGS = ("fp32", "bf16", "bf16+compile")


def build(torch):
    """The twin as a torch.nn.Module (torch passed in: it is imported only in main)."""
    nn = torch.nn

    class UNet003(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = nn.ModuleList(), nn.ModuleList()
            for kind, cin, cout, k, s in LAYERS[:4]:
                self.encoder.append(nn.Sequential(
                    nn.Conv2d(cin, cout, k, s, padding=k // 2),
                    nn.BatchNorm2d(cout, momentum=0.01), nn.LeakyReLU(0.01)))
            for (kind, cin, cout, k, s), skip in zip(LAYERS[4:7], SKIP_CHANNELS):
                self.decoder.append(nn.ConvTranspose2d(cin, cout, k, s, padding=k // 2,
                                                       output_padding=s - 1))
                self.decoder.append(nn.Sequential(
                    nn.BatchNorm2d(cout + skip, momentum=0.01), nn.Dropout(0.5), nn.ReLU()))
            kind, cin, cout, k, s = LAYERS[7]
            self.to_rgb = nn.ConvTranspose2d(cin, cout, k, s, padding=k // 2,
                                             output_padding=s - 1)

        def forward(self, x):
            skips = []
            for block in self.encoder:
                x = block(x)
                skips.append(x)
            for i in range(3):
                x = self.decoder[2 * i](x)
                x = self.decoder[2 * i + 1](torch.cat([x, skips[-2 - i]], dim=1))
            return torch.sigmoid(self.to_rgb(x).float())

    return UNet003()


def time_config(torch, label: str, size: int, batch: int, device: str, warmup: int,
                min_steps: int, min_seconds: float) -> dict:
    model = build(torch).to(device).to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    gray = torch.rand(batch, 1, size, size, device=device).to(memory_format=torch.channels_last)
    target = torch.rand(batch, 3, size, size, device=device)
    bf16 = label.startswith("bf16")

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=bf16):
            loss = torch.nn.functional.mse_loss(model(gray), target)
        loss.backward()
        optimizer.step()
        return loss

    if label.endswith("+compile"):
        step = torch.compile(step)
    start = time.perf_counter()
    for _ in range(warmup):
        step().item()  # .item() waits for the device
    first = time.perf_counter() - start
    times = []
    while len(times) < min_steps or sum(times) < min_seconds:
        t0 = time.perf_counter()
        step().item()
        times.append(time.perf_counter() - t0)
    step_s = sorted(times)[len(times) // 2]
    return {"model": "unet003 (PyTorch)", "input": size, "batch": batch, "config": label,
            "img/s": batch / step_s, "warm-up s": first, "steps": len(times)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="32 px, batch 2, one step")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=383)
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS))
    parser.add_argument("--section", default="Training step, PyTorch twin of unet003")
    parser.add_argument("--output", default=str(common.RESULTS))
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        raise SystemExit("benchmarks.torch_unet003 needs PyTorch (pip install torch); "
                         "it is not a dependency of the suite") from None
    timing = dict(warmup=3, min_steps=5, min_seconds=2.0)
    if args.quick:
        args.size, args.batch = 32, 2
        timing = dict(warmup=1, min_steps=1, min_seconds=0.0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    hardware = torch.cuda.get_device_name(0) if device == "cuda" else "CPU"
    rows = []
    for label in args.configs:
        try:
            rows.append(time_config(torch, label, args.size, args.batch, device, **timing))
        except Exception as err:  # noqa: BLE001  (one failed config must not hide the rest)
            rows.append({"model": "unet003 (PyTorch)", "input": args.size, "batch": args.batch,
                         "config": label, "note": f"FAILED: {type(err).__name__}: "
                                                  f"{str(err).splitlines()[0][:160]}"})
        print(rows[-1], flush=True)
    body = [f"- Device: {hardware}; PyTorch {torch.__version__}; date "
            f"{time.strftime('%Y-%m-%dT%H:%M:%S')}",
            f"- Command: `{common.command_line('benchmarks.torch_unet003', argv)}`",
            "- Adam 1e-4 + MSE on synthetic batches, channels-last; bf16 = torch.autocast "
            "bfloat16; median step after the warm-up steps (which include torch.compile).",
            "", common.table(rows, ["model", "input", "batch", "config", "img/s",
                                    "warm-up s", "steps", "note"])]
    return common.publish(args.section, body, args.output)


if __name__ == "__main__":
    raise SystemExit(main())

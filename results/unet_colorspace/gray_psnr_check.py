"""Gray prediction on cifar10-jpg test: how its per-image mean PSNR is made up (report 000 table).

    python results/unet_colorspace/gray_psnr_check.py > results/unet_colorspace/gray_psnr_check.txt
"""
import numpy as np, data_pipelines
from deepcolor.colorspaces import rgb_to_gray
imgs, _ = data_pipelines.load_images("cifar10-jpg", "test", image_size=32, validation_fraction=0.2)
vals = []
for b in imgs.batch(1000):
    b = b.numpy(); g = np.repeat(rgb_to_gray(b).numpy(), 3, -1)
    mse = ((b - g) ** 2).reshape(len(b), -1).mean(1)
    vals.append(np.minimum(100, -10 * np.log10(np.maximum(mse, 1e-10))))
v = np.concatenate(vals)
print(f"gray PSNR over {len(v)} test images: mean {v.mean():.2f}, median {np.median(v):.2f}, >40 dB: {(v>40).sum()}, >30 dB: {(v>30).sum()}, mean without >40 dB: {v[v<=40].mean():.2f}")

import time, numpy as np, keras
from deepcolor.models import registry
x = np.random.rand(2048, 32, 32, 1).astype("float32")
for name, ch in (("unet000_simple_rgb", 3), ("unet000_complex_rgb", 3)):
    for bs in (64, 128):
        y = np.random.uniform(-1, 1, (2048, 32, 32, ch)).astype("float32")
        m = registry.build(name, input_size=32)
        m.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
        m.fit(x[:bs*2], y[:bs*2], batch_size=bs, epochs=1, verbose=0)
        t = time.time(); m.fit(x, y, batch_size=bs, epochs=1, verbose=0); dt = time.time() - t
        print(name, bs, f"{dt/2048*1000:.2f} ms/img -> {dt/2048*40000/60:.1f} min per 40k epoch", flush=True)

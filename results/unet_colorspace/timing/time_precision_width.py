import time, sys, numpy as np, keras
from deepcolor.models import registry
policy, name, bs, fil = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
keras.mixed_precision.set_global_policy(policy)
n = 1024
x = np.random.rand(n, 32, 32, 1).astype("float32")
y = np.random.uniform(-1, 1, (n, 32, 32, 3)).astype("float32")
m = registry.build(name, input_size=32, base_filters=fil)
m.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
m.fit(x[:bs*2], y[:bs*2], batch_size=bs, epochs=1, verbose=0)
t = time.time(); m.fit(x, y, batch_size=bs, epochs=1, verbose=0); dt = time.time() - t
t = time.time(); m.predict(x, batch_size=bs, verbose=0); dp = time.time() - t
print(policy, name, bs, fil, f"train {dt/n*1000:.2f} ms/img, predict {dp/n*1000:.2f} ms/img; load {open('/proc/loadavg').read().split()[0]}", flush=True)

"""Writes results/unet_colorspace/config.json: where README.md's tables come from.

    python results/unet_colorspace/summary_config.py

README.md's tables are copied from cifar10/table.csv and default/table.csv; this
records, for each, the command, experiment config, library versions and machine of the
run that produced it (taken from that run's own config.json), and the supporting check
scripts with their outputs.
"""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
summary = {"describes": "results/unet_colorspace/README.md", "tables": {}, "checks": {}}
for preset in ("cifar10", "default"):
    run = json.loads((HERE / preset / "config.json").read_text())
    summary["tables"][preset] = {
        "source": f"results/unet_colorspace/{preset}/table.csv",
        "command": run["command"], "precision": run["precision"],
        "environment": run["environment"], "config": run["config"]}
for script in ("gray_psnr_check", "bn_momentum_check"):
    summary["checks"][script] = {"script": f"results/unet_colorspace/{script}.py",
                                 "output": f"results/unet_colorspace/{script}.txt"}
summary["checks"]["timing"] = {"notes": "results/unet_colorspace/timing/README.md",
                               "machine": "results/unet_colorspace/timing/machine.json"}
(HERE / "config.json").write_text(json.dumps(summary, indent=2) + "\n")
print(HERE / "config.json")

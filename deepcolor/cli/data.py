"""`deepcolor data check`: what a preset (or a source) would train and test on.

    deepcolor data check --preset koalarization:paper --dataset Fruits ~/data/fruits-360
    deepcolor data check --preset dilated_unet:paper          # the preset's own paths
    deepcolor data check --source landscapes:~/data/landscapes
    deepcolor data check --preset deepcolor003:paper PATH --json # the check as JSON

Prints, per source: images per split, what was left out and why, files or exact
contents found in two splits (SHA-1 of the bytes) and the images' resolution.
PATH replaces the preset's folder for its one dataset (--dataset picks one of
several, by its label). Exit status: 0 when the data is as expected; 2 with one line
naming the expected layout when the folder is not laid out as the preset expects
(or on misuse); 1 when an image is in two splits (--allow-duplicates accepts them).
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import sys

from deepcolor.errors import UsageError, run_command

PROG = "deepcolor data check"


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description=__doc__.split("\n\n")[0])
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--preset", help="EXPERIMENT:PRESET, e.g. koalarization:paper")
    what.add_argument("--source", help="a source spec, e.g. fruits360:PATH (see README)")
    p.add_argument("path", nargs="?", help="the dataset's folder (default: the preset's)")
    p.add_argument("--dataset", help="which of the preset's datasets PATH is (its label)")
    p.add_argument("--allow-duplicates", action="store_true",
                   help="exit 0 even if an image is in two splits")
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    return p


def _preset_data(spec: str, label, path) -> list:
    from data_pipelines import registry
    from deepcolor.train import datacheck

    name, _, preset = spec.partition(":")
    try:
        module = importlib.import_module(f"experiments.{name}")
    except ModuleNotFoundError as error:
        if error.name not in ("experiments", f"experiments.{name}"):
            raise  # the experiment exists; something it needs is missing
        raise UsageError(f"unknown experiment {name!r} (run from a checkout; experiments/"
                         f"<name>.py)") from None
    config = module.EXPERIMENT.config(preset or "paper")
    datas = datacheck.distinct_data(config, label)
    if not datas:
        raise UsageError(f"{spec} has no dataset labelled {label!r}")
    if path is None:
        return datas
    folders = list(dict.fromkeys(d.source for d in datas if registry.path_of(d.source)))
    if len(folders) != 1:
        labels = ", ".join(dict.fromkeys(repr(d.label) for d in datas
                                         if registry.path_of(d.source))) or "none"
        raise UsageError(f"{spec} reads {len(folders)} dataset folders ({labels}): name the "
                         f"one PATH holds with --dataset")
    kind = folders[0].partition(":")[0]
    return [dataclasses.replace(d, source=f"{kind}:{path}") for d in datas
            if d.source == folders[0]]

def _run(argv) -> int:
    if not argv or argv[0] != "check":
        raise UsageError("usage: deepcolor data check (--preset EXPERIMENT:PRESET | --source "
                         "SPEC) [PATH]")
    args = _parser().parse_args(argv[1:])
    from data_pipelines import registry
    from data_pipelines.layout import LayoutError
    from data_pipelines.report import DataSourceError
    from deepcolor.train import config as config_lib, datacheck

    if args.source:
        if args.path or args.dataset:
            raise UsageError("PATH and --dataset go with --preset; --source names its own path")
        try:
            registry.lookup(args.source)
        except DataSourceError as error:
            raise UsageError(str(error)) from None
        datas = [config_lib.DataConfig(source=args.source)]
    else:
        datas = _preset_data(args.preset, args.dataset, args.path)
    checks = []
    try:
        for data in datas:
            checks.append(datacheck.check_data(data))
    except LayoutError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except (DataSourceError, OSError) as error:
        print(f"{PROG}: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    print(json.dumps([c.to_dict() for c in checks], indent=1) if args.json
          else "\n".join(c.text() for c in checks))
    problems = [f"{c.source}: {p}" for c in checks for p in c.problems]
    if problems and not args.allow_duplicates:
        print(f"{PROG}: error: {problems[0]} (--allow-duplicates accepts them)", file=sys.stderr)
        return 1
    return 0


def main(argv=None) -> int:
    return run_command(PROG, _run, argv)

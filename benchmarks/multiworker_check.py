"""Run the tiny experiment as N workers of `--strategy multiworker` on this machine.

    python -m benchmarks.multiworker_check [--workers 2] [--timeout 600]

Starts N processes on localhost, each with its own TF_CONFIG (the same cluster,
its own task index), and its own --runs-dir and --results-dir (workers must not
write the same files). Prints each worker's exit status and last line; exit
status 0 only if every worker finished. This is the multi-machine set-up of
results/scaling.md in miniature: one CPU device per worker, gRPC over localhost.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def free_ports(count: int):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args(argv)
    cluster = {"worker": [f"localhost:{p}" for p in free_ports(args.workers)]}
    with tempfile.TemporaryDirectory() as tmp:
        processes = []
        for index in range(args.workers):
            env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "",
                   "TF_CONFIG": json.dumps({"cluster": cluster,
                                            "task": {"type": "worker", "index": index}})}
            log = open(Path(tmp) / f"worker-{index}.log", "w")
            command = [sys.executable, "-m", "tests.tiny_experiment", "--preset", "long",
                       "--epochs", "1", "--strategy", "multiworker",
                       "--runs-dir", f"{tmp}/runs-{index}",
                       "--results-dir", f"{tmp}/results-{index}"]
            processes.append((subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                               env=env), log))
        statuses = []
        for index, (process, log) in enumerate(processes):
            try:
                statuses.append(process.wait(timeout=args.timeout))
            except subprocess.TimeoutExpired:
                process.kill()
                statuses.append("timed out")
            log.close()
            lines = [line for line in (Path(tmp) / f"worker-{index}.log").read_text()
                     .splitlines() if line.strip() and not line.startswith(("I0000", "W0000"))]
            print(f"worker {index}: exit status {statuses[-1]}; last line: "
                  f"{lines[-1][:300] if lines else '(none)'}")
    return 0 if all(s == 0 for s in statuses) else 1


if __name__ == "__main__":
    raise SystemExit(main())

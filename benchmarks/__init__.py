"""Speed benchmarks of the suite: input pipeline, training step, full-resolution colorize.

Run from the repository root as `python -m benchmarks.<name>`; each prints a Markdown
table and updates its section of results/benchmarks.md.
"""

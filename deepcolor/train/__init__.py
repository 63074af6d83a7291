"""Training: one runner for every report, each module one job.

    config.py       RunConfig / ExperimentConfig: a report as plain data
    claims.py       the report's claims as data, decided by intervals over seeds
    experiment.py   the Experiment object an experiment module hands the runner
    args.py         the shared command line, validated before any data loads
    runner.py       main(): resolve the config, train every run per seed, write results
    rundirs.py      resumable run folders and atomically written results folders
    runtime.py      accelerators, mixed precision, distribution (per Keras backend)
    data.py         a run's splits, embeddings and encoded batches
    loop.py         train and evaluate one run, then export it
    gan.py          report 002's conditional GAN trainer
    results.py      tables, verdicts and figures of a finished experiment
    figures.py      loss curves and sample grids
    environment.py  the machine and versions saved beside every result
"""

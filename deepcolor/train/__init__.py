"""Training: one runner for every report, each module one job.

    config.py        RunConfig / ExperimentConfig: a report as plain data
    claims.py        the report's claims as data, checked before training
    deciding.py      claims -> verdicts: which test, Holm over a report, the verdict rule
    stats.py         the tests themselves (scipy.stats, statsmodels): paired t, TOST, power
    metric_table.py  every metric, declared once: its function, direction, column, summary
    experiment.py    the Experiment object an experiment module hands the runner
    args.py          the shared command line, validated before any data loads
    runner.py        main(): resolve the config, train every run per seed, write results
    rundirs.py       resumable run folders and atomically written results folders
    runtime.py       accelerators, mixed precision, distribution (per Keras backend)
    data.py          a run's splits, embeddings and encoded batches
    datacheck.py     a paper preset's dataset layout, checked before training
    baselines.py     the untrained baselines (no colour, mean colour) every model must beat
    loop.py          one run as steps: prepare data, build, fit, score, export
    scoring.py       a model's metrics and sample images on a dataset
    callbacks.py     history, checkpoints and resumable backups written each epoch
    gan.py           report 002's conditional GAN trainer
    results.py       tables, per-seed records, verdicts and figures of a finished experiment
    reanalyse.py     re-decide a finished experiment's claims from its per-seed records
    summary.py       results/claims.md and the README's claims table
    figures.py       loss curves and sample grids
    environment.py   the machine and versions saved beside every result
"""

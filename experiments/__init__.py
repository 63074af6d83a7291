"""One module per report: `python -m experiments.<name> --preset P` regenerates its tables."""

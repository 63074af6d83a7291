"""Serving a trained colorizer: the colorize graph (inference), SavedModel / TFLite /
`.keras` export and loading (export), and the shipped pretrained model."""

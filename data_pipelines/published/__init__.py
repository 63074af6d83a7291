"""Sources for the reports' datasets as each is published, one module per layout.

Each module has `NAME` (the source spec's prefix, `NAME:PATH`), `EXPECTED` (the layout
it expects, in one line, which a wrong folder's error names) and
`open_layout(path) -> layout.Layout`. `data_pipelines.registry` lists them.
"""

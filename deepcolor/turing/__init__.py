"""The human study ("real or colorized?"): the pool of images, the web page, the
server and the scoring. Standard library and PIL only, so `deepcolor turing` starts
fast; the command itself is deepcolor.cli.turing."""

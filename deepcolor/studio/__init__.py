"""`deepcolor serve`: a local page to colorize photos in (server.py, page.py)."""

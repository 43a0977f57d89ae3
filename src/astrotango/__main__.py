"""``python -m astrotango``: the command line."""

from astrotango.cli import app

app()

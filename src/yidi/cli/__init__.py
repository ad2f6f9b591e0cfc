"""The `yidi` command line: one module per command group, one renderer (`yidi.cli.render`)."""

from yidi.cli.main import app, main

__all__ = ["app", "main"]

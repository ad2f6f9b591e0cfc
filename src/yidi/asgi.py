"""ASGI entry point for process managers (`uvicorn yidi.asgi:app`), configured from the environment."""

from yidi.app import create_app
from yidi.serving import prepare_collector

app = create_app()
prepare_collector()  # each worker imports this module: its start-up heap frozen, its young collections fewer

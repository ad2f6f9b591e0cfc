"""ASGI entry point for process managers (`uvicorn yidi.asgi:app`), configured from the environment."""

from yidi.app import create_app
from yidi.serving import freeze_start_heap

app = create_app()
freeze_start_heap()  # each worker imports this module: its start-up heap out of the collector's full passes

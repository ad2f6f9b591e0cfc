"""ASGI entry point for process managers (`uvicorn yidi.asgi:app`), configured from the environment."""

from yidi.app import create_app

app = create_app()

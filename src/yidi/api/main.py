"""ASGI entry point for process managers (`uvicorn yidi.api.main:app`), configured from the environment."""

from yidi.api.app import create_app

app = create_app()

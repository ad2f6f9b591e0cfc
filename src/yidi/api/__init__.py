"""The JSON API door (FastAPI): parse, authorise, call a service, render."""

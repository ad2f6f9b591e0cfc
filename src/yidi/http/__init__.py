"""Shared HTTP pieces of the API and the pages: who is calling (security, tokens), who may call what (authz),
body limits and strict JSON, and errors rendered as the one JSON envelope. Neither door's routes live here."""

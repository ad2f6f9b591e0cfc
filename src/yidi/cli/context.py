"""The CLI's Context: built from the environment (YIDI_DATABASE_URL, YIDI_PACKS, …); a bad setting exits 2."""

from __future__ import annotations

from yidi.cli.render import fail
from yidi.domain.errors import YidiError
from yidi.services.context import Context
from yidi.settings import Settings


def open_context() -> Context:
    """A Context for one command; the caller closes it."""
    try:
        return Context.from_settings(Settings.from_env())
    except YidiError as err:
        fail(err)

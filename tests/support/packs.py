"""The sample policy packs, parsed once per test session and shared by every test that reads them.

Parsing them takes seconds, and a PackSet is a value: no service changes it after loading. A test that needs
other rules gives its context a changed copy (`dataclasses.replace(ctx.packs, ...)`) instead of editing the
shared one; `assert_packs_unchanged` (run when the session ends, tests/conftest.py) proves nobody did.
"""

from __future__ import annotations

import hashlib
from functools import cache

import pytest

from yidi.domain.packset import PackSet
from yidi.policies.loader import SAMPLE_DIR, load_packs

_LOADED: dict[str, str] = {}  # the shared packs' digest right after parsing


def _digest(packs: PackSet) -> str:
    # repr of the dataclasses and pydantic models is the whole content, in a stable order within one process
    return hashlib.sha256(repr(packs).encode()).hexdigest()


@cache
def sample_packs() -> PackSet:
    """The packs in SAMPLE_DIR, parsed on first use, then the same object for the rest of the session."""
    packs = load_packs(SAMPLE_DIR)
    _LOADED["sample"] = _digest(packs)
    return packs


def assert_packs_unchanged() -> None:
    if "sample" in _LOADED:
        assert _digest(sample_packs()) == _LOADED["sample"], (
            "a test changed the shared sample packs: give its context a changed copy (dataclasses.replace)")


@pytest.fixture(scope="session")
def packs() -> PackSet:
    """The sample packs, parsed once per session: read them, never change them in place."""
    return sample_packs()

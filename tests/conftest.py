"""Test-wide settings: the development headers, the hypothesis profiles, and the shared sample packs.

The development headers (X-Yidi-Role / X-Yidi-Subject) are enabled for the tests. Issue 8 turns them off by
default everywhere else; the tests of every door keep using them as a shorthand for "this principal"
(tests/api/test_security.py covers the real authentication). Servers the tests start as subprocesses
inherit this environment.

Hypothesis: CI (CI=true) runs the `ci` profile, at least as many examples as the property tests ever ran;
a local run takes the quick `dev` profile. HYPOTHESIS_PROFILE=ci runs CI's counts locally.
"""

import os

os.environ.setdefault("YIDI_DEV_HEADERS", "1")  # before yidi is imported

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.support.packs import assert_packs_unchanged, packs  # noqa: F401 - the session fixture

CI = os.environ.get("CI", "").lower() == "true"
settings.register_profile("ci", max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", settings.get_profile("ci"), max_examples=50)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if CI else "dev"))


@pytest.fixture(scope="session", autouse=True)
def _packs_stay_unchanged() -> Iterator[None]:
    yield
    assert_packs_unchanged()

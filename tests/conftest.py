"""Test-wide settings: the development headers (X-Yidi-Role / X-Yidi-Subject) are enabled for the tests.

Issue 8 turns them off by default everywhere else; the tests of every door keep using them as a shorthand
for "this principal" (tests/api/test_security.py covers the real authentication). Servers the tests start
as subprocesses inherit this environment.
"""

import os

os.environ.setdefault("YIDI_DEV_HEADERS", "1")

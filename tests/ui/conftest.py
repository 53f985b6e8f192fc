"""Fixtures of the AppTest page tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Put back the interpreter's __main__ after each test: AppTest leaves the script it ran there
    (for `from_function`, a temporary file), and the taxonomy loader's worker processes, started
    later in the same pytest process, would run that script first (multiprocessing re-imports the
    parent's __main__) and die."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main

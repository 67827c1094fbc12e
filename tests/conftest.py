"""The tests: tests/unit/<package> (capture, pose, scoring, datasets, skillsight) for one package each,
tests/integration for whole paths (app, CLI, batch, real footage end to end). Shared fixtures are pytest
plugins in tests/support (on the path via pyproject's pythonpath), as are the test-data factories.
"""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("shared_data")  # imported below before pytest loads it as a plugin

# The names tests import from here (they predate the plugins).
from shared_data import REPO_ROOT, shared_data_dir, shared_file  # noqa: E402, F401

pytest_plugins = ["shared_data"]

#!/usr/bin/env bash
# Fresh machine -> lint, type-check and the whole test suite. README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"

# The browser tests drive Debian's chromium (no browser download) and make a fake webcam with ffmpeg.
if ! command -v chromium >/dev/null 2>&1 || ! command -v ffmpeg >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ffmpeg >/dev/null
    else
        echo "note: chromium/ffmpeg missing and cannot be installed here; browser tests will skip" >&2
    fi
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy capture pose scoring datasets skillsight app.py
# Imports point only down the layers (import-linter contracts in pyproject.toml).
.venv/bin/python scripts/lint_imports.py
.venv/bin/python -m pytest "$@"

# The newest Python a trainee's laptop brings: install into a second venv and run the tracking,
# scoring and packaging tests there too (SKIP_PY313=1 skips; PY313=/path/to/python3.13 chooses one).
is_py313() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1; }
if [ "${SKIP_PY313:-0}" != "1" ]; then
    PY313="${PY313:-}"
    # A pyenv shim on the PATH may exist without working, so every candidate is tried, not just found.
    for candidate in "$(command -v python3.13 || true)" "$HOME"/.pyenv/versions/3.13*/bin/python3.13; do
        if [ -z "$PY313" ] && is_py313 "$candidate"; then
            PY313="$candidate"
        fi
    done
    if ! is_py313 "$PY313"; then
        echo "note: no working Python 3.13 found (PATH, ~/.pyenv/versions); skipping the 3.13 test run" >&2
    else
        echo "== Python 3.13 ($PY313): tracking, scoring and packaging tests =="
        [ -x .venv313/bin/python ] || "$PY313" -m venv .venv313
        .venv313/bin/python -m pip install --quiet --upgrade pip
        .venv313/bin/python -m pip install --quiet -e . "pytest>=8,<10"
        .venv313/bin/python -m pytest -q -p no:cacheprovider \
            tests/unit/pose/test_tracking_*.py tests/integration/test_packaging.py \
            tests/unit/skillsight/test_cli_shell.py tests/unit/scoring/test_scorer_suite.py \
            tests/unit/scoring/test_assessment_defaults.py tests/unit/scoring/test_assessment_refusal.py \
            tests/integration/test_score_cli_exit_codes.py
    fi
fi

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
.venv/bin/python -m pytest "$@"
